//! The I/O driver of weft: a reactor that any executor can drive (weft-io's own epoll backend
//! on Linux, the [`polling`](https://docs.rs/polling) crate elsewhere), and the sockets that
//! register with it.
//!
//! ```
//! use std::sync::Arc;
//! use weft_io::io::{AsyncReadExt, AsyncWriteExt};
//! use weft_io::net::{TcpListener, TcpStream};
//! use weft_io::Reactor;
//!
//! let reactor = Arc::new(Reactor::new()?);
//! let reply = reactor.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let mut client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (mut server, _) = listener.accept().await?;
//!     client.write_all(b"hello").await?;
//!     client.shutdown().await?; // the server reads EOF after the five bytes
//!     let mut received = Vec::new();
//!     server.read_to_end(&mut received).await?;
//!     std::io::Result::Ok(received)
//! })??;
//! assert_eq!(reply, b"hello");
//! # std::io::Result::Ok(())
//! ```
//!
//! # Driving the reactor
//!
//! The crate knows nothing of any scheduler. A [`Reactor`] is made current on a thread with
//! [`Reactor::enter`]; sockets created there register with it. Someone must then call
//! [`Reactor::turn`] whenever there is nothing else to do, with the time until the next timer
//! as the timeout, and [`Reactor::notify`] from any thread that makes new work for the
//! turning thread. weft's runtime turns it from the worker that parks in the driver and from
//! its monitor thread; [`Reactor::block_on`] turns it on one thread for one future; the
//! example on [`Reactor`] turns it from a thread of its own, for any executor.
//!
//! # How an operation runs
//!
//! A read first tries `read(2)` on the non-blocking socket, if the socket may be readable.
//! Only if that says `WouldBlock` does it store the task's waker and wait; the reactor
//! (edge-triggered `epoll`, one registration per socket for its whole life) wakes it when the
//! socket becomes readable. A new socket is ready for nothing until the reactor's first turn
//! reports its state (epoll reports a descriptor that is ready as it is added), except what
//! the kernel just made known, as tokio assumes it: an accepted stream is readable and
//! writable, a new `pair()` or pipe writable.
//! As in tokio, a stream read that returns fewer bytes than the buffer holds has drained the
//! socket, so the next read waits for the reactor instead of making a call that would say
//! `WouldBlock` (on Linux's epoll backend, which sees the peer's FIN as `EPOLLRDHUP` and keeps
//! it: a FIN that came with the last data still ends the next read with EOF). Dropping a
//! waiting future of weft-io (`readable()`, `ready()`, `accept()`, `recv_from()`, `AsyncFd`'s
//! waits, ...) removes its waker.
//! No operation allocates, and none takes a lock shared by other sockets.
//!
//! # Backends
//!
//! | system | backend |
//! |---|---|
//! | Linux | weft-io's own, on `rustix`: epoll, edge-triggered, `EPOLLRDHUP`, an eventfd to wake the wait, the timeout given to `epoll_wait` |
//! | Linux with the feature `polling-backend` | the `polling` crate (for testing it on Linux) |
//! | other systems | the `polling` crate (kqueue, event ports, ...) |
//!
//! [`Reactor::backend`] names the one in use.
//!
//! # Panics in user code
//!
//! The only user code weft-io runs is wakers (their `wake`, `clone` and `Drop`) and the futures
//! given to [`Reactor::block_on`]. The reactor wakes each waker inside `catch_unwind`: a waker
//! that panics does not keep the others of its turn from being woken, and its panic is then
//! resumed on the thread that turned (or shut the reactor down, or dropped the socket) with
//! the reactor ready for the next turn; weft's runtime catches it there, after the panic hook
//! has reported it. Everywhere else a panic can only unwind out of the call that ran the user
//! code, with every lock released and every shared structure consistent (the module docs of
//! `reactor.rs`, `source/mod.rs` and `block_on.rs` say why).
//!
//! # Signals and child processes
//!
//! [`signal`] and [`process`] live here too, because the reactor is all they need: a signal
//! handler writes to a self-pipe that each reactor with listeners watches, and a child's exit
//! is a pidfd (or, without one, a SIGCHLD) that the reactor reports. Their wake-ups run in the
//! reactor's turn, with no task or thread of their own, so any executor that turns a weft-io
//! reactor gets them; weft re-exports both as `weft::signal` and `weft::process`.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod async_fd;
mod block_on;
mod blocking;
pub mod coop;
mod copy;
pub mod io;
mod io_source;
mod loom;
mod mem_io;
pub mod net;
mod pipe;
pub mod process;
mod reactor;
pub mod signal;
mod source;
mod sys;

#[cfg(all(test, not(loom), not(miri)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;

pub use blocking::{enter_blocking_spawner, BlockingJob, BlockingSpawner, BlockingSpawnerGuard};
pub use reactor::{EnterGuard, Reactor, DEFAULT_EVENTS_PER_TURN};
pub use source::{is_shutdown_error, shutdown_error};
