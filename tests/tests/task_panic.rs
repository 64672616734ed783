//! Panics in tasks: caught, reported as `is_panic()` with the payload, the task's state dropped,
//! and no worker lost; a panic in the `block_on` future reaches the caller.

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use common::*;
use weft::task::yield_now;

#[test]
fn str_payload_round_trips_through_into_panic() {
    guard(|| {
        for rt in [multi(2), current()] {
            let err = rt
                .block_on(async { weft::spawn(async { panic!("boom") }).await })
                .expect_err("a panicking task must not give Ok");
            assert!(err.is_panic());
            assert!(!err.is_cancelled());
            let payload = err.into_panic();
            let s = payload
                .downcast::<&str>()
                .expect("panic!(\"boom\") carries a &'static str");
            assert_eq!(*s, "boom");
        }
    });
}

#[test]
fn formatted_payload_round_trips_as_string() {
    guard(|| {
        let rt = multi(2);
        let n = 41;
        let err = rt
            .block_on(async move {
                weft::spawn(async move {
                    yield_now().await; // panic on a later poll, not the first
                    panic!("boom {}", n + 1)
                })
                .await
            })
            .unwrap_err();
        assert!(err.is_panic());
        let s = err
            .into_panic()
            .downcast::<String>()
            .expect("String payload");
        assert_eq!(*s, "boom 42");
    });
}

#[derive(Debug, PartialEq)]
struct CustomPayload(u32, &'static str);

#[test]
fn custom_payload_round_trips() {
    guard(|| {
        let rt = multi(2);
        let err = rt
            .block_on(async {
                weft::spawn(async { std::panic::panic_any(CustomPayload(7, "seven")) }).await
            })
            .unwrap_err();
        assert!(err.is_panic());
        let p = err
            .into_panic()
            .downcast::<CustomPayload>()
            .expect("custom payload");
        assert_eq!(*p, CustomPayload(7, "seven"));
    });
}

#[test]
fn panicking_task_drops_its_locals_once() {
    guard(|| {
        let rt = multi(2);
        let drops = counter();
        let d = drops.clone();
        let h = rt.spawn(async move {
            let _g = DropGuard::new(&d);
            yield_now().await;
            panic!("after taking a guard");
        });
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_panic());
        assert_eq!(
            get(&drops),
            1,
            "the panicking task's state was not dropped exactly once"
        );
    });
}

#[test]
fn is_finished_after_a_panic() {
    guard(|| {
        let rt = multi(2);
        let h = rt.spawn(async { panic!("finish by panicking") });
        assert!(wait_until(Duration::from_secs(10), || h.is_finished()));
        assert!(rt.block_on(h).unwrap_err().is_panic());
    });
}

