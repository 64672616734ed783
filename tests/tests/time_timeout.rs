//! `timeout` and `timeout_at`: `Err(Elapsed)` with the inner future dropped when time runs out,
//! `Ok` as soon as the future is ready (even with a zero duration), nesting, timing out a
//! `JoinHandle` detaches the task, and dropped timeouts leave nothing behind.

mod common;

use std::error::Error;
use std::future::Future;
use std::pin::Pin;
use std::task::Context;
use std::time::{Duration, Instant};

use common::*;
use weft::task::yield_now;
use weft::time::error::Elapsed;
use weft::time::{sleep, timeout, timeout_at};

const LATE: Duration = Duration::from_secs(1);

#[test]
fn timeout_elapses_and_drops_the_inner_future() {
    guard(|| {
        for rt in [multi(2), current()] {
            let drops = counter();
            let polls = counter();
            let (d, p) = (drops.clone(), polls.clone());
            let (res, took, dropped_by_then) = rt.block_on(async move {
                let g = DropGuard::new(&d);
                let inner = count_polls(&p, async move {
                    let _g = g;
                    std::future::pending::<u8>().await
                });
                let t0 = Instant::now();
                let res = timeout(Duration::from_millis(30), inner).await;
                (res, t0.elapsed(), get(&d))
            });
            let err: Elapsed = res.expect_err("a pending future must time out");
            assert!(!err.to_string().is_empty());
            assert!(
                took >= Duration::from_millis(30),
                "timed out early, after {took:?}"
            );
            assert!(
                took < Duration::from_millis(30) + LATE,
                "timed out late, after {took:?}"
            );
            assert_eq!(
                dropped_by_then, 1,
                "the inner future must be dropped when time runs out"
            );
            assert_eq!(get(&drops), 1);
            assert!(get(&polls) >= 1);
        }
    });
}

#[test]
fn timeout_is_ok_when_the_future_is_ready_first() {
    guard(|| {
        for rt in [multi(2), current()] {
            let (a, b, took) = rt.block_on(async {
                let t0 = Instant::now();
                let a = timeout(Duration::from_secs(5), async { 5 }).await;
                let b = timeout(Duration::from_secs(5), async {
                    sleep(Duration::from_millis(20)).await;
                    "slept"
                })
                .await;
                (a, b, t0.elapsed())
            });
            assert_eq!(a.unwrap(), 5);
            assert_eq!(b.unwrap(), "slept");
            assert!(
                took < Duration::from_secs(2),
                "timeout kept waiting after its future was ready: {took:?}"
            );
        }
    });
}

#[test]
fn timeout_zero_still_polls_a_ready_future_first() {
    guard(|| {
        let rt = multi(2);
        let (ready, pending) = rt.block_on(async {
            let ready = timeout(Duration::ZERO, async { 1 }).await;
            let pending = timeout(Duration::ZERO, std::future::pending::<()>()).await;
            (ready, pending)
        });
        assert_eq!(
            ready.unwrap(),
            1,
            "tokio polls the future before checking the deadline"
        );
        assert!(pending.is_err());
    });
}

#[test]
fn timeout_at_uses_the_deadline() {
    guard(|| {
        for rt in [multi(2), current()] {
            let (res, reached, ok) = rt.block_on(async {
                let deadline = weft::time::Instant::now() + Duration::from_millis(30);
                let res = timeout_at(deadline, std::future::pending::<()>()).await;
                let reached = weft::time::Instant::now() >= deadline;
                let far = weft::time::Instant::now() + Duration::from_secs(5);
                let ok = timeout_at(far, async { 3 }).await;
                (res, reached, ok)
            });
            assert!(res.is_err());
            assert!(reached, "timeout_at fired before its deadline");
            assert_eq!(ok.unwrap(), 3);
        }
    });
}

