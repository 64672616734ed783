//! [`Notify`]: wake one task or all of them, without sending data.
//!
//! State: one word, `notify_waiters calls << 2 | phase`, where the phase is `EMPTY` (no
//! waiter, no stored permit), `WAITING` (the wait list is not empty) or `NOTIFIED` (a permit
//! is stored for the next waiter), and a [`WaitQueue`] of waiters behind a `Mutex`.
//!
//! Invariants:
//! - The phase is `WAITING` exactly when the queue holds a waiter; it enters and leaves
//!   `WAITING` only under the lock. `EMPTY <-> NOTIFIED` also happens without the lock (the
//!   fast paths of `notify_one` and of a `Notified` taking the permit).
//! - At most one permit is stored; a stored permit and a queued waiter never coexist (the
//!   phase is one of the two).
//! - A notification is delivered exactly once: `notify_one` either stores the permit or
//!   takes the front waiter out of the queue and marks it `One`. If that `Notified` is dropped
//!   before it returns `Ready`, its drop passes the notification on (to the next waiter, or
//!   back into the permit), so dropping a future never loses a `notify_one`.
//! - The call counter changes only under the lock. A `Notified` remembers the count at its
//!   creation and is ready once the count differs: `notify_waiters` reaches every future
//!   created before the call, polled or not. A future that queues does so with the count it
//!   remembers, which is the current one (else it would have been ready instead), so the
//!   queue is ordered by that count, oldest first.
//! - `notify_waiters` bumps the count and then marks `All` and wakes, in batches of
//!   [`WakeList`]'s inline capacity, the queued waiters whose count is at or before the one
//!   it bumped: exactly those queued before the call (later ones have the new count, and sit
//!   behind). It releases the lock between batches, so waking five hundred tasks does not hold
//!   off the tasks that come back to wait, nor needs an allocation; a waiter dropped between
//!   two batches just leaves the queue.
//! - No waker is woken or dropped while the lock is held (see `wake_list.rs`).

use super::prim::{lock, AtomicUsize, Mutex, MutexGuard, Ordering::SeqCst};
use super::wait_queue::{Key, WaitQueue};
use super::wake_list::WakeList;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

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

struct Waiter {
    waker: Option<Waker>,
    notification: Option<Notification>,
    /// The `notify_waiters` count when the future was created (and queued).
    calls: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notification {
    /// From `notify_one`: passed on to the front waiter if dropped unused.
    One,
    /// From `notify_last`: passed on to the back waiter if dropped unused.
    Last,
    /// From `notify_waiters`.
    All,
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

/// The future of [`Notify::notified`]: completes when notified.
///
/// It observes [`notify_waiters`](Notify::notify_waiters) from the moment it is created; it
/// competes for [`notify_one`](Notify::notify_one) once it is polled or
/// [enabled](Notified::enable).
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    wait: Wait,
}

/// The future of [`Notify::notified_owned`]: a [`Notified`] that holds the `Notify` through an
/// `Arc`, so it can be stored or moved into a task without a borrow.
#[must_use = "futures do nothing unless polled"]
pub struct OwnedNotified {
    notify: Arc<Notify>,
    wait: Wait,
}

/// What a `Notified` (borrowed or owned) knows of its wait.
#[derive(Debug)]
struct Wait {
    /// The `notify_waiters` count when the future was created.
    calls: usize,
    state: NotifiedState,
}

#[derive(Clone, Copy, Debug)]
enum NotifiedState {
    Init,
    Waiting(Key),
    Done,
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

    /// A future that completes when this `Notify` is notified.
    ///
    /// It sees every [`notify_waiters`](Notify::notify_waiters) call made after this method
    /// returns, even before it is first polled. It takes part in
    /// [`notify_one`](Notify::notify_one) from its first poll, or from
    /// [`Notified::enable`].
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute notifications in the order they were
    /// requested. Cancelling a call to `notified` makes you lose your place in the queue, and
    /// no notification is lost: one that `notify_one` had already given to the cancelled
    /// future is passed on to the next waiter (or stored as the permit).
    ///
    /// ```
    /// use weft::sync::Notify;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let notify = Notify::new();
    ///     notify.notify_one(); // stored
    ///     notify.notified().await; // taken at once
    /// }
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            wait: Wait::new(self),
        }
    }

    /// [`notified`](Notify::notified) for a `Notify` in an `Arc`: the future owns a reference,
    /// so it is `'static` (store it, or move it into a task) and behaves the same otherwise.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Notify;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///     let notified = notify.clone().notified_owned(); // sees the call below
    ///     let waiter = weft::spawn(notified);
    ///     notify.notify_waiters();
    ///     waiter.await.unwrap();
    /// }
    /// ```
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        let wait = Wait::new(&self);
        OwnedNotified { notify: self, wait }
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
        let mut queue = lock(&self.waiters);
        let current = self.state.load(SeqCst);
        if phase(current) != WAITING {
            // Nobody is queued; `Notified` futures not yet queued see the new count. The
            // phase may change concurrently (EMPTY <-> NOTIFIED), the count does not.
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
                front.notification = Some(Notification::All);
                if let Some(waker) = front.waker.take() {
                    wakers.push(waker);
                }
                queue.pop_front();
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
        let waiter = queue.get_mut(key);
        waiter.notification = Some(strategy.notification());
        let waker = waiter.waker.take();
        if queue.is_empty() {
            // Under the lock with the phase `WAITING`, nothing else writes the word.
            self.state.store(with_phase(current, EMPTY), SeqCst);
        }
        waker
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

impl Notified<'_> {
    /// Registers this future for [`notify_one`](Notify::notify_one) without polling it, so
    /// that a notification sent between now and the first poll is kept for it. Returns
    /// whether it is already notified (a stored permit was taken, or `notify_waiters` was
    /// called since its creation); then polling it completes at once.
    ///
    /// ```
    /// use std::pin::pin;
    /// use weft::sync::Notify;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let notify = Notify::new();
    ///     let mut notified = pin!(notify.notified());
    ///     assert!(!notified.as_mut().enable()); // registered, not notified yet
    ///     notify.notify_one(); // goes to `notified`, not to a stored permit
    ///     notified.await;
    /// }
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        this.wait.poll(this.notify, None).is_ready()
    }
}

