//! `kv_server`: the key-value server of `compare`'s server group (one task per connection, a
//! `HashMap` behind the runtime's own mutex, `GET`/`SET` lines, `select!` on shutdown) as a
//! process of its own. `kv_server --runtime weft|tokio [ADDR] [--workers N] [--control]`; see
//! [`weft_benches::server::child`].

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use weft_benches::cli::Args;
use weft_benches::server::child::{serve_main, Mode};
use weft_benches::server::Service;

fn main() -> std::process::ExitCode {
    serve_main(
        "kv_server",
        Some(Mode::Serve(Service::Kv)),
        None,
        Args::from_env(),
    )
}
