//! The time driver: one runtime's timers, in [`Wheel`]s behind mutexes (one *shard* per worker),
//! driven by the runtime's park loop.
//!
//! The runtime creates one `TimeDriver` per runtime (`TimeDriver::new(wake_driver, shards)`),
//! keeps it in an `Arc`, and:
//! - before a worker blocks as the driver holder, calls `before_park()` to learn how long it may
//!   sleep (`None`: no timer is pending, sleep until woken); the driver records that deadline;
//! - after it wakes, calls `after_park()`, which clears the recorded deadline and fires every
//!   expired timer (waking their tasks);
//! - from the monitor thread, calls `process()` to fire expired timers without parking when no
//!   worker sits in the driver;
//! - on shutdown, calls `shutdown()`.
//!
//! Why shards: a server that puts a timeout on every request registers and cancels a timer per
//! request on every worker at once; behind one mutex, those workers queued on it (a third of
//! the CPU in a scratch run of 64 tasks each looping on `timeout(1 s, yield_now())` on 4
//! workers). A timer goes into the shard of the worker that registers it (`worker_index`, else a
//! per-thread hash), and its [`TimerKey`] remembers which; firing and the holder's deadline visit
//! every shard. (tokio 1.54's timer is one wheel behind one mutex, as weft's was; its unstable
//! alternative timer keeps timers per worker.)
//!
//! Invariants:
//! - Ticks are whole milliseconds since `start`. A deadline rounds *up* to a tick and "now"
//!   rounds *down*, so a timer fires only once `now >= deadline`. A `fire` advances every
//!   shard whose wheel has something to do by its tick (`ShardSlot::due_from`, a lower bound
//!   of the wheel's next action); a skipped wheel keeps an older `elapsed`, which only puts
//!   timers registered later a level higher.
//! - Wakers are never woken nor dropped while the wheel's lock is held: expired ones are
//!   collected in a stack batch of [`BATCH`](super::wheel::BATCH), the lock released, the batch
//!   woken, and so on. A waker may re-enter the driver (drop another `Sleep`) without deadlock.
//! - `wake_driver` is called (outside any lock) only when a registration's tick is earlier than
//!   the one the parked holder sleeps until (`parked_until`); the registrar swaps the recorded
//!   tick for `NOBODY` first, so a burst of registrations wakes the holder once. `wake_driver`
//!   must be sticky (a wake that comes before the holder actually blocks must still end its next
//!   block), as `Poller::notify` and parkers are.
//! - No registration is missed by a holder going to sleep: the holder stores `NO_TIMEOUT` (every
//!   registration wakes it) *before* it reads the shards' next expirations, each under its
//!   shard's lock, and then replaces it by the earliest (only if nobody woke it meanwhile). A
//!   registrar inserts under the shard's lock and *then* reads `parked_until`. If the holder read
//!   that shard before the insert, its lock of the shard came first, so its store is visible to
//!   the registrar's read: `NO_TIMEOUT` (wake), or the earliest it found (wake if the new timer
//!   is earlier), or `NOBODY` (someone woke it already; it will read the shards again). All
//!   three are `SeqCst`, and the loom model `register_in_another_shard_races_before_park` runs
//!   the race.
//! - After `shutdown`, nothing can register: every timer was woken, and a `Sleep` that polls
//!   again panics.

use super::clock::Clock;
use super::wheel::{Expired, Key, WakerUpdate, Wheel};
#[cfg(test)]
use crate::loom::AtomicUsize;
use crate::loom::{lock, AtomicBool, AtomicU64, Mutex, MutexGuard, Ordering};
use crossbeam_utils::CachePadded;
use std::fmt;
use std::task::Waker;
use std::time::{Duration, Instant};

/// Ticks are clamped to this (about 35,000 years): deadlines past it fire at it, and the `Sleep`
/// that sees its deadline still ahead registers again, so nothing completes early.
const MAX_TICK: u64 = 1 << 50;

/// `parked_until` when no holder sleeps on the recorded tick (awake, or already woken):
/// registrations wake nobody.
const NOBODY: u64 = u64::MAX;
/// `parked_until` while the holder sleeps with no timer pending, and while it reads the shards
/// before it sleeps: every registration (ticks never exceed `MAX_TICK`) wakes it.
const NO_TIMEOUT: u64 = u64::MAX - 1;

