//! [`Sleep`], [`sleep`] and [`sleep_until`].

use super::driver::TimerKey as Key;
use super::driver::{Shutdown, TimeDriver};
use super::Instant;
use crate::loom::Arc;
use crate::runtime::Id as RuntimeId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

const NEEDS_RUNTIME: &str = "weft::time needs one (call it from a task, #[weft::main] or \
                             Runtime::block_on)";

/// tokio's words first (its `RUNTIME_SHUTTING_DOWN_ERROR`), so that a ported
/// `#[should_panic(expected = ...)]` still matches.
const SHUT_DOWN: &str = "A Tokio 1.x context was found, but it is being shutdown. (The weft \
                         runtime that owned this timer has shut down.)";

/// One thread's counted reference to the time driver of the runtime it is in.
///
/// Every polled [`Sleep`] keeps its driver alive (see `Binding`). Were each to clone the
/// driver's own `Arc`, every timer polled on any worker would increment and then decrement that
/// one count: a cache line the workers pass between their cores (`perf` on tokio's
/// `time_sleep` shape, when sleeps bound at creation: a quarter of the time, in the `lock
/// inc`/`lock dec` pair). Instead each thread that enters a runtime makes one `ThreadDriver`,
/// on its first timer there (`context::time_driver_of`), and its sleeps clone that: the count
/// stays on the thread's own cache line unless a sleep moves to another thread. It lives as
/// long as the thread's entry into the runtime or its last sleep, whichever is later, so it
/// never outlives the driver it points to.
pub(crate) struct ThreadDriver(Arc<TimeDriver>);

impl ThreadDriver {
    pub(crate) fn new(driver: Arc<TimeDriver>) -> Arc<ThreadDriver> {
        Arc::new(ThreadDriver(driver))
    }
}

impl std::ops::Deref for ThreadDriver {
    type Target = TimeDriver;

    fn deref(&self) -> &TimeDriver {
        &self.0
    }
}

/// The runtime a new timer belongs to: the one this thread is in; panics outside a runtime.
#[track_caller]
fn current_runtime() -> RuntimeId {
    match crate::runtime::context::current_runtime_id() {
        Some(id) => id,
        None => panic!("{}; {NEEDS_RUNTIME}", crate::runtime::context::NO_RUNTIME),
    }
}

/// Where a [`Sleep`] reaches its time driver.
///
/// A sleep is made `Unbound`, noting only its runtime's id: nothing shared is touched, so a
/// `sleep` or `timeout` dropped before it is polled, as most request timeouts are (the request
/// completes at the first poll), costs a clock read and nothing more. The first poll (or
/// anything else that needs the driver) binds it: on a thread of its runtime, to the thread's
/// `ThreadDriver`; anywhere else, to its runtime found in the registry. A runtime that is gone
/// by then is shut down, so the binding panics as polling a shut-down runtime's timer does.
enum Binding {
    Unbound(RuntimeId),
    Bound(Arc<ThreadDriver>),
}

impl Binding {
    /// The driver, binding first if need be; `None` if the runtime is gone.
    fn try_driver(&mut self) -> Option<&ThreadDriver> {
        if let Binding::Unbound(id) = *self {
            *self = Binding::Bound(bind(id)?);
        }
        self.bound()
    }

    /// The driver, binding first if need be.
    ///
    /// # Panics
    ///
    /// With `SHUT_DOWN` if the runtime is gone.
    #[track_caller]
    fn driver(&mut self) -> &ThreadDriver {
        match self.try_driver() {
            Some(driver) => driver,
            None => shut_down(),
        }
    }

    /// The driver if already bound.
    fn bound(&self) -> Option<&ThreadDriver> {
        match self {
            Binding::Bound(driver) => Some(driver),
            Binding::Unbound(_) => None,
        }
    }
}

/// The time driver of the runtime `id`: this thread's reference if it is in that runtime,
/// else the registry's; `None` once the runtime is gone.
fn bind(id: RuntimeId) -> Option<Arc<ThreadDriver>> {
    crate::runtime::context::time_driver_of(id).or_else(|| {
        let handle = crate::runtime::registry::find(id)?;
        Some(ThreadDriver::new(handle.time().clone()))
    })
}

#[cold]
#[track_caller]
fn shut_down() -> ! {
    panic!("{}", SHUT_DOWN)
}

/// Waits until `duration` has elapsed.
///
/// Equivalent to `sleep_until(Instant::now() + duration)`; a duration that overflows the clock
/// sleeps for about 30 years. The sleep never completes before its deadline, and has millisecond
/// resolution: it completes within a millisecond or so after the deadline when the runtime is
/// not overloaded. No work is done until the returned [`Sleep`] is first polled.
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{sleep, Instant};
///
/// #[weft::main]
/// async fn main() {
///     let start = Instant::now();
///     sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// }
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Sleep::new(deadline)
}

