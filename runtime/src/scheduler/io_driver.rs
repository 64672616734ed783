//! The runtime's I/O driver: the `weft_io::Reactor` that a parked scheduler thread turns.
//!
//! Under miri (which cannot run `epoll`) and in weft's loom models there is no reactor: a
//! *stand-in* takes its place, a sticky token behind a mutex and a condition variable. Its
//! `turn` blocks like the reactor's wait (until `notify`, or the timeout), and its `notify`
//! is sticky like the reactor's eventfd (a notification sent before the wait starts ends the
//! next wait at once), so the park protocol (`park.rs`) runs the same code over either. Sockets
//! need the real reactor and panic without one.

use crate::runtime::metrics::IoCounts;
use crate::runtime::user_code::catch_user_panic;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use weft_io::Reactor;

/// The reactor of a runtime, or its stand-in.
#[derive(Clone, Debug)]
pub(crate) struct IoDriver {
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    #[cfg_attr(any(miri, all(test, loom)), allow(dead_code))]
    Reactor(Arc<Reactor>),
    #[cfg_attr(not(any(miri, all(test, loom))), allow(dead_code))]
    StandIn(crate::loom::Arc<StandIn>),
}

impl IoDriver {
    #[cfg(test)]
    pub(crate) fn new() -> io::Result<IoDriver> {
        let events = weft_io::DEFAULT_EVENTS_PER_TURN;
        IoDriver::with_event_limits(events, events)
    }

    /// A driver whose reactor fetches at most `events` events per turn, and `busy_events` per
    /// turn that does not wait (`Builder::max_io_events_per_tick`, `_per_busy_tick`).
    pub(crate) fn with_event_limits(events: usize, busy_events: usize) -> io::Result<IoDriver> {
        #[cfg(any(miri, all(test, loom)))]
        let backend = {
            let _ = (events, busy_events);
            Backend::StandIn(crate::loom::Arc::new(StandIn::new()))
        };
        #[cfg(not(any(miri, all(test, loom))))]
        let backend = Backend::Reactor(Arc::new(Reactor::with_event_limits(events, busy_events)?));
        Ok(IoDriver { backend })
    }

    pub(crate) fn reactor(&self) -> Option<&Arc<Reactor>> {
        match &self.backend {
            Backend::Reactor(reactor) => Some(reactor),
            Backend::StandIn(_) => None,
        }
    }

    /// Waits for I/O (or a `notify`) for at most `timeout` (`None`: no limit) and wakes the
    /// tasks that were waiting for it.
    ///
    /// A waker that panics (one a user's own executor or future supplied: weft's own never
    /// panic) does not reach the worker, which never unwinds: the reactor has woken the rest
    /// of its batch and resumes the panic here, the panic hook has already reported it (as for
    /// any panic), and it is dropped. The reactor keeps working.
    pub(crate) fn turn(&self, timeout: Option<Duration>) {
        match &self.backend {
            Backend::Reactor(reactor) => {
                if let Some(Err(error)) = catch_user_panic(|| reactor.turn(timeout)) {
                    // epoll_wait fails only on EBADF, EFAULT or EINVAL: a broken reactor, not
                    // a condition a program can recover from.
                    panic!("weft's I/O driver failed to wait for events: {error}");
                }
            }
            Backend::StandIn(stand_in) => stand_in.turn(timeout),
        }
    }

    /// Cuts the current (or next) `turn` short. Sticky: a notification with no one turning
    /// ends the next turn at once.
    pub(crate) fn notify(&self) {
        match &self.backend {
            // Fails only if the eventfd cannot be written, i.e. never: a write that would
            // overflow its counter resets it first.
            Backend::Reactor(reactor) => drop(reactor.notify()),
            Backend::StandIn(stand_in) => stand_in.notify(),
        }
    }

    /// Wakes every task waiting on a socket with an error; new sockets fail to register. A
    /// panicking waker is handled as in `turn`.
    pub(crate) fn shutdown(&self) {
        if let Some(reactor) = self.reactor() {
            catch_user_panic(|| reactor.shutdown());
        }
    }

    /// Loom models: an I/O event whose task `waker` stands for; the next turn wakes it.
    #[cfg(all(test, loom))]
    pub(crate) fn raise_event(&self, waker: std::task::Waker) {
        match &self.backend {
            Backend::StandIn(stand_in) => stand_in.raise(waker),
            Backend::Reactor(_) => unreachable!("loom models run on the stand-in"),
        }
    }

    pub(crate) fn sources(&self) -> usize {
        self.reactor().map_or(0, |reactor| reactor.sources())
    }

    /// The reactor's registrations, deregistrations and delivered readiness events so far.
    pub(crate) fn counts(&self) -> IoCounts {
        self.reactor()
            .map_or_else(IoCounts::default, |reactor| IoCounts {
                registered: reactor.registered_count(),
                deregistered: reactor.deregistered_count(),
                ready: reactor.ready_count(),
            })
    }
}

/// The reactor's stand-in: one sticky notification token, and the "events" a loom model
/// raises (wakers, woken by whichever thread turns, as the reactor wakes a socket's task).
#[derive(Debug)]
struct StandIn {
    state: crate::loom::Mutex<StandInState>,
    condvar: crate::loom::Condvar,
}

#[derive(Debug, Default)]
struct StandInState {
    notified: bool,
    /// A thread is inside `turn`: another one returns at once, as with the reactor.
    turning: bool,
    events: Vec<std::task::Waker>,
}

impl StandIn {
    #[cfg_attr(not(any(miri, all(test, loom))), allow(dead_code))]
    fn new() -> StandIn {
        StandIn {
            state: crate::loom::Mutex::new(StandInState::default()),
            condvar: crate::loom::Condvar::new(),
        }
    }

    fn turn(&self, timeout: Option<Duration>) {
        let mut state = crate::loom::lock(&self.state);
        if state.turning {
            return;
        }
        state.turning = true;
        match timeout {
            Some(timeout) if timeout.is_zero() => {}
            // Loom has no clock: its timed wait is a wait that a notification must end.
            Some(timeout) => {
                if !state.notified {
                    state = self
                        .condvar
                        .wait_timeout(state, timeout)
                        .unwrap_or_else(|error| error.into_inner())
                        .0;
                }
            }
            None => {
                while !state.notified {
                    state = self
                        .condvar
                        .wait(state)
                        .unwrap_or_else(|error| error.into_inner());
                }
            }
        }
        state.notified = false;
        state.turning = false;
        let events = std::mem::take(&mut state.events);
        drop(state);
        for waker in events {
            waker.wake();
        }
    }

    fn notify(&self) {
        crate::loom::lock(&self.state).notified = true;
        self.condvar.notify_one();
    }

    #[cfg(all(test, loom))]
    fn raise(&self, waker: std::task::Waker) {
        crate::loom::lock(&self.state).events.push(waker);
        self.notify();
    }
}
