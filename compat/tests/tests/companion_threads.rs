//! weft's `tokio-context` companions come and go with their weft runtimes: one `weft-tokio`
//! thread per live runtime (or as many as `tokio_companion_threads` asks), none left once they
//! are gone (no reference cycle keeps one, or its
//! weft runtime, alive). Its own test binary: it counts the process's threads, which the tests
//! of another file running in parallel would change.

use std::time::{Duration, Instant};

/// The threads of this process named `name`.
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("Linux's /proc")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end() == name)
        .count()
}

/// Waits (at most 10 s) until `count` companion threads are left, and says how many are.
fn settle_at(count: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = threads_named("weft-tokio");
        if now == count || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_companion_thread_per_live_runtime_and_none_after() {
    assert_eq!(threads_named("weft-tokio"), 0, "no runtime yet");
    for round in 0..20 {
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let current = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // Entered, so each has started its companion; a crate's task runs on it.
        for runtime in [&multi, &current] {
            let ran = runtime.block_on(async { real_tokio::spawn(async { 1 }).await.unwrap() });
            assert_eq!(ran, 1);
        }
        assert_eq!(
            settle_at(2),
            2,
            "round {round}: one companion per live runtime"
        );
        if round % 2 == 0 {
            drop((multi, current));
        } else {
            multi.shutdown_background();
            current.shutdown_timeout(Duration::from_millis(10));
        }
        assert_eq!(
            settle_at(0),
            0,
            "round {round}: the companions stopped with their runtimes"
        );
    }

    // A companion of three threads (`Builder::tokio_companion_threads`), gone with its runtime.
    // (In this test, not one of its own: tests of one binary run in parallel, and this one
    // counts the process's threads.)
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .tokio_companion_threads(3)
        .enable_all()
        .build()
        .unwrap();
    let ran = runtime.block_on(async { real_tokio::spawn(async { 1 }).await.unwrap() });
    assert_eq!(ran, 1);
    assert_eq!(settle_at(3), 3, "three companion threads");
    drop(runtime);
    assert_eq!(settle_at(0), 0, "the companion stopped with its runtime");

    let zero = std::panic::catch_unwind(|| {
        tokio::runtime::Builder::new_multi_thread().tokio_companion_threads(0);
    })
    .unwrap_err();
    assert_eq!(
        zero.downcast_ref::<&str>(),
        Some(&"tokio_companion_threads must be at least 1")
    );
}
