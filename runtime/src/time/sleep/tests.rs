//! `Sleep` against a `TimeDriver` with a manual clock (below the runtime boundary).

use super::Sleep;
use crate::loom::{lock, Arc, AtomicUsize, Mutex, Ordering};
use crate::test_util::counting_waker;
use crate::time::driver::TimeDriver;
use crate::time::Instant;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

fn driver() -> Arc<TimeDriver> {
    Arc::new(TimeDriver::new_manual(Box::new(|| {})))
}

fn sleep_in(driver: &Arc<TimeDriver>, after: Duration) -> Sleep {
    Sleep::with_driver(Instant::from_std(driver.now()) + after, driver.clone())
}

fn poll(sleep: &mut Sleep, waker: &Waker) -> Poll<()> {
    Pin::new(sleep).poll(&mut Context::from_waker(waker))
}

#[test]
fn sleep_is_unpin_send_sync() {
    fn check<T: Unpin + Send + Sync + 'static>() {}
    check::<Sleep>();
    check::<crate::time::Interval>();
    check::<crate::time::Timeout<std::future::Ready<u8>>>();
}

#[test]
fn due_sleep_completes_without_the_wheel() {
    let driver = driver();
    let (waker, count) = counting_waker();
    let mut sleep = Sleep::with_driver(Instant::from_std(driver.now()), driver.clone());
    assert_eq!(poll(&mut sleep, &waker), Poll::Ready(()));
    assert_eq!(driver.pending(), 0);
    assert!(sleep.is_elapsed());
    assert_eq!(poll(&mut sleep, &waker), Poll::Ready(()), "ready again");
    assert_eq!(count.wakes(), 0);
}

#[test]
fn fires_at_deadline_exactly_once() {
    let driver = driver();
    let (waker, count) = counting_waker();
    let mut sleep = sleep_in(&driver, 20 * MS);
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending);
    assert_eq!(driver.pending(), 1);
    assert!(!sleep.is_elapsed());
    driver.advance(10 * MS);
    assert_eq!(driver.process(), 0);
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending);
    driver.advance(11 * MS);
    assert_eq!(driver.process(), 1);
    assert_eq!(count.wakes(), 1);
    assert!(sleep.is_elapsed(), "fired, not yet polled");
    assert_eq!(driver.process(), 0);
    assert_eq!(poll(&mut sleep, &waker), Poll::Ready(()));
    assert_eq!(driver.pending(), 0);
    assert_eq!(count.wakes(), 1);
}

#[test]
fn never_early_with_a_fractional_deadline() {
    let driver = driver();
    let (waker, count) = counting_waker();
    let mut sleep = sleep_in(&driver, Duration::from_micros(10_300));
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending);
    let deadline = sleep.deadline().into_std();
    // Fire at the last instant before the deadline: rounded up, the timer is not due.
    assert_eq!(driver.process_at(deadline - Duration::from_nanos(1)), 0);
    assert_eq!(driver.process_at(deadline + MS), 1);
    assert_eq!(count.wakes(), 1);
    // The timer fired (here: a fire ahead of this Sleep's clock), yet the clock says the deadline
    // is ahead: the Sleep registers again instead of completing early.
    assert!(driver.now() < deadline);
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending);
    assert_eq!(driver.pending(), 1);
    driver.advance(10 * MS);
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending, "10 ms < 10.3 ms");
    driver.advance(MS);
    assert_eq!(poll(&mut sleep, &waker), Poll::Ready(()));
    assert_eq!(driver.pending(), 0);
}

#[test]
fn repoll_updates_the_waker_and_clones_only_when_it_changes() {
    let driver = driver();
    let (first, first_count) = counting_waker();
    let (second, second_count) = counting_waker();
    let mut sleep = sleep_in(&driver, 5 * MS);
    assert_eq!(poll(&mut sleep, &first), Poll::Pending);
    let strong = std::sync::Arc::strong_count(&first_count);
    assert_eq!(poll(&mut sleep, &first), Poll::Pending);
    // (Under miri, vtable addresses are not unique, so `will_wake` may say no to a clone.)
    if !cfg!(miri) {
        assert_eq!(
            std::sync::Arc::strong_count(&first_count),
            strong,
            "same waker: no clone"
        );
    }
    assert_eq!(poll(&mut sleep, &second), Poll::Pending);
    assert_eq!(
        std::sync::Arc::strong_count(&first_count),
        strong - 1,
        "old waker dropped"
    );
    driver.advance(6 * MS); // the deadline rounds up to the next tick
    assert_eq!(driver.process(), 1);
    assert_eq!((first_count.wakes(), second_count.wakes()), (0, 1));
}