/// Names a registered timer: its shard, and its key in that shard's wheel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    shard: u32,
    key: Key,
}

/// The runtime that owned a timer has shut down.
#[derive(Debug)]
pub(super) struct Shutdown;

/// One runtime's timers.
pub(crate) struct TimeDriver {
    /// Tick 0.
    start: Instant,
    /// Padded: each worker registers in its own shard, whose lock should not share a cache line
    /// with its neighbour's.
    shards: Box<[CachePadded<ShardSlot>]>,
    /// The tick the parked driver holder sleeps until: `NO_TIMEOUT` with no timer pending (and
    /// while it looks), `NOBODY` when no holder sleeps on it (see the module's invariants).
    parked_until: AtomicU64,
    /// Mirrors `Shard::shutdown`, so a poll can check it without a lock.
    is_shutdown: AtomicBool,
    wake_driver: Box<dyn Fn() + Send + Sync>,
    /// The real clock, or with `test-util` one that can pause (see `clock.rs`). The time
    /// module's own tests use a paused one (`new_manual`).
    clock: Clock,
}

/// One shard: a wheel, and whether shutdown has closed it to registrations.
struct Shard {
    wheel: Wheel,
    shutdown: bool,
}

/// A shard's lock, and a hint read without it.
struct ShardSlot {
    shard: Mutex<Shard>,
    /// The shard's wheel has nothing to do (no timer to fire, no slot to cascade) before this
    /// tick (`u64::MAX`: none pending), so `fire` skips the lock of a shard with nothing due:
    /// every parked holder's turn, busy worker's driver poll and monitor look fires, and most
    /// of them find most shards with nothing due.
    ///
    /// A lower bound of the wheel's `next_expiration`, written only under the lock: lowered to
    /// a timer's `Wheel::next_action` when one is registered or reset (not to its deadline: a
    /// far timer's slot must be cascaded before it, or following `next_expiration` with fires
    /// would never get there), recomputed from the wheel after a fire, left alone by a cancel
    /// (a stale low value costs one needless lock). A firer that reads it just before a
    /// concurrent registration lowers it skips a timer that became due within that instant (its
    /// registrar saw its deadline still ahead): the next fire takes it, and the holder's
    /// `before_park`, which reads every wheel under its lock, never sleeps past it.
    due_from: AtomicU64,
}

impl ShardSlot {
    /// Under the shard's lock: a timer at `tick` is pending.
    fn lower_due_from(&self, tick: u64) {
        if tick < self.due_from.load(Ordering::Relaxed) {
            self.due_from.store(tick, Ordering::Relaxed);
        }
    }
}

impl fmt::Debug for TimeDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeDriver")
            .field("start", &self.start)
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

impl TimeDriver {
    /// A driver on the real clock whose tick 0 is now, with `shards` wheels (one per worker);
    /// `wake_driver` interrupts the parked driver holder.
    pub(crate) fn new(wake_driver: Box<dyn Fn() + Send + Sync>, shards: usize) -> TimeDriver {
        TimeDriver::with_clock(wake_driver, Clock::new(false, false), shards)
    }

    /// A driver on `clock`, whose tick 0 is the clock's origin.
    pub(crate) fn with_clock(
        wake_driver: Box<dyn Fn() + Send + Sync>,
        clock: Clock,
        shards: usize,
    ) -> TimeDriver {
        assert!(shards > 0, "a time driver needs at least one shard");
        TimeDriver {
            start: clock.origin(),
            shards: (0..shards)
                .map(|_| {
                    CachePadded::new(ShardSlot {
                        shard: Mutex::new(Shard {
                            wheel: Wheel::new(),
                            shutdown: false,
                        }),
                        due_from: AtomicU64::new(u64::MAX),
                    })
                })
                .collect(),
            parked_until: AtomicU64::new(NOBODY),
            is_shutdown: AtomicBool::new(false),
            wake_driver,
            clock,
        }
    }

    /// The driver's clock.
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Interrupts the parked driver holder (sticky: a holder about to park returns at once).
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn unpark(&self) {
        (self.wake_driver)();
    }

