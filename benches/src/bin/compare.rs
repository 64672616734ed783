//! `compare`: weft against tokio, side by side in one run on one machine: every shape of tokio's
//! `rt_multi_threaded`, `sync_*` and `time_timeout` benches (plus three lockstep mpsc shapes and
//! a timeout that waits), TCP servers as an
//! operator judges them (echo, hyper hello-world, key-value; requests/s, CPU, latency,
//! fairness, system calls and context switches per request), and an idle runtime. Prints a table
//! per group (medians over rounds; each ratio the median of the rounds' ratios), writes CSVs and
//! an SVG chart. See
//! [`weft_benches::compare`].
//!
//! ```text
//! cargo run --release -p weft-benches --bin compare -- [--quick] [--workers N] [--rounds N]
//!     [--group NAMES] [--shape NAMES] [--svg PATH] ...
//! ```
//!
//! Run `compare --help` for the details. `compare --serve ...` is how it starts its own server
//! processes (the options of `kv_server --help`).

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::process::ExitCode;

use weft_benches::cli::Args;
use weft_benches::compare::{self, Options, USAGE};
use weft_benches::server::child::serve_main;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--serve") {
        return serve_main(
            "compare --serve",
            None,
            None,
            Args::new(args.into_iter().skip(1)),
        );
    }
    match Options::parse(args) {
        Ok(Some(opts)) => {
            if compare::run(&opts) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("compare: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
