//! Unix pipes and FIFOs, as tokio's `net::unix::pipe`: [`pipe`] for an anonymous pair,
//! [`OpenOptions`] to open a named FIFO, and [`Sender`]/[`Receiver`] for ends made elsewhere.
//!
//! Each end is a `File` registered with the reactor like a socket; the [`Sender`] implements
//! `AsyncWrite` (tokio's and futures-io's), the [`Receiver`] `AsyncRead`. A pipe is a byte
//! stream: a short read or write clears the readiness as on a stream socket (the writers'
//! close is `EPOLLHUP`, a sticky `READ_CLOSED`, so a short read never hides the EOF). Invariant: every end
//! is in non-blocking mode while it is registered (the constructors set it, or, for the
//! `_unchecked` ones, the caller promises it, as in tokio), so no call here ever blocks.

use crate::io_source::IoSource;
use crate::net::{Interest, Ready};
use crate::source::{Direction, WRITE_READY};
use rustix::fs::{FileType, OFlags};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::ReadBuf;

/// A new anonymous pipe: what the [`Sender`] writes, the [`Receiver`] reads.
///
/// # Errors
/// The `pipe2` error (`EMFILE`, ...).
///
/// # Panics
/// Outside a runtime (no reactor is current on this thread).
///
/// # Examples
///
/// ```
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (mut tx, mut rx) = weft_io::net::unix::pipe::pipe()?;
/// tx.write_all(b"through").await?;
/// drop(tx);
/// let mut got = String::new();
/// rx.read_to_string(&mut got).await?;
/// assert_eq!(got, "through");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let flags = rustix::pipe::PipeFlags::NONBLOCK | rustix::pipe::PipeFlags::CLOEXEC;
    let (read, write) = rustix::pipe::pipe_with(flags)?;
    // A new pipe is empty: the sender can write now, the receiver waits for the first bytes.
    Ok((
        Sender::register_assuming(write.into(), WRITE_READY)?,
        Receiver::register(read.into())?,
    ))
}

/// Options for opening a named FIFO as one end of a pipe.
///
/// # Examples
///
/// ```
/// use weft_io::net::unix::pipe::OpenOptions;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-io-fifo-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// std::process::Command::new("mkfifo").arg(&path).status()?;
/// // A receiver first: opening a sender with no reader fails (ENXIO).
/// let rx = OpenOptions::new().open_receiver(&path)?;
/// let tx = OpenOptions::new().open_sender(&path)?;
/// tx.writable().await?;
/// assert_eq!(tx.try_write(b"fifo")?, 4);
/// rx.readable().await?;
/// assert_eq!(rx.try_read(&mut [0; 8])?, 4);
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    read_write: bool,
    unchecked: bool,
}

impl OpenOptions {
    /// The defaults: open for the one direction of the end, and check that the file is a
    /// FIFO.
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// Opens for reading and writing (Linux): a sender then opens even with no reader, and a
    /// receiver never reads EOF while it is open itself.
    pub fn read_write(&mut self, read_write: bool) -> &mut Self {
        self.read_write = read_write;
        self
    }

    /// Skips the check that the file is a FIFO (a character device, say).
    pub fn unchecked(&mut self, unchecked: bool) -> &mut Self {
        self.unchecked = unchecked;
        self
    }

    /// Opens the FIFO at `path` for reading.
    ///
    /// # Errors
    /// The `open` error; `InvalidInput` if the file is not a FIFO.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn open_receiver(&self, path: impl AsRef<Path>) -> io::Result<Receiver> {
        Receiver::register(self.open(path.as_ref(), true, false)?)
    }

    /// Opens the FIFO at `path` for writing.
    ///
    /// # Errors
    /// The `open` error (`ENXIO` if no one has it open for reading, unless `read_write`);
    /// `InvalidInput` if the file is not a FIFO.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn open_sender(&self, path: impl AsRef<Path>) -> io::Result<Sender> {
        Sender::register(self.open(path.as_ref(), false, true)?)
    }

    fn open(&self, path: &Path, read: bool, write: bool) -> io::Result<File> {
        let file = std::fs::OpenOptions::new()
            .read(read || self.read_write)
            .write(write || self.read_write)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)?;
        if !self.unchecked && !is_fifo(file.as_fd())? {
            return Err(not_a_pipe());
        }
        Ok(file)
    }
}

