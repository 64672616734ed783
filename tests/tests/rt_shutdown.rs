//! Shutdown: dropping a runtime drops every live task's future exactly once (pending, queued,
//! busy), never hangs (not even when destructors spawn), leaves handles and wakers harmless; and
//! misuse (nested `block_on`, spawning outside a runtime) panics with a clear message.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use weft::runtime::{Handle, Runtime};
use weft::task::{yield_now, JoinHandle};

const PENDING: usize = 1000;

/// Spawns PENDING tasks that each hold a drop guard and then wait forever; returns once every
/// one of them has been polled.
fn fill_with_pending_tasks(rt: &Runtime, drops: &Counter) -> Vec<JoinHandle<()>> {
    let polls = counter();
    let (d, p) = (drops.clone(), polls.clone());
    rt.block_on(async move {
        let hs: Vec<_> = (0..PENDING)
            .map(|_| {
                let g = DropGuard::new(&d);
                weft::spawn(count_polls(&p, async move {
                    let _g = g;
                    std::future::pending::<()>().await
                }))
            })
            .collect();
        while get(&p) < PENDING {
            yield_now().await;
        }
        hs
    })
}

fn drop_with_pending_tasks(rt: Runtime) {
    let drops = counter();
    let handles = fill_with_pending_tasks(&rt, &drops);
    assert_eq!(get(&drops), 0);
    drop(rt);
    assert_eq!(
        get(&drops),
        PENDING,
        "when drop(Runtime) returns, every pending task's future must have been dropped once"
    );
    // Handles that outlive the runtime resolve as cancelled instead of hanging.
    for h in handles {
        let res = futures_lite::future::block_on(h);
        assert!(res.expect_err("a task dropped by shutdown").is_cancelled());
    }
}

#[test]
fn drop_runtime_with_1000_pending_tasks_multi_thread() {
    guard(|| drop_with_pending_tasks(multi(2)));
}

#[test]
fn drop_runtime_with_1000_pending_tasks_current_thread() {
    guard(|| drop_with_pending_tasks(current()));
}

#[test]
fn drop_runtime_with_1000_never_polled_tasks_current_thread() {
    guard(|| {
        let rt = current();
        let drops = counter();
        let polls = counter();
        for _ in 0..PENDING {
            let g = DropGuard::new(&drops);
            drop(rt.spawn(count_polls(&polls, async move {
                let _g = g;
            })));
        }
        drop(rt);
        assert_eq!(
            get(&polls),
            0,
            "no block_on ran, so nothing may have been polled"
        );
        assert_eq!(
            get(&drops),
            PENDING,
            "queued tasks must be dropped by shutdown"
        );
    });
}

#[test]
fn drop_runtime_with_busy_tasks_returns_promptly() {
    guard(|| {
        let rt = multi(2);
        let drops = counter();
        let polls = counter();
        for _ in 0..100 {
            let g = DropGuard::new(&drops);
            drop(rt.spawn(count_polls(&polls, async move {
                let _g = g;
                loop {
                    yield_now().await;
                }
            })));
        }
        assert!(wait_until(Duration::from_secs(10), || get(&polls) >= 1000));
        let t0 = Instant::now();
        drop(rt);
        let took = t0.elapsed();
        assert_eq!(get(&drops), 100);
        assert!(
            took < Duration::from_secs(5),
            "dropping a runtime of busy tasks took {took:?}"
        );
    });
}

#[test]
fn shutdown_timeout_drops_pending_tasks() {
    guard(|| {
        let rt = multi(2);
        let drops = counter();
        let _handles = fill_with_pending_tasks(&rt, &drops);
        rt.shutdown_timeout(Duration::from_secs(5));
        assert_eq!(get(&drops), PENDING);
    });
}

/// Spawns a replacement through `handle` when dropped, `depth` times over; every future ever
/// created adds one to `created` and, when dropped, one to `dropped`.
struct Respawner {
    handle: Handle,
    depth: u32,
    created: Counter,
    dropped: Counter,
}

impl Respawner {
    fn new(handle: Handle, depth: u32, created: &Counter, dropped: &Counter) -> Respawner {
        bump(created);
        Respawner {
            handle,
            depth,
            created: created.clone(),
            dropped: dropped.clone(),
        }
    }
}

impl Drop for Respawner {
    fn drop(&mut self) {
        if self.depth > 0 {
            let next = Respawner::new(
                self.handle.clone(),
                self.depth - 1,
                &self.created,
                &self.dropped,
            );
            drop(self.handle.spawn(async move {
                let _next = next;
                std::future::pending::<()>().await
            }));
        }
        bump(&self.dropped);
    }
}

