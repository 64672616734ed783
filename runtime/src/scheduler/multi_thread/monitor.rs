//! The monitor: a thread that watches the workers for polls that run long (Go's `sysmon`).
//!
//! At each look it:
//! - polls the driver (I/O and due timers, without sleeping) when no worker sits in it, so a
//!   long poll never stalls timers or sockets; the woken tasks go to the injector, which wakes
//!   a sleeping peer;
//! - looks for a worker stuck in one poll (its poll counter odd and unchanged since the last
//!   look) with work queued behind it; it marks that worker's LIFO slot stealable and wakes a
//!   peer, so a child spawned just before a blocking stretch runs within a couple of looks.
//!
//! It costs nothing on the hot path (workers only write their own counters), and it looks only
//! as often as there is something to watch:
//! - **awake** (a look every `TICK`, 1 ms) while it saw a worker inside a poll, or a worker
//!   running while no one sleeps in the driver: that is when a poll may be running long;
//! - **drowsy** while workers ran polls since its last look but were all parked at it: each
//!   look that finds nothing doubles the interval, up to `MAX_INTERVAL`, so a near-idle
//!   runtime (one whose only work is a timer, say) costs about one look per second; a poll that
//!   starts running long there is seen at the next look, after which the monitor is awake;
//! - **asleep** (no look at all) once a look `MAX_INTERVAL` after the previous one finds that
//!   no worker ran a single poll meanwhile; the next worker to leave its park wakes it (one
//!   read-modify-write on that path, a wake-up only then).
//!
//! Invariant (no lost wake-up of the monitor): it publishes `ASLEEP` (a swap) and then reads
//! the unparked count with a read-modify-write (`Idle::unparked`) before it parks; a worker
//! that unparks changes that count with a read-modify-write and then compare-exchanges the mode
//! from `ASLEEP`. Read-modify-writes of one location are totally ordered and each reads the
//! last value, so at least one of the two sees the other (the model in `loom_tests.rs`).

use super::Shared;
use crate::loom::{AtomicUsize, Mutex, Ordering, Parker, Unparker};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The look interval while a poll may be running long.
const TICK: Duration = Duration::from_millis(1);
/// The longest interval between two looks short of sleeping.
const MAX_INTERVAL: Duration = Duration::from_secs(1);

const AWAKE: usize = 0;
const DROWSY: usize = 1;
const ASLEEP: usize = 2;

pub(super) struct Monitor {
    mode: AtomicUsize,
    unparker: Unparker,
    parker: Mutex<Option<Parker>>,
}

impl Monitor {
    pub(super) fn new() -> Monitor {
        let parker = Parker::new();
        Monitor {
            mode: AtomicUsize::new(AWAKE),
            unparker: parker.unparker().clone(),
            parker: Mutex::new(Some(parker)),
        }
    }

    pub(super) fn unpark(&self) {
        self.unparker.unpark();
    }

    /// A worker left its park: wake the monitor if it is asleep.
    pub(super) fn worker_unparked(&self) {
        // A read-modify-write rather than a load (it changes nothing unless asleep): it is
        // ordered after the worker's own RMW of the idle count, against `fall_asleep`'s swap
        // and RMW read of that count (see the module comment).
        if self
            .mode
            .compare_exchange(ASLEEP, DROWSY, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            self.unparker.unpark();
        }
    }

    /// Waits until the next look: `interval` later, or, asleep, until a worker's unpark.
    fn wait(&self, parker: &Parker, interval: Duration) {
        match self.mode.load(Ordering::SeqCst) {
            ASLEEP => parker.park(),
            _ => parker.park_timeout(interval),
        }
    }

    /// Publishes `ASLEEP`, then checks `busy` once more: a worker that unparked before the
    /// publication did not see it, so the monitor must not sleep for good then.
    pub(super) fn fall_asleep(&self, busy: impl FnOnce() -> bool) {
        self.mode.swap(ASLEEP, Ordering::SeqCst);
        if busy() {
            self.mode.store(DROWSY, Ordering::SeqCst);
        }
    }

    #[cfg(all(test, loom))]
    pub(super) fn is_asleep(&self) -> bool {
        self.mode.load(Ordering::SeqCst) == ASLEEP
    }
}

impl Monitor {
    /// The monitor thread's parker (taken once).
    pub(super) fn take_parker(&self) -> Parker {
        crate::loom::lock(&self.parker)
            .take()
            .expect("the monitor is started once")
    }
}

pub(super) fn start(shared: Arc<Shared>) -> JoinHandle<()> {
    let parker = shared.monitor.take_parker();
    std::thread::Builder::new()
        .name("weft-monitor".into())
        .spawn(move || run(&shared, &parker))
        .unwrap_or_else(|error| panic!("weft could not start its monitor thread: {error}"))
}

fn run(shared: &Shared, parker: &Parker) {
    let monitor = &shared.monitor;
    let mut last_ticks = vec![0u64; shared.remotes.len()];
    let mut interval = TICK;
    while !shared.is_shutdown() {
        let asleep = monitor.mode.load(Ordering::SeqCst) == ASLEEP;
        monitor.wait(parker, interval);
        if asleep {
            interval = TICK;
        }
        let look = look(shared, &mut last_ticks);
        if look.maybe_long_poll {
            monitor.mode.store(AWAKE, Ordering::SeqCst);
            interval = TICK;
        } else if look.polled || interval < MAX_INTERVAL {
            monitor.mode.store(DROWSY, Ordering::SeqCst);
            interval = (interval * 2).min(MAX_INTERVAL);
        } else {
            monitor.fall_asleep(|| {
                shared.idle.unparked() > 0
                    || look_polled(shared, &last_ticks)
                    || shared.is_shutdown()
            });
        }
    }
}

/// What one look at the workers found.
struct Look {
    /// A worker was inside a poll, or running while no one sleeps in the driver.
    maybe_long_poll: bool,
    /// Some worker ran a poll since the previous look.
    polled: bool,
}

fn look(shared: &Shared, last_ticks: &mut [u64]) -> Look {
    let running_unwatched = shared.idle.unparked() > 0 && !shared.driver.is_locked();
    if running_unwatched {
        // No one sleeps in the driver: poll it for them, so that a socket's or a timer's task
        // never waits for a long poll to end. Its wakers push to the injector and wake a
        // sleeping peer. (If a worker takes the driver meanwhile, this does nothing.)
        shared.driver.poll_from_outside();
    }
    let mut look = Look {
        maybe_long_poll: running_unwatched,
        polled: false,
    };
    for (remote, last) in shared.remotes.iter().zip(last_ticks.iter_mut()) {
        let ticks = remote.poll_ticks.load(Ordering::Relaxed);
        let in_poll = ticks % 2 == 1;
        let stuck = in_poll && ticks == *last;
        look.polled |= ticks != *last;
        look.maybe_long_poll |= in_poll;
        *last = ticks;
        if stuck && (remote.has_lifo() || remote.has_queued()) {
            remote.lifo_stealable.store(true, Ordering::Release);
            shared.notify_parked();
        }
    }
    look
}

/// Whether any worker polled since `last_ticks` was recorded.
fn look_polled(shared: &Shared, last_ticks: &[u64]) -> bool {
    shared
        .remotes
        .iter()
        .zip(last_ticks)
        .any(|(remote, last)| remote.poll_ticks.load(Ordering::SeqCst) != *last)
}
