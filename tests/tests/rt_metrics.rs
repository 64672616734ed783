//! `RuntimeMetrics`' scheduler counters under tokio's names: parks and busy time
//! (`worker_park_count`, `worker_park_unpark_count`, `worker_total_busy_duration`), no-op
//! wake-ups (`worker_noop_count`), where tasks were scheduled from
//! (`worker_local_schedule_count`, `remote_schedule_count`), spent budgets
//! (`budget_forced_yield_count`), steals (`worker_steal_count`, `worker_steal_operations`),
//! the mean poll time (`worker_mean_poll_time`) and the I/O driver's counts
//! (`io_driver_fd_registered_count`, `io_driver_fd_deregistered_count`, `io_driver_ready_count`).
//! Exact counts where the schedule is deterministic (a paused current-thread clock, one
//! worker, a read from the worker itself), and bounds that follow from the order of events
//! (never from timing) elsewhere.

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

#[test]
fn schedules_from_outside_are_remote_and_from_a_worker_local() {
    guard(|| {
        let rt = multi(1);
        let metrics = rt.metrics();
        // Spawned from this thread (outside the runtime): three remote schedules.
        let tasks: Vec<_> = (0..3).map(|_| rt.spawn(async {})).collect();
        rt.block_on(async {
            for task in tasks {
                task.await.unwrap();
            }
        });
        assert_eq!(metrics.remote_schedule_count(), 3);
        assert_eq!(metrics.worker_local_schedule_count(0), 0);
        // One task spawned from `block_on` (a remote schedule: not a worker), which spawns four
        // children on its worker and yields five times (nine local schedules; nothing awaits
        // the children, so their ends wake no one).
        rt.block_on(async {
            weft::spawn(async {
                for _ in 0..4 {
                    drop(weft::spawn(async {}));
                }
                for _ in 0..5 {
                    weft::task::yield_now().await;
                }
            })
            .await
            .unwrap();
        });
        assert_eq!(metrics.remote_schedule_count(), 4);
        assert_eq!(metrics.worker_local_schedule_count(0), 9);
        assert_eq!(metrics.worker_steal_count(0), 0, "one worker has no peer");
        assert_eq!(metrics.worker_steal_operations(0), 0);
    });
}

#[test]
fn a_current_thread_runtime_tells_its_own_schedules_from_other_threads() {
    guard(|| {
        let rt = current();
        let metrics = rt.metrics();
        // From `block_on`, which drives this runtime: local.
        rt.block_on(async {
            weft::spawn(async { weft::task::yield_now().await })
                .await
                .unwrap();
        });
        assert_eq!(
            metrics.worker_local_schedule_count(0),
            2,
            "the spawn, the yield"
        );
        assert_eq!(metrics.remote_schedule_count(), 0);
        // From another thread while no one drives it: remote.
        let handle = rt.handle().clone();
        let task = std::thread::spawn(move || handle.spawn(async {}))
            .join()
            .unwrap();
        rt.block_on(task).unwrap();
        assert_eq!(metrics.remote_schedule_count(), 1);
        assert_eq!(metrics.worker_local_schedule_count(0), 2);
    });
}

#[test]
fn a_poll_that_spends_the_whole_budget_counts_as_a_forced_yield() {
    guard(|| {
        async fn consume(steps: usize) {
            for _ in 0..steps {
                weft::task::coop::consume_budget().await;
            }
        }
        // 300 steps: the budget (128) runs out twice, in the first two polls.
        let rt = multi(1);
        let metrics = rt.metrics();
        rt.block_on(rt.spawn(consume(300))).unwrap();
        assert_eq!(metrics.budget_forced_yield_count(), 2);
        // Exactly one budget counts too (tokio's rule: the budget reached zero); fewer does not.
        rt.block_on(rt.spawn(consume(128))).unwrap();
        rt.block_on(rt.spawn(consume(127))).unwrap();
        assert_eq!(metrics.budget_forced_yield_count(), 3);
        // On a current-thread runtime the `block_on` future has a budget too, and counts.
        let rt = current();
        let metrics = rt.metrics();
        rt.block_on(consume(300));
        rt.block_on(rt.spawn(consume(200))).unwrap();
        assert_eq!(metrics.budget_forced_yield_count(), 3);
    });
}