#[test]
fn tasks_that_spawn_in_their_destructor_do_not_hang_shutdown() {
    guard(|| {
        for rt in [multi(2), current()] {
            let created = counter();
            let dropped = counter();
            let handle = rt.handle().clone();
            let (c, d) = (created.clone(), dropped.clone());
            rt.block_on(async move {
                for _ in 0..50 {
                    let r = Respawner::new(handle.clone(), 3, &c, &d);
                    drop(weft::spawn(async move {
                        let _r = r;
                        std::future::pending::<()>().await
                    }));
                }
                yield_now().await;
            });
            drop(rt);
            assert_eq!(get(&created), 50 * 4);
            assert_eq!(
                get(&dropped),
                get(&created),
                "a future spawned during shutdown was leaked (never dropped)"
            );
        }
    });
}

/// What the destructor of a task's future saw and did at shutdown.
#[derive(Clone, Default)]
struct AtShutdown {
    /// Destructors that found the runtime current (`Handle::try_current`).
    in_context: Counter,
    /// Destructors whose `weft::spawn` returned a handle (rather than panicking).
    spawned: Counter,
    /// Polls and drops of the futures those destructors spawned.
    spawned_polls: Counter,
    spawned_drops: Counter,
}

/// Spawns from its destructor through the ambient runtime, as a new user would.
struct SpawnsOnDrop(AtShutdown);

impl Drop for SpawnsOnDrop {
    fn drop(&mut self) {
        let seen = &self.0;
        if Handle::try_current().is_ok() {
            bump(&seen.in_context);
        }
        let (polls, g) = (
            seen.spawned_polls.clone(),
            DropGuard::new(&seen.spawned_drops),
        );
        let join = weft::spawn(async move {
            let _g = g;
            bump(&polls);
        });
        drop(join);
        bump(&seen.spawned);
    }
}

/// tokio enters the runtime's context to drop its tasks (`rt_basic::drop_tasks_in_context`), so
/// that their destructors can use it: a spawn there is quietly cancelled (dropped, never run).
#[test]
fn destructors_at_shutdown_run_inside_the_runtime_and_their_spawns_are_cancelled() {
    const TASKS: usize = 10;
    type Shutdown = fn(Runtime);
    let ways: [(&str, Shutdown); 3] = [
        ("drop", drop),
        ("shutdown_timeout", |rt| {
            rt.shutdown_timeout(Duration::from_secs(100))
        }),
        ("shutdown_background", Runtime::shutdown_background),
    ];
    guard(move || {
        for (way, shutdown) in ways {
            for rt in [multi(2), current()] {
                let seen = AtShutdown::default();
                let polled = counter();
                for _ in 0..TASKS {
                    let s = SpawnsOnDrop(seen.clone());
                    drop(rt.spawn(count_polls(&polled, async move {
                        let _s = s;
                        std::future::pending::<()>().await
                    })));
                }
                // Half of them polled and pending (on a current-thread runtime, the others
                // never ran), the rest at least queued.
                rt.block_on(async {
                    while get(&polled) < TASKS / 2 {
                        yield_now().await;
                    }
                });
                shutdown(rt);
                let counts = [
                    get(&seen.in_context),
                    get(&seen.spawned),
                    get(&seen.spawned_polls),
                    get(&seen.spawned_drops),
                ];
                assert_eq!(counts, [TASKS, TASKS, 0, TASKS], "{way}");
            }
        }
    });
}

#[test]
fn waking_a_task_after_its_runtime_is_gone_is_harmless() {
    guard(|| {
        let gate = Gate::new();
        let polls = counter();
        let rt = multi(2);
        let g = gate.clone();
        drop(rt.spawn(count_polls(&polls, async move { g.wait().await })));
        assert!(wait_until(Duration::from_secs(10), || get(&polls) == 1));
        drop(rt);
        // Calls the stale waker. No thread is left to poll the task, so the count can be read
        // at once: the wake either drops its reference or finds nothing to schedule.
        gate.open();
        assert_eq!(
            get(&polls),
            1,
            "a task was polled after its runtime was dropped"
        );
    });
}

#[test]
fn spawning_through_a_handle_after_shutdown_is_not_a_hang_or_a_leak() {
    guard(|| {
        let rt = multi(2);
        let handle = rt.handle().clone();
        drop(rt);
        let drops = counter();
        let g = DropGuard::new(&drops);
        let res = panic::catch_unwind(AssertUnwindSafe(|| {
            handle.spawn(async move {
                let _g = g;
                1
            })
        }));
        if let Ok(h) = res {
            // Accepted: then it resolves (as cancelled, since nothing can run it).
            let out = futures_lite::future::block_on(h);
            assert!(out
                .expect_err("no runtime is left to run it")
                .is_cancelled());
        }
        assert_eq!(
            get(&drops),
            1,
            "the future given to a dead runtime was not dropped"
        );
    });
}

