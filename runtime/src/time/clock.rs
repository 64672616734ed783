//! The clock of one runtime's timers: the real one, or, with the `test-util` feature, one that
//! can be paused, advanced by hand, and advanced automatically when the runtime is idle.
//!
//! Without `test-util` the clock is `std::time::Instant::now()` and nothing else. With it:
//! - `now = base + (real time since unfrozen)` while running, `now = base` while paused;
//!   pausing folds the elapsed real time into `base`, resuming restarts `unfrozen`, advancing
//!   adds to `base`. So the clock never goes backwards, and resuming continues from where the
//!   paused clock stood (as tokio's does).
//! - Pausing stops the clock on the timer grid (whole milliseconds since `origin`, the
//!   driver's tick 0), rounding up by under a millisecond: a whole-millisecond sleep then ends
//!   exactly at its deadline, where tokio's can end up to 1 ms late after a `pause()` mid-run.
//! - Only a current-thread runtime's clock may pause (`can_pause`): auto-advance needs to know
//!   that *every* task is idle, which only the one thread that runs them all can tell.
//! - `inhibit` counts blocking jobs in flight: while one runs, the runtime may be idle only
//!   because it waits for that job, so the clock must not jump (tokio's rule).
//! - A clock that was never paused reads the real clock without taking its lock (`paused_once`);
//!   and [`ANY_PAUSED`] tells `Instant::now()` whether it needs to look up the current
//!   runtime's clock at all.

#[cfg(any(test, feature = "test-util"))]
pub(crate) use test_util::*;

#[cfg(not(any(test, feature = "test-util")))]
mod real {
    use std::time::Instant;

    /// The real clock.
    #[derive(Debug)]
    pub(crate) struct Clock {
        origin: Instant,
    }

    impl Clock {
        pub(crate) fn new(_can_pause: bool, _start_paused: bool) -> Clock {
            Clock {
                origin: Instant::now(),
            }
        }

        /// The instant the clock was made: the timer grid's tick 0.
        pub(crate) fn origin(&self) -> Instant {
            self.origin
        }

        pub(crate) fn now(&self) -> Instant {
            Instant::now()
        }
    }
}

#[cfg(not(any(test, feature = "test-util")))]
pub(crate) use real::Clock;

#[cfg(any(test, feature = "test-util"))]
mod test_util {
    use crate::loom::{lock, AtomicBool, Mutex, Ordering};
    use std::time::{Duration, Instant};

    /// Set once any clock in the process paused: until then `Instant::now()` skips the
    /// thread-local lookup of the current runtime's clock. A std atomic even under loom: it
    /// only ever goes from `false` to `true`, and a stale `false` means "read the real clock",
    /// which is what an unpaused clock reads anyway.
    pub(crate) static ANY_PAUSED: std::sync::atomic::AtomicBool =
        std::sync::atomic::AtomicBool::new(false);

    pub(crate) const NOT_CURRENT_THREAD: &str = "`time::pause()` requires the current-thread \
        runtime (the default of #[weft::test]): only there can weft tell that every task is \
        idle, which auto-advance needs. Use #[weft::test] or Builder::new_current_thread()";
    pub(crate) const ALREADY_PAUSED: &str = "time is already frozen: time::pause() was called \
        twice without time::resume() in between";
    pub(crate) const NOT_PAUSED: &str = "time is not frozen: call time::pause() first (or use \
        #[weft::test(start_paused = true)])";

    /// A clock that can pause.
    #[derive(Debug)]
    pub(crate) struct Clock {
        /// The instant the clock was made: the timer grid's tick 0 (whole milliseconds from
        /// here are the instants timers fire at).
        origin: Instant,
        can_pause: bool,
        paused_once: AtomicBool,
        state: Mutex<State>,
    }

    #[derive(Debug)]
    struct State {
        base: Instant,
        /// When the clock last started running; `None` while paused.
        unfrozen: Option<Instant>,
        /// Blocking jobs in flight, during which auto-advance waits.
        inhibit: usize,
    }

    impl Clock {
        /// A running clock; paused at once if `start_paused`.
        ///
        /// # Panics
        /// If `start_paused` and the clock cannot pause.
        #[track_caller]
        pub(crate) fn new(can_pause: bool, start_paused: bool) -> Clock {
            let now = Instant::now();
            let clock = Clock {
                origin: now,
                can_pause,
                paused_once: AtomicBool::new(false),
                state: Mutex::new(State {
                    base: now,
                    unfrozen: Some(now),
                    inhibit: 0,
                }),
            };
            if start_paused {
                if let Err(message) = clock.pause() {
                    panic!("{message}");
                }
            }
            clock
        }

        /// The instant the clock was made: the timer grid's tick 0.
        pub(crate) fn origin(&self) -> Instant {
            self.origin
        }

