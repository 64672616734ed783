//! `TimeDriver` with a manual clock: park deadlines, driver wakes, batches, shutdown.

use super::TimeDriver;
use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::test_util::{counting_waker, noop_waker};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

/// A one-shard driver and the number of times it called `wake_driver`.
fn driver() -> (TimeDriver, Arc<AtomicUsize>) {
    sharded(1)
}

fn tick_in(driver: &TimeDriver, after: Duration) -> u64 {
    driver.deadline_tick(driver.now() + after)
}

#[test]
fn before_park_reports_the_nearest_timer_rounded_up() {
    let (driver, _) = driver();
    assert_eq!(driver.before_park(), None);
    assert_eq!(driver.next_deadline(), None);
    let tick = tick_in(&driver, Duration::from_micros(7_400));
    driver.register(tick, &noop_waker()).unwrap();
    let wait = driver.before_park().unwrap();
    assert_eq!(wait.subsec_nanos() % 1_000_000, 0, "whole milliseconds");
    assert!(
        wait >= Duration::from_micros(7_400) - MS && wait <= 9 * MS,
        "{wait:?}"
    );
    let deadline = driver.next_deadline().unwrap();
    assert!(driver.now() + wait >= deadline);
    driver.advance(9 * MS);
    assert_eq!(driver.before_park(), Some(Duration::ZERO));
    assert_eq!(driver.after_park(), 1);
    assert_eq!(driver.before_park(), None);
}

#[test]
fn only_an_earlier_registration_wakes_the_parked_holder() {
    let (driver, wakes) = driver();
    // Not parked: no wake.
    driver
        .register(tick_in(&driver, 50 * MS), &noop_waker())
        .unwrap();
    assert_eq!(wakes.load(Ordering::SeqCst), 0);
    // Parked until the 50 ms timer: a later one does not wake, an earlier one does, once.
    assert!(driver.before_park().is_some());
    driver
        .register(tick_in(&driver, 80 * MS), &noop_waker())
        .unwrap();
    assert_eq!(wakes.load(Ordering::SeqCst), 0);
    driver
        .register(tick_in(&driver, 20 * MS), &noop_waker())
        .unwrap();
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    driver
        .register(tick_in(&driver, 10 * MS), &noop_waker())
        .unwrap();
    assert_eq!(wakes.load(Ordering::SeqCst), 1, "already woken: no storm");
    assert_eq!(driver.after_park(), 0);
    driver
        .register(tick_in(&driver, 5 * MS), &noop_waker())
        .unwrap();
    assert_eq!(
        wakes.load(Ordering::SeqCst),
        1,
        "woken holder recomputes in before_park"
    );
    // Parked with no timeout: any registration wakes.
    driver.shutdown();
    let (driver, wakes) = self::driver();
    assert_eq!(driver.before_park(), None);
    driver
        .register(tick_in(&driver, 3_600_000 * MS), &noop_waker())
        .unwrap();
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    // A reset to an earlier tick wakes as a registration does.
    let key = driver
        .register(tick_in(&driver, 3_600_000 * MS), &noop_waker())
        .unwrap();
    assert_eq!(driver.after_park(), 0);
    assert!(driver.before_park().is_some());
    assert!(driver.reset(key, tick_in(&driver, 5 * MS)));
    assert_eq!(wakes.load(Ordering::SeqCst), 2);
}

#[test]
fn process_fires_in_batches_and_counts() {
    let (driver, _) = driver();
    let (waker, count) = counting_waker();
    for i in 0..100u32 {
        driver
            .register(tick_in(&driver, (i % 7) * MS), &waker)
            .unwrap();
    }
    driver.register(tick_in(&driver, 100 * MS), &waker).unwrap();
    assert_eq!(driver.pending(), 101);
    driver.advance(8 * MS); // deadlines round up to the next tick
    assert_eq!(driver.process(), 100);
    assert_eq!(count.wakes(), 100);
    assert_eq!(driver.pending(), 1);
    // `next_deadline` never overshoots the timer's deadline; for a lone timer it is the
    // deadline itself (its wheel slot is scanned), else a slot boundary that converges on it.
    let mut next = driver.next_deadline().unwrap();
    loop {
        assert_eq!(driver.process_at(next - Duration::from_nanos(1)), 0);
        if driver.process_at(next) == 1 {
            break;
        }
        let later = driver.next_deadline().unwrap();
        assert!(later > next);
        next = later;
    }
    assert_eq!(driver.pending(), 0);
    assert_eq!(driver.process_at_tick(u64::MAX), 0);
}

