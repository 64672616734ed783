//! [`Sleep`], [`sleep`] and [`sleep_until`].

use super::driver::TimerKey as Key;
use super::driver::{Shutdown, TimeDriver};
use super::Instant;
use crate::loom::Arc;
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
/// Every [`Sleep`] keeps its driver alive. Were each to clone the driver's own `Arc`, every
/// `sleep` and `timeout` made on any worker would increment and then decrement that one count:
/// a cache line the workers pass between their cores, about a quarter of the time of tokio's
/// `time_sleep` shape (`perf`: the `lock inc`/`lock dec` pair). Instead each thread that enters
/// a runtime makes one `ThreadDriver`, on its first timer there (`context::time_driver`), and
/// its sleeps clone that: the count stays on the thread's own cache line unless a sleep moves
/// to another thread. It lives as long as the thread's entry into the runtime or its last
/// sleep, whichever is later, so it never outlives the driver it points to.
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

/// This thread's reference to the current runtime's time driver; panics outside a runtime.
#[track_caller]
pub(super) fn current_driver() -> Arc<ThreadDriver> {
    match crate::runtime::context::time_driver() {
        Some(driver) => driver,
        None => panic!("{}; {NEEDS_RUNTIME}", crate::runtime::context::NO_RUNTIME),
    }
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
    driver: Arc<ThreadDriver>,
    /// The registered timer; `None` before the first pending poll, after completion, and once
    /// the timer is known to have fired.
    key: Option<Key>,
    /// Set when a poll returned `Ready`.
    elapsed: bool,
}

impl Sleep {
    #[track_caller]
    pub(super) fn new(deadline: Instant) -> Sleep {
        Sleep::with_thread_driver(deadline, current_driver())
    }

    /// A sleep on `driver` itself, outside any runtime (the unit tests' manual drivers).
    #[cfg(all(test, not(loom)))]
    pub(super) fn with_driver(deadline: Instant, driver: Arc<TimeDriver>) -> Sleep {
        Sleep::with_thread_driver(deadline, ThreadDriver::new(driver))
    }

    fn with_thread_driver(deadline: Instant, driver: Arc<ThreadDriver>) -> Sleep {
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
        self.elapsed || self.key.is_some_and(|key| !self.driver.is_pending(key))
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
        if let Some(key) = this.key {
            if !this
                .driver
                .reset(key, this.driver.deadline_tick(deadline.into_std()))
            {
                this.key = None;
            }
        }
    }

    /// The clock of this sleep's driver (`Instant::now()` outside tests).
    pub(super) fn now(&self) -> Instant {
        Instant::from_std(self.driver.now())
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
        let this = self;
        if this.elapsed {
            return Poll::Ready(());
        }
        if this.driver.is_shutdown() {
            shut_down();
        }
        loop {
            if this.driver.now() >= this.deadline.into_std() {
                if let Some(key) = this.key.take() {
                    this.driver.cancel(key);
                }
                this.elapsed = true;
                return Poll::Ready(());
            }
            let registered = match this.key {
                Some(key) => this.driver.update_waker(key, cx.waker()),
                None => this
                    .driver
                    .register(
                        this.driver.deadline_tick(this.deadline.into_std()),
                        cx.waker(),
                    )
                    .map(|key| {
                        this.key = Some(key);
                        true
                    }),
            };
            match registered {
                Ok(true) => return Poll::Pending,
                // The timer fired, yet the clock says the deadline is still ahead (a clock read
                // before the fire, or a deadline past the driver's range): check the clock again
                // and register anew if need be.
                Ok(false) => this.key = None,
                Err(Shutdown) => shut_down(),
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.driver.cancel(key);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.key.is_some())
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
