//! [`stdin`], [`stdout`], [`stderr`]: the process's standard streams as async I/O objects.
//!
//! The standard streams cannot be made non-blocking safely (they are shared with the parent
//! and with every other process on the same terminal), so, as in tokio, each operation is an
//! ordinary blocking call run on the runtime's blocking pool, one at a time per handle (see
//! `blocking.rs`).
//!
//! ```
//! use weft::io::AsyncWriteExt;
//!
//! #[weft::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//!     let mut out = weft::io::stdout();
//!     out.write_all(b"hello from weft\n").await?;
//!     out.flush().await?;
//!     Ok(())
//! }
//! ```
//!
//! Caveats, the same as tokio's: a read of stdin cannot be cancelled once started, so a
//! runtime shut down while one waits for input waits for that input (or end-of-file) too;
//! and the handles of one stream do not coordinate, so two tasks writing to `stdout()` at
//! once may interleave their bytes (write whole lines, or share one handle behind a lock).

mod blocking;
mod stdin;
mod stdout;

pub use stdin::{stdin, Stdin};
pub use stdout::{stderr, stdout, Stderr, Stdout};

#[cfg(all(test, not(loom)))]
mod tests;
