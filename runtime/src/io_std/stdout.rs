//! [`Stdout`] and [`Stderr`]: the process's standard output and error, written on the
//! blocking pool.

use super::blocking::Blocking;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

macro_rules! output_stream {
    ($(#[$doc:meta])* $name:ident, $std:ty, $make:path, $(#[$fn_doc:meta])* $function:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            inner: Blocking<$std>,
        }

        $(#[$fn_doc])*
        pub fn $function() -> $name {
            $name {
                inner: Blocking::new($make()),
            }
        }

        impl $name {
            fn poll_write_bytes(
                &mut self,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_write(cx, buf)
            }

            fn poll_flush_bytes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.inner.poll_flush(cx)
            }
        }

        impl weft_io::io::AsyncWrite for $name {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().poll_write_bytes(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().poll_flush_bytes(cx)
            }

            /// Flushes: the standard streams are never closed by weft.
            fn poll_shutdown(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                self.get_mut().poll_flush_bytes(cx)
            }
        }

        impl futures_io::AsyncWrite for $name {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().poll_write_bytes(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().poll_flush_bytes(cx)
            }

            /// Flushes: the standard streams are never closed by weft.
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().poll_flush_bytes(cx)
            }
        }
    };
}

output_stream!(
    /// The process's standard output, written asynchronously (each write a blocking
    /// `write_all` on the blocking pool, behind the write that reports it done). Made by
    /// [`stdout`].
    ///
    /// Writes go through std's line-buffered `Stdout`: flush (or end with a newline) to see
    /// partial lines, and flush before the program exits.
    Stdout,
    io::Stdout,
    io::stdout,
    /// A handle to the process's standard output.
    ///
    /// # Panics
    /// The first write panics outside a weft runtime (it needs the blocking pool).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    ///
    /// #[weft::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut out = weft::io::stdout();
    ///     out.write_all(b"result: 42\n").await?;
    ///     out.flush().await
    /// }
    /// ```
    stdout
);

output_stream!(
    /// The process's standard error, written asynchronously on the blocking pool. Made by
    /// [`stderr`].
    Stderr,
    io::Stderr,
    io::stderr,
    /// A handle to the process's standard error (unbuffered, as std's).
    ///
    /// # Panics
    /// The first write panics outside a weft runtime (it needs the blocking pool).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::io::AsyncWriteExt;
    ///
    /// #[weft::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     weft::io::stderr().write_all(b"warning: nothing to do\n").await
    /// }
    /// ```
    stderr
);
