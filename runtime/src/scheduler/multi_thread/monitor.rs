//! The monitor: a thread that watches the workers for polls that run long (Go's `sysmon`).
//!
//! At each look it:
//! - polls the driver (I/O and due timers, without sleeping) when no worker sits in it and no
//!   worker has polled it since the previous look, so a long poll never stalls timers or
//!   sockets for more than two looks; the woken tasks go to the injector, which wakes a
//!   sleeping peer. (While busy workers poll the driver themselves, every `event_interval`
//!   polls, a poll from here only moves their tasks to the injector and wakes a peer to take
//!   them there: see `ran_in_between` for what that cost a server);
//! - looks for a worker stuck in one poll (its poll counter odd and unchanged since the last
//!   look) with work queued behind it; it marks that worker's LIFO slot stealable and wakes a
//!   peer, so a child spawned just before a blocking stretch runs within a couple of looks. If
//!   no peer is idle (every worker unparked: busy peers never steal, they have work of their
//!   own), it moves the stuck worker's queued tasks to the injector instead, where busy workers
//!   look every `global_queue_interval` ticks. It takes them as a thief would (the LIFO slot
//!   by `swap`, the deques through their stealers: `Remote::take_queued`, with a loom model),
//!   so the owner's invariants hold unchanged.
//!
//! It costs nothing on the hot path (workers only write their own counters), and it looks only
//! as often as there is something to watch:
//! - **awake** while it saw a worker inside a poll, or a worker running while no one sleeps in
//!   the driver: that is when a poll may be running long. A look every `TICK` (1 ms) while a
//!   worker sits in the same poll as at the previous look and ran on a CPU in between (a poll
//!   running long, which may queue more work behind itself; a worker that waited, preempted or
//!   in a system call, does not count: see `ran_in_between`, and `cpu_clock.rs`); while every
//!   worker has moved on since then (a busy runtime whose polls are short), each look doubles
//!   the interval up to `BUSY_INTERVAL` (4 ms), as Go's sysmon backs off while it finds nothing
//!   to do. A poll that starts running long is then seen within two such intervals, and the
//!   monitor is back to `TICK` from that look on. The first look that finds a poll after a
//!   quiet spell (drowsy or asleep) looks again a `TICK` later, so a poll that blocks as a
//!   runtime wakes up is seen within a couple of ticks, as before the back-off;
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
/// The longest interval between two looks while every worker is busy with short polls.
///
/// Measured on tokio's mini-redis ported to weft, 50 clients on blocking threads on this
/// project's 2-core machine, six alternated runs: with a look every 1 ms while the workers are
/// busy, the monitor's own wake-ups were 0.009-0.011 context switches per request and the
/// server's total 0.52-0.56 (each wake-up preempts a worker or a client); backing off to 4 ms,
/// 0.0025-0.0033 and 0.48-0.52 (tokio 0.41-0.49). With one event-loop client thread the total
/// went from 0.085-0.100 to 0.069-0.077 (tokio 0.065-0.094). The price is how soon a poll that
/// starts running long in a busy runtime is seen: within two intervals of its start, so 4-8 ms
/// against 1-2 ms (from a quiet runtime still 2-3 ms: see `next_look`).
const BUSY_INTERVAL: Duration = Duration::from_millis(4);
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
    let mut last = LastLook {
        ticks: vec![0; shared.remotes.len()],
        cpu: vec![None; shared.remotes.len()],
        turns: shared.driver.turns(),
    };
    let mut interval = TICK;
    while !shared.is_shutdown() {
        let mode = monitor.mode.load(Ordering::SeqCst);
        monitor.wait(parker, interval);
        if mode == ASLEEP {
            interval = TICK;
        }
        let look = look(shared, &mut last);
        match next_look(&look, mode, interval) {
            Some((mode, next)) => {
                monitor.mode.store(mode, Ordering::SeqCst);
                interval = next;
            }
            None => monitor.fall_asleep(|| {
                shared.idle.unparked() > 0
                    || look_polled(shared, &last.ticks)
                    || shared.is_shutdown()
            }),
        }
    }
}

