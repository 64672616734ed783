//! Tests of the test clock: pause, resume, advance and auto-advance, with exact instants.

use super::{advance, pause, resume};
use crate::runtime::{Builder, Runtime};
use crate::test_util;
use crate::time::{interval, sleep, sleep_until, timeout, Instant};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn paused() -> Runtime {
    Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn a_one_hour_sleep_completes_by_auto_advance_at_exactly_its_deadline() {
    paused().block_on(async {
        let start = Instant::now();
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        assert_eq!(Instant::now() - start, Duration::from_secs(3600));
    });
}

#[test]
fn timers_fire_in_deadline_order_each_at_its_own_instant() {
    let fired = Arc::new(Mutex::new(Vec::new()));
    paused().block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = [30u64, 10, 20, 10, 5000, 1]
            .into_iter()
            .map(|ms| {
                let fired = fired.clone();
                crate::spawn(async move {
                    sleep(self::ms(ms)).await;
                    fired.lock().unwrap().push((ms, Instant::now() - start));
                })
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        assert_eq!(start.elapsed(), ms(5000));
    });
    let fired = fired.lock().unwrap();
    let expected: Vec<_> = [1u64, 10, 10, 20, 30, 5000]
        .into_iter()
        .map(|ms| (ms, self::ms(ms)))
        .collect();
    assert_eq!(*fired, expected);
}

#[test]
fn advance_fires_exactly_the_timers_it_passes() {
    paused().block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = [10u64, 20, 30]
            .into_iter()
            .map(|ms| crate::spawn(sleep(self::ms(ms))))
            .collect();
        crate::task::yield_now().await; // each registers its timer
        advance(ms(20)).await;
        assert_eq!(Instant::now() - start, ms(20));
        let finished: Vec<bool> = handles.iter().map(|h| h.is_finished()).collect();
        assert_eq!(finished, [true, true, false]);
        advance(ms(9)).await;
        assert!(!handles[2].is_finished());
        advance(MS).await;
        assert!(handles[2].is_finished());
        assert_eq!(start.elapsed(), ms(30));
    });
}

#[test]
fn advance_by_sub_millisecond_steps_keeps_the_exact_sum() {
    paused().block_on(async {
        let start = Instant::now();
        let mut timer = Box::pin(sleep(MS));
        let waker = test_util::CountingWaker::new();
        assert!(test_util::poll_with(timer.as_mut(), &waker).is_pending());
        for _ in 0..3 {
            advance(Duration::from_micros(250)).await;
            assert!(test_util::poll_with(timer.as_mut(), &waker).is_pending());
        }
        assert_eq!(waker.wakes(), 0);
        advance(Duration::from_micros(250)).await;
        assert_eq!(waker.wakes(), 1, "the fourth step reached the deadline");
        assert!(test_util::poll_with(timer.as_mut(), &waker).is_ready());
        assert_eq!(start.elapsed(), MS);
    });
}

#[test]
fn no_jump_while_a_task_can_run() {
    paused().block_on(async {
        let start = Instant::now();
        let sleeper = crate::spawn(sleep(MS));
        for _ in 0..100 {
            crate::task::yield_now().await;
            assert_eq!(
                Instant::now(),
                start,
                "busy runtime: the clock stands still"
            );
        }
        assert!(!sleeper.is_finished());
        sleeper.await.unwrap();
        assert_eq!(start.elapsed(), MS);
    });
}

#[test]
#[cfg_attr(miri, ignore = "a real 20 ms of blocking work is slow under miri")]
fn a_blocking_job_in_flight_holds_auto_advance_off() {
    paused().block_on(async {
        let start = Instant::now();
        // Real work that takes a while: with the clock paused, the runtime is idle only
        // because it waits for this job, so the clock must not jump past the hour below.
        let job = crate::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(20)));
        let mut hour = Box::pin(sleep(Duration::from_secs(3600)));
        let job_won = crate::select! {
            biased;
            _ = job => true,
            _ = &mut hour => false,
        };
        assert!(job_won, "the clock jumped while the blocking job ran");
        assert_eq!(Instant::now(), start);
        // Once it is done, auto-advance is back.
        hour.await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
    });
}

