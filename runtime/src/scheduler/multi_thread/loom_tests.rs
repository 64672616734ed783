//! Loom models of the multi-thread scheduler's handoffs: the LIFO slot, deque and steal path
//! (a peer's steal, and the monitor's move of a stuck worker's tasks to the injector);
//! a worker's sleep (the idle set and `park.rs`'s parker and driver) against notifiers; and the
//! monitor's sleep against workers that unpark.
//!
//! The deque is the loom stand-in (see `scheduler/queue.rs`) and the reactor is its stand-in
//! (see `io_driver.rs`); everything around them (the atomic LIFO slot, the stealable flag, the
//! idle set, the parker's state word, the driver lock, the worker's `sleep`, the monitor's
//! `fall_asleep`/`worker_unparked`) is the production code, called as the scheduler calls it.

use super::idle::Idle;
use super::monitor::Monitor;
use super::sleep::{sleep, Woken};
use super::{Remote, WorkerCounters};
use crate::loom::{
    thread, Arc, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Mutex, Ordering::SeqCst,
};
use crate::runtime::task::{new_task, Id, Notified, Schedule, Task};
use crate::scheduler::io_driver::IoDriver;
use crate::scheduler::park::{Driver, Parker, Unparker};
use crate::scheduler::queue::{Steal, Worker};
use crate::time::driver::TimeDriver;
use std::cell::Cell;
use std::collections::HashSet;
use std::ptr;

/// Tasks for the model: never scheduled again, never released by a list.
#[derive(Clone, Copy)]
struct Inert;

impl Schedule for Inert {
    fn schedule(&self, _task: Notified) {
        unreachable!("the model never wakes its tasks")
    }
    fn release(&self, _task: &Task) -> Option<Task> {
        None
    }
}

fn task() -> (Notified, Id) {
    let id = Id::next();
    let (owned, notified, join) = new_task(async {}, Inert, id);
    drop((owned, join));
    (notified, id)
}

fn remote(local: &Worker<Notified>) -> Remote {
    Remote {
        stealer: local.stealer(),
        yielded: Worker::new_fifo().stealer(),
        lifo: AtomicPtr::new(ptr::null_mut()),
        lifo_stealable: AtomicBool::new(false),
        poll_ticks: AtomicU64::new(0),
        cpu_clock: super::cpu_clock::CpuClockSlot::new(),
        handoff: Mutex::new(None),
        metrics: WorkerCounters::default(),
    }
}

/// What the owner runs of its queues: the LIFO slot, then the deque.
fn owner_takes_all(remote: &Remote, local: &Worker<Notified>) -> Vec<Id> {
    let mut mine = Vec::new();
    if let Some(task) = remote.take_lifo() {
        mine.push(task.id());
    }
    while let Some(task) = local.pop() {
        mine.push(task.id());
    }
    mine
}

/// Every one of `expected` was taken, by the owner or the other thread, and only once.
fn assert_each_taken_once(mine: &[Id], theirs: &[Id], expected: &[Id]) {
    let all: Vec<Id> = mine.iter().chain(theirs).copied().collect();
    let unique: HashSet<Id> = all.iter().copied().collect();
    assert_eq!(
        all.len(),
        expected.len(),
        "every task is taken exactly once: {all:?}"
    );
    assert_eq!(unique, expected.iter().copied().collect::<HashSet<Id>>());
}

#[test]
fn loom_lifo_slot_local_queue_and_steal_hand_each_task_to_one_thread() {
    loom::model(|| {
        let local = Worker::new_fifo();
        let remote = Arc::new(remote(&local));
        // The owner is stuck: the monitor marked its LIFO slot stealable.
        remote.lifo_stealable.store(true, SeqCst);
        let (a, a_id) = task();
        let (b, b_id) = task();

        let thief = {
            let remote = remote.clone();
            thread::spawn(move || {
                let dest = Worker::new_fifo();
                let mut got = Vec::new();
                if let Steal::Success(task) = remote.stealer.steal_batch_and_pop(&dest) {
                    got.push(task.id());
                }
                while let Some(task) = dest.pop() {
                    got.push(task.id());
                }
                if remote.lifo_stealable.load(SeqCst) {
                    if let Some(task) = remote.take_lifo() {
                        got.push(task.id());
                    }
                }
                got
            })
        };

        // The owner schedules two tasks: the second displaces the first into the deque.
        assert!(remote.put_lifo(a).is_none());
        if let Some(displaced) = remote.put_lifo(b) {
            local.push(displaced);
        }
        let mine = owner_takes_all(&remote, &local);
        let stolen = thief.join().unwrap();
        assert_each_taken_once(&mine, &stolen, &[a_id, b_id]);
    });
}

