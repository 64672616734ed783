//! Head-to-head benchmarks of weft against tokio.
//!
//! The benchmark *shapes* (the workloads) are written once, generic over
//! [`BenchRuntime`], and shared by three consumers:
//!
//! - the criterion bench `benches/rt_multi_threaded.rs` (`cargo bench -p weft-benches`), which
//!   reports weft and tokio side by side in one criterion group per shape;
//! - the `compare` binary (`cargo run --release -p weft-benches --bin compare`), which runs every
//!   shape on both runtimes in one process, alternating runtimes over several rounds, and prints a
//!   table plus a CSV;
//! - the correctness test `tests/shapes.rs`, which runs every shape once with small
//!   ([`Params::quick`]) sizes and checks that the work was really done.
//!
//! The shapes follow tokio's own `benches/rt_multi_threaded.rs` (same names, same constants,
//! same structure), so that the numbers can be read against tokio's published ones.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod oneshot;
pub mod report;
pub mod rt;
pub mod shapes;

pub use rt::{workers_from_env, BenchRuntime, RuntimeKind, TokioRt, WeftRt};
pub use shapes::{Params, Shape, ShapeKind};
