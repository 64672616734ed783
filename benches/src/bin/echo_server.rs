//! `echo_server`: the TCP echo server of `compare`'s server group as a process of its own, for
//! `scripts/syscalls.sh` (which traces it while an untraced `echo_client` drives it).
//!
//! ```text
//! echo_server --runtime weft|tokio [--workers N] [--addr 127.0.0.1:0] [--report-after N]
//! ```
//!
//! Prints `listening on ADDR` on the first line of its standard output once it accepts
//! connections, and runs until killed. With `--report-after N` it also prints what it saw
//! (`accepted=.. closed=.. echoed_bytes=.. requests=..`) once N connections have been closed. See
//! [`weft_benches::server::child`].

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use weft_benches::cli::Args;
use weft_benches::server::child::{serve_main, Mode};
use weft_benches::server::Service;

fn main() -> std::process::ExitCode {
    serve_main(
        "echo_server",
        Some(Mode::Serve(Service::Echo)),
        None,
        Args::from_env(),
    )
}