    /// How long the driver holder may sleep (`None`: no timer pending), rounded up to whole
    /// milliseconds; records that deadline, so that an earlier registration calls `wake_driver`.
    pub(crate) fn before_park(&self) -> Option<Duration> {
        // From here on every registration wakes the holder, until it records its deadline
        // (see the module's invariants for why this store comes first).
        self.parked_until.store(NO_TIMEOUT, Ordering::SeqCst);
        let next = self.next_expiration();
        // A registrar that found `NO_TIMEOUT` swapped in `NOBODY` and woke the holder: then
        // leave it, the wait ends at once and the next `before_park` looks again.
        let _ = self.parked_until.compare_exchange(
            NO_TIMEOUT,
            next.unwrap_or(NO_TIMEOUT),
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
        let now = self.now();
        next.map(|tick| {
            let wait = self.tick_instant(tick).saturating_duration_since(now);
            let millis = wait.as_nanos().div_ceil(1_000_000);
            Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
        })
    }

    /// Clears the recorded park deadline and fires every expired timer; the number fired.
    pub(crate) fn after_park(&self) -> usize {
        self.fire(self.now_tick(), true)
    }

    /// Fires every expired timer without parking; the number fired.
    pub(crate) fn process(&self) -> usize {
        self.fire(self.now_tick(), false)
    }

    /// No pending timer fires before this instant; it is the earliest deadline itself unless
    /// that deadline shares a wheel slot with more than 64 timers or is over 12 days away (then
    /// a slot boundary before it, where the wheel cascades; see `Wheel::next_expiration`).
    /// (The schedulers read it through `before_park`; the driver's tests read it directly.)
    #[cfg_attr(any(not(test), loom), allow(dead_code))]
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.next_expiration().map(|tick| self.tick_instant(tick))
    }

    /// The earliest of the shards' next expirations, each read under its shard's lock.
    fn next_expiration(&self) -> Option<u64> {
        (0..self.shards.len())
            .filter_map(|shard| self.shard(shard).wheel.next_expiration())
            .min()
    }

