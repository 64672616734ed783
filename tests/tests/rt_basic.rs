//! Running futures: `block_on`, spawning from inside and outside the runtime on both schedulers,
//! detached tasks, nested spawn trees, `Handle`, thread naming, `on_thread_start` and
//! `worker_threads`.

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use common::*;
use weft::runtime::{Builder, Handle, Runtime};
use weft::task::yield_now;

const MANY: usize = 10_000;

// ---------------------------------------------------------------- block_on

#[test]
fn block_on_returns_values_multi_thread() {
    guard(|| {
        let rt = multi(2);
        assert_eq!(rt.block_on(async { 6 * 7 }), 42);
        assert_eq!(rt.block_on(async { String::from("weft") }), "weft");
        assert_eq!(
            rt.block_on(async { weft::spawn(async { 7u8 }).await.unwrap() }),
            7
        );
    });
}

#[test]
fn block_on_returns_values_current_thread() {
    guard(|| {
        let rt = current();
        assert_eq!(rt.block_on(async { 6 * 7 }), 42);
        assert_eq!(rt.block_on(async { vec![1, 2, 3] }), vec![1, 2, 3]);
        assert_eq!(
            rt.block_on(async { weft::spawn(async { 7u8 }).await.unwrap() }),
            7
        );
    });
}

#[test]
fn runtime_new_gives_a_working_multi_thread_runtime() {
    guard(|| {
        let rt = Runtime::new().expect("Runtime::new");
        let out = rt.block_on(async {
            let a = weft::spawn(async { 40 });
            let b = weft::spawn(async { 2 });
            a.await.unwrap() + b.await.unwrap()
        });
        assert_eq!(out, 42);
    });
}

#[test]
fn block_on_may_borrow_from_the_caller() {
    guard(|| {
        for rt in [multi(2), current()] {
            let mut v = vec![1, 2, 3];
            let sum: i32 = rt.block_on(async {
                v.push(4);
                v.iter().sum()
            });
            assert_eq!(sum, 10);
            assert_eq!(v, [1, 2, 3, 4]);
        }
    });
}

#[test]
fn block_on_many_times_in_a_row() {
    guard(|| {
        for rt in [multi(2), current()] {
            for i in 0..200usize {
                let got =
                    rt.block_on(async move { weft::spawn(async move { i * 2 }).await.unwrap() });
                assert_eq!(got, i * 2);
            }
        }
    });
}

#[test]
fn block_on_from_several_threads_at_once_on_one_multi_thread_runtime() {
    guard(|| {
        let rt = multi(2);
        let runs = counter();
        thread::scope(|s| {
            let joins: Vec<_> = (0..4usize)
                .map(|t| {
                    let rt = &rt;
                    let runs = runs.clone();
                    s.spawn(move || {
                        rt.block_on(async move {
                            let hs: Vec<_> = (0..250usize)
                                .map(|i| {
                                    let runs = runs.clone();
                                    weft::spawn(async move {
                                        bump(&runs);
                                        t * 1000 + i
                                    })
                                })
                                .collect();
                            let mut sum = 0;
                            for h in hs {
                                sum += h.await.unwrap();
                            }
                            sum
                        })
                    })
                })
                .collect();
            for (t, j) in joins.into_iter().enumerate() {
                let expected: usize = (0..250).map(|i| t * 1000 + i).sum();
                assert_eq!(j.join().unwrap(), expected);
            }
        });
        assert_eq!(get(&runs), 1000);
    });
}

#[test]
fn handle_block_on_from_a_plain_thread_enters_the_runtime() {
    guard(|| {
        let rt = multi(2);
        let handle = rt.handle().clone();
        let got = thread::spawn(move || {
            handle.block_on(async {
                // weft::spawn needs the runtime context, which Handle::block_on provides.
                let h = weft::spawn(async { 5 });
                h.await.unwrap() + 1
            })
        })
        .join()
        .unwrap();
        assert_eq!(got, 6);
    });
}

// ---------------------------------------------------------------- spawning many

fn slots(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

fn assert_each_ran_once(runs: &[AtomicUsize]) {
    let bad: Vec<(usize, usize)> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.load(SeqCst)))
        .filter(|&(_, r)| r != 1)
        .take(10)
        .collect();
    assert!(
        bad.is_empty(),
        "tasks that did not run exactly once (index, runs): {bad:?}"
    );
}

