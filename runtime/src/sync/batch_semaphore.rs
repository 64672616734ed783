//! The batch semaphore: a fair (FIFO) counting semaphore whose waiters ask for any number of
//! permits at once. `Semaphore`, `Mutex` (one permit), `RwLock` (a reader takes one permit, a
//! writer all of them) and the bounded `mpsc` channel are built on it.
//!
//! State: one word, `permits << SHIFT | WAITERS | CLOSED`, and a [`WaitQueue`] of waiters
//! behind a `Mutex`. Acquiring while enough permits are available is one compare-exchange on
//! the word; so is releasing while nobody waits. The lock is taken only to wait, to hand
//! permits to waiters, to cancel a wait and to close.
//!
//! Invariants:
//! - `WAITERS` is set exactly when the queue holds a waiter; it is set and cleared only under
//!   the lock.
//! - While `WAITERS` is set the word holds no permits: a waiter that finds too few takes those
//!   that are there (in the same compare-exchange that sets `WAITERS`), and a release that
//!   finds `WAITERS` hands its permits to the queue under the lock instead of to the word.
//!   Hence no acquire overtakes a queued waiter (FIFO), and no permit sits in the word while
//!   someone waits for it (no lost wake-up).
//! - Permits are handed out front to back: the front waiter takes what it still needs before
//!   the next one gets any, so a large request is not starved by a stream of small ones. A
//!   waiter that has all it asked for leaves the queue, is marked granted and is woken.
//! - Every permit is in exactly one place: the word, a waiter's slot (assigned, not yet
//!   returned), or a holder. Cancelling a wait returns what was assigned to it (to the next
//!   waiters first). Closing leaves each queued waiter's assigned permits in its slot, as
//!   tokio does: they go back to the word when that waiter's `Acquire` is polled (and fails)
//!   or dropped (they travel in its outcome cell), so a bounded channel's closed receiver does not see the channel idle while a
//!   sender's reservation still holds part of its slots.
//! - A waiter is served by hand-over (`outcome.rs`): whoever grants it all it asked for, or
//!   closes the semaphore, frees its slot and writes the result into the outcome cell inside
//!   its pinned `Acquire` (`GRANTED`, or `closed_with(assigned)`), so the woken future reads
//!   its result without the lock. A closed waiter's assigned permits travel in that cell and
//!   go back to the word when its `Acquire` is polled or dropped.
//! - `CLOSED` is never cleared. Once it is set no waiter is queued again, and every waiter
//!   that was queued is woken with an error. So is a waiter granted before the close but polled
//!   only after it (tokio's rule: an acquire that has not returned yet fails once the
//!   semaphore is closed); its permits go back to the word in that poll.
//! - No waker is woken or dropped while the lock is held (see `wake_list.rs`).

use super::outcome::{Delivery, Outcome, OutcomePtr};
use super::prim::{lock, AtomicUsize, Mutex, MutexGuard, Ordering};
use super::wait_queue::{Key, WaitQueue};
use super::wake_list::WakeList;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

const CLOSED: usize = 1 << 0;
const WAITERS: usize = 1 << 1;
const SHIFT: u32 = 2;

/// A waiter's outcome cell: it has every permit it asked for.
const GRANTED: usize = 1;
/// A waiter's outcome cell: closed while waiting, `assigned << 2 | CLOSED_OUTCOME`.
const CLOSED_OUTCOME: usize = 2;

/// The outcome of a waiter woken by `close` with `assigned` permits already handed to it.
fn closed_with(assigned: usize) -> usize {
    assigned << 2 | CLOSED_OUTCOME
}

/// The permits a `closed_with` outcome carries back.
fn assigned_when_closed(outcome: usize) -> usize {
    debug_assert_eq!(outcome & 3, CLOSED_OUTCOME, "not a close's outcome");
    outcome >> 2
}

pub(crate) struct Semaphore {
    word: AtomicUsize,
    waiters: Mutex<WaitQueue<Waiter>>,
}

struct Waiter {
    waker: Option<Waker>,
    requested: usize,
    /// Permits still to hand to this waiter; `requested - remaining` are assigned to it.
    remaining: usize,
    /// The `Acquire`'s outcome cell, written when the slot is served.
    outcome: OutcomePtr,
}

/// The error of an acquire on a closed semaphore.
///
/// Returned by [`Semaphore::acquire`](crate::sync::Semaphore::acquire) and its variants once
/// [`Semaphore::close`](crate::sync::Semaphore::close) was called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

