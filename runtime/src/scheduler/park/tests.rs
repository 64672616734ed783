//! The parker's protocol with real threads (and, under miri, the reactor's stand-in): a
//! notification before the park is kept, `park_yield` leaves it pending, and two sleepers, one
//! in the driver and one on its condition variable, are each woken by their own unparker only.

use super::{Driver, Parker};
use crate::loom::Arc;
use crate::scheduler::io_driver::IoDriver;
use crate::time::driver::TimeDriver;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

fn driver() -> Arc<Driver> {
    let io = IoDriver::new().expect("a reactor");
    let time = Arc::new(TimeDriver::new(Driver::time_wake(io.clone()), 1));
    Arc::new(Driver::new(io, time))
}

/// Waits (without sleeping for a fixed time as synchronisation) until `cond` holds.
fn wait_for(cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "the condition never held");
        thread::yield_now();
    }
}

#[test]
fn an_unpark_before_the_park_ends_it_at_once_and_is_consumed() {
    let parker = Parker::new(driver());
    parker.unparker().unpark();
    parker.unparker().unpark(); // two notifications are one
    parker.park(); // returns at once
    assert_eq!(parker.inner.state.load(SeqCst), super::EMPTY);
    assert!(!parker.inner.driver.is_locked());
}

#[test]
fn park_yield_polls_the_free_driver_and_keeps_a_notification() {
    let parker = Parker::new(driver());
    parker.unparker().unpark();
    assert!(parker.park_yield(), "the driver was free");
    assert_eq!(parker.inner.state.load(SeqCst), super::NOTIFIED);
    parker.park(); // the notification is still there
    assert!(!parker.inner.driver.is_locked());
}

#[test]
#[cfg_attr(miri, ignore)] // many thread switches; the loom models cover the interleavings
fn two_sleepers_are_each_woken_by_their_own_unparker() {
    let driver = driver();
    let woken = std::sync::Arc::new(AtomicUsize::new(0));
    let sleep = |parker: Parker| {
        let woken = woken.clone();
        thread::spawn(move || {
            parker.park();
            woken.fetch_add(1, SeqCst);
        })
    };
    let in_driver = Parker::new(driver.clone());
    let in_driver_unparker = in_driver.unparker();
    let first = sleep(in_driver);
    // The first sleeper holds the driver, so the second waits on its condition variable.
    wait_for(|| in_driver_unparker.inner.state.load(SeqCst) == super::PARKED_DRIVER);
    let on_condvar = Parker::new(driver.clone());
    let on_condvar_unparker = on_condvar.unparker();
    let second = sleep(on_condvar);
    wait_for(|| on_condvar_unparker.inner.state.load(SeqCst) == super::PARKED_CONDVAR);

    on_condvar_unparker.unpark();
    second.join().unwrap();
    assert_eq!(woken.load(SeqCst), 1, "only the condvar sleeper woke");
    assert_eq!(
        in_driver_unparker.inner.state.load(SeqCst),
        super::PARKED_DRIVER
    );

    in_driver_unparker.unpark();
    first.join().unwrap();
    assert_eq!(woken.load(SeqCst), 2);
    assert!(!driver.is_locked(), "the driver is free again");
}

#[test]
fn the_turn_count_moves_with_each_holder_turn_and_not_with_outside_polls() {
    let parker = Parker::new(driver());
    let driver = parker.inner.driver.clone();
    assert_eq!(driver.turns(), 0);
    assert!(parker.park_yield());
    assert_eq!(driver.turns(), 1);
    // A poll with a notification pending is a turn; the park that consumes the notification
    // without sleeping is not.
    parker.unparker().unpark();
    assert!(parker.park_yield());
    assert_eq!(driver.turns(), 2);
    parker.park();
    assert_eq!(driver.turns(), 2);
    // A sleep in the driver, ended by a notification: one turn.
    let unparker = parker.unparker();
    let sleeper = thread::spawn(move || {
        parker.park();
        parker
    });
    wait_for(|| unparker.inner.state.load(SeqCst) == super::PARKED_DRIVER);
    unparker.unpark();
    let parker = sleeper.join().unwrap();
    assert_eq!(parker.inner.driver.turns(), 3);
    // The monitor's polls are not the workers' turns.
    driver.poll_from_outside();
    assert_eq!(driver.turns(), 3);
}
