//! [`SyncIoBridge`]: an async I/O object as a blocking one, for code on a blocking thread.

use std::io::{self, BufRead, IoSlice, Read, Seek, SeekFrom, Write};
use weft::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite,
    AsyncWriteExt,
};
use weft::runtime::Handle;

/// An `AsyncRead`/`AsyncWrite`/`AsyncBufRead`/`AsyncSeek` as a blocking `Read`/`Write`/
/// `BufRead`/`Seek`: each call blocks the thread on the weft runtime's handle until the async
/// operation completes. tokio-util's `SyncIoBridge`, with weft's `Handle` (tokio-util's takes
/// tokio's, so `new_with_handle(io, tokio::runtime::Handle::current())` would not compile after
/// the rename, and `new` would need a tokio runtime).
///
/// Use it on a thread that may block, such as [`weft::task::spawn_blocking`]'s; on a worker,
/// `Handle::block_on` panics, as in tokio.
///
/// ```
/// use std::io::{Read, Write};
/// use weft_util::io::SyncIoBridge;
///
/// #[weft::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {
///     let (client, server) = weft::io::duplex(64);
///     let mut client = SyncIoBridge::new(client);
///     let mut server = SyncIoBridge::new(server);
///     let echoed = weft::task::spawn_blocking(move || {
///         client.write_all(b"hello").unwrap();
///         client.shutdown().unwrap();
///         let mut received = String::new();
///         server.read_to_string(&mut received).unwrap();
///         received
///     });
///     assert_eq!(echoed.await.unwrap(), "hello");
/// }
/// ```
#[derive(Debug)]
pub struct SyncIoBridge<T> {
    src: T,
    runtime: Handle,
}

impl<T: Unpin> SyncIoBridge<T> {
    /// Wraps `src`, to block on the current weft runtime.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime's context.
    #[track_caller]
    pub fn new(src: T) -> SyncIoBridge<T> {
        SyncIoBridge::new_with_handle(src, Handle::current())
    }

    /// Wraps `src`, to block on `runtime`.
    pub fn new_with_handle(src: T, runtime: Handle) -> SyncIoBridge<T> {
        SyncIoBridge { src, runtime }
    }

    /// Unwraps the async I/O object.
    pub fn into_inner(self) -> T {
        self.src
    }
}

impl<T: AsyncWrite> SyncIoBridge<T> {
    /// Whether the wrapped writer has an efficient `poll_write_vectored`.
    pub fn is_write_vectored(&self) -> bool {
        self.src.is_write_vectored()
    }
}

impl<T: AsyncWrite + Unpin> SyncIoBridge<T> {
    /// Shuts the wrapped writer down (`AsyncWriteExt::shutdown`), blocking until done.
    pub fn shutdown(&mut self) -> io::Result<()> {
        self.runtime.block_on(self.src.shutdown())
    }
}

impl<T: AsyncRead + Unpin> Read for SyncIoBridge<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.runtime.block_on(self.src.read(buf))
    }

    fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.runtime.block_on(self.src.read_to_end(buf))
    }

    fn read_to_string(&mut self, buf: &mut String) -> io::Result<usize> {
        self.runtime.block_on(self.src.read_to_string(buf))
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.runtime.block_on(self.src.read_exact(buf)).map(drop)
    }
}

impl<T: AsyncBufRead + Unpin> BufRead for SyncIoBridge<T> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.runtime.block_on(self.src.fill_buf())
    }

    fn consume(&mut self, amount: usize) {
        AsyncBufReadExt::consume(&mut self.src, amount);
    }

    fn read_until(&mut self, byte: u8, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.runtime.block_on(self.src.read_until(byte, buf))
    }

    fn read_line(&mut self, buf: &mut String) -> io::Result<usize> {
        self.runtime.block_on(self.src.read_line(buf))
    }
}

impl<T: AsyncWrite + Unpin> Write for SyncIoBridge<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.runtime.block_on(self.src.write(buf))
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.runtime.block_on(self.src.write_vectored(bufs))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.runtime.block_on(self.src.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.runtime.block_on(self.src.flush())
    }
}

impl<T: AsyncSeek + Unpin> Seek for SyncIoBridge<T> {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.runtime.block_on(self.src.seek(position))
    }
}

impl<T> AsRef<T> for SyncIoBridge<T> {
    fn as_ref(&self) -> &T {
        &self.src
    }
}

impl<T> AsMut<T> for SyncIoBridge<T> {
    fn as_mut(&mut self) -> &mut T {
        &mut self.src
    }
}
