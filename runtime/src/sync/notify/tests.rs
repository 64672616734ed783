//! Unit tests of `Notify`, with counted wakes and no runtime.

use super::*;
use crate::test_util::{Counted, Task};

#[test]
fn notify_one_with_nobody_waiting_stores_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    let mut first = Task::new(notify.notified());
    first.ready();
    let mut second = Task::new(notify.notified());
    second.pending();
    assert_eq!(second.wakes(), 0);
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    let notify = Notify::new();
    let mut tasks: Vec<_> = (0..3).map(|_| Task::new(notify.notified())).collect();
    for task in &mut tasks {
        task.pending();
    }
    assert_eq!(notify.waiting(), 3);
    for i in 0..3 {
        notify.notify_one();
        let wakes: Vec<usize> = tasks.iter().map(Task::wakes).collect();
        let expected: Vec<usize> = (0..3).map(|j| usize::from(j <= i)).collect();
        assert_eq!(wakes, expected);
        tasks[i].ready();
    }
    assert_eq!(notify.waiting(), 0);
    // Nobody waits any more: the next one is stored.
    notify.notify_one();
    Task::new(notify.notified()).ready();
}

#[test]
fn notify_waiters_wakes_everyone_waiting_and_stores_nothing() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    let mut b = Task::new(notify.notified());
    a.pending();
    b.pending();
    notify.notify_waiters();
    assert_eq!((a.wakes(), b.wakes()), (1, 1));
    a.ready();
    b.ready();
    let mut later = Task::new(notify.notified());
    later.pending();
    assert_eq!(later.wakes(), 0);
}

#[test]
fn notify_waiters_reaches_futures_created_before_it_even_unpolled() {
    let notify = Notify::new();
    let mut before = Task::new(notify.notified());
    notify.notify_waiters();
    let mut after = Task::new(notify.notified());
    before.ready();
    after.pending();
}

#[test]
fn notify_waiters_with_many_waiters_wakes_each_once() {
    let notify = Notify::new();
    let mut tasks: Vec<_> = (0..50).map(|_| Task::new(notify.notified())).collect();
    for task in &mut tasks {
        task.pending();
    }
    notify.notify_waiters();
    for task in &mut tasks {
        assert_eq!(task.wakes(), 1);
        task.ready();
    }
    assert_eq!(notify.waiting(), 0);
}

#[test]
fn enable_registers_for_notify_one_before_the_first_poll() {
    let notify = Notify::new();
    let mut enabled = Box::pin(notify.notified());
    assert!(!enabled.as_mut().enable());
    notify.notify_one();
    // The notification went to the enabled future, not into a stored permit.
    let mut other = Task::new(notify.notified());
    other.pending();
    assert_eq!(Counted::new().poll(enabled.as_mut()), Poll::Ready(()));
    assert_eq!(other.wakes(), 0);
}

#[test]
fn enable_takes_a_stored_permit_and_reports_it() {
    let notify = Notify::new();
    notify.notify_one();
    let mut notified = Box::pin(notify.notified());
    assert!(notified.as_mut().enable());
    assert!(notified.as_mut().enable());
    assert_eq!(Counted::new().poll(notified.as_mut()), Poll::Ready(()));
    Task::new(notify.notified()).pending();
}

#[test]
fn a_chosen_notified_dropped_before_its_poll_passes_the_notification_on() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    let mut b = Task::new(notify.notified());
    a.pending();
    b.pending();
    notify.notify_one();
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    drop(a);
    assert_eq!(b.wakes(), 1, "the notification moves to the next waiter");
    b.ready();
}

#[test]
fn a_chosen_notified_dropped_with_nobody_behind_stores_the_permit() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    notify.notify_one();
    drop(a);
    Task::new(notify.notified()).ready();
    Task::new(notify.notified()).pending();
}

#[test]
fn a_dropped_waiter_that_was_not_chosen_takes_nothing() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    drop(a);
    assert_eq!(notify.waiting(), 0);
    notify.notify_one();
    Task::new(notify.notified()).ready();
}

#[test]
fn a_notify_waiters_wake_is_not_passed_on_when_dropped() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    notify.notify_waiters();
    let mut b = Task::new(notify.notified());
    b.pending();
    drop(a);
    assert_eq!(b.wakes(), 0);
    Task::new(notify.notified()).pending();
}

#[test]
fn only_the_latest_waker_is_woken() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    let first = a.waker.clone();
    a.waker = Counted::new();
    a.pending();
    notify.notify_one();
    assert_eq!((first.wakes(), a.wakes()), (0, 1));
    a.ready();
}

#[test]
fn a_completed_notified_stays_ready_and_drops_cleanly() {
    let notify = Notify::new();
    notify.notify_one();
    let mut a = Task::new(notify.notified());
    a.ready();
    a.ready();
    drop(a);
    Task::new(notify.notified()).pending();
}

#[test]
fn types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let notify = Notify::new();
    assert_send_sync(&notify);
    assert_send_sync(&notify.notified());
}