#[test]
fn nested_timeouts_the_shorter_wins() {
    guard(|| {
        let rt = multi(2);
        let (outer, took) = rt.block_on(async {
            let t0 = Instant::now();
            let r = timeout(
                Duration::from_millis(30),
                timeout(Duration::from_secs(10), std::future::pending::<()>()),
            )
            .await;
            (r, t0.elapsed())
        });
        assert!(outer.is_err(), "the outer, shorter timeout must fire");
        assert!(took < Duration::from_millis(30) + LATE, "took {took:?}");

        let inner = rt.block_on(async {
            timeout(
                Duration::from_secs(10),
                timeout(Duration::from_millis(30), std::future::pending::<()>()),
            )
            .await
        });
        assert!(
            inner.expect("outer has time left").is_err(),
            "the inner one fires"
        );
    });
}

#[test]
fn timing_out_a_join_handle_detaches_the_task() {
    guard(|| {
        let rt = multi(2);
        let done = counter();
        let d = done.clone();
        let res = rt.block_on(async move {
            let h = weft::spawn(async move {
                sleep(Duration::from_millis(100)).await;
                bump(&d);
            });
            timeout(Duration::from_millis(10), h).await
        });
        assert!(res.is_err());
        assert!(
            wait_until(Duration::from_secs(5), || get(&done) == 1),
            "the task whose JoinHandle timed out did not go on to complete"
        );
    });
}

#[test]
fn elapsed_is_a_std_error() {
    guard(|| {
        fn run() -> Result<(), Box<dyn Error + Send + Sync>> {
            let rt = current();
            rt.block_on(async {
                timeout(Duration::from_millis(1), std::future::pending::<()>()).await?;
                Ok(())
            })
        }
        let e = run().expect_err("must time out");
        assert!(e.downcast_ref::<Elapsed>().is_some());
    });
}

#[test]
fn timeout_far_future_does_not_overflow() {
    guard(|| {
        let rt = multi(2);
        let res =
            rt.block_on(async { timeout(Duration::from_millis(20), sleep(Duration::MAX)).await });
        assert!(
            res.is_err(),
            "sleep(Duration::MAX) is 'forever', so the timeout fires"
        );
        let ok = rt.block_on(async { timeout(Duration::MAX, async { 9 }).await });
        assert_eq!(ok.unwrap(), 9);
    });
}

#[test]
fn dropping_10k_pending_timeouts_drops_their_futures() {
    guard(|| {
        for rt in [multi(2), current()] {
            let drops = counter();
            let d = drops.clone();
            let took = rt.block_on(async move {
                let mut ts: Vec<Pin<Box<_>>> = (0..10_000)
                    .map(|_| {
                        let g = DropGuard::new(&d);
                        Box::pin(timeout(Duration::from_secs(3600), async move {
                            let _g = g;
                            std::future::pending::<()>().await
                        }))
                    })
                    .collect();
                let waker = noop_waker();
                let mut cx = Context::from_waker(&waker);
                for t in &mut ts {
                    assert!(t.as_mut().poll(&mut cx).is_pending());
                }
                drop(ts);
                assert_eq!(get(&d), 10_000);
                yield_now().await;
                let t0 = Instant::now();
                sleep(Duration::from_millis(10)).await;
                t0.elapsed()
            });
            assert_eq!(get(&drops), 10_000);
            assert!(took < Duration::from_millis(10) + LATE, "took {took:?}");
            let t0 = Instant::now();
            drop(rt);
            assert!(t0.elapsed() < Duration::from_secs(2));
        }
    });
}

#[test]
fn many_concurrent_timeouts_fire() {
    guard(|| {
        let rt = multi(2);
        let fired = counter();
        let f = fired.clone();
        rt.block_on(async move {
            let mut rng = Rng::new(0x7173_0001);
            let hs: Vec<_> = (0..2000)
                .map(|_| {
                    let d = Duration::from_millis(rng.range(1, 30));
                    let f = f.clone();
                    weft::spawn(async move {
                        let t0 = Instant::now();
                        let r = timeout(d, std::future::pending::<()>()).await;
                        assert!(r.is_err());
                        assert!(t0.elapsed() >= d, "a timeout fired early");
                        bump(&f);
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        assert_eq!(get(&fired), 2000);
    });
}
