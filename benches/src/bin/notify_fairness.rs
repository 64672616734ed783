//! `notify_fairness`: who gets the wake-ups in `compare`'s `notify_one_*` rows.
//!
//! The shape of tokio's `sync_notify` bench (`notify_one_500`: tasks that loop on
//! `notified().await`, a thread outside the runtime calling `notify_one` in a busy loop until
//! they have counted 500 wake-ups), with each task also counting its own wake-ups. Per round and
//! runtime (the order alternates) it prints the time per 500 wake-ups, as `compare` measures
//! it, and how the wake-ups were spread over the tasks: the fewest, median and most one task
//! got, and Jain's index over the per-task counts (1: all equal; 1/n: one task got them all).
//!
//! A waiter that takes the stored permit without queueing runs again at once, so a runtime that
//! lets the task it is polling take permit after permit serves the busy loop with few polls, at
//! the price of the tasks queued behind it. This tells the two apart.
//!
//! ```text
//! notify_fairness [--rounds N] [--iters N] [--tasks N] [--workers N]
//! ```

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft_benches::cli::{positive, Arg, Args};
use weft_benches::load::Fairness;
use weft_benches::{BenchSync, TokioRt, WeftRt};

/// Wake-ups per iteration, as in tokio's bench and `compare`.
const WAKE_UPS: usize = 500;

#[derive(Debug, Clone, Copy)]
struct Config {
    rounds: u64,
    iters: u64,
    tasks: u64,
    workers: u64,
}

/// One runtime's measurement.
#[derive(Debug)]
struct Spread {
    per_iter: Duration,
    /// Per-task wake-up counts, sorted.
    counts: Vec<u64>,
}

fn measure<R: BenchSync>(config: Config) -> Spread {
    let rt = R::new(config.workers as usize);
    let notify = Arc::new(R::notify_new());
    let total = Arc::new(AtomicUsize::new(0));
    let per_task: Arc<Vec<AtomicUsize>> =
        Arc::new((0..config.tasks).map(|_| AtomicUsize::new(0)).collect());
    for task in 0..config.tasks as usize {
        let (notify, total, per_task) = (notify.clone(), total.clone(), per_task.clone());
        drop(rt.spawn(async move {
            loop {
                R::notified(&notify).await;
                // Its own count first, so every wake-up the loop counts is already in it.
                per_task[task].fetch_add(1, Relaxed);
                total.fetch_add(1, Relaxed);
            }
        }));
    }
    let iteration = || {
        total.store(0, Relaxed);
        while total.load(Relaxed) < WAKE_UPS {
            R::notify_one(&notify);
        }
    };
    // Warm up, as `compare` does, then count from zero.
    for _ in 0..config.iters / 10 + 1 {
        iteration();
    }
    per_task.iter().for_each(|count| count.store(0, Relaxed));
    let start = Instant::now();
    for _ in 0..config.iters {
        iteration();
    }
    let per_iter = start.elapsed() / config.iters as u32;
    let mut counts: Vec<u64> = per_task.iter().map(|c| c.load(Relaxed) as u64).collect();
    counts.sort_unstable();
    drop(rt);
    Spread { per_iter, counts }
}

fn print(name: &str, spread: &Spread) {
    let counts = &spread.counts;
    let jain = Fairness::of(counts).map_or(f64::NAN, |f| f.jain);
    println!(
        "{name:<6} {:>9.1?} per {WAKE_UPS} wake-ups   per task: min {:>6}  median {:>6}  max {:>7}   Jain {jain:.3}",
        spread.per_iter,
        counts[0],
        counts[counts.len() / 2],
        counts[counts.len() - 1],
    );
}

fn parse(mut args: Args) -> Result<Config, String> {
    let mut config = Config {
        rounds: 3,
        iters: 2000,
        tasks: 500,
        workers: weft_benches::workers_from_env() as u64,
    };
    while let Some(arg) = args.next_arg() {
        let Arg::Flag(flag) = arg else {
            return Err(format!("unexpected argument {arg:?}"));
        };
        let slot = match flag.as_str() {
            "--rounds" => &mut config.rounds,
            "--iters" => &mut config.iters,
            "--tasks" => &mut config.tasks,
            "--workers" => &mut config.workers,
            "-h" | "--help" => {
                return Err(
                    "usage: notify_fairness [--rounds N] [--iters N] [--tasks N] [--workers N]"
                        .into(),
                )
            }
            _ => return Err(format!("unknown flag {flag}")),
        };
        *slot = positive(args.value()?, &flag)?;
    }
    if config.iters > u64::from(u32::MAX) {
        return Err("--iters must fit in 32 bits".into());
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse(Args::from_env()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("notify_fairness: {message}");
            return ExitCode::from(2);
        }
    };
    println!(
        "notify_one, {} tasks, {} workers, {} iterations of {WAKE_UPS} wake-ups per runtime and round",
        config.tasks, config.workers, config.iters
    );
    for round in 0..config.rounds {
        println!("round {}", round + 1);
        if round % 2 == 0 {
            print("weft", &measure::<WeftRt>(config));
            print("tokio", &measure::<TokioRt>(config));
        } else {
            print("tokio", &measure::<TokioRt>(config));
            print("weft", &measure::<WeftRt>(config));
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Args {
        Args::new(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_set_the_config_and_bad_ones_are_refused() {
        let config = parse(args(&["--rounds", "2", "--iters=5", "--tasks", "7"])).unwrap();
        assert_eq!((config.rounds, config.iters, config.tasks), (2, 5, 7));
        assert!(parse(args(&["--tasks", "0"]))
            .unwrap_err()
            .contains("positive"));
        assert!(parse(args(&["--nope"]))
            .unwrap_err()
            .contains("unknown flag"));
        assert!(parse(args(&["stray"])).unwrap_err().contains("unexpected"));
    }

    /// Every measured iteration's wake-ups are counted by some task, less at most one per
    /// worker: a task caught between its two increments when the counts are reset.
    fn check<R: BenchSync>() {
        let config = Config {
            rounds: 1,
            iters: 4,
            tasks: 5,
            workers: 2,
        };
        let spread = measure::<R>(config);
        assert_eq!(spread.counts.len(), 5);
        assert!(spread.counts.windows(2).all(|w| w[0] <= w[1]), "sorted");
        let total: u64 = spread.counts.iter().sum();
        assert!(total + 2 >= 4 * WAKE_UPS as u64, "{total} wake-ups counted");
    }

    #[test]
    fn both_runtimes_count_every_wake_up() {
        check::<WeftRt>();
        check::<TokioRt>();
    }
}
