//! The task state word: one `AtomicUsize` that is the single source of truth for a task.
//!
//! Layout (low bits are flags, the rest is the reference count):
//!
//! | bit | name            | set while …                                                        |
//! |-----|-----------------|--------------------------------------------------------------------|
//! | 0   | `RUNNING`       | a thread owns the future: it is polling it or dropping it           |
//! | 1   | `COMPLETE`      | the future is gone and the output (or the error) is stored          |
//! | 2   | `NOTIFIED`      | a `Notified` reference of the task sits in a run queue (or will)   |
//! | 3   | `CANCELLED`     | the task was aborted or the runtime is shutting it down             |
//! | 4   | `JOIN_INTEREST` | the `JoinHandle` is alive                                           |
//! | 5   | `JOIN_WAKER`    | the `JoinHandle`'s waker is stored, and the runtime owns the slot  |
//!
//! Invariants:
//! - `RUNNING` and `COMPLETE` are never set together; `COMPLETE` is never cleared.
//! - While `NOTIFIED` is set, exactly one `Notified` exists; no other party submits the task.
//!   A task is submitted only by a transition that finds it neither running, complete nor
//!   notified; a wake that finds it running sets `NOTIFIED` and the runner resubmits it.
//! - References are held by: the owned-task list (1), the `JoinHandle` (1), each `Waker`, and
//!   the `Notified` in a queue. The last one to drop its reference frees the task.
//! - `JOIN_WAKER` hands the join-waker slot back and forth: when clear, only the `JoinHandle`
//!   touches the slot; when set, only the runtime reads it (to wake at completion).

use crate::loom::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use std::fmt;

const RUNNING: usize = 1 << 0;
const COMPLETE: usize = 1 << 1;
const NOTIFIED: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;
const LIFECYCLE: usize = RUNNING | COMPLETE;
const REF_SHIFT: u32 = 6;
const REF_ONE: usize = 1 << REF_SHIFT;
const REF_MASK: usize = !(REF_ONE - 1);

/// A new task: referenced by the owned list, the `JoinHandle` and its first `Notified`.
const INITIAL: usize = (3 * REF_ONE) | JOIN_INTEREST | NOTIFIED;

pub(crate) struct State {
    word: AtomicUsize,
}

/// A copy of the state word at one moment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What the scheduler does after `transition_to_running`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Poll,
    /// The task was cancelled while queued: drop the future and complete with the error.
    Cancel,
    /// Someone else owns the future (shutdown took it): drop our reference.
    Failed,
}

/// What the runner does after a poll that returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Nothing: the runner's reference was dropped here; `true` if it was the last.
    Idle { dealloc: bool },
    /// Woken while running: submit the task again, reusing the runner's reference.
    Notified,
    /// Aborted while running: drop the future and complete.
    Cancelled,
}

