//! `echo_server`: the TCP echo server of the `io` group on one runtime, as a process of its own,
//! for `scripts/syscalls.sh` (which traces it while an untraced `echo_client` drives it).
//!
//! ```text
//! echo_server --runtime weft|tokio [--workers N] [--addr 127.0.0.1:0] [--report-after N]
//! ```
//!
//! Prints `listening on ADDR` on the first line of its standard output once it accepts
//! connections, and runs until killed. With `--report-after N` it also prints what it saw
//! (`accepted=.. closed=.. echoed_bytes=..`) once N connections have been closed.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use weft_benches::cli::{positive, Arg, Args};
use weft_benches::echo::EchoServer;
use weft_benches::{workers_from_env, RuntimeKind};

const USAGE: &str = "\
echo_server: the TCP echo server of compare's io group, on weft or tokio

USAGE:
    echo_server --runtime weft|tokio [--workers N] [--addr ADDR] [--report-after N]

OPTIONS:
    --runtime NAME     weft or tokio (required)
    --workers N        worker threads [env WEFT_BENCH_WORKERS, default 4]
    --addr ADDR        where to listen [default 127.0.0.1:0, a free port]
    --report-after N   once N connections have been closed, print what the server saw:
                       accepted=.. closed=.. echoed_bytes=.. (then go on serving)
    -h, --help         this text

The first line of standard output is `listening on ADDR`. Runs until killed.";

fn run() -> Result<(), String> {
    let mut runtime = None;
    let mut workers = workers_from_env();
    let mut addr: SocketAddr = "127.0.0.1:0".parse().expect("a valid address");
    let mut report_after = None;
    let mut args = Args::from_env();
    while let Some(arg) = args.next_arg() {
        match arg {
            Arg::Flag(f) if f == "-h" || f == "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            Arg::Flag(f) if f == "--runtime" => {
                let name: String = args.value()?;
                runtime = Some(
                    RuntimeKind::from_name(&name)
                        .ok_or_else(|| format!("unknown runtime {name:?}: weft or tokio"))?,
                );
            }
            Arg::Flag(f) if f == "--workers" => {
                workers = positive(args.value()?, "--workers")? as usize;
            }
            Arg::Flag(f) if f == "--addr" => addr = args.value()?,
            Arg::Flag(f) if f == "--report-after" => {
                report_after = Some(positive(args.value()?, "--report-after")?);
            }
            Arg::Flag(f) | Arg::Positional(f) => return Err(format!("unknown argument {f:?}")),
        }
    }
    let runtime = runtime.ok_or("--runtime is required")?;
    let server = EchoServer::start(runtime, workers, addr)
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("listening on {}", server.addr());
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    eprintln!(
        "echo_server: {} with {workers} workers on {}",
        runtime.name(),
        server.addr()
    );
    if let Some(n) = report_after {
        // Polls rarely: under `strace -f` each poll is a syscall of this thread, counted with
        // the server's (a few per second against hundreds of thousands).
        while server.stats().closed_count() < n {
            std::thread::sleep(Duration::from_millis(200));
        }
        let stats = server.stats();
        println!(
            "accepted={} closed={} echoed_bytes={}",
            stats.accepted_count(),
            stats.closed_count(),
            stats.echoed_bytes()
        );
        std::io::stdout().flush().map_err(|e| e.to_string())?;
        if let Some(e) = stats.first_error() {
            eprintln!("echo_server: {e}");
        }
    }
    loop {
        std::thread::park();
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_server: {e}");
            ExitCode::FAILURE
        }
    }
}
