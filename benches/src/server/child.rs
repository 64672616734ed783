//! The servers as processes of their own: [`serve_main`] is the `main` of the server binaries
//! (`echo_server`, `kv_server`, `hello_weft`, `hello_tokio`, and `compare --serve ...`), and
//! [`ChildServer`] is the parent's handle on one of them.
//!
//! # The control protocol (`--control`)
//!
//! The first line of the child's standard output is `listening on ADDR` (or `ready` for the
//! idle runtime). Then, one command per line on its standard input, one reply line each:
//!
//! | command | reply |
//! |---|---|
//! | `usage` | `usage user_ns=.. system_ns=.. voluntary=.. involuntary=.. ticks=..`: `getrusage` of the whole process (see [`Usage`]), and the idle runtime's interval ticks so far (0 for a server) |
//! | `shutdown`, or end of input | fires the server's shutdown signal, waits until every connection has ended, then `stats accepted=.. closed=.. requests=.. bytes=.. ticks=.. errors=..` (preceded by `error MESSAGE` for the first error, if any), and exits |
//!
//! The control thread sleeps in `read` between commands: it costs the measured process one
//! wake-up per command, two per measured window.

use std::io::{self, BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::Duration;

use super::{IdleRuntime, Server, Service};
use crate::cli::{positive, Arg, Args};
use crate::os::{CpuList, Usage};
use crate::rt::{workers_from_env, RuntimeKind};

/// What a child process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A TCP server.
    Serve(Service),
    /// [`IdleRuntime`]: a runtime whose only work is a 10 ms interval.
    Idle,
}

impl Mode {
    /// `echo`, `hello`, `kv` or `idle`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Serve(s) => s.name(),
            Mode::Idle => "idle",
        }
    }

    /// Looks a mode up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            "idle" => Some(Mode::Idle),
            _ => Service::from_name(name).map(Mode::Serve),
        }
    }
}

