//! `interval`: the first tick is immediate, later ticks are period-spaced and never early, on both
//! schedulers and from many tasks at once.

mod common;

use std::time::{Duration, Instant};

use common::*;
use weft::runtime::Runtime;
use weft::time::interval;

const LATE: Duration = Duration::from_secs(1);

/// Tick times of an interval of `period`, measured from just before it was created.
fn tick_times(rt: &Runtime, period: Duration, ticks: u32) -> Vec<Duration> {
    rt.block_on(async move {
        let t0 = Instant::now();
        let mut iv = interval(period);
        let mut at = Vec::new();
        for _ in 0..ticks {
            iv.tick().await;
            at.push(t0.elapsed());
        }
        at
    })
}

fn check_ticks(at: &[Duration], period: Duration) {
    assert!(
        at[0] < period,
        "the first tick must complete immediately, it came after {:?}",
        at[0]
    );
    for (k, &t) in at.iter().enumerate().skip(1) {
        let due = period * k as u32;
        assert!(t >= due, "tick {k} came at {t:?}, before {due:?}: early");
        assert!(t < due + LATE, "tick {k} came at {t:?}, long after {due:?}");
    }
}

#[test]
fn interval_first_tick_immediate_then_period_spaced_multi_thread() {
    guard(|| {
        let period = Duration::from_millis(60);
        let at = tick_times(&multi(2), period, 6);
        check_ticks(&at, period);
    });
}

#[test]
fn interval_first_tick_immediate_then_period_spaced_current_thread() {
    guard(|| {
        let period = Duration::from_millis(60);
        let at = tick_times(&current(), period, 6);
        check_ticks(&at, period);
    });
}

#[test]
fn interval_ticks_are_not_early_when_the_ticker_is_slow() {
    guard(|| {
        // The ticker works (without yielding) for 60% of a period between ticks: ticks stay on
        // the period grid (tick 5 near 500 ms), they neither drift by the work (800 ms) nor come
        // early.
        let rt = multi(2);
        let period = Duration::from_millis(100);
        let work = Duration::from_millis(60);
        let at = rt.block_on(async move {
            let t0 = Instant::now();
            let mut iv = interval(period);
            let mut at = Vec::new();
            for _ in 0..6 {
                iv.tick().await;
                at.push(t0.elapsed());
                std::thread::sleep(work);
            }
            at
        });
        check_ticks(&at, period);
        let last = *at.last().unwrap();
        assert!(
            last < period * 5 + Duration::from_millis(200),
            "ticks drifted by the work done between them: last at {last:?}"
        );
    });
}

#[test]
fn many_intervals_in_many_tasks() {
    guard(|| {
        let rt = multi(2);
        let ticks = counter();
        let early = counter();
        let (t, e) = (ticks.clone(), early.clone());
        rt.block_on(async move {
            let hs: Vec<_> = (0..200u64)
                .map(|i| {
                    let (t, e) = (t.clone(), e.clone());
                    weft::spawn(async move {
                        let period = Duration::from_millis(5 + i % 10);
                        let t0 = Instant::now();
                        let mut iv = interval(period);
                        for k in 0..5u32 {
                            iv.tick().await;
                            if t0.elapsed() < period * k {
                                bump(&e);
                            }
                            bump(&t);
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        assert_eq!(get(&ticks), 200 * 5);
        assert_eq!(get(&early), 0, "some interval ticks came early");
    });
}
