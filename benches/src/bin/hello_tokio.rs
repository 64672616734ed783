//! `hello_tokio`: hyper 1 HTTP/1 hello-world server on tokio, for `scripts/http.sh` (driven by
//! `wrk`). `hello_tokio [ADDR] [--workers N]`; see [`weft_benches::server::child`].

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use weft_benches::cli::Args;
use weft_benches::server::child::{serve_main, Mode};
use weft_benches::server::Service;
use weft_benches::RuntimeKind;

fn main() -> std::process::ExitCode {
    let (mode, runtime) = (Mode::Serve(Service::Hello), RuntimeKind::Tokio);
    serve_main("hello_tokio", Some(mode), Some(runtime), Args::from_env())
}
