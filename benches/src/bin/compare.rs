//! `compare`: every shape of tokio's `rt_multi_threaded` and `sync_*` benches, and the TCP echo
//! shapes of the `io` group, on weft and on tokio, in one process on one machine, alternating the
//! runtimes over several rounds; prints a side-by-side table per group (medians over rounds) and
//! writes two CSVs (time-per-iteration shapes; `io`).
//!
//! ```text
//! cargo run --release -p weft-benches --bin compare -- [--workers N] [--rounds N] [--quick]
//!     [--shape NAME[,NAME..]] [--runtime weft|tokio] [--connections N] [--csv PATH]
//! ```
//!
//! Run `compare --help` for the details.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::net::Ipv4Addr;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use weft_benches::echo::{
    run_client, ClientConfig, EchoKind, EchoServer, Load, DEFAULT_CONNECTIONS,
};
use weft_benches::report::{self, IoRow, IoSample, IoStats, Outcome, Row, Stats};
use weft_benches::rt::{parse_workers, DEFAULT_WORKERS, WORKERS_ENV};
use weft_benches::{Group, Params, RuntimeKind, ShapeKind};

const USAGE: &str = "\
compare: weft vs tokio on the shapes of tokio's rt_multi_threaded and sync_* benches, and on
TCP echo (io)

USAGE:
    compare [OPTIONS]

OPTIONS:
    --workers N        worker threads of each runtime [env WEFT_BENCH_WORKERS, default 4]
    --rounds N         rounds; each round runs every shape once per runtime, alternating
                       which runtime goes first; the table shows medians [default 5, 1 with --quick]
    --quick            smoke run: 1 round, a couple of iterations per shape (seconds)
    --shape NAMES      only these shapes (comma-separated, repeatable; echo_64b and echo_4k
                       are the io shapes)
    --runtime NAME     only this runtime: weft or tokio
    --connections N    concurrent connections of the io shapes [default 64]
    --csv PATH         where to write the CSV [default $CARGO_TARGET_DIR/compare.csv, else
                       <workspace>/target/compare.csv]; the io group's goes beside it, with
                       _io added to the name (compare_io.csv)
    --hang-secs N      abort if one shape on one runtime makes no progress for N seconds
                       [default 60]
    -h, --help         this text

Times are per iteration (one iteration = one unit of tokio's bench: 10 000 spawns, 1 000 ping
pongs, 5 000 messages, ...). Three sections: rt_multi_threaded (the scheduler), sync (each
runtime with its own sync primitives) and io (an echo server on each runtime's own TCP, driven
by one load generator: N connections, each a closed loop of round trips of a 64 B or 4 KiB
message). ratio = tokio / weft for times and latencies, weft / tokio for round trips per
second: above 1 always means weft is faster.
Exit status: 0 when every shape ran and did all its work, 1 when one failed, 2 on bad usage.";

