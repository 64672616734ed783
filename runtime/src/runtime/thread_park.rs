//! How a thread in a multi-thread runtime's `block_on` waits for its future's waker: a short
//! spin while its waits are short, then a sleep.
//!
//! The futures a `block_on` thread waits on are completed by the workers: a spawned task's
//! `JoinHandle`, a channel that spawned producers feed. Each of its sleeps costs a futex wait,
//! the waker's futex wake, and the kernel's wake-up latency, tens of microseconds on some
//! machines (the seventeenth session's 2-core one); the worker that wakes it often finishes
//! within a few. So while the thread's waits are short, it first spins (reading a flag its
//! waker sets) for up to [`SPIN`], and only then sleeps. Once woken during a spin it waits
//! [`BATCH`] more before it polls again, so that a producer still sending gets a batch in
//! rather than one message per wake-up (spinning without that window turned a consumer fed by
//! busy producers into a ping-pong of one message per wake: `mpsc_contention_unbounded` went
//! from 1.18x to 0.66x-0.85x of tokio).
//! A wait that outlasts the spin and then sleeps longer than [`LONG`] turns spinning off
//! until a sleep is short again: a thread that waits for a timer or for a rare event (a
//! server's main thread waiting for Ctrl-C) spins once, not at every wake. And the caller spins
//! only while a worker sleeps (`Handle::block_on` asks the scheduler at each wait): with every
//! worker busy, the cores are too, and a spinning `block_on` thread would take the one that the
//! task it waits for needs (`spawn_many_remote_busy1`/`2`, whose workers are kept busy by
//! yielding tasks, lost up to 14% before that rule). On a one-CPU machine it never spins: the
//! worker that is to wake it could not run meanwhile.
//!
//! Where a woken thread runs again within a few microseconds (the eighteenth session's
//! machine: 3-8 µs), a sleep costs little, and the spin only takes a CPU from the workers: it
//! cost 3%-19% on the rows it was made for. So each sleep also measures that latency (the
//! waker stamps the time of its call; the thread, back from the park, reads how long ago that
//! was), and the thread spins only while the average of its last few is at least
//! [`SLOW_WAKE_UP`]. It starts out spinning, and since every sleep of a wait that may spin
//! measures, a machine whose wake-ups grow slow (a loaded one) turns spinning back on.
//!
//! Invariants (no lost wake-up, no sleep that a spin could have spared forever):
//! - The waker stores `woken` (release), then unparks the parker, whose token is sticky.
//! - The waiter clears `woken` before each poll. After a `Pending` poll it spins reading
//!   `woken`; if it sees it, it takes the parker's token if it is there already and polls
//!   again; if it does not, it parks, and the token ends that park at once if the wake came.
//!   So the flag only spares the sleep: a wake whose store the clear overwrote (it raced the
//!   poll) still leaves the token, and costs at most one spin and a park that returns at once.
//! - A token left over (the flag was seen before the unpark came) makes a later park return
//!   early, after which the future is polled again: a spurious poll, never a missed one.
//! - The waker's time stamp is a measurement, not part of the protocol: read after the park
//!   returns, it is at worst stale, which costs one sample of the average, never a wake-up.

use crate::loom::{AtomicBool, Ordering, Parker, Unparker};
use std::cell::Cell;
use std::fmt;
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

/// The longest spin before a sleep (loom models spin two looks instead: they have no clock).
#[cfg_attr(all(test, loom), allow(dead_code))]
pub(crate) const SPIN: Duration = Duration::from_micros(20);
/// After a spin saw the wake: how long more before the poll.
pub(crate) const BATCH: Duration = Duration::from_micros(1);
/// A sleep longer than this (after a spin that found nothing) turns spinning off.
pub(crate) const LONG: Duration = Duration::from_micros(500);
/// Spinning pays only where a sleeping thread, once woken, takes at least this long to run
/// again: the wake-up latency it would spare. 3-8 µs on the eighteenth session's machine, where
/// the spin cost 3%-19% on the rows it was made for; more on the seventeenth's, where it won
/// them 2x-5x (`benches/README.md`, Figures).
pub(crate) const SLOW_WAKE_UP: Duration = Duration::from_micros(5);

/// How a [`ThreadPark::wait`] ended (the tests read it; `block_on` only polls again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitEnd {
    /// The waker was called during the poll: no spin, no sleep.
    WokenDuringPoll,
    /// A spin saw the wake.
    Spun,
    /// The thread slept until the wake (after a spin that found nothing, or without one),
    /// this long where the wait measured it (one that may spin; never under loom).
    Slept(Option<Duration>),
}

