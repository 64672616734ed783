//! The server table: per workload and client style, what a server operator judges: requests per
//! second, CPU per request, latency percentiles, fairness between connections, system calls and
//! context switches per request; per runtime, with the ratios (above 1: weft better).

use std::fmt::Write as _;
use std::time::Duration;

use super::{
    csv_opt, format_duration, format_rate, format_ratio, median_f64, ratio, render_columns, Bar,
    BarGroup, Outcome, Rounds,
};
use crate::load::Fairness;

/// One round of a server row on one runtime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerSample {
    /// Requests per second over the window.
    pub throughput: f64,
    /// The server process's CPU time (user + system) over the window, per request.
    pub cpu_per_request: Duration,
    /// Latency percentiles over the window's requests.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// 99.9th percentile.
    pub p999: Duration,
    /// Requests per connection over the window.
    pub fairness: Fairness,
    /// The server process's context switches (voluntary + involuntary) per request.
    pub switches_per_request: f64,
}

/// The medians over rounds of each figure of [`ServerSample`], taken separately, plus the
/// system calls per request of the counting pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerFigures {
    /// Requests per second.
    pub throughput: f64,
    /// CPU per request, in nanoseconds.
    pub cpu_per_request_ns: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// 99.9th percentile.
    pub p999: Duration,
    /// Fewest requests served to one connection in a window.
    pub conn_min: f64,
    /// Most.
    pub conn_max: f64,
    /// Jain's index over requests per connection.
    pub jain: f64,
    /// Context switches per request.
    pub switches_per_request: f64,
    /// System calls per request, from the counting pass (`None` when not counted).
    pub syscalls_per_request: Option<f64>,
    /// Rounds.
    pub rounds: usize,
}

impl ServerFigures {
    /// Summarises rounds; `None` for none.
    pub fn from_rounds(samples: &[ServerSample]) -> Option<ServerFigures> {
        let m = |f: &dyn Fn(&ServerSample) -> f64| median_f64(samples.iter().map(f));
        let d = |f: fn(&ServerSample) -> Duration| {
            m(&|s| f(s).as_secs_f64()).map(Duration::from_secs_f64)
        };
        Some(ServerFigures {
            throughput: m(&|s| s.throughput)?,
            cpu_per_request_ns: m(&|s| s.cpu_per_request.as_secs_f64() * 1e9)?,
            p50: d(|s| s.p50)?,
            p99: d(|s| s.p99)?,
            p999: d(|s| s.p999)?,
            conn_min: m(&|s| s.fairness.min as f64)?,
            conn_max: m(&|s| s.fairness.max as f64)?,
            jain: m(&|s| s.fairness.jain)?,
            switches_per_request: m(&|s| s.switches_per_request)?,
            syscalls_per_request: None,
            rounds: samples.len(),
        })
    }
}

/// A latency percentile of the server table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Percentile {
    /// The median.
    P50,
    /// The 99th percentile.
    P99,
    /// The 99.9th percentile.
    P999,
}

impl Percentile {
    /// This percentile of one round.
    pub fn of_sample(self, s: &ServerSample) -> Duration {
        match self {
            Percentile::P50 => s.p50,
            Percentile::P99 => s.p99,
            Percentile::P999 => s.p999,
        }
    }

    /// The median over rounds of this percentile.
    pub fn of_figures(self, s: &ServerFigures) -> Duration {
        match self {
            Percentile::P50 => s.p50,
            Percentile::P99 => s.p99,
            Percentile::P999 => s.p999,
        }
    }
}

/// One line of the server table: each runtime's figures (medians over rounds), and the ratios,
/// each the median over rounds of that round's ratio ([`paired_ratio`](super::paired_ratio)),
/// except system calls, counted once per runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerRow {
    /// `workload client`, e.g. `kv threads`.
    pub name: String,
    /// weft's figures.
    pub weft: Outcome<ServerFigures>,
    /// tokio's figures.
    pub tokio: Outcome<ServerFigures>,
    rounds: Rounds<ServerSample>,
}

impl ServerRow {
    /// Summarises each runtime's rounds (round `i` of both measured back to back).
    pub fn from_rounds(
        name: String,
        weft: &Outcome<Vec<ServerSample>>,
        tokio: &Outcome<Vec<ServerSample>>,
    ) -> ServerRow {
        ServerRow {
            name,
            weft: weft.map(|s| ServerFigures::from_rounds(s)),
            tokio: tokio.map(|s| ServerFigures::from_rounds(s)),
            rounds: Rounds::new(weft, tokio),
        }
    }

    /// Requests per second, weft / tokio.
    pub fn throughput_ratio(&self) -> Option<f64> {
        self.rounds.ratio(|w, t| ratio(w.throughput, t.throughput))
    }

