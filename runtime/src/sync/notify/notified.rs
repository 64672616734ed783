//! The waiting side of [`Notify`]: the [`Notified`] and [`OwnedNotified`] futures.
//!
//! A future queues a slot in the `Notify`'s wait list that points back to the [`Outcome`] cell
//! inside the future itself (`outcome.rs`). The notifier frees the slot and writes the cell
//! under the lock; the woken future reads its cell without the lock, so a wake-up costs the
//! waiter no lock at all (the lock is taken to queue, not to leave). This file keeps the
//! waiter's half of the cell's rules:
//!
//! - The cell is only pointed to while the future is pinned: it is queued from `poll` or
//!   `enable`, which take `Pin<&mut Self>`, and the futures are `!Unpin`.
//! - Every path that would use the key reads the cell first; a set cell means the key is dead
//!   (its slot was freed and may already be someone else's).
//! - The future's drop takes the lock and removes its slot unless the cell is set, so the
//!   notifier never writes into freed memory.

use super::{calls, lock, phase, with_phase, Notify, Strategy, Waiter, EMPTY, NOTIFIED, WAITING};
use crate::sync::outcome::{Delivery, Outcome, PENDING};
use crate::sync::prim::Ordering::SeqCst;
use crate::sync::wait_queue::Key;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// What a queued waiter was given, as its outcome cell stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Notification {
    /// From `notify_one`: passed on to the front waiter if dropped unused.
    One = 1,
    /// From `notify_last`: passed on to the back waiter if dropped unused.
    Last = 2,
    /// From `notify_waiters`.
    All = 3,
}

impl Notification {
    fn from_cell(value: usize) -> Option<Notification> {
        match value {
            PENDING => None,
            1 => Some(Notification::One),
            2 => Some(Notification::Last),
            3 => Some(Notification::All),
            _ => unreachable!("a notify outcome cell holds 0..=3"),
        }
    }
}

/// What a `Notified` (borrowed or owned) knows of its wait.
#[derive(Debug)]
struct Wait {
    /// The `notify_waiters` count when the future was created.
    calls: usize,
    state: NotifiedState,
    outcome: Outcome,
}

#[derive(Clone, Copy, Debug)]
enum NotifiedState {
    Init,
    Waiting(Key),
    Done,
}

impl Wait {
    fn new(notify: &Notify) -> Wait {
        Wait {
            calls: calls(notify.state.load(SeqCst)),
            state: NotifiedState::Init,
            outcome: Outcome::new(),
        }
    }

    /// Polls the wait. `self` must be pinned: a queued slot points into it.
    fn poll(&mut self, notify: &Notify, waker: Option<&Waker>) -> Poll<()> {
        match self.state {
            NotifiedState::Done => Poll::Ready(()),
            NotifiedState::Init => self.poll_first(notify, waker),
            NotifiedState::Waiting(key) => {
                let mut queue = match self.outcome.get_or_lock(|| lock(&notify.waiters)) {
                    Delivery::Delivered(_) => {
                        // Handed over: the slot is gone, and so is the need for the lock.
                        self.state = NotifiedState::Done;
                        return Poll::Ready(());
                    }
                    Delivery::Pending(queue) => queue,
                };
                let entry = queue.get_mut(key);
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

    /// The first poll (or `enable`): ready on a `notify_waiters` since creation or a stored
    /// permit, else queued.
    fn poll_first(&mut self, notify: &Notify, waker: Option<&Waker>) -> Poll<()> {
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
            calls: self.calls,
            outcome: self.outcome.ptr(),
        });
        self.state = NotifiedState::Waiting(key);
        Poll::Pending
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

    /// The future is dropped: leave the queue, or pass on a single notification it was given
    /// but did not use.
    fn cancel(&mut self, notify: &Notify) {
        let NotifiedState::Waiting(key) = self.state else {
            return;
        };
        let strategy = match self.outcome.get_or_lock(|| lock(&notify.waiters)) {
            Delivery::Pending(mut queue) => {
                // Still queued: the key is ours. Leave, and free the slot.
                let entry = queue.remove(key);
                if queue.is_empty() {
                    // We were the last waiter: leave `WAITING`. Under the lock with the phase
                    // `WAITING`, nothing else writes the word.
                    let current = notify.state.load(SeqCst);
                    debug_assert_eq!(phase(current), WAITING);
                    notify.state.store(with_phase(current, EMPTY), SeqCst);
                }
                drop(queue);
                drop(entry);
                return;
            }
            Delivery::Delivered(value) => match Notification::from_cell(value) {
                // Chosen by `notify_one` (or `notify_last`) but never completed: pass it on.
                Some(Notification::One) => Strategy::Fifo,
                Some(Notification::Last) => Strategy::Lifo,
                // From `notify_waiters`: nothing to pass on.
                _ => return,
            },
        };
        let mut queue = lock(&notify.waiters);
        let waker = notify.notify_locked(&mut queue, strategy);
        drop(queue);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The future of [`Notify::notified`]: completes when notified.
///
/// It observes [`notify_waiters`](Notify::notify_waiters) from the moment it is created; it
/// competes for [`notify_one`](Notify::notify_one) once it is polled or
/// [enabled](Notified::enable). Like tokio's, it is `!Unpin`: pin it (`std::pin::pin!`,
/// `Box::pin`) to poll it by hand or to `select!` on a `&mut` of it.
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

impl Notify {
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
        let (notify, wait) = self.project();
        wait.poll(notify, None).is_ready()
    }

    fn project(self: Pin<&mut Self>) -> (&Notify, &mut Wait) {
        // SAFETY: nothing is moved out of the pinned future: `wait` is only used in place
        // (its outcome cell keeps its address until the future is dropped, as the queued slot
        // pointing to it requires), and `notify` is a shared reference.
        let this = unsafe { self.get_unchecked_mut() };
        (this.notify, &mut this.wait)
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (notify, wait) = self.project();
        // A leaf of the cooperative budget.
        crate::task::coop::leaf(cx, |cx| wait.poll(notify, Some(cx.waker())))
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
        let (notify, wait) = self.project();
        wait.poll(notify, None).is_ready()
    }

    fn project(self: Pin<&mut Self>) -> (&Notify, &mut Wait) {
        // SAFETY: as `Notified::project`: `wait` stays in place, `notify` is only shared.
        let this = unsafe { self.get_unchecked_mut() };
        (&this.notify, &mut this.wait)
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (notify, wait) = self.project();
        // A leaf of the cooperative budget.
        crate::task::coop::leaf(cx, |cx| wait.poll(notify, Some(cx.waker())))
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
