//! The command line of `compare`, parsed with [`crate::cli`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Placement;
use crate::cli::{positive, Arg, Args};
use crate::load::{ClientStyle, Workload, DEFAULT_CONNECTIONS};
use crate::os::CpuList;
use crate::rt::{parse_workers, RuntimeKind, DEFAULT_WORKERS, WORKERS_ENV};
use crate::shapes::{Group, ShapeKind};
use crate::syscalls::Tool;

/// `compare --help`.
pub const USAGE: &str = "\
compare: weft vs tokio, side by side in one run: the shapes of tokio's rt_multi_threaded,
sync_* and time_timeout benches (plus three lockstep mpsc shapes and a timeout that waits),
servers as an operator judges them, and an idle runtime

USAGE:
    compare [OPTIONS]

OPTIONS:
    --workers N         worker threads of each runtime [env WEFT_BENCH_WORKERS, default 4]
    --rounds N          rounds; each round measures every row once per runtime, alternating
                        which runtime goes first; the tables show medians, and each ratio
                        is the median of the rounds' ratios [default 5, 1 with --quick]
    --quick             smoke run: 1 round, a couple of iterations per shape, 100 ms server
                        windows (seconds in all)
    --group NAMES       only these groups: rt_multi_threaded (or rt), sync, time, server, idle
    --shape NAMES       only these rows: shape names, server workloads (echo_64b, echo_4k,
                        hello, kv) or idle (comma-separated, repeatable; adds to --group)
    --runtime NAME      only this runtime: weft or tokio
    --connections N     concurrent connections of the server rows [default 64]
    --clients NAMES     client styles of the server rows: loop (one event-loop thread),
                        threads (one blocking thread per connection) [default both]
    --shared            the server rows only with server and load generator sharing every
                        CPU
    --pin               the server rows only with the servers on the first half of the CPUs
                        and the load generator on the other half [default: both placements,
                        each a table of its own; only the shared one on a 1-CPU machine]
    --server-cpus LIST  instead: the server processes on these CPUs (as taskset -c: 0-1,3)
    --client-cpus LIST  instead: the load generator on these CPUs
    --syscalls TOOL     how to count the servers' system calls: auto (perf if it works, else
                        strace), perf, strace or off [default auto]
    --csv PATH          where to write the CSV of the shapes [default $CARGO_TARGET_DIR/
                        compare.csv, else <workspace>/target/compare.csv]; the server and idle
                        tables' go beside it (compare_server.csv, compare_idle.csv), and so do
                        the README's tables in Markdown (compare.md)
    --svg PATH          where to write the chart [default: beside the CSV, compare.svg]
    --hang-secs N       abort if one row on one runtime makes no progress for N seconds
                        [default 60]
    -h, --help          this text

Times are per iteration (one iteration = one unit of tokio's bench: 10 000 spawns, 1 000 ping
pongs, 5 000 messages, ...). Every ratio is oriented the same way: above 1, weft is better (tokio
/ weft for times, latencies and costs; weft / tokio for rates and fairness). Progress goes to
standard error. Exit status: 0 when every row ran and did all its work, 1 when one failed, 2 on
bad usage.";

/// How to count the servers' system calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyscallChoice {
    /// perf if it works here, else strace if it works, else none.
    Auto,
    /// This tool (a failure if it does not work).
    Tool(Tool),
    /// Not counted.
    Off,
}

/// What to run and where to write it.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Workers of every runtime.
    pub workers: usize,
    /// Rounds.
    pub rounds: usize,
    /// Short budgets.
    pub quick: bool,
    /// The time-per-iteration shapes to run.
    pub shapes: Vec<ShapeKind>,
    /// The server workloads to run.
    pub workloads: Vec<Workload>,
    /// The client styles of the server rows.
    pub clients: Vec<ClientStyle>,
    /// Whether to run the idle row.
    pub idle: bool,
    /// The runtimes to run.
    pub runtimes: Vec<RuntimeKind>,
    /// Connections of the server rows.
    pub connections: usize,
    /// Where the server rows run, one table set each.
    pub placements: Vec<Placement>,
    /// System call counting.
    pub syscalls: SyscallChoice,
    /// The shapes' CSV (the others beside it).
    pub csv: PathBuf,
    /// The chart.
    pub svg: PathBuf,
    /// The hang limit.
    pub hang: Duration,
}

