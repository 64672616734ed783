//! The reactor: the OS selector (`sys/`), the sources registered with it, and the turn that
//! turns its events into woken tasks.
//!
//! Invariants:
//! - Every source is registered in edge-triggered mode for both directions, once: no
//!   `epoll_ctl` per operation. Its readiness lives in its `Source` (see `source/mod.rs`).
//! - A source's token is its index in `sources` and the generation of that slot, bumped at
//!   every removal: an event already fetched for a source that was deregistered meanwhile
//!   finds another generation and is dropped, never marking the source that reuses the slot
//!   (where the backend's tokens carry the generation: see `Selector::TOKENS_CARRY_GENERATION`;
//!   elsewhere such an event costs one `WouldBlock` and nothing else, as that backend sets no
//!   sticky bit).
//! - The selector is deleted from before the file descriptor is closed: `IoSource`'s `Drop`
//!   deregisters, and only then drops (closes) the I/O object.
//! - At most one thread turns at a time (`turn` is a `try_lock`).
//!
//! # User code
//!
//! The reactor calls user code in one way: it wakes wakers (and so drops them), which any
//! executor may have supplied. It does so after releasing every lock but the turn's own, each
//! waker in `catch_unwind`, in `wake_all`: a panicking waker cannot leave shared state broken
//! (no lock is poisoned, since none is held across a wake but `turn`'s, whose state, the event
//! buffer and the emptied wake list, is consistent before the first wake), and cannot keep the
//! rest of its batch from being woken. The first panic is then resumed on the thread that
//! turned (or deregistered, or shut down), once the turn lock is released: the panic is not
//! lost, and the reactor keeps working for the next turn. weft's runtime catches it there
//! (`weft`'s `io_driver.rs`). A poisoned `turn` or `sources` lock (from a panic this crate
//! does not expect) is taken anyway: both guard data that is consistent between statements.

use crate::loom::{lock, AtomicBool, AtomicU64, Mutex, Ordering};
use crate::source::Source;
use crate::sys::{Events, Selector};
use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::io;
use std::os::fd::BorrowedFd;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, TryLockError};
use std::task::Waker;
use std::time::Duration;

/// How many events one turn fetches at most by default (more wait for the next turn).
pub const DEFAULT_EVENTS_PER_TURN: usize = 1024;

/// The index of a slot in the low half of a token, its generation in the high half.
const INDEX_BITS: u32 = 32;
/// The most sources one reactor holds at once (`u32::MAX` stays free for the backend's own
/// notification token).
const MAX_SOURCES: usize = u32::MAX as usize - 1;

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
/// On Linux the reactor is weft-io's own epoll backend (edge-triggered, `EPOLLRDHUP`, an
/// eventfd for [`notify`](Reactor::notify)); elsewhere, and on Linux with the crate feature
/// `polling-backend`, it runs on the [`polling`](https://docs.rs/polling) crate.
/// [`backend`](Reactor::backend) says which.
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
    selector: Selector,
    sources: Mutex<Slab>,
    turn: Mutex<TurnState>,
    shutdown: AtomicBool,
    /// Counters for [`registered_count`](Reactor::registered_count),
    /// [`deregistered_count`](Reactor::deregistered_count) and
    /// [`ready_count`](Reactor::ready_count): statistics, never read to decide anything.
    counts: Counts,
}

/// What a reactor has done since it was made (relaxed counters: each is exact once the
/// threads that changed it are joined, or synchronised with otherwise).
#[derive(Default)]
struct Counts {
    registered: AtomicU64,
    deregistered: AtomicU64,
    ready: AtomicU64,
}

/// What a turn needs, kept between turns so that turning allocates nothing.
struct TurnState {
    events: Events,
    /// The buffer of a turn that does not wait, when it is smaller than `events`
    /// ([`Reactor::with_event_limits`]); `None`: such a turn uses `events`.
    busy_events: Option<Events>,
    wake: Vec<Waker>,
}

/// Registered sources by index, with a free list. `generations[i]` is bumped each time slot
/// `i` is emptied.
#[derive(Default)]
struct Slab {
    entries: Vec<Option<Arc<Source>>>,
    generations: Vec<u32>,
    free: Vec<usize>,
}

/// The slot index a token names.
fn index_of(token: u64) -> usize {
    (token & u64::from(u32::MAX)) as usize
}