/// The error of a `try_acquire`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Too few permits are available now.
    NoPermits,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl Error for TryAcquireError {}

/// The future of [`Semaphore::acquire`]: `Ok` with the permits taken (the caller now owns them
/// and gives them back with `release`), or `Err` if the semaphore is closed.
///
/// Dropping it while it waits removes its waiter and returns any permits already assigned to
/// it (to the waiters behind it first).
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    permits: u32,
    state: AcquireState,
    /// Where a queued wait's result is handed over; makes `Acquire` `!Unpin`.
    outcome: Outcome,
}

#[derive(Clone, Copy, Debug)]
enum AcquireState {
    Start,
    Waiting(Key),
    /// The permits are this future's, but its task had no coop budget left to take them:
    /// they are handed over at the next poll, or released if the future is dropped.
    Acquired,
    Done,
}

impl Semaphore {
    /// The most permits a semaphore holds (the low bits of the word are flags).
    pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Self::MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS ({}) permits, but {permits} were asked for",
            Self::MAX_PERMITS
        );
        Semaphore {
            word: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(WaitQueue::new()),
        }
    }

    /// [`new`](Semaphore::new) in a `const` context (not under loom, whose atomics are not
    /// `const`).
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub(crate) const fn const_new(permits: usize) -> Semaphore {
        assert!(
            permits <= Self::MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits"
        );
        Semaphore {
            word: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(WaitQueue::new()),
        }
    }

    /// Waits for `n` permits, in FIFO order with every other waiter.
    pub(crate) fn acquire(&self, n: u32) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            permits: n,
            state: AcquireState::Start,
            outcome: Outcome::new(),
        }
    }

    /// Takes `n` permits if they are available now and nobody waits.
    pub(crate) fn try_acquire(&self, n: u32) -> Result<(), TryAcquireError> {
        let n = n as usize;
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            if current & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            // While someone waits the word holds no permits, so this never jumps the queue.
            if current >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            let next = current - (n << SHIFT);
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// Adds `n` permits: to the waiters first, in FIFO order, then to the count.
    ///
    /// # Panics
    /// If the count would exceed [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut current = self.word.load(Ordering::Acquire);
        while current & WAITERS == 0 {
            let next = add_permits(current, n);
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
        self.release_locked(n, lock(&self.waiters));
    }

    /// Closes the semaphore: every waiter is woken with [`AcquireError`], and so is every
    /// later acquire. Permits can still be released (and counted).
    pub(crate) fn close(&self) {
        let mut queue = lock(&self.waiters);
        self.word.fetch_or(CLOSED, Ordering::AcqRel);
        if queue.is_empty() {
            // Nobody to wake, and `WAITERS` is clear (it is set exactly while one is queued):
            // done (a channel's close, on every drop of a receiver, usually ends here).
            return;
        }
        let mut wakers = WakeList::new();
        while !queue.is_empty() {
            let served = serve_front(&mut queue, |waiter| {
                closed_with(waiter.requested - waiter.remaining)
            });
            if let Some(waker) = served {
                wakers.push(waker);
            }
        }
        // The queue is empty and stays so (`CLOSED` is set): clear `WAITERS`. The waiters'
        // assigned permits come back one waiter at a time (`return_after_close`), from their
        // outcome cells.
        self.word.fetch_and(!WAITERS, Ordering::AcqRel);
        drop(queue);
        wakers.wake_all();
    }

    /// Gives a closed waiter's `n` assigned permits back to the word (no waiter is queued once
    /// closed). Held and assigned permits together can exceed what the word may count (a
    /// release after the close may have added more), so this saturates instead of panicking.
    fn return_after_close(&self, n: usize) {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let total = (current >> SHIFT).saturating_add(n).min(Self::MAX_PERMITS);
            let next = (total << SHIFT) | (current & CLOSED);
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.word.load(Ordering::Acquire) & CLOSED != 0
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.word.load(Ordering::Acquire) >> SHIFT
    }

    /// Waiters queued now: tests wait on it rather than sleep until a waiter blocks.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn waiters(&self) -> usize {
        lock(&self.waiters).len()
    }

    /// Removes up to `n` available permits; returns how many were removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let removed = n.min(current >> SHIFT);
            if removed == 0 {
                return 0;
            }
            let next = current - (removed << SHIFT);
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return removed,
                Err(actual) => current = actual,
            }
        }
    }

    /// Takes `n` permits, or queues a waiter for what is missing. `Ok(None)`: acquired.
    ///
    /// `outcome` is the caller's cell, which must stay pinned until the caller's drop.
    fn acquire_or_enqueue(
        &self,
        n: usize,
        waker: &Waker,
        outcome: &Outcome,
    ) -> Result<Option<Key>, AcquireError> {
        let mut queue = lock(&self.waiters);
        let mut current = self.word.load(Ordering::Acquire);
        let remaining = loop {
            if current & CLOSED != 0 {
                return Err(AcquireError(()));
            }
            let available = current >> SHIFT;
            // With `WAITERS` set, `available` is 0: we queue behind the others.
            let (next, remaining) = if available >= n {
                (current - (n << SHIFT), 0)
            } else {
                (WAITERS, n - available)
            };
            match self.word.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break remaining,
                Err(actual) => current = actual,
            }
        };
        if remaining == 0 {
            return Ok(None);
        }
        let key = queue.push_back(Waiter {
            waker: Some(waker.clone()),
            requested: n,
            remaining,
            outcome: outcome.ptr(),
        });
        Ok(Some(key))
    }

    /// Hands `n` permits to the queue front to back, the rest to the word; consumes the lock.
    #[track_caller]
    fn release_locked(&self, mut n: usize, mut queue: MutexGuard<'_, WaitQueue<Waiter>>) {
        let mut wakers = WakeList::new();
        while n > 0 {
            let Some(front) = queue.front_mut() else {
                break;
            };
            let given = n.min(front.remaining);
            front.remaining -= given;
            n -= given;
            if front.remaining == 0 {
                if let Some(waker) = serve_front(&mut queue, |_| GRANTED) {
                    wakers.push(waker);
                }
            }
        }
        if queue.is_empty() {
            // Nobody waits any more: clear `WAITERS`; what is left goes to the word.
            let mut current = self.word.load(Ordering::Acquire);
            loop {
                if n > Self::MAX_PERMITS - (current >> SHIFT) {
                    drop(queue);
                    overflow(n);
                }
                let next = (current & CLOSED) | (((current >> SHIFT) + n) << SHIFT);
                match self.word.compare_exchange_weak(
                    current,
                    next,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break,
                    Err(actual) => current = actual,
                }
            }
        } else {
            debug_assert_eq!(n, 0, "permits left over while a waiter still needs some");
        }
        drop(queue);
        wakers.wake_all();
    }

    /// A waiting `Acquire` is dropped: free its slot and return what was assigned to it, or,
    /// if it was served already, give back what its outcome holds.
    fn cancel(&self, key: Key, requested: usize, outcome: &Outcome) {
        match outcome.get_or_lock(|| lock(&self.waiters)) {
            Delivery::Pending(mut queue) => {
                // Still queued: the key is ours.
                let waiter = queue.remove(key);
                let assigned = waiter.requested - waiter.remaining;
                // Also clears `WAITERS` if this was the last waiter; the waiter's waker is
                // dropped after the lock (`release_locked` consumes it).
                self.release_locked(assigned, queue);
                drop(waiter);
            }
            // Granted but never taken: the permits go to the next waiters (or the word).
            Delivery::Delivered(GRANTED) => self.release(requested),
            Delivery::Delivered(closed) => self.return_after_close(assigned_when_closed(closed)),
        }
    }

    /// The outcome of a queued `Acquire`, or `None` (waker refreshed) while it still waits.
    fn poll_waiting(
        &self,
        key: Key,
        requested: usize,
        outcome: &Outcome,
        waker: &Waker,
    ) -> Option<Result<(), AcquireError>> {
        let result = match outcome.get_or_lock(|| lock(&self.waiters)) {
            Delivery::Pending(mut queue) => {
                let waiter = queue.get_mut(key);
                let stale = match &waiter.waker {
                    Some(current) if current.will_wake(waker) => None,
                    _ => waiter.waker.replace(waker.clone()),
                };
                drop(queue);
                drop(stale);
                return None;
            }
            Delivery::Delivered(result) => result,
        };
        if result != GRANTED {
            // Woken by `close`: what was assigned goes back.
            self.return_after_close(assigned_when_closed(result));
            return Some(Err(AcquireError(())));
        }
        if self.is_closed() {
            // Granted before the close but polled after it: as in tokio, a closed semaphore
            // fails every acquire that has not completed yet. The permits go back (to the
            // word: no waiter is queued once closed).
            self.return_after_close(requested);
            return Some(Err(AcquireError(())));
        }
        Some(Ok(()))
    }
}

