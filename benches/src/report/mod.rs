//! Summaries and output formats of the `compare` binary: the statistics over rounds, the
//! side-by-side tables, the CSVs and the chart.
//!
//! This module holds what every table shares ([`Outcome`], the number formats, the column
//! layout, the [`Bar`]s of the chart) and the time-per-iteration table of the `rt_multi_threaded`
//! and `sync` groups; [`server`] and [`idle`] hold theirs, and [`svg`] draws the chart. Every
//! ratio is oriented the same way: **above 1, weft is better**.

use std::fmt::Write as _;
use std::time::Duration;

pub mod idle;
pub mod markdown;
pub mod server;
pub mod svg;

/// One bar of the chart: a row's label and its ratio (above 1: weft better); `None` when the
/// row has no ratio (failed or skipped on a runtime).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The row's label.
    pub label: String,
    /// The ratio, oriented so that above 1 means weft is better.
    pub ratio: Option<f64>,
}

/// A titled group of bars: one table (or one figure of a table) of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    /// The title above the group.
    pub title: String,
    /// One bar per row.
    pub bars: Vec<Bar>,
}

/// The median of `values` (the mean of the two middle ones for an even count); `None` for none.
pub fn median_f64(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The median over rounds of each round's ratio `f(weft_i, tokio_i)`: round `i` of one runtime is
/// paired with round `i` of the other, measured right after it (or before), so a slow spell of
/// a shared machine, which lasts seconds, lands in both halves of a pair and cancels out of its
/// ratio. A ratio of the two runtimes' medians can instead set a median of fast rounds against
/// a median of slow ones: on a noisy 2-core machine that read 0.3x one run and 7.8x the next
/// for the same row. Rounds beyond the shorter list, and rounds where `f` has no ratio (or a
/// ratio that is not finite and positive), are left out; `None` when no round has one.
///
/// With an even number of rounds the median is the *geometric* mean of the two middle ratios,
/// so that it does not depend on which way a ratio is oriented: 0.5x and 2x give 1x (their
/// plain mean, 1.25x, would read the same two rounds as a win one way up and a loss the other).
pub fn paired_ratio<S>(weft: &[S], tokio: &[S], f: impl Fn(&S, &S) -> Option<f64>) -> Option<f64> {
    let logs = weft
        .iter()
        .zip(tokio)
        .filter_map(|(w, t)| f(w, t))
        .filter(|r| r.is_finite() && *r > 0.0)
        .map(f64::ln);
    median_f64(logs).map(f64::exp)
}

/// Both runtimes' rounds of one row, kept for its [round-by-round ratios](paired_ratio); empty
/// unless both runtimes were measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds<S> {
    weft: Vec<S>,
    tokio: Vec<S>,
}

impl<S: Clone> Rounds<S> {
    /// Keeps both runtimes' samples (one per round, round `i` of both measured back to back),
    /// or none when either was not measured.
    pub fn new(weft: &Outcome<Vec<S>>, tokio: &Outcome<Vec<S>>) -> Rounds<S> {
        match (weft, tokio) {
            (Outcome::Measured(w), Outcome::Measured(t)) => Rounds {
                weft: w.clone(),
                tokio: t.clone(),
            },
            _ => Rounds {
                weft: Vec::new(),
                tokio: Vec::new(),
            },
        }
    }
}

impl<S> Rounds<S> {
    /// The median over rounds of `f(weft's round, tokio's round)`: see [`paired_ratio`].
    pub fn ratio(&self, f: impl Fn(&S, &S) -> Option<f64>) -> Option<f64> {
        paired_ratio(&self.weft, &self.tokio, f)
    }
}

/// The ratio `numerator / denominator` when both are finite and positive.
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (numerator.is_finite() && denominator.is_finite() && numerator > 0.0 && denominator > 0.0)
        .then(|| numerator / denominator)
}

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

