//! Loom models of the time driver's races. Loom has no clock: the models drive ticks
//! explicitly with `process_at_tick`.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use crate::loom::{thread, Arc, AtomicUsize, Ordering};
use crate::test_util::counting_waker;
use crate::time::driver::TimeDriver;

fn driver() -> Arc<TimeDriver> {
    Arc::new(TimeDriver::new_manual(Box::new(|| {})))
}

/// A manual driver with `shards` wheels, and the number of times it called `wake_driver`.
fn counting_driver(shards: usize) -> (Arc<TimeDriver>, Arc<AtomicUsize>) {
    let (driver, wakes) = TimeDriver::new_counting(shards);
    (Arc::new(driver), wakes)
}

/// One thread cancels (drops) a registered timer while another fires expired timers: the waker
/// is woken at most once, and the wheel ends empty.
mod loom_timer_cancel_races_fire {
    use super::*;

    #[test]
    fn cancel_races_fire() {
        loom::model(|| {
            let driver = driver();
            let (waker, count) = counting_waker();
            let key = driver.register(5, &waker).unwrap();
            let firer = {
                let driver = driver.clone();
                thread::spawn(move || driver.process_at_tick(10))
            };
            driver.cancel(key);
            let fired = firer.join().unwrap();
            assert!(fired <= 1);
            assert_eq!(count.wakes(), fired);
            assert_eq!(driver.pending(), 0);
            // Cancelling again (a stale key) changes nothing.
            driver.cancel(key);
            assert_eq!(count.wakes(), fired);
        });
    }

    /// Two timers: one cancelled while two threads fire concurrently; the other fires exactly
    /// once whichever thread gets it.
    #[test]
    fn cancel_races_two_firers() {
        loom::model(|| {
            let driver = driver();
            let (cancelled, cancelled_count) = counting_waker();
            let (kept, kept_count) = counting_waker();
            let key = driver.register(3, &cancelled).unwrap();
            driver.register(4, &kept).unwrap();
            let firers: Vec<_> = [5, 6]
                .into_iter()
                .map(|tick| {
                    let driver = driver.clone();
                    thread::spawn(move || driver.process_at_tick(tick))
                })
                .collect();
            driver.cancel(key);
            let fired: usize = firers.into_iter().map(|t| t.join().unwrap()).sum();
            assert!(cancelled_count.wakes() <= 1);
            assert_eq!(kept_count.wakes(), 1);
            assert_eq!(fired, 1 + cancelled_count.wakes());
            assert_eq!(driver.pending(), 0);
        });
    }
}

/// A re-poll (waker update) or a reset races the fire: exactly one waker is woken, the one the
/// timer held when it fired, and a timer moved past the fire tick stays pending.
mod loom_timer_update_races_fire {
    use super::*;

    #[test]
    fn update_waker_races_fire() {
        loom::model(|| {
            let driver = driver();
            let (old, old_count) = counting_waker();
            let (new, new_count) = counting_waker();
            let key = driver.register(5, &old).unwrap();
            let firer = {
                let driver = driver.clone();
                thread::spawn(move || driver.process_at_tick(10))
            };
            let updated = driver.update_waker(key, &new).unwrap();
            assert_eq!(firer.join().unwrap(), 1);
            let woken = (old_count.wakes(), new_count.wakes());
            assert_eq!(woken, if updated { (0, 1) } else { (1, 0) });
            assert_eq!(driver.pending(), 0);
        });
    }

    #[test]
    fn reset_races_fire() {
        loom::model(|| {
            let driver = driver();
            let (waker, count) = counting_waker();
            let key = driver.register(5, &waker).unwrap();
            let firer = {
                let driver = driver.clone();
                thread::spawn(move || driver.process_at_tick(10))
            };
            let moved = driver.reset(key, 20);
            let fired = firer.join().unwrap();
            assert_eq!(fired, usize::from(!moved));
            assert_eq!(count.wakes(), fired);
            assert_eq!(driver.pending(), usize::from(moved));
            driver.cancel(key);
            assert_eq!(driver.pending(), 0);
        });
    }
}

