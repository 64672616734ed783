//! Small end-to-end runs of both schedulers inside the library, so that miri checks the
//! workers' unsafe code (the LIFO slot's raw pointers, the worker thread-local, task handoff
//! between threads). Kept tiny: miri is slow. The integration suite in `tests/` covers
//! behaviour at scale.

use super::Builder;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

const TASKS: usize = if cfg!(miri) { 8 } else { 200 };

#[test]
fn multi_thread_runs_spawned_yielding_and_woken_tasks_exactly_once() {
    let runtime = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let polls = Arc::new(AtomicUsize::new(0));
    let total = runtime.block_on(async {
        let handles: Vec<_> = (0..TASKS)
            .map(|i| {
                let polls = polls.clone();
                crate::spawn(async move {
                    polls.fetch_add(1, SeqCst);
                    crate::task::yield_now().await;
                    // A child spawned on a worker goes through the LIFO slot.
                    crate::spawn(async move { i }).await.unwrap()
                })
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        total
    });
    assert_eq!(total, (0..TASKS).sum::<usize>());
    assert_eq!(polls.load(SeqCst), TASKS);
    let metrics = runtime.handle().metrics();
    assert_eq!(metrics.spawned_tasks_count(), 2 * TASKS as u64);
    assert_eq!(metrics.num_alive_tasks(), 0);
}

#[test]
fn dropping_a_runtime_drops_pending_futures() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    for builder in [
        Builder::new_multi_thread().worker_threads(2),
        &mut Builder::new_current_thread(),
    ] {
        let runtime = builder.build().unwrap();
        for _ in 0..4 {
            let counted = Counted(drops.clone());
            runtime.spawn(async move {
                let _counted = counted;
                std::future::pending::<()>().await;
            });
        }
        drop(runtime);
    }
    assert_eq!(drops.load(SeqCst), 8);
}

#[test]
fn current_thread_runs_tasks_and_timers_on_the_caller() {
    let runtime = Builder::new_current_thread().build().unwrap();
    let caller = std::thread::current().id();
    let ran_on = runtime.block_on(async {
        crate::time::sleep(std::time::Duration::from_millis(1)).await;
        crate::spawn(async { std::thread::current().id() })
            .await
            .unwrap()
    });
    assert_eq!(ran_on, caller);
}

#[test]
fn spawn_blocking_returns_its_result() {
    let runtime = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let value = runtime.block_on(async { crate::task::spawn_blocking(|| 7).await.unwrap() });
    assert_eq!(value, 7);
}

#[test]
fn enter_guards_dropped_out_of_order_panic_and_restore_the_state_before_the_outer_one() {
    use super::Handle;
    use std::panic::{self, AssertUnwindSafe};
    let (first, second) = (
        Builder::new_current_thread().build().unwrap(),
        Builder::new_current_thread().build().unwrap(),
    );
    let outer = first.enter();
    let inner = second.enter();
    let dropped = panic::catch_unwind(AssertUnwindSafe(|| drop(outer)));
    let message = dropped.expect_err("dropping the outer guard first panics");
    assert!(message
        .downcast_ref::<String>()
        .is_some_and(|m| m.contains("dropped out of order")));
    assert!(Handle::try_current().is_err(), "no runtime is left current");
    assert!(weft_io::Reactor::current().is_none(), "nor any reactor");
    drop(inner); // Closed by the outer one already: nothing to do, no second panic.
    assert!(Handle::try_current().is_err());
    assert!(weft_io::Reactor::current().is_none());
}

#[test]
fn a_runtime_is_unwind_safe_and_runs_on_after_a_block_on_panicked() {
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
    for runtime in [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
    ] {
        unwind_safe(&runtime);
        // Captures `&runtime`: compiles only because `Runtime: RefUnwindSafe`.
        let unwound = std::panic::catch_unwind(|| runtime.block_on(async { panic!("boom") }));
        assert!(unwound.is_err());
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = polls.clone();
        let answer = runtime.block_on(async move {
            counted.fetch_add(1, SeqCst);
            crate::spawn(async { 7 }).await.unwrap()
        });
        assert_eq!((answer, polls.load(SeqCst)), (7, 1));
    }
}

#[test]
fn a_shutdown_timeout_past_the_clock_waits_without_a_deadline() {
    for flavor in 0..2 {
        let runtime = if flavor == 0 {
            Builder::new_current_thread().build().unwrap()
        } else {
            Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .unwrap()
        };
        let finished = Arc::new(AtomicUsize::new(0));
        let job = finished.clone();
        runtime.spawn_blocking(move || {
            job.fetch_add(1, SeqCst);
        });
        runtime.shutdown_timeout(std::time::Duration::MAX);
        assert_eq!(finished.load(SeqCst), 1, "the job ran to the end");
    }
}

/// A thread keeps its current-thread `block_on` waker for its next call, but holds the runtime
/// weakly: a dropped runtime is freed (its reactor with it) although this thread's cache and a
/// waker a future kept still point at it, and waking that waker afterwards does nothing.
#[test]
fn block_on_keeps_its_waker_but_not_the_runtime() {
    let rt = Builder::new_current_thread().build().unwrap();
    let crate::scheduler::Handle::CurrentThread(shared) = &rt.handle().inner else {
        unreachable!("a current-thread runtime")
    };
    let shared = Arc::downgrade(shared);
    let kept = rt.block_on(std::future::poll_fn(|cx| {
        std::task::Poll::Ready(cx.waker().clone())
    }));
    // The same waker again: the thread reuses what it made.
    let again = rt.block_on(std::future::poll_fn(|cx| {
        std::task::Poll::Ready(cx.waker().clone())
    }));
    assert!(kept.will_wake(&again));
    drop((rt, again));
    assert!(shared.upgrade().is_none(), "the runtime outlived its drop");
    kept.wake();
}

#[test]
fn a_thread_s_sleeps_share_one_driver_reference_per_entry() {
    use crate::runtime::context::time_driver;
    use crate::time::driver::TimeDriver;
    let outer = Builder::new_current_thread().build().unwrap();
    let inner = Builder::new_current_thread().build().unwrap();
    let driver_of = |runtime: &crate::runtime::Runtime| -> *const TimeDriver {
        &**runtime.handle().inner.time()
    };
    assert!(time_driver().is_none(), "outside a runtime");
    let outer_entry = outer.enter();
    let first = time_driver().unwrap();
    let second = time_driver().unwrap();
    // One reference per thread and entry, cloned by every timer made there.
    assert!(std::sync::Arc::ptr_eq(&first, &second));
    assert!(std::ptr::eq(&**first, driver_of(&outer)));
    {
        let _inner_entry = inner.enter();
        let nested = time_driver().unwrap();
        assert!(std::ptr::eq(&**nested, driver_of(&inner)));
    }
    // Leaving the inner entry restores the outer one's reference.
    assert!(std::sync::Arc::ptr_eq(&time_driver().unwrap(), &first));
    drop(outer_entry);
    assert!(time_driver().is_none());
    // A reference still held (as by a sleep) outlives the entry, and keeps its driver alive.
    assert_eq!(std::sync::Arc::strong_count(&first), 2);
}
