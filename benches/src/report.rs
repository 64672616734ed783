//! Summaries and output formats of the `compare` binary: per-shape statistics, the side-by-side
//! tables and the CSVs (one for the time-per-iteration shapes, one for the `io` group).

use std::fmt::Write as _;
use std::time::Duration;

/// Statistics over the per-round times (time per iteration) of one shape on one runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// The median over rounds (the mean of the two middle rounds for an even count).
    pub median: Duration,
    /// The fastest round.
    pub min: Duration,
    /// The slowest round.
    pub max: Duration,
    /// How many rounds.
    pub rounds: usize,
}

impl Stats {
    /// Summarises per-round times; `None` for no rounds.
    pub fn from_rounds(rounds: &[Duration]) -> Option<Stats> {
        let mut sorted = rounds.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
        };
        Some(Stats {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            rounds: n,
        })
    }
}

/// What became of one shape on one runtime: [`Stats`] for the time-per-iteration shapes,
/// [`IoStats`] for the `io` group.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<S = Stats> {
    /// Measured over one or more rounds.
    Measured(S),
    /// Panicked or returned a wrong work count; the message says which.
    Failed(String),
    /// Not run (filtered out on the command line).
    Skipped,
}

impl<S> Outcome<S> {
    /// The statistics, when measured.
    pub fn measured(&self) -> Option<&S> {
        match self {
            Outcome::Measured(s) => Some(s),
            _ => None,
        }
    }

    /// The table cell when not measured (`FAILED` or `-`), else `measured(stats)`.
    fn cell_with(&self, measured: impl FnOnce(&S) -> String) -> String {
        match self {
            Outcome::Measured(s) => measured(s),
            Outcome::Failed(_) => "FAILED".to_owned(),
            Outcome::Skipped => "-".to_owned(),
        }
    }

    /// The CSV status column: `ok`, `failed` or `skipped`.
    fn status(&self) -> &'static str {
        match self {
            Outcome::Measured(_) => "ok",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

impl Outcome {
    /// The median, when measured.
    pub fn median(&self) -> Option<Duration> {
        match self {
            Outcome::Measured(s) => Some(s.median),
            _ => None,
        }
    }

    fn cell(&self) -> String {
        self.cell_with(|s| format_duration(s.median))
    }
}

/// One line of the comparison: a shape, and how it went on each runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The shape's name.
    pub shape: &'static str,
    /// weft's result.
    pub weft: Outcome,
    /// tokio's result.
    pub tokio: Outcome,
}

impl Row {
    /// tokio's median time over weft's: above 1 means weft is faster. `None` unless both were
    /// measured.
    pub fn ratio(&self) -> Option<f64> {
        let (w, t) = (self.weft.median()?, self.tokio.median()?);
        (!w.is_zero()).then(|| t.as_secs_f64() / w.as_secs_f64())
    }
}

/// Formats a duration with three significant-ish digits and a unit: `812 ns`, `4.21 µs`,
/// `13.7 ms`, `1.20 s`.
pub fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let digits = if unit == "ns" || value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

/// The side-by-side table: shape, weft's median time per iteration, tokio's, and the ratio
/// tokio/weft (above 1 means weft is faster).
pub fn render_table(rows: &[Row]) -> String {
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.shape.to_owned(),
                r.weft.cell(),
                r.tokio.cell(),
                format_ratio(r.ratio()),
            ]
        })
        .collect();
    render_columns(["shape", "weft", "tokio", "tokio/weft"], &cells)
}

fn format_ratio(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}x"))
}

/// Lays out a table: the first column left-aligned, the others right-aligned, two spaces
/// between columns, a rule under the header.
fn render_columns<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: [&str; N]| {
        for (i, (c, w)) in cols.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(w - c.chars().count());
            if i == 0 {
                let _ = write!(out, "{c}{pad}");
            } else {
                let _ = write!(out, "  {pad}{c}");
            }
        }
        out.push('\n');
    };
    line(header);
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    line(std::array::from_fn(|i| rule[i].as_str()));
    for row in rows {
        line(std::array::from_fn(|i| row[i].as_str()));
    }
    out
}

/// The CSV header of [`render_csv`].
pub const CSV_HEADER: &str = "shape,workers,weft_status,weft_rounds,weft_median_ns,weft_min_ns,\
weft_max_ns,tokio_status,tokio_rounds,tokio_median_ns,tokio_min_ns,tokio_max_ns,ratio_tokio_over_weft";