impl Slab {
    /// The source an event's token names, if it is still registered.
    fn get(&self, token: u64) -> Option<&Arc<Source>> {
        let index = index_of(token);
        let generation = (token >> INDEX_BITS) as u32;
        let same =
            !Selector::TOKENS_CARRY_GENERATION || self.generations.get(index) == Some(&generation);
        same.then(|| self.entries.get(index)?.as_ref()).flatten()
    }
}

/// A panic caught while waking, to be resumed once no lock is held.
type Panic = Box<dyn Any + Send + 'static>;

/// Wakes every waker of `wakers`, each in `catch_unwind`: one that panics does not keep the
/// others from being woken. Returns the first panic.
fn wake_all(wakers: impl Iterator<Item = Waker>) -> Option<Panic> {
    let mut first = None;
    for waker in wakers {
        // `AssertUnwindSafe`: the closure owns the waker and touches nothing else.
        if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| waker.wake())) {
            if first.is_none() {
                first = Some(panic);
            } else {
                drop_panic(panic);
            }
        }
    }
    first
}

/// Drops a panic payload whose `Drop` might itself panic.
fn drop_panic(panic: Panic) {
    let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(panic)));
}

/// Resumes a panic caught by `wake_all` on this thread, unless it is already unwinding (from
/// a `Drop` that runs during a panic, where a second panic would abort): then the panic hook
/// has reported it, and it is dropped.
fn resume(panic: Option<Panic>) {
    if let Some(panic) = panic {
        if std::thread::panicking() {
            drop_panic(panic);
        } else {
            panic::resume_unwind(panic);
        }
    }
}

impl Reactor {
    /// Creates a reactor (an epoll instance and its eventfd on Linux).
    ///
    /// # Errors
    /// The system's error if it refuses the epoll instance or its eventfd (too many open
    /// files, for instance).
    pub fn new() -> io::Result<Reactor> {
        Reactor::with_events_per_turn(DEFAULT_EVENTS_PER_TURN)
    }

    /// Creates a reactor whose turn fetches at most `events` events (more wait for the next
    /// turn; [`new`](Reactor::new) takes [`DEFAULT_EVENTS_PER_TURN`], tokio's default).
    ///
    /// ```
    /// let reactor = weft_io::Reactor::with_events_per_turn(64)?;
    /// # drop(reactor);
    /// # std::io::Result::Ok(())
    /// ```
    ///
    /// # Errors
    /// As [`new`](Reactor::new).
    ///
    /// # Panics
    /// If `events` is 0: a turn must be able to fetch something.
    #[track_caller]
    pub fn with_events_per_turn(events: usize) -> io::Result<Reactor> {
        Reactor::with_event_limits(events, events)
    }

    /// Creates a reactor whose turn fetches at most `events` events, and at most `busy_events`
    /// when it does not wait (a zero timeout: its caller has other work to get back to, so a
    /// smaller batch wakes fewer tasks at once and leaves the rest in the kernel for the next
    /// turn; tokio's `max_io_events_per_busy_tick`).
    ///
    /// ```
    /// let reactor = weft_io::Reactor::with_event_limits(256, 8)?;
    /// # drop(reactor);
    /// # std::io::Result::Ok(())
    /// ```
    ///
    /// # Errors
    /// As [`new`](Reactor::new).
    ///
    /// # Panics
    /// If either limit is 0: a turn must be able to fetch something.
    #[track_caller]
    pub fn with_event_limits(events: usize, busy_events: usize) -> io::Result<Reactor> {
        assert!(events > 0, "a reactor turn must fetch at least one event");
        assert!(
            busy_events > 0,
            "a reactor turn that does not wait must fetch at least one event"
        );
        let busy_events = (busy_events < events).then(|| Events::with_capacity(busy_events));
        Ok(Reactor {
            selector: Selector::new()?,
            sources: Mutex::new(Slab::default()),
            turn: Mutex::new(TurnState {
                events: Events::with_capacity(events),
                busy_events,
                wake: Vec::new(),
            }),
            shutdown: AtomicBool::new(false),
            counts: Counts::default(),
        })
    }

