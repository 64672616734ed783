//! `RuntimeMetrics`' per-worker park and busy figures (tokio's `worker_park_count`,
//! `worker_park_unpark_count`, `worker_total_busy_duration`): exact counts where the schedule is
//! deterministic (a paused current-thread clock, a read from the worker itself), and bounds
//! that follow from the order of events (never from timing) for the busy time.

mod common;

use std::time::{Duration, Instant};

use common::*;
use weft::runtime::{Builder, Runtime};

/// Spins (without sleeping) for at least `span` of wall time.
fn busy_for(span: Duration) {
    let start = Instant::now();
    while start.elapsed() < span {
        std::hint::spin_loop();
    }
}

fn paused_current_thread() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn a_current_thread_runtime_counts_each_park_and_its_unpark() {
    guard(|| {
        let rt = paused_current_thread();
        let metrics = rt.metrics();
        // Ready at once: no park.
        rt.block_on(async {});
        assert_eq!(metrics.worker_park_count(0), 0);
        assert_eq!(metrics.worker_park_unpark_count(0), 0);
        // Three sleeps in a row: each is one park, which auto-advances the paused clock to the
        // sleep's deadline (under 64 ms: the timer wheel's first level, so one jump).
        rt.block_on(async {
            for _ in 0..3 {
                weft::time::sleep(Duration::from_millis(10)).await;
            }
            // Read from the driving thread: it runs, so the count is even.
            let metrics = weft::runtime::Handle::current().metrics();
            assert_eq!(metrics.worker_park_unpark_count(0), 6);
        });
        assert_eq!(metrics.worker_park_count(0), 3);
        assert_eq!(metrics.worker_park_unpark_count(0), 6);
    });
}

#[test]
fn a_current_thread_runtime_is_busy_while_block_on_runs_and_not_between() {
    guard(|| {
        let rt = current();
        let metrics = rt.metrics();
        assert_eq!(metrics.worker_total_busy_duration(0), Duration::ZERO);
        let before = Instant::now();
        rt.block_on(async { busy_for(Duration::from_millis(20)) });
        let inside = before.elapsed();
        let busy = metrics.worker_total_busy_duration(0);
        assert!(busy >= Duration::from_millis(20), "busy {busy:?}");
        assert!(
            busy <= inside,
            "busy {busy:?} longer than block_on's {inside:?}"
        );
        // Outside `block_on` the runtime is neither busy nor parked: nothing accrues.
        busy_for(Duration::from_millis(5));
        assert_eq!(metrics.worker_total_busy_duration(0), busy);
    });
}

#[test]
fn a_worker_counts_even_while_it_runs_and_odd_while_it_sleeps() {
    guard(|| {
        let start = Instant::now();
        let rt = multi(1);
        let metrics = rt.metrics();
        // Read by a task on the worker: its own counters, exact.
        let (parks, park_unparks) = rt.block_on(async {
            weft::spawn(async {
                busy_for(Duration::from_millis(20));
                let metrics = weft::runtime::Handle::current().metrics();
                (
                    metrics.worker_park_count(0),
                    metrics.worker_park_unpark_count(0),
                )
            })
            .await
            .unwrap()
        });
        assert_eq!(park_unparks, 2 * parks);
        // Idle now: once asleep it stays asleep (no timer, no I/O, no task), and every park
        // so far but the current one has its unpark.
        let (parks, park_unparks) = loop {
            assert!(wait_until(HANG_LIMIT, || metrics
                .worker_park_unpark_count(0)
                % 2
                == 1));
            let park_unparks = metrics.worker_park_unpark_count(0);
            let parks = metrics.worker_park_count(0);
            if metrics.worker_park_unpark_count(0) == park_unparks {
                break (parks, park_unparks);
            }
        };
        assert_eq!(park_unparks, 2 * parks - 1);
        // The 20 ms the task spun were busy time, added when the worker parked.
        let busy = metrics.worker_total_busy_duration(0);
        assert!(busy >= Duration::from_millis(20), "busy {busy:?}");
        assert!(busy <= start.elapsed());
    });
}

#[test]
fn blocking_threads_are_counted_busy_then_idle() {
    guard(|| {
        let rt = Runtime::new().unwrap();
        let metrics = rt.metrics();
        assert_eq!(metrics.num_blocking_threads(), 0);
        assert_eq!(metrics.num_idle_blocking_threads(), 0);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let job = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        started_rx.recv().unwrap();
        assert_eq!(metrics.num_blocking_threads(), 1);
        assert_eq!(metrics.num_idle_blocking_threads(), 0, "busy with the job");
        release_tx.send(()).unwrap();
        rt.block_on(job).unwrap();
        // The thread hands the result over, then goes idle (within the keep-alive).
        assert!(
            wait_until(HANG_LIMIT, || metrics.num_idle_blocking_threads() == 1),
            "the blocking thread never went idle: {metrics:?}"
        );
        assert_eq!(metrics.num_blocking_threads(), 1);
        assert_eq!(metrics.blocking_queue_depth(), 0);
    });
}
