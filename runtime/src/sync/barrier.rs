//! [`Barrier`]: `n` tasks wait until all `n` have arrived, then all proceed; reusable.
//!
//! State under a lock: how many arrived in the current generation, and the generation number.
//! The `n`-th arrival starts the next generation and wakes the others through a [`Notify`].
//!
//! Invariants:
//! - `arrived < n` between calls; the arrival that makes it `n` resets it to 0, bumps the
//!   generation and is the only leader of its generation.
//! - A waiter creates its `Notified` while holding the state lock, so it observes every
//!   `notify_waiters` made after it arrived. It returns only once the generation differs
//!   from the one it arrived in; a wake meant for an earlier generation (a leader that had
//!   released the lock but not yet notified) makes it check and wait again.

use super::notify::Notify;
use super::prim::{lock, Mutex};
use std::fmt;

/// Lets `n` tasks wait for each other: each call to [`wait`](Barrier::wait) returns once `n`
/// calls have been made, and then the barrier is ready for the next round of `n`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Barrier;
///
/// #[weft::main]
/// async fn main() {
///     let barrier = Arc::new(Barrier::new(10));
///     let handles: Vec<_> = (0..10)
///         .map(|_| {
///             let barrier = barrier.clone();
///             weft::spawn(async move { barrier.wait().await.is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for handle in handles {
///         if handle.await.unwrap() {
///             leaders += 1;
///         }
///     }
///     assert_eq!(leaders, 1, "exactly one task of the round is the leader");
/// }
/// ```
pub struct Barrier {
    state: Mutex<BarrierState>,
    notify: Notify,
    n: usize,
}

struct BarrierState {
    arrived: usize,
    generation: u64,
}

/// What [`Barrier::wait`] returns.
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task was the leader of its round: the one (and only one) whose arrival
    /// completed it.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for rounds of `n` tasks. `Barrier::new(0)` behaves as `Barrier::new(1)`: every
    /// `wait` returns at once and leads its own round.
    pub fn new(n: usize) -> Barrier {
        Barrier {
            state: Mutex::new(BarrierState {
                arrived: 0,
                generation: 0,
            }),
            notify: Notify::new(),
            n: n.max(1),
        }
    }

    /// Arrives at the barrier and waits until `n` tasks have arrived in this round.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancel safe: the arrival counts from the first poll, so cancelling
    /// a call after that still counts it towards the round (as in tokio), and the round may
    /// complete with one task fewer actually waiting.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Barrier;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let barrier = Arc::new(Barrier::new(2));
    ///     for _round in 0..3 {
    ///         let other = weft::spawn({
    ///             let barrier = barrier.clone();
    ///             async move { barrier.wait().await.is_leader() }
    ///         });
    ///         let me = barrier.wait().await.is_leader();
    ///         assert!(me ^ other.await.unwrap(), "one leader per round");
    ///     }
    /// }
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        let generation = {
            let mut state = lock(&self.state);
            state.arrived += 1;
            if state.arrived == self.n {
                state.arrived = 0;
                state.generation = state.generation.wrapping_add(1);
                drop(state);
                self.notify.notify_waiters();
                return BarrierWaitResult(true);
            }
            state.generation
        };
        loop {
            let notified = {
                let state = lock(&self.state);
                if state.generation != generation {
                    return BarrierWaitResult(false);
                }
                self.notify.notified()
            };
            notified.await;
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &state.arrived)
            .field("generation", &state.generation)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