/// The monitor moves a stuck worker's queued tasks to the injector (`Remote::take_queued`)
/// while the owner, which is not stuck after all, keeps scheduling and running: every task is
/// taken exactly once, by the owner or by the monitor.
#[test]
fn loom_the_monitor_and_the_owner_take_each_queued_task_once() {
    loom::model(|| {
        let local = Worker::new_fifo();
        let remote = Arc::new(remote(&local));
        let (a, a_id) = task();
        let (b, b_id) = task();
        let (c, c_id) = task();
        // Queued before the monitor looks: one in the deque, one in the LIFO slot.
        local.push(a);
        assert!(remote.put_lifo(b).is_none());

        let monitor = {
            let remote = remote.clone();
            thread::spawn(move || {
                let mut moved = Vec::new();
                remote.take_queued(|task| moved.push(task.id()));
                moved
            })
        };

        // The owner schedules one more (displacing the slot's task into the deque if it is
        // still there), then runs what it still finds.
        if let Some(displaced) = remote.put_lifo(c) {
            local.push(displaced);
        }
        let mine = owner_takes_all(&remote, &local);
        let moved = monitor.join().unwrap();
        assert_each_taken_once(&mine, &moved, &[a_id, b_id, c_id]);
    });
}

/// A driver over the reactor's stand-in, with its own timers, as a runtime builds it.
fn driver() -> Arc<Driver> {
    let io = IoDriver::new().expect("the stand-in never fails");
    let time = Arc::new(TimeDriver::new(Driver::time_wake(io.clone()), 1));
    Arc::new(Driver::new(io, time))
}

/// What the workers of a model share: the idle set, every worker's unparker, the count of
/// items of work visible, and the shutdown flag.
struct Pool {
    idle: Idle,
    unparkers: Vec<Unparker>,
    pending: AtomicUsize,
    shutdown: AtomicBool,
}

impl Pool {
    /// A pool of one worker per unparker, none of them parked yet, no work.
    fn new(unparkers: Vec<Unparker>) -> Arc<Pool> {
        Arc::new(Pool {
            idle: Idle::new(unparkers.len()),
            unparkers,
            pending: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
        })
    }

    /// What a producer does after it makes work visible: `Shared::notify_parked`.
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.unparkers[index].unpark();
        }
    }
}

/// Where a model's work waits, as the worker sees it when its park returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Work {
    /// Pushed from outside (the injector): only a notification brings a worker to it.
    Remote,
    /// Queued by the sleeper's own driver turn (its deque, stealable): `sleep` returns
    /// `OwnWork` and shares it as the scheduler does.
    Own,
}

