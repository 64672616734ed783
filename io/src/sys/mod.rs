//! The operating system's readiness selector under the reactor, behind one small interface:
//! weft-io's own `epoll` backend on Linux (`epoll.rs`), the `polling` crate everywhere else
//! (`poller.rs`), and on Linux too with the crate feature `polling-backend`, so that CI can run
//! the same tests on both.
//!
//! What a backend provides (both define the same names):
//! - `Selector::new`, `register` (edge-triggered, both directions, once per source),
//!   `deregister`, `wait(events, timeout)` (the timeout rounded *up* to the backend's
//!   resolution, never cut short before it: a caller that waits for a deadline never wakes
//!   early and spins), and `notify` (sticky: a notification sent while nobody waits ends the
//!   next wait at once).
//! - `Events`, the reusable buffer `wait` fills, iterated as `(token, readiness bits)`, the bits
//!   being `source/mod.rs`'s (`READ_READY`, `WRITE_READY`, `PRIORITY` and `ERROR`, and, where
//!   the backend reports them, the sticky `READ_CLOSED`/`WRITE_CLOSED`).
//! - `register` adds a descriptor for everything at once (both directions, priority data;
//!   errors and hang-ups are always reported), and a descriptor that is ready when it is added
//!   is reported by the next `wait`: the source can start out assumed ready for nothing.
//! - `SHORT_IO_DRAINS`: whether a stream read (write) that moved fewer bytes than asked may
//!   clear the readiness. Only a backend that reports the peer's FIN (`EPOLLRDHUP`) as a sticky
//!   bit can allow it: otherwise a FIN that came in the same edge as the last data would never
//!   be reported again, and the reader would wait forever for its EOF.
//!
//! A token is the reactor's: the source's slot index and that slot's generation, so that an
//! event fetched for a source that has since been deregistered never reaches the source that
//! reuses its slot. `NOTIFY_TOKEN` is never a source's.

#[cfg(all(target_os = "linux", not(feature = "polling-backend")))]
mod epoll;
#[cfg(all(target_os = "linux", not(feature = "polling-backend")))]
pub(crate) use epoll::{Events, Selector};

#[cfg(any(not(target_os = "linux"), feature = "polling-backend"))]
mod poller;
#[cfg(any(not(target_os = "linux"), feature = "polling-backend"))]
pub(crate) use poller::{Events, Selector};