/// Under the lock: takes the front waiter out of the queue, frees its slot and hands its
/// `Acquire` the outcome `outcome_of` computes from it (`outcome.rs`); returns its waker, to
/// wake once the lock is released.
fn serve_front(
    queue: &mut WaitQueue<Waiter>,
    outcome_of: impl FnOnce(&Waiter) -> usize,
) -> Option<Waker> {
    let key = queue.pop_front().expect("the front waiter is queued");
    let waiter = queue.remove(key);
    let outcome = outcome_of(&waiter);
    // SAFETY: the caller holds the lock, and the slot was queued until just now, so its
    // `Acquire` is alive and pinned (its drop removes a queued slot under this lock first);
    // the slot is freed above, and nothing here touches the pointer again (`outcome.rs`).
    unsafe { waiter.outcome.deliver(outcome) };
    waiter.waker
}

/// `current` with `n` more permits.
#[track_caller]
fn add_permits(current: usize, n: usize) -> usize {
    if n > Semaphore::MAX_PERMITS - (current >> SHIFT) {
        overflow(n);
    }
    current + (n << SHIFT)
}

#[track_caller]
fn overflow(n: usize) -> ! {
    panic!(
        "adding {n} permits would make the semaphore hold more than MAX_PERMITS ({})",
        Semaphore::MAX_PERMITS
    )
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A leaf of the cooperative budget, checked *after* the acquire, as tokio's: a task
        // out of budget still takes its place in the queue (and its permits, once granted,
        // stay its own), so FIFO order holds; it only yields before it returns them.
        // SAFETY: nothing is moved out of the pinned future; its outcome cell, which a queued
        // slot points to, stays in place until the drop (as `outcome.rs` requires).
        let this = unsafe { self.get_unchecked_mut() };
        if !matches!(this.state, AcquireState::Acquired) {
            std::task::ready!(this.poll_acquire(cx))?;
            this.state = AcquireState::Acquired;
        }
        let progress = std::task::ready!(crate::task::coop::poll_proceed(cx));
        progress.made_progress();
        this.state = AcquireState::Done;
        if this.semaphore.is_closed() {
            // Closed while the task yielded for budget: as for any acquire that had not
            // completed, it fails, and the permits go back.
            this.semaphore.return_after_close(this.permits as usize);
            return Poll::Ready(Err(AcquireError(())));
        }
        Poll::Ready(Ok(()))
    }
}