#[test]
fn shutdown_wakes_everything_and_refuses_registrations() {
    let (driver, _) = driver();
    let (waker, count) = counting_waker();
    let key = driver.register(tick_in(&driver, 10 * MS), &waker).unwrap();
    for i in 1..=70u64 {
        driver.register(i * 1_000_000_007, &waker).unwrap();
    }
    driver.shutdown();
    assert_eq!(count.wakes(), 71);
    assert_eq!(driver.pending(), 0);
    assert!(driver.is_shutdown());
    assert!(driver.register(5, &waker).is_err());
    assert!(driver.update_waker(key, &waker).is_err());
    assert!(!driver.reset(key, 5));
    driver.cancel(key);
    assert_eq!(driver.process(), 0);
    assert_eq!(driver.before_park(), None);
    assert!(format!("{driver:?}").contains("is_shutdown: true"));
}

#[test]
fn a_panicking_waker_is_caught_and_the_rest_of_its_batch_is_still_woken() {
    use crate::test_util::PanickingWaker;
    use std::task::Waker;
    let (driver, _) = driver();
    let panicking = PanickingWaker::new();
    let (waker, wakes) = counting_waker();
    let tick = tick_in(&driver, 5 * MS);
    driver
        .register(tick, &Waker::from(panicking.clone()))
        .unwrap();
    driver.register(tick, &waker).unwrap();
    driver.advance(6 * MS);
    // A parked worker, the monitor and shutdown call this: it must not unwind.
    assert_eq!(driver.process(), 2);
    assert_eq!((panicking.wakes(), wakes.wakes()), (1, 1));
    let far = tick_in(&driver, 3_600_000 * MS);
    driver
        .register(far, &Waker::from(panicking.clone()))
        .unwrap();
    driver.register(far, &waker).unwrap();
    driver.shutdown();
    assert_eq!((panicking.wakes(), wakes.wakes()), (2, 2));
    assert_eq!(
        std::sync::Arc::strong_count(&panicking),
        1,
        "every clone dropped"
    );
}

/// A manual driver with `shards` wheels, and the number of times it called `wake_driver`.
fn sharded(shards: usize) -> (TimeDriver, Arc<AtomicUsize>) {
    TimeDriver::new_counting(shards)
}

/// Timers spread over shards behave as one wheel: the holder sleeps until the earliest of any
/// shard, only an earlier registration (in any shard) wakes it, once, and a fire visits every
/// shard; keys reach their own shard for cancel, reset and re-polls.
#[test]
fn shards_act_as_one_wheel() {
    let (driver, wakes) = sharded(3);
    let (waker, count) = counting_waker();
    let at = |ms: u32| tick_in(&driver, ms * MS);
    let late = driver.register_in_shard(0, at(30), &waker).unwrap();
    let early = driver.register_in_shard(2, at(10), &waker).unwrap();
    assert_eq!(driver.pending(), 2);
    assert_eq!(driver.before_park(), Some(10 * MS));
    // Later than the holder's deadline, in another shard: no wake.
    let middle = driver.register_in_shard(1, at(20), &waker).unwrap();
    assert_eq!(wakes.load(Ordering::SeqCst), 0);
    // Earlier, in yet another: one wake, and a second earlier one adds none.
    let earliest = driver.register_in_shard(0, at(5), &waker).unwrap();
    driver.register_in_shard(1, at(4), &waker).unwrap();
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    assert_eq!(driver.after_park(), 0);
    assert_eq!(driver.before_park(), Some(4 * MS));
    // Keys find their shard.
    driver.cancel(earliest);
    assert!(!driver.is_pending(earliest));
    assert!(driver.reset(middle, at(40)));
    assert!(matches!(driver.update_waker(late, &noop_waker()), Ok(true)));
    assert_eq!(driver.pending(), 4);
    driver.advance(10 * MS);
    assert_eq!(
        driver.after_park(),
        2,
        "the 4 ms timer of shard 1, the 10 ms one of shard 2"
    );
    assert!(!driver.is_pending(early));
    assert_eq!(count.wakes(), 2);
    assert_eq!(driver.before_park(), Some(20 * MS));
    driver.advance(20 * MS);
    assert_eq!(
        driver.after_park(),
        1,
        "the 30 ms timer of shard 0, re-pointed"
    );
    assert_eq!(count.wakes(), 2);
    assert_eq!(driver.pending(), 1);
    driver.shutdown();
    assert_eq!((count.wakes(), driver.pending()), (3, 0));
    for shard in 0..3 {
        assert!(driver.register_in_shard(shard, at(1), &waker).is_err());
    }
}

