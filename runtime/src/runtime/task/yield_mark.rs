//! Which wake-ups during a poll are yields.
//!
//! A task woken while it runs is queued again when its poll returns. Why it was woken decides
//! where it goes, as in tokio:
//! - **it yielded**: [`yield_now`](crate::task::yield_now), a spent coop budget, a `LocalSet`
//!   that ran its share: it asked to let *other* work run, remote work and I/O included, so it
//!   waits behind them (a multi-thread worker's `yielded` deque, a current-thread runtime's
//!   yielded queue);
//! - **someone else woke it** (a peer's task sent it a message, a blocking-pool job finished):
//!   a plain wake-up that happened to land mid-poll; it goes to the back of the local queue, as
//!   if it had come a moment later. (Treating these as yields made a connection task that its
//!   stream tasks wake wait behind the whole queue and a driver turn each time: one HTTP/2
//!   connection multiplexing 64 gRPC calls served 2-11% more calls per second, three alternated
//!   runs, once they were not.)
//!
//! The yielders say so with [`mark_yield`] before they wake the task; the task core reads and
//! clears the mark with [`take_yield_mark`] when the poll returns with the task notified, so a
//! `LocalSet`'s tasks (polled inside the set's own task) read their own mark. A mark set
//! outside any task poll (a `yield_now` in `block_on`) stays until the next task on the thread
//! that is woken mid-poll reads it: that one wake-up then waits behind the driver, nothing
//! worse.
//!
//! Invariant: the mark is per thread and only read by the thread that polled the task.

use std::cell::Cell;

thread_local! {
    static YIELDED: Cell<bool> = const { Cell::new(false) };
}

/// The task being polled on this thread wakes itself to yield: set just before the wake.
pub(crate) fn mark_yield() {
    // A thread-local being destroyed: the wake-up is then a plain one, which is still correct.
    let _ = YIELDED.try_with(|mark| mark.set(true));
}

/// Whether the task whose poll just returned, notified, woke itself to yield (its mark, or its
/// coop budget spent); clears the mark.
pub(crate) fn take_yield_mark() -> bool {
    let marked = YIELDED
        .try_with(|mark| mark.replace(false))
        .unwrap_or(false);
    marked || !weft_io::coop::has_budget_remaining()
}
