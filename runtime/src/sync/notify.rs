//! [`Notify`]: wake one task or all of them, without sending data.
//!
//! State: one word, `notify_waiters calls << 2 | phase`, where the phase is `EMPTY` (no
//! waiter, no stored permit), `WAITING` (the wait list is not empty) or `NOTIFIED` (a permit
//! is stored for the next waiter), and a [`WaitQueue`] of waiters behind a `Mutex`. Each queued
//! waiter's slot points to the outcome cell inside its (pinned) future (`outcome.rs`): the
//! notifier writes the notification there, and the future reads it without the lock.
//!
//! Invariants:
//! - The phase is `WAITING` exactly when the queue holds a waiter; it enters and leaves
//!   `WAITING` only under the lock. `EMPTY <-> NOTIFIED` also happens without the lock (the
//!   fast paths of `notify_one` and of a `Notified` taking the permit).
//! - At most one permit is stored; a stored permit and a queued waiter never coexist (the
//!   phase is one of the two).
//! - A notification is delivered exactly once: `notify_one` either stores the permit or
//!   takes the front waiter out of the queue, frees its slot and writes `One` into its
//!   outcome cell. If that `Notified` is dropped before it returns `Ready`, its drop passes the
//!   notification on (to the next waiter, or back into the permit), so dropping a future never
//!   loses a `notify_one`.
//! - A queued waiter is served by hand-over (`outcome.rs`): the notifier takes its slot out
//!   of the queue, frees it, and writes the notification into the future's cell, all under
//!   the lock; the woken future reads the cell without the lock and never uses its key again.
//! - The call counter changes under the lock, or without it by a compare-exchange that
//!   expects a phase other than `WAITING` (nobody queued; a waiter that queues concurrently
//!   makes it fail). A `Notified` remembers the count at its creation and is ready once the
//!   count differs: `notify_waiters` reaches every future created before the call, polled or
//!   not. A future that queues does so with the count it remembers, which is the current one
//!   (its compare-exchange to `WAITING` would have failed otherwise), so the queue is ordered by
//!   that count, oldest first.
//! - `notify_waiters` bumps the count and then hands `All`, in batches of [`WakeList`]'s inline
//!   capacity, to the queued waiters whose count is at or before the one it bumped: exactly
//!   those queued before the call (later ones have the new count, and sit behind). It
//!   releases the lock between batches, so waking five hundred tasks does not hold off the
//!   tasks that come back to wait, nor needs an allocation; a waiter dropped between two
//!   batches just leaves the queue.
//! - No waker is woken or dropped while the lock is held (see `wake_list.rs`).

use super::prim::{lock, AtomicUsize, Mutex, MutexGuard, Ordering::SeqCst};
use super::wait_queue::WaitQueue;
use super::wake_list::WakeList;
use std::fmt;
use std::task::Waker;

mod notified;

use super::outcome::OutcomePtr;
use notified::Notification;
pub use notified::{Notified, OwnedNotified};

const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const PHASE: usize = 3;
const CALLS_SHIFT: u32 = 2;
const CALLS_ONE: usize = 1 << CALLS_SHIFT;
/// The call counter's range: it wraps at `CALLS_MASK + 1`.
const CALLS_MASK: usize = usize::MAX >> CALLS_SHIFT;

/// Notifies one task or all waiting tasks of an event; carries no data.
///
/// [`notify_one`](Notify::notify_one) wakes one waiting task, or, if none waits, stores a
/// permit that the next [`notified`](Notify::notified) future takes at once: a notification
/// sent before the task starts waiting is not lost. At most one permit is stored.
/// [`notify_waiters`](Notify::notify_waiters) wakes every task waiting now, and stores
/// nothing. Waiting tasks are woken by `notify_one` in the order they started waiting.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Notify;
///
/// #[weft::main]
/// async fn main() {
///     let notify = Arc::new(Notify::new());
///     let waiter = weft::spawn({
///         let notify = notify.clone();
///         async move {
///             notify.notified().await;
///             "woken"
///         }
///     });
///     // Even if this runs before the task waits, the permit is kept for it.
///     notify.notify_one();
///     assert_eq!(waiter.await.unwrap(), "woken");
/// }
/// ```
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<WaitQueue<Waiter>>,
}

