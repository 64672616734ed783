//! The idle table: what a runtime costs when its only work is a 10 ms interval: CPU time per
//! 3 s and wake-ups (context switches of all its threads) per second.

use std::fmt::Write as _;
use std::time::Duration;

use super::{
    csv_opt, format_duration, format_ratio, median_f64, ratio, render_columns, Bar, BarGroup,
    Outcome, Rounds,
};

/// One round of the idle row on one runtime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdleSample {
    /// CPU time (user + system) of the whole process, per second of the window.
    pub cpu_per_second: Duration,
    /// Context switches (voluntary + involuntary) of the whole process per second.
    pub wakeups_per_second: f64,
    /// Interval ticks per second (100 when the interval keeps up).
    pub ticks_per_second: f64,
}

/// Medians over rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdleFigures {
    /// CPU time per second, in nanoseconds.
    pub cpu_ns_per_second: f64,
    /// Wake-ups per second.
    pub wakeups_per_second: f64,
    /// Ticks per second.
    pub ticks_per_second: f64,
    /// Rounds.
    pub rounds: usize,
}

impl IdleFigures {
    /// Summarises rounds; `None` for none.
    pub fn from_rounds(samples: &[IdleSample]) -> Option<IdleFigures> {
        Some(IdleFigures {
            cpu_ns_per_second: median_f64(
                samples.iter().map(|s| s.cpu_per_second.as_secs_f64() * 1e9),
            )?,
            wakeups_per_second: median_f64(samples.iter().map(|s| s.wakeups_per_second))?,
            ticks_per_second: median_f64(samples.iter().map(|s| s.ticks_per_second))?,
            rounds: samples.len(),
        })
    }

    /// CPU time per 3 s (the unit of issue 9's table).
    pub fn cpu_per_3s(&self) -> Duration {
        Duration::from_secs_f64(self.cpu_ns_per_second * 3.0 / 1e9)
    }
}

/// The idle row: both runtimes' figures (medians over rounds), and the ratios, each the median
/// over rounds of that round's ratio ([`paired_ratio`](super::paired_ratio)).
#[derive(Debug, Clone, PartialEq)]
pub struct IdleRow {
    /// weft's figures.
    pub weft: Outcome<IdleFigures>,
    /// tokio's figures.
    pub tokio: Outcome<IdleFigures>,
    rounds: Rounds<IdleSample>,
}

impl IdleRow {
    /// Summarises each runtime's rounds (round `i` of both measured back to back).
    pub fn from_rounds(
        weft: &Outcome<Vec<IdleSample>>,
        tokio: &Outcome<Vec<IdleSample>>,
    ) -> IdleRow {
        IdleRow {
            weft: weft.map(|s| IdleFigures::from_rounds(s)),
            tokio: tokio.map(|s| IdleFigures::from_rounds(s)),
            rounds: Rounds::new(weft, tokio),
        }
    }

    /// CPU, tokio / weft.
    pub fn cpu_ratio(&self) -> Option<f64> {
        self.rounds.ratio(|w, t| {
            ratio(
                t.cpu_per_second.as_secs_f64(),
                w.cpu_per_second.as_secs_f64(),
            )
        })
    }

    /// Wake-ups, tokio / weft.
    pub fn wakeups_ratio(&self) -> Option<f64> {
        self.rounds
            .ratio(|w, t| ratio(t.wakeups_per_second, w.wakeups_per_second))
    }
}

