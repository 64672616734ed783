//! Unit tests of `LocalSet`: polled by hand with a counting waker (exact polls, wakes and
//! drops), then on both runtime flavors.

use super::shared::MAX_TASKS_PER_TICK;
use super::{spawn_local, LocalSet};
use crate::runtime::thread_id::ThreadId;
use crate::runtime::Builder;
use crate::test_util::{poll_with, Control, CountingWaker};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;

/// Counts its drops, and remembers the thread that dropped it.
struct DropProbe {
    drops: Rc<Cell<usize>>,
    owner: ThreadId,
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        assert_eq!(
            ThreadId::current(),
            self.owner,
            "dropped off the set's thread"
        );
        self.drops.set(self.drops.get() + 1);
    }
}

fn poll_set(set: &mut LocalSet, waker: &Arc<CountingWaker>) -> Poll<()> {
    poll_with(Pin::new(set), waker)
}

#[test]
fn tasks_run_on_the_set_only_when_it_is_polled() {
    let mut set = LocalSet::new();
    let polls = Rc::new(Cell::new(0));
    let handles: Vec<_> = (0..3u32)
        .map(|i| {
            let polls = polls.clone();
            set.spawn_local(async move {
                polls.set(polls.get() + 1);
                i
            })
        })
        .collect();
    assert_eq!(polls.get(), 0, "spawning runs nothing");
    let waker = CountingWaker::new();
    assert_eq!(poll_set(&mut set, &waker), Poll::Ready(()));
    assert_eq!(polls.get(), 3);
    assert_eq!(waker.wakes(), 0);
    for (i, mut handle) in handles.into_iter().enumerate() {
        assert_eq!(
            poll_with(Pin::new(&mut handle), &waker).map(Result::ok),
            Poll::Ready(Some(i as u32))
        );
    }
}

#[test]
fn a_wake_from_another_thread_goes_through_the_remote_queue_and_wakes_the_driver() {
    let mut set = LocalSet::new();
    let control = Control::default();
    let not_send = Rc::new(());
    let handle = set.spawn_local({
        let future = control.future();
        async move {
            let _keep = not_send;
            future.await
        }
    });
    let waker = CountingWaker::new();
    assert_eq!(poll_set(&mut set, &waker), Poll::Pending);
    assert_eq!(control.polls(), 1);

    let remote = control.clone();
    std::thread::spawn(move || remote.complete(7))
        .join()
        .unwrap();
    assert_eq!(set.shared.remote_len(), 1, "queued remotely");
    assert_eq!(waker.wakes(), 1, "the driver was woken once");
    assert_eq!(control.polls(), 1, "nothing ran off the set's thread");

    assert_eq!(poll_set(&mut set, &waker), Poll::Ready(()));
    assert_eq!(control.polls(), 2);
    assert_eq!(set.shared.remote_len(), 0);
    let mut handle = handle;
    assert_eq!(
        poll_with(Pin::new(&mut handle), &waker).map(Result::ok),
        Poll::Ready(Some(7))
    );
    assert_eq!(control.drops(), 1);
}

#[test]
fn a_wake_on_the_owner_thread_from_outside_the_set_wakes_the_driver_once() {
    let mut set = LocalSet::new();
    let control = Control::default();
    let _handle = set.spawn_local(control.future());
    let waker = CountingWaker::new();
    assert_eq!(poll_set(&mut set, &waker), Poll::Pending);
    control.wake(); // on this thread, but the set is not running
    control.wake(); // already notified: no second queue entry, no second wake
    assert_eq!(waker.wakes(), 1);
    assert_eq!(
        set.shared.remote_len(),
        0,
        "the owner thread uses the local queue"
    );
    assert_eq!(poll_set(&mut set, &waker), Poll::Pending);
    assert_eq!(control.polls(), 2);
}

#[test]
fn a_tick_runs_at_most_its_budget_then_asks_to_be_polled_again() {
    let mut set = LocalSet::new();
    let polls = Rc::new(Cell::new(0usize));
    let tasks = MAX_TASKS_PER_TICK + 5;
    for _ in 0..tasks {
        let polls = polls.clone();
        set.spawn_local(async move { polls.set(polls.get() + 1) });
    }
    let waker = CountingWaker::new();
    assert_eq!(poll_set(&mut set, &waker), Poll::Pending);
    assert_eq!(polls.get(), MAX_TASKS_PER_TICK);
    assert_eq!(
        waker.wakes(),
        1,
        "a full tick wakes its driver to come back"
    );
    assert_eq!(poll_set(&mut set, &waker), Poll::Ready(()));
    assert_eq!(polls.get(), tasks);
    assert_eq!(waker.wakes(), 1);
}

