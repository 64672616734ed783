//! A mock I/O object that plays a script of reads, writes, waits and errors: tokio-test's
//! `io` module, on weft's timer and channels.
//!
//! [`Builder`] writes the script; the [`Mock`] it builds is an `AsyncRead + AsyncWrite` that
//! hands out each scripted read, checks each write against the scripted bytes (a write that
//! differs panics), sleeps through each `wait` (on weft's clock, so a paused test clock skips
//! it), and returns each scripted error once. A [`Handle`] from
//! [`build_with_handle`](Builder::build_with_handle) appends to the script while the mock runs;
//! once the script is played out and every handle is dropped, reads see end of file. Dropping a
//! mock with scripted bytes left unread or unwritten panics (unless the thread is already
//! panicking), as tokio-test's does.
//!
//! ```
//! use std::time::Duration;
//! use weft::io::{AsyncReadExt, AsyncWriteExt};
//! use weft_test::io::Builder;
//!
//! #[weft::main(flavor = "current_thread", start_paused = true)]
//! async fn main() {
//!     let mut peer = Builder::new()
//!         .write(b"PING\r\n")
//!         .wait(Duration::from_secs(30))
//!         .read(b"+PONG\r\n")
//!         .build();
//!     let start = weft::time::Instant::now();
//!     peer.write_all(b"PING\r\n").await.unwrap();
//!     let mut reply = [0; 7];
//!     peer.read_exact(&mut reply).await.unwrap();
//!     assert_eq!(&reply, b"+PONG\r\n");
//!     // The paused clock skipped the thirty seconds.
//!     assert_eq!(start.elapsed(), Duration::from_secs(30));
//! }
//! ```

// # Invariants
//
// - `Script::actions` holds the actions not yet played out, in order. `Script::front` drops
//   finished ones from the front (reads and writes with no bytes left, errors taken, waits
//   whose deadline passed) before answering, so the front is always the action in progress.
// - A wait's deadline is set when it reaches the front (`Script::until`), so a wait lasts its
//   duration from the moment the script gets to it, whichever half gets there.
// - A read or write that cannot go on registers its waker: the reader while a write or the
//   handle's next action is ahead of it, the writer while a read is; each half wakes the other
//   when it moves the script past its own action, so neither waits on the other forever.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weft::io::{AsyncRead, AsyncWrite, ReadBuf};
use weft::sync::mpsc;
use weft::time::{Instant, Sleep};

/// Writes the script of a [`Mock`].
#[derive(Debug, Clone, Default)]
pub struct Builder {
    actions: VecDeque<Action>,
    name: String,
}

/// Appends to the script of a running [`Mock`]; the mock's reads end (end of file) once the
/// script is played out and every handle is dropped.
#[derive(Debug)]
pub struct Handle {
    tx: mpsc::UnboundedSender<Action>,
}

/// An `AsyncRead + AsyncWrite` that plays a script (see the [module](self) docs).
#[derive(Debug)]
pub struct Mock {
    script: Script,
    /// Armed for the `wait` at the front of the script.
    sleep: Option<Sleep>,
    /// Actions appended by the handles.
    more: mpsc::UnboundedReceiver<Action>,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

#[derive(Debug, Clone)]
enum Action {
    Read(Vec<u8>),
    Write(Vec<u8>),
    Wait(Duration),
    /// `None` once returned. Shared so that a `Builder` stays `Clone`.
    ReadError(Option<Arc<io::Error>>),
    WriteError(Option<Arc<io::Error>>),
}

#[derive(Debug)]
struct Script {
    actions: VecDeque<Action>,
    /// When the wait at the front ends, once it has reached the front.
    until: Option<Instant>,
    name: String,
}

impl Builder {
    /// An empty script.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Next, the mock's reader receives `buf` (over one or more reads).
    pub fn read(&mut self, buf: &[u8]) -> &mut Builder {
        self.actions.push_back(Action::Read(buf.into()));
        self
    }

