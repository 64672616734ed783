//! The groups of `compare` (see [`super`]): how one row is measured once on one runtime.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::Group;
use crate::load::{ClientStyle, LoadConfig, LoadReport, RunningLoad, Workload};
use crate::os::{CpuList, Usage};
use crate::report::idle::IdleSample;
use crate::report::server::ServerSample;
use crate::rt::RuntimeKind;
use crate::server::child::Mode;
use crate::server::{ChildServer, FinalStats};
use crate::shapes::{self, Params, ShapeKind};
use crate::syscalls::{Counter, Tool};

/// How long and how often each shape runs per round.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// At least this many warm-up iterations...
    pub warmup_iters: u32,
    /// ...and at least this long.
    pub warmup_time: Duration,
    /// At least this many measured iterations...
    pub min_iters: u32,
    /// ...and at least this long.
    pub measure_time: Duration,
}

impl Budget {
    /// The budget of `group`'s shapes: 50 + 200 ms for the scheduler shapes, 10 + 50 ms for the
    /// (many more, mostly microsecond) sync shapes; a couple of iterations with `quick`.
    pub fn new(quick: bool, group: shapes::Group) -> Budget {
        let (warmup_iters, min_iters) = (if quick { 1 } else { 2 }, if quick { 2 } else { 3 });
        let (warmup_ms, measure_ms) = match (quick, group) {
            (true, _) => (0, 0),
            (false, shapes::Group::Rt) => (50, 200),
            (false, shapes::Group::Sync | shapes::Group::Time) => (10, 50),
        };
        Budget {
            warmup_iters,
            warmup_time: Duration::from_millis(warmup_ms),
            min_iters,
            measure_time: Duration::from_millis(measure_ms),
        }
    }
}

/// The time-per-iteration shapes of one [`shapes::Group`]: each measurement builds the shape on
/// a fresh runtime, warms it up and returns the mean time per iteration, checking every
/// iteration's work count.
#[derive(Debug)]
pub struct Shapes {
    /// The group.
    pub group: shapes::Group,
    /// Its shapes to run.
    pub shapes: Vec<ShapeKind>,
    /// Workers of each runtime.
    pub workers: usize,
    /// Sizes.
    pub params: Params,
    /// Time per round.
    pub budget: Budget,
}

impl Group for Shapes {
    type Row = ShapeKind;
    type Sample = Duration;

    fn name(&self) -> &str {
        self.group.name()
    }

    fn rows(&self) -> Vec<ShapeKind> {
        self.shapes.clone()
    }

    fn row_name(&self, row: ShapeKind) -> String {
        row.name().to_owned()
    }

    fn measure(&mut self, shape: ShapeKind, rt: RuntimeKind) -> Result<Duration, String> {
        let budget = self.budget;
        let mut s = shape.build_on(rt, self.workers, &self.params);
        let expected = s.expected();
        let mut check = || match s.run() {
            done if done == expected => Ok(()),
            done => Err(format!("did {done} units of work, expected {expected}")),
        };
        let start = Instant::now();
        let mut n = 0;
        while n < budget.warmup_iters || start.elapsed() < budget.warmup_time {
            check()?;
            n += 1;
        }
        let start = Instant::now();
        let mut n = 0;
        loop {
            check()?;
            n += 1;
            let elapsed = start.elapsed();
            if n >= budget.min_iters && elapsed >= budget.measure_time {
                return Ok(elapsed / n);
            }
        }
        // The shape (and its runtime) drops on return: shut down before the next one starts.
    }
}

/// How the server and idle rows run their processes and their load.
#[derive(Debug, Clone)]
pub struct ServerSetup {
    /// The program that serves (`compare` itself) and the arguments that make it a server
    /// (`--serve`); `--mode`, `--runtime`, `--workers` and `--cpus` follow.
    pub program: (PathBuf, Vec<OsString>),
    /// Workers of each server's runtime.
    pub workers: usize,
    /// Concurrent connections.
    pub connections: usize,
    /// Warm-up before each window.
    pub warmup: Duration,
    /// The measured window.
    pub window: Duration,
    /// The load generator fails after this long without a response.
    pub stall_limit: Duration,
    /// CPUs of the server processes.
    pub server_cpus: Option<CpuList>,
    /// CPUs of the load generator.
    pub client_cpus: Option<CpuList>,
}

