//! The reactor: one `polling::Poller`, the sources registered with it, and the turn that
//! turns its events into woken tasks.
//!
//! Invariants:
//! - Every source is registered in edge-triggered mode for both directions, once: no
//!   `epoll_ctl` per operation. Its readiness lives in its `Source` (see `source.rs`).
//! - A source's key is its index in `sources`. A key freed by a deregistration may be reused;
//!   an event already fetched for the old source then marks the new one ready, which costs one
//!   `WouldBlock` and nothing else.
//! - The poller is deleted from before the file descriptor is closed: `IoSource`'s `Drop`
//!   deregisters, and only then drops (closes) the I/O object.
//! - At most one thread turns at a time (`turn` is a `try_lock`), because `polling` lets only
//!   one thread wait on a `Poller`.
//! - Wakers are woken after every lock is released: a waker may run arbitrary scheduler code.

use crate::loom::{lock, AtomicBool, Mutex, Ordering};
use crate::source::{Source, READ_WRITE};
use polling::{Event, Events, PollMode, Poller};
use std::cell::RefCell;
use std::fmt;
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

/// How many events one turn fetches at most (more wait for the next turn).
const EVENTS_PER_TURN: usize = 1024;

/// A reactor: waits for I/O events on the registered sockets and wakes the tasks that wait
/// for them.
///
/// It knows nothing of any scheduler. Whoever drives it calls [`turn`](Reactor::turn) when it
/// has nothing else to do (with the time until its next timer as the timeout), and
/// [`notify`](Reactor::notify) from any thread to cut such a wait short. weft's runtime does
/// this from the worker that parks last; [`Reactor::block_on`] does it on one thread for a
/// single future; any other executor can do the same.
///
/// Sockets find their reactor through the thread-local set by [`Reactor::enter`].
///
/// # Examples
///
/// Driving the reactor from a thread of its own, for an executor that knows nothing of it:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use weft_io::Reactor;
///
/// let reactor = Arc::new(Reactor::new()?);
/// let stop = Arc::new(AtomicBool::new(false));
/// let driver = {
///     let (reactor, stop) = (reactor.clone(), stop.clone());
///     std::thread::spawn(move || {
///         while !stop.load(Ordering::Acquire) {
///             reactor.turn(None).expect("epoll failed");
///         }
///     })
/// };
/// // ... create sockets inside `reactor.enter()` and poll them from any executor ...
/// stop.store(true, Ordering::Release);
/// reactor.notify()?;
/// driver.join().unwrap();
/// # std::io::Result::Ok(())
/// ```
pub struct Reactor {
    poller: Poller,
    sources: Mutex<Slab>,
    turn: Mutex<TurnState>,
    shutdown: AtomicBool,
}

/// What a turn needs, kept between turns so that turning allocates nothing.
struct TurnState {
    events: Events,
    wake: Vec<Waker>,
}

/// Registered sources by key, with a free list.
#[derive(Default)]
struct Slab {
    entries: Vec<Option<Arc<Source>>>,
    free: Vec<usize>,
}