/// After a look that found `look`, `interval` after the previous one, in `mode`: the mode and
/// the interval to the next look, or `None` to fall asleep (see the module comment).
fn next_look(look: &Look, mode: usize, interval: Duration) -> Option<(usize, Duration)> {
    if look.maybe_long_poll {
        // Back off only while the runtime stays busy and every poll is a new one. A poll that
        // spans two looks and ran in between (`same_poll` implies `maybe_long_poll`) may be
        // stuck, and the first poll seen after a quiet spell may be one that blocks as the
        // runtime wakes up: both get their next look a tick later.
        let backing_off = mode == AWAKE && !look.same_poll;
        let next = if backing_off {
            (interval * 2).min(BUSY_INTERVAL)
        } else {
            TICK
        };
        Some((AWAKE, next))
    } else if look.polled || interval < MAX_INTERVAL {
        Some((DROWSY, (interval * 2).min(MAX_INTERVAL)))
    } else {
        None
    }
}

/// What one look at the workers found.
#[derive(Clone, Copy)]
struct Look {
    /// A worker was inside a poll, or running while no one sleeps in the driver.
    maybe_long_poll: bool,
    /// A worker was inside the same poll as at the previous look, and ran on a CPU in between
    /// (see `ran_in_between`).
    same_poll: bool,
    /// Some worker ran a poll since the previous look.
    polled: bool,
}

/// What the monitor remembers of its previous look.
struct LastLook {
    /// Each worker's poll counter.
    ticks: Vec<u64>,
    /// The CPU time of each worker that was inside a poll.
    cpu: Vec<Option<u64>>,
    /// The driver's turn count.
    turns: usize,
}

/// A poll that used this much CPU time between two looks without ending runs long.
const RAN: u64 = 100_000;

/// Whether a worker found inside the same poll at two looks ran on a CPU in between, from its
/// CPU times at the two looks (`None`: unknown, so assume it did).
///
/// One that did runs long and may queue more work behind itself (a task that spawns in a
/// loop), so it is looked at every tick. One that did not waits, for a CPU (preempted: on a
/// saturated machine every look sees some worker so) or in a system call: it queues nothing
/// until it runs again, and what it had queued was already offered to its peers at this look,
/// so the monitor backs off as for a busy runtime.
///
/// Measured on the benches' echo, key-value and hello servers pinned to one CPU with 4 workers,
/// the load generator on the other CPU (`compare --group server --pin`): 93% of the looks found
/// some worker preempted in the same poll, so the monitor looked every tick and, finding no worker
/// in the driver, polled it from outside, moving tasks to the injector and waking peers. The
/// server switched context 3.2x-3.8x as often as tokio's, and its p99 latency was 1.3x-2x
/// tokio's. Reading the CPU clock and skipping the outside poll while the workers turn the
/// driver themselves: 1.3x-1.6x tokio's switches, p99 1.0x-1.25x tokio's, requests/s unchanged.
fn ran_in_between(before: Option<u64>, now: Option<u64>) -> bool {
    match (before, now) {
        (Some(before), Some(now)) => now.saturating_sub(before) >= RAN,
        _ => true,
    }
}

