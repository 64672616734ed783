//! Head-to-head benchmarks of weft against tokio.
//!
//! The benchmark *shapes* (the workloads) are written once, generic over [`BenchRuntime`] (the
//! scheduler) and [`BenchSync`] (the runtime's own sync primitives), and shared by three
//! consumers:
//!
//! - the criterion benches `benches/rt_multi_threaded.rs` and `benches/sync.rs`
//!   (`cargo bench -p weft-benches`), which report weft and tokio side by side in one criterion
//!   group per shape;
//! - the `compare` binary (`cargo run --release -p weft-benches --bin compare`), which runs every
//!   shape on both runtimes in one process, alternating runtimes over several rounds, and prints a
//!   table per [`Group`] plus a CSV;
//! - the correctness test `tests/shapes.rs`, which runs every shape with small
//!   ([`Params::quick`]) sizes and checks that the work was really done.
//!
//! The I/O head-to-head is separate from the shapes: [`echo`] (a TCP echo server on each
//! runtime, one load generator for both; the `compare` binary's `io` group, the `echo_server` and
//! `echo_client` binaries of `scripts/syscalls.sh`) and [`http`] (the hyper hello-world servers of
//! `scripts/http.sh`), both on [`rt::BenchNet`].
//!
//! The shapes follow tokio's own `benches/rt_multi_threaded.rs`, `sync_mpsc.rs`,
//! `sync_notify.rs` and `sync_semaphore.rs` (same structure, same constants), so that the
//! numbers can be read against tokio's published ones.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod cli;
pub mod echo;
pub mod http;
pub mod oneshot;
pub mod report;
pub mod rt;
pub mod shapes;

pub use rt::{workers_from_env, BenchNet, BenchRuntime, BenchSync, RuntimeKind, TokioRt, WeftRt};
pub use shapes::{Group, Params, Shape, ShapeKind};