    /// CPU per request, tokio / weft.
    pub fn cpu_ratio(&self) -> Option<f64> {
        self.rounds.ratio(|w, t| {
            ratio(
                t.cpu_per_request.as_secs_f64(),
                w.cpu_per_request.as_secs_f64(),
            )
        })
    }

    /// A latency percentile, tokio / weft.
    pub fn latency_ratio(&self, p: Percentile) -> Option<f64> {
        self.rounds
            .ratio(|w, t| ratio(p.of_sample(t).as_secs_f64(), p.of_sample(w).as_secs_f64()))
    }

    /// Jain's index, weft / tokio.
    pub fn jain_ratio(&self) -> Option<f64> {
        self.rounds
            .ratio(|w, t| ratio(w.fairness.jain, t.fairness.jain))
    }

    /// Context switches per request, tokio / weft.
    pub fn switches_ratio(&self) -> Option<f64> {
        self.rounds
            .ratio(|w, t| ratio(t.switches_per_request, w.switches_per_request))
    }

    /// System calls per request, tokio / weft (one counting pass per runtime, so no rounds).
    pub fn syscalls_ratio(&self) -> Option<f64> {
        let (w, t) = (self.weft.measured()?, self.tokio.measured()?);
        ratio(t.syscalls_per_request?, w.syscalls_per_request?)
    }
}

/// How the server table was measured, for its heading and CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSetup {
    /// Worker threads of each server's runtime.
    pub workers: usize,
    /// Concurrent connections.
    pub connections: usize,
    /// What the tables are called: `server`, or `server, own CPUs` (see
    /// [`crate::compare::Placement`]).
    pub title: &'static str,
    /// Where the server and the client ran: `same CPUs`, or the two CPU lists.
    pub placement: String,
    /// Warm-up and measured window per round.
    pub warmup: Duration,
    /// The measured window.
    pub window: Duration,
    /// The tool that counted system calls (`perf`, `strace`), or `None`.
    pub syscall_tool: Option<&'static str>,
}

fn cpu(ns: f64) -> String {
    format_duration(Duration::from_secs_f64(ns / 1e9))
}

fn per_request(x: f64) -> String {
    format!("{x:.2}")
}

/// Context switches per request: three decimals, since a server with CPUs of its own switches
/// well under once per hundred requests, where two decimals would read 0.00 for both runtimes.
fn switches_per_request(x: f64) -> String {
    format!("{x:.3}")
}

/// The server tables: throughput and CPU; system calls and context switches; latency;
/// fairness. Headed by how they were measured.
pub fn render_server_tables(setup: &ServerSetup, rows: &[ServerRow]) -> String {
    let heading = format!(
        "{}: each server in a process of its own, {} workers, {} connections, each a closed \
         loop; client \"loop\" = one tokio current-thread thread, \"threads\" = one blocking \
         thread per connection; {}; {} ms warm-up + {} ms measured per round. CPU, context \
         switches and system calls are the server process's. Ratios: above 1, weft better.\n",
        setup.title,
        setup.workers,
        setup.connections,
        setup.placement,
        setup.warmup.as_millis(),
        setup.window.as_millis(),
    );
    let tool = setup.syscall_tool.unwrap_or("not counted");
    [
        heading,
        cost_table(rows),
        kernel_table(tool, rows),
        latency_table(rows),
        fairness_table(rows),
    ]
    .join("\n")
}

const ROW: &str = "server, client";

/// Requests per second and CPU per request.
fn cost_table(rows: &[ServerRow]) -> String {
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.weft.cell_with(|s| format_rate(s.throughput)),
                r.tokio.cell_with(|s| format_rate(s.throughput)),
                format_ratio(r.throughput_ratio()),
                r.weft.cell_with(|s| cpu(s.cpu_per_request_ns)),
                r.tokio.cell_with(|s| cpu(s.cpu_per_request_ns)),
                format_ratio(r.cpu_ratio()),
            ]
        })
        .collect();
    let header = [
        ROW,
        "req/s weft",
        "req/s tokio",
        "weft/tokio",
        "CPU/req weft",
        "CPU/req tokio",
        "tokio/weft",
    ];
    render_columns(header, &cells)
}

/// System calls and context switches per request.
fn kernel_table(tool: &str, rows: &[ServerRow]) -> String {
    let syscalls = |s: &ServerFigures| {
        s.syscalls_per_request
            .map_or_else(|| "-".to_owned(), per_request)
    };
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.weft.cell_with(syscalls),
                r.tokio.cell_with(syscalls),
                format_ratio(r.syscalls_ratio()),
                r.weft
                    .cell_with(|s| switches_per_request(s.switches_per_request)),
                r.tokio
                    .cell_with(|s| switches_per_request(s.switches_per_request)),
                format_ratio(r.switches_ratio()),
            ]
        })
        .collect();
    let first = format!("syscalls/req ({tool}) weft");
    let header = [
        ROW,
        &first,
        "tokio",
        "tokio/weft",
        "ctx sw/req weft",
        "tokio",
        "tokio/weft",
    ];
    render_columns(header, &cells)
}