fn not_a_pipe() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a pipe")
}

fn is_fifo(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let stat = rustix::fs::fstat(fd)?;
    Ok(FileType::from_raw_mode(stat.st_mode) == FileType::Fifo)
}

/// Checks that `fd` is a FIFO open in the wanted direction, and makes it non-blocking.
fn checked(fd: &OwnedFd, write: bool) -> io::Result<()> {
    if !is_fifo(fd.as_fd())? {
        return Err(not_a_pipe());
    }
    let flags = rustix::fs::fcntl_getfl(fd)?;
    let mode = flags & OFlags::RWMODE;
    let allowed = if write {
        OFlags::WRONLY
    } else {
        OFlags::RDONLY
    };
    if mode != allowed && mode != OFlags::RDWR {
        let needed = if write {
            "O_WRONLY or O_RDWR"
        } else {
            "O_RDONLY or O_RDWR"
        };
        let message = format!("not in {needed} access mode");
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    rustix::fs::fcntl_setfl(fd, flags | OFlags::NONBLOCK)?;
    Ok(())
}

/// Takes the end out of the reactor: a duplicate of its descriptor, in the mode asked.
fn take_out(io: &IoSource<File>, nonblocking: bool) -> io::Result<OwnedFd> {
    let fd = io.get_ref().as_fd().try_clone_to_owned()?;
    let flags = rustix::fs::fcntl_getfl(&fd)?;
    let flags = if nonblocking {
        flags | OFlags::NONBLOCK
    } else {
        flags - OFlags::NONBLOCK
    };
    rustix::fs::fcntl_setfl(&fd, flags)?;
    Ok(fd)
}

/// The writing end of a pipe.
#[derive(Debug)]
pub struct Sender {
    io: IoSource<File>,
}

impl Sender {
    #[track_caller]
    fn register(file: File) -> io::Result<Sender> {
        Sender::register_assuming(file, 0)
    }

    #[track_caller]
    fn register_assuming(file: File, assumed: usize) -> io::Result<Sender> {
        Ok(Sender {
            io: IoSource::new_assuming(file, assumed)?,
        })
    }

    /// Wraps a file that is the writing end of a pipe or a FIFO (and makes it non-blocking).
    ///
    /// # Errors
    /// `InvalidInput` if it is not a FIFO or not open for writing; the `fcntl` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd(file.into())
    }

    /// [`from_file`](Self::from_file) for a descriptor.
    ///
    /// # Errors
    /// As `from_file`.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Sender> {
        checked(&fd, true)?;
        Sender::register(fd.into())
    }

    /// Wraps a file without checking it; it must be open for writing and non-blocking.
    ///
    /// # Errors
    /// If the reactor refuses it.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Sender::register(file)
    }

    /// [`from_file_unchecked`](Self::from_file_unchecked) for a descriptor.
    ///
    /// # Errors
    /// If the reactor refuses it.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Sender> {
        Sender::register(fd.into())
    }

    /// Waits until the pipe is ready for `interest` (only writing makes sense here).
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        crate::net::readiness::ready(&self.io, interest).await
    }

    /// Waits until a write may be worth trying.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready(Direction::WRITE).await.map(drop)
    }

    /// Polls for write readiness.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::WRITE).map_ok(drop)
    }

    /// Writes once without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`; `BrokenPipe` once the reading end is closed.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::WRITE, |mut file| file.write(buf))
    }

    /// [`try_write`](Self::try_write) from several buffers.
    ///
    /// # Errors
    /// As `try_write`.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Direction::WRITE, |mut file| file.write_vectored(bufs))
    }

    /// Runs `f`, the caller's own write on this pipe, once if it may be writable; a
    /// `WouldBlock` clears the readiness.
    ///
    /// # Errors
    /// `WouldBlock`, or `f`'s error.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Direction::WRITE, |_| f())
    }

    /// Takes the end out of the reactor as a blocking descriptor.
    ///
    /// # Errors
    /// The `dup` or `fcntl` error.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        take_out(&self.io, false)
    }

    /// Takes the end out of the reactor as a non-blocking descriptor.
    ///
    /// # Errors
    /// The `dup` or `fcntl` error.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        take_out(&self.io, true)
    }
}