        pub(crate) fn now(&self) -> Instant {
            if !self.paused_once.load(Ordering::Acquire) {
                return Instant::now();
            }
            let state = lock(&self.state);
            match state.unfrozen {
                Some(unfrozen) => state.base + unfrozen.elapsed(),
                None => state.base,
            }
        }

        pub(crate) fn pause(&self) -> Result<(), &'static str> {
            if !self.can_pause {
                return Err(NOT_CURRENT_THREAD);
            }
            let mut state = lock(&self.state);
            let Some(unfrozen) = state.unfrozen.take() else {
                return Err(ALREADY_PAUSED);
            };
            // Stop on the timer grid: round up to the next whole millisecond since `origin`
            // (a step forward of under 1 ms), so that whole-millisecond sleeps from here end
            // exactly at their deadline when auto-advance jumps to them.
            let since = (state.base + unfrozen.elapsed()).saturating_duration_since(self.origin);
            let millis = u64::try_from(since.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX);
            state.base = self.origin + Duration::from_millis(millis);
            self.paused_once.store(true, Ordering::Release);
            ANY_PAUSED.store(true, std::sync::atomic::Ordering::Release);
            Ok(())
        }

        pub(crate) fn resume(&self) -> Result<(), &'static str> {
            let mut state = lock(&self.state);
            if state.unfrozen.is_some() {
                return Err(NOT_PAUSED);
            }
            state.unfrozen = Some(Instant::now());
            Ok(())
        }

        pub(crate) fn advance(&self, by: Duration) -> Result<(), &'static str> {
            let mut state = lock(&self.state);
            if state.unfrozen.is_some() {
                return Err(NOT_PAUSED);
            }
            state.base = state
                .base
                .checked_add(by)
                .ok_or("time::advance: the duration overflows the clock")?;
            Ok(())
        }

        #[cfg(all(test, not(loom)))]
        pub(crate) fn is_paused(&self) -> bool {
            self.paused_once.load(Ordering::Acquire) && lock(&self.state).unfrozen.is_none()
        }

        /// Paused, and no blocking job in flight.
        pub(crate) fn can_auto_advance(&self) -> bool {
            if !self.paused_once.load(Ordering::Acquire) {
                return false;
            }
            let state = lock(&self.state);
            state.unfrozen.is_none() && state.inhibit == 0
        }

        /// A blocking job started.
        pub(crate) fn inhibit_auto_advance(&self) {
            lock(&self.state).inhibit += 1;
        }

        /// A blocking job ended.
        pub(crate) fn allow_auto_advance(&self) {
            let mut state = lock(&self.state);
            debug_assert!(state.inhibit > 0, "unbalanced allow_auto_advance");
            state.inhibit -= 1;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Clock;
    use std::time::Duration;

    #[test]
    fn paused_clock_moves_only_when_advanced_and_resumes_from_there() {
        let clock = Clock::new(true, true);
        assert!(clock.is_paused());
        let t0 = clock.now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(), t0);
        clock.advance(Duration::from_micros(1500)).unwrap();
        assert_eq!(clock.now() - t0, Duration::from_micros(1500));
        clock.resume().unwrap();
        assert!(!clock.is_paused());
        let running = clock.now();
        assert!(running >= t0 + Duration::from_micros(1500));
        assert_eq!(clock.resume(), Err(super::NOT_PAUSED));
        assert_eq!(
            clock.advance(Duration::from_secs(1)),
            Err(super::NOT_PAUSED)
        );
        clock.pause().unwrap();
        assert_eq!(clock.pause(), Err(super::ALREADY_PAUSED));
        assert!(clock.now() >= running);
    }

    #[test]
    fn pausing_stops_on_a_whole_millisecond_since_the_origin() {
        let clock = Clock::new(true, false);
        std::thread::sleep(Duration::from_micros(1500));
        let before = clock.now();
        clock.pause().unwrap();
        let paused = clock.now();
        assert!(paused >= before);
        let since = paused - clock.origin();
        assert_eq!(since.as_nanos() % 1_000_000, 0, "{since:?}");
    }

    #[test]
    fn a_clock_that_cannot_pause_says_why() {
        let clock = Clock::new(false, false);
        assert_eq!(clock.pause(), Err(super::NOT_CURRENT_THREAD));
        assert!(!clock.can_auto_advance());
    }

    #[test]
    fn blocking_jobs_inhibit_auto_advance() {
        let clock = Clock::new(true, true);
        assert!(clock.can_auto_advance());
        clock.inhibit_auto_advance();
        clock.inhibit_auto_advance();
        clock.allow_auto_advance();
        assert!(!clock.can_auto_advance());
        clock.allow_auto_advance();
        assert!(clock.can_auto_advance());
        clock.resume().unwrap();
        assert!(!clock.can_auto_advance());
    }

    #[test]
    #[should_panic = "requires the current-thread runtime"]
    fn start_paused_without_pausing_panics() {
        let _ = Clock::new(false, true);
    }
}
