//! A worker: find a task, run it, and park when there is none.
//!
//! The order a worker looks in: the injector every `global_queue_interval` ticks (so remote
//! work is never starved by local work), its LIFO slot (at most `MAX_LIFO_POLLS` times in a
//! row, so two tasks waking each other cannot monopolise it: what the last of those turns wakes
//! goes to the deque, with a wake-up for an idle peer unless it is the only task queued), its
//! deque, the injector, the tasks that yielded, then, as a searcher, its peers from a random
//! start, then it parks. Every `event_interval` ticks a busy worker polls the driver if no one
//! sleeps in it, so that I/O and timers do not wait for a worker to run out of work (tokio does
//! the same).
//!
//! Yielded tasks (a `yield_now`, a spent coop budget) wait in a deque of their own, behind the
//! injector: a task that yields asks to let *other* work run, remote work and I/O included. So
//! before it runs them again, a worker polls the driver (without sleeping), as tokio does. That
//! deque is stealable like the main one, so yielders are never stranded behind a blocked worker,
//! and it is moved into the main deque every `global_queue_interval` ticks, so a flood of remote
//! work cannot starve them. A yield wakes no peer (its worker is running, not stuck); taking a
//! round of yielded tasks back wakes one if there are more than one, as tokio wakes one per round
//! of its deferred yields. A task that someone *else* woke while it ran is no yielder: it goes
//! to the back of the main deque (`Why`).
//!
//! A task queued into the deque by a poll (spawned, woken, displaced from the LIFO slot) may
//! need an idle peer woken to take it; that wake-up waits until the poll returns, and is not
//! made if the core then holds that one task only (the worker runs it next; measured on a
//! token passed around a ring of 16 tasks through `channel(1)`s, `compare`'s
//! `mpsc_token_ring`: a wake-up every three hops for nothing, 1.08x-1.14x of tokio with it,
//! 1.17x-1.21x without, six alternated pairs). A waker is often called under a lock (h2's
//! stream store, a channel's waiter list), and a peer woken then, on a busy machine, preempts
//! the poller inside its critical section or contends with it for the lock, a futex round trip
//! and two context switches more. Measured on one HTTP/2 connection multiplexing 64 gRPC
//! calls (tonic's greeter on weft-tonic, 2 workers): waking at the end of the poll cut the
//! server's context switches per call from 0.62-0.78 to 0.06-0.07 and served 17-45% more calls
//! per second. The cost is that a poll which queues work and then
//! runs long keeps it from its peers until the poll returns, or until the monitor sees the
//! stuck worker (a couple of its looks): such a poll blocks its worker anyway.
//!
//! The worker's queues, parker and counters form its [`Core`], which lives in the thread's
//! [`WorkerContext`]. `block_in_place` takes the core out and hands it to a blocking-pool
//! thread, which runs this same loop with it; the thread that blocked takes it back afterwards
//! if no thread picked it up yet, and otherwise finishes its task's poll and leaves.
//!
//! Invariants:
//! - Only the thread that holds a core pushes to or pops from its deques; others steal through
//!   the `Stealer`s.
//! - `is_searching` mirrors this core's share of the idle set's searcher count.
//! - `in_park` is set while the thread may fire timers or poll I/O as part of a park: tasks
//!   woken then are kept locally without a wake-up, and the worker decides afterwards whether to
//!   wake a peer.
//! - A core's `poll_ticks` is odd exactly while its holder is inside a poll.
//! - `notify_after_poll` is set only while the core's `poll_ticks` is odd, and `run_task` (or
//!   `block_in_place`, as the core leaves the thread) acts on it and clears it as soon as the
//!   poll is over, so a put-off wake-up is late by at most the rest of one poll.

use super::sleep::{sleep, Woken};
use super::{Remote, Shared, Tuning, WorkerCounters};
use crate::loom::{lock, spin_loop_hint, Ordering};
use crate::runtime::context;
use crate::runtime::scoped::Scoped;
use crate::runtime::task::Notified;
use crate::scheduler::mean_poll_time::MeanPollTime;
use crate::scheduler::park::{Parker, Unparker};
use crate::scheduler::queue::{Steal, Stealer, Worker};
use crate::scheduler::Handle;
use std::cell::{Cell, RefCell};
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

mod block_in_place;
pub(crate) use block_in_place::block_in_place;

