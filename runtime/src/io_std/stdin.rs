//! [`Stdin`]: the process's standard input, read on the blocking pool.

use super::blocking::Blocking;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The process's standard input, read asynchronously (each read a blocking read on the
/// blocking pool). Made by [`stdin`].
///
/// Reads return what one `read(2)` of stdin returned (a line, at a terminal), at most the
/// buffer's length; wrap it in a `BufReader` to read lines.
#[derive(Debug)]
pub struct Stdin {
    inner: Blocking<io::Stdin>,
}

/// A handle to the process's standard input.
///
/// # Panics
/// The first read panics outside a weft runtime (it needs the blocking pool).
///
/// # Examples
///
/// ```no_run
/// use weft::io::AsyncReadExt;
///
/// #[weft::main]
/// async fn main() -> std::io::Result<()> {
///     let mut input = String::new();
///     weft::io::stdin().read_to_string(&mut input).await?;
///     println!("read {} bytes", input.len());
///     Ok(())
/// }
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        inner: Blocking::new(io::stdin()),
    }
}

impl Stdin {
    fn poll_read_bytes(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
}

impl weft_io::io::AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut weft_io::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // The bytes come from the blocking thread's buffer by copy: the unfilled part must be
        // initialized for that (once: `ReadBuf` remembers what it initialized).
        let n = std::task::ready!(self
            .get_mut()
            .poll_read_bytes(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl futures_io::AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_bytes(cx, buf)
    }
}
