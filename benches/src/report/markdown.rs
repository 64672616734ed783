//! The README's tables, in Markdown, written by a run (`compare.md`, beside the CSV): the
//! ratio of every shape (the scheduler and timer shapes in one column pair, the sync shapes in
//! the other), one table per server placement with what an operator reads, and the idle row.
//! The README's Performance section pastes them as they are, so its figures come from a run,
//! never from a hand that copied them.
//!
//! Ratios read as everywhere in `compare`: above 1, weft is better.

use std::fmt::Write as _;

use super::idle::{IdleFigures, IdleRow};
use super::server::{Percentile, ServerFigures, ServerRow};
use super::{format_duration, format_ratio, Outcome, Row};

/// One column pair of the shapes table: a heading and its rows, each a name and a ratio.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    /// The heading over the names.
    pub heading: String,
    /// Names and ratio cells, in order; a name in bold with an empty ratio heads a sub-list.
    pub cells: Vec<(String, String)>,
}

impl Column {
    /// A column headed `heading`.
    pub fn new(heading: &str) -> Column {
        Column {
            heading: heading.to_owned(),
            cells: Vec::new(),
        }
    }

    /// Adds `rows` under `title`, which is set in bold on a line of its own when the column
    /// already holds rows (the first group of a column is named by its heading).
    pub fn push_group(&mut self, title: &str, rows: &[Row]) {
        if rows.is_empty() {
            return;
        }
        if !self.cells.is_empty() {
            self.cells.push((format!("**{title}**"), String::new()));
        }
        self.cells.extend(
            rows.iter()
                .map(|r| (format!("`{}`", r.shape), format_ratio(r.ratio()))),
        );
    }
}

/// The shapes table: `left` and `right` side by side, each a name column and a `tokio/weft`
/// column; the shorter one is padded with empty cells. Empty when both are.
pub fn shapes_table(left: &Column, right: &Column) -> String {
    let columns: Vec<&Column> = [left, right]
        .into_iter()
        .filter(|c| !c.cells.is_empty())
        .collect();
    if columns.is_empty() {
        return String::new();
    }
    let mut out = String::from("|");
    for c in &columns {
        let _ = write!(out, " {} | tokio/weft |", c.heading);
    }
    out.push_str("\n|");
    out.push_str(&"---|---|".repeat(columns.len()));
    out.push('\n');
    let lines = columns.iter().map(|c| c.cells.len()).max().unwrap_or(0);
    for i in 0..lines {
        out.push('|');
        for c in &columns {
            let (name, ratio) = c.cells.get(i).map_or(("", ""), |(n, r)| (n, r));
            let _ = write!(out, " {name} | {ratio} |");
        }
        out.push('\n');
    }
    out
}

/// A cell with weft's figure, then tokio's (`-` where `f` has none).
fn pair(row: &ServerRow, f: impl Fn(&ServerFigures) -> Option<String>) -> String {
    let cell = |o: &Outcome<ServerFigures>| o.cell_with(|s| f(s).unwrap_or_else(|| "-".into()));
    format!("{}, {}", cell(&row.weft), cell(&row.tokio))
}

/// One placement's server table: requests/s, CPU per request and p99 as ratios; system calls,
/// context switches and Jain's index per runtime (weft's first).
pub fn server_table(rows: &[ServerRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "| server, client | req/s weft/tokio | CPU/req tokio/weft | p99 tokio/weft | \
         syscalls/req weft, tokio | ctx switches/req weft, tokio | Jain weft, tokio |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            format_ratio(r.throughput_ratio()),
            format_ratio(r.cpu_ratio()),
            format_ratio(r.latency_ratio(Percentile::P99)),
            pair(r, |s| s.syscalls_per_request.map(|x| format!("{x:.2}"))),
            pair(r, |s| Some(format!("{:.3}", s.switches_per_request))),
            pair(r, |s| Some(format!("{:.3}", s.jain))),
        );
    }
    out
}

