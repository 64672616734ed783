//! `block_in_place` on a worker: the core goes to a blocking-pool thread for the length of
//! the closure, and comes back if no thread has taken it over by then (see `worker.rs`).

use super::{take_over, with_current, WorkerContext, WorkerCounters};
use crate::loom::lock;
use crate::runtime::context;

impl WorkerContext {
    /// `block_in_place` on a worker: hands the core to a blocking-pool thread and returns a
    /// guard that takes it back (if no thread took it yet) when the closure is done.
    fn hand_off_core(&self) -> Option<Reclaim<'_>> {
        self.flush_notify();
        let core = self.core.borrow_mut().take()?;
        let remote = &self.shared.remotes[core.index];
        // The poll that called us goes on without a core: close it on the core's counter.
        WorkerCounters::bump(&remote.poll_ticks);
        // The LIFO slot is private to the core's holder: put its task where peers can steal it
        // while no thread holds the core.
        if let Some(task) = remote.take_lifo() {
            core.local.push(task);
        }
        let index = core.index;
        *lock(&remote.handoff) = Some(core);
        let shared = self.shared.clone();
        // Detached: the pool runs it, and shutdown waits for the core, not for the handle.
        drop(self.shared.blocking.spawn(move || take_over(shared, index)));
        // A peer may steal the deque meanwhile.
        self.shared.notify_parked();
        Some(Reclaim {
            worker: self,
            index,
        })
    }
}

/// Takes a handed-off core back after `block_in_place`'s closure, if it is still waiting.
struct Reclaim<'a> {
    worker: &'a WorkerContext,
    index: usize,
}

impl Drop for Reclaim<'_> {
    fn drop(&mut self) {
        let core = lock(&self.worker.shared.remotes[self.index].handoff).take();
        if let Some(core) = core {
            // Back inside the poll that called `block_in_place`, on this thread.
            let remote = &self.worker.shared.remotes[self.index];
            remote.cpu_clock.publish_current();
            WorkerCounters::bump(&remote.poll_ticks);
            *self.worker.core.borrow_mut() = Some(core);
        }
    }
}

/// Runs `f`, a closure that blocks, from inside a task without stalling the other tasks; see
/// [`crate::task::block_in_place`]. Its misuse panics point at the user's call.
#[track_caller]
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    if crate::task::local_set_entered() {
        // Its other tasks are bound to this thread: they would stall until `f` returns.
        panic!(
            "can call blocking only when running on the multi-threaded runtime \
             (weft::task::block_in_place inside a LocalSet would stall the set's other tasks, \
             which cannot move to another thread: use spawn_blocking there)"
        );
    }
    let on_worker = with_current(|worker| worker.is_some());
    if !on_worker {
        return match context::in_runtime_kind() {
            // A `block_on` thread of a current-thread runtime: its tasks would stall.
            Some(context::InRuntime {
                multi_thread: false,
            }) => panic!(
                "can call blocking only when running on the multi-threaded runtime \
                 (weft::task::block_in_place inside a current-thread runtime would stall its \
                 tasks: use spawn_blocking there)"
            ),
            // A multi-thread runtime's `block_on` thread: nothing to hand off.
            Some(context::InRuntime { multi_thread: true }) => {
                context::exit_runtime(|| weft_io::coop::with_unconstrained(f))
            }
            // Outside a runtime, or already inside `block_in_place`: just run it.
            None => f(),
        };
    }
    with_current(|worker| {
        let worker = worker.expect("checked above");
        let _reclaim = worker.hand_off_core();
        // Blocking sections spend no budget, and may `block_on` another runtime.
        context::exit_runtime(|| weft_io::coop::with_unconstrained(f))
    })
}
