//! A multi-producer, multi-consumer channel in which every receiver gets every message (tokio's
//! `sync::broadcast`, same semantics).
//!
//! [`channel(capacity)`](channel) returns a [`Sender`] and a first [`Receiver`]; more receivers
//! come from [`Sender::subscribe`] or [`Receiver::resubscribe`] and get the messages sent after
//! they subscribed. Each message is kept until every receiver alive when it was sent has read
//! it, or until `capacity` newer messages overwrote it: sends never wait, and a receiver that
//! falls that far behind gets [`RecvError::Lagged`](error::RecvError::Lagged) with the number
//! it missed and goes on from the oldest message still kept.
//!
//! - [`Sender::send`] returns how many receivers will see the message, and fails (handing it
//!   back) only when there is none. The channel stays usable while a sender lives, even after
//!   every receiver dropped: subscribe again and sends succeed.
//! - When the last sender drops, receivers read what is left and then get
//!   [`RecvError::Closed`](error::RecvError::Closed).
//! - The capacity is rounded up to a power of two; messages must be `Clone` to be received
//!   (each receiver gets a clone; the stored message is dropped once the last receiver that
//!   was alive when it was sent has read it, or has dropped).
//!
//! ```
//! use weft::sync::broadcast;
//!
//! #[weft::main]
//! async fn main() {
//!     // A shutdown signal for every connection handler, as in a tokio server.
//!     let (shutdown, _) = broadcast::channel::<()>(1);
//!     let handlers: Vec<_> = (0..3)
//!         .map(|_| {
//!             let mut stop = shutdown.subscribe();
//!             weft::spawn(async move { stop.recv().await.is_ok() })
//!         })
//!         .collect();
//!     assert_eq!(shutdown.send(()), Ok(3));
//!     for handler in handlers {
//!         assert!(handler.await.unwrap());
//!     }
//! }
//! ```
//!
//! Locking: a send takes the channel's tail lock and one slot's lock; a receive takes its
//! slot's lock, and the tail's only when nothing is there yet (or it lagged). See `shared.rs`
//! for the invariants.

pub mod error;
mod receiver;
mod sender;
mod shared;

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;

pub use receiver::Receiver;
pub use sender::{Sender, WeakSender};

use crate::sync::prim::Arc;
use shared::Shared;

/// Makes a broadcast channel that keeps up to `capacity` messages (rounded up to a power of
/// two) for receivers that have not read them yet; returns the sender and a first receiver.
///
/// # Panics
/// If `capacity` is 0 or above `usize::MAX / 2`.
///
/// ```
/// use weft::sync::broadcast;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx1) = broadcast::channel(16);
///     let mut rx2 = tx.subscribe();
///     tx.send(10).unwrap();
///     tx.send(20).unwrap();
///     assert_eq!(rx1.recv().await, Ok(10));
///     assert_eq!(rx2.recv().await, Ok(10));
///     assert_eq!(rx1.recv().await, Ok(20));
///     assert_eq!(rx2.recv().await, Ok(20));
/// }
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared::new(capacity, 1));
    let rx = Receiver::new(shared.clone(), 0);
    (Sender { shared }, rx)
}