#[test]
fn a_park_with_no_poll_since_the_last_one_is_a_noop() {
    guard(|| {
        // A paused current-thread clock: each sleep is one park (an auto-advance), and no task
        // is polled in between, so every park is a no-op.
        let rt = paused_current_thread();
        let metrics = rt.metrics();
        rt.block_on(async {
            for _ in 0..3 {
                weft::time::sleep(Duration::from_millis(10)).await;
            }
        });
        assert_eq!(metrics.worker_park_count(0), 3);
        assert_eq!(metrics.worker_noop_count(0), 3);
        // A task woken by a timer and polled between two parks: the second is not a no-op.
        rt.block_on(async {
            weft::spawn(async {
                weft::time::sleep(Duration::from_millis(10)).await;
            })
            .await
            .unwrap();
        });
        assert_eq!(metrics.worker_park_count(0), 4);
        assert_eq!(metrics.worker_noop_count(0), 3);
        // A worker: its first sleep comes before any poll; then it polls the task it is woken
        // for. Read by that task: exact.
        let rt = multi(1);
        let metrics = rt.metrics();
        assert!(wait_until(HANG_LIMIT, || metrics.idle_workers() == 1));
        let (parks, noops) = rt.block_on(async {
            weft::spawn(async {
                let metrics = weft::runtime::Handle::current().metrics();
                (metrics.worker_park_count(0), metrics.worker_noop_count(0))
            })
            .await
            .unwrap()
        });
        assert!(parks >= 1);
        assert_eq!(
            noops, parks,
            "every park before the task's poll found nothing to do"
        );
    });
}

#[test]
fn a_steal_counts_once_and_its_tasks_each() {
    guard(|| {
        // Not every child need come by a steal: if the other worker does not get a CPU soon
        // enough (a loaded machine), the monitor moves the stuck worker's tasks to the shared
        // queue instead. So every attempt's counts must agree, and one of a few attempts must
        // have seen a steal.
        let stolen_in = (0..5).map(|_| steal_attempt()).collect::<Vec<_>>();
        assert!(
            stolen_in.iter().any(|&stolen| stolen > 0),
            "no steal in five attempts: {stolen_in:?}"
        );
    });
}

/// One attempt of `a_steal_counts_once_and_its_tasks_each`: checks its counts, returns how
/// many tasks the other worker stole.
fn steal_attempt() -> u64 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let rt = multi(2);
    let metrics = rt.metrics();
    let ran = Arc::new(AtomicUsize::new(0));
    // A task spawns 8 children onto its worker's queues and then holds that worker until all
    // of them ran: they can only run on the other worker, which steals them in batches (up to
    // half a queue each time), unless the monitor moved them to the shared queue first.
    let home = rt.block_on({
        let ran = ran.clone();
        rt.spawn(async move {
            for _ in 0..8 {
                let ran = ran.clone();
                drop(weft::spawn(async move {
                    ran.fetch_add(1, Ordering::SeqCst);
                }));
            }
            let start = Instant::now();
            while ran.load(Ordering::SeqCst) < 8 {
                assert!(start.elapsed() < HANG_LIMIT, "the children never ran");
                std::hint::spin_loop();
            }
            weft::runtime::worker_index().unwrap()
        })
    });
    let home = home.unwrap();
    let thief = 1 - home;
    let (stolen, steals) = (
        metrics.worker_steal_count(thief),
        metrics.worker_steal_operations(thief),
    );
    assert!(
        stolen <= 8 && steals <= stolen && (steals == 0) == (stolen == 0),
        "{stolen} tasks in {steals} steals"
    );
    assert_eq!(metrics.worker_steal_count(home), 0);
    assert_eq!(metrics.worker_steal_operations(home), 0);
    assert_eq!(metrics.steal_count(), stolen);
    stolen
}