impl Wait {
    fn new(notify: &Notify) -> Wait {
        Wait {
            calls: calls(notify.state.load(SeqCst)),
            state: NotifiedState::Init,
        }
    }

    fn poll(&mut self, notify: &Notify, waker: Option<&Waker>) -> Poll<()> {
        match self.state {
            NotifiedState::Done => Poll::Ready(()),
            NotifiedState::Init => {
                if self.try_take_without_lock(notify) {
                    self.state = NotifiedState::Done;
                    return Poll::Ready(());
                }
                let mut queue = lock(&notify.waiters);
                let state = &notify.state;
                let mut current = state.load(SeqCst);
                loop {
                    if calls(current) != self.calls {
                        self.state = NotifiedState::Done;
                        return Poll::Ready(());
                    }
                    let took_permit = match phase(current) {
                        NOTIFIED => true,
                        EMPTY => false,
                        _ => break,
                    };
                    let next = with_phase(current, if took_permit { EMPTY } else { WAITING });
                    match state.compare_exchange_weak(current, next, SeqCst, SeqCst) {
                        Ok(_) if took_permit => {
                            self.state = NotifiedState::Done;
                            return Poll::Ready(());
                        }
                        Ok(_) => break,
                        Err(actual) => current = actual,
                    }
                }
                let key = queue.push_back(Waiter {
                    waker: waker.cloned(),
                    notification: None,
                    calls: self.calls,
                });
                self.state = NotifiedState::Waiting(key);
                Poll::Pending
            }
            NotifiedState::Waiting(key) => {
                let mut queue = lock(&notify.waiters);
                let entry = queue.get_mut(key);
                if entry.notification.is_some() {
                    let entry = queue.remove(key);
                    drop(queue);
                    drop(entry);
                    self.state = NotifiedState::Done;
                    return Poll::Ready(());
                }
                let stale = match (waker, &entry.waker) {
                    (None, _) => None,
                    (Some(new), Some(old)) if old.will_wake(new) => None,
                    (Some(new), _) => entry.waker.replace(new.clone()),
                };
                drop(queue);
                drop(stale);
                Poll::Pending
            }
        }
    }

    /// Before queueing: ready if `notify_waiters` ran since creation, or if a stored permit
    /// could be taken.
    fn try_take_without_lock(&self, notify: &Notify) -> bool {
        let state = &notify.state;
        let mut current = state.load(SeqCst);
        loop {
            if calls(current) != self.calls {
                return true;
            }
            if phase(current) != NOTIFIED {
                return false;
            }
            let next = with_phase(current, EMPTY);
            match state.compare_exchange_weak(current, next, SeqCst, SeqCst) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// The future is dropped: leave the queue, passing on a single notification it was given
    /// but did not use.
    fn cancel(&mut self, notify: &Notify) {
        let NotifiedState::Waiting(key) = self.state else {
            return;
        };
        let mut queue = lock(&notify.waiters);
        let entry = queue.remove(key);
        let waker = match entry.notification {
            // Chosen by `notify_one` but never completed: pass the notification on.
            Some(Notification::One) => notify.notify_locked(&mut queue, Strategy::Fifo),
            Some(Notification::Last) => notify.notify_locked(&mut queue, Strategy::Lifo),
            Some(Notification::All) => None,
            None => {
                if queue.is_empty() {
                    // We were the last waiter: leave `WAITING`. Under the lock with the phase
                    // `WAITING`, nothing else writes the word.
                    let current = notify.state.load(SeqCst);
                    debug_assert_eq!(phase(current), WAITING);
                    notify.state.store(with_phase(current, EMPTY), SeqCst);
                }
                None
            }
        };
        drop(queue);
        drop(entry);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // `Notified` is `Unpin`: no field is pinned. A leaf of the cooperative budget.
        let this = self.get_mut();
        crate::task::coop::leaf(cx, |cx| this.wait.poll(this.notify, Some(cx.waker())))
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        self.wait.cancel(self.notify);
    }
}

impl OwnedNotified {
    /// As [`Notified::enable`].
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        this.wait.poll(&this.notify, None).is_ready()
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // `OwnedNotified` is `Unpin`: no field is pinned. A leaf of the cooperative budget.
        let this = self.get_mut();
        crate::task::coop::leaf(cx, |cx| this.wait.poll(&this.notify, Some(cx.waker())))
    }
}

impl Drop for OwnedNotified {
    fn drop(&mut self) {
        self.wait.cancel(&self.notify);
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified")
            .field("state", &self.wait.state)
            .finish()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.wait.state)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