/// What a wake (or abort) asks of the caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    DoNothing,
    /// Submit a `Notified` holding one reference.
    Submit,
    /// The waker's reference was the last one: free the task.
    Dealloc,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            word: AtomicUsize::new(INITIAL),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Acquire))
    }

    /// Runs `f` on the current snapshot until the compare-exchange succeeds. `f` returns the
    /// value to hand back and the next word, or `None` to stop without writing.
    fn fetch_update<R>(&self, mut f: impl FnMut(Snapshot) -> (R, Option<Snapshot>)) -> R {
        let mut current = self.load();
        loop {
            let (ret, next) = f(current);
            let Some(next) = next else { return ret };
            match self
                .word
                .compare_exchange_weak(current.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return ret,
                Err(actual) => current = Snapshot(actual),
            }
        }
    }

    /// The scheduler took the task's `Notified` from a queue and wants to poll it.
    /// The `Notified` reference becomes the runner's reference.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_notified());
            if s.0 & LIFECYCLE != 0 {
                // Shutdown owns the future; it cleared nothing, so clear NOTIFIED for it.
                return (ToRunning::Failed, None);
            }
            s.0 = (s.0 & !NOTIFIED) | RUNNING;
            let action = if s.is_cancelled() {
                ToRunning::Cancel
            } else {
                ToRunning::Poll
            };
            (action, Some(s))
        })
    }

    /// The poll returned `Pending`.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (ToIdle::Cancelled, None);
            }
            s.0 &= !RUNNING;
            if s.is_notified() {
                // Keep the runner's reference for the resubmitted `Notified`.
                (ToIdle::Notified, Some(s))
            } else {
                debug_assert!(s.ref_count() >= 1);
                s.0 -= REF_ONE;
                (
                    ToIdle::Idle {
                        dealloc: s.ref_count() == 0,
                    },
                    Some(s),
                )
            }
        })
    }

    /// The future finished (or was dropped): RUNNING -> COMPLETE.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.word.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// Drops `count` references at the end of completion; `true` if they were the last.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.word.fetch_sub(count * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= count, "task reference count underflow");
        prev.ref_count() == count
    }

    /// A wake that consumes a waker's reference.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_running() {
                // The runner resubmits; our reference is not the last (the runner holds one).
                s.0 |= NOTIFIED;
                s.0 -= REF_ONE;
                debug_assert!(s.ref_count() > 0);
                (ToNotified::DoNothing, Some(s))
            } else if s.is_complete() || s.is_notified() {
                s.0 -= REF_ONE;
                let action = if s.ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::DoNothing
                };
                (action, Some(s))
            } else {
                // Idle: our reference moves into the `Notified`.
                s.0 |= NOTIFIED;
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// A wake through a borrowed waker.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_complete() || s.is_notified() {
                (ToNotified::DoNothing, None)
            } else if s.is_running() {
                s.0 |= NOTIFIED;
                (ToNotified::DoNothing, Some(s))
            } else {
                s.0 |= NOTIFIED;
                s.0 += REF_ONE;
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// `abort()`: marks the task cancelled; submits it if it is idle so that the scheduler drops
    /// the future at its next poll boundary.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_cancelled() || s.is_complete() {
                (ToNotified::DoNothing, None)
            } else if s.is_running() || s.is_notified() {
                // The runner sees CANCELLED in `transition_to_idle`, or the queued `Notified`
                // sees it in `transition_to_running`.
                s.0 |= CANCELLED | NOTIFIED;
                (ToNotified::DoNothing, Some(s))
            } else {
                s.0 |= CANCELLED | NOTIFIED;
                s.0 += REF_ONE;
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// Runtime shutdown: marks the task cancelled and, if no one is running it, takes the
    /// future (sets RUNNING). `true`: the caller now owns the future and must cancel it.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update(|mut s| {
            let idle = s.0 & LIFECYCLE == 0;
            s.0 |= CANCELLED;
            if idle {
                s.0 |= RUNNING;
            }
            (idle, Some(s))
        })
    }

    /// The `JoinHandle` is being dropped. Returns (drop the output, drop the join waker).
    pub(crate) fn transition_to_join_handle_dropped(&self) -> (bool, bool) {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested());
            let mut next = s;
            next.0 &= !JOIN_INTEREST;
            if !s.is_complete() {
                // The handle owns the waker slot until completion: take it back.
                next.0 &= !JOIN_WAKER;
            }
            // Once complete, the output is the handle's to drop; the waker is the handle's
            // unless the runtime is in the middle of waking it (JOIN_WAKER still set).
            let drop_output = s.is_complete();
            let drop_waker = !next.is_join_waker_set();
            ((drop_output, drop_waker), Some(next))
        })
    }

    /// The handle stored a waker in the slot: give the slot to the runtime.
    /// `Err` if the task completed meanwhile (the handle keeps the slot).
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 |= JOIN_WAKER;
            (Ok(s), Some(s))
        })
    }

    /// The handle wants to replace its waker: take the slot back.
    /// `Err` if the task completed meanwhile (the runtime owns the slot).
    pub(crate) fn unset_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 &= !JOIN_WAKER;
            (Ok(s), Some(s))
        })
    }

    /// The runtime has woken the join waker after completion and hands the slot back.
    pub(crate) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.word.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    pub(crate) fn ref_inc(&self) {
        // Relaxed would do for a pure increment (the caller already holds a reference), but
        // the counts are few and AcqRel keeps the reasoning uniform.
        let prev = self.word.fetch_add(REF_ONE, AcqRel);
        assert!(prev <= isize::MAX as usize, "task reference count overflow");
    }

    /// Drops one reference; `true` if it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.word.fetch_sub(REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }
}

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        (self.0 & REF_MASK) >> REF_SHIFT
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}