/// What became of one row on one runtime: its statistics ([`Stats`] for the time-per-iteration
/// shapes, [`server::ServerFigures`], [`idle::IdleFigures`]), or why there are none.
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

    /// Maps the statistics, keeping a failure or a skip.
    pub fn map<T>(&self, f: impl FnOnce(&S) -> Option<T>) -> Outcome<T> {
        match self {
            Outcome::Measured(s) => f(s).map_or(Outcome::Skipped, Outcome::Measured),
            Outcome::Failed(e) => Outcome::Failed(e.clone()),
            Outcome::Skipped => Outcome::Skipped,
        }
    }

    /// The table cell when not measured (`FAILED` or `-`), else `measured(stats)`.
    pub(crate) fn cell_with(&self, measured: impl FnOnce(&S) -> String) -> String {
        match self {
            Outcome::Measured(s) => measured(s),
            Outcome::Failed(_) => "FAILED".to_owned(),
            Outcome::Skipped => "-".to_owned(),
        }
    }

    /// The CSV status column: `ok`, `failed` or `skipped`.
    pub(crate) fn status(&self) -> &'static str {
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
    /// Both runtimes' per-round times, for [`Row::ratio`].
    rounds: Rounds<Duration>,
}

impl Row {
    /// Summarises each runtime's per-round times (`Outcome::Measured` holds one time per round,
    /// round `i` of both runtimes measured back to back).
    pub fn from_rounds(
        shape: &'static str,
        weft: &Outcome<Vec<Duration>>,
        tokio: &Outcome<Vec<Duration>>,
    ) -> Row {
        Row {
            shape,
            weft: weft.map(|s| Stats::from_rounds(s)),
            tokio: tokio.map(|s| Stats::from_rounds(s)),
            rounds: Rounds::new(weft, tokio),
        }
    }

    /// tokio's time over weft's, round by round, the median of those ([`paired_ratio`]): above
    /// 1 means weft is faster. `None` unless both were measured.
    pub fn ratio(&self) -> Option<f64> {
        self.rounds
            .ratio(|w, t| ratio(t.as_secs_f64(), w.as_secs_f64()))
    }

    /// tokio's median time over weft's: what the time columns alone say, kept in the CSV beside
    /// the round-by-round [`ratio`](Row::ratio).
    pub fn ratio_of_medians(&self) -> Option<f64> {
        let (w, t) = (self.weft.median()?, self.tokio.median()?);
        ratio(t.as_secs_f64(), w.as_secs_f64())
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

/// A ratio cell: `1.23x`, or `-` when there is none.
pub fn format_ratio(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}x"))
}

/// Lays out a table: the first column left-aligned, the others right-aligned, two spaces
/// between columns, a rule under the header.
pub(crate) fn render_columns<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
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

/// The time table's bars: one per shape, tokio / weft.
pub fn time_bars(title: &str, rows: &[Row]) -> BarGroup {
    BarGroup {
        title: title.to_owned(),
        bars: rows
            .iter()
            .map(|r| Bar {
                label: r.shape.to_owned(),
                ratio: r.ratio(),
            })
            .collect(),
    }
}

/// A CSV number cell: empty for `None`.
pub(crate) fn csv_opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(String::new, |x| format!("{x:.digits$}"))
}

/// The CSV header of [`render_csv`].
pub const CSV_HEADER: &str = "shape,workers,weft_status,weft_rounds,weft_median_ns,weft_min_ns,\
weft_max_ns,tokio_status,tokio_rounds,tokio_median_ns,tokio_min_ns,tokio_max_ns,ratio_tokio_over_weft,\
ratio_of_medians";