    fn shard(&self, shard: usize) -> MutexGuard<'_, Shard> {
        lock(&self.shards[shard].shard)
    }

    /// The shard the calling thread registers in: its worker's, or one picked by a per-thread
    /// hash for other threads (`block_on`, the blocking pool), so they spread too.
    fn home_shard(&self) -> usize {
        let n = self.shards.len();
        if n == 1 {
            return 0;
        }
        match crate::scheduler::worker_index() {
            Some(index) => index % n,
            None => thread_hash() % n,
        }
    }

    /// Wakes every pending timer and refuses new ones; a `Sleep` polled afterwards panics.
    pub(crate) fn shutdown(&self) {
        self.is_shutdown.store(true, Ordering::Release);
        self.parked_until.store(NOBODY, Ordering::SeqCst);
        let mut out = Expired::new();
        for shard in 0..self.shards.len() {
            loop {
                let more = {
                    let mut shard = self.shard(shard);
                    shard.shutdown = true;
                    shard.wheel.drain(&mut out)
                };
                out.wake_all();
                if !more {
                    break;
                }
            }
        }
    }

    /// Whether `shutdown` was called.
    pub(super) fn is_shutdown(&self) -> bool {
        self.is_shutdown.load(Ordering::Acquire)
    }

    /// The driver's clock: the real one, or (with `test-util`) one that may be paused. For a
    /// `new_manual` driver in unit tests it starts at `start` and moves only with `advance`
    /// (deterministic, under miri too).
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The tick of a deadline, rounded up: the timer fires at a tick whose start is not before
    /// `deadline`.
    pub(super) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        let millis = since.as_nanos().div_ceil(1_000_000);
        u64::try_from(millis).unwrap_or(u64::MAX).min(MAX_TICK)
    }

    /// The current tick, rounded down.
    fn now_tick(&self) -> u64 {
        let since = self.now().saturating_duration_since(self.start);
        u64::try_from(since.as_millis())
            .unwrap_or(u64::MAX)
            .min(MAX_TICK)
    }

    fn tick_instant(&self, tick: u64) -> Instant {
        self.start + Duration::from_millis(tick)
    }

    /// Registers a timer at `tick` in the caller's shard; wakes the parked holder if it sleeps
    /// past it.
    pub(super) fn register(&self, tick: u64, waker: &Waker) -> Result<TimerKey, Shutdown> {
        self.register_in(self.home_shard(), tick, waker)
    }

    /// [`register`](Self::register) in a given shard.
    fn register_in(&self, shard: usize, tick: u64, waker: &Waker) -> Result<TimerKey, Shutdown> {
        let waker = waker.clone();
        let key = {
            let mut guard = self.shard(shard);
            if guard.shutdown {
                return Err(Shutdown);
            }
            let key = guard.wheel.insert(tick, waker);
            let action = guard.wheel.next_action(key).expect("a timer just inserted");
            self.shards[shard].lower_due_from(action);
            key
        };
        // After the insert, outside the lock (see the module's invariants).
        self.wake_holder_if_before(tick);
        Ok(TimerKey {
            shard: shard as u32,
            key,
        })
    }

    /// Wakes the parked holder if it sleeps past `tick`, swapping the recorded tick for
    /// `NOBODY` first, so that only one of many registrars wakes it.
    fn wake_holder_if_before(&self, tick: u64) {
        let mut until = self.parked_until.load(Ordering::SeqCst);
        while until != NOBODY && tick < until {
            match self.parked_until.compare_exchange_weak(
                until,
                NOBODY,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => {
                    (self.wake_driver)();
                    return;
                }
                Err(actual) => until = actual,
            }
        }
    }

    /// Points a pending timer at `waker`; `Ok(false)` if it is no longer pending (it fired).
    pub(super) fn update_waker(&self, key: TimerKey, waker: &Waker) -> Result<bool, Shutdown> {
        let update = {
            let mut shard = self.shard(key.shard as usize);
            if shard.shutdown {
                return Err(Shutdown);
            }
            shard.wheel.update_waker(key.key, waker)
        };
        match update {
            WakerUpdate::Unchanged => Ok(true),
            WakerUpdate::Replaced(old) => {
                // Outside the lock: dropping a waker may run arbitrary code.
                drop(old);
                Ok(true)
            }
            WakerUpdate::Gone => Ok(false),
        }
    }

    /// Moves a pending timer to `tick`, keeping its waker; `false` if it is no longer pending.
    pub(super) fn reset(&self, key: TimerKey, tick: u64) -> bool {
        let pending = {
            let mut guard = self.shard(key.shard as usize);
            let pending = guard.wheel.reset(key.key, tick);
            if pending {
                let action = guard
                    .wheel
                    .next_action(key.key)
                    .expect("a timer just reset");
                self.shards[key.shard as usize].lower_due_from(action);
            }
            pending
        };
        if pending {
            self.wake_holder_if_before(tick);
        }
        pending
    }

    /// Removes a timer; a no-op if it already fired.
    pub(super) fn cancel(&self, key: TimerKey) {
        let waker = self.shard(key.shard as usize).wheel.cancel(key.key);
        // The guard is gone: the waker drops outside the lock.
        drop(waker);
    }

    /// Whether the timer is still pending (not fired, not cancelled).
    pub(super) fn is_pending(&self, key: TimerKey) -> bool {
        self.shard(key.shard as usize)
            .wheel
            .state(key.key)
            .is_some()
    }

    /// Advances the wheel of every shard with a timer due by `tick` to it, and wakes what
    /// expired, a batch at a time. (A shard with nothing due keeps its older `elapsed`: the
    /// wheel places later timers from there, correctly, if a level higher.)
    fn fire(&self, tick: u64, clear_park: bool) -> usize {
        if clear_park {
            self.parked_until.store(NOBODY, Ordering::SeqCst);
        }
        let mut out = Expired::new();
        let mut fired = 0;
        for slot in self.shards.iter() {
            if slot.due_from.load(Ordering::Relaxed) > tick {
                continue;
            }
            loop {
                let more = {
                    let mut shard = lock(&slot.shard);
                    let more = shard.wheel.poll_expired(tick, &mut out);
                    let next = shard.wheel.next_expiration().unwrap_or(u64::MAX);
                    slot.due_from.store(next, Ordering::Relaxed);
                    more
                };
                fired += out.wake_all();
                if !more {
                    break;
                }
            }
        }
        fired
    }
}

