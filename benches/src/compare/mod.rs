//! The `compare` binary's engine: every group of rows is a [`Group`], measured by the one
//! function [`run_group`] (rounds, alternation of the runtimes, failures, progress, the hang
//! watchdog), then summarised into its table, CSV and bars ([`run`]).
//!
//! | group | rows | one measurement |
//! |---|---|---|
//! | `rt_multi_threaded`, `sync`, `time` ([`groups::Shapes`]) | the [`ShapeKind`](crate::ShapeKind)s | the mean time per iteration over a budget |
//! | `server` ([`groups::Servers`]) | each [`Workload`](crate::load::Workload) × [`ClientStyle`](crate::load::ClientStyle) | a fresh server process, warm-up, a window: requests/s, CPU, latency, fairness, context switches |
//! | `server` system calls ([`groups::Syscalls`]) | the same | once per row, after the rounds: a window counted by perf or strace |
//! | `idle` ([`groups::Idle`]) | one | a fresh idle runtime process, CPU and wake-ups over a window |

use std::io::IsTerminal as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::report::Outcome;
use crate::rt::RuntimeKind;

pub mod groups;
pub mod options;
pub mod placement;
mod run;

pub use options::{Options, SyscallChoice, USAGE};
pub use placement::Placement;
pub use run::run;

/// Rows measured per runtime, per round.
pub trait Group {
    /// What a row is.
    type Row: Copy;
    /// One measurement of a row on a runtime.
    type Sample;

    /// The group's name, for progress.
    fn name(&self) -> &str;

    /// The rows, in report order.
    fn rows(&self) -> Vec<Self::Row>;

    /// A row's name, for progress and tables.
    fn row_name(&self, row: Self::Row) -> String;

    /// Measures `row` on `runtime` once, or says why it could not (a wrong work count, a lost
    /// request, a failed server...).
    fn measure(&mut self, row: Self::Row, runtime: RuntimeKind) -> Result<Self::Sample, String>;
}

/// What became of one row: per runtime ([`RuntimeKind::ALL`] order), its samples (one per
/// round) or its first failure.
#[derive(Debug)]
pub struct RowResult<R, S> {
    /// The row.
    pub row: R,
    /// Its name.
    pub name: String,
    /// weft's, then tokio's.
    pub outcomes: [Outcome<Vec<S>>; 2],
}

impl<R, S> RowResult<R, S> {
    /// The outcome on `runtime`.
    pub fn on(&self, runtime: RuntimeKind) -> &Outcome<Vec<S>> {
        &self.outcomes[index(runtime)]
    }

    /// Summarises each runtime's samples with `f` (`None`: nothing measured).
    pub fn summarise<T>(&self, f: impl Fn(&[S]) -> Option<T>) -> [Outcome<T>; 2] {
        [0, 1].map(|i| self.outcomes[i].map(|s| f(s)))
    }

    /// Whether it failed on a runtime.
    pub fn failed(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Failed(_)))
    }
}

fn index(runtime: RuntimeKind) -> usize {
    RuntimeKind::ALL
        .iter()
        .position(|&k| k == runtime)
        .expect("a known runtime")
}