#[test]
fn timeout_and_interval_run_on_the_paused_clock() {
    paused().block_on(async {
        let start = Instant::now();
        let timed_out = timeout(Duration::from_secs(5), std::future::pending::<()>()).await;
        assert!(timed_out.is_err());
        assert_eq!(start.elapsed(), Duration::from_secs(5));

        let mut ticks = interval(Duration::from_secs(2));
        let mut at = Vec::new();
        for _ in 0..4 {
            at.push(ticks.tick().await - start);
        }
        let secs = |s| Duration::from_secs(s);
        assert_eq!(at, [secs(5), secs(7), secs(9), secs(11)]);
    });
}

#[test]
fn pause_then_resume_continues_from_the_paused_instant() {
    let runtime = Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        pause();
        let paused_at = Instant::now();
        advance(Duration::from_secs(10)).await;
        assert_eq!(Instant::now() - paused_at, Duration::from_secs(10));
        resume();
        let resumed = Instant::now();
        assert!(resumed >= paused_at + Duration::from_secs(10));
        pause();
        sleep_until(resumed + Duration::from_secs(1)).await;
        assert!(Instant::now() >= resumed + Duration::from_secs(1));
    });
}

#[test]
fn instant_now_follows_the_paused_clock_only_inside_its_runtime() {
    let runtime = paused();
    let inside = runtime.block_on(async {
        let a = Instant::now();
        std::thread::sleep(MS);
        assert_eq!(Instant::now(), a, "frozen inside");
        a
    });
    // Outside, the real clock; it is ahead of the frozen instant.
    std::thread::sleep(MS);
    assert!(Instant::now() > inside);
}

#[test]
#[should_panic = "time is already frozen"]
fn pausing_twice_panics() {
    paused().block_on(async { pause() });
}

#[test]
#[should_panic = "time is not frozen"]
fn resuming_a_running_clock_panics() {
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async { resume() });
}

#[test]
#[should_panic = "time is not frozen"]
fn advancing_a_running_clock_panics() {
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(advance(MS));
}

#[test]
#[should_panic = "time cannot be frozen from outside the weft runtime"]
fn pausing_outside_a_runtime_panics() {
    pause();
}

#[test]
#[should_panic = "`time::pause()` requires the current-thread runtime"]
fn pausing_a_multi_thread_runtime_panics() {
    let runtime = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    runtime.block_on(async { pause() });
}

#[test]
fn pausing_from_a_task_of_a_multi_thread_runtime_fails_that_task() {
    let runtime = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let error = runtime
        .block_on(runtime.spawn(async { pause() }))
        .unwrap_err();
    assert!(error.is_panic());
}

#[test]
#[should_panic = "`time::pause()` requires the current-thread runtime"]
fn start_paused_on_a_multi_thread_builder_panics() {
    let _ = Builder::new_multi_thread().start_paused(true).build();
}

#[test]
fn a_paused_run_is_deterministic() {
    fn run() -> Vec<Duration> {
        paused().block_on(async {
            let start = Instant::now();
            let mut rng = crate::test_util::XorShift::new(7);
            let mut at = Vec::new();
            for _ in 0..200 {
                sleep(Duration::from_micros(rng.below(5_000_000))).await;
                at.push(start.elapsed());
            }
            at
        })
    }
    let first = run();
    assert_eq!(first, run());
    assert!(first.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn pausing_mid_run_still_ends_whole_millisecond_sleeps_exactly() {
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            sleep(Duration::from_micros(300)).await; // off the millisecond grid, in real time
            pause();
            let start = Instant::now();
            sleep(Duration::from_secs(3600)).await;
            sleep(ms(7)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(3600) + ms(7));
        });
}