fn spawn_many_from_outside(rt: &Runtime) {
    let runs = slots(MANY);
    let handles: Vec<_> = (0..MANY)
        .map(|i| {
            let runs = runs.clone();
            rt.spawn(async move {
                runs[i].fetch_add(1, SeqCst);
                i
            })
        })
        .collect();
    let outs = rt.block_on(async move {
        let mut outs = Vec::with_capacity(MANY);
        for h in handles {
            outs.push(h.await.unwrap());
        }
        outs
    });
    assert_eq!(outs, (0..MANY).collect::<Vec<_>>());
    assert_each_ran_once(&runs);
}

fn spawn_many_from_block_on(rt: &Runtime) {
    let runs = slots(MANY);
    let r = runs.clone();
    let outs = rt.block_on(async move {
        let handles: Vec<_> = (0..MANY)
            .map(|i| {
                let runs = r.clone();
                weft::spawn(async move {
                    runs[i].fetch_add(1, SeqCst);
                    i * 3
                })
            })
            .collect();
        let mut outs = Vec::with_capacity(MANY);
        for h in handles {
            outs.push(h.await.unwrap());
        }
        outs
    });
    assert_eq!(outs, (0..MANY).map(|i| i * 3).collect::<Vec<_>>());
    assert_each_ran_once(&runs);
}

fn spawn_many_from_a_task(rt: &Runtime) {
    let runs = slots(MANY);
    let r = runs.clone();
    let total = rt.block_on(async move {
        weft::spawn(async move {
            let handles: Vec<_> = (0..MANY)
                .map(|i| {
                    let runs = r.clone();
                    weft::task::spawn(async move {
                        runs[i].fetch_add(1, SeqCst);
                        1usize
                    })
                })
                .collect();
            let mut total = 0;
            for h in handles {
                total += h.await.unwrap();
            }
            total
        })
        .await
        .unwrap()
    });
    assert_eq!(total, MANY);
    assert_each_ran_once(&runs);
}

#[test]
fn spawn_10k_from_outside_multi_thread() {
    guard(|| spawn_many_from_outside(&multi(2)));
}

#[test]
fn spawn_10k_from_outside_current_thread() {
    guard(|| spawn_many_from_outside(&current()));
}

#[test]
fn spawn_10k_from_block_on_multi_thread() {
    guard(|| spawn_many_from_block_on(&multi(2)));
}

#[test]
fn spawn_10k_from_block_on_current_thread() {
    guard(|| spawn_many_from_block_on(&current()));
}

#[test]
fn spawn_10k_from_a_task_multi_thread() {
    guard(|| spawn_many_from_a_task(&multi(2)));
}

#[test]
fn spawn_10k_from_a_task_current_thread() {
    guard(|| spawn_many_from_a_task(&current()));
}