/// p50, p99 and p99.9 latency.
fn latency_table(rows: &[ServerRow]) -> String {
    let cells: Vec<[String; 10]> = rows
        .iter()
        .map(|r| {
            let lat = |p: Percentile| {
                [
                    r.weft.cell_with(|s| format_duration(p.of_figures(s))),
                    r.tokio.cell_with(|s| format_duration(p.of_figures(s))),
                    format_ratio(r.latency_ratio(p)),
                ]
            };
            let [a, b, c] = lat(Percentile::P50);
            let [d, e, f] = lat(Percentile::P99);
            let [g, h, i] = lat(Percentile::P999);
            [r.name.clone(), a, b, c, d, e, f, g, h, i]
        })
        .collect();
    let header = [
        ROW,
        "p50 weft",
        "p50 tokio",
        "tokio/weft",
        "p99 weft",
        "p99 tokio",
        "tokio/weft",
        "p99.9 weft",
        "p99.9 tokio",
        "tokio/weft",
    ];
    render_columns(header, &cells)
}

/// Requests per connection (min..max) and Jain's index.
fn fairness_table(rows: &[ServerRow]) -> String {
    let spread = |s: &ServerFigures| format!("{:.0}..{:.0}", s.conn_min, s.conn_max);
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.weft.cell_with(spread),
                r.tokio.cell_with(spread),
                r.weft.cell_with(|s| format!("{:.3}", s.jain)),
                r.tokio.cell_with(|s| format!("{:.3}", s.jain)),
                format_ratio(r.jain_ratio()),
            ]
        })
        .collect();
    let header = [
        ROW,
        "req/conn weft (min..max)",
        "req/conn tokio",
        "Jain weft",
        "Jain tokio",
        "weft/tokio",
    ];
    render_columns(header, &cells)
}

/// The server table's bars: requests per second, CPU per request and p99 latency, one group
/// each.
pub fn server_bars(title: &str, rows: &[ServerRow]) -> Vec<BarGroup> {
    let group = |what: &str, f: &dyn Fn(&ServerRow) -> Option<f64>| BarGroup {
        title: format!("{title}: {what}"),
        bars: rows
            .iter()
            .map(|r| Bar {
                label: r.name.clone(),
                ratio: f(r),
            })
            .collect(),
    };
    vec![
        group("requests/s (weft/tokio)", &ServerRow::throughput_ratio),
        group("CPU per request (tokio/weft)", &ServerRow::cpu_ratio),
        group("p99 latency (tokio/weft)", &|r| {
            r.latency_ratio(Percentile::P99)
        }),
    ]
}

/// The CSV header of [`render_server_csv`].
pub fn server_csv_header() -> String {
    let mut h = String::from("row,workers,connections,placement,syscall_tool");
    for rt in ["weft", "tokio"] {
        for col in [
            "status",
            "rounds",
            "rps",
            "cpu_ns_per_req",
            "p50_ns",
            "p99_ns",
            "p999_ns",
            "conn_min",
            "conn_max",
            "jain",
            "ctx_switches_per_req",
            "syscalls_per_req",
        ] {
            let _ = write!(h, ",{rt}_{col}");
        }
    }
    h += ",rps_weft_over_tokio,cpu_tokio_over_weft,p50_tokio_over_weft,p99_tokio_over_weft,\
           p999_tokio_over_weft,jain_weft_over_tokio,ctx_switches_tokio_over_weft,syscalls_tokio_over_weft";
    h
}

