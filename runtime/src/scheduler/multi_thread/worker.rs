//! A worker thread: find a task, run it, and park when there is none.
//!
//! The order a worker looks in: the injector every `GLOBAL_QUEUE_INTERVAL` ticks (so remote
//! work is never starved by local work), its LIFO slot (at most `MAX_LIFO_POLLS` times in a row,
//! so two tasks waking each other cannot monopolise it), its deque, the injector, the tasks that
//! yielded, then, as a searcher, its peers from a random start, then a bounded spin, then park.
//!
//! Yielded tasks wait in a deque of their own, behind the injector: a task that yields asks
//! to let *other* work run, remote work included (tokio defers them the same way). That deque
//! is stealable like the main one, so yielders are never stranded behind a blocked worker, and
//! it is moved into the main deque every `GLOBAL_QUEUE_INTERVAL` ticks, so a flood of remote
//! work cannot starve them.
//!
//! Invariants:
//! - Only this thread pushes to or pops from its deque; others steal through the `Stealer`.
//! - `is_searching` mirrors this worker's share of the idle set's searcher count.
//! - `in_park` is set while the worker fires timers inside its park: tasks woken then are kept
//!   locally without a wake-up, and the worker decides afterwards whether to wake a peer.

use super::{Remote, Shared, WorkerCounters};
use crate::loom::{spin_loop_hint, Ordering, Parker};
use crate::runtime::context;
use crate::runtime::task::Notified;
use crate::scheduler::queue::{Steal, Worker};
use crate::scheduler::Handle;
use crossbeam_utils::Backoff;
use std::cell::Cell;
use std::io;
use std::ptr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Check the injector first every this many ticks (tokio's choice, a prime).
const GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// Run the LIFO slot at most this many times in a row.
const MAX_LIFO_POLLS: u32 = 3;

pub(super) struct WorkerContext {
    shared: Arc<Shared>,
    index: usize,
    local: Worker<Notified>,
    yielded: Worker<Notified>,
    parker: Parker,
    tick: Cell<u32>,
    lifo_polls: Cell<u32>,
    is_searching: Cell<bool>,
    in_park: Cell<bool>,
    rng: Cell<u64>,
}

thread_local! {
    static CURRENT: Cell<*const WorkerContext> = const { Cell::new(ptr::null()) };
}

/// Runs `f` with this thread's worker, if it is one.
pub(super) fn with_current<R>(f: impl FnOnce(Option<&WorkerContext>) -> R) -> R {
    let current = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: `CURRENT` is non-null only while `start`'s closure runs `WorkerContext::run` on
    // this thread with the context on its stack; it is reset before the context is dropped.
    f(unsafe { current.as_ref() })
}

pub(super) struct Queues {
    pub(super) local: Worker<Notified>,
    pub(super) yielded: Worker<Notified>,
}

pub(super) fn start(
    shared: Arc<Shared>,
    index: usize,
    local: Worker<Notified>,
    yielded: Worker<Notified>,
    parker: Parker,
) -> io::Result<JoinHandle<()>> {
    let config = shared.config.clone();
    config.builder().spawn(move || {
        let _runtime = context::enter_runtime(Handle::MultiThread(shared.clone()));
        if let Some(on_start) = &config.on_start {
            on_start();
        }
        let worker = WorkerContext {
            rng: Cell::new(
                0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407),
            ),
            shared,
            index,
            local,
            yielded,
            parker,
            tick: Cell::new(0),
            lifo_polls: Cell::new(0),
            is_searching: Cell::new(false),
            in_park: Cell::new(false),
        };
        CURRENT.with(|current| current.set(&worker));
        worker.run();
        CURRENT.with(|current| current.set(ptr::null()));
        worker.drop_queued();
        if let Some(on_stop) = &config.on_stop {
            on_stop();
        }
    })
}

impl WorkerContext {
    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    fn remote(&self) -> &Remote {
        &self.shared.remotes[self.index]
    }

    fn run(&self) {
        while !self.shared.is_shutdown() {
            match self.next_task().or_else(|| self.steal_work()) {
                Some(task) => self.run_task(task),
                None => self.park(),
            }
        }
    }

