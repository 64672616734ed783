//! How a scheduler thread sleeps and how it is woken: the whole handshake, for both schedulers.
//!
//! A sleeping thread waits in one of two places. The first sleeper to find the **driver** free
//! takes it and waits in the reactor (`epoll_wait`, with the nearest timer as its timeout), so
//! that I/O events and timers wake it; every other sleeper waits on its own **condition
//! variable**. Each thread has a [`Parker`], whose state word says where it sleeps, and others
//! wake it through the matching [`Unparker`] (the same word): the waker pays for an eventfd
//! write only when the sleeper sits in the reactor, and for a condition variable only when it
//! waits on one (tokio's `multi_thread/park.rs` has the same four states).
//!
//! ```text
//!             park: driver free              turn returns (event, timer, notify)
//!   EMPTY ──────────────────────> PARKED_DRIVER ───────────────────────────> EMPTY
//!     │ park: driver taken                   unpark: notify the reactor ─┘
//!     └──────────────────────────> PARKED_CONDVAR ── unpark: signal ──> NOTIFIED ──> EMPTY
//!   unpark from any state: ──> NOTIFIED; the next park consumes it and returns at once
//! ```
//!
//! The no-lost-wake-up argument, holder against notifier: `unpark` *swaps* `NOTIFIED` into the
//! word and acts on what it replaced; `park` moves `EMPTY` to a parked state with a
//! compare-exchange before it blocks. The two are ordered on the one word, so either the
//! notifier sees the parked state (and interrupts that exact wait: the reactor's notify and the
//! condition variable's signal are both sticky, so a wake-up sent just before the wait starts
//! still ends it), or the parker's compare-exchange fails on `NOTIFIED` and it returns without
//! blocking. A condition-variable waiter checks the word under its mutex, and the notifier takes
//! that mutex before it signals, so the signal cannot fall between the check and the wait.
//!
//! Invariants:
//! - At most one thread is inside the driver (`Driver::locked`, taken with a compare-exchange
//!   and released by a guard): the reactor lets one thread wait, and the time driver records one
//!   holder's deadline.
//! - Only threads that park take the driver (to sleep in it, or to poll it while awake): the
//!   last thread to park then always finds it free, so whenever every thread sleeps one of them
//!   sleeps in the driver. A thread that never parks (the monitor) polls the reactor without
//!   taking the driver (`poll_from_outside`); this relies on the reactor's turn being
//!   exclusive (a turn while another is in progress returns at once, consuming nothing).
//! - A parker is parked by one thread at a time (the owner of the `Parker`, which is not
//!   `Clone`); any number of threads may unpark it.
//! - `park` may return without a notification (an I/O event or a timer woke the driver holder,
//!   a spurious wake-up): callers re-check their condition and park again.
//!
//! The loom models in `multi_thread/loom_tests.rs` run this code (with the reactor's stand-in,
//! see `io_driver.rs`) against notifiers, with the multi-thread scheduler's idle set around it.

use super::io_driver::IoDriver;
use crate::loom::{
    lock, Arc, AtomicBool, AtomicUsize, Condvar, Mutex,
    Ordering::{Relaxed, SeqCst},
};
use crate::time::driver::TimeDriver;
use std::fmt;
use std::time::Duration;

/// Not parked, and no notification pending.
const EMPTY: usize = 0;
/// Waiting on the parker's condition variable.
const PARKED_CONDVAR: usize = 1;
/// Waiting in the driver (the reactor's wait).
const PARKED_DRIVER: usize = 2;
/// Woken: the next `park` returns at once.
const NOTIFIED: usize = 3;

/// The runtime's drivers, I/O and time, which one sleeping thread at a time waits in.
pub(crate) struct Driver {
    /// A thread is inside: parked in the reactor, or polling it.
    locked: AtomicBool,
    /// Turns of the driver taken by its holders (wrapping): the monitor skips its own poll
    /// while this moves (see `Driver::turns`).
    turns: AtomicUsize,
    io: IoDriver,
    time: Arc<TimeDriver>,
}

impl Driver {
    /// A driver over `io` and its runtime's timers; `time` must wake the holder through
    /// [`IoDriver::notify`] (see [`Driver::time_wake`]).
    pub(crate) fn new(io: IoDriver, time: Arc<TimeDriver>) -> Driver {
        Driver {
            locked: AtomicBool::new(false),
            turns: AtomicUsize::new(0),
            io,
            time,
        }
    }

    /// What the time driver calls when a timer earlier than the holder's deadline is
    /// registered: cut the holder's wait short so that it recomputes its timeout.
    pub(crate) fn time_wake(io: IoDriver) -> Box<dyn Fn() + Send + Sync> {
        Box::new(move || io.notify())
    }

    pub(crate) fn io(&self) -> &IoDriver {
        &self.io
    }

    /// Whether a thread is inside the driver (sleeping in it, or polling it).
    pub(crate) fn is_locked(&self) -> bool {
        self.locked.load(SeqCst)
    }

    /// How many turns (polls, or sleeps that ended) its holders have taken, wrapping: a value
    /// that changed between two reads says a scheduler thread looked at I/O and timers in
    /// between. Turns from outside (`poll_from_outside`) do not count.
    pub(crate) fn turns(&self) -> usize {
        self.turns.load(Relaxed)
    }

