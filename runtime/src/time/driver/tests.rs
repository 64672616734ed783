//! `TimeDriver` with a manual clock: park deadlines, driver wakes, batches, shutdown.

use super::TimeDriver;
use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::test_util::{counting_waker, noop_waker};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

/// A driver and the number of times it called `wake_driver`.
fn driver() -> (TimeDriver, Arc<AtomicUsize>) {
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    let driver = TimeDriver::new_manual(Box::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    (driver, wakes)
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
    // `next_deadline` is a lower bound (a slot boundary, where the wheel cascades) that
    // converges on the timer's deadline; it never overshoots it.
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