/// How long a shutting-down server waits for its connections to end.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// The `main` of a server process: `program` names it in messages; `mode` and `runtime` are
/// fixed by the binary, or taken from `--mode` and `--runtime` when `None`. See the module docs
/// for `--control`; without it the server runs until killed, as `scripts/http.sh` and
/// `scripts/syscalls.sh` want.
pub fn serve_main(
    program: &str,
    mode: Option<Mode>,
    runtime: Option<RuntimeKind>,
    args: Args,
) -> ExitCode {
    match serve(program, mode, runtime, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage_text(program: &str, mode: Option<Mode>, runtime: Option<RuntimeKind>) -> String {
    let what = mode.map_or("echo, hello, kv or idle (--mode)", Mode::name);
    let on = runtime.map_or("weft or tokio (--runtime)", RuntimeKind::name);
    format!(
        "{program}: the {what} server of the benches, on {on}\n\n\
         USAGE:\n    {program} [ADDR] [--mode NAME] [--runtime NAME] [--workers N] [--cpus LIST]\n\
         \x20      [--report-after N] [--control]\n\n\
         OPTIONS:\n\
         \x20   ADDR, --addr ADDR  where to listen [default 127.0.0.1:0, a free port]\n\
         \x20   --workers N        worker threads [env WEFT_BENCH_WORKERS, default 4]\n\
         \x20   --cpus LIST        pin the process to these CPUs first (as taskset -c: 0-1,3)\n\
         \x20   --report-after N   once N connections have ended, print\n\
         \x20                      accepted=.. closed=.. echoed_bytes=.. requests=.. and go on\n\
         \x20   --control          read commands on standard input (usage, shutdown; see\n\
         \x20                      weft_benches::server::child)\n\n\
         The first line of standard output is `listening on ADDR`. Without --control, runs until\n\
         killed."
    )
}

/// The parsed command line of a server process.
#[derive(Debug)]
struct ServeArgs {
    mode: Mode,
    runtime: RuntimeKind,
    workers: usize,
    addr: SocketAddr,
    cpus: Option<CpuList>,
    report_after: Option<u64>,
    control: bool,
}

/// Parses the arguments; `Ok(None)` after printing the help.
fn parse(
    help: &str,
    mut mode: Option<Mode>,
    mut runtime: Option<RuntimeKind>,
    mut args: Args,
) -> Result<Option<ServeArgs>, String> {
    let mut workers = workers_from_env();
    let mut addr: SocketAddr = "127.0.0.1:0".parse().expect("a valid address");
    let (mut cpus, mut report_after, mut control) = (None, None, false);
    while let Some(arg) = args.next_arg() {
        match arg {
            Arg::Flag(f) if f == "-h" || f == "--help" => {
                println!("{help}");
                return Ok(None);
            }
            Arg::Flag(f) if f == "--mode" => {
                let name: String = args.value()?;
                let found =
                    Mode::from_name(&name).ok_or_else(|| format!("unknown mode {name:?}"))?;
                mode = Some(found);
            }
            Arg::Flag(f) if f == "--runtime" => {
                let name: String = args.value()?;
                let found = RuntimeKind::from_name(&name)
                    .ok_or_else(|| format!("unknown runtime {name:?}: weft or tokio"))?;
                runtime = Some(found);
            }
            Arg::Flag(f) if f == "--workers" => {
                workers = positive(args.value()?, "--workers")? as usize;
            }
            Arg::Flag(f) if f == "--addr" => addr = args.value()?,
            Arg::Positional(a) => {
                addr = a.parse().map_err(|e| format!("bad address {a:?}: {e}"))?
            }
            Arg::Flag(f) if f == "--cpus" => cpus = Some(args.value()?),
            Arg::Flag(f) if f == "--report-after" => {
                report_after = Some(positive(args.value()?, "--report-after")?);
            }
            Arg::Flag(f) if f == "--control" => control = true,
            Arg::Flag(f) => return Err(format!("unknown argument {f:?}\n\n{help}")),
        }
    }
    Ok(Some(ServeArgs {
        mode: mode.ok_or_else(|| format!("--mode is required\n\n{help}"))?,
        runtime: runtime.ok_or_else(|| format!("--runtime is required\n\n{help}"))?,
        workers,
        addr,
        cpus,
        report_after,
        control,
    }))
}

/// Prints one line on standard output, at once (the parent waits for it).
fn say(line: &str) -> Result<(), String> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}

fn serve(
    program: &str,
    mode: Option<Mode>,
    runtime: Option<RuntimeKind>,
    args: Args,
) -> Result<(), String> {
    let help = usage_text(program, mode, runtime);
    let Some(args) = parse(&help, mode, runtime, args)? else {
        return Ok(());
    };
    if let Some(cpus) = &args.cpus {
        // Before the runtime exists: its threads inherit the mask.
        cpus.pin_current_thread().map_err(|e| e.to_string())?;
    }
    match args.mode {
        Mode::Idle => run_idle(&args),
        Mode::Serve(service) => run_server(program, service, &args),
    }
}

fn run_idle(args: &ServeArgs) -> Result<(), String> {
    let idle = IdleRuntime::start(args.runtime, args.workers);
    say("ready")?;
    if !args.control {
        loop {
            std::thread::park();
        }
    }
    control_loop(&|| idle.ticks())?;
    say(&format!("stats ticks={}", idle.ticks()))
}

fn run_server(program: &str, service: Service, args: &ServeArgs) -> Result<(), String> {
    let mut server = Server::start(service, args.runtime, args.workers, args.addr)
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    say(&format!("listening on {}", server.addr()))?;
    if !args.control {
        let (name, rt) = (service.name(), args.runtime.name());
        eprintln!(
            "{program}: {name} on {rt} with {} workers on {}",
            args.workers,
            server.addr()
        );
    }
    if let Some(n) = args.report_after {
        // Polls rarely: under `strace -f` each poll is a system call of this process.
        while server.stats().closed_count() < n {
            std::thread::sleep(Duration::from_millis(200));
        }
        let s = server.stats();
        say(&format!(
            "accepted={} closed={} echoed_bytes={} requests={}",
            s.accepted_count(),
            s.closed_count(),
            s.echoed_bytes(),
            s.requests()
        ))?;
        if let Some(e) = s.first_error() {
            eprintln!("{program}: {e}");
        }
    }
    if !args.control {
        loop {
            std::thread::park();
        }
    }
    control_loop(&|| 0)?;
    let drained = server.shutdown(DRAIN_LIMIT);
    let s = server.stats();
    let error = drained.err().or_else(|| s.first_error());
    if let Some(e) = &error {
        say(&format!("error {}", e.replace('\n', " ")))?;
    }
    say(&format!(
        "stats accepted={} closed={} requests={} bytes={} errors={}",
        s.accepted_count(),
        s.closed_count(),
        s.requests(),
        s.echoed_bytes(),
        u64::from(error.is_some())
    ))
}

/// Answers `usage` until `shutdown` or the end of standard input.
fn control_loop(ticks: &dyn Fn() -> u64) -> Result<(), String> {
    for line in io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        match line.trim() {
            "usage" => {
                let usage = Usage::of_this_process().map_err(|e| format!("getrusage: {e}"))?;
                say(&format!("usage {} ticks={}", usage.to_line(), ticks()))?;
            }
            "shutdown" => break,
            other => return Err(format!("unknown control command {other:?}")),
        }
    }
    Ok(())
}