impl Pool {
    /// Worker `index` finds no work (it was searching), lists itself among the sleepers,
    /// re-checks as the last searcher does, and sleeps (`sleep::sleep`) on `parker` until
    /// `pending` shows work (`work` says where it waits), taking it. Returns the items it
    /// took, once it took `enough` or at shutdown.
    fn worker_takes(&self, work: Work, index: usize, parker: &Parker, enough: usize) -> usize {
        let (idle, pending, shutdown) = (&self.idle, &self.pending, &self.shutdown);
        let take = || {
            pending
                .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
                .is_ok()
        };
        let mut taken = 0;
        let mut searching = idle.transition_worker_to_searching();
        loop {
            if take() {
                taken += 1;
                if searching && idle.transition_worker_from_searching() {
                    self.notify_parked();
                }
                searching = false;
                if taken == enough {
                    return taken;
                }
                continue;
            }
            if shutdown.load(SeqCst) {
                return taken;
            }
            if idle.transition_worker_to_parked(index, searching) && pending.load(SeqCst) > 0 {
                self.notify_parked();
            }
            let in_park = Cell::new(false);
            match sleep(
                idle,
                index,
                parker,
                &in_park,
                || work == Work::Own && pending.load(SeqCst) > 0,
                // What `WorkerContext::park` passes: wake a peer for the rest.
                || {
                    if pending.load(SeqCst) > 1 {
                        self.notify_parked();
                    }
                },
                || shutdown.load(SeqCst),
            ) {
                Woken::Notified => searching = true,
                Woken::Shutdown => return taken,
                Woken::OwnWork { notified } => {
                    assert!(
                        work == Work::Own,
                        "no driver event queues work in this model"
                    );
                    searching = notified;
                }
            }
        }
    }
}

/// One worker sleeps (in the driver when it is free, else on its condition variable: a busy
/// worker polls the driver meanwhile, so both places are explored) while a producer makes work
/// visible and notifies. A lost wake-up is a deadlock, which loom reports.
#[test]
fn loom_a_sleeping_worker_is_woken_in_the_driver_or_on_its_condvar() {
    loom::model(|| {
        let driver = driver();
        let parker = Parker::new(driver.clone());
        let pool = Pool::new(vec![parker.unparker()]);

        let producer = {
            let pool = pool.clone();
            thread::spawn(move || {
                pool.pending.store(1, SeqCst);
                pool.notify_parked();
            })
        };
        // A busy worker's look at the driver (`event_interval`, a yield): it holds the driver
        // for a moment.
        let poller = {
            let busy = Parker::new(driver.clone());
            thread::spawn(move || {
                busy.park_yield();
            })
        };
        assert_eq!(pool.worker_takes(Work::Remote, 0, &parker, 1), 1);
        producer.join().unwrap();
        poller.join().unwrap();
    });
}

/// A socket's task: when the reactor (here, whichever thread turns the stand-in) wakes it, it
/// becomes work, pushed from outside a worker (`Shared::schedule_remote`).
struct EventTask {
    pool: Arc<Pool>,
}

impl std::task::Wake for EventTask {
    fn wake(self: std::sync::Arc<Self>) {
        self.pool.pending.fetch_add(1, SeqCst);
        self.pool.notify_parked();
    }
}

/// Work that arrives only as an I/O event, while the monitor polls the reactor from outside:
/// the worker must not end up on its condition variable with no one in the driver (a server
/// that stops answering). The event's waker runs on whichever thread turns.
#[test]
fn loom_an_io_event_reaches_a_sleeping_worker_while_the_monitor_polls() {
    loom::model(|| {
        let driver = driver();
        let parker = Parker::new(driver.clone());
        let pool = Pool::new(vec![parker.unparker()]);

        let monitor = {
            let driver = driver.clone();
            thread::spawn(move || driver.poll_from_outside())
        };
        let network = {
            let task =
                std::task::Waker::from(std::sync::Arc::new(EventTask { pool: pool.clone() }));
            let io = driver.io().clone();
            thread::spawn(move || io.raise_event(task))
        };
        assert_eq!(pool.worker_takes(Work::Remote, 0, &parker, 1), 1);
        monitor.join().unwrap();
        network.join().unwrap();
    });
}