/// The table as CSV, one line per shape: times are nanoseconds per iteration, the status of each
/// runtime is `ok`, `failed` or `skipped` (its numbers then empty), and the ratio is
/// tokio/weft, round by round (empty unless both were measured), then the ratio of the medians.
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
        let ratio = csv_opt(r.ratio(), 4);
        let of_medians = csv_opt(r.ratio_of_medians(), 4);
        let _ = writeln!(
            out,
            "{},{workers},{},{},{ratio},{of_medians}",
            r.shape,
            cols(&r.weft),
            cols(&r.tokio)
        );
    }
    out
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
        let one = |d| Outcome::Measured(vec![d]);
        vec![
            Row::from_rounds("ping_pong", &one(ms(2)), &one(ms(3))),
            Row::from_rounds("yield_many", &Outcome::Failed("boom".into()), &one(ms(10))),
            Row::from_rounds("chained_spawn", &Outcome::Skipped, &one(ms(1))),
        ]
    }

    #[test]
    fn ratio_is_tokio_over_weft() {
        let r = rows();
        assert!((r[0].ratio().unwrap() - 1.5).abs() < 1e-12);
        assert_eq!(r[0].ratio_of_medians(), Some(1.5));
        assert_eq!(r[1].ratio(), None);
        assert_eq!(r[2].ratio(), None);
        assert_eq!(r[2].ratio_of_medians(), None);
    }

    /// A slow spell of the machine (x10 here) that starts or ends between the two halves of a
    /// pair (round 2: weft measured in it, tokio after it) shifts one runtime's median from the
    /// fast rounds to the slow ones: the medians then set a slow weft round against a fast tokio
    /// one. Round by round, only that pair is off, and the median of the pairs is not.
    #[test]
    fn paired_ratio_cancels_a_slow_spell_that_medians_do_not() {
        let weft = [ms(100), ms(100), ms(10), ms(100), ms(10)];
        let tokio = [ms(120), ms(12), ms(12), ms(120), ms(12)];
        let row = Row::from_rounds(
            "notify_one_100",
            &Outcome::Measured(weft.to_vec()),
            &Outcome::Measured(tokio.to_vec()),
        );
        assert!((row.ratio_of_medians().unwrap() - 0.12).abs() < 1e-9);
        assert!((row.ratio().unwrap() - 1.2).abs() < 1e-9);
    }

    #[test]
    fn paired_ratio_is_the_median_of_round_ratios() {
        let w = [1.0, 2.0, 4.0, 8.0];
        let t = [2.0, 2.0, 12.0];
        // Rounds 1-3 pair up (ratios 2, 1, 3); the fourth has no partner.
        assert_eq!(paired_ratio(&w, &t, |w, t| ratio(*t, *w)), Some(2.0));
        assert_eq!(paired_ratio(&w, &[], |w, t: &f64| ratio(*t, *w)), None);
        let none = |_: &f64, _: &f64| None;
        assert_eq!(paired_ratio(&w, &t, none), None);
    }

    /// Two rounds, one won 2x and one lost 2x: even, whichever way up the ratio is read.
    #[test]
    fn an_even_count_of_rounds_reads_the_same_either_way_up() {
        let (w, t) = ([1.0, 4.0], [2.0, 2.0]);
        let close = |x: Option<f64>, y: f64| (x.unwrap() - y).abs() < 1e-12;
        assert!(close(paired_ratio(&w, &t, |w, t| ratio(*t, *w)), 1.0));
        assert!(close(paired_ratio(&w, &t, |w, t| ratio(*w, *t)), 1.0));
        let (w, t) = ([1.0, 1.0, 1.0, 1.0], [0.5, 1.0, 4.0, 8.0]);
        // The middle two, 1x and 4x: 2x, and 0.5x the other way up.
        assert!(close(paired_ratio(&w, &t, |w, t| ratio(*t, *w)), 2.0));
        assert!(close(paired_ratio(&w, &t, |w, t| ratio(*w, *t)), 0.5));
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
            "ping_pong,4,ok,1,2000000,2000000,2000000,ok,1,3000000,3000000,3000000,1.5000,1.5000"
        );
        assert!(lines[2].starts_with("yield_many,4,failed,,,,,ok,"));
        assert!(lines[3].starts_with("chained_spawn,4,skipped,"));
    }

    #[test]
    fn rates_are_readable() {
        assert_eq!(format_rate(812.4), "812");
        assert_eq!(format_rate(48_210.0), "48.2k");
        assert_eq!(format_rate(4_210.0), "4.21k");
        assert_eq!(format_rate(1_234_000.0), "1.23M");
    }
}