/// A queued future's slot.
struct Waiter {
    waker: Option<Waker>,
    /// The `notify_waiters` count when the future was created (and queued).
    calls: usize,
    /// The future's outcome cell, written once by whoever takes the slot out of the queue.
    outcome: OutcomePtr,
}

/// Which waiter a single notification goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    /// The one that has waited longest (`notify_one`).
    Fifo,
    /// The one that started waiting last (`notify_last`).
    Lifo,
}

impl Strategy {
    fn notification(self) -> Notification {
        match self {
            Strategy::Fifo => Notification::One,
            Strategy::Lifo => Notification::Last,
        }
    }
}

fn phase(word: usize) -> usize {
    word & PHASE
}

fn with_phase(word: usize, phase: usize) -> usize {
    (word & !PHASE) | phase
}

fn calls(word: usize) -> usize {
    word >> CALLS_SHIFT
}

/// Whether call count `count` is `limit` or comes before it (modulo the counter's range).
fn at_or_before(count: usize, limit: usize) -> bool {
    limit.wrapping_sub(count) & CALLS_MASK <= CALLS_MASK / 2
}

/// Under the lock: frees the slot of `key`, a waiter just taken out of the queue, and then
/// gives its future `notification` (the last touch of that future's memory; see the
/// hand-over invariant). Returns the waker to wake once the lock is released.
fn hand_over(
    queue: &mut WaitQueue<Waiter>,
    key: super::wait_queue::Key,
    notification: Notification,
) -> Option<Waker> {
    let Waiter { waker, outcome, .. } = queue.remove(key);
    // SAFETY: the caller holds the lock and has just taken `key` out of the queue, so the
    // future behind `outcome` is alive and pinned (a queued future's drop removes its slot
    // under this lock first; `outcome.rs`); its slot is freed above, and nothing here touches
    // the pointer again.
    unsafe { outcome.deliver(notification as usize) };
    waker
}