/// The table as CSV, one line per shape: times are nanoseconds per iteration, the status of each
/// runtime is `ok`, `failed` or `skipped` (its numbers then empty), and the ratio is
/// tokio/weft (empty unless both were measured).
pub fn render_csv(rows: &[Row], workers: usize) -> String {
    fn cols(o: &Outcome) -> String {
        match o {
            Outcome::Measured(s) => format!(
                "ok,{},{},{},{}",
                s.rounds,
                s.median.as_nanos(),
                s.min.as_nanos(),
                s.max.as_nanos()
            ),
            _ => format!("{},,,,", o.status()),
        }
    }
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for r in rows {
        let ratio = r.ratio().map_or_else(String::new, |x| format!("{x:.4}"));
        let _ = writeln!(
            out,
            "{},{workers},{},{},{ratio}",
            r.shape,
            cols(&r.weft),
            cols(&r.tokio)
        );
    }
    out
}

/// One round of an `io` shape on one runtime: what the load generator measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IoSample {
    /// Round trips per second.
    pub throughput: f64,
    /// Median round-trip latency.
    pub p50: Duration,
    /// 99th-percentile round-trip latency.
    pub p99: Duration,
}

/// Statistics over the rounds of an `io` shape on one runtime: the median of each figure,
/// taken separately.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IoStats {
    /// Median round trips per second.
    pub throughput: f64,
    /// Median over rounds of the per-round median latency.
    pub p50: Duration,
    /// Median over rounds of the per-round 99th-percentile latency.
    pub p99: Duration,
    /// How many rounds.
    pub rounds: usize,
}

impl IoStats {
    /// Summarises rounds; `None` for no rounds.
    pub fn from_rounds(rounds: &[IoSample]) -> Option<IoStats> {
        let mut throughput: Vec<f64> = rounds.iter().map(|r| r.throughput).collect();
        throughput.sort_unstable_by(f64::total_cmp);
        let n = throughput.len();
        let throughput = match n {
            0 => return None,
            _ if n % 2 == 1 => throughput[n / 2],
            _ => (throughput[n / 2 - 1] + throughput[n / 2]) / 2.0,
        };
        let median = |f: fn(&IoSample) -> Duration| {
            let times: Vec<Duration> = rounds.iter().map(f).collect();
            Stats::from_rounds(&times).map(|s| s.median)
        };
        Some(IoStats {
            throughput,
            p50: median(|r| r.p50)?,
            p99: median(|r| r.p99)?,
            rounds: n,
        })
    }
}

/// One line of the `io` comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct IoRow {
    /// The shape's name.
    pub shape: &'static str,
    /// weft's result.
    pub weft: Outcome<IoStats>,
    /// tokio's result.
    pub tokio: Outcome<IoStats>,
}

impl IoRow {
    fn both(&self) -> Option<(&IoStats, &IoStats)> {
        Some((self.weft.measured()?, self.tokio.measured()?))
    }

    /// weft's throughput over tokio's: above 1 means weft is faster.
    pub fn throughput_ratio(&self) -> Option<f64> {
        let (w, t) = self.both()?;
        (t.throughput > 0.0).then(|| w.throughput / t.throughput)
    }

    /// tokio's median latency over weft's: above 1 means weft is faster.
    pub fn p50_ratio(&self) -> Option<f64> {
        let (w, t) = self.both()?;
        (!w.p50.is_zero()).then(|| t.p50.as_secs_f64() / w.p50.as_secs_f64())
    }

    /// tokio's 99th-percentile latency over weft's: above 1 means weft is faster.
    pub fn p99_ratio(&self) -> Option<f64> {
        let (w, t) = self.both()?;
        (!w.p99.is_zero()).then(|| t.p99.as_secs_f64() / w.p99.as_secs_f64())
    }
}

/// Formats a rate with three significant-ish digits: `812`, `48.2k`, `1.23M`.
pub fn format_rate(per_sec: f64) -> String {
    let (value, unit) = if per_sec < 1e3 {
        (per_sec, "")
    } else if per_sec < 1e6 {
        (per_sec / 1e3, "k")
    } else {
        (per_sec / 1e6, "M")
    };
    let digits = if unit.is_empty() || value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$}{unit}")
}

