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
//!   shape on both runtimes, alternating runtimes over several rounds, and prints a table per
//!   group, CSVs and an SVG chart ([`compare`]);
//! - the correctness test `tests/shapes.rs`, which runs every shape with small
//!   ([`Params::quick`]) sizes and checks that the work was really done.
//!
//! The server head-to-head is separate from the shapes: [`server`] (a TCP echo, a hyper
//! hello-world and a key-value server, written once for both runtimes in [`rt::BenchServe`], run
//! in processes of their own by `compare`), driven by [`load`] (one event-loop client thread, or
//! one blocking thread per connection), measured with [`os`] (CPU time, context switches) and
//! [`syscalls`] (perf or strace).
//!
//! The shapes follow tokio's own `benches/rt_multi_threaded.rs`, `sync_mpsc.rs`,
//! `sync_notify.rs`, `sync_semaphore.rs` and `time_timeout.rs` (same structure, same
//! constants), so that the
//! numbers can be read against tokio's published ones.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod cli;
pub mod compare;
pub mod load;
pub mod oneshot;
pub mod os;
pub mod report;
pub mod rt;
pub mod server;
pub mod shapes;
pub mod syscalls;

pub use rt::{workers_from_env, BenchRuntime, BenchServe, BenchSync, RuntimeKind, TokioRt, WeftRt};
pub use shapes::{Group, Params, Shape, ShapeKind};