impl ServerSetup {
    fn spawn(&self, mode: Mode, rt: RuntimeKind) -> Result<ChildServer, String> {
        let (program, prefix) = &self.program;
        let mut command = Command::new(program);
        command.args(prefix).args([
            "--mode",
            mode.name(),
            "--runtime",
            rt.name(),
            "--workers",
            &self.workers.to_string(),
        ]);
        if let Some(cpus) = &self.server_cpus {
            command.args(["--cpus", &cpus.to_string()]);
        }
        ChildServer::spawn(command)
            .map_err(|e| format!("cannot start the {} server: {e}", mode.name()))
    }

    /// One window of `workload` driven in `style` against a fresh server process on `rt`: the
    /// load generator's report, the server's resource usage over the window, the system calls
    /// `tool` counted over it, and the server's final stats (checked exactly against the
    /// client's counts).
    pub fn window(
        &self,
        workload: Workload,
        style: ClientStyle,
        rt: RuntimeKind,
        tool: Option<Tool>,
    ) -> Result<(LoadReport, Usage, Option<u64>), String> {
        let mut child = self.spawn(Mode::Serve(workload.service()), rt)?;
        let addr = child.addr().ok_or("the server reported no address")?;
        let config = LoadConfig {
            workload,
            connections: self.connections,
            requests: None,
            stall_limit: self.stall_limit,
            cpus: self.client_cpus.clone(),
        };
        let io = |what: &'static str| move |e: std::io::Error| format!("{what}: {e}");
        let mut load = RunningLoad::start(style, addr, &config).map_err(io("load generator"))?;
        std::thread::sleep(self.warmup);
        let mut counter = tool
            .map(|t| Counter::attach(t, child.pid()))
            .transpose()
            .map_err(io("attaching the tracer"))?;
        if let Some(c) = &mut counter {
            c.enable().map_err(io("perf"))?;
        }
        let (before, _) = child.usage().map_err(io("server usage"))?;
        load.begin_window();
        std::thread::sleep(self.window);
        load.end_window();
        let (after, _) = child.usage().map_err(io("server usage"))?;
        if let Some(c) = &mut counter {
            c.disable().map_err(io("tracer"))?;
        }
        let report = load.finish().map_err(io("load generator"))?;
        let calls = counter
            .map(Counter::finish)
            .transpose()
            .map_err(io("tracer"))?;
        let stats = child.shutdown().map_err(io("server shutdown"))?;
        check_exact(workload, self.connections, &report, &stats)?;
        Ok((report, after.since(&before), calls))
    }
}

/// Every request the client completed was served exactly once, every connection was accepted
/// and ended cleanly, and the window saw requests.
fn check_exact(
    workload: Workload,
    connections: usize,
    report: &LoadReport,
    stats: &FinalStats,
) -> Result<(), String> {
    if let Some(e) = &stats.error {
        return Err(format!("the server reported: {e}"));
    }
    let conns = connections as u64;
    if (stats.accepted, stats.closed) != (conns, conns) {
        return Err(format!(
            "the server accepted {} and closed {} connections, expected {conns}",
            stats.accepted, stats.closed
        ));
    }
    let total = report.total_requests();
    let (served, what) = match workload.message_size() {
        0 => (stats.requests, total),
        size => (stats.bytes, total * size as u64),
    };
    if served != what {
        return Err(format!(
            "the client completed {total} requests, the server counted {served} (expected {what})"
        ));
    }
    if report.window_requests() == 0 {
        return Err("no request completed in the measured window".into());
    }
    Ok(())
}

/// The server rows: [`ServerSetup::window`] per measurement, without a tracer.
#[derive(Debug)]
pub struct Servers {
    /// Processes and load.
    pub setup: ServerSetup,
    /// The rows.
    pub rows: Vec<(Workload, ClientStyle)>,
}

