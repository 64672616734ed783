//! Waiting for a child's exit without blocking: a pidfd registered with the reactor where the
//! kernel has one (Linux 5.3+), SIGCHLD through `weft_io::signal` elsewhere.
//!
//! Invariants:
//! - Exit is always confirmed by `try_wait` (`waitpid(pid, WNOHANG)`), which also reaps the
//!   child; the pidfd or the signal only says when trying again is worth it. A wake-up that
//!   finds the child running costs one system call and nothing else.
//! - With a pidfd: its registration starts ready, so the first poll tries `try_wait` at once;
//!   a `WouldBlock` from `try_wait` clears the readiness, and the pidfd becomes readable (an
//!   edge) exactly when the child exits.
//! - With SIGCHLD: the listener is made before the first `try_wait`, so an exit after that
//!   call delivers a SIGCHLD the listener is told of (see `signal/slot.rs`).
//! - When the reactor the watch is registered with shuts down, the watch moves to the reactor
//!   current on the polling thread, if there is one (a child spawned in one runtime may be
//!   awaited in another, as in tokio); otherwise the wait fails with the shutdown error.

use crate::io_source::IoSource;
use crate::reactor::Reactor;
use crate::signal::unix::{signal, Signal, SignalKind};
use crate::source::{closed_error, READ_READY};
use std::fmt;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::ExitStatus;
use std::sync::Arc;
use std::task::{Context, Poll};

/// How a running child's exit is watched.
pub(crate) enum ExitWatch {
    /// A pidfd, registered with `reactor`.
    Pidfd {
        source: IoSource<OwnedFd>,
        reactor: Arc<Reactor>,
    },
    /// SIGCHLD (no pidfd on this system).
    Sigchld(Signal),
}

/// Which mechanism to use; tests force the fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExitMode {
    /// A pidfd if the kernel has one, SIGCHLD otherwise.
    Auto,
    /// SIGCHLD only.
    #[cfg_attr(any(not(test), loom), allow(dead_code))]
    Sigchld,
}

impl ExitWatch {
    /// Watches `pid` from the current `reactor`.
    pub(crate) fn new(pid: u32, reactor: &Arc<Reactor>, mode: ExitMode) -> io::Result<ExitWatch> {
        if mode == ExitMode::Auto {
            if let Some(pidfd) = pidfd_open(pid)? {
                return Ok(ExitWatch::Pidfd {
                    source: watch_pidfd(pidfd)?,
                    reactor: reactor.clone(),
                });
            }
        }
        Ok(ExitWatch::Sigchld(signal(SignalKind::child())?))
    }

    /// Ready with the child's status once it has exited (and is reaped).
    pub(crate) fn poll_exit(
        &mut self,
        child: &mut std::process::Child,
        cx: &Context<'_>,
    ) -> Poll<io::Result<ExitStatus>> {
        loop {
            let polled = match self {
                ExitWatch::Pidfd { source, .. } => source.poll_read_with(cx, |_| {
                    child
                        .try_wait()?
                        .ok_or_else(|| io::ErrorKind::WouldBlock.into())
                }),
                ExitWatch::Sigchld(listener) => loop {
                    if let Some(status) = child.try_wait()? {
                        break Poll::Ready(Ok(status));
                    }
                    match listener.poll_recv(&mut Context::from_waker(cx.waker())) {
                        Poll::Ready(Some(())) => continue,
                        Poll::Ready(None) => break Poll::Ready(Err(closed_error())),
                        Poll::Pending => break Poll::Pending,
                    }
                },
            };
            match polled {
                Poll::Ready(Err(error)) if crate::is_shutdown_error(&error) => {
                    if !self.move_to_current_reactor()? {
                        return Poll::Ready(Err(error));
                    }
                }
                other => return other,
            }
        }
    }

    /// Registers the watch again with the reactor current on this thread, if that is a live
    /// one other than its own; whether it did.
    fn move_to_current_reactor(&mut self) -> io::Result<bool> {
        let Some(current) = Reactor::current() else {
            return Ok(false);
        };
        if current.is_shutdown() {
            return Ok(false);
        }
        match self {
            ExitWatch::Pidfd { source, reactor } => {
                if Arc::ptr_eq(reactor, &current) {
                    return Ok(false);
                }
                let pidfd = source.get_ref().try_clone()?;
                // The old registration is dropped (deregistered) here, after the new one.
                *source = watch_pidfd(pidfd)?;
                *reactor = current;
            }
            ExitWatch::Sigchld(listener) => {
                *listener = signal(SignalKind::child())?;
            }
        }
        Ok(true)
    }
}

/// Registers `pidfd`, assumed readable: the first poll asks `try_wait` at once (a child that
/// has already exited is reaped without waiting for the registration's first event).
fn watch_pidfd(pidfd: OwnedFd) -> io::Result<IoSource<OwnedFd>> {
    IoSource::new_assuming(pidfd, READ_READY)
}

/// `pidfd_open(2)`: `None` where the kernel lacks it (before Linux 5.3) or a sandbox forbids
/// it, so that the caller falls back to SIGCHLD.
#[cfg(target_os = "linux")]
fn pidfd_open(pid: u32) -> io::Result<Option<OwnedFd>> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; it touches
    // no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        let error = io::Error::last_os_error();
        return match error.raw_os_error() {
            Some(libc::ENOSYS | libc::EPERM | libc::EACCES) => Ok(None),
            _ => Err(error),
        };
    }
    let fd = i32::try_from(fd).expect("a descriptor fits in an int");
    // SAFETY: `fd` is a new descriptor that pidfd_open just returned, owned by nobody else.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
}

#[cfg(not(target_os = "linux"))]
fn pidfd_open(_pid: u32) -> io::Result<Option<OwnedFd>> {
    Ok(None)
}

impl fmt::Debug for ExitWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitWatch::Pidfd { .. } => f.write_str("Pidfd"),
            ExitWatch::Sigchld(_) => f.write_str("Sigchld"),
        }
    }
}
