//! `compare`: every shape of tokio's `rt_multi_threaded` and `sync_*` benches on weft and on
//! tokio, in one process on one machine, alternating the runtimes over several rounds; prints a
//! side-by-side table per group (medians over rounds) and writes it all as one CSV.
//!
//! ```text
//! cargo run --release -p weft-benches --bin compare -- [--workers N] [--rounds N] [--quick]
//!     [--shape NAME[,NAME..]] [--runtime weft|tokio] [--csv PATH]
//! ```
//!
//! Run `compare --help` for the details.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use weft_benches::report::{self, Outcome, Row, Stats};
use weft_benches::rt::{parse_workers, DEFAULT_WORKERS, WORKERS_ENV};
use weft_benches::{Group, Params, RuntimeKind, ShapeKind};

const USAGE: &str = "\
compare: weft vs tokio on the shapes of tokio's rt_multi_threaded and sync_* benches

USAGE:
    compare [OPTIONS]

OPTIONS:
    --workers N        worker threads of each runtime [env WEFT_BENCH_WORKERS, default 4]
    --rounds N         rounds; each round runs every shape once per runtime, alternating
                       which runtime goes first; the table shows medians [default 5, 1 with --quick]
    --quick            smoke run: 1 round, a couple of iterations per shape (seconds)
    --shape NAMES      only these shapes (comma-separated, repeatable)
    --runtime NAME     only this runtime: weft or tokio
    --csv PATH         where to write the CSV [default $CARGO_TARGET_DIR/compare.csv, else
                       <workspace>/target/compare.csv]
    --hang-secs N      abort if one shape on one runtime makes no progress for N seconds
                       [default 60]
    -h, --help         this text

Times are per iteration (one iteration = one unit of tokio's bench: 10 000 spawns, 1 000 ping
pongs, 5 000 messages, ...). Two sections: rt_multi_threaded (the scheduler) and sync (each
runtime with its own sync primitives). ratio = tokio / weft: above 1 means weft is faster.
Exit status: 0 when every shape ran and did all its work, 1 when one failed, 2 on bad usage.";

/// Command-line options.
#[derive(Debug)]
struct Options {
    workers: usize,
    rounds: usize,
    quick: bool,
    shapes: Vec<ShapeKind>,
    runtimes: Vec<RuntimeKind>,
    csv: PathBuf,
    hang: Duration,
}

/// How long and how often each shape runs per round.
#[derive(Debug, Clone, Copy)]
struct Budget {
    warmup_iters: u32,
    warmup_time: Duration,
    min_iters: u32,
    measure_time: Duration,
}

impl Budget {
    fn new(quick: bool, group: Group) -> Budget {
        if quick {
            Budget {
                warmup_iters: 1,
                warmup_time: Duration::ZERO,
                min_iters: 2,
                measure_time: Duration::ZERO,
            }
        } else if group == Group::Rt {
            Budget {
                warmup_iters: 2,
                warmup_time: Duration::from_millis(50),
                min_iters: 3,
                measure_time: Duration::from_millis(200),
            }
        } else {
            // Many more shapes, most of them microseconds per iteration: a shorter budget still
            // gives hundreds of iterations per round.
            Budget {
                warmup_iters: 1,
                warmup_time: Duration::from_millis(SYNC_WARMUP_MS),
                min_iters: 3,
                measure_time: Duration::from_millis(SYNC_MEASURE_MS),
            }
        }
    }
}

/// Warm-up of a sync shape per round, in milliseconds.
const SYNC_WARMUP_MS: u64 = 10;
/// Measurement of a sync shape per round, in milliseconds.
const SYNC_MEASURE_MS: u64 = 50;