impl Group for Servers {
    type Row = (Workload, ClientStyle);
    type Sample = ServerSample;

    fn name(&self) -> &str {
        "server"
    }

    fn rows(&self) -> Vec<Self::Row> {
        self.rows.clone()
    }

    fn row_name(&self, (w, s): Self::Row) -> String {
        format!("{} {}", w.name(), s.name())
    }

    fn measure(
        &mut self,
        (workload, style): Self::Row,
        rt: RuntimeKind,
    ) -> Result<ServerSample, String> {
        let (report, used, _) = self.setup.window(workload, style, rt, None)?;
        let requests = report.window_requests();
        Ok(ServerSample {
            throughput: report.throughput(),
            cpu_per_request: used.cpu()
                / u32::try_from(requests).map_err(|_| "too many requests")?,
            p50: report.percentile(50.0),
            p99: report.percentile(99.0),
            p999: report.percentile(99.9),
            fairness: report.fairness().ok_or("no request in the window")?,
            switches_per_request: used.switches() as f64 / requests as f64,
        })
    }
}

/// The server rows again, once each, with a tracer counting the server's system calls over the
/// window (a pass of its own: the tracer slows the server down).
#[derive(Debug)]
pub struct Syscalls {
    /// Processes and load.
    pub setup: ServerSetup,
    /// The rows.
    pub rows: Vec<(Workload, ClientStyle)>,
    /// The tracer.
    pub tool: Tool,
}

impl Group for Syscalls {
    type Row = (Workload, ClientStyle);
    type Sample = f64;

    fn name(&self) -> &str {
        "server system calls"
    }

    fn rows(&self) -> Vec<Self::Row> {
        self.rows.clone()
    }

    fn row_name(&self, (w, s): Self::Row) -> String {
        format!("{} {}", w.name(), s.name())
    }

    fn measure(&mut self, (workload, style): Self::Row, rt: RuntimeKind) -> Result<f64, String> {
        let (report, _, calls) = self.setup.window(workload, style, rt, Some(self.tool))?;
        let calls = calls.ok_or("the tracer counted nothing")?;
        Ok(calls as f64 / report.window_requests() as f64)
    }
}

/// The idle row: a fresh process whose runtime only ticks a 10 ms interval; its CPU time and
/// context switches over the window.
#[derive(Debug)]
pub struct Idle {
    /// Processes (the load fields are unused).
    pub setup: ServerSetup,
    /// Time given to the runtime to settle before the window.
    pub settle: Duration,
}

impl Group for Idle {
    type Row = ();
    type Sample = IdleSample;

    fn name(&self) -> &str {
        "idle"
    }

    fn rows(&self) -> Vec<()> {
        vec![()]
    }

    fn row_name(&self, (): ()) -> String {
        "10 ms interval".into()
    }

    fn measure(&mut self, (): (), rt: RuntimeKind) -> Result<IdleSample, String> {
        let mut child = self.setup.spawn(Mode::Idle, rt)?;
        std::thread::sleep(self.settle);
        let io = |e: std::io::Error| format!("idle runtime: {e}");
        let (before, ticks_before) = child.usage().map_err(io)?;
        let t0 = Instant::now();
        std::thread::sleep(self.setup.window);
        let (after, ticks_after) = child.usage().map_err(io)?;
        let window = t0.elapsed().as_secs_f64();
        let stats = child.shutdown().map_err(io)?;
        if ticks_after <= ticks_before || stats.ticks < ticks_after {
            return Err(format!(
                "the interval did not tick in the window ({ticks_before} then {ticks_after} ticks, {} at the end)",
                stats.ticks
            ));
        }
        let used = after.since(&before);
        Ok(IdleSample {
            cpu_per_second: used.cpu().div_f64(window),
            wakeups_per_second: used.switches() as f64 / window,
            ticks_per_second: (ticks_after - ticks_before) as f64 / window,
        })
    }
}
