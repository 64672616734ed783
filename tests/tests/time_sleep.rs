//! `sleep` and `sleep_until`: never early, never very late, many at once, dropped sleeps leave
//! nothing behind, earlier deadlines re-arm the driver, both schedulers, and a clear panic outside
//! a runtime.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::*;
use weft::runtime::Runtime;
use weft::time::{sleep, sleep_until};

/// Sanity bound on lateness: anything beyond it means a timer was missed, not just late.
const LATE: Duration = Duration::from_secs(1);

fn sleeps_never_early_concurrently(rt: &Runtime, n: usize, max_ms: u64, seed: u64) {
    let early = Arc::new(AtomicUsize::new(0));
    let late = Arc::new(AtomicUsize::new(0));
    let done = counter();
    let (e, l, d) = (early.clone(), late.clone(), done.clone());
    rt.block_on(async move {
        let mut rng = Rng::new(seed);
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let want = Duration::from_millis(rng.range(1, max_ms));
                let (e, l, d) = (e.clone(), l.clone(), d.clone());
                weft::spawn(async move {
                    let t0 = Instant::now();
                    sleep(want).await;
                    let took = t0.elapsed();
                    if took < want {
                        e.fetch_add(1, SeqCst);
                    }
                    if took > want + LATE {
                        l.fetch_add(1, SeqCst);
                    }
                    bump(&d);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(get(&done), n, "not every sleeper completed");
    assert_eq!(
        early.load(SeqCst),
        0,
        "sleeps completed before their duration"
    );
    assert_eq!(
        late.load(SeqCst),
        0,
        "sleeps completed more than {LATE:?} late"
    );
}

#[test]
fn two_hundred_random_sleeps_never_early_multi_thread() {
    guard(|| sleeps_never_early_concurrently(&multi(2), 200, 20, 0x5eed_0001));
}

#[test]
fn two_hundred_random_sleeps_never_early_current_thread() {
    guard(|| sleeps_never_early_concurrently(&current(), 200, 20, 0x5eed_0002));
}

#[test]
fn sequential_random_sleeps_never_early() {
    guard(|| {
        for rt in [multi(2), current()] {
            let results = rt.block_on(async {
                let mut rng = Rng::new(0x5eed_0003);
                let mut results = Vec::new();
                for _ in 0..40 {
                    let want = Duration::from_millis(rng.range(1, 20));
                    let t0 = Instant::now();
                    sleep(want).await;
                    results.push((want, t0.elapsed()));
                }
                results
            });
            for (want, took) in results {
                assert!(took >= want, "sleep({want:?}) completed after {took:?}");
                assert!(took < want + LATE, "sleep({want:?}) took {took:?}");
            }
        }
    });
}

#[test]
fn ten_thousand_concurrent_sleeps_all_complete_multi_thread() {
    guard(|| sleeps_never_early_concurrently(&multi(2), 10_000, 50, 0x5eed_0004));
}

#[test]
fn ten_thousand_concurrent_sleeps_all_complete_current_thread() {
    guard(|| sleeps_never_early_concurrently(&current(), 10_000, 50, 0x5eed_0005));
}

#[test]
fn many_sleeps_with_the_same_deadline_all_fire() {
    guard(|| {
        let rt = multi(2);
        let fired = counter();
        let f = fired.clone();
        rt.block_on(async move {
            let deadline = weft::time::Instant::now() + Duration::from_millis(30);
            let hs: Vec<_> = (0..1000)
                .map(|_| {
                    let f = f.clone();
                    weft::spawn(async move {
                        sleep_until(deadline).await;
                        assert!(weft::time::Instant::now() >= deadline);
                        bump(&f);
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        assert_eq!(get(&fired), 1000);
    });
}

#[test]
fn sleep_until_waits_for_the_deadline() {
    guard(|| {
        for rt in [multi(2), current()] {
            let (reached, took) = rt.block_on(async {
                let t0 = Instant::now();
                let deadline = weft::time::Instant::now() + Duration::from_millis(30);
                sleep_until(deadline).await;
                (weft::time::Instant::now() >= deadline, t0.elapsed())
            });
            assert!(reached, "sleep_until returned before its deadline");
            assert!(
                took >= Duration::from_millis(30),
                "sleep_until(+30ms) took {took:?}"
            );
            assert!(took < Duration::from_millis(30) + LATE);
        }
    });
}

#[test]
fn sleep_until_a_past_deadline_and_zero_sleep_complete_at_once() {
    guard(|| {
        for rt in [multi(2), current()] {
            let took = rt.block_on(async {
                let past = weft::time::Instant::now();
                sleep(Duration::from_millis(5)).await;
                let t0 = Instant::now();
                sleep_until(past).await;
                sleep(Duration::ZERO).await;
                t0.elapsed()
            });
            assert!(
                took < Duration::from_millis(500),
                "past deadline / zero sleep took {took:?}"
            );
        }
    });
}

#[test]
fn a_sleep_fires_on_an_otherwise_idle_runtime() {
    guard(|| {
        // No block_on, no other activity: the idle workers alone must fire the timer.
        let rt = multi(2);
        let fired = counter();
        let f = fired.clone();
        let t0 = Instant::now();
        drop(rt.spawn(async move {
            sleep(Duration::from_millis(50)).await;
            bump(&f);
        }));
        assert!(
            wait_until(Duration::from_secs(5), || get(&fired) == 1),
            "a 50 ms sleep on an idle runtime never fired"
        );
        let took = t0.elapsed();
        assert!(took >= Duration::from_millis(50));
        assert!(took < Duration::from_millis(50) + LATE, "took {took:?}");
    });
}

#[test]
fn an_earlier_deadline_rearms_a_parked_driver() {
    guard(|| {
        let rt = multi(2);
        // A far timer first, so the runtime parks until it ...
        let polls = counter();
        drop(rt.spawn(count_polls(&polls, async {
            sleep(Duration::from_secs(10)).await
        })));
        let metrics = || rt.handle().metrics();
        assert!(wait_until(HANG_LIMIT, || get(&polls) == 1
            && metrics().idle_workers() == metrics().num_workers()));
        // ... then a near one, from outside: it must not wait for the far one.
        let fired = counter();
        let f = fired.clone();
        let t0 = Instant::now();
        drop(rt.spawn(async move {
            sleep(Duration::from_millis(30)).await;
            bump(&f);
        }));
        assert!(
            wait_until(Duration::from_secs(5), || get(&fired) == 1),
            "a 30 ms sleep registered while the driver slept towards a 10 s deadline never fired"
        );
        assert!(
            t0.elapsed() < Duration::from_millis(30) + LATE,
            "took {:?}",
            t0.elapsed()
        );
        let t0 = Instant::now();
        drop(rt);
        assert!(
            t0.elapsed() < Duration::from_secs(2),
            "shutdown waited for a pending 10 s timer"
        );
    });
}

#[test]
fn an_earlier_deadline_rearms_current_thread() {
    guard(|| {
        let rt = current();
        let took = rt.block_on(async {
            drop(weft::spawn(sleep(Duration::from_secs(10))));
            weft::task::yield_now().await;
            let t0 = Instant::now();
            weft::spawn(sleep(Duration::from_millis(30))).await.unwrap();
            t0.elapsed()
        });
        assert!(took >= Duration::from_millis(30));
        assert!(took < Duration::from_millis(30) + LATE, "took {took:?}");
    });
}

#[test]
fn detached_sleeping_tasks_complete_on_current_thread_while_block_on_sleeps() {
    guard(|| {
        let rt = current();
        let done = counter();
        let d = done.clone();
        rt.block_on(async move {
            for i in 0..100u64 {
                let d = d.clone();
                drop(weft::spawn(async move {
                    sleep(Duration::from_millis(1 + i % 20)).await;
                    bump(&d);
                }));
            }
            sleep(Duration::from_millis(200)).await;
        });
        assert_eq!(get(&done), 100);
    });
}

#[test]
fn a_sleep_first_polled_with_another_waker_still_wakes_its_task() {
    guard(|| {
        let rt = multi(2);
        let took = rt.block_on(async {
            let t0 = Instant::now();
            let mut s = Box::pin(sleep(Duration::from_millis(30)));
            // Register with a waker that does nothing ...
            let waker = noop_waker();
            let mut cx = Context::from_waker(&waker);
            assert!(s.as_mut().poll(&mut cx).is_pending());
            // ... then hand the sleep to another task: its waker must be the one woken.
            weft::spawn(s).await.unwrap();
            t0.elapsed()
        });
        assert!(took >= Duration::from_millis(30));
        assert!(took < Duration::from_millis(30) + LATE, "took {took:?}");
    });
}

#[test]
fn dropping_10k_pending_sleeps_leaves_the_runtime_healthy() {
    guard(|| {
        for rt in [multi(2), current()] {
            let took = rt.block_on(async {
                let mut sleeps: Vec<Pin<Box<_>>> = (0..10_000)
                    .map(|_| Box::pin(sleep(Duration::from_secs(3600))))
                    .collect();
                let waker = noop_waker();
                let mut cx = Context::from_waker(&waker);
                for s in &mut sleeps {
                    assert!(matches!(s.as_mut().poll(&mut cx), Poll::Pending));
                }
                drop(sleeps);
                let t0 = Instant::now();
                sleep(Duration::from_millis(10)).await;
                t0.elapsed()
            });
            assert!(took >= Duration::from_millis(10));
            assert!(took < Duration::from_millis(10) + LATE, "took {took:?}");
            let t0 = Instant::now();
            drop(rt);
            assert!(
                t0.elapsed() < Duration::from_secs(2),
                "shutdown after dropping 10k sleeps took {:?}",
                t0.elapsed()
            );
        }
    });
}

#[test]
fn aborting_10k_sleeping_tasks_leaves_the_runtime_healthy() {
    guard(|| {
        let rt = multi(2);
        let drops = counter();
        let polls = counter();
        let (d, p) = (drops.clone(), polls.clone());
        rt.block_on(async move {
            let hs: Vec<_> = (0..10_000)
                .map(|_| {
                    let g = DropGuard::new(&d);
                    weft::spawn(count_polls(&p, async move {
                        let _g = g;
                        sleep(Duration::from_secs(3600)).await;
                    }))
                })
                .collect();
            while get(&p) < 10_000 {
                weft::task::yield_now().await;
            }
            for h in &hs {
                h.abort();
            }
            for h in hs {
                assert!(h.await.unwrap_err().is_cancelled());
            }
            sleep(Duration::from_millis(10)).await;
        });
        assert_eq!(get(&drops), 10_000);
        let t0 = Instant::now();
        drop(rt);
        assert!(t0.elapsed() < Duration::from_secs(2));
    });
}

#[test]
fn shutdown_with_pending_long_sleeps_is_prompt_and_drops_them() {
    guard(|| {
        for rt in [multi(2), current()] {
            let drops = counter();
            let polls = counter();
            let (d, p) = (drops.clone(), polls.clone());
            rt.block_on(async move {
                for _ in 0..100 {
                    let g = DropGuard::new(&d);
                    drop(weft::spawn(count_polls(&p, async move {
                        let _g = g;
                        sleep(Duration::from_secs(3600)).await;
                    })));
                }
                while get(&p) < 100 {
                    weft::task::yield_now().await;
                }
            });
            let t0 = Instant::now();
            drop(rt);
            assert!(t0.elapsed() < Duration::from_secs(2));
            assert_eq!(get(&drops), 100);
        }
    });
}

#[test]
fn sleep_outside_a_runtime_panics_with_a_clear_message() {
    guard(|| {
        expect_panic_containing("no weft runtime is running", || {
            futures_lite::future::block_on(sleep(Duration::from_millis(1)))
        });
    });
}

#[test]
fn a_panicking_waker_on_a_timer_takes_down_no_runtime_thread() {
    guard(|| {
        let rt = multi(1);
        let wakes = counter();
        let waker = std::task::Waker::from(Arc::new(PanickingWaker(wakes.clone())));
        {
            // A `Sleep` awaited by some other executor, whose waker panics: the runtime's
            // thread that fires the timer (the worker in its park, or the monitor) calls it.
            let _enter = rt.enter();
            let mut timer = Box::pin(sleep(Duration::from_millis(1)));
            assert!(timer
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
            assert!(wait_until(HANG_LIMIT, || get(&wakes) == 1));
        }
        // The one worker and the monitor still fire timers and run tasks.
        let out = rt.block_on(async {
            weft::spawn(async {
                sleep(Duration::from_millis(1)).await;
                7
            })
            .await
        });
        assert_eq!(out.unwrap(), 7);
        assert_eq!(get(&wakes), 1);
    });
}
