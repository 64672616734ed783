//! `echo_client`: the load generator of the server group as a process of its own, for
//! `scripts/syscalls.sh`: a fixed number of round trips on each of N connections to an echo
//! server (or, with `--workload`, to the hello or key-value server), every reply checked.
//!
//! ```text
//! echo_client --addr ADDR [--connections 64] [--round-trips 500] [--size 64|4096 | --workload kv] [--clients loop|threads]
//! ```
//!
//! Prints one line, `round_trips=.. bytes_echoed=.. elapsed_ms=.. rt_per_s=.. p50_us=..
//! p99_us=..`, and exits with status 1 if any connection failed or stalled.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use weft_benches::cli::{positive, Arg, Args};
use weft_benches::load::{run_requests, ClientStyle, LoadConfig, Workload, DEFAULT_CONNECTIONS};

const USAGE: &str = "\
echo_client: drives an echo server with a fixed number of round trips per connection

USAGE:
    echo_client --addr ADDR [--connections N] [--round-trips N] [--size BYTES | --workload NAME]
        [--clients STYLE] [--stall-secs N]

OPTIONS:
    --addr ADDR        the echo server (required)
    --connections N    concurrent connections [default 64]
    --round-trips N    round trips per connection [default 500]
    --size BYTES       message size: 64 or 4096 [default 64]
    --workload NAME    instead of --size: echo_64b, echo_4k, hello or kv (the protocol of the
                       matching server: kv_server, hello_weft, ...)
    --clients STYLE    loop (one event-loop thread) or threads (one per connection) [default loop]
    --stall-secs N     fail when no round trip completes for N seconds [default 30]
    -h, --help         this text";

fn run() -> Result<(), String> {
    let mut addr: Option<SocketAddr> = None;
    let mut style = ClientStyle::EventLoop;
    let mut config = LoadConfig {
        workload: Workload::Echo64,
        connections: DEFAULT_CONNECTIONS,
        requests: Some(500),
        stall_limit: Duration::from_secs(30),
        cpus: None,
    };
    let mut args = Args::from_env();
    while let Some(arg) = args.next_arg() {
        match arg {
            Arg::Flag(f) if f == "-h" || f == "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            Arg::Flag(f) if f == "--addr" => addr = Some(args.value()?),
            Arg::Flag(f) if f == "--connections" => {
                config.connections = positive(args.value()?, "--connections")? as usize;
            }
            Arg::Flag(f) if f == "--round-trips" => {
                config.requests = Some(positive(args.value()?, "--round-trips")?);
            }
            Arg::Flag(f) if f == "--size" => {
                config.workload = match args.value::<usize>()? {
                    64 => Workload::Echo64,
                    4096 => Workload::Echo4k,
                    n => return Err(format!("--size: 64 or 4096, not {n}")),
                };
            }
            Arg::Flag(f) if f == "--workload" => {
                let name: String = args.value()?;
                config.workload = Workload::from_name(&name).ok_or_else(|| {
                    format!("--workload: echo_64b, echo_4k, hello or kv, not {name:?}")
                })?;
            }
            Arg::Flag(f) if f == "--clients" => {
                let name: String = args.value()?;
                style = ClientStyle::from_name(&name)
                    .ok_or_else(|| format!("--clients: loop or threads, not {name:?}"))?;
            }
            Arg::Flag(f) if f == "--stall-secs" => {
                config.stall_limit = Duration::from_secs(positive(args.value()?, "--stall-secs")?);
            }
            Arg::Flag(f) | Arg::Positional(f) => return Err(format!("unknown argument {f:?}")),
        }
    }
    let addr = addr.ok_or("--addr is required")?;
    let report = run_requests(style, addr, &config).map_err(|e| e.to_string())?;
    let per_conn = config.requests.expect("set above");
    let expected = per_conn * config.connections as u64;
    let size = config.workload.message_size() as u64;
    println!(
        "round_trips={} bytes_echoed={} elapsed_ms={:.1} rt_per_s={:.0} p50_us={:.1} p99_us={:.1}",
        report.total_requests(),
        report.total_requests() * size,
        report.window.as_secs_f64() * 1e3,
        report.throughput(),
        report.percentile(50.0).as_secs_f64() * 1e6,
        report.percentile(99.0).as_secs_f64() * 1e6,
    );
    if report.total_requests() != expected {
        return Err(format!(
            "{} round trips, expected {expected}",
            report.total_requests()
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_client: {e}");
            ExitCode::FAILURE
        }
    }
}