/// The idle row: CPU per 3 s and wake-ups per second, per runtime, with the ratios.
pub fn idle_table(row: &IdleRow) -> String {
    let cpu = |o: &Outcome<IdleFigures>| o.cell_with(|s| format_duration(s.cpu_per_3s()));
    let wakeups =
        |o: &Outcome<IdleFigures>| o.cell_with(|s| format!("{:.0}", s.wakeups_per_second));
    format!(
        "| idle runtime (one task ticking a 10 ms interval) | weft | tokio | tokio/weft |\n\
         |---|---|---|---|\n\
         | CPU per 3 s | {} | {} | {} |\n\
         | wake-ups per second | {} | {} | {} |\n",
        cpu(&row.weft),
        cpu(&row.tokio),
        format_ratio(row.cpu_ratio()),
        wakeups(&row.weft),
        wakeups(&row.tokio),
        format_ratio(row.wakeups_ratio()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::idle::IdleSample;
    use crate::report::server::ServerSample;
    use std::time::Duration;

    fn row(shape: &'static str, weft_ms: u64, tokio_ms: u64) -> Row {
        let ms = Duration::from_millis;
        Row::from_rounds(
            shape,
            &Outcome::Measured(vec![ms(weft_ms)]),
            &Outcome::Measured(vec![ms(tokio_ms)]),
        )
    }

    #[test]
    fn the_shapes_sit_side_by_side_and_the_shorter_column_is_padded() {
        let mut left = Column::new("scheduler shapes");
        left.push_group("rt", &[row("spawn", 10, 20)]);
        left.push_group("time", &[row("sleep", 10, 15)]);
        let mut right = Column::new("sync shapes");
        right.push_group(
            "sync",
            &[row("a", 10, 10), row("b", 20, 10), row("c", 8, 10)],
        );
        assert_eq!(
            shapes_table(&left, &right),
            "| scheduler shapes | tokio/weft | sync shapes | tokio/weft |\n\
             |---|---|---|---|\n\
             | `spawn` | 2.00x | `a` | 1.00x |\n\
             | **time** |  | `b` | 0.50x |\n\
             | `sleep` | 1.50x | `c` | 1.25x |\n"
        );
    }

    #[test]
    fn an_empty_column_is_left_out_and_two_make_no_table() {
        let mut left = Column::new("scheduler shapes");
        left.push_group("rt", &[]);
        let mut right = Column::new("sync shapes");
        right.push_group("sync", &[row("a", 10, 30)]);
        assert_eq!(
            shapes_table(&left, &right),
            "| sync shapes | tokio/weft |\n|---|---|\n| `a` | 3.00x |\n"
        );
        assert_eq!(shapes_table(&left, &Column::new("x")), "");
    }

    /// `server.rs`'s test sample, with the context switches given.
    fn sample(rps: f64, cpu_us: u64, p99_us: u64, switches: f64) -> ServerSample {
        ServerSample {
            switches_per_request: switches,
            ..crate::report::server::tests::sample(rps, cpu_us, p99_us, 0.9991)
        }
    }

    #[test]
    fn a_server_row_reads_ratios_then_each_runtime_weft_first() {
        let mut echo = ServerRow::from_rounds(
            "echo_64b loop".to_owned(),
            &Outcome::Measured(vec![sample(120e3, 5, 300, 0.0754)]),
            &Outcome::Measured(vec![sample(100e3, 6, 600, 0.1)]),
        );
        for (figures, calls) in [(&mut echo.weft, 2.104), (&mut echo.tokio, 2.2)] {
            if let Outcome::Measured(f) = figures {
                f.syscalls_per_request = Some(calls);
            }
        }
        let kv = ServerRow::from_rounds(
            "kv threads".to_owned(),
            &Outcome::Failed("lost a request".to_owned()),
            &Outcome::Measured(vec![sample(100e3, 6, 600, 0.1)]),
        );
        assert_eq!(
            server_table(&[echo, kv]),
            "| server, client | req/s weft/tokio | CPU/req tokio/weft | p99 tokio/weft | \
             syscalls/req weft, tokio | ctx switches/req weft, tokio | Jain weft, tokio |\n\
             |---|---|---|---|---|---|---|\n\
             | echo_64b loop | 1.20x | 1.20x | 2.00x | 2.10, 2.20 | 0.075, 0.100 | 0.999, 0.999 |\n\
             | kv threads | - | - | - | FAILED, - | FAILED, 0.100 | FAILED, 0.999 |\n"
        );
        assert_eq!(server_table(&[]), "");
    }

    #[test]
    fn the_idle_table_has_cpu_and_wake_ups() {
        let idle = |cpu_ms_per_s: u64, wakeups: f64| {
            Outcome::Measured(vec![IdleSample {
                cpu_per_second: Duration::from_millis(cpu_ms_per_s),
                wakeups_per_second: wakeups,
                ticks_per_second: 100.0,
            }])
        };
        let row = IdleRow::from_rounds(&idle(4, 105.0), &idle(5, 116.0));
        assert_eq!(
            idle_table(&row),
            "| idle runtime (one task ticking a 10 ms interval) | weft | tokio | tokio/weft |\n\
             |---|---|---|---|\n\
             | CPU per 3 s | 12.0 ms | 15.0 ms | 1.25x |\n\
             | wake-ups per second | 105 | 116 | 1.10x |\n"
        );
    }
}