#[test]
fn create_and_drop_many_runtimes() {
    guard(|| {
        for i in 0..20 {
            let rt = if i % 2 == 0 { multi(2) } else { current() };
            let drops = counter();
            let g = DropGuard::new(&drops);
            let out = rt.block_on(async move {
                drop(weft::spawn(async move {
                    let _g = g;
                    std::future::pending::<()>().await
                }));
                weft::spawn(async move { i }).await.unwrap()
            });
            assert_eq!(out, i);
            drop(rt);
            assert_eq!(get(&drops), 1);
        }
    });
}

#[test]
fn runtime_can_be_dropped_on_another_thread() {
    guard(|| {
        let rt = multi(2);
        let drops = counter();
        let _hs = fill_with_pending_tasks(&rt, &drops);
        thread::spawn(move || drop(rt)).join().unwrap();
        assert_eq!(get(&drops), PENDING);
    });
}

// ---------------------------------------------------------------- misuse

const NESTED: &str = "cannot block_on inside a running runtime";
const OUTSIDE: &str = "no weft runtime is running";

#[test]
#[should_panic(expected = "cannot block_on inside a running runtime")]
fn block_on_inside_block_on_panics_multi_thread() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async { rt.block_on(async { 1 }) });
    });
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn block_on_inside_block_on_panics_current_thread() {
    guard(|| {
        let rt = current();
        rt.block_on(async { rt.block_on(async { 1 }) });
    });
}

#[test]
fn handle_block_on_inside_a_task_panics_with_a_clear_message() {
    guard(|| {
        for rt in [multi(2), current()] {
            let err = rt
                .block_on(async {
                    weft::spawn(async { Handle::current().block_on(async { 1 }) }).await
                })
                .expect_err("block_on inside a task must panic");
            assert!(err.is_panic());
            let msg = panic_message(&*err.into_panic());
            assert!(msg.contains(NESTED), "unexpected message {msg:?}");
            // The runtime survives the misuse.
            assert_eq!(
                rt.block_on(async { weft::spawn(async { 2 }).await.unwrap() }),
                2
            );
        }
    });
}

#[test]
fn another_runtimes_block_on_inside_a_task_panics() {
    guard(|| {
        let outer = multi(2);
        let inner = Arc::new(current());
        let i = inner.clone();
        let err = outer
            .block_on(async move { weft::spawn(async move { i.block_on(async { 3 }) }).await })
            .expect_err("block_on of another runtime inside a task must panic");
        assert!(err.is_panic());
        let msg = panic_message(&*err.into_panic());
        assert!(msg.contains(NESTED), "unexpected message {msg:?}");
        drop(outer);
        // The inner runtime was never entered and still works.
        assert_eq!(inner.block_on(async { 4 }), 4);
    });
}

#[test]
fn spawn_outside_a_runtime_panics_with_a_clear_message() {
    guard(|| {
        expect_panic_containing(OUTSIDE, || weft::spawn(async { 1 }));
        expect_panic_containing(OUTSIDE, || weft::task::spawn(async { 1 }));
        // Still outside after a runtime came and went on this thread.
        let rt = multi(2);
        rt.block_on(async { weft::spawn(async {}).await.unwrap() });
        expect_panic_containing(OUTSIDE, || weft::spawn(async { 1 }));
        drop(rt);
        expect_panic_containing(OUTSIDE, || weft::spawn(async { 1 }));
    });
}

#[test]
#[should_panic(expected = "no weft runtime is running")]
fn spawn_outside_a_runtime_should_panic() {
    guard(|| {
        drop(weft::spawn(async {}));
    });
}

/// A runtime kept in a thread-local is dropped while the thread's thread-locals are being torn
/// down; its shutdown must not touch a thread-local that is already gone (each flavor, and a
/// `LocalSet` beside it).
#[test]
fn a_runtime_in_a_thread_local_shuts_down_at_thread_exit() {
    use std::cell::RefCell;
    thread_local! {
        static KEPT: RefCell<Vec<Box<dyn std::any::Any>>> = const { RefCell::new(Vec::new()) };
    }
    for flavor in ["current_thread", "multi_thread"] {
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = ran.clone();
        std::thread::spawn(move || {
            // Registered first, so torn down last: after weft's own thread-locals of this
            // thread are gone (destructors run in reverse order of registration).
            KEPT.with(|_| ());
            let rt = match flavor {
                "current_thread" => weft::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build(),
                _ => weft::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build(),
            }
            .unwrap();
            let local = weft::task::LocalSet::new();
            local.block_on(&rt, async move {
                weft::task::spawn_local(async move {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                })
                .await
                .unwrap();
            });
            // A task left pending in each, so that shutdown has futures to drop.
            rt.spawn(std::future::pending::<()>());
            local.spawn_local(std::future::pending::<()>());
            KEPT.with(|kept| {
                kept.borrow_mut().push(Box::new(local));
                kept.borrow_mut().push(Box::new(rt));
            });
        })
        .join()
        .unwrap_or_else(|_| panic!("{flavor}: dropping the thread-local runtime panicked"));
        assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), 1, "{flavor}");
    }
}
