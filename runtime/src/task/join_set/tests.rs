//! `JoinSet` on a current-thread runtime, with tasks completed by hand: completion order,
//! exactly which handles a `join_next` looks at, aborts, drops and cancel safety.

use super::JoinSet;
use crate::runtime::{Builder, Runtime};
use crate::task::yield_now;
use crate::test_util::{poll_with, CatchUnwind, Control, CountingWaker};
use std::pin::pin;

fn runtime() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// Yields until `done` holds (the current-thread runtime runs the tasks meanwhile).
async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        yield_now().await;
    }
    panic!("condition not reached");
}

fn spawn_controlled(set: &mut JoinSet<u32>, n: usize) -> Vec<Control> {
    (0..n)
        .map(|_| {
            let control = Control::default();
            set.spawn(control.future());
            control
        })
        .collect()
}

#[test]
fn tasks_come_out_in_completion_order() {
    runtime().block_on(async {
        let mut set = JoinSet::new();
        let controls = spawn_controlled(&mut set, 3);
        until(|| controls.iter().all(|c| c.polls() == 1)).await;
        for i in [2, 0, 1] {
            controls[i].complete(i as u32);
        }
        let mut order = Vec::new();
        while let Some(joined) = set.join_next().await {
            order.push(joined.unwrap());
        }
        assert_eq!(order, [2, 0, 1]);
        assert_eq!(
            controls.iter().map(Control::polls).collect::<Vec<_>>(),
            [2, 2, 2]
        );
    });
}

#[test]
fn join_next_looks_only_at_tasks_that_completed() {
    const N: usize = if cfg!(miri) { 6 } else { 100 };
    runtime().block_on(async {
        let mut set = JoinSet::new();
        let controls = spawn_controlled(&mut set, N);
        assert_eq!(
            set.ready.queued(),
            N,
            "new tasks are queued for a first look"
        );
        let waker = CountingWaker::new();
        {
            let mut next = pin!(set.join_next());
            assert!(poll_with(next.as_mut(), &waker).is_pending());
        }
        assert_eq!(set.ready.queued(), 0);

        controls[N / 2].complete(7);
        until(|| set.ready.queued() == 1).await;
        assert_eq!(
            waker.wakes(),
            1,
            "the completion woke the waiting joiner once"
        );
        assert_eq!(set.try_join_next().unwrap().unwrap(), 7);
        assert_eq!(set.ready.queued(), 0);
        assert_eq!(set.len(), N - 1);
        assert!(set.try_join_next().is_none());
        set.shutdown().await;
    });
}

#[test]
fn abort_all_cancels_every_task_and_they_stay_joinable() {
    runtime().block_on(async {
        let mut set = JoinSet::new();
        let controls = spawn_controlled(&mut set, 3);
        let done = set.spawn(async { 9 });
        until(|| done.is_finished()).await;
        set.abort_all();
        let (mut cancelled, mut outputs) = (0, Vec::new());
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(output) => outputs.push(output),
                Err(error) => {
                    assert!(error.is_cancelled());
                    cancelled += 1;
                }
            }
        }
        assert_eq!((cancelled, outputs), (3, vec![9]));
        for control in &controls {
            assert_eq!((control.polls(), control.drops()), (1, 1));
        }
    });
}

#[test]
fn dropping_the_set_aborts_every_task_once() {
    runtime().block_on(async {
        let mut set = JoinSet::new();
        let controls = spawn_controlled(&mut set, 4);
        until(|| controls.iter().all(|c| c.polls() == 1)).await;
        drop(set);
        until(|| controls.iter().all(|c| c.drops() == 1)).await;
        for _ in 0..5 {
            yield_now().await;
        }
        for control in &controls {
            assert_eq!((control.polls(), control.drops()), (1, 1));
        }
    });
}

#[test]
fn detached_tasks_survive_the_set() {
    runtime().block_on(async {
        let mut set = JoinSet::new();
        let controls = spawn_controlled(&mut set, 2);
        set.detach_all();
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
        drop(set);
        controls[0].complete(1);
        until(|| controls[0].drops() == 1).await;
        assert_eq!(controls[1].drops(), 0, "a detached task is not aborted");
    });
}

#[test]
fn a_dropped_join_next_loses_no_output() {
    runtime().block_on(async {
        let mut set = JoinSet::new();
        let controls = spawn_controlled(&mut set, 2);
        let waker = CountingWaker::new();
        for _ in 0..3 {
            let mut next = pin!(set.join_next());
            assert!(poll_with(next.as_mut(), &waker).is_pending());
        }
        controls[1].complete(11);
        // Dropped again after the completion was queued, before it was joined.
        until(|| set.ready.queued() == 1).await;
        drop(set.join_next());
        assert_eq!(set.join_next().await.unwrap().unwrap(), 11);
        set.abort_all();
        assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
        assert!(set.join_next().await.is_none());
    });
}

