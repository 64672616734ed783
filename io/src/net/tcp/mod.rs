//! TCP: [`TcpListener`], [`TcpStream`], the [`TcpSocket`] builder, and the halves of a split
//! stream (tokio's `weft::net::tcp::{ReadHalf, WriteHalf, OwnedReadHalf, OwnedWriteHalf,
//! ReuniteError}`).

mod listener;
mod socket;
mod stream;

pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use stream::TcpStream;

use super::split;

/// The read half of a [`TcpStream`] borrowed by [`TcpStream::split`].
pub type ReadHalf<'a> = split::ReadHalf<'a, TcpStream>;
/// The write half of a [`TcpStream`] borrowed by [`TcpStream::split`].
pub type WriteHalf<'a> = split::WriteHalf<'a, TcpStream>;
/// The read half of a [`TcpStream`] split by [`TcpStream::into_split`].
pub type OwnedReadHalf = split::OwnedReadHalf<TcpStream>;
/// The write half of a [`TcpStream`] split by [`TcpStream::into_split`].
pub type OwnedWriteHalf = split::OwnedWriteHalf<TcpStream>;

split::impl_half_methods!(TcpStream, std::net::SocketAddr);

macro_rules! impl_peek {
    ($half:ty) => {
        impl $half {
            /// Receives into `buf` without taking the bytes from the stream (see
            /// [`TcpStream::peek`]).
            ///
            /// # Errors
            /// The `recv(MSG_PEEK)` error.
            pub async fn peek(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.as_ref().peek(buf).await
            }

            /// Polls a peek into `buf` (see [`TcpStream::poll_peek`]).
            ///
            /// # Errors
            /// The `recv(MSG_PEEK)` error.
            pub fn poll_peek(
                &mut self,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.as_ref().poll_peek(cx, buf)
            }
        }
    };
}

impl_peek!(ReadHalf<'_>);
impl_peek!(OwnedReadHalf);