/// Command-line options.
#[derive(Debug)]
struct Options {
    workers: usize,
    rounds: usize,
    quick: bool,
    shapes: Vec<ShapeKind>,
    echo: Vec<EchoKind>,
    connections: usize,
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

/// How long each io shape runs per round: a warm-up, then the measured window.
fn io_load(quick: bool) -> Load {
    if quick {
        Load::Timed {
            warmup: Duration::from_millis(20),
            measure: Duration::from_millis(100),
        }
    } else {
        Load::Timed {
            warmup: Duration::from_millis(IO_WARMUP_MS),
            measure: Duration::from_millis(IO_MEASURE_MS),
        }
    }
}

/// Warm-up of an io shape per round, in milliseconds.
const IO_WARMUP_MS: u64 = 200;
/// Measured window of an io shape per round, in milliseconds.
const IO_MEASURE_MS: u64 = 800;

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
        echo: Vec::new(),
        connections: DEFAULT_CONNECTIONS,
        runtimes: RuntimeKind::ALL.to_vec(),
        csv: default_csv_path(),
        hang: Duration::from_secs(60),
    };
    let mut rounds = None;
    let mut filtered = false;
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
            "--connections" => o.connections = positive(value()?, "--connections")?,
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
                filtered = true;
                for name in value()?.split(',').filter(|s| !s.is_empty()) {
                    if let Some(k) = EchoKind::from_name(name) {
                        if !o.echo.contains(&k) {
                            o.echo.push(k);
                        }
                        continue;
                    }
                    let k = ShapeKind::from_name(name).ok_or_else(|| {
                        let all: Vec<_> = ShapeKind::ALL
                            .iter()
                            .map(|k| k.name())
                            .chain(EchoKind::ALL.iter().map(|k| k.name()))
                            .collect();
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
    if !filtered {
        o.shapes = ShapeKind::ALL.to_vec();
        o.echo = EchoKind::ALL.to_vec();
    } else {
        // Keep tokio's order whatever the order on the command line.
        o.shapes = ShapeKind::ALL
            .iter()
            .copied()
            .filter(|k| o.shapes.contains(k))
            .collect();
        o.echo = EchoKind::ALL
            .into_iter()
            .filter(|k| o.echo.contains(k))
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
        Err(payload) => Err(format!("panicked: {}", panic_message(&*payload))),
    }
}

/// Starts an echo server on `rt`, drives it with the load generator, and returns what the
/// generator measured, or why it failed. The server (and its runtime) is gone on return.
fn measure_echo(
    shape: EchoKind,
    rt: RuntimeKind,
    workers: usize,
    connections: usize,
    load: Load,
    stall_limit: Duration,
) -> Result<IoSample, String> {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let server = EchoServer::start(rt, workers, (Ipv4Addr::LOCALHOST, 0).into())
            .map_err(|e| format!("cannot start the echo server: {e}"))?;
        let config = ClientConfig {
            connections,
            size: shape.size(),
            load,
            stall_limit,
        };
        let report = run_client(server.addr(), &config).map_err(|e| e.to_string())?;
        if let Some(e) = server.stats().first_error() {
            return Err(format!("echo server: {e}"));
        }
        let accepted = server.stats().accepted_count();
        if accepted != connections as u64 {
            return Err(format!(
                "the server accepted {accepted} connections, expected {connections}"
            ));
        }
        if report.round_trips == 0 {
            return Err("no round trip completed in the measured window".to_owned());
        }
        Ok(IoSample {
            throughput: report.throughput(),
            p50: report.percentile(50.0),
            p99: report.percentile(99.0),
        })
    }));
    result.unwrap_or_else(|payload| Err(format!("panicked: {}", panic_message(&*payload))))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

/// The io group's CSV path: `--csv`'s, with `_io` added to the file stem.
fn io_csv_path(csv: &Path) -> PathBuf {
    let stem = csv
        .file_stem()
        .map_or_else(|| "compare".into(), |s| s.to_string_lossy().into_owned());
    let name = match csv.extension() {
        Some(ext) => format!("{stem}_io.{}", ext.to_string_lossy()),
        None => format!("{stem}_io"),
    };
    csv.with_file_name(name)
}