/// Two workers running `worker_takes` (taking `work` from the pool's `pending`) on their own
/// threads, sharing one driver and pool, and what a model needs to end them.
struct TwoWorkers {
    driver: Arc<Driver>,
    pool: Arc<Pool>,
    taken: Arc<AtomicUsize>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl TwoWorkers {
    fn start(work: Work) -> TwoWorkers {
        let driver = driver();
        let parkers = [Parker::new(driver.clone()), Parker::new(driver.clone())];
        let pool = Pool::new(vec![parkers[0].unparker(), parkers[1].unparker()]);
        let taken = Arc::new(AtomicUsize::new(0));
        let [first, second] = parkers;
        let threads = [(0, first), (1, second)]
            .into_iter()
            .map(|(index, parker)| {
                let (pool, taken) = (pool.clone(), taken.clone());
                thread::spawn(move || {
                    let mine = pool.worker_takes(work, index, &parker, usize::MAX);
                    taken.fetch_add(mine, SeqCst);
                })
            })
            .collect();
        TwoWorkers {
            driver,
            pool,
            taken,
            threads,
        }
    }

    /// Waits until `done` (a lost wake-up blocks this loop, which loom reports as a deadlock),
    /// then shuts the workers down; returns the items they took.
    fn finish(self, done: impl Fn() -> bool) -> usize {
        while !done() {
            thread::yield_now();
        }
        self.pool.shutdown.store(true, SeqCst);
        for unparker in &self.pool.unparkers {
            unparker.unpark();
        }
        for thread in self.threads {
            thread.join().unwrap();
        }
        self.taken.load(SeqCst)
    }
}

/// Two workers sleep (one of them in the driver, the other on its condition variable) and a
/// producer makes two items visible one after the other, notifying after each: both items are
/// taken, whoever takes them, before shutdown wakes the workers.
#[test]
fn loom_two_sleeping_workers_take_all_the_work() {
    loom::model(|| {
        let workers = TwoWorkers::start(Work::Remote);
        for _ in 0..2 {
            workers.pool.pending.fetch_add(1, SeqCst);
            workers.pool.notify_parked();
        }
        let pool = workers.pool.clone();
        // Shutdown only once the work is gone.
        assert_eq!(workers.finish(|| pool.pending.load(SeqCst) == 0), 2);
    });
}

/// A socket event whose task the turning worker queues on itself (`in_park`: no notification):
/// two items at once.
struct LocalEvent {
    pool: Arc<Pool>,
    delivered: Arc<AtomicBool>,
}

impl std::task::Wake for LocalEvent {
    fn wake(self: std::sync::Arc<Self>) {
        self.pool.pending.fetch_add(2, SeqCst);
        self.delivered.store(true, SeqCst);
    }
}

/// Both workers sleep; an I/O event queues two items on whichever sits in the driver. That
/// worker shares the rest before it leaves the sleepers (`sleep`'s `share_work`), and the
/// notification may land on itself (the top sleeper) or on its peer: either way both items are
/// taken, and neither worker is left asleep with work queued (a lost wake-up deadlocks the
/// model).
#[test]
fn loom_a_worker_woken_by_its_own_turn_shares_the_rest() {
    loom::model(|| {
        let workers = TwoWorkers::start(Work::Own);
        let (pool, delivered) = (workers.pool.clone(), Arc::new(AtomicBool::new(false)));
        let event = std::task::Waker::from(std::sync::Arc::new(LocalEvent {
            pool: pool.clone(),
            delivered: delivered.clone(),
        }));
        workers.driver.io().raise_event(event);
        // Shutdown only once the event was delivered and its work is gone.
        let done = || delivered.load(SeqCst) && pool.pending.load(SeqCst) == 0;
        assert_eq!(workers.finish(done), 2);
    });
}

/// The monitor falls asleep (for good, no timeout) while a worker leaves its park: either the
/// monitor's last check sees the worker, or the worker sees the monitor asleep and wakes it.
#[test]
fn loom_the_monitor_never_sleeps_through_an_unparking_worker() {
    loom::model(|| {
        let monitor = Arc::new(Monitor::new());
        let parker = monitor.take_parker();
        let idle = Arc::new(Idle::new(1));
        // The one worker sleeps.
        assert!(!idle.transition_worker_to_parked(0, false));
        let worker = {
            let (monitor, idle) = (monitor.clone(), idle.clone());
            thread::spawn(move || {
                // Woken by its own driver turn: what `sleep::sleep` and `park` then do.
                assert!(idle.unpark_worker_by_id(0));
                monitor.worker_unparked();
            })
        };
        monitor.fall_asleep(|| idle.unparked() > 0);
        if monitor.is_asleep() {
            // An untimed sleep: only the worker's wake can end it.
            parker.park();
        }
        worker.join().unwrap();
    });
}
