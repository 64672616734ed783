//! `abort()` and `AbortHandle`: before the first poll, while pending, after completion, while
//! running plain code (takes effect at the next `.await`), from other threads, on oneself, and in
//! bulk; the aborted future is dropped exactly once.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::*;
use weft::task::{yield_now, AbortHandle};

#[test]
fn abort_before_first_poll_current_thread() {
    guard(|| {
        let rt = current();
        let polls = counter();
        let drops = counter();
        let d = DropGuard::new(&drops);
        // Nothing drives a current-thread runtime outside block_on: the task is only queued.
        let h = rt.spawn(count_polls(&polls, async move {
            let _d = d;
            "must not run"
        }));
        h.abort();
        let res = rt.block_on(h);
        let err = res.expect_err("a task aborted before its first poll must not complete");
        assert!(err.is_cancelled());
        assert_eq!(get(&polls), 0, "an aborted task was polled");
        assert_eq!(
            get(&drops),
            1,
            "the aborted future was not dropped exactly once"
        );
    });
}

#[test]
fn abort_before_first_poll_multi_thread() {
    guard(|| {
        let rt = multi(1);
        // Occupy the only worker in plain code so that the victim stays queued.
        let busy = Arc::new(AtomicBool::new(true));
        let occupied = Arc::new(AtomicBool::new(false));
        let (b, o) = (busy.clone(), occupied.clone());
        let blocker = rt.spawn(async move {
            o.store(true, SeqCst);
            while b.load(SeqCst) {
                thread::yield_now();
            }
        });
        assert!(wait_until(Duration::from_secs(10), || occupied.load(SeqCst)));

        let polls = counter();
        let drops = counter();
        let d = DropGuard::new(&drops);
        let h = rt.spawn(count_polls(&polls, async move {
            let _d = d;
        }));
        h.abort();
        busy.store(false, SeqCst);
        let res = rt.block_on(h);
        assert!(res.expect_err("aborted before first poll").is_cancelled());
        assert_eq!(get(&polls), 0, "an aborted task was polled");
        assert_eq!(get(&drops), 1);
        rt.block_on(blocker).unwrap();
    });
}

fn abort_while_pending(rt: weft::runtime::Runtime) {
    let polls = counter();
    let drops = counter();
    let after_pending = counter();
    let d = DropGuard::new(&drops);
    let a = after_pending.clone();
    let res = rt.block_on(async move {
        let h = weft::spawn(count_polls(&polls, async move {
            let _d = d;
            std::future::pending::<()>().await;
            bump(&a);
        }));
        while get(&polls) == 0 {
            yield_now().await;
        }
        assert!(!h.is_finished());
        h.abort();
        let res = h.await;
        assert_eq!(get(&polls), 1, "an aborted pending task was polled again");
        res
    });
    assert!(res.expect_err("aborted while pending").is_cancelled());
    assert_eq!(
        get(&drops),
        1,
        "the aborted future was not dropped exactly once"
    );
    assert_eq!(get(&after_pending), 0);
}

#[test]
fn abort_while_pending_multi_thread() {
    guard(|| abort_while_pending(multi(2)));
}

#[test]
fn abort_while_pending_current_thread() {
    guard(|| abort_while_pending(current()));
}

#[test]
fn abort_without_awaiting_still_drops_the_future() {
    guard(|| {
        let rt = multi(2);
        let polls = counter();
        let drops = counter();
        let d = DropGuard::new(&drops);
        let h = rt.spawn(count_polls(&polls, async move {
            let _d = d;
            std::future::pending::<()>().await;
        }));
        assert!(wait_until(Duration::from_secs(10), || get(&polls) == 1));
        h.abort();
        drop(h);
        assert!(
            wait_until(Duration::from_secs(10), || get(&drops) == 1),
            "an aborted task whose handle was dropped kept its future alive"
        );
        // Once the future is freed (its `count_polls` wrapper holds a clone), it cannot run.
        assert!(wait_until(HANG_LIMIT, || Arc::strong_count(&polls) == 1));
        assert_eq!(get(&drops), 1);
        assert_eq!(get(&polls), 1);
    });
}

#[test]
fn abort_after_completion_keeps_the_output() {
    guard(|| {
        for rt in [multi(2), current()] {
            let h = rt.spawn(async { 77 });
            rt.block_on(async {
                while !h.is_finished() {
                    yield_now().await;
                }
            });
            h.abort();
            h.abort();
            assert_eq!(
                rt.block_on(h).unwrap(),
                77,
                "abort after completion changed the result"
            );
        }
    });
}

#[test]
fn is_finished_after_abort() {
    guard(|| {
        let rt = multi(2);
        let h = rt.spawn(std::future::pending::<()>());
        h.abort();
        assert!(
            wait_until(Duration::from_secs(10), || h.is_finished()),
            "an aborted task never reported is_finished"
        );
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
    });
}