    /// The backend this reactor runs on: `"epoll"` (weft-io's own, Linux) or `"polling"` (the
    /// `polling` crate: other systems, or Linux with the `polling-backend` feature).
    pub fn backend(&self) -> &'static str {
        Selector::NAME
    }

    /// Waits for I/O events for at most `timeout` (`None`: until an event or a
    /// [`notify`](Reactor::notify)), then wakes the tasks waiting for them. Returns how many
    /// wakers it woke. It fetches at most the reactor's events per turn, or per busy turn when
    /// `timeout` is zero ([`with_event_limits`](Reactor::with_event_limits)).
    ///
    /// The timeout is rounded up to the backend's resolution (a millisecond for epoll): the
    /// call does not return before it unless an event, a notification or a signal comes.
    /// Only one thread waits at a time: a call made while another thread turns returns
    /// `Ok(0)` at once.
    ///
    /// # Errors
    /// The error of `epoll_wait` other than `EINTR`; none is expected in practice.
    ///
    /// # Panics
    /// If a waker panics: the panic is resumed here, after every other waker of the turn was
    /// woken and with the reactor ready for the next turn.
    pub fn turn(&self, timeout: Option<Duration>) -> io::Result<usize> {
        self.turn_counted(timeout).map(|woken| woken.unwrap_or(0))
    }

    /// `turn`, telling apart "another thread is turning" (`false`).
    pub(crate) fn try_turn(&self, timeout: Option<Duration>) -> io::Result<bool> {
        self.turn_counted(timeout).map(|woken| woken.is_some())
    }

    fn turn_counted(&self, timeout: Option<Duration>) -> io::Result<Option<usize>> {
        let mut guard = match self.turn.try_lock() {
            Ok(guard) => guard,
            // The turn state is consistent between statements: take it despite the poison.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(None),
        };
        let state = &mut *guard;
        let events = match &mut state.busy_events {
            Some(busy_events) if timeout == Some(Duration::ZERO) => busy_events,
            _ => &mut state.events,
        };
        self.selector.wait(events, timeout)?;
        let mut delivered = 0;
        {
            let sources = lock(&self.sources);
            for (token, ready) in events.iter() {
                if let Some(source) = sources.get(token) {
                    source.set_ready(ready, &mut state.wake);
                    delivered += 1;
                }
            }
        }
        if delivered > 0 {
            self.counts.ready.fetch_add(delivered, Ordering::Relaxed);
        }
        let woken = state.wake.len();
        // The wakers run scheduler code: wake them with only the turn lock held, which no
        // waker takes (a waker never turns the reactor itself).
        let panic = wake_all(state.wake.drain(..));
        drop(guard);
        resume(panic);
        Ok(Some(woken))
    }

    /// Interrupts the current [`turn`](Reactor::turn), or the next one if none is waiting.
    /// Callable from any thread. Each call is one system call (an eventfd write on Linux):
    /// a caller that may notify often gates it on whether a thread waits in the turn, as
    /// weft's runtime does.
    ///
    /// # Errors
    /// The error of writing to the eventfd; none is expected in practice.
    pub fn notify(&self) -> io::Result<()> {
        self.selector.notify()
    }

    /// Shuts the reactor down: every registered socket fails its pending and future
    /// operations with an error, and every task waiting on one is woken. Registering a new
    /// socket fails from now on.
    ///
    /// # Panics
    /// If a waker panics: resumed after every other waker was woken (see
    /// [`turn`](Reactor::turn)).
    pub fn shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        let mut wake = Vec::new();
        {
            let sources = lock(&self.sources);
            for source in sources.entries.iter().flatten() {
                source.close(&mut wake);
            }
        }
        let _ = self.notify();
        resume(wake_all(wake.into_iter()));
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

    /// How many descriptors (sockets, pipes, `AsyncFd`s, a signal listener's pipe) have been
    /// registered with this reactor since it was made; a registration the system refused does
    /// not count, nor does the reactor's own wake-up descriptor.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft_io::{net::UdpSocket, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let socket = reactor.block_on(UdpSocket::bind("127.0.0.1:0"))??;
    /// assert_eq!((reactor.registered_count(), reactor.deregistered_count()), (1, 0));
    /// drop(socket);
    /// assert_eq!((reactor.registered_count(), reactor.deregistered_count()), (1, 1));
    /// assert_eq!(reactor.sources(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn registered_count(&self) -> u64 {
        self.counts.registered.load(Ordering::Relaxed)
    }

    /// How many registered descriptors have been taken off this reactor since it was made
    /// (dropped, or deregistered by hand); [`registered_count`](Reactor::registered_count)
    /// minus this is [`sources`](Reactor::sources).
    pub fn deregistered_count(&self) -> u64 {
        self.counts.deregistered.load(Ordering::Relaxed)
    }

    /// How many readiness events the reactor's turns have delivered to registered
    /// descriptors since it was made: one per descriptor per turn that found it ready (its
    /// own wake-ups by [`notify`](Reactor::notify) are not counted).
    pub fn ready_count(&self) -> u64 {
        self.counts.ready.load(Ordering::Relaxed)
    }

    /// Registers `fd` for both directions, edge-triggered; returns its token and source, which
    /// starts with the readiness bits `assumed` (usually none: see `source/mod.rs`).
    ///
    /// # Safety
    /// The caller must call `deregister` before the descriptor is closed (`IoSource` does).
    pub(crate) unsafe fn register(
        &self,
        fd: BorrowedFd<'_>,
        assumed: usize,
    ) -> io::Result<(u64, Arc<Source>)> {
        let source = Arc::new(Source::new(assumed));
        let token = {
            let mut sources = lock(&self.sources);
            // Checked under the lock that `shutdown` takes: a source registered after the
            // shutdown's sweep would never be closed.
            if self.is_shutdown() {
                return Err(crate::source::closed_error());
            }
            let index = match sources.free.pop() {
                Some(index) => index,
                None if sources.entries.len() < MAX_SOURCES => {
                    sources.entries.push(None);
                    sources.generations.push(0);
                    sources.entries.len() - 1
                }
                None => {
                    return Err(io::Error::other(
                        "a weft-io reactor holds at most u32::MAX - 1 sockets at once",
                    ))
                }
            };
            sources.entries[index] = Some(source.clone());
            (u64::from(sources.generations[index]) << INDEX_BITS) | index as u64
        };
        // SAFETY: our caller deregisters `fd` before closing it, which is what the selector's
        // `register` requires.
        let added = unsafe { self.selector.register(fd, token) };
        if let Err(error) = added {
            self.remove(token);
            return Err(error);
        }
        self.counts.registered.fetch_add(1, Ordering::Relaxed);
        Ok((token, source))
    }

    /// Deletes `fd` from the selector and forgets its source, waking anyone still waiting on
    /// it with an error.
    ///
    /// # Panics
    /// If a waker panics (see [`turn`](Reactor::turn)), unless this thread is unwinding.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>, token: u64, source: &Source) {
        // Fails only if the descriptor was never added or already closed, neither of which
        // `IoSource` allows; the removal below happens regardless.
        let _ = self.selector.deregister(fd);
        self.remove(token);
        self.counts.deregistered.fetch_add(1, Ordering::Relaxed);
        let mut wake = Vec::new();
        source.close(&mut wake);
        resume(wake_all(wake.into_iter()));
    }

    fn remove(&self, token: u64) {
        let index = index_of(token);
        let mut sources = lock(&self.sources);
        if sources.entries[index].take().is_some() {
            sources.generations[index] = sources.generations[index].wrapping_add(1);
            sources.free.push(index);
        }
    }

    /// The selector, for tests of the backend.
    #[cfg(all(
        test,
        not(loom),
        not(miri),
        target_os = "linux",
        not(feature = "polling-backend")
    ))]
    pub(crate) fn selector(&self) -> &Selector {
        &self.selector
    }

    /// The source an event with `token` would reach now.
    #[cfg(all(test, not(loom), not(miri)))]
    pub(crate) fn source_of(&self, token: u64) -> Option<Arc<Source>> {
        lock(&self.sources).get(token).cloned()
    }

    /// Makes this reactor the current one on this thread until the guard drops: sockets
    /// created meanwhile register with it.
    ///
    /// Called while the thread's thread-locals are being destroyed (a runtime dropped by a
    /// thread-local's destructor), after this crate's own is gone, it makes nothing current
    /// and the guard restores nothing.
    pub fn enter(self: &Arc<Self>) -> EnterGuard {
        let previous = CURRENT
            .try_with(|current| current.replace(Some(self.clone())))
            .unwrap_or(None);
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
            .field("backend", &self.backend())
            .field("sources", &self.sources())
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

/// The start of every panic for a missing reactor: tokio's words (its `CONTEXT_MISSING_ERROR`),
/// so that a ported `#[should_panic(expected = ...)]` still matches. weft's runtime is a Tokio
/// 1.x runtime in the sense of the message: it runs the same programs.
pub(crate) const NO_REACTOR: &str = concat!(
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime",
    " such as weft's"
);

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
            "{NO_REACTOR}: create weft::net sockets inside a weft runtime (in a \
             task, in block_on, or after Runtime::enter), or inside weft_io::Reactor::enter \
             when you drive weft-io yourself"
        ),
    }
}