/// Run the LIFO slot at most this many times in a row.
const MAX_LIFO_POLLS: u32 = 3;

/// Why a task is queued on this worker, which decides where it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Why {
    /// Spawned, or woken while idle: the LIFO slot, within its turns.
    Woken,
    /// Woken by someone else while it ran, its poll now over: the back of the deque.
    WokenWhileRunning,
    /// It woke itself to yield (`runtime/task/yield_mark.rs`): the yielded deque.
    Yielded,
}

/// A worker's run state: what `block_in_place` moves to another thread.
pub(crate) struct Core {
    index: usize,
    local: Worker<Notified>,
    yielded: Worker<Notified>,
    parker: Parker,
    /// Scheduler ticks left until the next driver poll (`event_interval`) and the next look
    /// at the injector first (`global_queue_interval`): count-downs rather than a tick count
    /// taken modulo each interval, whose two integer divisions were a third of the run loop's
    /// own time on `yield_many`.
    ticks_to_driver: Cell<u32>,
    ticks_to_injector: Cell<u32>,
    lifo_polls: Cell<u32>,
    is_searching: Cell<bool>,
    /// The worker's poll count when it last went to sleep: a sleep with no poll since then is
    /// a no-op wake-up (`worker_noop_count`).
    polls_at_last_park: Cell<u64>,
    rng: Cell<u64>,
    /// When the core last left its park (or started): `worker_total_busy_duration`.
    busy_since: Cell<Instant>,
    /// `worker_mean_poll_time`'s average, batch by batch (`scheduler/mean_poll_time.rs`).
    mean_poll_time: MeanPollTime,
}

