//! Unit tests of task-local storage: values per future across polls, nesting, panics, drops.

use super::AccessError;
use crate::runtime::Builder;
use crate::test_util::{poll_with, CountingWaker};
use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

crate::task_local! {
    static NUMBER: u32;
    static NAME: String;
}

/// Pending `n` times (waking itself), then ready; records the key's value at every poll.
fn record_each_poll(
    n: usize,
    seen: Rc<std::cell::RefCell<Vec<Option<u32>>>>,
) -> impl Future<Output = ()> {
    let mut left = n;
    poll_fn(move |cx| {
        seen.borrow_mut().push(NUMBER.try_get().ok());
        if left == 0 {
            Poll::Ready(())
        } else {
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

#[test]
fn the_value_is_set_during_each_poll_and_only_then() {
    let seen = Rc::default();
    let waker = CountingWaker::new();
    let mut scoped = pin!(NUMBER.scope(5, record_each_poll(2, Rc::clone(&seen))));
    assert!(poll_with(scoped.as_mut(), &waker).is_pending());
    assert_eq!(
        NUMBER.try_get(),
        Err(AccessError(())),
        "not set between polls"
    );
    assert!(poll_with(scoped.as_mut(), &waker).is_pending());
    assert_eq!(poll_with(scoped.as_mut(), &waker), Poll::Ready(()));
    assert_eq!(*seen.borrow(), [Some(5), Some(5), Some(5)]);
    assert_eq!(waker.wakes(), 2);
}

#[test]
fn two_scopes_interleaved_on_one_thread_each_see_their_own_value() {
    let seen_a = Rc::default();
    let seen_b = Rc::default();
    let waker = CountingWaker::new();
    let mut a = pin!(NUMBER.scope(1, record_each_poll(2, Rc::clone(&seen_a))));
    let mut b = pin!(NUMBER.scope(2, record_each_poll(2, Rc::clone(&seen_b))));
    for _ in 0..3 {
        let _ = poll_with(a.as_mut(), &waker);
        let _ = poll_with(b.as_mut(), &waker);
    }
    assert_eq!(*seen_a.borrow(), [Some(1); 3]);
    assert_eq!(*seen_b.borrow(), [Some(2); 3]);
}

#[test]
fn nested_scopes_stack_and_restore_the_outer_value() {
    let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
    let waker = CountingWaker::new();
    let inner = NUMBER.scope(2, record_each_poll(1, Rc::clone(&seen)));
    let outer_seen = Rc::clone(&seen);
    let mut outer = pin!(NUMBER.scope(1, async move {
        outer_seen.borrow_mut().push(NUMBER.try_get().ok());
        inner.await;
        outer_seen.borrow_mut().push(NUMBER.try_get().ok());
    }));
    assert!(poll_with(outer.as_mut(), &waker).is_pending());
    assert_eq!(poll_with(outer.as_mut(), &waker), Poll::Ready(()));
    assert_eq!(*seen.borrow(), [Some(1), Some(2), Some(2), Some(1)]);
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn a_panic_inside_a_scope_restores_the_slot() {
    let result = catch_unwind(|| NUMBER.sync_scope(1, || -> u32 { panic!("inside") }));
    assert!(result.is_err());
    assert!(NUMBER.try_get().is_err(), "the panic left no value behind");

    NUMBER.sync_scope(7, || {
        let waker = CountingWaker::new();
        let mut panicking = pin!(NUMBER.scope(8, async { panic!("in a poll") }));
        let polled = catch_unwind(AssertUnwindSafe(|| poll_with(panicking.as_mut(), &waker)));
        assert!(polled.is_err());
        assert_eq!(NUMBER.get(), 7, "the outer value is back");
    });
}

#[test]
fn the_future_is_dropped_inside_its_scope() {
    struct ReadOnDrop(Rc<Cell<Option<u32>>>);
    impl Drop for ReadOnDrop {
        fn drop(&mut self) {
            self.0.set(NUMBER.try_get().ok());
        }
    }
    let read = Rc::new(Cell::new(None));
    let probe = ReadOnDrop(read.clone());
    let waker = CountingWaker::new();
    let mut scoped = Box::pin(NUMBER.scope(3, async move {
        let _probe = probe;
        std::future::pending::<()>().await
    }));
    assert!(poll_with(scoped.as_mut(), &waker).is_pending());
    drop(scoped);
    assert_eq!(read.get(), Some(3));
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn a_completed_future_was_dropped_inside_its_scope_too() {
    struct ReadOnDrop(Rc<Cell<Option<u32>>>);
    impl Drop for ReadOnDrop {
        fn drop(&mut self) {
            self.0.set(NUMBER.try_get().ok());
        }
    }
    let read = Rc::new(Cell::new(None));
    let probe = ReadOnDrop(read.clone());
    let waker = CountingWaker::new();
    let mut scoped = pin!(NUMBER.scope(4, async move { drop(probe) }));
    assert_eq!(poll_with(scoped.as_mut(), &waker), Poll::Ready(()));
    assert_eq!(read.get(), Some(4));
}

#[test]
fn take_value_leaves_the_future_without_a_value() {
    let waker = CountingWaker::new();
    let mut scoped = Box::pin(NAME.scope("x".to_owned(), async { NAME.try_get() }));
    assert_eq!(scoped.as_mut().take_value().as_deref(), Some("x"));
    assert_eq!(scoped.as_mut().take_value(), None);
    assert_eq!(
        poll_with(scoped.as_mut(), &waker),
        Poll::Ready(Err(AccessError(())))
    );
}

#[test]
#[should_panic = "cannot access a task-local storage value without setting it first"]
fn with_outside_a_scope_panics() {
    NUMBER.with(|_| ());
}

#[test]
#[should_panic = "cannot enter a task-local scope while the task-local storage is borrowed"]
fn entering_a_scope_inside_with_panics_instead_of_aliasing() {
    NUMBER.sync_scope(1, || NUMBER.with(|_| NUMBER.sync_scope(2, || ())));
}

#[test]
#[should_panic = "`TaskLocalFuture` polled after completion"]
fn polling_after_completion_panics() {
    let waker = CountingWaker::new();
    let mut scoped = pin!(NUMBER.scope(1, async {}));
    let _ = poll_with(scoped.as_mut(), &waker);
    let _ = poll_with(scoped.as_mut(), &waker);
}

#[test]
fn values_follow_tasks_across_workers_on_both_flavors() {
    const TASKS: u32 = if cfg!(miri) { 4 } else { 64 };
    for builder in [
        &mut Builder::new_current_thread(),
        Builder::new_multi_thread().worker_threads(2),
    ] {
        let runtime = builder.build().unwrap();
        let total = runtime.block_on(async {
            let handles: Vec<_> = (0..TASKS)
                .map(|i| {
                    crate::spawn(NUMBER.scope(i, async move {
                        let mut sum = 0;
                        for _ in 0..3 {
                            crate::task::yield_now().await;
                            sum += NUMBER.get();
                        }
                        assert_eq!(sum, 3 * i);
                        i
                    }))
                })
                .collect();
            let mut total = 0;
            for handle in handles {
                total += handle.await.unwrap();
            }
            total
        });
        assert_eq!(total, (0..TASKS).sum::<u32>());
    }
}

#[test]
fn aborting_a_task_drops_its_future_inside_the_scope() {
    let runtime = Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        struct SendOnDrop(Option<crate::sync::oneshot::Sender<Option<u32>>>);
        impl Drop for SendOnDrop {
            fn drop(&mut self) {
                let _ = self.0.take().unwrap().send(NUMBER.try_get().ok());
            }
        }
        let (tx, rx) = crate::sync::oneshot::channel();
        let probe = SendOnDrop(Some(tx));
        let handle = crate::spawn(NUMBER.scope(42, async move {
            let _probe = probe;
            std::future::pending::<()>().await
        }));
        crate::task::yield_now().await;
        handle.abort();
        assert_eq!(rx.await.unwrap(), Some(42));
        assert!(handle.await.unwrap_err().is_cancelled());
    });
}