/// A number that differs between threads (a hash of the thread's id, computed once per thread).
fn thread_hash() -> usize {
    use std::hash::{Hash, Hasher};
    thread_local! {
        static HASH: usize = {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            std::thread::current().id().hash(&mut hasher);
            hasher.finish() as usize
        };
    }
    HASH.with(|hash| *hash)
}

#[cfg(any(test, feature = "test-util"))]
impl TimeDriver {
    /// With the clock paused and nothing inhibiting auto-advance: how far the clock must jump
    /// to reach the next expiration of the wheel (zero if one is due already); `None` when the
    /// clock runs, a blocking job is in flight, or no timer is pending.
    pub(crate) fn auto_advance_jump(&self) -> Option<Duration> {
        if !self.clock.can_auto_advance() {
            return None;
        }
        let next = self.next_expiration()?;
        Some(
            self.tick_instant(next)
                .saturating_duration_since(self.now()),
        )
    }

    /// Moves the paused clock forward by `by` (see `auto_advance_jump`).
    ///
    /// # Panics
    /// If the clock is not paused.
    pub(crate) fn advance_clock(&self, by: Duration) {
        if let Err(message) = self.clock.advance(by) {
            panic!("{message}");
        }
    }
}

#[cfg(test)]
#[cfg_attr(loom, allow(dead_code))]
impl TimeDriver {
    /// A driver on a paused clock that moves only with `advance`.
    pub(crate) fn new_manual(wake_driver: Box<dyn Fn() + Send + Sync>) -> TimeDriver {
        TimeDriver::with_clock(wake_driver, Clock::new(true, true), 1)
    }

    /// A manual driver with `shards` wheels.
    pub(crate) fn new_manual_sharded(
        wake_driver: Box<dyn Fn() + Send + Sync>,
        shards: usize,
    ) -> TimeDriver {
        TimeDriver::with_clock(wake_driver, Clock::new(true, true), shards)
    }

    /// A manual driver with `shards` wheels, and the number of times it calls `wake_driver`
    /// (the driver's unit tests and its loom models).
    pub(crate) fn new_counting(shards: usize) -> (TimeDriver, crate::loom::Arc<AtomicUsize>) {
        let wakes = crate::loom::Arc::new(AtomicUsize::new(0));
        let counter = wakes.clone();
        let driver = TimeDriver::new_manual_sharded(
            Box::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
            shards,
        );
        (driver, wakes)
    }

    /// Shard `shard`'s `due_from` hint.
    pub(super) fn due_from(&self, shard: usize) -> u64 {
        self.shards[shard].due_from.load(Ordering::Relaxed)
    }

    /// Shard `shard`'s wheel's `next_expiration`.
    pub(super) fn shard_next_expiration(&self, shard: usize) -> Option<u64> {
        self.shard(shard).wheel.next_expiration()
    }

    /// Registers in shard `shard` (tests pick the shard; `register` picks the caller's).
    pub(super) fn register_in_shard(
        &self,
        shard: usize,
        tick: u64,
        waker: &Waker,
    ) -> Result<TimerKey, Shutdown> {
        self.register_in(shard, tick, waker)
    }

    /// Moves a manual driver's clock forward.
    ///
    /// # Panics
    /// On a driver with the real clock.
    pub(crate) fn advance(&self, by: Duration) {
        self.advance_clock(by);
    }

    /// Fires the timers due at `tick` (loom has no clock: models drive ticks explicitly).
    pub(crate) fn process_at_tick(&self, tick: u64) -> usize {
        self.fire(tick, false)
    }

    /// Fires the timers due at `now`.
    pub(crate) fn process_at(&self, now: Instant) -> usize {
        let since = now.saturating_duration_since(self.start);
        self.fire(
            u64::try_from(since.as_millis())
                .unwrap_or(MAX_TICK)
                .min(MAX_TICK),
            false,
        )
    }

    /// The number of pending timers.
    pub(crate) fn pending(&self) -> usize {
        (0..self.shards.len())
            .map(|shard| self.shard(shard).wheel.len())
            .sum()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