/// The idle table, headed by what it measures.
pub fn render_idle_table(workers: usize, window: Duration, row: &IdleRow) -> String {
    let mut out = format!(
        "idle: a runtime with {workers} workers whose only work is one task ticking a 10 ms \
         interval, in a process of its own, measured over {} ms per round; CPU = user + system \
         time of the process, wake-ups = its context switches. Ratios: above 1, weft better.\n\n",
        window.as_millis()
    );
    let cells = [[
        "10 ms interval".to_owned(),
        row.weft.cell_with(|s| format_duration(s.cpu_per_3s())),
        row.tokio.cell_with(|s| format_duration(s.cpu_per_3s())),
        format_ratio(row.cpu_ratio()),
        row.weft
            .cell_with(|s| format!("{:.0}", s.wakeups_per_second)),
        row.tokio
            .cell_with(|s| format!("{:.0}", s.wakeups_per_second)),
        format_ratio(row.wakeups_ratio()),
        row.weft.cell_with(|s| format!("{:.0}", s.ticks_per_second)),
        row.tokio
            .cell_with(|s| format!("{:.0}", s.ticks_per_second)),
    ]];
    out += &render_columns(
        [
            "runtime work",
            "CPU/3s weft",
            "CPU/3s tokio",
            "tokio/weft",
            "wake-ups/s weft",
            "wake-ups/s tokio",
            "tokio/weft",
            "ticks/s weft",
            "ticks/s tokio",
        ],
        &cells,
    );
    out
}

/// The idle bars: CPU and wake-ups.
pub fn idle_bars(row: &IdleRow) -> BarGroup {
    BarGroup {
        title: "idle runtime, 10 ms interval (tokio/weft)".to_owned(),
        bars: vec![
            Bar {
                label: "CPU time".to_owned(),
                ratio: row.cpu_ratio(),
            },
            Bar {
                label: "wake-ups".to_owned(),
                ratio: row.wakeups_ratio(),
            },
        ],
    }
}

/// The CSV header of [`render_idle_csv`].
pub const IDLE_CSV_HEADER: &str = "row,workers,weft_status,weft_rounds,weft_cpu_ns_per_s,weft_wakeups_per_s,\
weft_ticks_per_s,tokio_status,tokio_rounds,tokio_cpu_ns_per_s,tokio_wakeups_per_s,tokio_ticks_per_s,\
cpu_tokio_over_weft,wakeups_tokio_over_weft";

/// The idle row as CSV.
pub fn render_idle_csv(workers: usize, row: &IdleRow) -> String {
    fn cols(o: &Outcome<IdleFigures>) -> String {
        match o {
            Outcome::Measured(s) => format!(
                "ok,{},{:.0},{:.1},{:.1}",
                s.rounds, s.cpu_ns_per_second, s.wakeups_per_second, s.ticks_per_second
            ),
            _ => format!("{},,,,", o.status()),
        }
    }
    let mut out = format!("{IDLE_CSV_HEADER}\n");
    let _ = writeln!(
        out,
        "interval_10ms,{workers},{},{},{},{}",
        cols(&row.weft),
        cols(&row.tokio),
        csv_opt(row.cpu_ratio(), 4),
        csv_opt(row.wakeups_ratio(), 4)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_figures_ratios_and_outputs() {
        let s = |cpu_us: u64, wakeups: f64| IdleSample {
            cpu_per_second: Duration::from_micros(cpu_us),
            wakeups_per_second: wakeups,
            ticks_per_second: 100.0,
        };
        let weft = vec![s(20_000, 1000.0), s(22_000, 990.0), s(21_000, 1010.0)];
        let w = IdleFigures::from_rounds(&weft).unwrap();
        assert_eq!(w.cpu_per_3s(), Duration::from_millis(63));
        // Every round, tokio used a fifth of weft's CPU and a tenth of its wake-ups.
        let tokio = vec![s(4_000, 100.0), s(4_400, 99.0), s(4_200, 101.0)];
        let row = IdleRow::from_rounds(&Outcome::Measured(weft), &Outcome::Measured(tokio));
        assert!((row.cpu_ratio().unwrap() - 0.2).abs() < 1e-9);
        assert!((row.wakeups_ratio().unwrap() - 0.1).abs() < 1e-9);
        let text = render_idle_table(4, Duration::from_secs(1), &row);
        assert!(text.contains("63.0 ms") && text.contains("12.6 ms") && text.contains("0.20x"));
        let csv = render_idle_csv(4, &row);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[1].split(',').count(),
            IDLE_CSV_HEADER.split(',').count()
        );
        assert!(
            lines[1].starts_with("interval_10ms,4,ok,3,21000000,1000.0,100.0,ok,3,4200000,100.0,")
        );
        assert_eq!(idle_bars(&row).bars.len(), 2);
        assert_eq!(IdleFigures::from_rounds(&[]), None);
    }
}