/// What a child server reported when it shut down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FinalStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections that ended.
    pub closed: u64,
    /// Requests answered (hello, kv).
    pub requests: u64,
    /// Bytes echoed (echo).
    pub bytes: u64,
    /// Interval ticks (idle).
    pub ticks: u64,
    /// The first error the server saw, if any.
    pub error: Option<String>,
}

/// A server (or idle runtime) in a child process, driven through the control protocol; killed
/// if dropped before [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct ChildServer {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    addr: Option<SocketAddr>,
}

impl ChildServer {
    /// Starts `command` (a server binary with its arguments; `--control` is added) and waits
    /// for its first line.
    ///
    /// # Errors
    ///
    /// When the process cannot be started, or exits or says something else first.
    pub fn spawn(mut command: Command) -> io::Result<ChildServer> {
        let mut child = command
            .arg("--control")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut server = ChildServer {
            child,
            stdin,
            stdout,
            addr: None,
        };
        let first = server.read_line()?;
        if let Some(addr) = first.strip_prefix("listening on ") {
            server.addr = Some(addr.parse().map_err(|e| bad(format!("{first:?}: {e}")))?);
        } else if first != "ready" {
            return Err(bad(format!("unexpected first line {first:?}")));
        }
        Ok(server)
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where the server listens (`None` for the idle runtime).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The child's resource usage so far, and its interval ticks (idle runtime; 0 for a
    /// server).
    ///
    /// # Errors
    ///
    /// When the child is gone or answers something else.
    pub fn usage(&mut self) -> io::Result<(Usage, u64)> {
        self.send("usage")?;
        let line = self.read_line()?;
        let fields = line
            .strip_prefix("usage ")
            .ok_or_else(|| bad(format!("expected a usage line, got {line:?}")))?;
        let ticks = fields
            .split_ascii_whitespace()
            .find_map(|kv| kv.strip_prefix("ticks="))
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| bad(format!("no ticks in {line:?}")))?;
        Ok((Usage::from_line(fields).map_err(bad)?, ticks))
    }

    /// Shuts the server down (see the module docs) and returns what it reported.
    ///
    /// # Errors
    ///
    /// When the child does not report, or exits with a failure.
    pub fn shutdown(mut self) -> io::Result<FinalStats> {
        self.send("shutdown")?;
        drop(self.stdin.take());
        let mut stats = FinalStats::default();
        loop {
            let line = self.read_line()?;
            if let Some(e) = line.strip_prefix("error ") {
                stats.error = Some(e.to_owned());
            } else if let Some(fields) = line.strip_prefix("stats ") {
                for kv in fields.split_ascii_whitespace() {
                    let (k, v) = kv
                        .split_once('=')
                        .ok_or_else(|| bad(format!("bad stats {line:?}")))?;
                    let v: u64 = v.parse().map_err(|_| bad(format!("bad stats {line:?}")))?;
                    match k {
                        "accepted" => stats.accepted = v,
                        "closed" => stats.closed = v,
                        "requests" => stats.requests = v,
                        "bytes" => stats.bytes = v,
                        "ticks" => stats.ticks = v,
                        _ => {}
                    }
                }
                break;
            } else {
                return Err(bad(format!("expected the final stats, got {line:?}")));
            }
        }
        let status = self.child.wait()?;
        if !status.success() {
            return Err(bad(format!("the server exited with {status}")));
        }
        Ok(stats)
    }

    fn send(&mut self, command: &str) -> io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| bad("already shut down".into()))?;
        writeln!(stdin, "{command}")?;
        stdin.flush()
    }

    fn read_line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            let status = self.child.wait()?;
            return Err(bad(format!("the server process ended ({status})")));
        }
        Ok(line.trim_end().to_owned())
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}