impl Core {
    pub(super) fn new(index: usize, parker: Parker, tuning: &Tuning) -> Box<Core> {
        Box::new(Core {
            index,
            local: Worker::new_fifo(),
            yielded: Worker::new_fifo(),
            parker,
            ticks_to_driver: Cell::new(tuning.event_interval),
            ticks_to_injector: Cell::new(tuning.global_queue_interval),
            lifo_polls: Cell::new(0),
            is_searching: Cell::new(false),
            polls_at_last_park: Cell::new(0),
            busy_since: Cell::new(Instant::now()),
            mean_poll_time: MeanPollTime::new(Instant::now()),
            rng: Cell::new(
                0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407),
            ),
        })
    }

    /// This worker's index among the runtime's workers (`runtime::worker_index`).
    pub(super) fn index(&self) -> usize {
        self.index
    }

    pub(super) fn stealer(&self) -> Stealer<Notified> {
        self.local.stealer()
    }

    pub(super) fn yielded_stealer(&self) -> Stealer<Notified> {
        self.yielded.stealer()
    }

    pub(super) fn unparker(&self) -> Unparker {
        self.parker.unparker()
    }

    fn has_tasks(&self, remote: &Remote) -> bool {
        !self.local.is_empty() || !self.yielded.is_empty() || remote.has_lifo()
    }

    fn num_tasks(&self, remote: &Remote) -> usize {
        self.local.len() + self.yielded.len() + usize::from(remote.has_lifo())
    }

    /// Drops the task references left in this core's queues (shutdown).
    pub(super) fn drop_queued(&self, remote: &Remote) {
        while let Some(task) = self.local.pop().or_else(|| self.yielded.pop()) {
            drop(task);
        }
        drop(remote.take_lifo());
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

/// A thread running as a worker: the scheduler, and the core while the thread holds one.
pub(super) struct WorkerContext {
    shared: Arc<Shared>,
    core: RefCell<Option<Box<Core>>>,
    in_park: Cell<bool>,
    /// Work queued during the current poll wants an idle peer woken, once the poll returns.
    notify_after_poll: Cell<bool>,
    /// Whether each poll is timed for the poll-time histogram (the runtime's setting, here
    /// where the run loop reads it without going through `shared`).
    time_polls: bool,
}

thread_local! {
    /// This thread's worker, while `run_core` runs (reset by a guard, even on a panic: see
    /// `Scoped`).
    static CURRENT: Scoped<WorkerContext> = const { Scoped::new() };
}

/// Runs `f` with this thread's worker context, if it is one.
pub(super) fn with_current<R>(f: impl FnOnce(Option<&WorkerContext>) -> R) -> R {
    let mut f = Some(f);
    let ran = CURRENT.try_with(|current| current.with(|worker| f.take().map(|f| f(worker))));
    match ran {
        Ok(Some(result)) => result,
        // The thread-local is being destroyed: no worker runs here any more.
        _ => (f.take().expect("`f` has not run"))(None),
    }
}

/// Starts worker thread `core.index()`.
pub(super) fn start(shared: Arc<Shared>, core: Box<Core>) -> io::Result<JoinHandle<()>> {
    let config = shared.config.clone();
    config.builder().spawn(move || {
        let _runtime = context::enter_runtime(Handle::MultiThread(shared.clone()));
        config.run_on_start();
        run_core(shared, core);
        config.run_on_stop();
    })
}

/// Runs the worker loop with `core` on this thread until shutdown (then ends the core) or
/// until `block_in_place` takes the core away.
fn run_core(shared: Arc<Shared>, core: Box<Core>) {
    shared.remotes[core.index].cpu_clock.publish_current();
    let worker = WorkerContext {
        time_polls: shared.config.poll_time_histogram.is_some(),
        shared,
        core: RefCell::new(Some(core)),
        in_park: Cell::new(false),
        notify_after_poll: Cell::new(false),
    };
    CURRENT.with(|current| current.set(&worker, || worker.run()));
    let core = worker.core.borrow_mut().take();
    if let Some(core) = core {
        worker.shared.end_core(core);
    }
}

/// The blocking-pool job that takes over a core handed off by `block_in_place`.
fn take_over(shared: Arc<Shared>, index: usize) {
    let Some(core) = lock(&shared.remotes[index].handoff).take() else {
        // The thread that blocked was quicker and took its core back.
        return;
    };
    // A blocking thread is not inside a runtime yet; a worker is.
    let _runtime = context::enter_runtime(Handle::MultiThread(shared.clone()));
    run_core(shared, core);
}

impl WorkerContext {
    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The index of the core this thread holds (`runtime::worker_index`), or `None` once
    /// `block_in_place` handed it to another thread.
    pub(super) fn core_index(&self) -> Option<usize> {
        self.core.try_borrow().ok()?.as_deref().map(Core::index)
    }

    fn run(&self) {
        loop {
            let next = {
                let core = self.core.borrow();
                let Some(core) = core.as_deref() else {
                    return; // handed off by `block_in_place`
                };
                if self.shared.is_shutdown() {
                    // The time since the last park counts as busy too (as tokio's), so a
                    // worker that never parked still reports the time it ran.
                    WorkerCounters::add(
                        &self.remote(core).metrics.busy_nanos,
                        crate::runtime::metrics::nanos(core.busy_since.get().elapsed()),
                    );
                    core.busy_since.set(Instant::now());
                    return;
                }
                match self.next_task(core).or_else(|| self.steal_work(core)) {
                    Some(task) => {
                        self.transition_from_searching(core);
                        Some((core.index, task))
                    }
                    None => {
                        self.park(core);
                        None
                    }
                }
            };
            // The core is not borrowed while the task runs: `block_in_place` may take it.
            if let Some((index, task)) = next {
                self.run_task(index, task);
            }
        }
    }

    fn remote(&self, core: &Core) -> &Remote {
        &self.shared.remotes[core.index]
    }

    fn next_task(&self, core: &Core) -> Option<Notified> {
        let tuning = &self.shared.tuning;
        if count_down(&core.ticks_to_driver, tuning.event_interval) {
            self.periodic_driver_poll(core);
        }
        if count_down(&core.ticks_to_injector, tuning.global_queue_interval) {
            while let Some(task) = core.yielded.pop() {
                core.local.push(task);
            }
            if let Some(task) = self.pop_injector(core) {
                core.lifo_polls.set(0);
                return Some(task);
            }
        }
        // The slot holds a task only while it has turns left (see `schedule_local`).
        if let Some(task) = self.remote(core).take_lifo() {
            core.lifo_polls.set(core.lifo_polls.get() + 1);
            return Some(task);
        }
        core.lifo_polls.set(0);
        if let Some(task) = core.local.pop().or_else(|| self.pop_injector(core)) {
            return Some(task);
        }
        if core.yielded.is_empty() {
            return None;
        }
        // Only tasks that yielded are left: let I/O and timers in first, then run them all
        // (those that yield again wait for the next round). What the driver wakes lands in the
        // LIFO slot, so it runs first; and it must be taken here: the deque may come back empty
        // (a thief can take the yielded tasks right after they are pushed), and a worker that
        // returns `None` goes to sleep.
        let polled = self.poll_driver(core);
        while let Some(task) = core.yielded.pop() {
            core.local.push(task);
        }
        let next = self.remote(core).take_lifo().or_else(|| core.local.pop());
        if !polled && next.is_some() && !core.local.is_empty() {
            // A round of yielded tasks, more than this worker starts on: one wake-up for an
            // idle peer per round (yields themselves wake no one, see `schedule_local`). A
            // driver poll above already made this check, its count including these tasks.
            self.shared.notify_parked();
        }
        next
    }

    /// Every `event_interval` ticks: the driver, and the mean poll time's batch (a busy worker
    /// may not park for a long time). Out of line, to keep the per-tick path small.
    #[inline(never)]
    fn periodic_driver_poll(&self, core: &Core) {
        let metrics = &self.remote(core).metrics;
        let polls = metrics.polls.load(Ordering::Relaxed);
        core.mean_poll_time
            .next_batch(Instant::now(), polls, &metrics.mean_poll_nanos);
        self.poll_driver(core);
    }

    /// Polls the driver without sleeping, if no one sleeps in it; tasks it wakes are queued
    /// here, and a peer is woken if this worker holds more tasks than it starts on (counting
    /// its yielded ones). Returns whether it polled, and so made that check.
    fn poll_driver(&self, core: &Core) -> bool {
        self.in_park.set(true);
        let polled = core.parker.park_yield();
        self.in_park.set(false);
        if polled && core.num_tasks(self.remote(core)) > 1 {
            self.shared.notify_parked();
        }
        polled
    }

    fn pop_injector(&self, core: &Core) -> Option<Notified> {
        loop {
            match self.shared.injector.steal_batch_and_pop(&core.local) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => spin_loop_hint(),
            }
        }
    }

    /// Steals from peers (and from a stuck peer's LIFO slot), then the injector.
    fn steal_work(&self, core: &Core) -> Option<Notified> {
        if !core.is_searching.get() {
            if !self.shared.idle.transition_worker_to_searching() {
                return None;
            }
            core.is_searching.set(true);
        }
        let remotes = &self.shared.remotes;
        let start = core.next_random() as usize % remotes.len();
        for offset in 0..remotes.len() {
            let victim = (start + offset) % remotes.len();
            if victim == core.index {
                continue;
            }
            if let Some((task, stolen)) = self.steal_from(core, &remotes[victim]) {
                let metrics = &self.remote(core).metrics;
                WorkerCounters::bump(&metrics.steal_operations);
                WorkerCounters::add(&metrics.steals, stolen);
                return Some(task);
            }
        }
        self.pop_injector(core)
    }

    /// A task from `victim` (its deques, else its LIFO slot if the monitor marked it
    /// stealable), and how many tasks the steal took: the batch moved to our deque, plus it.
    fn steal_from(&self, core: &Core, victim: &Remote) -> Option<(Notified, u64)> {
        for stealer in [&victim.stealer, &victim.yielded] {
            loop {
                // Only we push to our deque, so its growth is the batch.
                let before = core.local.len();
                match stealer.steal_batch_and_pop(&core.local) {
                    Steal::Success(task) => {
                        let batch = core.local.len().saturating_sub(before);
                        return Some((task, batch as u64 + 1));
                    }
                    Steal::Empty => break,
                    Steal::Retry => spin_loop_hint(),
                }
            }
        }
        if victim.lifo_stealable.load(Ordering::Acquire) {
            return victim.take_lifo().map(|task| (task, 1));
        }
        None
    }

    fn transition_from_searching(&self, core: &Core) {
        if core.is_searching.replace(false) && self.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work: there may be more, keep someone looking.
            self.shared.notify_parked();
        }
    }

    /// Polls `task` with the core of worker `index` in this thread's context (a poll may hand
    /// the core off through `block_in_place`: then the counters are no longer ours to write).
    fn run_task(&self, index: usize, task: Notified) {
        let remote = &self.shared.remotes[index];
        WorkerCounters::bump(&remote.poll_ticks);
        let spent = if self.time_polls {
            self.run_timed(remote, task)
        } else {
            weft_io::coop::budget_spent(|| task.run()).1
        };
        self.flush_notify_after_poll();
        if self.core.borrow().is_none() {
            return;
        }
        WorkerCounters::bump(&remote.poll_ticks);
        WorkerCounters::bump(&remote.metrics.polls);
        if spent {
            WorkerCounters::bump(&remote.metrics.forced_yields);
        }
        if remote.lifo_stealable.load(Ordering::Relaxed) {
            remote.lifo_stealable.store(false, Ordering::Relaxed);
        }
    }

    /// `run_task`'s poll with `enable_metrics_poll_time_histogram`: the poll alone is timed and
    /// counted in `remote`'s bucket, if the core is still this thread's (`block_in_place` may
    /// have handed it off). Returns whether the poll spent its budget. Out of line, so that the
    /// untimed poll, the usual one, carries nothing of it.
    #[inline(never)]
    fn run_timed(&self, remote: &Remote, task: Notified) -> bool {
        let started = Instant::now();
        let ((), spent) = weft_io::coop::budget_spent(|| task.run());
        let polled_for = started.elapsed();
        let histogram = self.shared.config.poll_time_histogram;
        if let (Some(histogram), true) = (histogram, self.core.borrow().is_some()) {
            WorkerCounters::bump(&remote.metrics.poll_times[histogram.bucket_of(polled_for)]);
        }
        spent
    }

    /// Called from `Shared::schedule` when a task is woken, spawned or rescheduled on this
    /// thread. Returns the task if this thread holds no core (it is in `block_in_place`):
    /// schedule it remotely.
    pub(super) fn schedule_local(&self, task: Notified, why: Why) -> Option<Notified> {
        let core = self.core.borrow();
        let Some(core) = core.as_deref() else {
            return Some(task);
        };
        WorkerCounters::bump(&self.remote(core).metrics.local_schedules);
        let queued = match why {
            Why::Yielded => {
                // No wake-up per yield: a task that yields is runnable here and now, so this
                // worker is not stuck, and it wakes a peer once per round when it takes the
                // yielded tasks back (`next_task`), as tokio wakes one per round of its deferred
                // yields. (A wake-up per yield cost every yield a read-modify-write of the idle
                // word that all workers share, and woke a peer to steal a lone yielder, which
                // then ping-ponged.) The monitor still offers this deque to peers if the worker
                // gets stuck in a poll.
                core.yielded.push(task);
                false
            }
            Why::WokenWhileRunning => {
                // Behind the queued work, not in the slot: it has just had its turn (tokio's
                // choice too).
                core.local.push(task);
                true
            }
            Why::Woken
                if !self.shared.tuning.lifo_slot || core.lifo_polls.get() >= MAX_LIFO_POLLS =>
            {
                // The running task came from the slot, which has had its turns in a row: what
                // it wakes goes to the deque, where an idle peer may take it. (Otherwise a
                // chain of wakes, a mutex handed from waiter to waiter say, herds every task
                // onto this worker while its peers park.)
                core.local.push(task);
                true
            }
            Why::Woken => match self.remote(core).put_lifo(task) {
                Some(displaced) => {
                    core.local.push(displaced);
                    true
                }
                None => false,
            },
        };
        // Work in the deque is stealable: let an idle peer know. The LIFO slot alone does not
        // wake anyone (this worker runs it next), which keeps ping-pong on one core.
        if queued {
            self.notify_peer(core);
        }
        None
    }

    /// Wakes an idle peer for work this worker queued, or, during a poll, once the poll has
    /// returned (see the module comment); during a park, the worker decides afterwards.
    fn notify_peer(&self, core: &Core) {
        let in_poll = self.remote(core).poll_ticks.load(Ordering::Relaxed) % 2 == 1;
        if in_poll {
            self.notify_after_poll.set(true);
        } else if !self.in_park.get() {
            self.shared.notify_parked();
        }
    }

    /// The wake-up that a poll put off, now that the poll is over.
    ///
    /// Not if the poll left a single task queued on this core: this worker, its poll over,
    /// runs it next, sooner than a woken peer could steal it. (A lockstep chain, a token passed
    /// around a ring of tasks, would otherwise wake a peer every `MAX_LIFO_POLLS` hops for
    /// nothing: it found the task gone, or took it and moved the chain to another core.)
    fn flush_notify_after_poll(&self) {
        if self.notify_after_poll.replace(false) && self.queued_more_than_one() {
            self.shared.notify_parked();
        }
    }

    /// The wake-up that a poll put off, as the poll's core leaves this thread
    /// (`block_in_place`): whoever takes the core over may be slow to start, so a peer is
    /// woken for any queued task.
    fn flush_notify(&self) {
        if self.notify_after_poll.replace(false) {
            self.shared.notify_parked();
        }
    }

    /// Whether this thread's core holds more than one task (or no core is held any more).
    fn queued_more_than_one(&self) -> bool {
        match self.core.borrow().as_deref() {
            Some(core) => core.num_tasks(self.remote(core)) > 1,
            None => true,
        }
    }

    /// Sleeps until there is work. There is no spin before it: measured on this project's
    /// 2-core machine, workers spinning (and `sched_yield`ing) before they sleep took the CPU
    /// from the thread that would have given them work (a consumer in `block_on`), making the
    /// lockstep shapes 10-30x slower, and won nothing measurable on the spawn shapes.
    fn park(&self, core: &Core) {
        if core.has_tasks(self.remote(core)) {
            // Something queued a task on this core after `next_task` last looked: run it
            // rather than sleep on it. Peers cannot see a LIFO slot, and no one wakes a worker
            // for its own queues, so a worker that slept here would strand the task until some
            // unrelated wake-up (`next_task` takes the driver's wakes itself; this is the
            // backstop that keeps any other path from turning into a hang).
            return;
        }
        let was_searching = core.is_searching.replace(false);
        if self
            .shared
            .idle
            .transition_worker_to_parked(core.index, was_searching)
        {
            self.shared.notify_if_work_pending();
        }
        let remote = self.remote(core);
        WorkerCounters::bump(&remote.metrics.parks);
        // tokio's rule for `worker_noop_count`: no poll between two sleeps (or before the first).
        let polls = remote.metrics.polls.load(Ordering::Relaxed);
        if polls == core.polls_at_last_park.replace(polls) {
            WorkerCounters::bump(&remote.metrics.noops);
        }
        let now = Instant::now();
        WorkerCounters::add(
            &remote.metrics.busy_nanos,
            crate::runtime::metrics::nanos(now.saturating_duration_since(core.busy_since.get())),
        );
        core.mean_poll_time
            .end_batch(now, polls, &remote.metrics.mean_poll_nanos);
        // Last, and released: a reader that sees it odd sees the park and busy time above.
        WorkerCounters::bump_released(&remote.metrics.park_unparks);
        self.shared.config.run_on_park();
        let woken = sleep(
            &self.shared.idle,
            core.index,
            &core.parker,
            &self.in_park,
            || core.has_tasks(remote),
            || {
                if core.num_tasks(remote) > 1 {
                    self.shared.notify_parked();
                }
            },
            || self.shared.is_shutdown(),
        );
        match woken {
            Woken::Shutdown => {}
            // Counted as a searcher by whoever notified it (itself included, see `sleep`).
            Woken::Notified | Woken::OwnWork { notified: true } => core.is_searching.set(true),
            Woken::OwnWork { notified: false } => core.is_searching.set(false),
        }
        WorkerCounters::bump_released(&remote.metrics.park_unparks);
        let now = Instant::now();
        core.busy_since.set(now);
        let polls = remote.metrics.polls.load(Ordering::Relaxed);
        core.mean_poll_time.start_batch(now, polls);
        self.shared.config.run_on_unpark();
        self.shared.monitor.worker_unparked();
    }
}

/// Counts one scheduler tick off `left`; true once every `interval` ticks (then it starts over).
fn count_down(left: &Cell<u32>, interval: u32) -> bool {
    match left.get() {
        0 | 1 => {
            left.set(interval);
            true
        }
        more => {
            left.set(more - 1);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::count_down;
    use std::cell::Cell;

    #[test]
    fn count_down_fires_once_every_interval_from_the_start() {
        let left = Cell::new(3);
        let fired: Vec<bool> = (0..7).map(|_| count_down(&left, 3)).collect();
        assert_eq!(fired, [false, false, true, false, false, true, false]);
        let every_tick = Cell::new(1);
        assert!((0..4).all(|_| count_down(&every_tick, 1)));
    }
}
