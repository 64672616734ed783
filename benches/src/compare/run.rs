//! `compare`'s main sequence: run every selected group, then print the tables, write the CSVs
//! and draw the chart.

use std::path::Path;
use std::time::Duration;

use super::groups::{Budget, Idle, ServerSetup, Servers, Shapes, Syscalls};
use super::options::beside;
use super::{run_group, start_watchdog, Options, Placement, Progress, RowResult, SyscallChoice};
use crate::load::{ClientStyle, Workload};
use crate::report::idle::{idle_bars, render_idle_csv, render_idle_table, IdleRow};
use crate::report::server::{
    self, render_server_csv, render_server_tables, server_bars, ServerRow,
};
use crate::report::{self, markdown, median_f64, svg, BarGroup, Outcome, Row};
use crate::rt::RuntimeKind;
use crate::shapes::{Group as ShapeGroup, Params};
use crate::syscalls::Tool;

/// Warm-up and measured window of a server row; settling time and window of the idle row.
fn windows(quick: bool) -> ((Duration, Duration), (Duration, Duration)) {
    let ms = Duration::from_millis;
    if quick {
        ((ms(20), ms(100)), (ms(50), ms(200)))
    } else {
        ((ms(200), ms(800)), (ms(200), ms(1000)))
    }
}

/// What a run produced: the text of every table, the bars of the chart, the files to write,
/// and whether everything ran and did all its work.
#[derive(Debug, Default)]
struct Outputs {
    text: String,
    bars: Vec<BarGroup>,
    files: Vec<(std::path::PathBuf, String)>,
    /// The README's tables (`report::markdown`), in run order.
    markdown: String,
    ok: bool,
}

impl Outputs {
    /// Records a group's results: a failed row makes the run fail.
    fn check<R, S>(&mut self, results: &[RowResult<R, S>]) {
        self.ok &= !results.iter().any(RowResult::failed);
    }
}

/// Runs `opts`; true when every row ran and did all its work and every file was written.
pub fn run(opts: &Options) -> bool {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    eprintln!(
        "compare: {} workers per runtime, {} round(s){}, {cores} cores; debug build: {}",
        opts.workers,
        opts.rounds,
        if opts.quick { " (quick)" } else { "" },
        cfg!(debug_assertions),
    );
    start_watchdog(opts.hang);
    let mut progress = Progress::new();
    let mut out = Outputs {
        text: format!(
            "\nweft vs tokio, {} workers each: figures are medians of {} round(s); each ratio is the \
             median of the rounds' ratios (in a round, both runtimes ran the row back to back); \
             every ratio: above 1, weft better\n\n",
            opts.workers, opts.rounds
        ),
        ok: true,
        ..Outputs::default()
    };
    let setups: Result<Vec<ServerSetup>, String> = opts
        .placements
        .iter()
        .map(|placement| server_setup(opts, placement))
        .collect();
    let setups = match setups {
        Ok(setups) => setups,
        Err(e) => {
            eprintln!("compare: {e}");
            return false;
        }
    };
    run_shapes(opts, &mut progress, &mut out);
    for (placement, setup) in opts.placements.iter().zip(&setups) {
        run_servers(opts, placement, setup, &mut progress, &mut out);
    }
    if let (true, Some(setup)) = (opts.idle, setups.into_iter().next()) {
        run_idle(opts, setup, &mut progress, &mut out);
    }
    println!("{}", out.text);
    let chart = chart(opts, cores, &out.bars);
    out.files.push((opts.svg.clone(), chart));
    let markdown = format!(
        "<!-- {} -->\n\n{}",
        chart_subtitle(opts, cores),
        out.markdown
    );
    out.files
        .push((beside(&opts.csv, "", Some("md")), markdown));
    for (path, contents) in &out.files {
        let what = match path.extension().and_then(|e| e.to_str()) {
            Some("svg") => "chart",
            Some("md") => "tables for the README",
            _ => "CSV",
        };
        out.ok &= write(path, contents, what);
    }
    eprintln!("compare: total {:.1} s", progress.elapsed().as_secs_f64());
    out.ok
}

/// The servers' processes in `placement`: this executable again, with `--serve`.
fn server_setup(opts: &Options, placement: &Placement) -> Result<ServerSetup, String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find its own executable to start the servers: {e}"))?;
    let ((warmup, window), _) = windows(opts.quick);
    Ok(ServerSetup {
        program: (exe, vec!["--serve".into()]),
        workers: opts.workers,
        connections: opts.connections,
        warmup,
        window,
        stall_limit: (opts.hang / 2).max(Duration::from_secs(1)),
        server_cpus: placement.server_cpus.clone(),
        client_cpus: placement.client_cpus.clone(),
    })
}

/// The time-per-iteration groups: a table, a CSV (both groups in one) and bars each.
fn run_shapes(opts: &Options, progress: &mut Progress, out: &mut Outputs) {
    let mut all_rows = Vec::new();
    let mut scheduler = markdown::Column::new("tokio's scheduler shapes");
    let mut sync = markdown::Column::new("sync and lockstep shapes");
    for group in ShapeGroup::ALL {
        let mut shapes = Shapes {
            group,
            shapes: opts
                .shapes
                .iter()
                .copied()
                .filter(|k| k.group() == group)
                .collect(),
            workers: opts.workers,
            params: Params::standard(),
            budget: Budget::new(opts.quick, group),
        };
        if shapes.shapes.is_empty() {
            continue;
        }
        let results = run_group(&mut shapes, opts.rounds, &opts.runtimes, progress);
        out.check(&results);
        let rows: Vec<Row> = results
            .iter()
            .map(|r| {
                Row::from_rounds(
                    r.row.name(),
                    r.on(RuntimeKind::Weft),
                    r.on(RuntimeKind::Tokio),
                )
            })
            .collect();
        let name = group.name();
        out.text += &format!(
            "{name} (time per iteration; tokio/weft):\n\n{}\n",
            report::render_table(&rows)
        );
        out.bars.push(report::time_bars(
            &format!("{name} (time per iteration, tokio/weft)"),
            &rows,
        ));
        match group {
            ShapeGroup::Sync => sync.push_group(name, &rows),
            ShapeGroup::Rt | ShapeGroup::Time => scheduler.push_group(name, &rows),
        }
        all_rows.extend(rows);
    }
    out.markdown += &markdown::shapes_table(&scheduler, &sync);
    if !all_rows.is_empty() {
        out.files.push((
            opts.csv.clone(),
            report::render_csv(&all_rows, opts.workers),
        ));
    }
}