fn look(shared: &Shared, last: &mut LastLook) -> Look {
    let running_unwatched = shared.idle.unparked() > 0 && !shared.driver.is_locked();
    let turns = shared.driver.turns();
    let turned = std::mem::replace(&mut last.turns, turns) != turns;
    if running_unwatched && !turned {
        // No one sleeps in the driver, and no worker has polled it since the previous look:
        // poll it for them, so that a socket's or a timer's task never waits for a long poll
        // to end. Its wakers push to the injector and wake a sleeping peer. (If a worker takes
        // the driver meanwhile, this does nothing.) While the workers poll it themselves (a
        // busy worker does every `event_interval` polls), an outside poll would only move
        // their tasks to the injector and wake a peer to take them from there.
        shared.driver.poll_from_outside();
    }
    let mut look = Look {
        maybe_long_poll: running_unwatched,
        same_poll: false,
        polled: false,
    };
    let previous = last.ticks.iter_mut().zip(last.cpu.iter_mut());
    for (remote, (last_ticks, last_cpu)) in shared.remotes.iter().zip(previous) {
        let ticks = remote.poll_ticks.load(Ordering::Relaxed);
        let in_poll = ticks % 2 == 1;
        let stuck = in_poll && ticks == *last_ticks;
        let cpu = if in_poll {
            remote.cpu_clock.read()
        } else {
            None
        };
        look.polled |= ticks != *last_ticks;
        look.maybe_long_poll |= in_poll;
        look.same_poll |= stuck && ran_in_between(*last_cpu, cpu);
        *last_ticks = ticks;
        *last_cpu = cpu;
        if stuck && (remote.has_lifo() || remote.has_queued()) {
            remote.lifo_stealable.store(true, Ordering::Release);
            if shared.idle.unparked() < shared.remotes.len() {
                // An idle peer steals them (the LIFO slot included, now that it is stealable).
                shared.notify_parked();
            } else {
                shared.move_stuck_work_to_injector(remote);
            }
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    const SAME_POLL: Look = Look {
        maybe_long_poll: true,
        same_poll: true,
        polled: true,
    };
    const BUSY: Look = Look {
        maybe_long_poll: true,
        same_poll: false,
        polled: true,
    };
    const POLLED_BETWEEN_LOOKS: Look = Look {
        maybe_long_poll: false,
        same_poll: false,
        polled: true,
    };
    const NOTHING: Look = Look {
        maybe_long_poll: false,
        same_poll: false,
        polled: false,
    };

    /// Follows `looks` from a look at `TICK` in mode `AWAKE`: the modes and intervals chosen,
    /// in milliseconds.
    fn follow(looks: &[Look]) -> Vec<(usize, Option<u128>)> {
        let (mut mode, mut interval) = (AWAKE, TICK);
        let mut seen = Vec::new();
        for look in looks {
            match next_look(look, mode, interval) {
                Some((next_mode, next)) => {
                    (mode, interval) = (next_mode, next);
                    seen.push((mode, Some(next.as_millis())));
                }
                None => {
                    (mode, interval) = (ASLEEP, TICK);
                    seen.push((mode, None));
                }
            }
        }
        seen
    }

    #[test]
    fn a_busy_runtime_is_looked_at_less_often_until_a_poll_spans_two_looks() {
        let seen = follow(&[BUSY, BUSY, BUSY, BUSY, SAME_POLL, BUSY]);
        assert_eq!(
            seen,
            [
                (AWAKE, Some(2)),
                (AWAKE, Some(4)),
                (AWAKE, Some(4)),
                (AWAKE, Some(4)),
                (AWAKE, Some(1)),
                (AWAKE, Some(2)),
            ]
        );
    }

    #[test]
    fn a_poll_that_stays_counts_as_running_only_if_it_used_a_cpu_in_between() {
        // Preempted, or blocked in a system call: it queues nothing new until it runs again.
        assert!(!ran_in_between(Some(7_000_000), Some(7_000_000)));
        assert!(!ran_in_between(Some(7_000_000), Some(7_000_000 + RAN - 1)));
        // Ran a tenth of a millisecond of CPU without ending its poll: it runs long.
        assert!(ran_in_between(Some(7_000_000), Some(7_000_000 + RAN)));
        // No clock (another platform, or the thread is gone): assume the worst, as before.
        assert!(ran_in_between(None, Some(7_000_000)));
        assert!(ran_in_between(Some(7_000_000), None));
        assert!(ran_in_between(None, None));
    }

    #[test]
    fn a_poll_that_stays_is_looked_at_every_tick() {
        let seen = follow(&[SAME_POLL, SAME_POLL, SAME_POLL]);
        assert_eq!(seen, [(AWAKE, Some(1)); 3]);
    }

    #[test]
    fn an_idle_runtime_backs_off_to_a_second_then_sleeps() {
        let mut looks = vec![POLLED_BETWEEN_LOOKS];
        looks.extend([NOTHING; 10]);
        let seen = follow(&looks);
        let intervals: Vec<_> = seen.iter().map(|(_, ms)| *ms).collect();
        // The look a second after the previous one that finds nothing run meanwhile sleeps.
        assert_eq!(
            intervals,
            [2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]
                .map(Some)
                .into_iter()
                .chain([None])
                .collect::<Vec<_>>()
        );
        assert!(seen[..10].iter().all(|(mode, _)| *mode == DROWSY));
    }

    #[test]
    fn the_first_poll_after_a_quiet_spell_is_looked_at_again_a_tick_later() {
        let mut looks = vec![NOTHING; 8];
        looks.extend([BUSY, BUSY, BUSY, BUSY]);
        let seen = follow(&looks);
        assert_eq!(seen[7], (DROWSY, Some(256)));
        assert_eq!(
            seen[8..],
            [
                (AWAKE, Some(1)),
                (AWAKE, Some(2)),
                (AWAKE, Some(4)),
                (AWAKE, Some(4))
            ]
        );
        // Asleep, then a worker's unpark (DROWSY): the same.
        let mut looks = vec![NOTHING; 11];
        looks.push(BUSY);
        let seen = follow(&looks);
        assert_eq!(seen[10], (ASLEEP, None));
        assert_eq!(seen[11], (AWAKE, Some(1)));
    }
}