    /// Next, a read returns `error`.
    pub fn read_error(&mut self, error: io::Error) -> &mut Builder {
        self.actions
            .push_back(Action::ReadError(Some(Arc::new(error))));
        self
    }

    /// Next, the mock's writer must write exactly `buf` (over one or more writes).
    pub fn write(&mut self, buf: &[u8]) -> &mut Builder {
        self.actions.push_back(Action::Write(buf.into()));
        self
    }

    /// Next, a write returns `error`.
    pub fn write_error(&mut self, error: io::Error) -> &mut Builder {
        self.actions
            .push_back(Action::WriteError(Some(Arc::new(error))));
        self
    }

    /// Next, reads and writes wait for `duration` (at least 1 ms, as tokio-test's), on weft's
    /// clock.
    pub fn wait(&mut self, duration: Duration) -> &mut Builder {
        let duration = duration.max(Duration::from_millis(1));
        self.actions.push_back(Action::Wait(duration));
        self
    }

    /// Names the mock in its panic messages.
    pub fn name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.name = name.into();
        self
    }

    /// A mock that plays this script (the builder keeps it, to build more).
    pub fn build(&mut self) -> Mock {
        self.build_with_handle().0
    }

    /// A mock that plays this script, and a handle that appends to it.
    pub fn build_with_handle(&mut self) -> (Mock, Handle) {
        let (tx, more) = mpsc::unbounded_channel();
        let script = Script {
            actions: self.actions.clone(),
            until: None,
            name: self.name.clone(),
        };
        let mock = Mock {
            script,
            sleep: None,
            more,
            reader: None,
            writer: None,
        };
        (mock, Handle { tx })
    }
}

impl Handle {
    /// Appends a read of `buf`.
    pub fn read(&mut self, buf: &[u8]) -> &mut Handle {
        self.append(Action::Read(buf.into()))
    }

    /// Appends a read that returns `error`.
    pub fn read_error(&mut self, error: io::Error) -> &mut Handle {
        self.append(Action::ReadError(Some(Arc::new(error))))
    }

    /// Appends a write of exactly `buf`.
    pub fn write(&mut self, buf: &[u8]) -> &mut Handle {
        self.append(Action::Write(buf.into()))
    }

    /// Appends a write that returns `error`.
    pub fn write_error(&mut self, error: io::Error) -> &mut Handle {
        self.append(Action::WriteError(Some(Arc::new(error))))
    }

    #[track_caller]
    fn append(&mut self, action: Action) -> &mut Handle {
        if self.tx.send(action).is_err() {
            panic!("weft_test::io::Handle: the mock was dropped");
        }
        self
    }
}

/// Takes a scripted error out of its action (a copy if a builder still shares it).
fn take_error(slot: &mut Option<Arc<io::Error>>) -> io::Error {
    let shared = slot.take().expect("front() skips errors already taken");
    Arc::try_unwrap(shared)
        .unwrap_or_else(|shared| io::Error::new(shared.kind(), shared.to_string()))
}

impl Script {
    /// The action in progress, after dropping finished ones (and starting a wait's clock).
    fn front(&mut self) -> Option<&mut Action> {
        loop {
            let finished = match self.actions.front()? {
                Action::Read(data) | Action::Write(data) => data.is_empty(),
                Action::ReadError(error) | Action::WriteError(error) => error.is_none(),
                Action::Wait(duration) => match self.until {
                    None => {
                        self.until = Some(Instant::now() + *duration);
                        false
                    }
                    Some(until) => Instant::now() >= until,
                },
            };
            if !finished {
                return self.actions.front_mut();
            }
            if matches!(self.actions.front(), Some(Action::Wait(_))) {
                self.until = None;
            }
            self.actions.pop_front();
        }
    }

    /// The deadline of the wait at the front, if one is.
    fn waiting_until(&mut self) -> Option<Instant> {
        match self.front()? {
            Action::Wait(_) => self.until,
            _ => None,
        }
    }