#[test]
fn runtime_keeps_running_tasks_on_all_workers_after_100_panics() {
    guard(|| {
        const WORKERS: usize = 3;
        let rt = multi(WORKERS);
        let panics = rt.block_on(async {
            let hs: Vec<_> = (0..100)
                .map(|i| {
                    weft::spawn(async move {
                        if i % 2 == 0 {
                            yield_now().await;
                        }
                        panic!("task {i} panics");
                    })
                })
                .collect();
            let mut panics = 0;
            for h in hs {
                if h.await.unwrap_err().is_panic() {
                    panics += 1;
                }
            }
            panics
        });
        assert_eq!(panics, 100);

        // Every worker is still alive: WORKERS tasks must be running at the same time.
        let meet = MeetAll::new(WORKERS);
        let results = rt.block_on(async move {
            let hs: Vec<_> = (0..WORKERS)
                .map(|_| {
                    let meet = meet.clone();
                    weft::spawn(async move {
                        (thread::current().id(), meet.meet(Duration::from_secs(10)))
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
            "after 100 panics, {WORKERS} tasks could no longer run at once: a worker was lost"
        );
        let ids: HashSet<ThreadId> = results.iter().map(|&(id, _)| id).collect();
        assert_eq!(ids.len(), WORKERS);

        // And ordinary work goes on.
        let total = rt.block_on(async {
            let hs: Vec<_> = (0..1000).map(|i| weft::spawn(async move { i })).collect();
            let mut t = 0usize;
            for h in hs {
                t += h.await.unwrap();
            }
            t
        });
        assert_eq!(total, (0..1000).sum());
    });
}

#[test]
fn panics_in_detached_tasks_are_contained() {
    guard(|| {
        let rt = multi(2);
        let reached = counter();
        for i in 0..50 {
            let r = reached.clone();
            drop(rt.spawn(async move {
                bump(&r);
                panic!("detached {i}");
            }));
        }
        assert!(wait_until(Duration::from_secs(10), || get(&reached) == 50));
        let out = rt.block_on(async { weft::spawn(async { "still alive" }).await.unwrap() });
        assert_eq!(out, "still alive");
    });
}

#[test]
fn panic_in_a_current_thread_task_does_not_break_block_on() {
    guard(|| {
        let rt = current();
        let out = rt.block_on(async {
            let bad = weft::spawn(async { panic!("current-thread task") });
            let good = weft::spawn(async { 5 });
            assert!(bad.await.unwrap_err().is_panic());
            good.await.unwrap()
        });
        assert_eq!(out, 5);
        assert_eq!(
            rt.block_on(async { weft::spawn(async { 6 }).await.unwrap() }),
            6
        );
    });
}

#[test]
fn panic_in_the_block_on_future_reaches_the_caller_and_the_runtime_survives() {
    guard(|| {
        for rt in [multi(2), current()] {
            let r = panic::catch_unwind(AssertUnwindSafe(|| {
                rt.block_on(async {
                    yield_now().await;
                    panic!("in block_on");
                })
            }));
            let payload = r.expect_err("the panic must propagate out of block_on");
            assert_eq!(panic_message(&*payload), "in block_on");
            let out = rt.block_on(async { weft::spawn(async { 8 }).await.unwrap() });
            assert_eq!(
                out, 8,
                "the runtime must stay usable after a panic in block_on"
            );
        }
    });
}

#[test]
fn a_panicking_join_handle_waker_neither_kills_the_worker_nor_leaks_the_task() {
    guard(|| {
        let rt = multi(1);
        let gate = Gate::new();
        let drops = counter();
        let (g, d) = (gate.clone(), DropGuard::new(&drops));
        let mut join = rt.spawn(async move {
            let _d = d;
            g.wait().await;
            thread::current().id()
        });
        // Await the handle from outside the runtime with a waker that panics when woken: the
        // worker that completes the task calls it.
        let wakes = counter();
        let waker = Waker::from(Arc::new(PanickingWaker(wakes.clone())));
        assert!(Pin::new(&mut join)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        gate.open();
        assert!(wait_until(HANG_LIMIT, || join.is_finished()));
        let worker = futures_lite::future::block_on(join).expect("the task completed");
        assert_eq!((get(&wakes), get(&drops)), (1, 1));
        // The one worker survived: it runs the next task, on the same thread.
        let next = rt.block_on(async { weft::spawn(async { thread::current().id() }).await });
        assert_eq!(next.unwrap(), worker);
        assert_eq!(rt.handle().metrics().num_alive_tasks(), 0, "no task leaked");
    });
}

#[test]
fn a_panicking_future_is_dropped_while_the_panic_unwinds() {
    guard(|| {
        // A hand-written future: an `async` block drops its own locals during the unwind, but
        // the fields of a struct future are the runtime's to drop.
        struct Boom(Arc<std::sync::Mutex<Vec<bool>>>);
        impl Future for Boom {
            type Output = ();
            fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> std::task::Poll<()> {
                panic!("unwinds through the future");
            }
        }
        impl Drop for Boom {
            fn drop(&mut self) {
                self.0.lock().unwrap().push(thread::panicking());
            }
        }
        for rt in [multi(2), current()] {
            let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
            let boom = Boom(seen.clone());
            let err = rt.block_on(rt.spawn(boom)).unwrap_err();
            assert_eq!(
                panic_message(&*err.into_panic()),
                "unwinds through the future"
            );
            assert_eq!(
                *seen.lock().unwrap(),
                [true],
                "dropped once, during the unwind"
            );
        }
    });
}
