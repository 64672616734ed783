//! The shared state of a [`TaskGroup`](super::TaskGroup): what its members report and what its
//! joiner waits for.
//!
//! Every member goes through `register` (a slot, counted as live), `attach` (its cancel handle,
//! once spawned), then exactly one of `finish` (it ran to the end: an output or a failure) or
//! `release` (its future was dropped unfinished: cancelled). The joiner polls `poll_join` until
//! no member is live.
//!
//! Invariants (all under the one lock):
//! - `live` counts members registered and not yet finished or released; the joiner completes
//!   only at `live == 0`, so when `join` returns every member's future has been dropped.
//! - The first failure is kept and never replaced. Recording it takes the cancel handle of every
//!   other member still running, and those are cancelled right away (after the lock is released), on
//!   the thread that saw the failure: cancellation does not wait for the joiner.
//! - A member attached after the group failed (or closed) is cancelled on the spot.
//! - The joiner's waker is taken by whichever `finish`/`release` brings `live` to zero: it is
//!   woken exactly once per `Pending` it returned, and never lost, since `poll_join` checks
//!   `live` and stores the waker under the same lock.
//!
//! User code (the joiner's waker, a late failure's destructor) runs only after the lock is
//! released and the state is updated, so a panic in it leaves the group consistent: it unwinds
//! into the member's poll, where the task core catches it (the member's outcome is already
//! recorded; only that one wake-up is lost, and the waker that lost it is the one that
//! panicked). Cloning the joiner's waker happens under the lock, before anything changes: a
//! panic there leaves the state as it was (`lock` ignores the poisoning).
//!
//! Cancellation goes through the [`Cancel`] trait so that the loom models can stand in for
//! tasks; the group's real handles are [`AbortHandle`]s.

use super::AbortHandle;
use crate::loom::{lock, Mutex};
use std::any::Any;
use std::fmt;
use std::mem;
use std::task::{Poll, Waker};

/// Stops a member (for a task: aborts it).
pub(crate) trait Cancel {
    fn cancel(&self);
}

impl Cancel for AbortHandle {
    fn cancel(&self) {
        self.abort();
    }
}

/// Why a group failed.
pub(crate) enum Failure<E> {
    /// A member returned `Err`.
    Error(E),
    /// A member panicked (while polled, or in its destructor).
    Panic(Box<dyn Any + Send + 'static>),
    /// A member was cancelled by something other than the group (its runtime shut down).
    Cancelled { member: usize },
}

pub(crate) struct GroupState<T, E, C> {
    inner: Mutex<Inner<T, E, C>>,
}

struct Inner<T, E, C> {
    members: Vec<Member<T, C>>,
    live: usize,
    failure: Option<Failure<E>>,
    /// A failure was recorded (it stays set after the joiner took the failure).
    failed: bool,
    /// The group was dropped: its members are being cancelled and nobody joins.
    closed: bool,
    joiner: Option<Waker>,
}

enum Member<T, C> {
    /// Registered; its task is being spawned.
    Spawning,
    /// Spawned; this cancels it.
    Running(C),
    /// Told to stop; waiting for its future to be dropped.
    Cancelling,
    /// Ended: its output, if it succeeded.
    Ended(Option<T>),
}

impl<T, E, C: Cancel> GroupState<T, E, C> {
    pub(crate) fn new() -> GroupState<T, E, C> {
        GroupState {
            inner: Mutex::new(Inner {
                members: Vec::new(),
                live: 0,
                failure: None,
                failed: false,
                closed: false,
                joiner: None,
            }),
        }
    }

    /// Whether the group failed or was dropped: a member not yet started must not start.
    pub(crate) fn is_stopping(&self) -> bool {
        let inner = lock(&self.inner);
        inner.failed || inner.closed
    }

    /// A new member, live from now on; its index.
    pub(crate) fn register(&self) -> usize {
        let mut inner = lock(&self.inner);
        inner.members.push(Member::Spawning);
        inner.live += 1;
        inner.members.len() - 1
    }

    /// Member `index` was spawned and `cancel` stops it. Cancels it now if the group has
    /// already failed or closed.
    pub(crate) fn attach(&self, index: usize, cancel: C) {
        let cancel_now = {
            let mut inner = lock(&self.inner);
            let stopping = inner.failed || inner.closed;
            let member = &mut inner.members[index];
            match member {
                Member::Spawning if stopping => {
                    *member = Member::Cancelling;
                    Some(cancel)
                }
                Member::Spawning => {
                    *member = Member::Running(cancel);
                    None
                }
                // It ended before we got here; the handle is not needed.
                _ => None,
            }
        };
        if let Some(cancel) = cancel_now {
            cancel.cancel();
        }
    }

