//! `JoinHandle`: outputs, wakeups from other threads, `is_finished`, detaching by drop, the
//! fate of outputs nobody reads, and the kinds and `Display` of `JoinError`.

mod common;

use std::error::Error;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use weft::task::{yield_now, JoinError, JoinHandle};

#[test]
fn join_handle_returns_outputs_of_any_type() {
    guard(|| {
        for rt in [multi(2), current()] {
            rt.block_on(async {
                assert_eq!(weft::spawn(async { 1u64 << 40 }).await.unwrap(), 1 << 40);
                assert_eq!(
                    weft::spawn(async { String::from("out") }).await.unwrap(),
                    "out"
                );
                weft::spawn(async {}).await.unwrap();
                let big = weft::spawn(async { vec![7u8; 1 << 20] }).await.unwrap();
                assert_eq!(big.len(), 1 << 20);
                assert!(big.iter().all(|&b| b == 7));
                let r: Result<u8, &str> = weft::spawn(async { Err("inner") }).await.unwrap();
                assert_eq!(r, Err("inner"));
            });
        }
    });
}

#[test]
fn join_handle_can_be_awaited_by_another_task() {
    guard(|| {
        let rt = multi(2);
        let gate = Gate::new();
        let g = gate.clone();
        let producer = rt.spawn(async move {
            g.wait().await;
            5
        });
        let consumer = rt.spawn(async move { producer.await.unwrap() * 10 });
        // Opened from a plain thread, once the producer waits on it: the producer's waker and
        // then the consumer's must fire.
        let opener = {
            let gate = gate.clone();
            thread::spawn(move || {
                assert!(wait_until(HANG_LIMIT, || gate.waiters() == 1));
                gate.open();
            })
        };
        assert_eq!(rt.block_on(consumer).unwrap(), 50);
        opener.join().unwrap();
    });
}

#[test]
fn join_handle_moved_to_a_plain_thread_and_awaited_there() {
    guard(|| {
        let rt = multi(2);
        let h = rt.spawn(async {
            yield_now().await;
            "across threads"
        });
        let got = thread::spawn(move || futures_lite::future::block_on(h))
            .join()
            .unwrap();
        assert_eq!(got.unwrap(), "across threads");
    });
}

#[test]
fn is_finished_tracks_completion_multi_thread() {
    guard(|| {
        let rt = multi(2);
        let gate = Gate::new();
        let g = gate.clone();
        let h = rt.spawn(async move {
            g.wait().await;
            9
        });
        assert!(wait_until(HANG_LIMIT, || gate.waiters() == 1));
        assert!(
            !h.is_finished(),
            "a task waiting on a closed gate is not finished"
        );
        gate.open();
        assert!(
            wait_until(Duration::from_secs(10), || h.is_finished()),
            "is_finished never became true after the task completed"
        );
        assert_eq!(rt.block_on(h).unwrap(), 9);
    });
}

#[test]
fn is_finished_tracks_completion_current_thread() {
    guard(|| {
        let rt = current();
        let h = rt.spawn(async { 3 });
        assert!(
            !h.is_finished(),
            "nothing has driven the current-thread runtime yet"
        );
        rt.block_on(async {
            while !h.is_finished() {
                yield_now().await;
            }
        });
        assert!(h.is_finished());
        assert_eq!(rt.block_on(h).unwrap(), 3);
    });
}

#[test]
fn awaiting_a_long_finished_task_gives_its_output() {
    guard(|| {
        let rt = multi(2);
        let h = rt.spawn(async { "early" });
        assert!(wait_until(Duration::from_secs(10), || h.is_finished()));
        assert_eq!(rt.block_on(h).unwrap(), "early");
    });
}

#[test]
fn handles_awaited_in_reverse_order() {
    guard(|| {
        let rt = multi(2);
        let outs = rt.block_on(async {
            let hs: Vec<JoinHandle<usize>> = (0..1000)
                .map(|i| {
                    weft::spawn(async move {
                        yield_now().await;
                        i
                    })
                })
                .collect();
            let mut outs = Vec::new();
            for h in hs.into_iter().rev() {
                outs.push(h.await.unwrap());
            }
            outs
        });
        assert_eq!(outs, (0..1000).rev().collect::<Vec<_>>());
    });
}

