//! Sockets: TCP, UDP and Unix domain, registered with the current reactor, with tokio's
//! names and signatures.
//!
//! Every operation first tries its non-blocking system call and waits for readiness only when
//! the call says `WouldBlock`. Streams implement tokio's `AsyncRead`/`AsyncWrite` (and
//! `futures-io`'s), for `T` and `&T`, so [`weft_io::io`](crate::io)'s `AsyncReadExt`/
//! `AsyncWriteExt` give them `read`, `read_buf`, `read_u32`, `write_all`, `shutdown`, ...
//! For code that makes its own system calls, every socket has tokio's `ready(Interest)`,
//! `readable`/`writable`, `poll_*_ready`, `try_io`/`async_io` and `try_` operations, and
//! implements `AsFd`/`AsRawFd` (reach options weft does not wrap through `socket2::SockRef`).
//!
//! Addresses are anything [`ToSocketAddrs`] takes; a host name is resolved on the blocking
//! pool, a literal address without any blocking call ([`lookup_host`] resolves on its own).

mod addr;
mod connect;
pub(crate) mod interest;
mod options;
pub(crate) mod readiness;
#[doc(hidden)]
pub mod split;
mod stream_io;
pub mod tcp;
mod udp;
pub(crate) mod uninit;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixSocket, UnixStream};

pub(crate) use interest::{Interest, Ready};
pub(crate) use options::impl_ip_options;
pub(crate) use readiness::{impl_as_fd, impl_readiness, impl_stream_try_io};
pub(crate) use stream_io::impl_async_io;
