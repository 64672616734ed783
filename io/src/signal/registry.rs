//! The process-wide side of signal delivery: one self-pipe, one [`Slot`] per signal number,
//! the handlers installed through `signal-hook-registry`, and the drivers (one per reactor)
//! that listen to the pipe.
//!
//! Invariants:
//! - A handler, once installed for a signal, stays installed for the life of the process (as
//!   tokio's): dropping every listener does not bring back the default action, so a signal
//!   that would have killed the process is swallowed instead.
//! - The handler does two async-signal-safe things and nothing else: `Slot::record` (one
//!   atomic swap) and a non-blocking one-byte `send` on the pipe's writing end. A full pipe
//!   drops the byte, which is harmless: the bytes already in it wake the drivers.
//! - Every driver reads the same pipe (each through its own `dup` of the reading end, each
//!   registered with its own reactor), so every reactor is woken by a signal; whichever
//!   driver drains the pipe first dispatches, and the other drivers' dispatches find nothing
//!   pending. A dispatch always drains before it takes `pending`, so a byte is never consumed
//!   without its `record` being seen by that dispatch or by the next one.

use super::driver::Driver;
use super::slot::Slot;
use crate::loom::{lock, Mutex};
use crate::reactor::Reactor;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::raw::c_int;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, OnceLock, Weak};
use std::task::Waker;

/// The process-wide signal state.
pub(crate) struct Globals {
    /// The handler's end of the self-pipe (non-blocking, never closed).
    sender: UnixStream,
    /// The drivers' end; each driver registers a `dup` of it.
    receiver: UnixStream,
    /// Indexed by signal number, `0..=SIGRTMAX` (0 is never used).
    slots: Box<[Slot]>,
    /// Whether the handler of each signal number is installed (or why it could not be).
    installed: Box<[OnceLock<Result<(), InstallError>>]>,
    /// The live drivers, at most one per reactor.
    drivers: Mutex<Vec<Weak<Driver>>>,
}

/// Why a handler could not be installed, kept to report it again to every later listener.
#[derive(Clone, Debug)]
struct InstallError {
    kind: io::ErrorKind,
    message: String,
}

static GLOBALS: OnceLock<Globals> = OnceLock::new();

/// The largest signal number there is: the last real-time signal.
pub(crate) fn max_signal() -> c_int {
    libc::SIGRTMAX()
}

/// The process-wide state, created on first use.
///
/// # Errors
/// If the self-pipe cannot be created (the process is out of file descriptors).
pub(crate) fn globals() -> io::Result<&'static Globals> {
    if let Some(globals) = GLOBALS.get() {
        return Ok(globals);
    }
    let (sender, receiver) = UnixStream::pair()?;
    sender.set_nonblocking(true)?;
    receiver.set_nonblocking(true)?;
    let count = usize::try_from(max_signal()).expect("SIGRTMAX is positive") + 1;
    let globals = Globals {
        sender,
        receiver,
        slots: (0..count).map(|_| Slot::new()).collect(),
        installed: (0..count).map(|_| OnceLock::new()).collect(),
        drivers: Mutex::new(Vec::new()),
    };
    // A racing thread may have won; its pipe is the one everybody uses, ours is closed.
    let _ = GLOBALS.set(globals);
    Ok(GLOBALS.get().expect("set just above"))
}

impl Globals {
    /// The slot of `signum`, which `install` has accepted.
    pub(crate) fn slot(&self, signum: c_int) -> &Slot {
        &self.slots[index(signum)]
    }

    /// Installs weft's handler for `signum` unless it is installed already.
    ///
    /// # Errors
    /// For a number that is not a signal, for a signal that must not be caught
    /// (`signal_hook_registry::FORBIDDEN`: SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV), and when
    /// `sigaction` refuses it (the C library's reserved signals 32 and 33, for instance). The
    /// same error again for every later attempt at a signal whose installation failed.
    pub(crate) fn install(&'static self, signum: c_int) -> io::Result<()> {
        if signum < 1 || signum > max_signal() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to listen for signal {signum}: not a signal number on this system (1..={})", max_signal()),
            ));
        }
        if signal_hook_registry::FORBIDDEN.contains(&signum) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "refusing to listen for signal {signum}: SIGKILL and SIGSTOP cannot be \
                     caught, and SIGILL, SIGFPE and SIGSEGV must keep their default action"
                ),
            ));
        }
        let installed = self.installed[index(signum)].get_or_init(|| self.install_now(signum));
        installed
            .clone()
            .map_err(|error| io::Error::new(error.kind, error.message))
    }

    fn install_now(&'static self, signum: c_int) -> Result<(), InstallError> {
        let slot = self.slot(signum);
        let sender: RawFd = self.sender.as_raw_fd();
        let handler = move || {
            slot.record();
            let byte = [0u8];
            // SAFETY: `sender` is the writing end of the self-pipe, which `GLOBALS` keeps open
            // for the life of the process; `byte` is a live one-byte buffer. `send` is
            // async-signal-safe, and `MSG_DONTWAIT` makes it return at once on a full pipe
            // (the byte is then not needed: the pipe is non-empty). errno is saved and
            // restored around the handler by signal-hook-registry.
            unsafe {
                libc::send(
                    sender,
                    byte.as_ptr().cast(),
                    1,
                    libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                );
            }
        };
        // SAFETY: `register` requires that the action be async-signal-safe and never panic:
        // `handler` makes one atomic swap and one `send` call, neither of which allocates,
        // locks or panics. `signum` is not in `FORBIDDEN` (checked by `install`), so
        // `register` does not panic either.
        let registered = unsafe { signal_hook_registry::register(signum, handler) };
        registered.map(drop).map_err(|error| InstallError {
            kind: error.kind(),
            message: format!("failed to install a handler for signal {signum}: {error}"),
        })
    }

    /// A duplicate of the pipe's reading end, for a new driver.
    pub(crate) fn receiver(&self) -> io::Result<UnixStream> {
        self.receiver.try_clone()
    }

    /// The live driver of `reactor`, or a new one made by `make` (with the drivers' lock held,
    /// so that a reactor never gets two).
    pub(crate) fn driver_for(
        &self,
        reactor: &Arc<Reactor>,
        make: impl FnOnce() -> io::Result<Arc<Driver>>,
    ) -> io::Result<Arc<Driver>> {
        let mut drivers = lock(&self.drivers);
        drivers.retain(|driver| driver.strong_count() > 0);
        let existing = drivers
            .iter()
            .filter_map(Weak::upgrade)
            .find(|driver| driver.serves(reactor) && !driver.is_closed());
        if let Some(driver) = existing {
            return Ok(driver);
        }
        let driver = make()?;
        drivers.push(Arc::downgrade(&driver));
        Ok(driver)
    }

    /// Publishes every recorded delivery: each listener of a signal that arrived is woken.
    pub(crate) fn dispatch(&self) {
        let mut wake = Vec::new();
        for slot in self.slots.iter() {
            slot.dispatch(&mut wake);
        }
        wake_all(wake);
    }

    /// Wakes every listener of every signal, for them to look at their driver (which closed).
    pub(crate) fn wake_every_listener(&self) {
        let mut wake = Vec::new();
        for slot in self.slots.iter() {
            slot.close(&mut wake);
        }
        wake_all(wake);
    }
}

fn wake_all(wake: Vec<Waker>) {
    for waker in wake {
        waker.wake();
    }
}

fn index(signum: c_int) -> usize {
    usize::try_from(signum).expect("a checked signal number")
}
