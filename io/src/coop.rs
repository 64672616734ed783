//! The cooperative budget: how many times a task may poll a leaf future (a socket operation, a
//! channel receive, a timer, ...) that makes progress before those futures make it yield.
//!
//! Without it, a task whose futures are always ready never returns `Pending`: a biased
//! `select!` never reaches its other branch, a `timeout` never fires, and one busy connection
//! keeps its worker to itself. With it, every leaf future first calls [`poll_proceed`]; once
//! the task has made [`INITIAL_BUDGET`] steps of progress in one poll, `poll_proceed` returns
//! `Pending` and wakes the task, so the task goes back to its scheduler's queue and the rest of
//! the runtime runs before it resumes with a fresh budget.
//!
//! ```
//! use std::future::poll_fn;
//! use std::task::Poll;
//! use weft_io::coop;
//!
//! let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
//! let steps = reactor.block_on(async {
//!     // An always-ready loop that cooperates: it yields after the budget's worth of steps.
//!     let mut steps = 0;
//!     poll_fn(|cx| loop {
//!         match coop::poll_proceed(cx) {
//!             Poll::Ready(progress) => {
//!                 progress.made_progress();
//!                 steps += 1;
//!             }
//!             Poll::Pending => return Poll::Ready(steps),
//!         }
//!     })
//!     .await
//! })?;
//! assert_eq!(steps, coop::INITIAL_BUDGET);
//! # std::io::Result::Ok(())
//! ```
//!
//! # Why the budget lives here
//!
//! The budget is a thread-local that the executor sets around each poll of a task, and that
//! every leaf future reads. weft-io's sockets are leaf futures and must read it, yet weft-io
//! knows nothing of any scheduler; weft's runtime (its scheduler, timers, channels and join
//! handles) depends on weft-io. So the budget lives in the lowest crate that needs it, this one,
//! with a small public interface for executors ([`budget`]) beside the one for futures (the
//! names of tokio's `task::coop`, which `weft::task::coop` re-exports). Any executor that drives
//! weft-io's sockets can give its tasks a budget the same way, and code outside a budgeted poll
//! (a plain thread, a test) is never constrained: the thread-local starts unconstrained.
//!
//! Invariants:
//! - The budget is per thread and restored when the scope that set it ends ([`budget`],
//!   [`with_unconstrained`]), even on a panic, so nested executors (a `block_on` inside a
//!   blocking job) see their own budget and leave the outer one as it was.
//! - A unit of budget is spent only on progress: a leaf future that ends up `Pending` after
//!   `poll_proceed` gives its unit back when the [`RestoreOnPending`] drops.
//! - `poll_proceed` returns `Pending` only after waking the task, so the task is never stranded.
//!
//! The thread-local is a plain `std` one, not one of loom's: no loom model of weft or weft-io
//! runs a budgeted poll, and the value is never shared between threads.

use std::borrow::Borrow;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The budget a task gets for each poll: steps of progress of leaf futures before they make it
/// yield (tokio's value).
pub const INITIAL_BUDGET: u8 = 128;

thread_local! {
    /// `None`: unconstrained (outside a budgeted poll, or inside [`unconstrained`]).
    static BUDGET: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Restores the previous budget when a scope ends, even by unwinding.
struct ResetGuard {
    previous: Option<u8>,
}

impl Drop for ResetGuard {
    fn drop(&mut self) {
        let _ = BUDGET.try_with(|cell| cell.set(self.previous));
    }
}

fn with_budget<R>(budget: Option<u8>, f: impl FnOnce() -> R) -> R {
    // If the thread-local is gone (a poll from another thread-local's destructor), `f` runs
    // with whatever budget there is: unconstrained.
    let _guard = BUDGET
        .try_with(|cell| ResetGuard {
            previous: cell.replace(budget),
        })
        .ok();
    f()
}

/// For executors: runs `f` (one poll of a task) with a fresh budget of [`INITIAL_BUDGET`],
/// then restores the budget the thread had.
///
/// ```
/// use weft_io::coop;
///
/// assert!(coop::has_budget_remaining()); // unconstrained outside a task
/// coop::budget(|| {
///     // ... poll the task here ...
///     assert!(coop::has_budget_remaining());
/// });
/// ```
#[inline]
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Some(INITIAL_BUDGET), f)
}