/// Runs `group` for `rounds` rounds on `runtimes`: each round measures every row once per
/// runtime, alternating which runtime goes first by round and by row. A row that fails on a
/// runtime is not measured there again. Panics in a measurement are caught and count as
/// failures.
pub fn run_group<G: Group>(
    group: &mut G,
    rounds: usize,
    runtimes: &[RuntimeKind],
    progress: &mut Progress,
) -> Vec<RowResult<G::Row, G::Sample>> {
    let rows = group.rows();
    let mut results: Vec<RowResult<G::Row, G::Sample>> = rows
        .iter()
        .map(|&row| RowResult {
            row,
            name: group.row_name(row),
            outcomes: RuntimeKind::ALL.map(|rt| {
                if runtimes.contains(&rt) {
                    Outcome::Measured(Vec::new())
                } else {
                    Outcome::Skipped
                }
            }),
        })
        .collect();
    if rows.is_empty() {
        return results;
    }
    let name = group.name().to_owned();
    progress.group_started(&name, rows.len() * runtimes.len() * rounds);
    for round in 0..rounds {
        let round_start = Instant::now();
        for (i, result) in results.iter_mut().enumerate() {
            let mut order = runtimes.to_vec();
            if (round + i) % 2 == 1 {
                order.reverse();
            }
            for rt in order {
                let Outcome::Measured(samples) = &mut result.outcomes[index(rt)] else {
                    continue;
                };
                progress.step(&name, &result.name, rt, round, rounds);
                let measured =
                    panic::catch_unwind(AssertUnwindSafe(|| group.measure(result.row, rt)))
                        .unwrap_or_else(|payload| {
                            Err(format!("panicked: {}", panic_message(&*payload)))
                        });
                match measured {
                    Ok(sample) => samples.push(sample),
                    Err(e) => {
                        progress.failed(&result.name, rt, &e);
                        result.outcomes[index(rt)] = Outcome::Failed(e);
                    }
                }
            }
        }
        progress.round_done(&name, round, rounds, round_start.elapsed());
    }
    results
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

/// Progress on standard error: on a terminal, one line rewritten at every measurement; else one
/// line per group and round. Also tells the hang watchdog what is running.
#[derive(Debug)]
pub struct Progress {
    started: Instant,
    terminal: bool,
    steps: usize,
    done: usize,
}

impl Progress {
    /// Starts the clock.
    pub fn new() -> Progress {
        Progress {
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            steps: 0,
            done: 0,
        }
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn clear_line(&self) {
        if self.terminal {
            eprint!("\r\x1b[2K");
        }
    }

    fn group_started(&mut self, group: &str, steps: usize) {
        (self.steps, self.done) = (steps, 0);
        self.clear_line();
        eprintln!(
            "compare: {group}: {steps} measurements ({:.0} s so far)",
            self.elapsed().as_secs_f64()
        );
    }

    fn step(&mut self, group: &str, row: &str, rt: RuntimeKind, round: usize, rounds: usize) {
        self.done += 1;
        set_phase(Some(format!("{group}: {row} on {}", rt.name())));
        if self.terminal {
            eprint!(
                "\r\x1b[2Kcompare: {group} round {}/{rounds}, {}/{}: {row} on {} ({:.0} s)",
                round + 1,
                self.done,
                self.steps,
                rt.name(),
                self.elapsed().as_secs_f64()
            );
        }
    }

    fn failed(&self, row: &str, rt: RuntimeKind, e: &str) {
        self.clear_line();
        eprintln!("compare: {row} on {}: FAILED: {e}", rt.name());
    }

    fn round_done(&self, group: &str, round: usize, rounds: usize, took: Duration) {
        set_phase(None);
        self.clear_line();
        eprintln!(
            "compare: {group} round {}/{rounds} done in {:.1} s ({:.0} s so far)",
            round + 1,
            took.as_secs_f64(),
            self.elapsed().as_secs_f64()
        );
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

/// What the main thread is measuring, for the hang watchdog: since when, and what.
static PHASE: Mutex<Option<(Instant, String)>> = Mutex::new(None);

fn set_phase(what: Option<String>) {
    let mut p = PHASE.lock().unwrap_or_else(|e| e.into_inner());
    *p = what.map(|w| (Instant::now(), w));
}

/// Exits the process (status 1) when one measurement runs longer than `limit`: a runtime that
/// loses a wake-up would otherwise hang the comparison forever. (Child processes see their
/// standard input close and exit.)
pub fn start_watchdog(limit: Duration) {
    std::thread::Builder::new()
        .name("compare-watchdog".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(250));
            let p = PHASE.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((since, what)) = &*p {
                if since.elapsed() > limit {
                    eprintln!("\ncompare: {what} made no progress for {} s; it is probably hung (a lost wake-up?). Aborting.", limit.as_secs());
                    std::process::exit(1);
                }
            }
        })
        .expect("failed to start the watchdog thread");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group whose rows fail or panic on demand, counting its measurements.
    struct Fake {
        calls: Vec<(usize, RuntimeKind)>,
    }

    impl Group for Fake {
        type Row = usize;
        type Sample = usize;
        fn name(&self) -> &str {
            "fake"
        }
        fn rows(&self) -> Vec<usize> {
            vec![0, 1, 2]
        }
        fn row_name(&self, row: usize) -> String {
            format!("row{row}")
        }
        fn measure(&mut self, row: usize, rt: RuntimeKind) -> Result<usize, String> {
            self.calls.push((row, rt));
            match (row, rt) {
                (1, RuntimeKind::Weft) => Err("lost a request".into()),
                (2, RuntimeKind::Tokio) => panic!("boom"),
                _ => Ok(row * 10 + self.calls.len()),
            }
        }
    }

    #[test]
    fn rounds_alternate_failures_stick_and_panics_are_caught() {
        let mut g = Fake { calls: Vec::new() };
        let mut progress = Progress {
            started: Instant::now(),
            terminal: false,
            steps: 0,
            done: 0,
        };
        let r = run_group(&mut g, 3, &RuntimeKind::ALL, &mut progress);
        // Row 0: both runtimes, 3 rounds; row 1 weft and row 2 tokio fail once and stop.
        assert_eq!(g.calls.len(), 3 * 2 + (1 + 3) + (3 + 1));
        assert!(matches!(r[0].on(RuntimeKind::Weft), Outcome::Measured(s) if s.len() == 3));
        assert_eq!(
            r[1].on(RuntimeKind::Weft),
            &Outcome::Failed("lost a request".into())
        );
        assert!(matches!(r[1].on(RuntimeKind::Tokio), Outcome::Measured(s) if s.len() == 3));
        assert_eq!(
            r[2].on(RuntimeKind::Tokio),
            &Outcome::Failed("panicked: boom".into())
        );
        assert!(r[1].failed() && !r[0].failed());
        // Round 0 row 0 starts with weft, round 0 row 1 with tokio, round 1 row 0 with tokio.
        assert_eq!(g.calls[0], (0, RuntimeKind::Weft));
        assert_eq!(g.calls[2], (1, RuntimeKind::Tokio));
        let round1_row0 = g
            .calls
            .iter()
            .position(|&c| c == (0, RuntimeKind::Tokio))
            .unwrap();
        assert!(g.calls[round1_row0 + 1..].contains(&(0, RuntimeKind::Weft)));
        assert_eq!(
            r[0].summarise(|s| s.first().copied())[0],
            Outcome::Measured(1)
        );
        assert_eq!(r[0].name, "row0");

        let mut g = Fake { calls: Vec::new() };
        let r = run_group(&mut g, 1, &[RuntimeKind::Tokio], &mut progress);
        assert_eq!(r[0].on(RuntimeKind::Weft), &Outcome::Skipped);
        assert_eq!(g.calls.len(), 3);
    }
}
