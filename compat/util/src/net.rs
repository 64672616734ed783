//! [`Listener`]: one trait over weft's `TcpListener` and `UnixListener`, for code that serves
//! either.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A listener that accepts connections: weft's [`TcpListener`](weft::net::TcpListener) and
/// (on Unix) [`UnixListener`](weft::net::UnixListener), so that a server can be generic over
/// the kind of socket it serves.
///
/// tokio-util's `net::Listener`, implemented for weft's listeners. (tokio-util's inherent
/// `accept` and `local_addr` on `Either` of two listeners are not here: `Either` is
/// tokio-util's type, re-exported, and takes no methods from another crate.)
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft_util::net::Listener;
///
/// /// Greets one connection on any kind of listener.
/// async fn greet_one<L: Listener>(listener: &mut L) -> std::io::Result<()>
/// where
///     L::Io: Unpin,
/// {
///     let (mut stream, _peer) = listener.accept().await?;
///     stream.write_all(b"hello").await
/// }
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let mut listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = Listener::local_addr(&listener).unwrap();
///     let client = weft::spawn(async move {
///         let mut stream = weft::net::TcpStream::connect(addr).await.unwrap();
///         let mut greeting = String::new();
///         stream.read_to_string(&mut greeting).await.unwrap();
///         greeting
///     });
///     greet_one(&mut listener).await.unwrap();
///     assert_eq!(client.await.unwrap(), "hello");
/// });
/// ```
pub trait Listener {
    /// The connections' stream type.
    type Io: weft::io::AsyncRead + weft::io::AsyncWrite;
    /// The peers' address type.
    type Addr;

    /// Polls for the next connection: `Pending` registers `cx`'s waker for it.
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Io, Self::Addr)>>;

    /// Waits for the next connection.
    fn accept(&mut self) -> ListenerAcceptFut<'_, Self>
    where
        Self: Sized,
    {
        ListenerAcceptFut { listener: self }
    }

    /// The address the listener is bound to.
    fn local_addr(&self) -> io::Result<Self::Addr>;
}

impl Listener for weft::net::TcpListener {
    type Io = weft::net::TcpStream;
    type Addr = std::net::SocketAddr;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Io, Self::Addr)>> {
        weft::net::TcpListener::poll_accept(self, cx)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        weft::net::TcpListener::local_addr(self)
    }
}

#[cfg(unix)]
impl Listener for weft::net::UnixListener {
    type Io = weft::net::UnixStream;
    type Addr = weft::net::unix::SocketAddr;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Self::Io, Self::Addr)>> {
        weft::net::UnixListener::poll_accept(self, cx)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        weft::net::UnixListener::local_addr(self)
    }
}

/// The future of [`Listener::accept`]: the next connection.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ListenerAcceptFut<'a, L> {
    listener: &'a mut L,
}

impl<L: Listener> Future for ListenerAcceptFut<'_, L> {
    type Output = io::Result<(L::Io, L::Addr)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.listener.poll_accept(cx)
    }
}