/// [`budget`], also telling whether `f` spent the whole budget (its leaf futures made the task
/// yield, or would have at their next step): how an executor counts forced yields (tokio's
/// `budget_forced_yield_count`).
///
/// ```
/// use weft_io::coop;
///
/// let ((), spent) = coop::budget_spent(|| {});
/// assert!(!spent);
/// ```
#[inline]
pub fn budget_spent<R>(f: impl FnOnce() -> R) -> (R, bool) {
    with_budget(Some(INITIAL_BUDGET), || {
        let output = f();
        // Read before `with_budget` restores the thread's previous budget.
        let spent = BUDGET
            .try_with(|cell| cell.get() == Some(0))
            .unwrap_or(false);
        (output, spent)
    })
}

/// Runs `f` with no budget: the leaf futures it polls never make it yield. The budget the
/// thread had is restored afterwards, spent steps included.
#[inline]
pub fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(None, f)
}

/// Whether the current task may still make progress before it is made to yield. Always `true`
/// outside a budgeted poll.
///
/// ```
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// use weft_io::coop::{consume_budget, has_budget_remaining, INITIAL_BUDGET};
///
/// assert!(has_budget_remaining());
/// for _ in 0..INITIAL_BUDGET {
///     consume_budget().await;
/// }
/// assert!(!has_budget_remaining());
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    BUDGET
        .try_with(|cell| cell.get() != Some(0))
        .unwrap_or(true)
}

/// A unit of budget taken by [`poll_proceed`]: it goes back to the task when this drops, unless
/// [`made_progress`](RestoreOnPending::made_progress) was called.
#[must_use = "drop it after the operation, and call made_progress if the operation made progress"]
pub struct RestoreOnPending {
    /// The budget before the unit was taken; `None`: nothing to restore.
    previous: Cell<Option<u8>>,
    /// Restores a thread-local: it must drop on the thread that made it.
    _not_send: PhantomData<*mut ()>,
}

impl RestoreOnPending {
    /// The operation made progress: the unit of budget stays spent.
    #[inline]
    pub fn made_progress(&self) {
        self.previous.set(None);
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        if let Some(previous) = self.previous.get() {
            let _ = BUDGET.try_with(|cell| cell.set(Some(previous)));
        }
    }
}

impl fmt::Debug for RestoreOnPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestoreOnPending").finish_non_exhaustive()
    }
}

/// Takes a unit of the current task's budget, or, if it is spent, wakes the task and returns
/// `Pending` so that it yields to its scheduler. Leaf futures call this first.
///
/// The unit is given back when the returned [`RestoreOnPending`] drops, unless the caller
/// reports progress with [`made_progress`](RestoreOnPending::made_progress). Outside a budgeted
/// poll this is always `Ready` and takes nothing.
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::{ready, Context, Poll};
/// use weft_io::coop;
///
/// /// A counter that is always ready, but cooperates.
/// struct Tick(u64);
///
/// impl Future for Tick {
///     type Output = u64;
///     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
///         let progress = ready!(coop::poll_proceed(cx));
///         progress.made_progress();
///         self.0 += 1;
///         Poll::Ready(self.0)
///     }
/// }
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    proceed(cx)
}