/// Writes `contents` to `path` (making its directory) and prints where; false on failure.
fn write_csv(path: &Path, contents: &str) -> bool {
    let written = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, contents));
    match written {
        Ok(()) => {
            let shown = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
            println!("CSV: {}", shown.display());
            true
        }
        Err(e) => {
            eprintln!("compare: cannot write {}: {e}", path.display());
            false
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
    let load = io_load(opts.quick);
    // samples[shape][runtime]: per-round times; failures[shape][runtime]: the first failure.
    let mut samples = vec![[Vec::new(), Vec::new()]; n_shapes];
    let mut failures: Vec<[Option<String>; 2]> = vec![[None, None]; n_shapes];
    let rt_index = |rt: RuntimeKind| RuntimeKind::ALL.iter().position(|&k| k == rt).unwrap();
    let n_echo = opts.echo.len();
    let mut io_samples = vec![[Vec::new(), Vec::new()]; n_echo];
    let mut io_failures: Vec<[Option<String>; 2]> = vec![[None, None]; n_echo];
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
        for (ei, &shape) in opts.echo.iter().enumerate() {
            let mut order = opts.runtimes.clone();
            if (round + n_shapes + ei) % 2 == 1 {
                order.reverse();
            }
            for rt in order {
                let ri = rt_index(rt);
                if io_failures[ei][ri].is_some() {
                    continue;
                }
                set_phase(Some(format!("{} on {}", shape.name(), rt.name())));
                // The client's own stall detector reports a hang (with where it happened) well
                // before the watchdog would.
                let stall = (opts.hang / 2).max(Duration::from_secs(1));
                match measure_echo(shape, rt, opts.workers, opts.connections, load, stall) {
                    Ok(s) => io_samples[ei][ri].push(s),
                    Err(e) => {
                        eprintln!("compare: {} on {}: {e}", shape.name(), rt.name());
                        io_failures[ei][ri] = Some(e);
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
        "\nweft vs tokio: medians of {} round(s), {} workers each (ratio > 1: weft faster)\n",
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
            println!("{} (time per iteration):\n", group.name());
            print!("{}", report::render_table(&section));
            println!();
        }
    }

    let io_outcome = |ei: usize, rt: RuntimeKind| {
        let ri = rt_index(rt);
        if let Some(e) = &io_failures[ei][ri] {
            Outcome::Failed(e.clone())
        } else if !opts.runtimes.contains(&rt) {
            Outcome::Skipped
        } else {
            IoStats::from_rounds(&io_samples[ei][ri]).map_or(Outcome::Skipped, Outcome::Measured)
        }
    };
    let io_rows: Vec<IoRow> = opts
        .echo
        .iter()
        .enumerate()
        .map(|(ei, &shape)| IoRow {
            shape: shape.name(),
            weft: io_outcome(ei, RuntimeKind::Weft),
            tokio: io_outcome(ei, RuntimeKind::Tokio),
        })
        .collect();
    if !io_rows.is_empty() {
        let (warmup, measure) = match load {
            Load::Timed { warmup, measure } => (warmup, measure),
            Load::RoundTrips(_) => unreachable!("compare measures windows"),
        };
        println!(
            "io: TCP echo, {} connections, each a closed loop of round trips; one tokio \
             current-thread load generator for both; {} ms warm-up + {} ms measured per round.\n\
             rt/s = round trips per second (ratio weft/tokio); p50, p99 = round-trip latency \
             (ratio tokio/weft); above 1: weft faster\n",
            opts.connections,
            warmup.as_millis(),
            measure.as_millis(),
        );
        print!("{}", report::render_io_table(&io_rows));
        println!();
    }

    let mut status = ExitCode::SUCCESS;
    let any_failed = |f: &[[Option<String>; 2]]| f.iter().flatten().any(Option::is_some);
    if any_failed(&failures) || any_failed(&io_failures) {
        status = ExitCode::FAILURE;
    }
    println!();
    if !rows.is_empty() && !write_csv(&opts.csv, &report::render_csv(&rows, opts.workers)) {
        status = ExitCode::FAILURE;
    }
    if !io_rows.is_empty() {
        let sizes: Vec<usize> = opts.echo.iter().map(|k| k.size()).collect();
        let csv = report::render_io_csv(&io_rows, &sizes, opts.workers, opts.connections);
        if !write_csv(&io_csv_path(&opts.csv), &csv) {
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
        assert_eq!(o.echo, EchoKind::ALL.to_vec());
        assert_eq!(o.connections, DEFAULT_CONNECTIONS);
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
        assert!(o.echo.is_empty());
        assert_eq!(o.runtimes, vec![RuntimeKind::Tokio]);
        assert_eq!(o.csv, PathBuf::from("x.csv"));
        assert!(parse(&["--help"]).unwrap().is_none());
        assert!(parse(&["--workers", "0"]).is_err());
        assert!(parse(&["--rounds"]).is_err());
        assert!(parse(&["--shape", "nope"]).is_err());
        assert!(parse(&["--runtime", "smol"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--connections", "0"]).is_err());
    }

    #[test]
    fn io_shapes_filter_on_their_own() {
        let o = parse(&["--shape", "echo_4k,echo_64b", "--connections=8"])
            .unwrap()
            .unwrap();
        assert!(o.shapes.is_empty());
        assert_eq!(o.echo, vec![EchoKind::Small, EchoKind::Large]);
        assert_eq!(o.connections, 8);
        let o = parse(&["--shape", "ping_pong,echo_4k"]).unwrap().unwrap();
        assert_eq!(o.shapes, vec![ShapeKind::PingPong]);
        assert_eq!(o.echo, vec![EchoKind::Large]);
    }

    #[test]
    fn io_csv_sits_beside_the_csv() {
        assert_eq!(
            io_csv_path(Path::new("/t/compare.csv")),
            PathBuf::from("/t/compare_io.csv")
        );
        assert_eq!(io_csv_path(Path::new("x")), PathBuf::from("x_io"));
    }
}