/// The `io` table: per shape, round trips per second on each runtime and weft/tokio, then the
/// median (p50) and 99th-percentile (p99) latencies on each runtime and tokio/weft. Every ratio
/// is oriented so that above 1 means weft is better.
pub fn render_io_table(rows: &[IoRow]) -> String {
    let cells: Vec<[String; 10]> = rows
        .iter()
        .map(|r| {
            [
                r.shape.to_owned(),
                r.weft.cell_with(|s| format_rate(s.throughput)),
                r.tokio.cell_with(|s| format_rate(s.throughput)),
                format_ratio(r.throughput_ratio()),
                r.weft.cell_with(|s| format_duration(s.p50)),
                r.tokio.cell_with(|s| format_duration(s.p50)),
                format_ratio(r.p50_ratio()),
                r.weft.cell_with(|s| format_duration(s.p99)),
                r.tokio.cell_with(|s| format_duration(s.p99)),
                format_ratio(r.p99_ratio()),
            ]
        })
        .collect();
    render_columns(
        [
            "shape",
            "rt/s weft",
            "rt/s tokio",
            "weft/tokio",
            "p50 weft",
            "p50 tokio",
            "tokio/weft",
            "p99 weft",
            "p99 tokio",
            "tokio/weft",
        ],
        &cells,
    )
}

/// The CSV header of [`render_io_csv`].
pub const IO_CSV_HEADER: &str = "shape,workers,connections,message_bytes,weft_status,weft_rounds,\
weft_rtps,weft_p50_ns,weft_p99_ns,tokio_status,tokio_rounds,tokio_rtps,tokio_p50_ns,tokio_p99_ns,\
rtps_weft_over_tokio,p50_tokio_over_weft,p99_tokio_over_weft";