/// The tracer of the system-call pass, as chosen; a tool asked for by name that does not work
/// here fails the run.
fn syscall_tool(opts: &Options, out: &mut Outputs) -> Option<Tool> {
    match opts.syscalls {
        SyscallChoice::Off => None,
        SyscallChoice::Auto => Tool::detect(),
        SyscallChoice::Tool(t) if t.works() => Some(t),
        SyscallChoice::Tool(t) => {
            eprintln!(
                "compare: {} cannot count system calls here (--syscalls {0})",
                t.name()
            );
            out.ok = false;
            None
        }
    }
}

/// The server rows in one placement: the timed rounds, then the system-call pass; one table
/// set, CSV and bars.
fn run_servers(
    opts: &Options,
    placement: &Placement,
    setup: &ServerSetup,
    progress: &mut Progress,
    out: &mut Outputs,
) {
    let rows: Vec<(Workload, ClientStyle)> = opts
        .workloads
        .iter()
        .flat_map(|&w| opts.clients.iter().map(move |&c| (w, c)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let mut servers = Servers {
        setup: setup.clone(),
        rows: rows.clone(),
    };
    let results = run_group(&mut servers, opts.rounds, &opts.runtimes, progress);
    out.check(&results);
    let tool = syscall_tool(opts, out);
    let calls = tool.map(|tool| {
        let mut pass = Syscalls {
            setup: setup.clone(),
            rows,
            tool,
        };
        let calls = run_group(&mut pass, 1, &opts.runtimes, progress);
        out.check(&calls);
        calls
    });
    let rows: Vec<ServerRow> = results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = ServerRow::from_rounds(
                r.name.clone(),
                r.on(RuntimeKind::Weft),
                r.on(RuntimeKind::Tokio),
            );
            if let Some(calls) = &calls {
                let per_request = calls[i].summarise(|s| median_f64(s.iter().copied()));
                for (f, c) in [&mut row.weft, &mut row.tokio].into_iter().zip(per_request) {
                    if let (Outcome::Measured(f), Outcome::Measured(c)) = (f, c) {
                        f.syscalls_per_request = Some(c);
                    }
                }
            }
            row
        })
        .collect();
    let table = server::ServerSetup {
        workers: opts.workers,
        connections: opts.connections,
        title: placement.title(),
        placement: placement.describe(),
        warmup: setup.warmup,
        window: setup.window,
        syscall_tool: tool.map(Tool::name),
    };
    out.text += &render_server_tables(&table, &rows);
    out.markdown += &format!(
        "\n{}: {}, {} workers, {} connections.\n\n{}",
        placement.title(),
        placement.describe(),
        opts.workers,
        opts.connections,
        markdown::server_table(&rows)
    );
    out.text.push('\n');
    out.bars.extend(server_bars(placement.title(), &rows));
    out.files.push((
        beside(&opts.csv, placement.csv_suffix(), None),
        render_server_csv(&table, &rows),
    ));
}

/// The idle row.
fn run_idle(opts: &Options, setup: ServerSetup, progress: &mut Progress, out: &mut Outputs) {
    let (_, (settle, window)) = windows(opts.quick);
    let mut idle = Idle {
        setup: ServerSetup { window, ..setup },
        settle,
    };
    let results = run_group(&mut idle, opts.rounds, &opts.runtimes, progress);
    out.check(&results);
    let row = IdleRow::from_rounds(
        results[0].on(RuntimeKind::Weft),
        results[0].on(RuntimeKind::Tokio),
    );
    out.text += &render_idle_table(opts.workers, window, &row);
    out.markdown += &format!("\n{}", markdown::idle_table(&row));
    out.text.push('\n');
    out.bars.push(idle_bars(&row));
    out.files.push((
        beside(&opts.csv, "_idle", None),
        render_idle_csv(opts.workers, &row),
    ));
}

fn chart(opts: &Options, cores: usize, bars: &[BarGroup]) -> String {
    let title = "weft vs tokio: ratio per row, above 1 = weft better (log scale)";
    svg::render_svg(title, &chart_subtitle(opts, cores), bars)
}

/// How the run was made, for the chart and the Markdown tables.
fn chart_subtitle(opts: &Options, cores: usize) -> String {
    format!(
        "compare{}: {} workers, median of {} paired round(s), {} server connections, {cores} cores; {}",
        if opts.quick { " --quick" } else { "" },
        opts.workers,
        opts.rounds,
        opts.connections,
        opts.placements
            .iter()
            .map(Placement::describe)
            .collect::<Vec<_>>()
            .join(" / "),
    )
}

/// Writes `contents` to `path` (making its directory) and prints where; false on failure.
fn write(path: &Path, contents: &str, what: &str) -> bool {
    let written = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, contents));
    match written {
        Ok(()) => {
            let shown = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
            println!("{what}: {}", shown.display());
            true
        }
        Err(e) => {
            eprintln!("compare: cannot write {}: {e}", path.display());
            false
        }
    }
}
