//! The runtime's I/O driver: the `weft_io::Reactor` that its parked worker turns, and the
//! park state that lets a notifier know whether the sleeper sits in the reactor.
//!
//! Under miri there is no reactor (miri cannot run `epoll`/`eventfd`), and the schedulers
//! sleep on their parkers as before; sockets then panic for lack of a reactor.

use crate::loom::{AtomicUsize, Ordering::SeqCst};
use crate::runtime::user_code::catch_user_panic;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use weft_io::Reactor;

/// The reactor of a runtime, if it has one.
#[derive(Clone, Debug)]
pub(crate) struct IoDriver {
    reactor: Option<Arc<Reactor>>,
}

impl IoDriver {
    pub(crate) fn new() -> io::Result<IoDriver> {
        #[cfg(any(miri, all(test, loom)))]
        let reactor = None;
        #[cfg(not(any(miri, all(test, loom))))]
        let reactor = Some(Arc::new(Reactor::new()?));
        Ok(IoDriver { reactor })
    }

    pub(crate) fn reactor(&self) -> Option<&Arc<Reactor>> {
        self.reactor.as_ref()
    }

    /// Waits for I/O for at most `timeout` and wakes the tasks that were waiting for it.
    /// Returns `false` when there is no reactor (the caller sleeps some other way).
    ///
    /// A waker that panics (one a user's own executor or future supplied: weft's own never
    /// panic) does not reach the worker, which never unwinds: the reactor has woken the rest
    /// of its batch and resumes the panic here, the panic hook has already reported it (as for
    /// any panic), and it is dropped. The reactor keeps working.
    pub(crate) fn turn(&self, timeout: Option<Duration>) -> bool {
        let Some(reactor) = &self.reactor else {
            return false;
        };
        match catch_user_panic(|| reactor.turn(timeout)) {
            Some(Err(error)) => {
                // epoll_wait fails only on EBADF, EFAULT or EINVAL: a broken reactor, not a
                // condition a program can recover from.
                panic!("weft's I/O driver failed to wait for events: {error}");
            }
            Some(Ok(_)) | None => true,
        }
    }

    /// Cuts the reactor's current (or next) wait short.
    pub(crate) fn notify(&self) {
        if let Some(reactor) = &self.reactor {
            // Fails only if the eventfd cannot be written, i.e. never: a write that would
            // overflow its counter resets it first.
            let _ = reactor.notify();
        }
    }

    /// Wakes every task waiting on a socket with an error; new sockets fail to register. A
    /// panicking waker is handled as in `turn`.
    pub(crate) fn shutdown(&self) {
        if let Some(reactor) = &self.reactor {
            catch_user_panic(|| reactor.shutdown());
        }
    }

    pub(crate) fn sources(&self) -> usize {
        self.reactor.as_ref().map_or(0, |reactor| reactor.sources())
    }
}

/// Whether a sleeper is blocked in the driver, so that a notifier pays for the reactor's
/// notify (an eventfd write) only when someone waits in it.
///
/// Transitions (one atomic word, so no notification is lost):
/// - `park`: `NOTIFIED -> EMPTY` (return at once), or `EMPTY -> PARKED`, block, `-> EMPTY`.
/// - `unpark`: `any -> NOTIFIED`; the caller interrupts the block only if it was `PARKED`.
///   The block must be sticky (a wake-up sent before it starts ends it at once), as
///   `Poller::notify` and a parker's unpark are.
#[derive(Debug)]
pub(crate) struct DriverPark {
    state: AtomicUsize,
}

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

impl DriverPark {
    pub(crate) fn new() -> DriverPark {
        DriverPark {
            state: AtomicUsize::new(EMPTY),
        }
    }

    /// Runs `block` unless an `unpark` came since the last `park`.
    pub(crate) fn park(&self, block: impl FnOnce()) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if self
            .state
            .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
            .is_err()
        {
            // An unpark slipped in between the two exchanges: consume it.
            self.state.swap(EMPTY, SeqCst);
            return;
        }
        block();
        self.state.swap(EMPTY, SeqCst);
    }

    /// Records a notification; `true` if the sleeper is blocked and must be interrupted.
    pub(crate) fn unpark(&self) -> bool {
        self.state.swap(NOTIFIED, SeqCst) == PARKED
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::DriverPark;
    use crate::loom::{thread, Arc, Parker};

    /// The sleeper blocks on a (sticky) parker as it would in the reactor; the notifier
    /// interrupts it only when `unpark` says it is blocked. A lost wake-up is a deadlock.
    #[test]
    fn loom_driver_park_never_loses_an_unpark() {
        loom::model(|| {
            let park = Arc::new(DriverPark::new());
            let parker = Parker::new();
            let unparker = parker.unparker().clone();
            let work = Arc::new(crate::loom::AtomicBool::new(false));
            let notifier = {
                let (park, work) = (park.clone(), work.clone());
                thread::spawn(move || {
                    work.store(true, crate::loom::Ordering::SeqCst);
                    if park.unpark() {
                        unparker.unpark();
                    }
                })
            };
            while !work.load(crate::loom::Ordering::SeqCst) {
                park.park(|| parker.park());
            }
            notifier.join().unwrap();
        });
    }
}