/// What the future's waker holds.
struct Signal {
    unparker: Unparker,
    woken: AtomicBool,
    /// When the waker was last called ([`now_ns`]): a measurement only, never part of the
    /// protocol (not kept under loom, which has no clock).
    #[cfg(not(all(test, loom)))]
    woken_at: crate::loom::AtomicU64,
}

impl Wake for Signal {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        #[cfg(not(all(test, loom)))]
        self.woken_at.store(now_ns(), Ordering::Relaxed);
        self.woken.store(true, Ordering::Release);
        self.unparker.unpark();
    }
}

/// A thread's way to wait for one waker: made once per thread and reused by each `block_on`.
pub(crate) struct ThreadPark {
    parker: Parker,
    signal: std::sync::Arc<Signal>,
    waker: Waker,
    /// Whether the next wait spins first (see the module's comment).
    spins: Cell<bool>,
    /// How long this thread took to run again after a wake-up that found it asleep, averaged
    /// over its last few sleeps; it spins only while that is at least [`SLOW_WAKE_UP`].
    wake_up: Cell<Duration>,
}

impl ThreadPark {
    pub(crate) fn new() -> ThreadPark {
        let parker = Parker::new();
        let signal = std::sync::Arc::new(Signal {
            unparker: parker.unparker().clone(),
            woken: AtomicBool::new(false),
            #[cfg(not(all(test, loom)))]
            woken_at: crate::loom::AtomicU64::new(0),
        });
        ThreadPark {
            waker: Waker::from(signal.clone()),
            parker,
            signal,
            spins: Cell::new(true),
            // Spin until a sleep has measured the machine.
            wake_up: Cell::new(SLOW_WAKE_UP),
        }
    }

    /// The waker to poll the future with.
    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// Right before a poll: wakes from now on are for the next wait.
    pub(crate) fn before_poll(&self) {
        self.signal.woken.store(false, Ordering::Relaxed);
    }

    /// After a `Pending` poll: returns once the waker was called (or spuriously, rarely). With
    /// `may_spin`, spins first while this thread's waits have been short.
    pub(crate) fn wait(&self, may_spin: bool) -> WaitEnd {
        if self.signal.woken.load(Ordering::Acquire) {
            // Woken during the poll (a yield, a spent budget, an event that raced the poll):
            // poll again at once, no spin and no batch window.
            self.parker.park_timeout(Duration::ZERO);
            return WaitEnd::WokenDuringPoll;
        }
        let spin = may_spin && self.spins_now();
        if spin && self.spin() {
            batch_window();
            // Take the token if the unpark came already; else the next park returns early.
            self.parker.park_timeout(Duration::ZERO);
            return WaitEnd::Spun;
        }
        // Spin next time only if this sleep is short and the wake-up slow (loom has no clock:
        // models keep spinning).
        let parked_at = (may_spin && !cfg!(all(test, loom))).then(now_ns);
        self.parker.park();
        let slept = parked_at.map(|parked_at| {
            let now = now_ns();
            self.measure_wake_up(parked_at, now);
            Duration::from_nanos(now.saturating_sub(parked_at))
        });
        if let Some(slept) = slept {
            self.spins.set(slept <= LONG);
        }
        WaitEnd::Slept(slept)
    }

    /// Whether a wait that may spin does: its waits have been short, and its wake-ups slow.
    fn spins_now(&self) -> bool {
        self.spins.get() && self.wake_up.get() >= SLOW_WAKE_UP
    }

    /// After a sleep from `parked_at` to `now`: if the waker was called during it, folds the
    /// time from that call to `now` into [`ThreadPark::wake_up`] (a quarter of the new sample).
    #[cfg(not(all(test, loom)))]
    fn measure_wake_up(&self, parked_at: u64, now: u64) {
        let woken_at = self.signal.woken_at.load(Ordering::Relaxed);
        if woken_at < parked_at {
            // Woken before the sleep began (the park returned on the token): nothing to learn.
            return;
        }
        let sample = Duration::from_nanos(now.saturating_sub(woken_at));
        self.wake_up.set((self.wake_up.get() * 3 + sample) / 4);
    }

    #[cfg(all(test, loom))]
    fn measure_wake_up(&self, _parked_at: u64, _now: u64) {}