/// The `io` table as CSV, one line per shape: round trips per second and latencies in
/// nanoseconds (medians over rounds), each runtime's status `ok`, `failed` or `skipped` (its
/// numbers then empty), and the three ratios of [`render_io_table`] (empty unless both runtimes
/// were measured). `sizes` gives each row's message size, in the same order.
pub fn render_io_csv(
    rows: &[IoRow],
    sizes: &[usize],
    workers: usize,
    connections: usize,
) -> String {
    fn cols(o: &Outcome<IoStats>) -> String {
        match o {
            Outcome::Measured(s) => format!(
                "ok,{},{:.0},{},{}",
                s.rounds,
                s.throughput,
                s.p50.as_nanos(),
                s.p99.as_nanos()
            ),
            _ => format!("{},,,,", o.status()),
        }
    }
    let ratio = |x: Option<f64>| x.map_or_else(String::new, |x| format!("{x:.4}"));
    let mut out = String::from(IO_CSV_HEADER);
    out.push('\n');
    for (r, size) in rows.iter().zip(sizes) {
        let _ = writeln!(
            out,
            "{},{workers},{connections},{size},{},{},{},{},{}",
            r.shape,
            cols(&r.weft),
            cols(&r.tokio),
            ratio(r.throughput_ratio()),
            ratio(r.p50_ratio()),
            ratio(r.p99_ratio()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn stats_median_min_max() {
        assert_eq!(Stats::from_rounds(&[]), None);
        let s = Stats::from_rounds(&[ms(5), ms(1), ms(3)]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.rounds), (ms(3), ms(1), ms(5), 3));
        let s = Stats::from_rounds(&[ms(4), ms(1), ms(2), ms(9)]).unwrap();
        assert_eq!(s.median, ms(3));
    }

    #[test]
    fn durations_are_readable() {
        assert_eq!(format_duration(Duration::from_nanos(812)), "812 ns");
        assert_eq!(format_duration(Duration::from_nanos(4_213)), "4.21 µs");
        assert_eq!(format_duration(Duration::from_micros(13_740)), "13.7 ms");
        assert_eq!(format_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(format_duration(Duration::from_millis(1_200)), "1.20 s");
    }

    fn rows() -> Vec<Row> {
        let one = |d| Outcome::Measured(Stats::from_rounds(&[d]).unwrap());
        vec![
            Row {
                shape: "ping_pong",
                weft: one(ms(2)),
                tokio: one(ms(3)),
            },
            Row {
                shape: "yield_many",
                weft: Outcome::Failed("boom".into()),
                tokio: one(ms(10)),
            },
            Row {
                shape: "chained_spawn",
                weft: Outcome::Skipped,
                tokio: one(ms(1)),
            },
        ]
    }

    #[test]
    fn ratio_is_tokio_over_weft() {
        let r = rows();
        assert_eq!(r[0].ratio(), Some(1.5));
        assert_eq!(r[1].ratio(), None);
        assert_eq!(r[2].ratio(), None);
    }

    #[test]
    fn table_has_a_line_per_shape_and_aligned_columns() {
        let t = render_table(&rows());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 2 + 3);
        assert!(lines[0].starts_with("shape"));
        assert!(lines[2].contains("2.00 ms") && lines[2].ends_with("1.50x"));
        assert!(lines[3].contains("FAILED"));
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));
    }

    #[test]
    fn csv_has_a_header_and_fixed_columns() {
        let csv = render_csv(&rows(), 4);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER);
        let n = CSV_HEADER.split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == n));
        assert_eq!(
            lines[1],
            "ping_pong,4,ok,1,2000000,2000000,2000000,ok,1,3000000,3000000,3000000,1.5000"
        );
        assert!(lines[2].starts_with("yield_many,4,failed,,,,,ok,"));
        assert!(lines[3].starts_with("chained_spawn,4,skipped,"));
    }

    fn io(throughput: f64, p50_us: u64, p99_us: u64) -> Outcome<IoStats> {
        let sample = IoSample {
            throughput,
            p50: Duration::from_micros(p50_us),
            p99: Duration::from_micros(p99_us),
        };
        Outcome::Measured(IoStats::from_rounds(&[sample]).unwrap())
    }

    #[test]
    fn io_stats_take_the_median_of_each_figure() {
        assert_eq!(IoStats::from_rounds(&[]), None);
        let s = |t, a, b| IoSample {
            throughput: t,
            p50: Duration::from_micros(a),
            p99: Duration::from_micros(b),
        };
        let st = IoStats::from_rounds(&[s(3.0, 9, 1), s(1.0, 5, 7), s(2.0, 1, 4)]).unwrap();
        assert_eq!(st.throughput, 2.0);
        assert_eq!(st.p50, Duration::from_micros(5));
        assert_eq!(st.p99, Duration::from_micros(4));
        assert_eq!(st.rounds, 3);
    }

    #[test]
    fn io_ratios_favour_weft_above_one() {
        let row = IoRow {
            shape: "echo_64b",
            weft: io(30_000.0, 100, 400),
            tokio: io(20_000.0, 150, 200),
        };
        let close = |x: Option<f64>, y: f64| (x.unwrap() - y).abs() < 1e-9;
        assert!(close(row.throughput_ratio(), 1.5));
        assert!(close(row.p50_ratio(), 1.5));
        assert!(close(row.p99_ratio(), 0.5));
        let failed = IoRow {
            shape: "echo_4k",
            weft: Outcome::Failed("hung".into()),
            tokio: io(1.0, 1, 1),
        };
        assert_eq!(failed.throughput_ratio(), None);
        let t = render_io_table(&[row.clone(), failed.clone()]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("shape") && lines[0].contains("weft/tokio"));
        assert!(lines[2].contains("30.0k") && lines[2].contains("150 µs"));
        assert!(lines[2].ends_with("0.50x"));
        assert!(lines[3].contains("FAILED"));
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));

        let csv = render_io_csv(&[row, failed], &[64, 4096], 4, 64);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], IO_CSV_HEADER);
        let n = IO_CSV_HEADER.split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == n));
        assert_eq!(
            lines[1],
            "echo_64b,4,64,64,ok,1,30000,100000,400000,ok,1,20000,150000,200000,\
             1.5000,1.5000,0.5000"
        );
        assert!(lines[2].starts_with("echo_4k,4,64,4096,failed,,,,,ok,"));
    }

    #[test]
    fn rates_are_readable() {
        assert_eq!(format_rate(812.4), "812");
        assert_eq!(format_rate(48_210.0), "48.2k");
        assert_eq!(format_rate(4_210.0), "4.21k");
        assert_eq!(format_rate(1_234_000.0), "1.23M");
    }
}
