//! Asynchronous signal handling: [`ctrl_c`] and, under [`unix`], a listener for any signal.
//!
//! ```
//! use weft_io::signal::unix::{signal, SignalKind};
//! # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
//! # reactor.block_on(async {
//! let mut terminate = signal(SignalKind::terminate())?;
//! // SAFETY (of the example): kill(2) on our own process id with a valid signal number.
//! unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
//! terminate.recv().await; // a graceful shutdown would start here
//! # std::io::Result::Ok(()) })??;
//! # std::io::Result::Ok(())
//! ```
//!
//! # How a signal travels
//!
//! The handler, installed once per signal through `signal-hook-registry`, only records the
//! signal in an atomic flag and writes one byte into a self-pipe. Each reactor that has
//! listeners registers its own duplicate of the pipe's reading end, so every reactor wakes;
//! the first to drain the pipe dispatches, waking every listener of every signal that arrived,
//! in every runtime. No task or thread is spent on it: the reactor's turn runs the dispatch.
//!
//! `signal-hook-registry` does the part that is easy to get subtly wrong: it keeps one
//! `sigaction` per signal whatever number of actions are registered, chains to a handler that
//! another library installed before (so weft coexists with tokio, `ctrlc` and friends in one
//! process), saves and restores `errno` around the actions, and refuses the signals that must
//! not be caught. It is small, dependency-light and maintained with `signal-hook`.
//!
//! # Where weft differs from tokio
//!
//! - A listener whose runtime shut down returns `None` from `recv` (tokio's never does on
//!   Unix); [`ctrl_c`] then fails with the runtime-shutdown error.
//! - weft's drivers are always on, so `signal` never panics for a runtime built without
//!   `enable_io`/`enable_all`; it panics only outside any runtime.

mod driver;
mod kind;
mod registry;
mod slot;
pub mod unix;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

use std::io;

/// Waits for the next Ctrl-C (SIGINT) delivered to the process.
///
/// The listener is made on the first poll, so a Ctrl-C counts from then on. The first call
/// installs a SIGINT handler for the life of the process (see [`unix::signal`]): from then
/// on Ctrl-C no longer kills the program, which must act on it.
///
/// # Errors
/// [`unix::signal`]'s errors, and the runtime-shutdown error when the runtime shuts down
/// while waiting.
///
/// # Panics
/// When first polled outside any runtime (or `weft_io::Reactor::enter`).
///
/// # Examples
///
/// ```no_run
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// println!("running until Ctrl-C");
/// weft_io::signal::ctrl_c().await?;
/// println!("shutting down");
/// # std::io::Result::Ok(()) })??;
/// # std::io::Result::Ok(())
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupts = unix::signal(unix::SignalKind::interrupt())?;
    match interrupts.recv().await {
        Some(()) => Ok(()),
        None => Err(crate::source::closed_error()),
    }
}