/// The I/O driver's counters (tokio's unstable `io_driver_fd_*` names): each registration and
/// each deregistration exactly once, whichever way a socket leaves (dropped, or handed back
/// to std), on both flavors.
#[test]
#[cfg_attr(miri, ignore)] // sockets
fn the_io_driver_counts_each_registration_and_each_deregistration() {
    use weft::net::{TcpListener, TcpStream};
    on_each_flavor(|rt| {
        let metrics = rt.metrics();
        let counts = move || {
            (
                metrics.io_driver_fd_registered_count(),
                metrics.io_driver_fd_deregistered_count(),
                metrics.io_sources(),
            )
        };
        assert_eq!(counts(), (0, 0, 0), "a new runtime has registered nothing");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            assert_eq!(counts(), (1, 0, 1));
            let (client, accepted) = weft::join!(TcpStream::connect(addr), listener.accept());
            let (client, (accepted, _)) = (client.unwrap(), accepted.unwrap());
            assert_eq!(counts(), (3, 0, 3));
            drop(client);
            assert_eq!(counts(), (3, 1, 2));
            let std_stream = accepted.into_std().unwrap();
            assert_eq!(counts(), (3, 2, 1), "into_std deregisters");
            drop(listener);
            assert_eq!(counts(), (3, 3, 0));
            // A descriptor the system refuses to watch (a regular file) is not counted.
            let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
            // SAFETY: `File` keeps its descriptor open and unchanged for as long as the
            // `AsyncFd` would own it (here not even that long: the registration fails).
            let refused = unsafe { weft::io::unix::AsyncFd::register(file) };
            assert!(refused.is_err());
            assert_eq!(counts(), (3, 3, 0));
            // Back into the runtime: a registration of its own.
            let again = TcpStream::from_std(std_stream).unwrap();
            assert_eq!(counts(), (4, 3, 1));
            drop(again);
        });
        assert_eq!(counts(), (4, 4, 0));
    });
}

/// A wait on a socket that only an event can end costs the driver exactly one delivered
/// readiness event (`io_driver_ready_count`): the datagram that ends the wait is the only
/// change of the only registered socket.
#[test]
#[cfg_attr(miri, ignore)] // sockets
fn the_io_driver_counts_the_readiness_events_it_delivers() {
    on_each_flavor(|rt| {
        let metrics = rt.metrics();
        // The sender is a std socket, so the receiver is the driver's only source.
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        rt.block_on(async {
            let receiver = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            sender.connect(receiver.local_addr().unwrap()).unwrap();
            let mut buf = [0u8; 8];
            // A first datagram: the receiver's registration edge and its first data are
            // delivered by the time it is received (one event or two, as turns fall).
            sender.send(b"first").unwrap();
            assert_eq!(receiver.recv(&mut buf).await.unwrap(), 5);
            let delivered = metrics.io_driver_ready_count();
            assert!(
                (1..=2).contains(&delivered),
                "{delivered} events for one socket"
            );
            // The next wait: `recv` finds nothing and waits (join polls it first), then the
            // datagram comes, then exactly one event ends the wait.
            let (received, sent) = weft::join!(receiver.recv(&mut buf), async {
                sender.send(b"second").unwrap()
            });
            assert_eq!((received.unwrap(), sent), (6, 6));
            assert_eq!(metrics.io_driver_ready_count(), delivered + 1);
        });
    });
}

/// `worker_mean_poll_time`: zero before any poll; after eleven polls of at least 2 ms each
/// (however the worker's stretches cut them), at least eleven tenths of the way towards 2 ms,
/// `2 ms * (1 - 0.9^11)`; a current-thread runtime reports zero, as tokio's.
#[test]
fn the_mean_poll_time_follows_the_polls_of_a_stretch() {
    guard(|| {
        let rt = multi(1);
        let metrics = rt.metrics();
        assert!(wait_until(HANG_LIMIT, || metrics
            .worker_park_unpark_count(0)
            % 2
            == 1));
        assert_eq!(metrics.worker_mean_poll_time(0), Duration::ZERO);
        rt.block_on(async {
            // Eleven polls, each of at least 2 ms: ten end in a yield, the last in the return.
            weft::spawn(async {
                for _ in 0..10 {
                    busy_for(Duration::from_millis(2));
                    weft::task::yield_now().await;
                }
                busy_for(Duration::from_millis(2));
            })
            .await
            .unwrap();
        });
        // Odd: asleep again, its stretch folded in before it slept.
        assert!(wait_until(HANG_LIMIT, || metrics
            .worker_park_unpark_count(0)
            % 2
            == 1));
        let floor = Duration::from_millis(2).mul_f64(1.0 - 0.9f64.powi(11));
        let mean = metrics.worker_mean_poll_time(0);
        assert!(
            mean >= floor,
            "{mean:?} < {floor:?}: polls {}, parks {}, busy {:?}",
            metrics.worker_poll_count(0),
            metrics.worker_park_count(0),
            metrics.worker_total_busy_duration(0)
        );

        let rt = current();
        rt.block_on(async {
            weft::spawn(async { busy_for(Duration::from_millis(2)) })
                .await
                .unwrap();
        });
        assert_eq!(rt.metrics().worker_mean_poll_time(0), Duration::ZERO);
    });
}