impl Notify {
    /// A `Notify` with no permit stored and nobody waiting.
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitQueue::new()),
        }
    }

    /// [`new`](Notify::new) in a `const` context, e.g. for a `static`.
    ///
    /// ```
    /// use weft::sync::Notify;
    ///
    /// static READY: Notify = Notify::const_new();
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     READY.notify_one();
    ///     READY.notified().await;
    /// }
    /// ```
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitQueue::new()),
        }
    }

    /// Wakes the task that has waited longest, or, if none waits, stores a permit for the next
    /// [`notified`](Notify::notified) future (one at most: calling this twice with nobody
    /// waiting still stores one).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Notify;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///     let task = weft::spawn({
    ///         let notify = notify.clone();
    ///         async move { notify.notified().await }
    ///     });
    ///     notify.notify_one();
    ///     task.await.unwrap();
    /// }
    /// ```
    pub fn notify_one(&self) {
        self.notify_with(Strategy::Fifo);
    }

    /// Like [`notify_one`](Notify::notify_one), but wakes the task that started waiting
    /// *last* (LIFO); with nobody waiting it stores the permit the same way.
    ///
    /// ```
    /// use std::pin::pin;
    /// use weft::sync::Notify;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let notify = Notify::new();
    ///     let mut first = pin!(notify.notified());
    ///     let mut second = pin!(notify.notified());
    ///     first.as_mut().enable();
    ///     second.as_mut().enable();
    ///     notify.notify_last();
    ///     second.await; // the latest waiter got it; `first` still waits
    /// }
    /// ```
    pub fn notify_last(&self) {
        self.notify_with(Strategy::Lifo);
    }

    fn notify_with(&self, strategy: Strategy) {
        let mut current = self.state.load(SeqCst);
        // Fast path: nobody waits, so store the permit without the lock.
        while phase(current) != WAITING {
            let next = with_phase(current, NOTIFIED);
            match self
                .state
                .compare_exchange_weak(current, next, SeqCst, SeqCst)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
        let mut queue = lock(&self.waiters);
        let waker = self.notify_locked(&mut queue, strategy);
        drop(queue);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every task waiting now; stores no permit.
    ///
    /// Every [`Notified`] future created before this call completes, whether it was polled
    /// yet or not.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Notify;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///     // Created before the call, so they see it even though they are not polled yet.
    ///     let first = notify.notified();
    ///     let second = notify.notified();
    ///     weft::spawn({
    ///         let notify = notify.clone();
    ///         async move { notify.notify_waiters() }
    ///     });
    ///     first.await;
    ///     second.await;
    /// }
    /// ```
    pub fn notify_waiters(&self) {
        let mut current = self.state.load(SeqCst);
        // Fast path: nobody is queued, so only the count changes; a future that queues
        // meanwhile turns the phase to `WAITING` and this exchange fails.
        while phase(current) != WAITING {
            match self.state.compare_exchange_weak(
                current,
                current.wrapping_add(CALLS_ONE),
                SeqCst,
                SeqCst,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
        let mut queue = lock(&self.waiters);
        let current = self.state.load(SeqCst);
        if phase(current) != WAITING {
            // The queue emptied before the lock was ours; the phase may still change
            // (EMPTY <-> NOTIFIED), the count not while the lock is held.
            self.state.fetch_add(CALLS_ONE, SeqCst);
            return;
        }
        // Under the lock with the phase `WAITING`, nothing else writes the word.
        self.state.store(current.wrapping_add(CALLS_ONE), SeqCst);
        let before = calls(current);
        loop {
            let mut wakers = WakeList::new();
            let mut more = false;
            while let Some(front) = queue.front_mut() {
                if !at_or_before(front.calls, before) {
                    // Queued after this call (the queue is ordered by count): not ours.
                    break;
                }
                if wakers.is_full() {
                    more = true;
                    break;
                }
                let key = queue.pop_front().expect("the front waiter is queued");
                if let Some(waker) = hand_over(&mut queue, key, Notification::All) {
                    wakers.push(waker);
                }
            }
            if queue.is_empty() {
                // Under the lock with the phase `WAITING`, nothing else writes the word.
                let current = self.state.load(SeqCst);
                self.state.store(with_phase(current, EMPTY), SeqCst);
            }
            drop(queue);
            wakers.wake_all();
            if !more {
                return;
            }
            queue = lock(&self.waiters);
        }
    }

    /// Under the lock: gives one notification to the front (or back) waiter, returning its
    /// waker, or stores the permit.
    fn notify_locked(
        &self,
        queue: &mut MutexGuard<'_, WaitQueue<Waiter>>,
        strategy: Strategy,
    ) -> Option<Waker> {
        let mut current = self.state.load(SeqCst);
        loop {
            if phase(current) == WAITING {
                break;
            }
            let next = with_phase(current, NOTIFIED);
            match self
                .state
                .compare_exchange_weak(current, next, SeqCst, SeqCst)
            {
                Ok(_) => return None,
                Err(actual) => current = actual,
            }
        }
        let key = match strategy {
            Strategy::Fifo => queue.pop_front(),
            Strategy::Lifo => queue.pop_back(),
        }
        .expect("WAITING means a queued waiter");
        if queue.is_empty() {
            // Under the lock with the phase `WAITING`, nothing else writes the word.
            self.state.store(with_phase(current, EMPTY), SeqCst);
        }
        hand_over(queue, key, strategy.notification())
    }

    /// How many futures wait in the queue.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        lock(&self.waiters).len()
    }
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.state.load(SeqCst);
        f.debug_struct("Notify")
            .field("permit", &(phase(word) == NOTIFIED))
            .field("waiting", &(phase(word) == WAITING))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