/// Waits until `deadline` is reached; completes at the first poll if it already passed.
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{sleep_until, Instant};
///
/// #[weft::main]
/// async fn main() {
///     let deadline = Instant::now() + Duration::from_millis(20);
///     sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// }
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// A future that completes at its deadline; made by [`sleep`] and [`sleep_until`].
///
/// Unlike tokio's, a weft `Sleep` is [`Unpin`]: it can be awaited by `&mut` and stored without
/// `Box::pin` or `pin!`. Its timer is registered on the first poll that finds the deadline still
/// ahead, and removed when the `Sleep` is dropped. Polling it again after it completed returns
/// `Ready` again.
///
/// # Panics
///
/// Polling panics if the runtime that created the `Sleep` has shut down (unless it had already
/// completed).
///
/// ```
/// use std::time::Duration;
/// use weft::time::{sleep, Instant};
///
/// #[weft::main]
/// async fn main() {
///     let mut delay = sleep(Duration::from_secs(3600));
///     // Move the deadline closer; `Sleep` is Unpin, so `Pin::new` does.
///     std::pin::Pin::new(&mut delay).reset(Instant::now() + Duration::from_millis(10));
///     (&mut delay).await;
///     assert!(delay.is_elapsed());
/// }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    /// Unbound until the first poll (see `Binding`); the timer, when registered, is this
    /// driver's.
    driver: Binding,
    /// The registered timer; `None` before the first pending poll, after completion, and once
    /// the timer is known to have fired.
    key: Option<Key>,
    /// Set when a poll returned `Ready`.
    elapsed: bool,
}

impl Sleep {
    #[track_caller]
    pub(super) fn new(deadline: Instant) -> Sleep {
        Sleep::with_binding(deadline, Binding::Unbound(current_runtime()))
    }

    /// A sleep on `driver` itself, outside any runtime (the unit tests' manual drivers).
    #[cfg(all(test, not(loom)))]
    pub(super) fn with_driver(deadline: Instant, driver: Arc<TimeDriver>) -> Sleep {
        Sleep::with_binding(deadline, Binding::Bound(ThreadDriver::new(driver)))
    }

    fn with_binding(deadline: Instant, driver: Binding) -> Sleep {
        Sleep {
            deadline,
            driver,
            key: None,
            elapsed: false,
        }
    }

    /// The instant at which this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached: this sleep completed, or its timer fired.
    pub fn is_elapsed(&self) -> bool {
        // A registered key implies a bound driver.
        self.elapsed
            || self.key.is_some_and(|key| {
                self.driver
                    .bound()
                    .is_some_and(|driver| !driver.is_pending(key))
            })
    }

    /// Moves the deadline to `deadline`, whether or not this sleep already completed; a completed
    /// sleep becomes pending again. If the timer is registered, it moves with its waker, so the
    /// task that awaits this sleep wakes at the new deadline without polling it first.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::time::{sleep, Instant};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let mut delay = sleep(Duration::from_millis(5));
    ///     (&mut delay).await;
    ///     let again = Instant::now() + Duration::from_millis(5);
    ///     std::pin::Pin::new(&mut delay).reset(again);
    ///     assert!(!delay.is_elapsed());
    ///     delay.await;
    ///     assert!(Instant::now() >= again);
    /// }
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        this.elapsed = false;
        if let (Some(key), Some(driver)) = (this.key, this.driver.bound()) {
            if !driver.reset(key, driver.deadline_tick(deadline.into_std())) {
                this.key = None;
            }
        }
    }

    /// The clock of this sleep's driver (`Instant::now()` unless paused); binds the driver. Once
    /// the runtime is gone its clock no longer matters (the next poll panics): the real one.
    pub(super) fn now(&mut self) -> Instant {
        match self.driver.try_driver() {
            Some(driver) => Instant::from_std(driver.now()),
            None => Instant::from_std(std::time::Instant::now()),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // A leaf future of the cooperative budget: an interval whose ticks are all overdue
        // must not keep its task from yielding.
        let progress = std::task::ready!(weft_io::coop::poll_proceed(cx));
        let this = self.get_mut();
        let elapsed = this.poll_elapsed(cx);
        if elapsed.is_ready() {
            progress.made_progress();
        }
        elapsed
    }
}

impl Sleep {
    /// `poll` past the budget: the deadline check, and the timer's registration.
    fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.elapsed {
            return Poll::Ready(());
        }
        let driver = self.driver.driver();
        if driver.is_shutdown() {
            shut_down();
        }
        let deadline = self.deadline.into_std();
        loop {
            if driver.now() >= deadline {
                if let Some(key) = self.key.take() {
                    driver.cancel(key);
                }
                self.elapsed = true;
                return Poll::Ready(());
            }
            let registered = match self.key {
                Some(key) => driver.update_waker(key, cx.waker()),
                None => driver
                    .register(driver.deadline_tick(deadline), cx.waker())
                    .map(|key| {
                        self.key = Some(key);
                        true
                    }),
            };
            match registered {
                Ok(true) => return Poll::Pending,
                // The timer fired, yet the clock says the deadline is still ahead (a clock read
                // before the fire, or a deadline past the driver's range): check the clock again
                // and register anew if need be.
                Ok(false) => self.key = None,
                Err(Shutdown) => shut_down(),
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let (Some(key), Some(driver)) = (self.key.take(), self.driver.bound()) {
            driver.cancel(key);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("bound", &self.driver.bound().is_some())
            .field("registered", &self.key.is_some())
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
