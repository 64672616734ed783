//! Cooperative scheduling: each poll of a task gets a budget of steps of weft's leaf futures,
//! after which they make the task yield, so that no task keeps its worker to itself.
//!
//! A task whose futures are always ready (a channel that is never empty, a socket that always
//! has data, an `Interval` whose ticks are overdue) would otherwise never return `Pending`:
//! the other tasks of its worker would starve, a biased [`select!`](crate::select) would never
//! reach its other branch, and a [`timeout`](crate::time::timeout) around it could never fire.
//! So every leaf future of weft (socket operations and readiness, `weft::sync` waits and
//! receives, `sleep`, `timeout`, `interval`, `JoinHandle`) spends one unit of the task's budget
//! (128 per poll, as tokio) when it makes progress, and once the budget is spent returns
//! `Pending` after waking the task: the task goes to the back of its worker's queue and resumes
//! with a fresh budget once the others (and the I/O driver) have had their turn.
//!
//! ```
//! # weft::runtime::Runtime::new().unwrap().block_on(async {
//! use weft::sync::mpsc;
//!
//! let (tx, mut rx) = mpsc::unbounded_channel();
//! for i in 0..1_000 {
//!     tx.send(i).unwrap();
//! }
//! // Always ready, yet it yields every 128 messages: other tasks keep running.
//! let mut sum = 0;
//! for _ in 0..1_000 {
//!     sum += rx.recv().await.unwrap();
//! }
//! assert_eq!(sum, 499_500);
//! # });
//! ```
//!
//! These are tokio's `task::coop` names. The budget itself lives in `weft-io` (its sockets must
//! read it, and `weft-io` knows no scheduler), which any executor can set with
//! `weft_io::coop::budget`; this module re-exports what tasks and leaf futures use.

pub use weft_io::coop::{
    consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained, Coop,
    RestoreOnPending, Unconstrained,
};

use std::task::{Context, Poll};

/// Polls `poll` as a leaf future of the budget: a unit first (or a yield if the budget is
/// spent), spent only if `poll` is ready. weft's own waits (`weft::sync`, timers, join handles)
/// go through this.
#[inline]
pub(crate) fn leaf<T>(
    cx: &mut Context<'_>,
    poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
) -> Poll<T> {
    let progress = std::task::ready!(poll_proceed(cx));
    let output = poll(cx);
    if output.is_ready() {
        progress.made_progress();
    }
    output
}

/// Makes `future`, built from other leaves (a `Notify` wait in a loop, say), one leaf of the
/// budget: a unit per completion, none spent inside it.
pub(crate) fn single_leaf<F: std::future::Future>(future: F) -> Coop<Unconstrained<F>> {
    cooperative(unconstrained(future))
}