#[test]
fn run_until_returns_with_tasks_left_and_the_next_drive_resumes_them() {
    let set = LocalSet::new();
    let control = Control::default();
    let handle = set.spawn_local(control.future());
    let waker = CountingWaker::new();
    let mut first = std::pin::pin!(set.run_until(async { 1 }));
    // The future goes first; ready at once, so no task ran.
    assert_eq!(poll_with(first.as_mut(), &waker), Poll::Ready(1));
    assert_eq!(control.polls(), 0);

    let mut second = std::pin::pin!(set.run_until(handle));
    assert!(poll_with(second.as_mut(), &waker).is_pending());
    assert_eq!(control.polls(), 1, "the tick after the future ran the task");
    control.complete(5); // on the owner thread, outside the set: wakes the driver
    assert_eq!(waker.wakes(), 1);
    assert!(poll_with(second.as_mut(), &waker).is_pending());
    assert_eq!(control.polls(), 2, "the task completed in this poll's tick");
    assert_eq!(
        waker.wakes(),
        2,
        "its completion woke the handle, awaited by the driver"
    );
    assert_eq!(
        poll_with(second.as_mut(), &waker).map(Result::ok),
        Poll::Ready(Some(5))
    );
}

#[test]
fn spawn_local_inside_the_set_and_nested_spawns_stay_on_the_set() {
    let mut set = LocalSet::new();
    let ran = Rc::new(Cell::new(0));
    {
        let ran = ran.clone();
        set.spawn_local(async move {
            let inner = ran.clone();
            let child = spawn_local(async move {
                let innermost = inner.clone();
                spawn_local(async move { innermost.set(innermost.get() + 1) })
                    .await
                    .unwrap();
                inner.set(inner.get() + 1);
            });
            child.await.unwrap();
            ran.set(ran.get() + 1);
        });
    }
    let waker = CountingWaker::new();
    assert_eq!(poll_set(&mut set, &waker), Poll::Ready(()));
    assert_eq!(ran.get(), 3);
    assert_eq!(
        waker.wakes(),
        0,
        "wakes inside the tick need no wake of the driver"
    );
}

#[test]
#[should_panic = "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"]
fn spawn_local_outside_a_set_panics_with_tokios_message() {
    drop(spawn_local(async {}));
}

#[test]
fn enter_lets_plain_code_spawn_and_restores_the_previous_set() {
    let outer = LocalSet::new();
    let inner = LocalSet::new();
    let guard = outer.enter();
    let a = spawn_local(async { "outer" });
    {
        let _inner = inner.enter();
        let _b = spawn_local(async { "inner" });
    }
    let c = spawn_local(async { "outer again" });
    drop(guard);
    assert!(std::panic::catch_unwind(|| spawn_local(async {})).is_err());
    let waker = CountingWaker::new();
    let mut joined = std::pin::pin!(outer.run_until(async { (a.await, c.await) }));
    // First poll: `a` is not done yet; the tick then runs both queued tasks.
    assert!(poll_with(joined.as_mut(), &waker).is_pending());
    assert_eq!(waker.wakes(), 1, "`a` completing woke the driver");
    let Poll::Ready((a, c)) = poll_with(joined.as_mut(), &waker) else {
        panic!("both tasks ran in the first poll's tick")
    };
    assert_eq!((a.unwrap(), c.unwrap()), ("outer", "outer again"));
    // The inner set's task never ran: it is the inner set's, and that set was never driven.
}

#[test]
fn dropping_the_set_drops_every_future_on_its_thread_inside_its_context() {
    let drops = Rc::new(Cell::new(0));
    let set = LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..3 {
        let probe = DropProbe {
            drops: drops.clone(),
            owner: ThreadId::current(),
        };
        handles.push(set.spawn_local(async move {
            let _probe = probe;
            std::future::pending::<()>().await
        }));
    }
    // A destructor that spawns: inside the closing set's context, refused, not a panic.
    struct SpawnOnDrop(Rc<Cell<Option<bool>>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let handle = spawn_local(async {});
            self.0.set(Some(handle.is_finished()));
        }
    }
    let spawned_in_drop = Rc::new(Cell::new(None));
    let probe = SpawnOnDrop(spawned_in_drop.clone());
    set.spawn_local(async move {
        let _probe = probe;
        std::future::pending::<()>().await
    });
    let waker = CountingWaker::new();
    let mut set = set;
    assert_eq!(poll_set(&mut set, &waker), Poll::Pending);
    assert_eq!(drops.get(), 0);
    drop(set);
    assert_eq!(drops.get(), 3);
    assert_eq!(
        spawned_in_drop.get(),
        Some(true),
        "the refused task is cancelled on the spot"
    );
    for mut handle in handles {
        let Poll::Ready(Err(error)) = poll_with(Pin::new(&mut handle), &waker) else {
            panic!("a task of a dropped set is cancelled")
        };
        assert!(error.is_cancelled());
    }
}

#[test]
fn a_remote_wake_after_the_set_dropped_is_discarded() {
    let set = LocalSet::new();
    let control = Control::default();
    let handle = set.spawn_local(control.future());
    let mut set = set;
    let waker = CountingWaker::new();
    assert_eq!(poll_set(&mut set, &waker), Poll::Pending);
    drop(set);
    assert_eq!(control.drops(), 1);
    // The future is gone and so is its waker: nothing is left to wake, nothing leaks.
    let remote = control.clone();
    std::thread::spawn(move || remote.complete(1))
        .join()
        .unwrap();
    assert!(handle.is_finished());
}