#[test]
fn join_all_resumes_a_panic_and_aborts_the_rest() {
    let runtime = runtime();
    let (controls, payload) = runtime.block_on(async {
        let mut set = JoinSet::new();
        let controls = spawn_controlled(&mut set, 2);
        set.spawn(async { panic!("member panicked") });
        let joined = std::panic::AssertUnwindSafe(set.join_all());
        let caught = CatchUnwind(pin!(joined)).await;
        (controls, caught.unwrap_err())
    });
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"member panicked"));
    runtime.block_on(until(|| controls.iter().all(|c| c.drops() == 1)));
}

#[test]
fn join_next_with_id_names_the_task_that_completed() {
    runtime().block_on(async {
        let mut set = JoinSet::new();
        let controls = spawn_controlled(&mut set, 3);
        until(|| controls.iter().all(|c| c.polls() == 1)).await;
        let ids: Vec<_> = {
            // Spawn order is key order; the ids come from the handles in the set.
            let mut ids: Vec<_> = set.entries.values().map(|e| e.handle.id()).collect();
            ids.sort();
            ids
        };
        controls[2].complete(2);
        let (id, output) = set.join_next_with_id().await.unwrap().unwrap();
        assert_eq!((id, output), (ids[2], 2));
        assert!(set.try_join_next_with_id().is_none());
        controls[0].complete(0);
        until(|| controls[0].polls() == 2).await;
        assert_eq!(set.try_join_next_with_id().unwrap().unwrap(), (ids[0], 0));
        let aborted = set.entries.values().next().unwrap().handle.abort_handle();
        aborted.abort();
        let error = set.join_next_with_id().await.unwrap().unwrap_err();
        assert!(error.is_cancelled());
        assert_eq!(error.id(), ids[1]);
        assert!(set.join_next_with_id().await.is_none());
    });
}

#[test]
fn extend_and_collect_spawn_every_future() {
    runtime().block_on(async {
        let mut set: JoinSet<u32> = (0..3).map(|i| async move { i }).collect();
        assert_eq!(set.len(), 3);
        set.extend((3..5).map(|i| async move { i }));
        assert_eq!(set.len(), 5);
        let mut outputs = set.join_all().await;
        outputs.sort();
        assert_eq!(outputs, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn spawn_local_and_spawn_local_on_join_local_tasks() {
    use crate::task::LocalSet;
    use std::rc::Rc;
    let runtime = runtime();
    let local = LocalSet::new();
    let mut set = JoinSet::new();
    let rc = Rc::new(1);
    set.spawn_local_on(
        {
            let rc = rc.clone();
            async move { *rc }
        },
        &local,
    );
    let total = local.block_on(&runtime, async move {
        set.spawn_local(async move { *rc + 1 });
        let mut total = 0;
        while let Some(joined) = set.join_next().await {
            total += joined.unwrap();
        }
        total
    });
    assert_eq!(total, 3);
}

#[test]
fn a_replaced_waker_is_dropped_outside_the_lock_so_its_drop_may_complete_a_task() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};

    /// A waker whose last drop drives the runtime, so the set's task completes (and wakes its
    /// key, taking the ready list's lock) inside the drop.
    struct DrivesOnDrop(Option<Runtime>, Arc<AtomicUsize>);
    impl Wake for DrivesOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for DrivesOnDrop {
        fn drop(&mut self) {
            self.0.take().unwrap().block_on(yield_now());
            self.1.fetch_add(1, SeqCst);
        }
    }

    let runtime = runtime();
    let mut set = JoinSet::new();
    set.spawn_on(async { 42 }, runtime.handle());
    let drops = Arc::new(AtomicUsize::new(0));
    let waker = Waker::from(Arc::new(DrivesOnDrop(Some(runtime), drops.clone())));
    assert!(set
        .poll_join_next(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    assert_eq!(drops.load(SeqCst), 0, "the set keeps a clone");
    let counting = CountingWaker::new();
    let second = Waker::from(counting.clone());
    // Replaces (and drops) the driving waker: the task completes during that drop.
    assert!(set
        .poll_join_next(&mut Context::from_waker(&second))
        .is_pending());
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(counting.wakes(), 1, "the completion wakes the new waker");
    assert_eq!(set.try_join_next().unwrap().unwrap(), 42);
}
