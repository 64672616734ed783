//! `hello_tokio`: hyper 1 HTTP/1 hello-world server on tokio, for `scripts/http.sh` (driven by
//! `wrk`). `hello_tokio [ADDR] [--workers N]`; see [`weft_benches::http`].

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

fn main() -> std::process::ExitCode {
    weft_benches::http::hello_main(weft_benches::RuntimeKind::Tokio)
}