impl Reactor {
    /// Creates a reactor (an epoll instance, through `polling`).
    ///
    /// # Errors
    /// The `polling` crate's error if the system refuses the epoll instance or its eventfd
    /// (too many open files, for instance).
    pub fn new() -> io::Result<Reactor> {
        let poller = Poller::new()?;
        if !poller.supports_edge() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "weft-io needs edge-triggered polling, which this platform's poller lacks",
            ));
        }
        let events = NonZeroUsize::new(EVENTS_PER_TURN).expect("nonzero");
        Ok(Reactor {
            poller,
            sources: Mutex::new(Slab::default()),
            turn: Mutex::new(TurnState {
                events: Events::with_capacity(events),
                wake: Vec::new(),
            }),
            shutdown: AtomicBool::new(false),
        })
    }

    /// Waits for I/O events for at most `timeout` (`None`: until an event or a
    /// [`notify`](Reactor::notify)), then wakes the tasks waiting for them. Returns how many
    /// wakers it woke.
    ///
    /// Only one thread waits at a time: a call made while another thread turns returns
    /// `Ok(0)` at once.
    ///
    /// # Errors
    /// The error of `epoll_wait` other than `EINTR`; none is expected in practice.
    pub fn turn(&self, timeout: Option<Duration>) -> io::Result<usize> {
        self.turn_counted(timeout).map(|woken| woken.unwrap_or(0))
    }

    /// `turn`, telling apart "another thread is turning" (`false`).
    pub(crate) fn try_turn(&self, timeout: Option<Duration>) -> io::Result<bool> {
        self.turn_counted(timeout).map(|woken| woken.is_some())
    }

    fn turn_counted(&self, timeout: Option<Duration>) -> io::Result<Option<usize>> {
        let Ok(mut guard) = self.turn.try_lock() else {
            return Ok(None);
        };
        let state = &mut *guard;
        state.events.clear();
        self.poller.wait(&mut state.events, timeout)?;
        {
            let sources = lock(&self.sources);
            for event in state.events.iter() {
                if let Some(Some(source)) = sources.entries.get(event.key) {
                    source.set_ready(readiness(&event), &mut state.wake);
                }
            }
        }
        let woken = state.wake.len();
        // The wakers run scheduler code: wake them with only the turn lock held, which no
        // waker takes (a waker never turns the reactor itself).
        for waker in state.wake.drain(..) {
            waker.wake();
        }
        Ok(Some(woken))
    }

    /// Interrupts the current [`turn`](Reactor::turn), or the next one if none is waiting.
    /// Callable from any thread, cheap when repeated before the turn wakes.
    ///
    /// # Errors
    /// The error of writing to the poller's eventfd; none is expected in practice.
    pub fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }

    /// Shuts the reactor down: every registered socket fails its pending and future
    /// operations with an error, and every task waiting on one is woken. Registering a new
    /// socket fails from now on.
    pub fn shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        let mut wake = Vec::new();
        {
            let sources = lock(&self.sources);
            for source in sources.entries.iter().flatten() {
                source.close(&mut wake);
            }
        }
        for waker in wake {
            waker.wake();
        }
        let _ = self.notify();
    }

    /// Whether [`shutdown`](Reactor::shutdown) was called.
    pub fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// How many sockets are registered now.
    pub fn sources(&self) -> usize {
        let sources = lock(&self.sources);
        sources.entries.len() - sources.free.len()
    }

    /// Registers `fd` for both directions, edge-triggered. The caller must call `deregister`
    /// before the descriptor is closed (`IoSource` does).
    pub(crate) fn register(&self, fd: BorrowedFd<'_>) -> io::Result<(usize, Arc<Source>)> {
        let source = Arc::new(Source::new());
        let key = {
            let mut sources = lock(&self.sources);
            // Checked under the lock that `shutdown` takes: a source registered after the
            // shutdown's sweep would never be closed.
            if self.is_shutdown() {
                return Err(crate::source::closed_error());
            }
            let key = sources.free.pop().unwrap_or(sources.entries.len());
            if key == sources.entries.len() {
                sources.entries.push(None);
            }
            sources.entries[key] = Some(source.clone());
            key
        };
        // `add_with_mode` requires that `fd` be deleted from the poller before it is closed.
        // SAFETY: our caller (`IoSource::new`) keeps the registration with the I/O object that
        // owns `fd`, and `IoSource::drop` deregisters (deletes `fd`) before that object closes it.
        let added = unsafe {
            self.poller
                .add_with_mode(fd.as_raw_fd(), Event::all(key), PollMode::Edge)
        };
        if let Err(error) = added {
            self.remove(key);
            return Err(error);
        }
        Ok((key, source))
    }

    /// Deletes `fd` from the poller and forgets its source, waking anyone still waiting on it
    /// with an error.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>, key: usize, source: &Source) {
        // Fails only if the descriptor was never added or already closed, neither of which
        // `IoSource` allows; the removal below happens regardless.
        let _ = self.poller.delete(fd);
        self.remove(key);
        let mut wake = Vec::new();
        source.close(&mut wake);
        for waker in wake {
            waker.wake();
        }
    }

    fn remove(&self, key: usize) {
        let mut sources = lock(&self.sources);
        if sources.entries[key].take().is_some() {
            sources.free.push(key);
        }
    }

    /// Makes this reactor the current one on this thread until the guard drops: sockets
    /// created meanwhile register with it.
    pub fn enter(self: &Arc<Self>) -> EnterGuard {
        let previous = CURRENT.with(|current| current.replace(Some(self.clone())));
        EnterGuard { previous }
    }

    /// The reactor of this thread (set by [`enter`](Reactor::enter)), if any.
    pub fn current() -> Option<Arc<Reactor>> {
        CURRENT
            .try_with(|current| current.borrow().clone())
            .ok()
            .flatten()
    }
}

/// The direction bits an event reports. `polling` folds hang-up and error into both
/// directions, so that the next system call reports the EOF or the error itself.
fn readiness(event: &Event) -> usize {
    let mut ready = 0;
    if event.readable {
        ready |= crate::source::Direction::READ_BIT;
    }
    if event.writable {
        ready |= crate::source::Direction::WRITE_BIT;
    }
    if event.is_interrupt() || event.is_err() == Some(true) {
        ready |= READ_WRITE;
    }
    ready
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Reactor>>> = const { RefCell::new(None) };
}

/// Restores the previous current reactor when dropped (see [`Reactor::enter`]).
#[must_use = "the reactor stays current only while the guard lives"]
pub struct EnterGuard {
    previous: Option<Arc<Reactor>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|current| *current.borrow_mut() = previous);
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("sources", &self.sources())
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

/// The reactor for a socket being created on this thread.
///
/// # Panics
/// If no reactor is current: sockets must be created inside a runtime.
#[track_caller]
pub(crate) fn current_or_panic() -> Arc<Reactor> {
    // A `match`, not `unwrap_or_else`: a closure would report its own location, not the
    // caller's that `#[track_caller]` passes on.
    match Reactor::current() {
        Some(reactor) => reactor,
        None => panic!(
            "there is no reactor running: create weft::net sockets inside a weft runtime (in a \
             task, in block_on, or after Runtime::enter), or inside weft_io::Reactor::enter \
             when you drive weft-io yourself"
        ),
    }
}
