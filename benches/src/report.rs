//! Summaries and output formats of the `compare` binary: per-shape statistics, the side-by-side
//! table and the CSV.

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

/// What became of one shape on one runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Measured over one or more rounds.
    Measured(Stats),
    /// Panicked or returned a wrong work count; the message says which.
    Failed(String),
    /// Not run (filtered out on the command line).
    Skipped,
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
        match self {
            Outcome::Measured(s) => format_duration(s.median),
            Outcome::Failed(_) => "FAILED".to_owned(),
            Outcome::Skipped => "-".to_owned(),
        }
    }
}

/// One line of the comparison: a shape, and how it went on each runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    let header = ["shape", "weft", "tokio", "tokio/weft"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.shape.to_owned(),
                r.weft.cell(),
                r.tokio.cell(),
                r.ratio()
                    .map_or_else(|| "-".to_owned(), |x| format!("{x:.2}x")),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: [&str; 4]| {
        // The shape left-aligned, numbers right-aligned.
        let _ = write!(out, "{:<w$}", cols[0], w = widths[0]);
        for (c, w) in cols[1..].iter().zip(&widths[1..]) {
            let pad = w - c.chars().count();
            let _ = write!(out, "  {}{c}", " ".repeat(pad));
        }
        out.push('\n');
    };
    line(header);
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    line([&rule[0], &rule[1], &rule[2], &rule[3]]);
    for row in &cells {
        line([&row[0], &row[1], &row[2], &row[3]]);
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
            Outcome::Failed(_) => "failed,,,,".to_owned(),
            Outcome::Skipped => "skipped,,,,".to_owned(),
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
}