#[test]
fn drop_removes_the_timer() {
    let driver = driver();
    let (waker, count) = counting_waker();
    let mut sleep = sleep_in(&driver, 5 * MS);
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending);
    assert_eq!(driver.pending(), 1);
    drop(sleep);
    assert_eq!(driver.pending(), 0);
    assert_eq!(driver.next_deadline(), None);
    driver.advance(10 * MS);
    assert_eq!(driver.process(), 0);
    assert_eq!(count.wakes(), 0);
    // Dropping a sleep whose timer fired is fine too.
    let mut sleep = sleep_in(&driver, 5 * MS);
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending);
    driver.advance(6 * MS); // the deadline rounds up to the next tick
    assert_eq!(driver.process(), 1);
    drop(sleep);
    assert_eq!(driver.pending(), 0);
}

#[test]
fn reset_moves_a_registered_timer_with_its_waker() {
    let driver = driver();
    let (waker, count) = counting_waker();
    let mut sleep = sleep_in(&driver, 1000 * MS);
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending);
    let earlier = Instant::from_std(driver.now()) + 10 * MS;
    Pin::new(&mut sleep).reset(earlier);
    assert_eq!(sleep.deadline(), earlier);
    assert_eq!(driver.pending(), 1);
    driver.advance(11 * MS);
    assert_eq!(
        driver.process(),
        1,
        "woken at the new deadline without a poll"
    );
    assert_eq!(count.wakes(), 1);
    assert_eq!(poll(&mut sleep, &waker), Poll::Ready(()));
    // Reset after completion: pending again, registered at the next poll.
    Pin::new(&mut sleep).reset(Instant::from_std(driver.now()) + 10 * MS);
    assert!(!sleep.is_elapsed());
    assert_eq!(poll(&mut sleep, &waker), Poll::Pending);
    assert_eq!(driver.pending(), 1);
    // Reset to now: due at the next tick (and complete at the next poll).
    Pin::new(&mut sleep).reset(Instant::from_std(driver.now()));
    driver.advance(MS);
    assert_eq!(driver.process(), 1);
    assert_eq!(poll(&mut sleep, &waker), Poll::Ready(()));
    assert_eq!(driver.pending(), 0);
}

#[test]
fn shutdown_wakes_and_later_polls_panic() {
    let driver = driver();
    let (waker, count) = counting_waker();
    let mut pending = sleep_in(&driver, 50 * MS);
    let mut done = sleep_in(&driver, Duration::ZERO);
    let mut unpolled = sleep_in(&driver, 50 * MS);
    assert_eq!(poll(&mut pending, &waker), Poll::Pending);
    assert_eq!(poll(&mut done, &waker), Poll::Ready(()));
    driver.shutdown();
    assert_eq!(count.wakes(), 1);
    assert_eq!(driver.pending(), 0);
    assert_eq!(
        poll(&mut done, &waker),
        Poll::Ready(()),
        "a completed sleep stays ready"
    );
    for sleep in [&mut pending, &mut unpolled] {
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll(sleep, &waker)))
            .expect_err("polling after shutdown panics");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert_eq!(message, crate::time::sleep::SHUT_DOWN);
        assert!(message.starts_with("A Tokio 1.x context was found, but it is being shutdown."));
    }
}

/// A waker that, when woken, drops another `Sleep` (re-entering the driver): firing must not
/// hold the wheel's lock while waking.
#[test]
fn reentrant_waker_does_not_deadlock() {
    struct DropsASleep {
        victim: Mutex<Option<Sleep>>,
        wakes: AtomicUsize,
    }
    impl Wake for DropsASleep {
        fn wake(self: std::sync::Arc<Self>) {
            drop(lock(&self.victim).take());
            self.wakes.fetch_add(1, Ordering::SeqCst);
        }
    }
    let driver = driver();
    let (plain, _) = counting_waker();
    let mut victim = sleep_in(&driver, 100 * MS);
    assert_eq!(poll(&mut victim, &plain), Poll::Pending);
    let state = std::sync::Arc::new(DropsASleep {
        victim: Mutex::new(Some(victim)),
        wakes: AtomicUsize::new(0),
    });
    let waker = Waker::from(state.clone());
    let mut sleeps: Vec<Sleep> = (0..40).map(|_| sleep_in(&driver, 5 * MS)).collect();
    for sleep in &mut sleeps {
        assert_eq!(poll(sleep, &waker), Poll::Pending);
    }
    assert_eq!(driver.pending(), 41);
    driver.advance(6 * MS);
    assert_eq!(driver.process(), 40);
    assert!(lock(&state.victim).is_none());
    assert_eq!(
        driver.pending(),
        0,
        "the victim's timer was cancelled from inside a wake"
    );
    assert_eq!(state.wakes.load(Ordering::SeqCst), 40);
}

