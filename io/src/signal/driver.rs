//! The per-reactor signal driver: a `dup` of the self-pipe's reading end, registered with one
//! reactor, whose readiness waker drains the pipe and dispatches.
//!
//! The driver needs no task and no executor. The waker it leaves with its pipe's registration
//! is its own: when the reactor reports the pipe readable, the turning thread wakes that waker,
//! which drains the pipe, dispatches (waking the listeners of every signal that arrived, in
//! any runtime) and leaves itself with the registration again. So any executor that turns a
//! weft-io reactor delivers signals.
//!
//! Invariants:
//! - A reactor has at most one live driver (`Globals::driver_for`). The listeners created on
//!   that reactor hold it; the last one to drop deregisters it.
//! - The readiness waker holds the driver weakly: the registration (owned by the driver) keeps
//!   the waker, so a strong reference would keep the driver alive forever.
//! - `closed` is set, and never cleared, when the registration fails (its reactor shut down);
//!   it is published before the listeners are woken, so a listener that finds nothing new
//!   after storing its waker sees it (see `slot.rs`).

use super::registry::Globals;
use crate::io_source::IoSource;
use crate::loom::{AtomicBool, Ordering};
use crate::reactor::Reactor;
use crate::source::READ_READY;
use std::fmt;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};

/// The signal driver of one reactor.
pub(crate) struct Driver {
    globals: &'static Globals,
    pipe: IoSource<UnixStream>,
    reactor: Weak<Reactor>,
    closed: AtomicBool,
    waker: Waker,
}

/// The waker the driver leaves with its pipe's registration.
struct DispatchWaker(Weak<Driver>);

impl Wake for DispatchWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(driver) = self.0.upgrade() {
            driver.dispatch();
        }
    }
}

impl Driver {
    /// The driver of `reactor` (which must be current on this thread), created if it has none.
    pub(crate) fn for_reactor(
        globals: &'static Globals,
        reactor: &Arc<Reactor>,
    ) -> io::Result<Arc<Driver>> {
        let mut created = None;
        let driver = globals.driver_for(reactor, || {
            // Assumed readable: the driver's first dispatch (below) drains what arrived while
            // no driver listened, without waiting for the registration's first event.
            let pipe = IoSource::new_assuming(globals.receiver()?, READ_READY)?;
            let driver = Arc::new_cyclic(|weak| Driver {
                globals,
                pipe,
                reactor: Arc::downgrade(reactor),
                closed: AtomicBool::new(false),
                waker: Waker::from(Arc::new(DispatchWaker(weak.clone()))),
            });
            created = Some(driver.clone());
            Ok(driver)
        })?;
        // A new driver's first dispatch, outside the drivers' lock: it dispatches what arrived
        // while no driver listened, and leaves the waker with the registration.
        if let Some(created) = created {
            created.dispatch();
        }
        Ok(driver)
    }

    /// Whether this is the driver of `reactor`.
    pub(crate) fn serves(&self, reactor: &Arc<Reactor>) -> bool {
        std::ptr::eq(self.reactor.as_ptr(), Arc::as_ptr(reactor))
    }

    /// Whether the driver stopped for good (its reactor shut down): its listeners get `None`.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Drains the pipe and dispatches until the pipe has nothing more, then leaves the waker
    /// with the registration. Runs on the thread that turns the reactor (or on one that
    /// creates the driver, or shuts its reactor down).
    fn dispatch(&self) {
        let cx = Context::from_waker(&self.waker);
        let drained = self.pipe.poll_read_with(&cx, |mut pipe| {
            drain(&mut pipe)?;
            // After the drain: every byte consumed so far had its `record` before it.
            self.globals.dispatch();
            // Ask to be woken by the next byte (the registration clears its readiness).
            Err::<(), _>(io::ErrorKind::WouldBlock.into())
        });
        match drained {
            Poll::Pending => {}
            // The reactor shut down (or the pipe failed, which a socket pair never does): no
            // signal reaches this reactor any more.
            Poll::Ready(_) => {
                self.closed.store(true, Ordering::SeqCst);
                self.globals.wake_every_listener();
            }
        }
    }
}

/// Reads the pipe until it is empty. `Ok` once it would block.
fn drain(pipe: &mut &UnixStream) -> io::Result<()> {
    let mut buf = [0u8; 128];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the signal self-pipe was closed",
                ))
            }
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}