/// [`poll_proceed`] for callers that hold a shared `Context`.
#[inline]
pub(crate) fn proceed(cx: &Context<'_>) -> Poll<RestoreOnPending> {
    // `Ok(None)`: the budget is spent. `Ok(Some(previous))`: a unit was taken (`previous` is
    // `None` when unconstrained). `Err`: the thread-local is gone; treat as unconstrained.
    let taken = BUDGET.try_with(|cell| match cell.get() {
        Some(0) => None,
        Some(left) => {
            cell.set(Some(left - 1));
            Some(Some(left))
        }
        None => Some(None),
    });
    match taken {
        Ok(None) => {
            // The task goes back to its queue; its scheduler runs the others first.
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Ok(Some(previous)) => Poll::Ready(RestoreOnPending {
            previous: Cell::new(previous),
            _not_send: PhantomData,
        }),
        Err(_) => Poll::Ready(RestoreOnPending {
            previous: Cell::new(None),
            _not_send: PhantomData,
        }),
    }
}

/// Polls `poll` as a leaf future: a unit first (or a yield if the budget is spent), spent only
/// if `poll` is ready. weft-io's socket operations go through this with a `&Context`, the
/// budgeted wrappers of tokio's pipes and copies with the `&mut Context` their trait methods
/// get (both borrow as a `Context`).
#[inline]
pub(crate) fn leaf<'b, C: Borrow<Context<'b>>, T>(
    cx: C,
    poll: impl FnOnce(C) -> Poll<T>,
) -> Poll<T> {
    let progress = std::task::ready!(proceed(cx.borrow()));
    let output = poll(cx);
    if output.is_ready() {
        progress.made_progress();
    }
    output
}

/// Takes a unit of budget for a step that always makes progress: `Pending` (the task woken) if
/// the budget is spent, else `Ready` with the unit spent.
#[inline]
pub fn poll_proceed_and_make_progress(cx: &mut Context<'_>) -> Poll<()> {
    poll_proceed(cx).map(|progress| progress.made_progress())
}

/// Spends one unit of the current task's budget, yielding to the scheduler first if it is
/// spent. For loops that make progress without polling any leaf future (CPU work between
/// awaits), so that they still let the rest of the runtime run.
///
/// ```
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let mut sum = 0u64;
/// for i in 0..10_000 {
///     sum += i; // some work
///     weft_io::coop::consume_budget().await;
/// }
/// assert_eq!(sum, 49_995_000);
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn consume_budget() {
    ConsumeBudget { done: false }.await
}

/// The future of [`consume_budget`]: `Ready` once it has spent its unit.
struct ConsumeBudget {
    done: bool,
}

impl Future for ConsumeBudget {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.done {
            std::task::ready!(poll_proceed_and_make_progress(cx));
            self.done = true;
        }
        Poll::Ready(())
    }
}

/// Makes `future` a leaf future of the budget: each poll first takes a unit of budget (or
/// yields if it is spent), and the unit stays spent only if `future` completes.
///
/// For futures from outside weft that never yield on their own, such as another crate's
/// channel:
///
/// ```
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// use weft_io::coop::cooperative;
///
/// let value = cooperative(async { 42 }).await;
/// assert_eq!(value, 42);
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub fn cooperative<F: Future>(future: F) -> Coop<F> {
    Coop { future }
}

/// The future of [`cooperative`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Coop<F> {
    future: F,
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let progress = std::task::ready!(poll_proceed(cx));
        // SAFETY: `future` is structurally pinned: `Coop` never moves it out, has no `Drop`,
        // and is `Unpin` only when `F` is (the auto trait).
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        let output = std::task::ready!(future.poll(cx));
        progress.made_progress();
        Poll::Ready(output)
    }
}

/// Opts `future` out of the budget: the leaf futures it polls never make it yield. Use it for
/// work that must not be interrupted, knowing that it can then keep its worker to itself.
///
/// ```
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// use weft_io::coop::{consume_budget, unconstrained, INITIAL_BUDGET};
///
/// // Ten budgets' worth of steps in one poll.
/// unconstrained(async {
///     for _ in 0..10 * u32::from(INITIAL_BUDGET) {
///         consume_budget().await;
///     }
/// })
/// .await;
/// # })?;
/// # std::io::Result::Ok(())
/// ```
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { future }
}

/// The future of [`unconstrained`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Unconstrained<F> {
    future: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: as in `Coop::poll`: `future` is structurally pinned and never moved out.
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        with_unconstrained(|| future.poll(cx))
    }
}

#[cfg(test)]
mod tests;
