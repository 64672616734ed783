//! `join_all` polled by hand: exactly which futures each poll touches, wakes of the awaiting
//! task, drops.

use super::join_all;
use crate::test_util::{poll_with, Control, CountingWaker};
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

fn controls(n: usize) -> Vec<Control> {
    (0..n).map(|_| Control::default()).collect()
}

fn polls(controls: &[Control]) -> Vec<usize> {
    controls.iter().map(Control::polls).collect()
}

#[test]
fn first_poll_polls_each_future_once_and_outputs_come_in_input_order() {
    let controls = controls(3);
    let mut all = join_all(controls.iter().map(Control::future));
    let waker = CountingWaker::new();
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    assert_eq!(polls(&controls), [1, 1, 1]);
    // Completed in reverse order: the output is still in input order.
    for (i, control) in controls.iter().enumerate().rev() {
        control.complete(i as u32 * 10);
    }
    assert_eq!(
        waker.wakes(),
        1,
        "the first completion wakes the awaiting task, once"
    );
    assert_eq!(
        poll_with(Pin::new(&mut all), &waker),
        Poll::Ready(vec![0, 10, 20])
    );
    assert_eq!(polls(&controls), [2, 2, 2]);
    assert_eq!(controls.iter().map(Control::drops).sum::<usize>(), 3);
}

#[test]
fn a_poll_touches_only_the_futures_that_were_woken() {
    let controls = controls(5);
    let mut all = join_all(controls.iter().map(Control::future));
    let waker = CountingWaker::new();
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());

    controls[3].wake();
    assert_eq!(waker.wakes(), 1);
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    assert_eq!(polls(&controls), [1, 1, 1, 2, 1]);

    controls[1].complete(1);
    assert_eq!(waker.wakes(), 2);
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    assert_eq!(polls(&controls), [1, 2, 1, 2, 1]);
    assert_eq!(
        controls[1].drops(),
        1,
        "a completed future is dropped at once"
    );

    // A poll with nothing woken polls nothing.
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    assert_eq!(polls(&controls), [1, 2, 1, 2, 1]);
}

#[test]
fn repeated_wakes_before_a_poll_queue_the_future_once() {
    let controls = controls(2);
    let mut all = join_all(controls.iter().map(Control::future));
    let waker = CountingWaker::new();
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    for _ in 0..3 {
        controls[0].wake();
    }
    assert_eq!(
        waker.wakes(),
        1,
        "the stored waker is taken by the first wake"
    );
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    assert_eq!(polls(&controls), [2, 1]);
}

/// Wakes itself on every poll and never completes, like a loop of `yield_now`.
struct Spinner {
    polls: usize,
}

impl Future for Spinner {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls += 1;
        cx.waker().wake_by_ref();
        if self.polls == 3 {
            Poll::Ready(3)
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn a_future_that_wakes_itself_makes_join_all_yield_not_spin() {
    let mut all = join_all([Spinner { polls: 0 }, Spinner { polls: 0 }]);
    let waker = CountingWaker::new();
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    // Each poll polls each spinner once, then wakes the task to come back.
    assert_eq!(waker.wakes(), 1);
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    assert_eq!(waker.wakes(), 2);
    assert_eq!(
        poll_with(Pin::new(&mut all), &waker),
        Poll::Ready(vec![3, 3])
    );
}

#[test]
fn dropping_join_all_drops_each_unfinished_future_once() {
    let controls = controls(3);
    let mut all = join_all(controls.iter().map(Control::future));
    let waker = CountingWaker::new();
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    controls[0].complete(0);
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    drop(all);
    assert_eq!(
        controls.iter().map(Control::drops).collect::<Vec<_>>(),
        [1, 1, 1]
    );
}

#[test]
fn an_empty_input_is_ready_at_once_and_borrowed_futures_work() {
    let waker = CountingWaker::new();
    let mut none = join_all(Vec::<std::future::Ready<u8>>::new());
    assert_eq!(poll_with(Pin::new(&mut none), &waker), Poll::Ready(vec![]));

    // Not `Send`, not `'static`, `!Unpin`: nothing is spawned, and the futures stay pinned.
    let local = std::rc::Rc::new(5);
    let mut all = pin!(join_all((0..3).map(|i| {
        let local = &local;
        async move { **local + i }
    })));
    assert_eq!(poll_with(all.as_mut(), &waker), Poll::Ready(vec![5, 6, 7]));
}

#[test]
fn a_wake_from_another_thread_wakes_the_awaiting_task_once() {
    let controls = controls(2);
    let mut all = join_all(controls.iter().map(Control::future));
    let waker = CountingWaker::new();
    assert!(poll_with(Pin::new(&mut all), &waker).is_pending());
    let remote = controls.clone();
    std::thread::spawn(move || {
        remote[0].complete(7);
        remote[1].complete(8);
    })
    .join()
    .unwrap();
    assert_eq!(waker.wakes(), 1);
    assert_eq!(
        poll_with(Pin::new(&mut all), &waker),
        Poll::Ready(vec![7, 8])
    );
}