    fn next_task(&self) -> Option<Notified> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick % GLOBAL_QUEUE_INTERVAL == 0 {
            while let Some(task) = self.yielded.pop() {
                self.local.push(task);
            }
            if let Some(task) = self.pop_injector() {
                return Some(task);
            }
        }
        if self.lifo_polls.get() < MAX_LIFO_POLLS {
            if let Some(task) = self.remote().take_lifo() {
                self.lifo_polls.set(self.lifo_polls.get() + 1);
                return Some(task);
            }
        } else if let Some(task) = self.remote().take_lifo() {
            // The slot had its turns: the queue goes first now.
            self.local.push(task);
        }
        self.lifo_polls.set(0);
        self.local
            .pop()
            .or_else(|| self.pop_injector())
            .or_else(|| self.yielded.pop())
    }

    fn pop_injector(&self) -> Option<Notified> {
        loop {
            match self.shared.injector.steal_batch_and_pop(&self.local) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => spin_loop_hint(),
            }
        }
    }

    /// Steals from peers (and from a stuck peer's LIFO slot), then the injector.
    fn steal_work(&self) -> Option<Notified> {
        if !self.is_searching.get() {
            if !self.shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.is_searching.set(true);
        }
        let remotes = &self.shared.remotes;
        let start = self.next_random() as usize % remotes.len();
        for offset in 0..remotes.len() {
            let victim = (start + offset) % remotes.len();
            if victim == self.index {
                continue;
            }
            if let Some(task) = self.steal_from(&remotes[victim]) {
                WorkerCounters::bump(&self.remote().metrics.steals);
                return Some(task);
            }
        }
        self.pop_injector()
    }

    fn steal_from(&self, victim: &Remote) -> Option<Notified> {
        for stealer in [&victim.stealer, &victim.yielded] {
            loop {
                match stealer.steal_batch_and_pop(&self.local) {
                    Steal::Success(task) => return Some(task),
                    Steal::Empty => break,
                    Steal::Retry => spin_loop_hint(),
                }
            }
        }
        if victim.lifo_stealable.load(Ordering::Acquire) {
            return victim.take_lifo();
        }
        None
    }

    fn run_task(&self, task: Notified) {
        if self.is_searching.replace(false) && self.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work: there may be more, keep someone looking.
            self.shared.notify_parked();
        }
        let remote = self.remote();
        WorkerCounters::bump(&remote.poll_ticks);
        weft_io::coop::budget(|| task.run());
        WorkerCounters::bump(&remote.poll_ticks);
        WorkerCounters::bump(&remote.metrics.polls);
        if remote.lifo_stealable.load(Ordering::Relaxed) {
            remote.lifo_stealable.store(false, Ordering::Relaxed);
        }
    }

    /// Called from `Shared::schedule` when a task is woken or spawned on this worker.
    pub(super) fn schedule_local(&self, task: Notified, is_yield: bool) {
        let queued = if is_yield {
            self.yielded.push(task);
            true
        } else if let Some(displaced) = self.remote().put_lifo(task) {
            self.local.push(displaced);
            true
        } else {
            false
        };
        // Work in the deque is stealable: let an idle peer know. The LIFO slot alone does not
        // wake anyone (this worker runs it next), which keeps ping-pong on one core.
        if queued && !self.in_park.get() {
            self.shared.notify_parked();
        }
    }

    fn has_tasks(&self) -> bool {
        !self.local.is_empty() || !self.yielded.is_empty() || self.remote().has_lifo()
    }

    fn park(&self) {
        if self.spin_for_work() {
            return;
        }
        let was_searching = self.is_searching.replace(false);
        if self
            .shared
            .idle
            .transition_worker_to_parked(self.index, was_searching)
        {
            self.shared.notify_if_work_pending();
        }
        WorkerCounters::bump(&self.remote().metrics.parks);
        loop {
            self.park_once();
            if self.shared.is_shutdown() {
                return;
            }
            if self.has_tasks() {
                // Woken by a timer we fired ourselves: leave the sleepers, not as a searcher,
                // unless someone notified us meanwhile (then we were counted as one).
                self.is_searching
                    .set(!self.shared.idle.unpark_worker_by_id(self.index));
                if self.local.len() + self.yielded.len() + usize::from(self.remote().has_lifo()) > 1
                {
                    self.shared.notify_parked();
                }
                break;
            }
            if !self.shared.idle.is_parked(self.index) {
                // Notified: `worker_to_notify` counted us as unparked and searching.
                self.is_searching.set(true);
                break;
            }
        }
        self.shared.monitor.worker_unparked();
    }

    /// A bounded spin before sleeping: work that arrives within microseconds is far cheaper to
    /// catch awake than through a futex wake-up.
    fn spin_for_work(&self) -> bool {
        let backoff = Backoff::new();
        while !backoff.is_completed() {
            backoff.snooze();
            let found = !self.shared.injector.is_empty()
                || (self.is_searching.get()
                    && self.shared.remotes.iter().any(|remote| remote.has_queued()));
            if found || self.shared.is_shutdown() {
                WorkerCounters::bump(&self.remote().metrics.spins);
                return true;
            }
        }
        false
    }

    /// Sleeps once: in the driver (with the nearest timer's deadline) if no one else is, else
    /// on the parker.
    fn park_once(&self) {
        let driver = &self.shared.driver;
        if !driver.try_take(self.index) {
            self.parker.park();
            return;
        }
        let mut timeout = self.shared.time.before_park();
        // A notification sent before `try_take` published us as the holder reached only our
        // parker: see `DriverSlot`. Then look for events without waiting.
        if !self.shared.idle.is_parked(self.index) || self.shared.is_shutdown() {
            timeout = Some(Duration::ZERO);
        }
        // Tasks woken by I/O or timers go to this worker's queues (`in_park`), without waking
        // a peer each; `park` wakes one if there is more than this worker can start on.
        self.in_park.set(true);
        if !driver.io.turn(timeout) {
            self.in_park.set(false);
            match timeout {
                Some(timeout) => self.parker.park_timeout(timeout),
                None => self.parker.park(),
            }
            self.in_park.set(true);
        }
        self.shared.time.after_park();
        self.in_park.set(false);
        driver.release();
    }

    /// Drops the task references left in this worker's queues at shutdown.
    fn drop_queued(&self) {
        while let Some(task) = self.local.pop().or_else(|| self.yielded.pop()) {
            drop(task);
        }
        drop(self.remote().take_lifo());
    }

    fn next_random(&self) -> u64 {
        // xorshift64*: cheap, and good enough to spread victims.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