/// A worker registers in its own shard; so `timeout` on every request does not make the
/// workers queue on one lock.
#[test]
#[cfg_attr(miri, ignore = "starts a runtime: epoll and threads")]
fn a_worker_registers_in_its_own_shard() {
    let runtime = crate::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .build()
        .unwrap();
    let shards = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..12 {
            tasks.push(crate::spawn(async {
                let driver = crate::runtime::context::time_driver().unwrap();
                let index = crate::runtime::worker_index().unwrap();
                (index, driver.home_shard())
            }));
        }
        let mut pairs = Vec::new();
        for task in tasks {
            pairs.push(task.await.unwrap());
        }
        pairs
    });
    for (index, shard) in shards {
        assert_eq!(index, shard);
    }
}

/// Random registrations, resets, cancels and fires over three shards: each shard's `due_from`
/// hint stays at or below its wheel's next expiration (a deadline, or a slot to cascade), so a
/// fire that skips a shard skips nothing due, and every fire leaves no pending timer due by its
/// tick.
#[test]
fn the_due_from_hint_never_hides_a_due_timer() {
    let (driver, _) = sharded(3);
    let (waker, count) = counting_waker();
    let mut rng = crate::test_util::XorShift::new(7);
    let mut live: Vec<(usize, super::TimerKey, u64)> = Vec::new();
    let mut now = 0u64;
    let mut fired = 0;
    let ops = if cfg!(miri) { 300 } else { 5_000 };
    for _ in 0..ops {
        match rng.below(10) {
            0..=3 => {
                let shard = rng.below(3) as usize;
                // Mostly near, sometimes in a higher level, sometimes past the wheel's range.
                let tick = now
                    + 1
                    + match rng.below(10) {
                        0 => rng.below(1 << 20),
                        1 => rng.below(1 << 40),
                        _ => rng.below(200),
                    };
                let key = driver.register_in_shard(shard, tick, &waker).unwrap();
                live.push((shard, key, tick));
            }
            4 if !live.is_empty() => {
                let i = rng.below(live.len() as u64) as usize;
                driver.cancel(live.swap_remove(i).1);
            }
            5 if !live.is_empty() => {
                let i = rng.below(live.len() as u64) as usize;
                let tick = now + 1 + rng.below(200);
                assert!(driver.reset(live[i].1, tick));
                live[i].2 = tick;
            }
            _ => {
                now += rng.below(30);
                fired += driver.process_at_tick(now);
                live.retain(|&(_, key, tick)| {
                    assert_eq!(driver.is_pending(key), tick > now, "tick {tick}, now {now}");
                    tick > now
                });
            }
        }
        for shard in 0..3 {
            // Not only no due timer hidden: no slot the wheel must cascade first either.
            if let Some(next) = driver.shard_next_expiration(shard) {
                assert!(
                    driver.due_from(shard) <= next,
                    "shard {shard}: hint {} after the wheel's next expiration {next}",
                    driver.due_from(shard)
                );
            }
        }
    }
    assert_eq!(count.wakes(), fired);
    assert_eq!(driver.pending(), live.len());
}

/// A timer far in the future, alone in one of several shards, is reached by following
/// `next_deadline` with fires, as a paused clock's auto-advance does: the wheel's cascade points
/// before its deadline must not be skipped as "nothing due" (tokio's `time_sleep::long_sleeps`
/// hung so on a first version of the skipping).
#[test]
fn following_next_deadline_reaches_a_far_timer_in_any_shard() {
    for distance in [100u64, 5_000, 1 << 20, 1 << 33, (1 << 36) + 12_345] {
        let (driver, _) = sharded(2);
        let (waker, count) = counting_waker();
        let deadline = tick_in(&driver, Duration::ZERO) + distance;
        driver.register_in_shard(1, deadline, &waker).unwrap();
        let mut steps = 0;
        while count.wakes() == 0 {
            let next = driver.next_deadline().expect("the timer is pending");
            driver.advance(next.saturating_duration_since(driver.now()));
            driver.process();
            steps += 1;
            assert!(
                steps <= 7 * 64,
                "distance {distance}: no progress after {steps} steps"
            );
        }
        assert_eq!(driver.pending(), 0);
    }
}