    /// Member `index` ran to the end with `outcome`. The first failure is kept and cancels
    /// every other running member at once.
    pub(crate) fn finish(&self, index: usize, outcome: Result<T, Failure<E>>) {
        let (to_cancel, joiner, _late_failure) = {
            let mut inner = lock(&self.inner);
            // Ended first, so that a failure does not cancel the member that reports it.
            let (to_cancel, late) = match outcome {
                Ok(output) => {
                    inner.members[index] = Member::Ended(Some(output));
                    (Vec::new(), None)
                }
                Err(failure) => {
                    inner.members[index] = Member::Ended(None);
                    match inner.fail(failure) {
                        Ok(to_cancel) => (to_cancel, None),
                        Err(late) => (Vec::new(), Some(late)),
                    }
                }
            };
            (to_cancel, inner.end_one(), late)
        };
        // A failure after the first is dropped here, outside the lock (its destructor is user
        // code).
        cancel_all(to_cancel);
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }

    /// Member `index`'s future was dropped before it finished: cancelled, by the group or (a
    /// failure) by something else.
    pub(crate) fn release(&self, index: usize) {
        let (to_cancel, joiner) = {
            let mut inner = lock(&self.inner);
            inner.members[index] = Member::Ended(None);
            let to_cancel = if inner.closed {
                Vec::new()
            } else {
                // Cancelled by the group (already failed): `fail` records nothing.
                inner
                    .fail(Failure::Cancelled { member: index })
                    .unwrap_or_default()
            };
            (to_cancel, inner.end_one())
        };
        cancel_all(to_cancel);
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }

    /// The group is dropped: cancel every running member; nobody will join.
    pub(crate) fn close(&self) {
        let to_cancel = {
            let mut inner = lock(&self.inner);
            inner.closed = true;
            inner.take_running()
        };
        cancel_all(to_cancel);
    }

    /// The joiner's side: once no member is live, every output in spawn order, or the failure.
    /// Otherwise `waker` is stored and woken when the last member ends.
    pub(crate) fn poll_join(&self, waker: &Waker) -> Poll<Result<Vec<T>, Failure<E>>> {
        let mut inner = lock(&self.inner);
        if inner.live > 0 {
            match &inner.joiner {
                Some(stored) if stored.will_wake(waker) => {}
                _ => inner.joiner = Some(waker.clone()),
            }
            return Poll::Pending;
        }
        if let Some(failure) = inner.failure.take() {
            return Poll::Ready(Err(failure));
        }
        let members = mem::take(&mut inner.members);
        Poll::Ready(Ok(members
            .into_iter()
            .map(|member| match member {
                Member::Ended(Some(output)) => output,
                _ => unreachable!("a TaskGroup member ended without an output or a failure"),
            })
            .collect()))
    }

    /// Members registered so far, and how many are still live.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let inner = lock(&self.inner);
        (inner.members.len(), inner.live)
    }
}

impl<T, E, C: Cancel> Inner<T, E, C> {
    /// Records `failure` if it is the first and returns the handles to cancel; a later failure
    /// is handed back, for the caller to drop outside the lock.
    fn fail(&mut self, failure: Failure<E>) -> Result<Vec<C>, Failure<E>> {
        if self.failed {
            return Err(failure);
        }
        self.failed = true;
        self.failure = Some(failure);
        Ok(self.take_running())
    }

    /// The cancel handles of every running member, which become `Cancelling`.
    fn take_running(&mut self) -> Vec<C> {
        let mut handles = Vec::new();
        for member in &mut self.members {
            if matches!(member, Member::Running(_)) {
                if let Member::Running(cancel) = mem::replace(member, Member::Cancelling) {
                    handles.push(cancel);
                }
            }
        }
        handles
    }

    /// One live member fewer; the joiner's waker if that was the last.
    fn end_one(&mut self) -> Option<Waker> {
        self.live -= 1;
        if self.live == 0 {
            self.joiner.take()
        } else {
            None
        }
    }
}

fn cancel_all<C: Cancel>(handles: Vec<C>) {
    for handle in handles {
        handle.cancel();
    }
}

impl<E> fmt::Debug for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Error(_) => f.write_str("Failure::Error(..)"),
            Failure::Panic(_) => f.write_str("Failure::Panic(..)"),
            Failure::Cancelled { member } => write!(f, "Failure::Cancelled({member})"),
        }
    }
}