impl tokio::io::AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_write(cx, buf.len(), |mut file| file.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.io
            .poll_stream_write(cx, len, |mut file| file.write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// A pipe has no half-close: the reader reads EOF once every sender is dropped.
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl futures_io::AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write_vectored(self, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(self, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(self, cx)
    }
}

/// The reading end of a pipe.
#[derive(Debug)]
pub struct Receiver {
    io: IoSource<File>,
}

impl Receiver {
    #[track_caller]
    fn register(file: File) -> io::Result<Receiver> {
        Ok(Receiver {
            io: IoSource::new(file)?,
        })
    }

    /// Wraps a file that is the reading end of a pipe or a FIFO (and makes it non-blocking).
    ///
    /// # Errors
    /// `InvalidInput` if it is not a FIFO or not open for reading; the `fcntl` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd(file.into())
    }

    /// [`from_file`](Self::from_file) for a descriptor.
    ///
    /// # Errors
    /// As `from_file`.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Receiver> {
        checked(&fd, false)?;
        Receiver::register(fd.into())
    }

    /// Wraps a file without checking it; it must be open for reading and non-blocking.
    ///
    /// # Errors
    /// If the reactor refuses it.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Receiver::register(file)
    }

    /// [`from_file_unchecked`](Self::from_file_unchecked) for a descriptor.
    ///
    /// # Errors
    /// If the reactor refuses it.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Receiver> {
        Receiver::register(fd.into())
    }

    /// Waits until the pipe is ready for `interest` (only reading makes sense here).
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        crate::net::readiness::ready(&self.io, interest).await
    }

    /// Waits until a read may be worth trying (data, or EOF once every sender is gone).
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready(Direction::READ).await.map(drop)
    }

    /// Polls for read readiness.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::READ).map_ok(drop)
    }

    /// Reads once without waiting: the bytes read (0 at EOF), or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or the read's error.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::READ, |mut file| file.read(buf))
    }

    /// [`try_read`](Self::try_read) into several buffers.
    ///
    /// # Errors
    /// As `try_read`.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Direction::READ, |mut file| file.read_vectored(bufs))
    }

    /// [`try_read`](Self::try_read) into the spare capacity of `buf`, which it advances.
    ///
    /// # Errors
    /// As `try_read`.
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Direction::READ, |file| {
            crate::net::uninit::read_buf_mut(file, buf)
        })
    }

    /// Runs `f`, the caller's own read on this pipe, once if it may be readable; a
    /// `WouldBlock` clears the readiness.
    ///
    /// # Errors
    /// `WouldBlock`, or `f`'s error.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Direction::READ, |_| f())
    }

    /// Takes the end out of the reactor as a blocking descriptor.
    ///
    /// # Errors
    /// The `dup` or `fcntl` error.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        take_out(&self.io, false)
    }

    /// Takes the end out of the reactor as a non-blocking descriptor.
    ///
    /// # Errors
    /// The `dup` or `fcntl` error.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        take_out(&self.io, true)
    }
}

impl tokio::io::AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let capacity = buf.remaining();
        self.io
            .poll_stream_read(cx, capacity, |file| {
                crate::net::uninit::read_read_buf(file, buf)
            })
            .map_ok(drop)
    }
}

impl futures_io::AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let capacity = buf.len();
        self.io
            .poll_stream_read(cx, capacity, |mut file| file.read(buf))
    }
}

macro_rules! impl_fd {
    ($end:ty) => {
        impl AsFd for $end {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }

        impl AsRawFd for $end {
            fn as_raw_fd(&self) -> RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }
    };
}

impl_fd!(Sender);
impl_fd!(Receiver);
