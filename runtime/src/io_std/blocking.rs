//! [`Blocking`]: a blocking `Read`/`Write` object driven on the blocking pool, one operation
//! at a time, behind the poll functions of the async I/O traits.
//!
//! Invariants:
//! - The object and its buffer travel together (`Parts`): into the blocking job while an
//!   operation runs (`Busy`), back in `Idle` once it is done. So at most one blocking
//!   operation runs per handle, and no lock is needed.
//! - A read fills the buffer with at most what the caller asked for (capped at `MAX_BUF`), and
//!   later reads are served from it before another blocking read is started.
//! - A write copies the caller's bytes (capped at `MAX_BUF`) and reports them written at once;
//!   the blocking `write_all` runs behind, and its error (if any) is reported by the next
//!   write or flush. A flush waits for that write, then flushes.
//! - A blocking job that fails to come back (its pool shut down, or it panicked) loses the
//!   object: every later operation reports that error instead of hanging.

use crate::task::JoinHandle;
use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The most one blocking operation reads or writes (as tokio's).
pub(crate) const MAX_BUF: usize = 2 * 1024 * 1024;

/// A blocking object driven on the blocking pool.
#[derive(Debug)]
pub(crate) struct Blocking<T> {
    state: State<T>,
    /// A write was started since the last flush.
    need_flush: bool,
}

#[derive(Debug)]
enum State<T> {
    /// `None` once a blocking job failed to give the object back.
    Idle(Option<Parts<T>>),
    Busy(JoinHandle<(Done, Parts<T>)>),
}

#[derive(Debug)]
struct Parts<T> {
    inner: T,
    /// Read: the bytes read and not yet handed out, from `pos`. Write: the bytes to write.
    buf: Vec<u8>,
    pos: usize,
}

/// What a finished blocking operation reports.
#[derive(Debug)]
enum Done {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Flush(io::Result<()>),
}

impl<T: Send + 'static> Blocking<T> {
    pub(crate) fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle(Some(Parts {
                inner,
                buf: Vec::new(),
                pos: 0,
            })),
            need_flush: false,
        }
    }

    /// Waits for the running operation, if any; `Ok(())` once idle, or its error.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Done>>> {
        let State::Busy(job) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        let finished = ready!(Pin::new(job).poll(cx));
        match finished {
            Ok((done, parts)) => {
                self.state = State::Idle(Some(parts));
                Poll::Ready(Ok(Some(done)))
            }
            Err(error) => {
                self.state = State::Idle(None);
                Poll::Ready(Err(io::Error::other(format!(
                    "the blocking operation of this stdio handle did not complete ({error}); \
                     the handle is unusable"
                ))))
            }
        }
    }

    /// The object and buffer, to start an operation with.
    fn take_parts(&mut self) -> io::Result<Parts<T>> {
        match &mut self.state {
            State::Idle(parts) => parts.take().ok_or_else(|| {
                io::Error::other("an earlier blocking operation of this stdio handle failed")
            }),
            State::Busy(_) => unreachable!("taken only when idle"),
        }
    }

    fn parts(&mut self) -> io::Result<&mut Parts<T>> {
        match &mut self.state {
            State::Idle(Some(parts)) => Ok(parts),
            State::Idle(None) => Err(io::Error::other(
                "an earlier blocking operation of this stdio handle failed",
            )),
            State::Busy(_) => unreachable!("looked at only when idle"),
        }
    }

    /// Starts `job` on the blocking pool; once the runtime has shut down, the runtime-shutdown
    /// error at once (`runtime::is_rt_shutdown_err`), as tokio's, and the handle is unusable.
    fn start(&mut self, job: impl FnOnce() -> (Done, Parts<T>) + Send + 'static) -> io::Result<()> {
        let refused = crate::runtime::context::try_scheduler()
            .is_some_and(|handle| handle.blocking().is_shut_down());
        if refused {
            return Err(weft_io::shutdown_error());
        }
        self.state = State::Busy(crate::task::spawn_blocking(job));
        Ok(())
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            match ready!(self.poll_idle(cx))? {
                Some(Done::Read(Ok(0))) => return Poll::Ready(Ok(0)),
                Some(
                    Done::Read(Err(error)) | Done::Write(Err(error)) | Done::Flush(Err(error)),
                ) => return Poll::Ready(Err(error)),
                Some(_) | None => {}
            }
            let parts = self.parts()?;
            if parts.pos < parts.buf.len() {
                let available = &parts.buf[parts.pos..];
                let n = available.len().min(dst.len());
                dst[..n].copy_from_slice(&available[..n]);
                parts.pos += n;
                return Poll::Ready(Ok(n));
            }
            let mut parts = self.take_parts()?;
            let want = dst.len().min(MAX_BUF);
            self.start(move || {
                parts.buf.clear();
                parts.buf.resize(want, 0);
                parts.pos = 0;
                let read = loop {
                    match parts.inner.read(&mut parts.buf) {
                        Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                parts.buf.truncate(*read.as_ref().unwrap_or(&0));
                (Done::Read(read), parts)
            })?;
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(Done::Write(Err(error)) | Done::Flush(Err(error))) = ready!(self.poll_idle(cx))?
        {
            return Poll::Ready(Err(error));
        }
        let mut parts = self.take_parts()?;
        let n = src.len().min(MAX_BUF);
        parts.buf.clear();
        parts.buf.extend_from_slice(&src[..n]);
        self.need_flush = true;
        self.start(move || {
            let written = parts.inner.write_all(&parts.buf);
            parts.buf.clear();
            (Done::Write(written), parts)
        })?;
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if let Some(Done::Write(Err(error)) | Done::Flush(Err(error))) =
                ready!(self.poll_idle(cx))?
            {
                return Poll::Ready(Err(error));
            }
            if !self.need_flush {
                return Poll::Ready(Ok(()));
            }
            self.need_flush = false;
            let mut parts = self.take_parts()?;
            self.start(move || {
                let flushed = parts.inner.flush();
                (Done::Flush(flushed), parts)
            })?;
        }
    }
}