    /// Spins until the waker is called (`true`) or for [`SPIN`] (`false`).
    #[cfg(not(all(test, loom)))]
    fn spin(&self) -> bool {
        let deadline = Instant::now() + SPIN;
        loop {
            for _ in 0..32 {
                if self.signal.woken.load(Ordering::Acquire) {
                    return true;
                }
                std::hint::spin_loop();
            }
            if Instant::now() >= deadline {
                return false;
            }
        }
    }

    /// Under loom: two looks, each a point where the model may switch threads.
    #[cfg(all(test, loom))]
    fn spin(&self) -> bool {
        for _ in 0..2 {
            if self.signal.woken.load(Ordering::Acquire) {
                return true;
            }
            crate::loom::spin_loop_hint();
        }
        false
    }
}

/// Nanoseconds since this process first asked: a clock that fits in an atomic.
fn now_ns() -> u64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let elapsed = START.get_or_init(Instant::now).elapsed();
    u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
}

/// [`BATCH`] of spinning (nothing under loom: it has no clock, and the window is no part of
/// the protocol).
fn batch_window() {
    if cfg!(all(test, loom)) {
        return;
    }
    let until = Instant::now() + BATCH;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

impl fmt::Debug for ThreadPark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPark")
            .field("spins", &self.spins.get())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn a_wake_during_the_poll_makes_the_wait_return_at_once_without_spinning() {
        let park = ThreadPark::new();
        park.before_poll();
        park.waker().wake_by_ref(); // the future woke itself (a yield, a spent budget)
        assert_eq!(park.wait(true), WaitEnd::WokenDuringPoll);
        assert!(park.spins.get());
        // And the next wait is ended by the next wake.
        park.before_poll();
        let waker = park.waker().clone();
        let waking = thread::spawn(move || {
            thread::sleep(Duration::from_millis(5));
            waker.wake();
        });
        let end = park.wait(false);
        waking.join().unwrap();
        // A waiter preempted through the 5 ms finds the wake already there: no sleep.
        if end != WaitEnd::WokenDuringPoll {
            assert_eq!(
                end,
                WaitEnd::Slept(None),
                "a wait that may not spin sleeps untimed"
            );
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "races a 20 µs spin against a 5 ms sleep in real time, which the interpreter's \
                  pace decides: with the waker reading the clock too, every spin outlasts it"
    )]
    fn a_long_sleep_turns_spinning_off() {
        // Woken 5 ms after the wait begins: far past the 20 µs spin, and longer than `LONG`.
        // A waiter preempted for those 5 ms (CI's shared cores do that) sees the wake in its
        // spin, or sleeps only briefly after it, and rightly keeps spinning on; so the test
        // asks for a long sleep in up to ten tries, and checks every try, however it ended.
        for _ in 0..10 {
            let park = ThreadPark::new();
            assert!(park.spins.get());
            park.before_poll();
            let waker = park.waker().clone();
            let waking = thread::spawn(move || {
                thread::sleep(LONG * 10);
                waker.wake();
            });
            let end = park.wait(true);
            waking.join().unwrap();
            match end {
                WaitEnd::Slept(Some(slept)) if slept > LONG => {
                    assert!(
                        !park.spins.get(),
                        "a sleep longer than LONG left spinning on"
                    );
                    return;
                }
                WaitEnd::Slept(Some(_)) => assert!(park.spins.get(), "a short sleep turned it off"),
                WaitEnd::Slept(None) => panic!("a wait that may spin did not time its sleep"),
                WaitEnd::Spun => assert!(park.spins.get(), "a wait that spun turned spinning off"),
                WaitEnd::WokenDuringPoll => panic!("no wake came during the poll"),
            }
        }
        panic!("ten 5 ms waits all ended in their 20 µs spin");
    }

    #[test]
    fn the_wake_up_latency_is_an_average_of_the_sleeps_woken_during_them() {
        let park = ThreadPark::new();
        assert_eq!(park.wake_up.get(), SLOW_WAKE_UP);
        assert!(
            park.spins_now(),
            "spins until a sleep has measured the machine"
        );
        let woken_at = |ns: u64| park.signal.woken_at.store(ns, Ordering::Relaxed);
        // Woken 1 µs before the thread ran again: a quarter of that comes in.
        woken_at(10_000);
        park.measure_wake_up(5_000, 11_000);
        assert_eq!(park.wake_up.get(), Duration::from_nanos(4_000));
        assert!(!park.spins_now(), "a fast wake-up turns spinning off");
        // Woken before the sleep began (the park returned on the token): no sample.
        woken_at(1_000);
        park.measure_wake_up(5_000, 30_000);
        assert_eq!(park.wake_up.get(), Duration::from_nanos(4_000));
        // A slow wake-up (20 µs) turns it back on.
        woken_at(40_000);
        park.measure_wake_up(30_000, 60_000);
        assert_eq!(park.wake_up.get(), Duration::from_nanos(8_000));
        assert!(park.spins_now());
        // Both rules hold: a long sleep turns spinning off whatever the wake-ups cost.
        park.spins.set(false);
        assert!(!park.spins_now());
    }

    #[test]
    fn a_sleep_woken_by_another_thread_measures_the_wake_up() {
        // A waiter preempted through the 5 ms (CI's shared cores do that) sees the wake in its
        // spin, or reads the clock for its sleep after the waker read it and returns on the
        // token: both rightly take no sample. So the test asks for a sampled sleep in up to ten
        // tries, and checks every try, however it ended. Miri runs the waiter's path to its
        // sleep in milliseconds: there the wake comes later.
        let wake_after = Duration::from_millis(if cfg!(miri) { 100 } else { 5 });
        for _ in 0..10 {
            let park = ThreadPark::new();
            park.before_poll();
            let waker = park.waker().clone();
            let waking = thread::spawn(move || {
                thread::sleep(wake_after);
                waker.wake();
            });
            let end = park.wait(true);
            waking.join().unwrap();
            match end {
                WaitEnd::Slept(Some(_)) if park.wake_up.get() != SLOW_WAKE_UP => return,
                // Woken before the sleep began: nothing to measure.
                WaitEnd::Slept(Some(_)) => {}
                WaitEnd::Spun => assert_eq!(park.wake_up.get(), SLOW_WAKE_UP),
                other => panic!("a wake 5 ms later ended the wait as {other:?}"),
            }
        }
        panic!("ten sleeps woken 5 ms later took no sample of the wake-up");
    }

    #[test]
    fn a_wait_that_may_not_spin_leaves_the_spin_setting_alone() {
        let park = ThreadPark::new();
        park.spins.set(false);
        park.before_poll();
        park.waker().wake_by_ref();
        assert_eq!(park.wait(false), WaitEnd::WokenDuringPoll);
        assert!(!park.spins.get());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! The waker against the waiting thread, through the production `ThreadPark`: a wake is
    //! never lost, whether it comes before, during or after the poll, with and without the
    //! spin (two looks under loom).
    use super::*;
    use crate::loom::{thread, Arc};

    /// The waiter polls (reads `event`) until it is set, waiting between polls; another thread
    /// sets `event` and wakes it. A lost wake-up leaves the waiter parked: loom reports it.
    fn waiter_sees_the_event(may_spin: bool) {
        loom::model(move || {
            let park = ThreadPark::new();
            let event = Arc::new(AtomicBool::new(false));
            let waker = park.waker().clone();
            let setter = {
                let event = event.clone();
                thread::spawn(move || {
                    event.store(true, Ordering::Release);
                    waker.wake();
                })
            };
            loop {
                park.before_poll();
                if event.load(Ordering::Acquire) {
                    break;
                }
                park.wait(may_spin);
            }
            setter.join().unwrap();
        });
    }

    #[test]
    fn loom_thread_park_wake_is_never_lost_spinning() {
        waiter_sees_the_event(true);
    }

    #[test]
    fn loom_thread_park_wake_is_never_lost_sleeping() {
        waiter_sees_the_event(false);
    }

    #[test]
    fn loom_thread_park_two_wakes_one_event_each() {
        // Two events from two threads, each followed by a wake: the waiter sees both.
        loom::model(|| {
            let park = ThreadPark::new();
            let events = Arc::new(crate::loom::AtomicUsize::new(0));
            let setters: Vec<_> = (0..2)
                .map(|_| {
                    let (events, waker) = (events.clone(), park.waker().clone());
                    thread::spawn(move || {
                        events.fetch_add(1, Ordering::Release);
                        waker.wake();
                    })
                })
                .collect();
            loop {
                park.before_poll();
                if events.load(Ordering::Acquire) == 2 {
                    break;
                }
                park.wait(true);
            }
            for setter in setters {
                setter.join().unwrap();
            }
        });
    }
}
