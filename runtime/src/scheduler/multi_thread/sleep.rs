//! A worker's sleep: listed among the sleepers, it parks until a notifier takes it off the list,
//! its own driver turn gives it work, or shutdown; and why it woke (`Woken`). Its own file so
//! that the loom model of the park protocol (`loom_tests.rs`) calls this very code.
//!
//! Invariant: on return the worker is off the sleepers list and counted as unparked (searching
//! if `Woken::Notified` or `Woken::OwnWork { notified: true }`), except on `Woken::Shutdown`.

use crate::scheduler::park::Parker;
use std::cell::Cell;

/// Why a worker's sleep ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Woken {
    /// Another thread took it off the sleepers (`Idle::worker_to_notify`): it is now counted
    /// as unparked and searching.
    Notified,
    /// Its own turn of the driver queued tasks on it (I/O, timers); it left the sleepers
    /// itself, unless `notified` (then a notifier, possibly its own `share_work`, had already
    /// counted it as searching).
    OwnWork { notified: bool },
    /// The runtime is shutting down.
    Shutdown,
}

/// A worker's sleep, once it is listed among the sleepers (`Idle::transition_worker_to_parked`):
/// parks (in the driver if free, see `park.rs`) until a notifier takes it off the list, its own
/// driver turn gives it work, or shutdown. `in_park` is set while it is parked, so that tasks
/// its driver turn wakes stay on this worker.
///
/// When its own turn gave it work, it runs `share_work` (wake a peer if there is more than it
/// starts on) *before* it leaves the sleepers, as tokio does. The notification may then pick
/// this very worker, the top of the sleepers' stack when it was the last to park (a driver
/// holder in a request/response loop parks and wakes over and over): that costs no system call,
/// makes it the searcher, and leaves a peer to be woken by its `transition_from_searching` only
/// if it is still the last searcher when it starts its first task. Measured on the echo and
/// key-value servers with a one-thread client (`compare --group server`): this order halves the
/// workers' context switches per request (0.15 to 0.08) and the futex calls (0.05 to 0.02),
/// and the echo server serves 10-20% more requests per second, against the reverse order
/// (leave the sleepers, then wake a peer), which always woke a real peer.
pub(super) fn sleep(
    idle: &super::idle::Idle,
    index: usize,
    parker: &Parker,
    in_park: &Cell<bool>,
    has_tasks: impl Fn() -> bool,
    share_work: impl Fn(),
    is_shutdown: impl Fn() -> bool,
) -> Woken {
    loop {
        in_park.set(true);
        parker.park();
        in_park.set(false);
        if is_shutdown() {
            return Woken::Shutdown;
        }
        if has_tasks() {
            share_work();
            return Woken::OwnWork {
                notified: !idle.unpark_worker_by_id(index),
            };
        }
        if !idle.is_parked(index) {
            return Woken::Notified;
        }
        // A spurious return (an event for no task of ours, a stale notification): sleep again.
    }
}
