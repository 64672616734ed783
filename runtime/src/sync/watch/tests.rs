//! Unit tests of `watch`, with counted wakes and no runtime.

use super::error::{RecvError, SendError};
use super::*;
use crate::test_util::Task;

#[test]
fn versions_track_what_each_receiver_has_seen() {
    let (tx, mut rx) = channel(0);
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!rx.borrow().has_changed());
    tx.send(1).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    assert!(rx.borrow().has_changed(), "borrow does not mark seen");
    assert_eq!(rx.has_changed(), Ok(true));
    {
        let value = rx.borrow_and_update();
        assert!(value.has_changed());
        assert_eq!(*value, 1);
    }
    assert_eq!(rx.has_changed(), Ok(false));
    let mut second = tx.subscribe();
    assert_eq!(
        second.has_changed(),
        Ok(false),
        "a new receiver has seen the current value"
    );
    tx.send(2).unwrap();
    assert_eq!(
        (rx.has_changed(), second.has_changed()),
        (Ok(true), Ok(true))
    );
    assert_eq!(*second.borrow_and_update(), 2);
    assert_eq!(
        (rx.has_changed(), second.has_changed()),
        (Ok(true), Ok(false))
    );
}

#[test]
fn changed_waits_for_a_send_and_wakes_once() {
    let (tx, mut rx) = channel(0);
    {
        let mut changed = Task::new(rx.changed());
        changed.pending();
        changed.pending();
        tx.send(1).unwrap();
        assert_eq!(changed.wakes(), 1);
        assert_eq!(changed.ready(), Ok(()));
    }
    assert_eq!(rx.has_changed(), Ok(false), "changed marks the value seen");
    let mut changed = Task::new(rx.changed());
    changed.pending();
    assert_eq!(changed.wakes(), 0);
}

#[test]
fn sends_in_between_coalesce_into_one_change() {
    let (tx, mut rx) = channel(0);
    for i in 1..=3 {
        tx.send(i).unwrap();
    }
    assert_eq!(Task::new(rx.changed()).ready(), Ok(()));
    assert_eq!(*rx.borrow(), 3);
    Task::new(rx.changed()).pending();
}

#[test]
fn changed_reports_the_close_only_after_the_last_value_was_seen() {
    let (tx, mut rx) = channel(0);
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(rx.has_changed(), Err(RecvError(())));
    assert_eq!(Task::new(rx.changed()).ready(), Ok(()));
    assert_eq!(*rx.borrow(), 1);
    assert_eq!(Task::new(rx.changed()).ready(), Err(RecvError(())));
}

#[test]
fn dropping_the_sender_wakes_a_waiting_receiver() {
    let (tx, mut rx) = channel(());
    let mut changed = Task::new(rx.changed());
    changed.pending();
    drop(tx);
    assert_eq!(changed.wakes(), 1);
    assert_eq!(changed.ready(), Err(RecvError(())));
}

#[test]
fn a_cancelled_changed_marks_nothing_seen() {
    let (tx, mut rx) = channel(0);
    let mut changed = Task::new(rx.changed());
    changed.pending();
    drop(changed);
    tx.send(1).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(Task::new(rx.changed()).ready(), Ok(()));
}

#[test]
fn send_fails_without_receivers_but_send_replace_stores() {
    let (tx, rx) = channel(1);
    assert_eq!(tx.receiver_count(), 1);
    let rx2 = rx.clone();
    assert_eq!(tx.receiver_count(), 2);
    assert!(rx.same_channel(&rx2));
    drop((rx, rx2));
    assert!(tx.is_closed());
    assert_eq!(tx.send(2), Err(SendError(2)));
    assert_eq!(*tx.borrow(), 1, "a failed send stores nothing");
    assert_eq!(tx.send_replace(3), 1);
    assert_eq!(*tx.borrow(), 3);
    assert_eq!(SendError(0).to_string(), "channel closed");
    assert_eq!(RecvError(()).to_string(), "channel closed");
}

#[test]
fn sender_closed_waits_for_the_last_receiver() {
    let (tx, rx) = channel(());
    let rx2 = rx.clone();
    let mut closed = Task::new(tx.closed());
    closed.pending();
    drop(rx);
    assert_eq!(closed.wakes(), 0);
    drop(rx2);
    assert_eq!(closed.wakes(), 1);
    closed.ready();
    Task::new(tx.closed()).ready();
}

#[test]
fn send_if_modified_notifies_only_on_change() {
    let (tx, mut rx) = channel(0);
    let mut changed = Task::new(rx.changed());
    changed.pending();
    assert!(!tx.send_if_modified(|_| false));
    assert_eq!(changed.wakes(), 0);
    assert!(tx.send_if_modified(|v| {
        *v = 5;
        true
    }));
    assert_eq!(changed.wakes(), 1);
    assert_eq!(changed.ready(), Ok(()));
    drop(changed);
    tx.send_modify(|v| *v += 1);
    assert_eq!(*rx.borrow_and_update(), 6);
}

#[test]
fn mark_changed_and_mark_unchanged() {
    let (tx, mut rx) = channel(0);
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(Task::new(rx.changed()).ready(), Ok(()));
    tx.send(1).unwrap();
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn wait_for_checks_the_current_value_then_each_new_one() {
    let (tx, mut rx) = channel(0);
    {
        let mut wait = Task::new(rx.wait_for(|v| *v == 0));
        assert_eq!(*wait.ready().unwrap(), 0);
    }
    {
        let mut wait = Task::new(rx.wait_for(|v| *v >= 2));
        wait.pending();
        tx.send(1).unwrap();
        assert_eq!(wait.wakes(), 1);
        wait.pending();
        tx.send(2).unwrap();
        assert_eq!(wait.wakes(), 2);
        assert_eq!(*wait.ready().unwrap(), 2);
    }
    tx.send(3).unwrap();
    drop(tx);
    assert_eq!(*Task::new(rx.wait_for(|v| *v == 3)).ready().unwrap(), 3);
    assert!(Task::new(rx.wait_for(|v| *v == 4)).ready().is_err());
}

#[test]
fn types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let (tx, mut rx) = channel(0u8);
    assert_send_sync(&tx);
    assert_send_sync(&rx);
    assert_send_sync(&tx.closed());
    assert_send_sync(&rx.changed());
}

#[test]
fn cloned_senders_close_the_channel_only_when_the_last_drops() {
    let (tx, mut rx) = channel(0);
    let tx2 = tx.clone();
    assert!(tx.same_channel(&tx2));
    assert_eq!((tx.sender_count(), tx2.sender_count()), (2, 2));
    tx2.send(1).unwrap();
    drop(tx);
    assert!(!rx.is_closed());
    assert!(rx.has_changed().unwrap(), "one sender is left: still open");
    assert_eq!(*rx.borrow_and_update(), 1);
    drop(tx2);
    assert!(rx.is_closed());
    assert!(rx.has_changed().is_err(), "the last sender closed it");
    let lone = super::Sender::new(5);
    assert_eq!((lone.receiver_count(), lone.sender_count()), (0, 1));
    assert!(lone.send(6).is_err());
    assert_eq!(*lone.subscribe().borrow(), 5);
}