/// A registration races the holder's `before_park`: either the holder's deadline covers the new
/// timer, or `wake_driver` is called.
mod loom_register_races_park {
    use super::*;

    #[test]
    fn register_races_before_park() {
        loom::model(|| {
            let (driver, wakes) = counting_driver(1);
            let (waker, _) = counting_waker();
            let registrar = {
                let driver = driver.clone();
                thread::spawn(move || {
                    driver.register(1, &waker).unwrap();
                })
            };
            let park = driver.before_park();
            registrar.join().unwrap();
            // Park saw the timer (a finite wait), or the registrar woke the holder.
            assert!(park.is_some() || wakes.load(Ordering::SeqCst) == 1);
            assert!(wakes.load(Ordering::SeqCst) <= 1);
        });
    }
}

/// With a wheel per worker, a registration in one shard races the holder's `before_park`, which
/// reads the shards one after the other: either the holder's deadline covers the new timer, or
/// it is woken, once. A second registrar in a third shard does not wake it twice.
mod loom_register_in_another_shard_races_park {
    use super::*;
    use std::time::Duration;

    #[test]
    fn register_in_another_shard_races_before_park() {
        loom::model(|| {
            let (driver, wakes) = counting_driver(3);
            let (waker, _) = counting_waker();
            // The holder's deadline before the race: 10 ms, in shard 0.
            driver.register_in_shard(0, 10, &waker).unwrap();
            let registrars: Vec<_> = [(1, 2), (2, 3)]
                .into_iter()
                .map(|(shard, tick)| {
                    let driver = driver.clone();
                    let waker = waker.clone();
                    thread::spawn(move || {
                        driver.register_in_shard(shard, tick, &waker).unwrap();
                    })
                })
                .collect();
            let park = driver.before_park().expect("a timer is pending");
            for registrar in registrars {
                registrar.join().unwrap();
            }
            let woken = wakes.load(Ordering::SeqCst);
            // The holder saw the 2 ms timer, or it was woken to look again.
            assert!(
                park <= Duration::from_millis(2) || woken == 1,
                "{park:?}, {woken}"
            );
            assert!(woken <= 1);
        });
    }
}

/// A registration races a fire that skips shards with nothing due (`due_from`): the timer,
/// due by the fire's tick, is fired by that fire or by the next one, never twice and never lost.
mod loom_register_races_a_skipping_fire {
    use super::*;

    #[test]
    fn register_races_a_skipping_fire() {
        loom::model(|| {
            let driver = Arc::new(TimeDriver::new_manual_sharded(Box::new(|| {}), 2));
            let (waker, count) = counting_waker();
            // Shard 0 has a timer due later, so the fire has a shard to lock in any case.
            driver.register_in_shard(0, 20, &waker).unwrap();
            let firer = {
                let driver = driver.clone();
                thread::spawn(move || driver.process_at_tick(10))
            };
            driver.register_in_shard(1, 5, &waker).unwrap();
            let first = firer.join().unwrap();
            let second = driver.process_at_tick(10);
            assert_eq!(first + second, 1);
            assert_eq!(count.wakes(), 1);
            assert_eq!(driver.pending(), 1);
        });
    }
}

/// Shutdown races a registration: the registration is refused, or its waker is woken by the
/// shutdown; never left pending.
mod loom_shutdown_races_register {
    use super::*;

    #[test]
    fn shutdown_races_register() {
        loom::model(|| {
            let driver = driver();
            let (waker, count) = counting_waker();
            let registrar = {
                let driver = driver.clone();
                thread::spawn(move || driver.register(100, &waker).is_ok())
            };
            driver.shutdown();
            let registered = registrar.join().unwrap();
            assert_eq!(count.wakes(), usize::from(registered));
            assert_eq!(driver.pending(), 0);
        });
    }
}