fn default_csv_path() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("compare.csv"),
        _ => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/compare.csv"
        )),
    }
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let workers = match std::env::var(WORKERS_ENV) {
        Ok(s) => parse_workers(&s)
            .ok_or_else(|| format!("{WORKERS_ENV} must be a positive integer, got {s:?}"))?,
        Err(_) => DEFAULT_WORKERS,
    };
    let mut o = Options {
        workers,
        rounds: 0,
        quick: false,
        shapes: Vec::new(),
        runtimes: RuntimeKind::ALL.to_vec(),
        csv: default_csv_path(),
        hang: Duration::from_secs(60),
    };
    let mut rounds = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let positive = |v: String, what: &str| {
            parse_workers(&v).ok_or_else(|| format!("{what} must be a positive integer, got {v:?}"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--quick" => o.quick = true,
            "--workers" => o.workers = positive(value()?, "--workers")?,
            "--rounds" => rounds = Some(positive(value()?, "--rounds")?),
            "--hang-secs" => {
                o.hang = Duration::from_secs(positive(value()?, "--hang-secs")? as u64)
            }
            "--csv" => o.csv = PathBuf::from(value()?),
            "--runtime" => {
                let v = value()?;
                let k = RuntimeKind::from_name(&v)
                    .ok_or_else(|| format!("unknown runtime {v:?}: weft or tokio"))?;
                o.runtimes = vec![k];
            }
            "--shape" => {
                for name in value()?.split(',').filter(|s| !s.is_empty()) {
                    let k = ShapeKind::from_name(name).ok_or_else(|| {
                        let all: Vec<_> = ShapeKind::ALL.iter().map(|k| k.name()).collect();
                        format!("unknown shape {name:?}; shapes: {}", all.join(", "))
                    })?;
                    if !o.shapes.contains(&k) {
                        o.shapes.push(k);
                    }
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if o.shapes.is_empty() {
        o.shapes = ShapeKind::ALL.to_vec();
    } else {
        // Keep tokio's order whatever the order on the command line.
        o.shapes = ShapeKind::ALL
            .iter()
            .copied()
            .filter(|k| o.shapes.contains(k))
            .collect();
    }
    o.rounds = rounds.unwrap_or(if o.quick { 1 } else { 5 });
    Ok(Some(o))
}

/// What the main thread is doing, for the hang watchdog: since when, and a description.
static PHASE: Mutex<Option<(Instant, String)>> = Mutex::new(None);

fn set_phase(what: Option<String>) {
    let mut p = PHASE.lock().unwrap_or_else(|e| e.into_inner());
    *p = what.map(|w| (Instant::now(), w));
}

/// Exits the process (status 1) when one phase runs longer than `limit`: a runtime that loses a
/// wake-up would otherwise hang the comparison forever.
fn start_watchdog(limit: Duration) {
    std::thread::Builder::new()
        .name("compare-watchdog".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(250));
            let p = PHASE.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((since, what)) = &*p {
                if since.elapsed() > limit {
                    eprintln!(
                        "compare: {what} made no progress for {} s; it is probably hung \
                         (a lost wake-up?). Aborting.",
                        limit.as_secs()
                    );
                    std::process::exit(1);
                }
            }
        })
        .expect("failed to start the watchdog thread");
}

/// Builds `shape` on `rt`, warms it up, and returns the mean time per iteration, or why it failed.
fn measure_once(
    shape: ShapeKind,
    rt: RuntimeKind,
    workers: usize,
    params: &Params,
    budget: Budget,
) -> Result<Duration, String> {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut s = shape.build_on(rt, workers, params);
        let expected = s.expected();
        let check = |s: &mut dyn weft_benches::Shape| {
            let done = s.run();
            if done == expected {
                Ok(())
            } else {
                Err(format!("did {done} units of work, expected {expected}"))
            }
        };
        let start = Instant::now();
        let mut n = 0;
        while n < budget.warmup_iters || start.elapsed() < budget.warmup_time {
            check(&mut *s)?;
            n += 1;
        }
        let start = Instant::now();
        let mut n = 0;
        let elapsed = loop {
            check(&mut *s)?;
            n += 1;
            let elapsed = start.elapsed();
            if n >= budget.min_iters && elapsed >= budget.measure_time {
                break elapsed;
            }
        };
        Ok(elapsed / n)
        // `s` drops here: the runtime shuts down before the next shape starts.
    }));
    match result {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
            Err(format!("panicked: {msg}"))
        }
    }
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("compare: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let params = Params::standard();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    eprintln!(
        "compare: {} workers per runtime, {} round(s){}, {} cores; debug build: {}",
        opts.workers,
        opts.rounds,
        if opts.quick { " (quick)" } else { "" },
        cores,
        cfg!(debug_assertions),
    );
    start_watchdog(opts.hang);

    let n_shapes = opts.shapes.len();
    // samples[shape][runtime]: per-round times; failures[shape][runtime]: the first failure.
    let mut samples = vec![[Vec::new(), Vec::new()]; n_shapes];
    let mut failures: Vec<[Option<String>; 2]> = vec![[None, None]; n_shapes];
    let rt_index = |rt: RuntimeKind| RuntimeKind::ALL.iter().position(|&k| k == rt).unwrap();
    let started = Instant::now();

    for round in 0..opts.rounds {
        let round_start = Instant::now();
        for (si, &shape) in opts.shapes.iter().enumerate() {
            // Alternate which runtime goes first, by round and by shape.
            let mut order = opts.runtimes.clone();
            if (round + si) % 2 == 1 {
                order.reverse();
            }
            for rt in order {
                let ri = rt_index(rt);
                if failures[si][ri].is_some() {
                    continue;
                }
                set_phase(Some(format!("{} on {}", shape.name(), rt.name())));
                let budget = Budget::new(opts.quick, shape.group());
                match measure_once(shape, rt, opts.workers, &params, budget) {
                    Ok(t) => samples[si][ri].push(t),
                    Err(e) => {
                        eprintln!("compare: {} on {}: {e}", shape.name(), rt.name());
                        failures[si][ri] = Some(e);
                    }
                }
                set_phase(None);
            }
        }
        eprintln!(
            "compare: round {}/{} done in {:.1} s",
            round + 1,
            opts.rounds,
            round_start.elapsed().as_secs_f64()
        );
    }

    let outcome = |si: usize, rt: RuntimeKind| {
        let ri = rt_index(rt);
        if let Some(e) = &failures[si][ri] {
            Outcome::Failed(e.clone())
        } else if !opts.runtimes.contains(&rt) {
            Outcome::Skipped
        } else {
            Stats::from_rounds(&samples[si][ri]).map_or(Outcome::Skipped, Outcome::Measured)
        }
    };
    let rows: Vec<Row> = opts
        .shapes
        .iter()
        .enumerate()
        .map(|(si, &shape)| Row {
            shape: shape.name(),
            weft: outcome(si, RuntimeKind::Weft),
            tokio: outcome(si, RuntimeKind::Tokio),
        })
        .collect();

    println!(
        "\nweft vs tokio: time per iteration, median of {} round(s), {} workers each \
         (ratio > 1: weft faster)\n",
        opts.rounds, opts.workers
    );
    for group in Group::ALL {
        let section: Vec<Row> = opts
            .shapes
            .iter()
            .zip(&rows)
            .filter(|(k, _)| k.group() == group)
            .map(|(_, r)| r.clone())
            .collect();
        if !section.is_empty() {
            println!("{}:\n", group.name());
            print!("{}", report::render_table(&section));
            println!();
        }
    }

    let mut status = ExitCode::SUCCESS;
    if failures.iter().flatten().any(Option::is_some) {
        status = ExitCode::FAILURE;
    }
    let csv = report::render_csv(&rows, opts.workers);
    let written = opts
        .csv
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&opts.csv, csv));
    match written {
        Ok(()) => {
            let shown = std::fs::canonicalize(&opts.csv).unwrap_or_else(|_| opts.csv.clone());
            println!("\nCSV: {}", shown.display());
        }
        Err(e) => {
            eprintln!("compare: cannot write {}: {e}", opts.csv.display());
            status = ExitCode::FAILURE;
        }
    }
    eprintln!("compare: total {:.1} s", started.elapsed().as_secs_f64());
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_quick() {
        let o = parse(&[]).unwrap().unwrap();
        assert_eq!(o.rounds, 5);
        assert_eq!(o.shapes, ShapeKind::ALL.to_vec());
        assert_eq!(o.runtimes, RuntimeKind::ALL.to_vec());
        let o = parse(&["--quick"]).unwrap().unwrap();
        assert!(o.quick);
        assert_eq!(o.rounds, 1);
        let o = parse(&["--quick", "--rounds", "3"]).unwrap().unwrap();
        assert_eq!(o.rounds, 3);
    }

    #[test]
    fn values_filters_and_errors() {
        let o = parse(&[
            "--workers=2",
            "--shape",
            "yield_many,ping_pong",
            "--runtime",
            "tokio",
            "--csv",
            "x.csv",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(o.workers, 2);
        assert_eq!(o.shapes, vec![ShapeKind::PingPong, ShapeKind::YieldMany]);
        assert_eq!(o.runtimes, vec![RuntimeKind::Tokio]);
        assert_eq!(o.csv, PathBuf::from("x.csv"));
        assert!(parse(&["--help"]).unwrap().is_none());
        assert!(parse(&["--workers", "0"]).is_err());
        assert!(parse(&["--rounds"]).is_err());
        assert!(parse(&["--shape", "nope"]).is_err());
        assert!(parse(&["--runtime", "smol"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
