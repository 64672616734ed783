//! The monitor: a thread that watches the workers while the runtime is busy (Go's `sysmon`).
//!
//! Every `TICK` it:
//! - fires due timers when no worker sits in the driver (all are busy, possibly in long polls),
//!   so a long poll never stalls timers; the woken tasks go to the injector, which wakes a
//!   sleeping peer;
//! - looks for a worker stuck in one poll (its poll counter odd and unchanged since the last
//!   tick) with work queued behind it; it marks that worker's LIFO slot stealable and wakes a
//!   peer, so a child spawned just before a blocking stretch runs within a couple of ticks.
//!
//! It costs nothing on the hot path: workers only write their own counters. When every worker
//! has been parked for `DEEP_SLEEP_AFTER` ticks it sleeps until a worker unparks, so an idle
//! runtime uses no CPU.
//!
//! Invariant (no lost wake-up of the monitor): it publishes `sleeping` and then re-reads the
//! unparked count; a worker that unparks increments that count and then reads `sleeping`.
//! With both sides `SeqCst`, at least one of them sees the other.

use super::Shared;
use crate::loom::{AtomicBool, Mutex, Ordering, Parker, Unparker};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(1);
const DEEP_SLEEP_AFTER: u32 = 20;

pub(super) struct Monitor {
    sleeping: AtomicBool,
    unparker: Unparker,
    parker: Mutex<Option<Parker>>,
}

impl Monitor {
    pub(super) fn new() -> Monitor {
        let parker = Parker::new();
        Monitor {
            sleeping: AtomicBool::new(false),
            unparker: parker.unparker().clone(),
            parker: Mutex::new(Some(parker)),
        }
    }

    pub(super) fn unpark(&self) {
        self.unparker.unpark();
    }

    /// A worker left its park: wake the monitor if it is in its deep sleep.
    pub(super) fn worker_unparked(&self) {
        if self.sleeping.load(Ordering::SeqCst) && self.sleeping.swap(false, Ordering::SeqCst) {
            self.unparker.unpark();
        }
    }
}

pub(super) fn start(shared: Arc<Shared>) -> JoinHandle<()> {
    let parker = crate::loom::lock(&shared.monitor.parker)
        .take()
        .expect("the monitor is started once");
    std::thread::Builder::new()
        .name("weft-monitor".into())
        .spawn(move || run(&shared, &parker))
        .unwrap_or_else(|error| panic!("weft could not start its monitor thread: {error}"))
}

fn run(shared: &Shared, parker: &Parker) {
    let mut last_ticks = vec![0u64; shared.remotes.len()];
    let mut idle_ticks = 0;
    while !shared.is_shutdown() {
        parker.park_timeout(TICK);
        fire_due_timers(shared);
        unstick_workers(shared, &mut last_ticks);
        if shared.idle.unparked() > 0 {
            idle_ticks = 0;
            continue;
        }
        idle_ticks += 1;
        if idle_ticks >= DEEP_SLEEP_AFTER {
            idle_ticks = 0;
            shared.monitor.sleeping.store(true, Ordering::SeqCst);
            if shared.idle.unparked() == 0 && !shared.is_shutdown() {
                parker.park();
            }
            shared.monitor.sleeping.store(false, Ordering::SeqCst);
        }
    }
}

fn fire_due_timers(shared: &Shared) {
    if shared.driver.taken.load(Ordering::Acquire) {
        return; // The holder fires them when it wakes.
    }
    // Every worker is busy: poll for I/O without waiting, so that a socket's task never waits
    // for a long poll to end. Its wakers push to the injector and wake a sleeping peer.
    // (Should a worker take the driver meanwhile, its own turn returns at once and it loops.)
    shared.driver.io.turn(Some(std::time::Duration::ZERO));
    if shared
        .time
        .next_deadline()
        .is_some_and(|deadline| deadline <= Instant::now())
    {
        shared.time.process();
    }
}

fn unstick_workers(shared: &Shared, last_ticks: &mut [u64]) {
    for (remote, last) in shared.remotes.iter().zip(last_ticks.iter_mut()) {
        let ticks = remote.poll_ticks.load(Ordering::Relaxed);
        let stuck = ticks % 2 == 1 && ticks == *last;
        *last = ticks;
        if stuck && (remote.has_lifo() || remote.has_queued()) {
            remote.lifo_stealable.store(true, Ordering::Release);
            shared.notify_parked();
        }
    }
}