#[test]
fn dropping_the_handle_of_a_pending_task_detaches_it() {
    guard(|| {
        let rt = multi(2);
        let gate = Gate::new();
        let done = counter();
        let polls = counter();
        let (g, d) = (gate.clone(), done.clone());
        let h = rt.spawn(count_polls(&polls, async move {
            g.wait().await;
            bump(&d);
        }));
        assert!(wait_until(Duration::from_secs(10), || get(&polls) >= 1));
        drop(h);
        // The gate is closed: the task cannot have completed.
        assert_eq!(get(&done), 0);
        gate.open();
        assert!(
            wait_until(Duration::from_secs(10), || get(&done) == 1),
            "a task whose handle was dropped while pending never completed"
        );
    });
}

#[test]
fn dropping_the_handle_of_a_pending_task_detaches_it_current_thread() {
    guard(|| {
        let rt = current();
        let gate = Gate::new();
        let done = counter();
        let (g, d) = (gate.clone(), done.clone());
        drop(rt.spawn(async move {
            g.wait().await;
            bump(&d);
        }));
        let (g, d) = (gate.clone(), done.clone());
        rt.block_on(async move {
            yield_now().await;
            g.open();
            while get(&d) == 0 {
                yield_now().await;
            }
        });
        assert_eq!(get(&done), 1);
    });
}

#[test]
fn output_is_dropped_exactly_once_whoever_ends_up_owning_it() {
    guard(|| {
        let rt = multi(2);

        // Read by the awaiter.
        let drops = counter();
        let d = drops.clone();
        let out = rt.block_on(async move { weft::spawn(async move { DropGuard::new(&d) }).await });
        assert_eq!(get(&drops), 0);
        drop(out);
        assert_eq!(get(&drops), 1);

        // Never read: the handle is dropped after completion.
        let drops = counter();
        let d = drops.clone();
        let h = rt.spawn(async move { DropGuard::new(&d) });
        assert!(wait_until(Duration::from_secs(10), || h.is_finished()));
        drop(h);
        assert!(
            wait_until(Duration::from_secs(10), || get(&drops) == 1),
            "the unread output of a finished task was not dropped with its handle"
        );

        // Never read: the handle is dropped before completion.
        let drops = counter();
        let gate = Gate::new();
        let (d, g) = (drops.clone(), gate.clone());
        drop(rt.spawn(async move {
            g.wait().await;
            DropGuard::new(&d)
        }));
        gate.open();
        assert!(
            wait_until(Duration::from_secs(10), || get(&drops) == 1),
            "the output of a detached task was never dropped"
        );
        // Once the task is freed (its future held a clone of `drops`), nothing can drop more.
        assert!(wait_until(HANG_LIMIT, || Arc::strong_count(&drops) == 1));
        assert_eq!(get(&drops), 1, "an output was dropped twice");
    });
}

// ---------------------------------------------------------------- JoinError

fn cancelled_error() -> JoinError {
    let rt = multi(2);
    rt.block_on(async {
        let h = weft::spawn(std::future::pending::<()>());
        yield_now().await;
        h.abort();
        h.await
            .expect_err("an aborted pending task must not give Ok")
    })
}

fn panicked_error() -> JoinError {
    let rt = multi(2);
    rt.block_on(async {
        weft::spawn(async {
            panic!("join-error-display-probe");
        })
        .await
        .expect_err("a panicking task must not give Ok")
    })
}

#[test]
fn join_error_of_a_cancelled_task() {
    guard(|| {
        let e = cancelled_error();
        assert!(e.is_cancelled());
        assert!(!e.is_panic());
        let shown = e.to_string();
        assert!(
            shown.to_lowercase().contains("cancel"),
            "Display of a cancellation should say so, got {shown:?}"
        );
        assert!(!format!("{e:?}").is_empty());
    });
}

#[test]
fn join_error_of_a_panicked_task() {
    guard(|| {
        let e = panicked_error();
        assert!(e.is_panic());
        assert!(!e.is_cancelled());
        let shown = e.to_string();
        assert!(
            shown.to_lowercase().contains("panic"),
            "Display of a panic should say so, got {shown:?}"
        );
        assert!(!format!("{e:?}").is_empty());
    });
}

#[test]
fn join_error_is_a_std_error_usable_with_question_mark() {
    guard(|| {
        fn run() -> Result<(), Box<dyn Error>> {
            let rt = multi(2);
            rt.block_on(async {
                let h = weft::spawn(async { panic!("through ?") });
                h.await?;
                Ok(())
            })
        }
        let err = run().expect_err("the panic must surface as an error");
        let je = err
            .downcast_ref::<JoinError>()
            .expect("the boxed error is the JoinError");
        assert!(je.is_panic());
        let as_dyn: &dyn Error = je;
        assert!(!as_dyn.to_string().is_empty());
    });
}
