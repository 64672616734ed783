//! Multi-producer, single-consumer channels (asyncio's `Queue`): bounded, with back-pressure,
//! and unbounded.
//!
//! - [`channel(n)`](channel): at most `n` messages are stored; [`Sender::send`] waits for a free
//!   slot, [`Sender::try_send`] reports `Full`, [`Sender::reserve`] takes a slot ahead of the
//!   message.
//! - [`unbounded_channel()`](unbounded_channel): [`UnboundedSender::send`] never waits.
//!
//! Senders are cloned for more producers; the one receiver takes messages in the order each
//! producer sent them. The channel reports a closed peer instead of hanging: once every
//! sender is dropped, the receiver gets what was sent and then `None`; once the receiver is
//! dropped or [`close`](Receiver::close)d, sends return their value in `Err`.
//!
//! ```
//! use weft::sync::mpsc;
//!
//! #[weft::main]
//! async fn main() {
//!     let (tx, mut rx) = mpsc::channel(16);
//!     for producer in 0..4u32 {
//!         let tx = tx.clone();
//!         weft::spawn(async move {
//!             for i in 0..10 {
//!                 tx.send(producer * 100 + i).await.unwrap();
//!             }
//!         });
//!     }
//!     drop(tx);
//!     let mut count = 0;
//!     while let Some(_message) = rx.recv().await {
//!         count += 1;
//!     }
//!     assert_eq!(count, 40);
//! }
//! ```
//!
//! Cancellation: `recv` (and `recv_many`) are cancel safe: a message is taken only by the poll
//! that returns it. A `send().await` or `reserve().await` dropped while waiting for a slot
//! loses its place in line but takes no slot. No message is lost or duplicated when any of
//! these futures is dropped in a `select!`.
//!
//! The messages sit in a lock-free list of blocks of 32 uninitialised slots (tokio's design,
//! `list.rs`), for both kinds: a channel costs one block until it holds more, whatever its
//! bound, blocks the receiver has finished are reused, and neither sending nor receiving takes
//! a lock while no sender waits for a slot. See `chan.rs` for the protocol.
//!
//! Differences from tokio: none in behaviour that we know of. `Receiver::try_recv` waits out a
//! sender that claimed the next slot and is writing it (a few instructions) by spinning and
//! yielding the thread, where tokio parks it.

mod block;
mod bounded;
mod capacity;
mod chan;
mod closed;
pub mod error;
mod list;
mod permit;
mod unbounded;

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;

pub use bounded::{channel, Receiver, Sender, WeakSender};
pub use permit::{OwnedPermit, Permit, PermitIterator};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
