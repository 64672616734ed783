//! Unix signals: [`signal`] makes a [`Signal`] listener for a [`SignalKind`].

use super::driver::Driver;
use super::registry::{globals, Globals};
use super::slot::Registration;
use crate::reactor::Reactor;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use super::kind::SignalKind;

/// Listens for `kind`: the returned [`Signal`] is notified of every delivery of that signal
/// to the process from now on (and of one that arrived but was not yet dispatched).
///
/// The first listener of a signal installs weft's handler for it, through
/// `signal-hook-registry` (which chains to any handler installed before), and the handler
/// stays installed for the life of the process: from then on the signal's default action
/// (terminating the process, for most) no longer happens, even after every listener dropped.
///
/// Any number of listeners, in any number of runtimes, may listen for the same signal; each
/// is notified. Deliveries that arrive faster than a listener receives them coalesce into one
/// notification, as the kernel coalesces a pending signal: a listener is told "at least once
/// since you last asked", never how many times.
///
/// # Errors
/// - `InvalidInput` for a number that is not a signal, and for the signals that must not be
///   caught (SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV: `signal_hook_registry::FORBIDDEN`);
/// - the system's error when `sigaction` refuses the signal (glibc's reserved 32 and 33), or
///   when the self-pipe cannot be created or registered (too many open files);
/// - the reactor's shutdown error when the current runtime is shutting down.
///
/// # Panics
/// When no reactor is current on this thread: call it inside a weft runtime (or inside
/// `weft_io::Reactor::enter`).
///
/// # Examples
///
/// ```
/// use weft_io::signal::unix::{signal, SignalKind};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let mut hangups = signal(SignalKind::hangup())?;
/// // SAFETY (of the example): kill(2) on our own process id with a valid signal number.
/// unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
/// assert_eq!(hangups.recv().await, Some(()));
/// # std::io::Result::Ok(()) })??;
/// # std::io::Result::Ok(())
/// ```
///
/// A refused signal:
///
/// ```
/// use weft_io::signal::unix::{signal, SignalKind};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # let _guard = reactor.enter();
/// let error = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
/// assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let Some(reactor) = Reactor::current() else {
        no_reactor()
    };
    Signal::new(kind, &reactor)
}

#[track_caller]
fn no_reactor() -> ! {
    use crate::reactor::NO_REACTOR;
    panic!(
        "{NO_REACTOR}: create weft::signal listeners inside a weft runtime (in \
         a task, in block_on, or after Runtime::enter), or inside weft_io::Reactor::enter when \
         you drive weft-io yourself"
    )
}

/// A listener for one kind of signal, made by [`signal`].
///
/// Dropping it forgets the listener; the signal's handler stays installed (see [`signal`]).
pub struct Signal {
    kind: SignalKind,
    globals: &'static Globals,
    registration: Registration,
    driver: Arc<Driver>,
}

impl Signal {
    fn new(kind: SignalKind, reactor: &Arc<Reactor>) -> io::Result<Signal> {
        let globals = globals()?;
        let signum = kind.as_raw_value();
        globals.install(signum)?;
        // Registered before the driver's first dispatch, so that a delivery that the handler
        // recorded but no driver dispatched yet still reaches this listener.
        let slot = globals.slot(signum);
        let registration = slot.register();
        let driver = match Driver::for_reactor(globals, reactor) {
            Ok(driver) => driver,
            Err(error) => {
                slot.deregister(&registration);
                return Err(error);
            }
        };
        Ok(Signal {
            kind,
            globals,
            registration,
            driver,
        })
    }

    /// Waits for the next delivery of the signal: `Some(())`, or `None` once no delivery can
    /// reach this listener any more (the runtime it was created in shut down).
    ///
    /// Cancel safe: dropping the future loses no notification; the next `recv` gets it.
    ///
    /// ```
    /// use weft_io::signal::unix::{signal, SignalKind};
    /// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
    /// # reactor.block_on(async {
    /// let mut user1 = signal(SignalKind::user_defined1())?;
    /// for _ in 0..2 {
    ///     // SAFETY (of the example): kill(2) on our own process with a valid signal.
    ///     unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) };
    ///     assert!(user1.recv().await.is_some());
    /// }
    /// # std::io::Result::Ok(()) })??;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// [`recv`](Signal::recv) as a poll function, for hand-written futures and streams:
    /// `Ready(Some(()))` for a delivery not yet received, `Ready(None)` once none can come,
    /// otherwise `Pending` with `cx`'s waker stored (only the last poll's waker is kept).
    ///
    /// A leaf of the cooperative budget (`coop`), as a socket operation is: a burst of
    /// deliveries makes the receiving task yield every budget's worth.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let slot = self.globals.slot(self.kind.as_raw_value());
        let registration = &mut self.registration;
        let driver = &self.driver;
        crate::coop::leaf(cx, |cx| match slot.poll(registration, cx) {
            Poll::Ready(()) => Poll::Ready(Some(())),
            // Read after the waker is stored (inside `poll`): a driver that closes later wakes
            // it, one that closed before is seen here.
            Poll::Pending if driver.is_closed() => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        })
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        self.globals
            .slot(self.kind.as_raw_value())
            .deregister(&self.registration);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}