#[test]
fn abort_while_running_plain_code_takes_effect_at_the_next_await() {
    guard(|| {
        let rt = multi(2);
        let started = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let stretch_done = Arc::new(AtomicBool::new(false));
        let after_await = Arc::new(AtomicBool::new(false));
        let drops = counter();
        let d = DropGuard::new(&drops);
        let (s, r, sd, aa) = (
            started.clone(),
            release.clone(),
            stretch_done.clone(),
            after_await.clone(),
        );
        let h = rt.spawn(async move {
            let _d = d;
            s.store(true, SeqCst);
            while !r.load(SeqCst) {
                thread::yield_now();
            }
            sd.store(true, SeqCst);
            yield_now().await;
            aa.store(true, SeqCst);
        });
        assert!(wait_until(Duration::from_secs(10), || started.load(SeqCst)));
        h.abort();
        release.store(true, SeqCst);
        let res = rt.block_on(h);
        assert!(res.expect_err("aborted").is_cancelled());
        assert!(stretch_done.load(SeqCst), "the running stretch must finish");
        assert!(
            !after_await.load(SeqCst),
            "code after the next .await ran although the task was aborted"
        );
        assert_eq!(get(&drops), 1);
    });
}

#[test]
fn abort_handle_aborts_from_another_thread() {
    guard(|| {
        let rt = multi(2);
        let drops = counter();
        let polls = counter();
        let d = DropGuard::new(&drops);
        let h = rt.spawn(count_polls(&polls, async move {
            let _d = d;
            std::future::pending::<u8>().await
        }));
        let ah: AbortHandle = h.abort_handle();
        let ah2 = ah.clone();
        assert!(wait_until(Duration::from_secs(10), || get(&polls) == 1));
        thread::spawn(move || ah2.abort()).join().unwrap();
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        assert_eq!(get(&drops), 1);
        ah.abort(); // aborting a finished task through a stale handle is harmless
    });
}

#[test]
fn abort_handle_outlives_the_join_handle() {
    guard(|| {
        let rt = multi(2);
        let drops = counter();
        let polls = counter();
        let d = DropGuard::new(&drops);
        let h = rt.spawn(count_polls(&polls, async move {
            let _d = d;
            std::future::pending::<()>().await
        }));
        let ah = h.abort_handle();
        drop(h); // detached, but still abortable
        assert!(wait_until(Duration::from_secs(10), || get(&polls) == 1));
        assert_eq!(get(&drops), 0);
        ah.abort();
        assert!(
            wait_until(Duration::from_secs(10), || get(&drops) == 1),
            "aborting a detached task through its AbortHandle did not drop its future"
        );
        assert_eq!(get(&polls), 1);
        // The runtime still works.
        assert_eq!(
            rt.block_on(async { weft::spawn(async { 1 }).await.unwrap() }),
            1
        );
    });
}

#[test]
fn a_task_can_abort_itself() {
    guard(|| {
        let rt = multi(2);
        let slot: Arc<Mutex<Option<AbortHandle>>> = Arc::default();
        let after = Arc::new(AtomicBool::new(false));
        let gate = Gate::new();
        let (s, a, g) = (slot.clone(), after.clone(), gate.clone());
        let h = rt.spawn(async move {
            g.wait().await;
            let me = s.lock().unwrap().take().expect("own abort handle");
            me.abort();
            yield_now().await;
            a.store(true, SeqCst);
        });
        *slot.lock().unwrap() = Some(h.abort_handle());
        gate.open();
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        assert!(
            !after.load(SeqCst),
            "a self-aborted task went on past its next .await"
        );
    });
}

#[test]
fn aborting_a_parent_does_not_abort_its_child() {
    guard(|| {
        let rt = multi(2);
        let gate = Gate::new();
        let child_done = counter();
        let child_polled = counter();
        let (g, cd, cp) = (gate.clone(), child_done.clone(), child_polled.clone());
        let parent = rt.spawn(async move {
            let child = weft::spawn(count_polls(&cp, async move {
                g.wait().await;
                bump(&cd);
            }));
            child.await.unwrap();
        });
        assert!(wait_until(Duration::from_secs(10), || get(&child_polled) >= 1));
        parent.abort();
        assert!(rt.block_on(parent).unwrap_err().is_cancelled());
        gate.open();
        assert!(
            wait_until(Duration::from_secs(10), || get(&child_done) == 1),
            "the child of an aborted parent did not run to completion"
        );
    });
}

#[test]
fn abort_1000_pending_tasks() {
    guard(|| {
        for rt in [multi(2), current()] {
            let drops = counter();
            let polls = counter();
            let p = polls.clone();
            let d = drops.clone();
            let cancelled = rt.block_on(async move {
                let hs: Vec<_> = (0..1000)
                    .map(|_| {
                        let g = DropGuard::new(&d);
                        weft::spawn(count_polls(&p, async move {
                            let _g = g;
                            std::future::pending::<()>().await
                        }))
                    })
                    .collect();
                while get(&p) < 1000 {
                    yield_now().await;
                }
                for h in &hs {
                    h.abort();
                }
                let mut cancelled = 0;
                for h in hs {
                    if h.await.unwrap_err().is_cancelled() {
                        cancelled += 1;
                    }
                }
                cancelled
            });
            assert_eq!(cancelled, 1000);
            assert_eq!(get(&drops), 1000);
            assert_eq!(
                get(&polls),
                1000,
                "an aborted pending task was polled again"
            );
            assert_eq!(
                rt.block_on(async { weft::spawn(async { 2 }).await.unwrap() }),
                2
            );
        }
    });
}
