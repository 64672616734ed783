//! Child processes: [`Command`] spawns a [`Child`] whose exit and piped stdio are awaited
//! through the reactor, as tokio's `process` module does.
//!
//! ```
//! use std::process::Stdio;
//! use weft_io::io::{AsyncReadExt, AsyncWriteExt};
//! use weft_io::process::Command;
//! # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
//! # reactor.block_on(async {
//! let mut child = Command::new("tr")
//!     .arg("a-z")
//!     .arg("A-Z")
//!     .stdin(Stdio::piped())
//!     .stdout(Stdio::piped())
//!     .spawn()?;
//! let mut stdin = child.stdin.take().unwrap();
//! stdin.write_all(b"shout").await?;
//! drop(stdin); // tr reads end-of-file
//! let mut shouted = String::new();
//! child.stdout.take().unwrap().read_to_string(&mut shouted).await?;
//! assert_eq!(shouted, "SHOUT");
//! assert!(child.wait().await?.success());
//! # std::io::Result::Ok(()) })??;
//! # std::io::Result::Ok(())
//! ```
//!
//! # How exits are awaited
//!
//! On Linux 5.3 and later each child gets a pidfd, registered with the reactor: it becomes
//! readable when the child exits, and only that child's waiter is woken. Where there is no
//! pidfd, weft listens for SIGCHLD through [`signal`](crate::signal) and every waiter checks
//! its own child (`waitpid(pid, WNOHANG)`) on each SIGCHLD. Either way the child is reaped by
//! the waiter, and a [`Child`] dropped before its process exited is reaped in the background
//! by the reactor's turn, so no zombie is left behind.
//!
//! # Where weft differs from tokio
//!
//! - The panic outside a runtime has weft's own message ("there is no reactor running: ...").
//! - `ChildStdin::poll_close` (futures-io) does nothing: a pipe is closed by dropping its end.

mod child;
mod command;
mod exit;
mod orphan;
mod pipe;
mod serial;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

pub use child::Child;
pub use command::Command;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