/// A worker that never sleeps (a task that always yields keeps it busy) still reports a mean
/// poll time: its stretch is cut at its periodic driver polls, every 61 of its polls.
#[test]
fn a_worker_that_never_sleeps_still_reports_its_mean_poll_time() {
    guard(|| {
        let rt = multi(1);
        let metrics = rt.metrics();
        let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinner = rt.spawn({
            let started = started.clone();
            async move {
                started.store(true, std::sync::atomic::Ordering::Release);
                loop {
                    busy_for(Duration::from_micros(20));
                    weft::task::yield_now().await;
                }
            }
        });
        assert!(wait_until(HANG_LIMIT, || started
            .load(std::sync::atomic::Ordering::Acquire)));
        let parks = metrics.worker_park_count(0);
        assert!(
            wait_until(HANG_LIMIT, || metrics.worker_mean_poll_time(0)
                > Duration::ZERO),
            "no mean poll time after {} polls",
            metrics.worker_poll_count(0)
        );
        assert_eq!(
            metrics.worker_park_count(0),
            parks,
            "the worker never slept"
        );
        assert!(metrics.worker_mean_poll_time(0) >= Duration::from_micros(20).mul_f64(0.1));
        spinner.abort();
    });
}

/// The poll-time histogram (`enable_metrics_poll_time_histogram`): off by default, with a
/// panic that says how to turn it on; once on, every task poll is counted exactly once (the
/// buckets of all workers add up to their poll counts), and a poll that blocked 30 ms lands
/// at or above the bucket of 30 ms, on both flavors and both layouts.
#[test]
fn the_poll_time_histogram_counts_every_poll_once_in_its_bucket() {
    use weft::runtime::{HistogramConfiguration, LogHistogram};
    guard(|| {
        let metrics = current().metrics();
        assert!(!metrics.poll_time_histogram_enabled());
        assert_eq!(metrics.poll_time_histogram_num_buckets(), 0);
        let refused = std::panic::catch_unwind(|| metrics.poll_time_histogram_bucket_count(0, 0));
        let message = panic_message(&*refused.unwrap_err());
        assert!(
            message.contains("enable_metrics_poll_time_histogram"),
            "{message}"
        );

        let layouts = [
            HistogramConfiguration::linear(Duration::from_millis(10), 3),
            HistogramConfiguration::log(LogHistogram::default()),
        ];
        for layout in layouts {
            for multi_thread in [false, true] {
                let mut builder = if multi_thread {
                    Builder::new_multi_thread()
                } else {
                    Builder::new_current_thread()
                };
                if multi_thread {
                    builder.worker_threads(2);
                }
                let rt = builder
                    .enable_metrics_poll_time_histogram()
                    .metrics_poll_time_histogram_configuration(layout)
                    .build()
                    .unwrap();
                let metrics = rt.metrics();
                rt.block_on(async {
                    let quick: Vec<_> = (0..20).map(|_| weft::spawn(async {})).collect();
                    for task in quick {
                        task.await.unwrap();
                    }
                    weft::spawn(async { std::thread::sleep(Duration::from_millis(30)) })
                        .await
                        .unwrap();
                });
                let workers = metrics.num_workers();
                // Every worker asleep: its last poll is counted (see `worker_mean_poll_time`;
                // a current-thread runtime counted its polls on this thread).
                assert!(wait_until(HANG_LIMIT, || !multi_thread
                    || (0..workers)
                        .all(|w| metrics.worker_park_unpark_count(w) % 2 == 1)));
                let buckets = metrics.poll_time_histogram_num_buckets();
                let count = |w, b| metrics.poll_time_histogram_bucket_count(w, b);
                for worker in 0..workers {
                    let counted: u64 = (0..buckets).map(|b| count(worker, b)).sum();
                    assert_eq!(
                        counted,
                        metrics.worker_poll_count(worker),
                        "worker {worker}"
                    );
                }
                let total: u64 = (0..workers)
                    .flat_map(|w| (0..buckets).map(move |b| (w, b)))
                    .map(|(w, b)| count(w, b))
                    .sum();
                assert_eq!(total, 21, "{layout:?}, multi-thread {multi_thread}");
                let long = (0..buckets)
                    .position(|b| {
                        metrics.poll_time_histogram_bucket_range(b).end > Duration::from_millis(30)
                    })
                    .unwrap();
                let at_or_above: u64 = (0..workers)
                    .flat_map(|w| (long..buckets).map(move |b| (w, b)))
                    .map(|(w, b)| count(w, b))
                    .sum();
                assert!(at_or_above >= 1, "{layout:?}, multi-thread {multi_thread}");
            }
        }
    });
}