    /// Matches `src` against the scripted writes from the front, past any reads, up to the
    /// next wait or write error: how many bytes matched. Panics on a byte that differs.
    #[track_caller]
    fn write(&mut self, mut src: &[u8]) -> usize {
        let mut written = 0;
        for (index, action) in self.actions.iter_mut().enumerate() {
            match action {
                Action::Write(expected) => {
                    let n = src.len().min(expected.len());
                    assert_eq!(
                        &src[..n],
                        &expected[..n],
                        "weft_test::io::Mock (name={:?}): write #{index} differs from the script",
                        self.name
                    );
                    expected.drain(..n);
                    src = &src[n..];
                    written += n;
                    if src.is_empty() {
                        break;
                    }
                }
                Action::Wait(_) | Action::WriteError(_) => break,
                Action::Read(_) | Action::ReadError(_) => {}
            }
        }
        written
    }

    fn remaining(&self) -> String {
        match self.name.as_str() {
            "" => format!("({} actions remain)", self.actions.len()),
            name => format!("(name {name}, {} actions remain)", self.actions.len()),
        }
    }
}

impl Mock {
    /// Sleeps until the wait at the front (if any) is over; `Ready` when none is left.
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(until) = self.script.waiting_until() {
            let sleep = match &mut self.sleep {
                Some(sleep) => {
                    if sleep.deadline() != until {
                        Pin::new(&mut *sleep).reset(until);
                    }
                    sleep
                }
                None => self.sleep.insert(weft::time::sleep_until(until)),
            };
            std::task::ready!(Pin::new(sleep).poll(cx));
        }
        Poll::Ready(())
    }

    fn wake_reader(&mut self) {
        if let Some(waker) = self.reader.take() {
            waker.wake();
        }
    }

    fn wake_writer(&mut self) {
        if let Some(waker) = self.writer.take() {
            waker.wake();
        }
    }
}

impl AsyncRead for Mock {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            std::task::ready!(this.poll_wait(cx));
            match this.script.front() {
                Some(Action::Read(data)) => {
                    let n = buf.remaining().min(data.len());
                    buf.put_slice(&data[..n]);
                    data.drain(..n);
                    this.wake_writer();
                    return Poll::Ready(Ok(()));
                }
                Some(Action::ReadError(error)) => {
                    let error = take_error(error);
                    this.wake_writer();
                    return Poll::Ready(Err(error));
                }
                Some(Action::Wait(_)) => continue,
                Some(Action::Write(_) | Action::WriteError(_)) => {
                    this.reader = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                // Played out: the handles may add more; with none left, end of file.
                None => match std::task::ready!(this.more.poll_recv(cx)) {
                    Some(action) => this.script.actions.push_back(action),
                    None => return Poll::Ready(Ok(())),
                },
            }
        }
    }
}

impl AsyncWrite for Mock {
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            std::task::ready!(this.poll_wait(cx));
            if this.script.front().is_none() {
                match this.more.poll_recv(cx) {
                    Poll::Ready(Some(action)) => {
                        this.script.actions.push_back(action);
                        continue;
                    }
                    Poll::Ready(None) => {
                        panic!("unexpected write {}", this.script.remaining())
                    }
                    // As tokio-test's: a write to a played-out script, handles still alive.
                    Poll::Pending => return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
                }
            }
            match this.script.front() {
                Some(Action::Wait(_)) => continue,
                Some(Action::WriteError(error)) => {
                    let error = take_error(error);
                    this.wake_reader();
                    return Poll::Ready(Err(error));
                }
                _ => {}
            }
            if buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            match this.script.write(buf) {
                // Only reads are ahead: wait for the reader to take them.
                0 => {
                    this.writer = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                written => {
                    this.wake_reader();
                    return Poll::Ready(Ok(written));
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        for action in &self.script.actions {
            match action {
                Action::Read(data) => assert!(
                    data.is_empty(),
                    "There is still data left to read. {}",
                    self.script.remaining()
                ),
                Action::Write(data) => assert!(
                    data.is_empty(),
                    "There is still data left to write. {}",
                    self.script.remaining()
                ),
                _ => {}
            }
        }
    }
}
