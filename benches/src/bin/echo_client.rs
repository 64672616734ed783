//! `echo_client`: the load generator of the `io` group as a process of its own, for
//! `scripts/syscalls.sh`: a fixed number of round trips on each of N connections to an echo
//! server, every byte checked.
//!
//! ```text
//! echo_client --addr ADDR [--connections 64] [--round-trips 500] [--size 64]
//! ```
//!
//! Prints one line, `round_trips=.. bytes_echoed=.. elapsed_ms=.. rt_per_s=.. p50_us=..
//! p99_us=..`, and exits with status 1 if any connection failed or stalled.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use weft_benches::cli::{positive, Arg, Args};
use weft_benches::echo::{run_client, ClientConfig, Load, DEFAULT_CONNECTIONS};

const USAGE: &str = "\
echo_client: drives an echo server with a fixed number of round trips per connection

USAGE:
    echo_client --addr ADDR [--connections N] [--round-trips N] [--size BYTES] [--stall-secs N]

OPTIONS:
    --addr ADDR        the echo server (required)
    --connections N    concurrent connections [default 64]
    --round-trips N    round trips per connection [default 500]
    --size BYTES       message size [default 64]
    --stall-secs N     fail when no round trip completes for N seconds [default 30]
    -h, --help         this text";

fn run() -> Result<(), String> {
    let mut addr: Option<SocketAddr> = None;
    let mut config = ClientConfig {
        connections: DEFAULT_CONNECTIONS,
        size: 64,
        load: Load::RoundTrips(500),
        stall_limit: Duration::from_secs(30),
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
                config.load = Load::RoundTrips(positive(args.value()?, "--round-trips")?);
            }
            Arg::Flag(f) if f == "--size" => {
                config.size = positive(args.value()?, "--size")? as usize;
            }
            Arg::Flag(f) if f == "--stall-secs" => {
                config.stall_limit = Duration::from_secs(positive(args.value()?, "--stall-secs")?);
            }
            Arg::Flag(f) | Arg::Positional(f) => return Err(format!("unknown argument {f:?}")),
        }
    }
    let addr = addr.ok_or("--addr is required")?;
    let report = run_client(addr, &config).map_err(|e| e.to_string())?;
    let Load::RoundTrips(per_conn) = config.load else {
        unreachable!("echo_client counts round trips")
    };
    let expected = per_conn * config.connections as u64;
    println!(
        "round_trips={} bytes_echoed={} elapsed_ms={:.1} rt_per_s={:.0} p50_us={:.1} p99_us={:.1}",
        report.round_trips,
        report.bytes_echoed,
        report.elapsed.as_secs_f64() * 1e3,
        report.throughput(),
        report.percentile(50.0).as_secs_f64() * 1e6,
        report.percentile(99.0).as_secs_f64() * 1e6,
    );
    if report.round_trips != expected {
        return Err(format!(
            "{} round trips, expected {expected}",
            report.round_trips
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
