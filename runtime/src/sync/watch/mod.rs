//! A single-producer, multi-consumer channel that keeps only the latest value.
//!
//! [`channel`] returns a [`Sender`] and a [`Receiver`]. Receivers see the latest value
//! ([`Receiver::borrow`]) and can wait until a newer one is sent ([`Receiver::changed`]);
//! values sent in between are not queued, only the last one counts. Dropping the sender closes
//! the channel: waiting receivers wake up with an error once they have seen the last value.
//! Dropping every receiver makes `send` fail and wakes [`Sender::closed`].
//!
//! ```
//! use weft::sync::watch;
//!
//! #[weft::main]
//! async fn main() {
//!     let (tx, mut rx) = watch::channel("starting");
//!     let watcher = weft::spawn(async move {
//!         let mut seen = Vec::new();
//!         while rx.changed().await.is_ok() {
//!             seen.push(*rx.borrow_and_update());
//!         }
//!         seen // the sender is gone and the last value was seen
//!     });
//!     tx.send("running").unwrap();
//!     drop(tx);
//!     let seen = watcher.await.unwrap();
//!     assert_eq!(seen.last(), Some(&"running"));
//! }
//! ```
//!
//! Invariants (of `Shared`):
//! - The state word is `version << 1 | CLOSED`. The version changes (by 2, wrapping) only
//!   while a sender holds the value's write lock, so a reader holding the read lock sees a
//!   version that matches the value it reads. `CLOSED` is set once, when the last sender is
//!   dropped (`senders` reaches 0; senders are cloned from live ones only), and never cleared.
//! - Every version change and the close are followed by `notify_rx.notify_waiters()`. A
//!   waiting receiver creates its `Notified` *before* it reads the state, so a change that
//!   its read missed is one whose notification reaches it (no lost wake-up).
//! - `receivers` counts live receivers; the drop that takes it to 0 is followed by
//!   `notify_tx.notify_waiters()`, and `Sender::closed` likewise creates its `Notified`
//!   before reading the count.

mod receiver;
mod sender;

pub use receiver::Receiver;
pub use sender::Sender;

use super::notify::Notify;
use super::prim::{read, Arc, AtomicUsize, Ordering::SeqCst, RwLock, RwLockReadGuard};
use std::fmt;
use std::ops::Deref;

const CLOSED: usize = 1;
const VERSION_ONE: usize = 2;

/// The errors of `watch`.
pub mod error {
    use std::error::Error;
    use std::fmt;

    /// The error of [`Sender::send`](super::Sender::send): every receiver is gone. The value
    /// that could not be sent is inside.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> Error for SendError<T> {}

    /// The error of [`Receiver::changed`](super::Receiver::changed) and
    /// [`Receiver::has_changed`](super::Receiver::has_changed): the sender is gone.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl Error for RecvError {}
}

struct Shared<T> {
    value: RwLock<T>,
    state: AtomicUsize,
    receivers: AtomicUsize,
    /// Live senders; the drop that takes it to 0 sets `CLOSED`.
    senders: AtomicUsize,
    /// Woken on every new value and when the sender is dropped.
    notify_rx: Notify,
    /// Woken when the last receiver is dropped.
    notify_tx: Notify,
}

impl<T> Shared<T> {
    /// The state of a channel holding `init`, with one sender and no receiver yet.
    fn new(init: T) -> Arc<Shared<T>> {
        Arc::new(Shared {
            value: RwLock::new(init),
            state: AtomicUsize::new(0),
            receivers: AtomicUsize::new(0),
            senders: AtomicUsize::new(1),
            notify_rx: Notify::new(),
            notify_tx: Notify::new(),
        })
    }
}

fn version(state: usize) -> usize {
    state & !CLOSED
}

fn is_closed(state: usize) -> bool {
    state & CLOSED != 0
}

/// A watch channel holding `init`: the sender and a first receiver, which counts `init` as
/// already seen.
///
/// ```
/// let (tx, rx) = weft::sync::watch::channel(0);
/// tx.send(1).unwrap();
/// assert_eq!(*rx.borrow(), 1);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Shared::new(init);
    let receiver = Receiver::new(shared.clone(), 0);
    (Sender::from_shared(shared), receiver)
}

/// A borrow of the value in a watch channel: holds the channel's read lock while alive.
///
/// Keep it short: the sender waits for it before storing a new value. It must not be held
/// across an `.await` (it is not `Send`, so a spawned task cannot).
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value had not been marked seen by the receiver that borrowed it (always
    /// `false` for a borrow through the sender).
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Shared<T> {
    fn borrow(&self, seen: Option<usize>) -> (Ref<'_, T>, usize) {
        let inner = read(&self.value);
        // Read under the read lock: matches the value (the version changes under the write
        // lock only).
        let current = version(self.state.load(SeqCst));
        let has_changed = seen.is_some_and(|seen| seen != current);
        (Ref { inner, has_changed }, current)
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("value", &*read(&self.value))
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
