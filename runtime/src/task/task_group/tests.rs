//! `TaskGroup` on a current-thread runtime, with members completed by hand: spawn order,
//! cancel-on-first-error without polling `join`, panics, drops and the joiner's single wake.

use super::TaskGroup;
use crate::runtime::{Builder, Runtime};
use crate::task::yield_now;
use crate::test_util::{poll_with, CatchUnwind, Control, CountingWaker};
use std::pin::pin;
use std::task::Poll;

fn runtime() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        yield_now().await;
    }
    panic!("condition not reached");
}

/// A member that waits for its control, then returns `Ok(n)`, or `Err(n)` for odd `n`.
fn member(control: &Control) -> impl std::future::Future<Output = Result<u32, u32>> {
    let future = control.future();
    async move {
        let n = future.await;
        if n % 2 == 1 {
            Err(n)
        } else {
            Ok(n)
        }
    }
}

#[test]
fn outputs_come_in_spawn_order_and_the_joiner_is_woken_once() {
    runtime().block_on(async {
        let group = TaskGroup::new();
        let controls: Vec<Control> = (0..3).map(|_| Control::default()).collect();
        for control in &controls {
            group.spawn(member(control));
        }
        until(|| controls.iter().all(|c| c.polls() == 1)).await;
        let waker = CountingWaker::new();
        let mut join = pin!(group.join());
        assert!(poll_with(join.as_mut(), &waker).is_pending());
        for (i, control) in controls.iter().enumerate().rev() {
            control.complete(2 * i as u32);
        }
        until(|| controls.iter().all(|c| c.drops() == 1)).await;
        assert_eq!(waker.wakes(), 1);
        assert_eq!(
            poll_with(join.as_mut(), &waker),
            Poll::Ready(Ok(vec![0, 2, 4]))
        );
        for control in &controls {
            assert_eq!((control.polls(), control.drops()), (2, 1));
        }
    });
}

#[test]
fn the_first_error_cancels_the_others_before_join_is_polled() {
    runtime().block_on(async {
        let group = TaskGroup::new();
        let controls: Vec<Control> = (0..3).map(|_| Control::default()).collect();
        for control in &controls {
            group.spawn(member(control));
        }
        until(|| controls.iter().all(|c| c.polls() == 1)).await;
        controls[1].complete(7);
        // Nobody polls `join`: the failing member cancels its siblings itself.
        until(|| controls.iter().all(|c| c.drops() == 1)).await;
        assert_eq!(
            controls.iter().map(Control::polls).collect::<Vec<_>>(),
            [1, 2, 1]
        );
        assert_eq!(group.join().await, Err(7));
    });
}

#[test]
fn a_panic_cancels_the_others_and_resumes_in_the_joiner() {
    let runtime = runtime();
    let other = Control::default();
    let group = TaskGroup::<u32, u32>::new();
    let caught = runtime.block_on(async {
        group.spawn(member(&other));
        group.spawn(async {
            yield_now().await;
            panic!("member panicked")
        });
        CatchUnwind(Box::pin(group.join())).await
    });
    let payload = caught.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"member panicked"));
    assert_eq!((other.polls(), other.drops()), (1, 1));
}

#[test]
fn dropping_the_group_cancels_its_members() {
    runtime().block_on(async {
        let group = TaskGroup::<u32, u32>::new();
        let controls: Vec<Control> = (0..3).map(|_| Control::default()).collect();
        for control in &controls {
            group.spawn(member(control));
        }
        until(|| controls.iter().all(|c| c.polls() == 1)).await;
        drop(group);
        until(|| controls.iter().all(|c| c.drops() == 1)).await;
        assert_eq!(controls.iter().map(Control::polls).sum::<usize>(), 3);
    });
}

#[test]
fn a_member_spawned_after_the_failure_is_never_polled() {
    runtime().block_on(async {
        let group = TaskGroup::<u32, u32>::new();
        group.spawn(async { Err(1) });
        until(|| group.state.counts().1 == 0).await;
        let late = Control::default();
        group.spawn(member(&late));
        until(|| late.drops() == 1).await;
        assert_eq!(late.polls(), 0);
        assert_eq!(group.len(), 2);
        assert_eq!(group.join().await, Err(1));
    });
}

#[test]
fn a_panic_in_a_cancelled_members_destructor_is_caught() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("destructor panicked");
        }
    }
    runtime().block_on(async {
        let group = TaskGroup::<(), u32>::new();
        group.spawn(async {
            let _bomb = PanicOnDrop;
            std::future::pending::<()>().await;
            Ok(())
        });
        group.spawn(async {
            yield_now().await;
            Err(3)
        });
        // The error came first; the destructor's panic does not replace it.
        assert_eq!(group.join().await, Err(3));
    });
}

#[test]
fn a_member_cancelled_by_its_runtime_fails_the_join_with_a_message() {
    let members = runtime();
    let group = TaskGroup::<(), ()>::new();
    group.spawn_on(std::future::pending(), members.handle());
    drop(members);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime().block_on(group.join())
    }));
    let payload = caught.unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("cancelled from outside the group"),
        "{message}"
    );
}