impl Acquire<'_> {
    fn poll_acquire(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AcquireError>> {
        let this = self;
        let result = match this.state {
            AcquireState::Done => panic!("`Acquire` polled after it completed"),
            AcquireState::Acquired => unreachable!("`poll` hands acquired permits over itself"),
            AcquireState::Start => match this.semaphore.try_acquire(this.permits) {
                Ok(()) => Ok(()),
                Err(TryAcquireError::Closed) => Err(AcquireError(())),
                Err(TryAcquireError::NoPermits) => {
                    let n = this.permits as usize;
                    match this
                        .semaphore
                        .acquire_or_enqueue(n, cx.waker(), &this.outcome)
                    {
                        Ok(None) => Ok(()),
                        Ok(Some(key)) => {
                            this.state = AcquireState::Waiting(key);
                            return Poll::Pending;
                        }
                        Err(closed) => Err(closed),
                    }
                }
            },
            AcquireState::Waiting(key) => {
                let requested = this.permits as usize;
                match this
                    .semaphore
                    .poll_waiting(key, requested, &this.outcome, cx.waker())
                {
                    Some(result) => result,
                    None => return Poll::Pending,
                }
            }
        };
        this.state = AcquireState::Done;
        Poll::Ready(result)
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        match self.state {
            AcquireState::Waiting(key) => {
                self.semaphore
                    .cancel(key, self.permits as usize, &self.outcome)
            }
            AcquireState::Acquired => self.semaphore.release(self.permits as usize),
            AcquireState::Start | AcquireState::Done => {}
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.word.load(Ordering::Acquire);
        f.debug_struct("Semaphore")
            .field("permits", &(word >> SHIFT))
            .field("waiters", &(word & WAITERS != 0))
            .field("closed", &(word & CLOSED != 0))
            .finish()
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.permits)
            .field("state", &self.state)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
