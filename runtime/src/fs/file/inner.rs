//! `File`'s state machine: `Idle` with its buffer, or `Busy` while one blocking job owns the
//! buffer (see the invariants in `file.rs`), and the reads, writes, flushes and seeks that
//! drive it.

use crate::task::JoinHandle;
use std::future::Future;
use std::io::{self, IoSlice, Read, Seek, SeekFrom, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub(super) struct Inner {
    pub(super) state: State,
    /// The error of a write-behind that no call has returned yet.
    pub(super) last_write_err: Option<io::Error>,
    /// A seek started by tokio's `AsyncSeek::start_seek` and not completed yet.
    pub(super) pending_seek: Option<SeekFrom>,
}

pub(super) enum State {
    Idle(Buf),
    Busy(JoinHandle<(Operation, Buf)>),
}

pub(super) enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

/// The buffer: `data[pos..]` is read-ahead not handed out yet (empty between writes).
#[derive(Default)]
pub(super) struct Buf {
    data: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn unread(&self) -> usize {
        self.data.len() - self.pos
    }

    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = self.unread().min(dst.len());
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Drops the read-ahead; the (non-positive) offset that moves the OS position back to the
    /// caller's.
    pub(super) fn discard_read(&mut self) -> i64 {
        let unread = self.unread();
        self.data.clear();
        self.pos = 0;
        -i64::try_from(unread).expect("a read-ahead fits in an i64")
    }
}

impl Inner {
    /// Waits for the job in flight, if any, and puts the file back to `Idle`.
    pub(super) fn poll_job(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Operation>> {
        let State::Busy(job) = &mut self.state else {
            unreachable!("poll_job on an idle file")
        };
        let (operation, buf) = match Pin::new(job).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(done)) => done,
            Poll::Ready(Err(error)) if error.is_panic() => {
                std::panic::resume_unwind(error.into_panic())
            }
            Poll::Ready(Err(_)) => {
                self.state = State::Idle(Buf::default());
                return Poll::Ready(Err(crate::fs::cancelled("the file operation")));
            }
        };
        self.state = State::Idle(buf);
        Poll::Ready(Ok(operation))
    }

    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<std::fs::File>,
        max_buf_size: usize,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            match &mut self.state {
                State::Idle(buf) => {
                    if buf.unread() > 0 || dst.is_empty() {
                        return Poll::Ready(Ok(buf.copy_to(dst)));
                    }
                    let mut buf = std::mem::take(buf);
                    let len = dst.len().min(max_buf_size);
                    let std = std.clone();
                    self.state = State::Busy(crate::task::spawn_blocking(move || {
                        buf.data.resize(len, 0);
                        buf.pos = 0;
                        let read = (&*std).read(&mut buf.data);
                        buf.data.truncate(*read.as_ref().unwrap_or(&0));
                        (Operation::Read(read), buf)
                    }));
                }
                State::Busy(_) => match std::task::ready!(self.poll_job(cx))? {
                    Operation::Read(Ok(_)) => {
                        let State::Idle(buf) = &mut self.state else {
                            unreachable!("poll_job leaves the file idle")
                        };
                        return Poll::Ready(Ok(buf.copy_to(dst)));
                    }
                    Operation::Read(Err(error)) => return Poll::Ready(Err(error)),
                    Operation::Write(Err(error)) => self.last_write_err = Some(error),
                    Operation::Write(Ok(())) | Operation::Seek(_) => {}
                },
            }
        }
    }

    pub(super) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<std::fs::File>,
        max_buf_size: usize,
        src: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(error) = self.last_write_err.take() {
            return Poll::Ready(Err(error));
        }
        loop {
            match &mut self.state {
                State::Idle(buf) => {
                    if src.iter().all(|slice| slice.is_empty()) {
                        return Poll::Ready(Ok(0));
                    }
                    let seek_back = buf.discard_read();
                    // The slices in order, up to `max_buf_size` bytes in all (one job).
                    let mut n = 0;
                    for slice in src {
                        let take = slice.len().min(max_buf_size - n);
                        buf.data.extend_from_slice(&slice[..take]);
                        n += take;
                        if n == max_buf_size {
                            break;
                        }
                    }
                    let mut buf = std::mem::take(buf);
                    let std = std.clone();
                    self.state = State::Busy(crate::task::spawn_blocking(move || {
                        let written = (|| {
                            if seek_back != 0 {
                                (&*std).seek(SeekFrom::Current(seek_back))?;
                            }
                            (&*std).write_all(&buf.data)
                        })();
                        buf.data.clear();
                        (Operation::Write(written), buf)
                    }));
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => match std::task::ready!(self.poll_job(cx))? {
                    Operation::Write(Err(error)) => return Poll::Ready(Err(error)),
                    // A finished read leaves read-ahead, which the write above seeks back over.
                    Operation::Write(Ok(())) | Operation::Read(_) | Operation::Seek(_) => {}
                },
            }
        }
    }

    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(error) = self.last_write_err.take() {
            return Poll::Ready(Err(error));
        }
        if let State::Idle(_) = self.state {
            return Poll::Ready(Ok(()));
        }
        match std::task::ready!(self.poll_job(cx))? {
            Operation::Write(Err(error)) => Poll::Ready(Err(error)),
            Operation::Write(Ok(())) | Operation::Read(_) | Operation::Seek(_) => {
                Poll::Ready(Ok(()))
            }
        }
    }

    /// Starts a seek if none is in flight, and waits for it. A caller that polls again after
    /// `Pending` (as `AsyncSeek` requires, with the same `pos`) gets the result of the seek it
    /// started.
    pub(super) fn poll_seek(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<std::fs::File>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        loop {
            match &mut self.state {
                State::Idle(buf) => {
                    let seek_back = buf.discard_read();
                    let pos = match pos {
                        SeekFrom::Current(offset) => match offset.checked_add(seek_back) {
                            Some(offset) => SeekFrom::Current(offset),
                            None => {
                                return Poll::Ready(Err(io::Error::new(
                                    io::ErrorKind::InvalidInput,
                                    "seek offset overflows",
                                )))
                            }
                        },
                        other => other,
                    };
                    let buf = std::mem::take(buf);
                    let std = std.clone();
                    self.state = State::Busy(crate::task::spawn_blocking(move || {
                        (Operation::Seek((&*std).seek(pos)), buf)
                    }));
                }
                State::Busy(_) => match std::task::ready!(self.poll_job(cx))? {
                    Operation::Seek(result) => return Poll::Ready(result),
                    Operation::Write(Err(error)) => return Poll::Ready(Err(error)),
                    Operation::Write(Ok(())) | Operation::Read(_) => {}
                },
            }
        }
    }
}