/// The server table as CSV, one line per row, every figure of both runtimes and every ratio
/// (empty where not measured).
pub fn render_server_csv(setup: &ServerSetup, rows: &[ServerRow]) -> String {
    fn cols(o: &Outcome<ServerFigures>) -> String {
        match o {
            Outcome::Measured(s) => format!(
                "ok,{},{:.0},{:.0},{},{},{},{:.0},{:.0},{:.5},{:.4},{}",
                s.rounds,
                s.throughput,
                s.cpu_per_request_ns,
                s.p50.as_nanos(),
                s.p99.as_nanos(),
                s.p999.as_nanos(),
                s.conn_min,
                s.conn_max,
                s.jain,
                s.switches_per_request,
                csv_opt(s.syscalls_per_request, 4),
            ),
            _ => format!("{}{}", o.status(), ",".repeat(11)),
        }
    }
    let mut out = server_csv_header();
    out.push('\n');
    for r in rows {
        let ratios = [
            r.throughput_ratio(),
            r.cpu_ratio(),
            r.latency_ratio(Percentile::P50),
            r.latency_ratio(Percentile::P99),
            r.latency_ratio(Percentile::P999),
            r.jain_ratio(),
            r.switches_ratio(),
            r.syscalls_ratio(),
        ]
        .map(|x| csv_opt(x, 4))
        .join(",");
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{ratios}",
            r.name,
            setup.workers,
            setup.connections,
            setup.placement.replace(',', " "),
            setup.syscall_tool.unwrap_or(""),
            cols(&r.weft),
            cols(&r.tokio),
        );
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A round with these figures, 90..110 requests per connection and 0.5 context switches per
    /// request (`markdown.rs`'s tests use it too).
    pub(crate) fn sample(rps: f64, cpu_us: u64, p99_us: u64, jain: f64) -> ServerSample {
        ServerSample {
            throughput: rps,
            cpu_per_request: Duration::from_micros(cpu_us),
            p50: Duration::from_micros(p99_us / 4),
            p99: Duration::from_micros(p99_us),
            p999: Duration::from_micros(p99_us * 2),
            fairness: Fairness {
                min: 90,
                max: 110,
                jain,
            },
            switches_per_request: 0.5,
        }
    }

    fn setup() -> ServerSetup {
        ServerSetup {
            workers: 4,
            connections: 64,
            title: "server",
            placement: "same CPUs".into(),
            warmup: Duration::from_millis(200),
            window: Duration::from_millis(800),
            syscall_tool: Some("perf"),
        }
    }

    #[test]
    fn figures_are_medians_and_ratios_favour_weft_above_one() {
        assert_eq!(ServerFigures::from_rounds(&[]), None);
        let weft = vec![
            sample(30e3, 4, 100, 0.99),
            sample(10e3, 8, 900, 0.5),
            sample(20e3, 5, 200, 0.98),
        ];
        let w = ServerFigures::from_rounds(&weft).unwrap();
        assert_eq!(
            (w.throughput, w.cpu_per_request_ns, w.p99, w.jain, w.rounds),
            (20e3, 5000.0, Duration::from_micros(200), 0.98, 3)
        );
        // Round by round: requests/s 2x, 0.5x, 2x; the second round was a slow spell for both.
        let tokio = vec![
            sample(15e3, 8, 200, 0.495),
            sample(20e3, 4, 450, 1.0),
            sample(10e3, 10, 400, 0.49),
        ];
        let mut row = ServerRow::from_rounds(
            "kv threads".into(),
            &Outcome::Measured(weft),
            &Outcome::Measured(tokio),
        );
        for (f, calls) in [(&mut row.weft, 2.0), (&mut row.tokio, 3.0)] {
            if let Outcome::Measured(f) = f {
                f.syscalls_per_request = Some(calls);
            }
        }
        let close = |x: Option<f64>, y: f64| (x.unwrap() - y).abs() < 1e-9;
        // The medians alone (20k against 15k) would say 1.33x.
        assert!(close(row.throughput_ratio(), 2.0));
        assert!(close(row.cpu_ratio(), 2.0));
        assert!(close(row.latency_ratio(Percentile::P99), 2.0));
        assert!(close(row.jain_ratio(), 2.0));
        assert!(close(row.switches_ratio(), 1.0));
        assert!(close(row.syscalls_ratio(), 1.5));

        let failed = ServerRow::from_rounds(
            "echo_64b loop".into(),
            &Outcome::Failed("lost".into()),
            &Outcome::Measured(vec![sample(10e3, 10, 400, 0.49)]),
        );
        assert_eq!(failed.throughput_ratio(), None);
        let text = render_server_tables(&setup(), &[row.clone(), failed.clone()]);
        assert!(
            text.contains("kv threads")
                && text.contains("FAILED")
                && text.contains("syscalls/req (perf)")
        );
        assert!(text.contains("20.0k") && text.contains("2.00x") && text.contains("90..110"));
        // Every table's lines are aligned.
        for table in text.split("\n\n").skip(1) {
            let widths: Vec<usize> = table.lines().map(|l| l.chars().count()).collect();
            assert!(widths.windows(2).all(|w| w[0] == w[1]), "{table}");
        }

        let csv = render_server_csv(&setup(), &[row, failed]);
        let lines: Vec<&str> = csv.lines().collect();
        let n = server_csv_header().split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == n), "{csv}");
        assert!(lines[1].starts_with("kv threads,4,64,same CPUs,perf,ok,3,20000,5000,"));
        assert!(lines[1].ends_with(",2.0000,2.0000,2.0000,2.0000,2.0000,2.0000,1.0000,1.5000"));
        assert!(lines[2].starts_with("echo_64b loop,4,64,same CPUs,perf,failed,,,"));
        let bars = server_bars("server, own CPUs", &[]);
        assert_eq!(bars.len(), 3);
        assert_eq!(bars[0].title, "server, own CPUs: requests/s (weft/tokio)");
    }
}