#[test]
fn abort_from_another_thread_cancels_on_the_sets_thread() {
    let drops = Rc::new(Cell::new(0));
    let mut set = LocalSet::new();
    let probe = DropProbe {
        drops: drops.clone(),
        owner: ThreadId::current(),
    };
    let handle = set.spawn_local(async move {
        let _probe = probe;
        std::future::pending::<()>().await
    });
    let waker = CountingWaker::new();
    assert_eq!(poll_set(&mut set, &waker), Poll::Pending);
    let abort = handle.abort_handle();
    std::thread::spawn(move || abort.abort()).join().unwrap();
    assert_eq!(
        drops.get(),
        0,
        "the future is dropped by the set, not the aborting thread"
    );
    assert_eq!(waker.wakes(), 1);
    assert_eq!(poll_set(&mut set, &waker), Poll::Ready(()));
    assert_eq!(drops.get(), 1);
    let mut handle = handle;
    let Poll::Ready(Err(error)) = poll_with(Pin::new(&mut handle), &waker) else {
        panic!("the aborted task completed")
    };
    assert!(error.is_cancelled());
}

#[test]
fn a_panicking_local_task_reports_it_and_the_set_goes_on() {
    let mut set = LocalSet::new();
    let mut boom = set.spawn_local(async { panic!("boom") });
    let mut fine = set.spawn_local(async { 3 });
    let waker = CountingWaker::new();
    assert_eq!(poll_set(&mut set, &waker), Poll::Ready(()));
    let Poll::Ready(Err(error)) = poll_with(Pin::new(&mut boom), &waker) else {
        panic!("the panicking task completed")
    };
    assert!(error.is_panic());
    assert_eq!(
        poll_with(Pin::new(&mut fine), &waker).map(Result::ok),
        Poll::Ready(Some(3))
    );
}

#[test]
fn a_set_in_a_current_thread_runtime_with_timers_and_spawned_tasks() {
    let runtime = Builder::new_current_thread().build().unwrap();
    let set = LocalSet::new();
    let shared = Rc::new(Cell::new(0));
    let out = set.block_on(&runtime, {
        let shared = shared.clone();
        async move {
            let local = spawn_local({
                let shared = shared.clone();
                async move {
                    crate::time::sleep(std::time::Duration::from_millis(1)).await;
                    shared.set(shared.get() + 1);
                }
            });
            // A Send task of the runtime, joined from the set.
            let spawned = crate::spawn(async { 10 }).await.unwrap();
            local.await.unwrap();
            spawned + shared.get()
        }
    });
    assert_eq!(out, 11);
}

/// Counts the polls of the future inside.
struct CountPolls<F> {
    polls: Rc<Cell<usize>>,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.future.as_mut().poll(cx)
    }
}

#[test]
fn a_set_in_a_multi_thread_runtime_is_woken_by_workers() {
    let runtime = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let set = LocalSet::new();
    const TASKS: usize = if cfg!(miri) { 4 } else { 100 };
    let polls = Rc::new(Cell::new(0));
    let sent_from = Arc::new(std::sync::Mutex::new(Vec::new()));
    let total = set.block_on(&runtime, {
        let polls = polls.clone();
        let sent_from = sent_from.clone();
        async move {
            let mut gates = Vec::new();
            let handles: Vec<_> = (0..TASKS)
                .map(|i| {
                    let (tx, rx) = crate::sync::oneshot::channel();
                    let (gate, opened) = crate::sync::oneshot::channel::<()>();
                    gates.push(gate);
                    let sent_from = sent_from.clone();
                    // The sender runs on a worker once the gate opens: the wake crosses threads.
                    crate::spawn(async move {
                        opened.await.unwrap();
                        sent_from.lock().unwrap().push(std::thread::current().id());
                        tx.send(i).unwrap();
                    });
                    spawn_local(CountPolls {
                        polls: polls.clone(),
                        future: Box::pin(async move { rx.await.unwrap() }),
                    })
                })
                .collect();
            // Let the set poll every local task once (they wait on their receivers).
            while polls.get() < TASKS {
                crate::task::yield_now().await;
            }
            for gate in gates {
                gate.send(()).unwrap();
            }
            let mut total = 0;
            for handle in handles {
                total += handle.await.unwrap();
            }
            total
        }
    });
    assert_eq!(total, (0..TASKS).sum::<usize>());
    assert_eq!(
        polls.get(),
        2 * TASKS,
        "each local task: one pending poll, one ready poll"
    );
    let here = std::thread::current().id();
    let sent_from = sent_from.lock().unwrap();
    assert_eq!(sent_from.len(), TASKS);
    assert!(
        sent_from.iter().all(|id| *id != here),
        "every send came from a worker"
    );
}