fn default_csv_path() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("compare.csv"),
        _ => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/compare.csv"
        )),
    }
}

/// `path` with `suffix` added to its file stem, and `ext` as extension when given:
/// `beside("t/compare.csv", "_idle", None)` is `t/compare_idle.csv`.
pub fn beside(path: &Path, suffix: &str, ext: Option<&str>) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "compare".into(), |s| s.to_string_lossy().into_owned());
    let ext = ext
        .map(str::to_owned)
        .or_else(|| path.extension().map(|e| e.to_string_lossy().into_owned()));
    let name = match ext {
        Some(ext) => format!("{stem}{suffix}.{ext}"),
        None => format!("{stem}{suffix}"),
    };
    path.with_file_name(name)
}

/// A row name given to `--shape`.
enum Named {
    Shape(ShapeKind),
    Workload(Workload),
    Idle,
}

fn lookup(name: &str) -> Result<Named, String> {
    if let Some(k) = ShapeKind::from_name(name) {
        return Ok(Named::Shape(k));
    }
    if let Some(w) = Workload::from_name(name) {
        return Ok(Named::Workload(w));
    }
    if name == "idle" {
        return Ok(Named::Idle);
    }
    let all: Vec<&str> = ShapeKind::ALL
        .iter()
        .map(|k| k.name())
        .chain(Workload::ALL.iter().map(|w| w.name()))
        .chain(["idle"])
        .collect();
    Err(format!(
        "unknown shape {name:?}; shapes: {}",
        all.join(", ")
    ))
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_syscalls(value: &str) -> Result<SyscallChoice, String> {
    match value {
        "auto" => Ok(SyscallChoice::Auto),
        "perf" => Ok(SyscallChoice::Tool(Tool::Perf)),
        "strace" => Ok(SyscallChoice::Tool(Tool::Strace)),
        "off" => Ok(SyscallChoice::Off),
        _ => Err(format!(
            "--syscalls: auto, perf, strace or off, not {value:?}"
        )),
    }
}

/// The client styles named in `value`, in report order; at least one.
fn parse_clients(value: &str) -> Result<Vec<ClientStyle>, String> {
    let named = list(value)
        .map(|n| {
            ClientStyle::from_name(n)
                .ok_or_else(|| format!("unknown client style {n:?}: loop or threads"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let styles: Vec<_> = ClientStyle::ALL
        .into_iter()
        .filter(|s| named.contains(s))
        .collect();
    if styles.is_empty() {
        return Err("--clients: name at least one of loop, threads".into());
    }
    Ok(styles)
}

impl Options {
    /// Parses the arguments (without the program name); `Ok(None)` for `--help`.
    ///
    /// # Errors
    ///
    /// A message saying what is wrong.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
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
            workloads: Vec::new(),
            clients: ClientStyle::ALL.to_vec(),
            idle: false,
            runtimes: RuntimeKind::ALL.to_vec(),
            connections: DEFAULT_CONNECTIONS,
            placements: Vec::new(),
            syscalls: SyscallChoice::Auto,
            csv: default_csv_path(),
            svg: PathBuf::new(),
            hang: Duration::from_secs(60),
        };
        let (mut rounds, mut svg, mut filtered) = (None, None, false);
        let (mut shared, mut pin) = (false, false);
        let (mut server_cpus, mut client_cpus) = (None, None);
        let mut args = Args::new(args);
        while let Some(arg) = args.next_arg() {
            let Arg::Flag(flag) = arg else {
                let Arg::Positional(p) = arg else {
                    unreachable!()
                };
                return Err(format!("unexpected argument {p:?}"));
            };
            match flag.as_str() {
                "-h" | "--help" => return Ok(None),
                "--quick" => o.quick = true,
                "--shared" => shared = true,
                "--pin" => pin = true,
                "--workers" => o.workers = positive(args.value()?, "--workers")? as usize,
                "--rounds" => rounds = Some(positive(args.value()?, "--rounds")? as usize),
                "--connections" => {
                    o.connections = positive(args.value()?, "--connections")? as usize
                }
                "--hang-secs" => {
                    o.hang = Duration::from_secs(positive(args.value()?, "--hang-secs")?)
                }
                "--csv" => o.csv = args.value()?,
                "--svg" => svg = Some(args.value::<PathBuf>()?),
                "--server-cpus" => server_cpus = Some(args.value()?),
                "--client-cpus" => client_cpus = Some(args.value()?),
                "--runtime" => {
                    let v: String = args.value()?;
                    o.runtimes = vec![RuntimeKind::from_name(&v)
                        .ok_or_else(|| format!("unknown runtime {v:?}: weft or tokio"))?];
                }
                "--syscalls" => o.syscalls = parse_syscalls(&args.value::<String>()?)?,
                "--clients" => o.clients = parse_clients(&args.value::<String>()?)?,
                "--group" => {
                    filtered = true;
                    o.add_groups(&args.value::<String>()?)?;
                }
                "--shape" => {
                    filtered = true;
                    o.add_rows(&args.value::<String>()?)?;
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if filtered {
            // Report order whatever the order on the command line.
            o.shapes = ShapeKind::ALL
                .iter()
                .copied()
                .filter(|k| o.shapes.contains(k))
                .collect();
            o.workloads = Workload::ALL
                .into_iter()
                .filter(|w| o.workloads.contains(w))
                .collect();
        } else {
            o.shapes = ShapeKind::ALL.to_vec();
            o.workloads = Workload::ALL.to_vec();
            o.idle = true;
        }
        o.placements = placements(shared, pin, server_cpus, client_cpus)?;
        o.rounds = rounds.unwrap_or(if o.quick { 1 } else { 5 });
        o.svg = svg.unwrap_or_else(|| beside(&o.csv, "", Some("svg")));
        Ok(Some(o))
    }

    /// Adds every row of the groups named in `value` (comma-separated).
    fn add_groups(&mut self, value: &str) -> Result<(), String> {
        for name in list(value) {
            match name {
                "rt" | "rt_multi_threaded" => self.shapes.extend(ShapeKind::of_group(Group::Rt)),
                "sync" => self.shapes.extend(ShapeKind::of_group(Group::Sync)),
                "time" => self.shapes.extend(ShapeKind::of_group(Group::Time)),
                "server" => self.workloads.extend(Workload::ALL),
                "idle" => self.idle = true,
                _ => {
                    let groups = "rt_multi_threaded, sync, time, server or idle";
                    return Err(format!("unknown group {name:?}: {groups}"));
                }
            }
        }
        Ok(())
    }

    /// Adds the rows named in `value` (comma-separated).
    fn add_rows(&mut self, value: &str) -> Result<(), String> {
        for name in list(value) {
            match lookup(name)? {
                Named::Shape(k) => self.shapes.push(k),
                Named::Workload(w) => self.workloads.push(w),
                Named::Idle => self.idle = true,
            }
        }
        Ok(())
    }
}

/// The placements the options ask for: one of `--shared`, `--pin` or explicit CPU lists (which
/// fill in `--pin`'s halves where they leave a side out), or by default both placements.
fn placements(
    shared: bool,
    pin: bool,
    server_cpus: Option<CpuList>,
    client_cpus: Option<CpuList>,
) -> Result<Vec<Placement>, String> {
    let explicit = server_cpus.is_some() || client_cpus.is_some();
    if shared && (pin || explicit) {
        return Err("--shared cannot go with --pin, --server-cpus or --client-cpus".into());
    }
    if shared {
        return Ok(vec![Placement::shared()]);
    }
    if pin || explicit {
        let halves = Placement::halves();
        return Ok(vec![Placement {
            server_cpus: server_cpus.or(if pin { halves.server_cpus } else { None }),
            client_cpus: client_cpus.or(if pin { halves.client_cpus } else { None }),
        }]);
    }
    Ok(Placement::defaults())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        Options::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_quick() {
        let o = parse(&[]).unwrap().unwrap();
        assert_eq!(o.rounds, 5);
        assert_eq!(o.shapes, ShapeKind::ALL.to_vec());
        assert_eq!(o.workloads, Workload::ALL.to_vec());
        assert_eq!(o.clients, ClientStyle::ALL.to_vec());
        assert!(o.idle);
        assert_eq!(o.connections, DEFAULT_CONNECTIONS);
        assert_eq!(o.runtimes, RuntimeKind::ALL.to_vec());
        assert_eq!(o.syscalls, SyscallChoice::Auto);
        assert_eq!(o.placements, Placement::defaults());
        assert_eq!(o.svg, o.csv.with_file_name("compare.svg"));
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
            "--svg",
            "c.svg",
            "--syscalls",
            "off",
            "--clients",
            "threads",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(o.workers, 2);
        assert_eq!(o.shapes, vec![ShapeKind::PingPong, ShapeKind::YieldMany]);
        assert!(o.workloads.is_empty() && !o.idle);
        assert_eq!(o.runtimes, vec![RuntimeKind::Tokio]);
        assert_eq!(
            (o.csv.clone(), o.svg.clone()),
            (PathBuf::from("x.csv"), PathBuf::from("c.svg"))
        );
        assert_eq!(o.syscalls, SyscallChoice::Off);
        assert_eq!(o.clients, vec![ClientStyle::Threads]);
        assert!(parse(&["--help"]).unwrap().is_none());
        for bad in [
            &["--workers", "0"][..],
            &["--rounds"],
            &["--shape", "nope"],
            &["--runtime", "smol"],
            &["--bogus"],
            &["--connections", "0"],
            &["--clients", "fibers"],
            &["--clients", ","],
            &["--syscalls", "ebpf"],
            &["--group", "io"],
            &["--server-cpus", "x"],
            &["--shared", "--pin"],
            &["--shared", "--client-cpus", "1"],
            &["stray"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn groups_and_rows_filter_together_in_report_order() {
        let o = parse(&["--shape", "kv,idle,echo_64b", "--connections=8"])
            .unwrap()
            .unwrap();
        assert!(o.shapes.is_empty());
        assert_eq!(o.workloads, vec![Workload::Echo64, Workload::Kv]);
        assert!(o.idle);
        assert_eq!(o.connections, 8);
        let o = parse(&["--group", "sync,server", "--shape", "ping_pong"])
            .unwrap()
            .unwrap();
        assert_eq!(o.shapes[0], ShapeKind::PingPong);
        assert_eq!(o.shapes.len(), 1 + ShapeKind::of_group(Group::Sync).count());
        assert_eq!(o.workloads, Workload::ALL.to_vec());
        assert!(!o.idle);
    }

    #[test]
    fn placements_both_by_default_one_when_told() {
        let placements = |args: &[&str]| parse(args).unwrap().unwrap().placements;
        assert_eq!(placements(&[]), Placement::defaults());
        assert_eq!(placements(&["--shared"]), vec![Placement::shared()]);
        assert_eq!(placements(&["--pin"]), vec![Placement::halves()]);
        let explicit = Placement {
            server_cpus: Some("0".parse().unwrap()),
            client_cpus: Some("1-2".parse().unwrap()),
        };
        assert_eq!(
            placements(&["--server-cpus", "0", "--client-cpus=1-2"]),
            vec![explicit]
        );
        // One side given: the other is every CPU, unless `--pin` fills it with its half.
        let server_only = &placements(&["--server-cpus", "0"])[0];
        assert_eq!(server_only.client_cpus, None);
        let pinned_server = &placements(&["--pin", "--server-cpus", "0"])[0];
        assert_eq!(pinned_server.client_cpus, Placement::halves().client_cpus);
    }

    #[test]
    fn other_outputs_sit_beside_the_csv() {
        assert_eq!(
            beside(Path::new("/t/compare.csv"), "_server", None),
            PathBuf::from("/t/compare_server.csv")
        );
        assert_eq!(
            beside(Path::new("x"), "_idle", None),
            PathBuf::from("x_idle")
        );
        assert_eq!(
            beside(Path::new("/t/c.csv"), "", Some("svg")),
            PathBuf::from("/t/c.svg")
        );
    }
}