#[test]
fn spawn_10k_from_four_plain_threads_through_a_handle() {
    guard(|| {
        let rt = multi(2);
        let runs = slots(MANY);
        let per_thread = MANY / 4;
        let joins: Vec<_> = (0..4)
            .map(|t| {
                let handle = rt.handle().clone();
                let runs = runs.clone();
                thread::spawn(move || {
                    (0..per_thread)
                        .map(|k| {
                            let i = t * per_thread + k;
                            let runs = runs.clone();
                            handle.spawn(async move {
                                runs[i].fetch_add(1, SeqCst);
                                i
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let handles: Vec<_> = joins.into_iter().flat_map(|j| j.join().unwrap()).collect();
        let outs = rt.block_on(async move {
            let mut outs = Vec::new();
            for h in handles {
                outs.push(h.await.unwrap());
            }
            outs
        });
        assert_eq!(outs, (0..MANY).collect::<Vec<_>>());
        assert_each_ran_once(&runs);
    });
}

// ---------------------------------------------------------------- detached tasks

#[test]
fn detached_tasks_run_without_block_on_multi_thread() {
    guard(|| {
        let rt = multi(2);
        let runs = counter();
        for _ in 0..1000 {
            let runs = runs.clone();
            drop(rt.spawn(async move {
                yield_now().await;
                bump(&runs);
            }));
        }
        // Nobody awaits anything and this thread never enters block_on: workers alone run them.
        assert!(
            wait_until(Duration::from_secs(10), || get(&runs) == 1000),
            "only {} of 1000 detached tasks ran",
            get(&runs)
        );
        wait_until_no_task_is_alive(&rt);
        assert_eq!(get(&runs), 1000, "a detached task ran more than once");
    });
}

#[test]
fn detached_tasks_run_on_current_thread_while_block_on_drives() {
    guard(|| {
        let rt = current();
        let runs = counter();
        for _ in 0..1000 {
            let runs = runs.clone();
            drop(rt.spawn(async move {
                yield_now().await;
                bump(&runs);
            }));
        }
        let r = runs.clone();
        rt.block_on(async move {
            while get(&r) < 1000 {
                yield_now().await;
            }
        });
        assert_eq!(get(&runs), 1000);
    });
}

#[test]
fn child_outlives_its_parent_that_dropped_the_handle() {
    guard(|| {
        let rt = multi(2);
        let gate = Gate::new();
        let child_done = counter();
        let (g, c) = (gate.clone(), child_done.clone());
        rt.block_on(async move {
            let parent = weft::spawn(async move {
                drop(weft::spawn(async move {
                    g.wait().await;
                    bump(&c);
                }));
                "parent done"
            });
            assert_eq!(parent.await.unwrap(), "parent done");
        });
        assert_eq!(get(&child_done), 0);
        gate.open();
        assert!(
            wait_until(Duration::from_secs(10), || get(&child_done) == 1),
            "the detached child never completed after its parent finished"
        );
    });
}

// ---------------------------------------------------------------- nested spawn trees

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A binary tree of tasks `depth` deep; each node awaits its two children and returns the size
/// of its subtree.
fn joined_tree(depth: u32, nodes: Counter) -> BoxFut<usize> {
    Box::pin(async move {
        bump(&nodes);
        if depth == 0 {
            return 1;
        }
        let left = weft::spawn(joined_tree(depth - 1, nodes.clone()));
        let right = weft::spawn(joined_tree(depth - 1, nodes.clone()));
        1 + left.await.unwrap() + right.await.unwrap()
    })
}

/// The same tree with every handle dropped.
fn detached_tree(depth: u32, nodes: Counter) -> BoxFut<()> {
    Box::pin(async move {
        if depth > 0 {
            drop(weft::spawn(detached_tree(depth - 1, nodes.clone())));
            yield_now().await;
            drop(weft::spawn(detached_tree(depth - 1, nodes.clone())));
        }
        bump(&nodes);
    })
}

const TREE_DEPTH: u32 = 10;
const TREE_NODES: usize = (1 << (TREE_DEPTH + 1)) - 1;

#[test]
fn nested_spawn_tree_joined_multi_thread() {
    guard(|| {
        let rt = multi(2);
        let nodes = counter();
        let size = rt.block_on(joined_tree(TREE_DEPTH, nodes.clone()));
        assert_eq!(size, TREE_NODES);
        assert_eq!(get(&nodes), TREE_NODES);
    });
}

#[test]
fn nested_spawn_tree_joined_current_thread() {
    guard(|| {
        let rt = current();
        let nodes = counter();
        let size = rt.block_on(joined_tree(TREE_DEPTH, nodes.clone()));
        assert_eq!(size, TREE_NODES);
        assert_eq!(get(&nodes), TREE_NODES);
    });
}

#[test]
fn nested_spawn_tree_detached_multi_thread() {
    guard(|| {
        let rt = multi(2);
        let nodes = counter();
        drop(rt.spawn(detached_tree(TREE_DEPTH, nodes.clone())));
        assert!(
            wait_until(Duration::from_secs(10), || get(&nodes) == TREE_NODES),
            "only {} of {TREE_NODES} detached tree nodes ran",
            get(&nodes)
        );
        wait_until_no_task_is_alive(&rt);
        assert_eq!(get(&nodes), TREE_NODES);
    });
}

#[test]
fn nested_spawn_tree_detached_current_thread() {
    guard(|| {
        let rt = current();
        let nodes = counter();
        let n = nodes.clone();
        rt.block_on(async move {
            drop(weft::spawn(detached_tree(TREE_DEPTH, n.clone())));
            while get(&n) < TREE_NODES {
                yield_now().await;
            }
        });
        assert_eq!(get(&nodes), TREE_NODES);
    });
}

// ---------------------------------------------------------------- Handle

fn named_runtime(name: &str, workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name(name)
        .enable_all()
        .build()
        .unwrap()
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("<unnamed>").to_string()
}

#[test]
fn handle_current_in_a_task_spawns_onto_the_same_runtime() {
    guard(|| {
        let alpha = named_runtime("alpha-rt", 2);
        let beta = named_runtime("beta-rt", 2);
        let alpha_handle = alpha.handle().clone();

        // A task on alpha asks for the current handle and spawns through it.
        let names = alpha.block_on(async {
            weft::spawn(async {
                let here = thread_name();
                let handle = Handle::current();
                let there = handle.spawn(async { thread_name() }).await.unwrap();
                (here, there)
            })
            .await
            .unwrap()
        });
        assert!(names.0.starts_with("alpha-rt"), "task ran on {:?}", names.0);
        assert!(
            names.1.starts_with("alpha-rt"),
            "Handle::current().spawn from an alpha task ran on {:?}",
            names.1
        );

        // Inside beta, weft::spawn goes to beta and an explicit alpha handle goes to alpha.
        let (on_beta, on_alpha) = beta.block_on(async move {
            let b = weft::spawn(async { thread_name() }).await.unwrap();
            let a = alpha_handle.spawn(async { thread_name() }).await.unwrap();
            (b, a)
        });
        assert!(
            on_beta.starts_with("beta-rt"),
            "weft::spawn inside beta ran on {on_beta:?}"
        );
        assert!(
            on_alpha.starts_with("alpha-rt"),
            "alpha handle ran on {on_alpha:?}"
        );

        // Handle::current() taken in block_on, used from a plain thread.
        let h = alpha.block_on(async { Handle::current() });
        let from_plain = thread::spawn(move || {
            let jh = h.spawn(async { thread_name() });
            h.block_on(jh).unwrap()
        })
        .join()
        .unwrap();
        assert!(from_plain.starts_with("alpha-rt"), "ran on {from_plain:?}");
    });
}

#[test]
fn handle_try_current_is_err_outside_and_ok_inside() {
    guard(|| {
        assert!(
            Handle::try_current().is_err(),
            "try_current outside a runtime"
        );
        let rt = multi(2);
        assert!(
            Handle::try_current().is_err(),
            "building a runtime enters nothing"
        );
        let (in_block_on, in_task) = rt.block_on(async {
            let a = Handle::try_current().is_ok();
            let b = weft::spawn(async { Handle::try_current().is_ok() })
                .await
                .unwrap();
            (a, b)
        });
        assert!(in_block_on, "try_current inside block_on");
        assert!(in_task, "try_current inside a task");
        assert!(
            Handle::try_current().is_err(),
            "the context must be left when block_on returns"
        );
        let ct = current();
        assert!(ct.block_on(async { Handle::try_current().is_ok() }));
        assert!(Handle::try_current().is_err());
        drop(rt);
        drop(ct);
        assert!(Handle::try_current().is_err());
    });
}

#[test]
fn handle_current_outside_a_runtime_panics() {
    guard(|| {
        let r = std::panic::catch_unwind(Handle::current);
        assert!(r.is_err(), "Handle::current() outside a runtime must panic");
    });
}

/// tokio's `rt_handle::interleave_enter_same_rt` and `interleave_enter_different_rt`.
#[test]
fn enter_guards_dropped_out_of_order_panic_and_leave_no_runtime_behind() {
    guard(|| {
        const OUT_OF_ORDER: &str = "dropped out of order";
        let (one, two) = (current(), multi(1));
        let outer = one.enter();
        let inner = two.enter();
        expect_panic_containing(OUT_OF_ORDER, || drop(outer));
        assert!(Handle::try_current().is_err(), "a runtime is still current");
        drop(inner);
        assert!(Handle::try_current().is_err());

        let outer = one.enter();
        let middle = one.enter();
        let inner = one.enter();
        expect_panic_containing(OUT_OF_ORDER, || drop(middle));
        assert!(Handle::try_current().is_ok(), "the outer guard still holds");
        drop(inner);
        drop(outer);
        assert!(Handle::try_current().is_err());

        // In order, nesting is fine.
        let outer = one.enter();
        let inner = two.enter();
        drop(inner);
        drop(outer);
        assert!(Handle::try_current().is_err());
    });
}

// ---------------------------------------------------------------- threads

#[test]
fn thread_name_is_applied_to_workers_and_blocking_threads() {
    guard(|| {
        let rt = named_runtime("weft-named-pool", 3);
        let names = rt.block_on(async {
            let hs: Vec<_> = (0..50)
                .map(|_| {
                    weft::spawn(async {
                        yield_now().await;
                        thread_name()
                    })
                })
                .collect();
            let mut names = Vec::new();
            for h in hs {
                names.push(h.await.unwrap());
            }
            names.push(weft::spawn_blocking(thread_name).await.unwrap());
            names
        });
        for n in &names {
            assert!(
                n.starts_with("weft-named-pool"),
                "a runtime thread is named {n:?}, not after thread_name"
            );
        }
    });
}

#[test]
fn on_thread_start_runs_once_on_every_runtime_thread_before_its_tasks() {
    guard(|| {
        const WORKERS: usize = 3;
        let calls = counter();
        let started: Arc<Mutex<HashSet<ThreadId>>> = Arc::default();
        let hook_names: Arc<Mutex<Vec<String>>> = Arc::default();
        let (c, s, hn) = (calls.clone(), started.clone(), hook_names.clone());
        let rt = Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .thread_name("hooked")
            .on_thread_start(move || {
                bump(&c);
                s.lock().unwrap().insert(thread::current().id());
                hn.lock().unwrap().push(thread_name());
            })
            .enable_all()
            .build()
            .unwrap();

        let meet = MeetAll::new(WORKERS);
        let (ran_on, all_met) = rt.block_on(async move {
            // Force every worker to run a task: WORKERS tasks that must be running at once.
            let meeters: Vec<_> = (0..WORKERS)
                .map(|_| {
                    let meet = meet.clone();
                    weft::spawn(async move {
                        let ok = meet.meet(Duration::from_secs(10));
                        (thread::current().id(), ok)
                    })
                })
                .collect();
            let others: Vec<_> = (0..200)
                .map(|_| {
                    weft::spawn(async {
                        yield_now().await;
                        thread::current().id()
                    })
                })
                .collect();
            let mut ids = Vec::new();
            let mut all_met = true;
            for h in meeters {
                let (id, ok) = h.await.unwrap();
                ids.push(id);
                all_met &= ok;
            }
            for h in others {
                ids.push(h.await.unwrap());
            }
            ids.push(
                weft::spawn_blocking(|| thread::current().id())
                    .await
                    .unwrap(),
            );
            (ids, all_met)
        });
        assert!(
            all_met,
            "{WORKERS} tasks could not run at once on {WORKERS} workers"
        );
        let started = started.lock().unwrap().clone();
        for id in &ran_on {
            assert!(
                started.contains(id),
                "a task ran on a thread where on_thread_start had not run"
            );
        }
        assert!(
            get(&calls) > WORKERS,
            "on_thread_start ran {} times; expected at least {WORKERS} workers + 1 blocking thread",
            get(&calls)
        );
        assert_eq!(
            get(&calls),
            started.len(),
            "on_thread_start ran more than once on some thread"
        );
        for n in hook_names.lock().unwrap().iter() {
            assert!(n.starts_with("hooked"), "hook ran on a thread named {n:?}");
        }
    });
}

#[test]
fn panicking_thread_hooks_take_no_thread_from_the_runtime() {
    guard(|| {
        const WORKERS: usize = 2;
        let (starts, stops) = (counter(), counter());
        let (a, b) = (starts.clone(), stops.clone());
        let rt = Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .on_thread_start(move || {
                bump(&a);
                panic!("on_thread_start panics");
            })
            .on_thread_stop(move || {
                bump(&b);
                panic!("on_thread_stop panics");
            })
            .build()
            .unwrap();
        // Both workers still run tasks, at the same time, and the blocking pool runs jobs.
        let meet = MeetAll::new(WORKERS);
        let all_met = rt.block_on(async move {
            let meeters: Vec<_> = (0..WORKERS)
                .map(|_| {
                    let meet = meet.clone();
                    weft::spawn(async move { meet.meet(HANG_LIMIT) })
                })
                .collect();
            let mut all_met = true;
            for h in meeters {
                all_met &= h.await.unwrap();
            }
            all_met
        });
        assert!(all_met, "a worker was lost to its on_thread_start hook");
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 5)).unwrap(), 5);
        // Shutdown joins every thread: a stop hook that panics neither hangs it nor is skipped.
        drop(rt);
        assert_eq!(get(&starts), WORKERS + 1);
        assert_eq!(get(&stops), WORKERS + 1);
    });
}

fn distinct_threads_meeting(workers: usize) {
    let rt = multi(workers);
    let meet = MeetAll::new(workers);
    let caller = thread::current().id();
    let results: Vec<(ThreadId, bool)> = rt.block_on(async move {
        let hs: Vec<_> = (0..workers)
            .map(|_| {
                let meet = meet.clone();
                weft::spawn(async move {
                    let ok = meet.meet(Duration::from_secs(10));
                    (thread::current().id(), ok)
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in hs {
            out.push(h.await.unwrap());
        }
        out
    });
    assert!(
        results.iter().all(|&(_, ok)| ok),
        "{workers} tasks blocking on a {workers}-party barrier never all met: \
         fewer than {workers} workers ran tasks at once"
    );
    let ids: HashSet<ThreadId> = results.iter().map(|&(id, _)| id).collect();
    assert_eq!(
        ids.len(),
        workers,
        "tasks ran on {} distinct threads",
        ids.len()
    );
    assert!(
        !ids.contains(&caller),
        "a spawned task ran on the block_on thread"
    );
}

#[test]
fn worker_threads_4_gives_4_distinct_threads() {
    guard(|| distinct_threads_meeting(4));
}

#[test]
fn worker_threads_2_gives_2_distinct_threads() {
    guard(|| distinct_threads_meeting(2));
}

#[test]
fn worker_threads_1_runs_every_task_on_one_worker_thread() {
    guard(|| {
        let rt = multi(1);
        let caller = thread::current().id();
        let ids: HashSet<ThreadId> = rt.block_on(async {
            let hs: Vec<_> = (0..200)
                .map(|_| {
                    weft::spawn(async {
                        yield_now().await;
                        thread::current().id()
                    })
                })
                .collect();
            let mut ids = HashSet::new();
            for h in hs {
                ids.insert(h.await.unwrap());
            }
            ids
        });
        assert_eq!(
            ids.len(),
            1,
            "one worker, but tasks ran on {} threads",
            ids.len()
        );
        assert!(
            !ids.contains(&caller),
            "a spawned task ran on the block_on thread"
        );
    });
}

/// A task that yields still runs while other tasks keep the current-thread run queue from ever
/// emptying (pairs ping-ponging through channels): the yielded ones rejoin the queue at each
/// driver turn (tokio's `ping_pong_saturation`). Counts: five yields, then it finishes.
#[test]
fn a_yielding_task_runs_on_a_saturated_current_thread_runtime() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    use std::sync::Arc;
    common::guard(|| {
        let rt = weft::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let running = Arc::new(AtomicBool::new(true));
            let mut pairs = Vec::new();
            for _ in 0..20 {
                let (ping_tx, mut ping_rx) = weft::sync::mpsc::unbounded_channel::<()>();
                let (pong_tx, mut pong_rx) = weft::sync::mpsc::unbounded_channel::<()>();
                let running = running.clone();
                pairs.push(weft::spawn(async move {
                    while running.load(Relaxed) {
                        ping_tx.send(()).unwrap();
                        pong_rx.recv().await.unwrap();
                    }
                }));
                pairs.push(weft::spawn(async move {
                    while ping_rx.recv().await.is_some() {
                        pong_tx.send(()).unwrap();
                    }
                }));
            }
            let yields = Arc::new(AtomicUsize::new(0));
            let counted = yields.clone();
            weft::spawn(async move {
                for _ in 0..5 {
                    weft::task::yield_now().await;
                    counted.fetch_add(1, Relaxed);
                }
            })
            .await
            .unwrap();
            assert_eq!(yields.load(Relaxed), 5);
            running.store(false, Relaxed);
            for pair in pairs {
                pair.await.unwrap();
            }
        });
    });
}

/// A park hook that wakes the `block_on` future (an outer event loop driving the runtime in
/// short bursts) still lets the runtime fire its timers: each park looks at the driver even
/// though it does not sleep (tokio's `before_park_does_not_stall_spawned_timer`).
#[test]
fn a_park_hook_that_wakes_block_on_does_not_stall_timers() {
    common::guard(|| {
        let notify = Arc::new(weft::sync::Notify::new());
        let hook_notify = notify.clone();
        let rt = Builder::new_current_thread()
            .enable_all()
            .on_thread_park(move || hook_notify.notify_waiters())
            .build()
            .unwrap();
        let fired = counter();
        let counted = fired.clone();
        rt.spawn(async move {
            weft::time::sleep(Duration::from_millis(1)).await;
            bump(&counted);
        });
        rt.block_on(yield_now());
        let mut bursts = 0;
        while get(&fired) == 0 {
            assert!(bursts < 10_000, "the timer never fired");
            rt.block_on(notify.notified());
            bursts += 1;
        }
        assert_eq!(get(&fired), 1);
    });
}