    fn try_lock(&self) -> Option<DriverGuard<'_>> {
        self.locked
            .compare_exchange(false, true, SeqCst, SeqCst)
            .ok()
            .map(|_| DriverGuard { driver: self })
    }

    /// For a scheduler thread that is awake: polls for I/O and fires the due timers without
    /// sleeping, unless another thread is inside the driver (it does that itself when it
    /// wakes); whether it polled. The caller will park later, so leaving the driver to it for
    /// a moment cannot leave every sleeper on its condition variable.
    fn poll_now(&self) -> bool {
        match self.try_lock() {
            Some(guard) => {
                guard.poll();
                true
            }
            None => false,
        }
    }

    /// For a thread that never parks here (the monitor): polls for I/O and fires the due timers
    /// without taking the driver. A worker that parks meanwhile must find the driver free, or
    /// it would sleep on its condition variable with no one left in the driver to see the next
    /// event (the last sleeper must be the driver's). If a worker is inside the reactor at that
    /// moment, this turn returns at once (the reactor lets one thread turn at a time, and
    /// consumes nothing of the other's), and that worker handles the events.
    pub(crate) fn poll_from_outside(&self) {
        self.io.turn(Some(Duration::ZERO));
        self.time.process();
    }
}

/// The driver, held.
struct DriverGuard<'a> {
    driver: &'a Driver,
}

impl DriverGuard<'_> {
    /// Waits for I/O until the nearest timer (or a notification), then fires the due timers.
    fn sleep(&self) {
        let timeout = self.driver.time.before_park();
        self.driver.io.turn(timeout);
        self.driver.time.after_park();
        self.count_turn();
    }

    fn poll(&self) {
        self.driver.io.turn(Some(Duration::ZERO));
        self.driver.time.process();
        self.count_turn();
    }

    /// Only the holder writes `turns`, so a load and a store suffice (no read-modify-write).
    fn count_turn(&self) {
        let turns = &self.driver.turns;
        turns.store(turns.load(Relaxed).wrapping_add(1), Relaxed);
    }
}

impl Drop for DriverGuard<'_> {
    fn drop(&mut self) {
        self.driver.locked.store(false, SeqCst);
    }
}

/// The sleeping side of one thread's park state.
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// Wakes the thread that owns the matching [`Parker`], wherever it sleeps.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    driver: Arc<Driver>,
}

impl Parker {
    /// A parker whose thread may sleep in `driver`.
    pub(crate) fn new(driver: Arc<Driver>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                driver,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Sleeps until unparked: in the driver if no other thread is in it (then I/O events and
    /// due timers end the sleep too), else on the condition variable. Returns at once if an
    /// unpark came since the last `park`.
    pub(crate) fn park(&self) {
        let inner = &*self.inner;
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        match inner.driver.try_lock() {
            Some(driver) => inner.park_driver(&driver),
            None => inner.park_condvar(),
        }
    }

    /// Polls the driver without sleeping if no other thread is in it (a busy thread's look at
    /// I/O and timers); whether it polled. Leaves a pending notification for the next `park`.
    pub(crate) fn park_yield(&self) -> bool {
        self.inner.driver.poll_now()
    }
}

impl Inner {
    /// Moves the word from `EMPTY` to `parked`; `false` if a notification came since the first
    /// check (then it is consumed, and the caller goes back to work without sleeping).
    fn enter(&self, parked: usize) -> bool {
        match self.state.compare_exchange(EMPTY, parked, SeqCst, SeqCst) {
            Ok(_) => true,
            Err(actual) => {
                assert_eq!(
                    actual, NOTIFIED,
                    "a parker was parked from two threads at once"
                );
                self.state.swap(EMPTY, SeqCst);
                false
            }
        }
    }

    fn park_driver(&self, driver: &DriverGuard<'_>) {
        if !self.enter(PARKED_DRIVER) {
            return;
        }
        driver.sleep();
        match self.state.swap(EMPTY, SeqCst) {
            // `NOTIFIED`: woken by `unpark`; `PARKED_DRIVER`: by I/O, a timer, or a spurious
            // return. Either way the caller looks for work.
            NOTIFIED | PARKED_DRIVER => {}
            actual => unreachable!("a parker left the driver in state {actual}"),
        }
    }

    fn park_condvar(&self) {
        let mut guard = lock(&self.mutex);
        if !self.enter(PARKED_CONDVAR) {
            return;
        }
        loop {
            guard = self
                .condvar
                .wait(guard)
                .unwrap_or_else(|error| error.into_inner());
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
            // A spurious wake-up: still PARKED_CONDVAR, wait again.
        }
    }
}

impl Unparker {
    /// Wakes the parker's thread if it sleeps, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Taking the mutex orders this signal after the sleeper's check of the state
                // word (made under the mutex), so the signal cannot fall before its wait.
                drop(lock(&inner.mutex));
                inner.condvar.notify_one();
            }
            PARKED_DRIVER => inner.driver.io.notify(),
            actual => unreachable!("a parker in state {actual}"),
        }
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Parker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parker")
            .field("state", &self.inner.state.load(SeqCst))
            .finish()
    }
}

impl fmt::Debug for Unparker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unparker").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