#[test]
#[should_panic(expected = "no weft runtime is running on this thread; weft::time needs one")]
fn sleep_outside_runtime_panics() {
    drop(crate::time::sleep(MS));
}

#[test]
#[should_panic(expected = "no weft runtime is running on this thread; weft::time needs one")]
fn sleep_until_outside_runtime_panics() {
    drop(crate::time::sleep_until(Instant::now()));
}

#[test]
#[should_panic(expected = "no weft runtime is running on this thread; weft::time needs one")]
fn timeout_outside_runtime_panics_even_for_a_ready_future() {
    drop(crate::time::timeout(MS, std::future::ready(())));
}

#[test]
#[should_panic(expected = "no weft runtime is running on this thread; weft::time needs one")]
fn timeout_at_outside_runtime_panics() {
    drop(crate::time::timeout_at(
        Instant::now(),
        std::future::ready(()),
    ));
}

// Binding: a sleep made by `sleep` notes its runtime and reaches its driver at the first poll.

use crate::runtime::{Builder, Runtime};

/// The time driver of `runtime`, to compare a sleep's binding against.
fn driver_of(runtime: &Runtime) -> *const TimeDriver {
    &**runtime.handle().inner.time()
}

/// A sleep made on this thread while it is in `runtime`.
fn made_in(runtime: &Runtime, after: Duration) -> Sleep {
    let _entry = runtime.enter();
    crate::time::sleep(after)
}

/// The driver a sleep is bound to; `None` while unbound.
fn bound_to(sleep: &Sleep) -> Option<*const TimeDriver> {
    sleep
        .driver
        .bound()
        .map(|driver| &**driver as *const TimeDriver)
}

#[test]
#[cfg_attr(miri, ignore = "builds a runtime: epoll")]
fn a_sleep_takes_no_reference_until_its_first_poll() {
    let runtime = Builder::new_current_thread().build().unwrap();
    let _entry = runtime.enter();
    let thread = crate::runtime::context::time_driver().unwrap();
    let before = Arc::strong_count(&thread);
    let mut sleeps: Vec<Sleep> = (0..3).map(|_| crate::time::sleep(50 * MS)).collect();
    assert_eq!(Arc::strong_count(&thread), before, "made, not polled");
    assert!(sleeps.iter().all(|sleep| bound_to(sleep).is_none()));
    let (waker, count) = counting_waker();
    assert_eq!(poll(&mut sleeps[0], &waker), Poll::Pending);
    assert_eq!(
        Arc::strong_count(&thread),
        before + 1,
        "the polled one cloned this thread's reference"
    );
    assert_eq!(bound_to(&sleeps[0]), Some(driver_of(&runtime)));
    assert_eq!(bound_to(&sleeps[1]), None);
    drop(sleeps);
    assert_eq!(Arc::strong_count(&thread), before);
    assert_eq!(count.wakes(), 0);
}

#[test]
#[cfg_attr(miri, ignore = "builds runtimes: epoll and threads")]
fn a_sleep_first_polled_elsewhere_fires_on_its_own_runtime() {
    let maker = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let other = Builder::new_current_thread().build().unwrap();
    // Polled first in another runtime: bound to the maker's driver all the same.
    let mut sleep = made_in(&maker, 5 * MS);
    other.block_on(&mut sleep);
    assert!(Instant::now() >= sleep.deadline());
    assert_eq!(bound_to(&sleep), Some(driver_of(&maker)));
    // Polled first outside any runtime: the maker's workers fire it.
    let mut sleep = made_in(&maker, 5 * MS);
    futures_lite::future::block_on(&mut sleep);
    assert!(Instant::now() >= sleep.deadline());
    assert_eq!(bound_to(&sleep), Some(driver_of(&maker)));
}

#[test]
#[cfg_attr(miri, ignore = "builds runtimes: epoll")]
fn a_sleep_first_polled_after_its_runtime_is_gone_panics_as_shut_down() {
    let maker = Builder::new_current_thread().build().unwrap();
    let mut in_other = made_in(&maker, 50 * MS);
    let mut outside = made_in(&maker, 50 * MS);
    let dropped_unpolled = made_in(&maker, 50 * MS);
    drop(maker);
    drop(dropped_unpolled); // Never bound: dropping it needs no runtime.
    let other = Builder::new_current_thread().build().unwrap();
    let (waker, count) = counting_waker();
    let panics = [
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            other.block_on(&mut in_other)
        })),
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = poll(&mut outside, &waker);
        })),
    ];
    for panic in panics {
        let panic = panic.expect_err("polling a gone runtime's sleep panics");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert_eq!(message, crate::time::sleep::SHUT_DOWN);
    }
    assert_eq!(count.wakes(), 0);
}
