//! The idle set: which workers sleep, how many are searching, and whom to wake.
//!
//! One atomic word counts the workers that are unparked and, of those, the ones searching for
//! work; a mutex-protected list holds the sleepers' indices.
//!
//! Invariants and the no-lost-wake-up argument:
//! - A producer makes work visible (queue push), then calls `worker_to_notify`, which reads the
//!   word with a `SeqCst` read-modify-write. It wakes someone unless a worker is already
//!   searching or every worker is awake.
//! - A worker parks by decrementing the counts (`SeqCst`, under the lock) and, if it was the
//!   last searcher, checking every queue once more before it sleeps. So either the producer saw
//!   a searcher (who is still going to look, or is that last searcher who re-checks after the
//!   producer's push), or saw fewer unparked workers than exist and woke one.
//! - At most half of the workers search at once, so a burst of wakes cannot turn every core
//!   into a thief hammering the same queues.

use crate::loom::{lock, AtomicUsize, Mutex, Ordering::SeqCst};

/// The low half of the word counts searchers, the high half unparked workers.
const UNPARKED_SHIFT: u32 = usize::BITS / 2;
const SEARCHING_MASK: usize = (1 << UNPARKED_SHIFT) - 1;
const UNPARKED_ONE: usize = 1 << UNPARKED_SHIFT;

pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

impl Idle {
    /// Every worker starts unparked and not searching.
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARKED_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    fn num_searching(state: usize) -> usize {
        state & SEARCHING_MASK
    }

    fn num_unparked(state: usize) -> usize {
        state >> UNPARKED_SHIFT
    }

    /// How many workers are unparked. A read-modify-write: the monitor's last check before it
    /// sleeps must be ordered against a worker's unpark (see `monitor.rs`).
    pub(crate) fn unparked(&self) -> usize {
        Self::num_unparked(self.state.fetch_add(0, SeqCst))
    }

    /// How many workers are unparked, by a plain load: a hint that may be stale, for decisions
    /// that only cost time when wrong.
    pub(crate) fn unparked_hint(&self) -> usize {
        Self::num_unparked(self.state.load(SeqCst))
    }

    fn should_wake(&self) -> bool {
        // An RMW rather than a load: it orders this read after the producer's push (see the
        // module comment).
        let state = self.state.fetch_add(0, SeqCst);
        Self::num_searching(state) == 0 && Self::num_unparked(state) < self.num_workers
    }

    /// Picks a sleeper to wake, already counted as unparked and searching; `None` if no wake
    /// is needed (someone searches, or everyone is awake).
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        // Re-check under the lock: another producer may have woken someone meanwhile.
        if !self.should_wake() {
            return None;
        }
        let index = sleepers.pop()?;
        self.state.fetch_add(UNPARKED_ONE | 1, SeqCst);
        Some(index)
    }

    /// A worker wants to search; refused when half the workers already do.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * Self::num_searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work; `true` if it was the last searcher (the caller then
    /// wakes another so that the rest of a burst is found too).
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(Self::num_searching(prev) > 0);
        Self::num_searching(prev) == 1
    }

    /// The worker goes to sleep; `true` if it was the last searcher (the caller must then check
    /// every queue once more before it sleeps).
    pub(crate) fn transition_worker_to_parked(&self, index: usize, is_searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let dec = UNPARKED_ONE | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(index);
        is_searching && Self::num_searching(prev) == 1
    }

    /// A worker woke by itself (a timer, a spurious wake-up) with work to do: takes itself off
    /// the sleepers. `false` if it was no longer there, i.e. someone notified it and already
    /// counted it as unparked and searching.
    pub(crate) fn unpark_worker_by_id(&self, index: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        match sleepers.iter().position(|&i| i == index) {
            Some(position) => {
                sleepers.swap_remove(position);
                self.state.fetch_add(UNPARKED_ONE, SeqCst);
                true
            }
            None => false,
        }
    }

    /// Whether the worker is still listed as a sleeper (not yet notified).
    pub(crate) fn is_parked(&self, index: usize) -> bool {
        lock(&self.sleepers).contains(&index)
    }
}

impl std::fmt::Debug for Idle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.load(SeqCst);
        f.debug_struct("Idle")
            .field("unparked", &Self::num_unparked(state))
            .field("searching", &Self::num_searching(state))
            .field("workers", &self.num_workers)
            .finish()
    }
}
