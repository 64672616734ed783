//! `TaskGroup`: asyncio's `TaskGroup` — spawned tasks that succeed together or fail together.
//!
//! Each member is spawned as a task running a [`Member`] wrapper around the user's future. The
//! wrapper catches the future's panic and reports the outcome to the group's shared state
//! (`group_state.rs`) from inside the task, the moment the future completes: a failure cancels
//! the other members right there, through their [`AbortHandle`]s, without waiting for anyone to
//! poll `join`. The wrapper's `Drop` reports a member whose future was dropped unfinished (it
//! was cancelled), so that the group knows when every member has stopped.
//!
//! Invariants:
//! - A member reports exactly once: `finish` when its future completes (after dropping it), or
//!   `release` when the wrapper is dropped with the future still inside. `group` is taken by
//!   whichever does it.
//! - The user's future is pinned inside the wrapper (a task's future never moves) and is dropped
//!   in place, before the group hears that the member ended: when `join` returns, every
//!   member's destructors have run.

use super::group_state::{Failure, GroupState};
use super::AbortHandle;
use crate::loom::Arc;
use crate::runtime::Handle;
use std::fmt;
use std::future::{poll_fn, Future};
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A group of spawned tasks that succeed together or fail together: asyncio's `TaskGroup`,
/// which tokio lacks.
///
/// [`spawn`](TaskGroup::spawn) starts a member: a task whose future returns `Result<T, E>`.
/// [`join`](TaskGroup::join) waits for every member and returns their values in spawn order.
/// The first member to fail, by returning `Err` or by panicking, cancels every other member
/// **at once** (when it fails, not when `join` is next polled); `join` then returns that first
/// error, or resumes that panic in the task that awaits it. Later errors are dropped.
///
/// `join` returns only after every member has stopped (returned, failed, or been cancelled and
/// dropped), as asyncio's `async with` block waits for its cancelled tasks: when it returns,
/// every member's destructors have run. Cancellation takes effect at a member's next `.await`,
/// so a member busy in plain code delays `join` until it reaches one.
///
/// Dropping a `TaskGroup` (or its `join` future) cancels every member still running. Spawning
/// into a group that has already failed cancels the new member on the spot: it is never
/// polled.
///
/// # `TaskGroup` or [`JoinSet`](super::JoinSet)?
///
/// | | `TaskGroup<T, E>` | `JoinSet<T>` |
/// |---|---|---|
/// | members return | `Result<T, E>` | any `T` |
/// | results | all at once, in spawn order: `Result<Vec<T>, E>` | one at a time, in completion order |
/// | a member fails | the others are cancelled at once; `join` returns the error | nothing happens to the others; you get the `Err` from `join_next` and decide |
/// | a member panics | the others are cancelled; the panic resumes in the joiner | a `JoinError` that `is_panic()` |
/// | `join` returns | when every member has stopped | `join_next`: as soon as one task completes |
/// | dropping it | cancels the members | aborts the tasks |
/// | cancel one task | no (the group succeeds or fails as a whole) | `AbortHandle` from `spawn` |
///
/// Use a `TaskGroup` for structured work that only makes sense as a whole (fetch every part of
/// a page; if one fails, stop the rest and report it), and a `JoinSet` to process results as
/// they arrive, to tolerate individual failures, or to keep a changing pool of workers.
///
/// ```
/// use std::time::Duration;
/// use weft::task::TaskGroup;
/// use weft::time::sleep;
///
/// async fn fetch(part: u32) -> Result<String, String> {
///     sleep(Duration::from_millis(10 * part as u64)).await;
///     if part == 13 {
///         return Err(format!("part {part} is missing"));
///     }
///     Ok(format!("part {part}"))
/// }
///
/// #[weft::main]
/// async fn main() {
///     let group = TaskGroup::new();
///     for part in [3, 1, 2] {
///         group.spawn(fetch(part));
///     }
///     // Spawn order, whatever the completion order.
///     assert_eq!(group.join().await.unwrap(), ["part 3", "part 1", "part 2"]);
///
///     let group = TaskGroup::new();
///     group.spawn(async {
///         sleep(Duration::from_secs(3600)).await; // cancelled when part 13 fails
///         Ok(String::new())
///     });
///     group.spawn(fetch(13));
///     assert_eq!(group.join().await.unwrap_err(), "part 13 is missing");
/// }
/// ```
///
/// A panic in a member is resumed in the joiner:
///
/// ```should_panic
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let group = weft::task::TaskGroup::<(), ()>::new();
/// group.spawn(async { panic!("a member panicked") });
/// let _ = group.join().await; // panics with "a member panicked"
/// # });
/// ```
pub struct TaskGroup<T, E> {
    state: Arc<GroupState<T, E, AbortHandle>>,
}

impl<T, E> TaskGroup<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    /// An empty group. Needs no runtime until a member is spawned.
    ///
    /// ```
    /// let group = weft::task::TaskGroup::<u32, String>::new();
    /// assert!(group.is_empty());
    /// ```
    pub fn new() -> TaskGroup<T, E> {
        TaskGroup {
            state: Arc::new(GroupState::new()),
        }
    }

    /// Spawns `future` as a member of the group on the current runtime. It starts at once and
    /// runs in parallel with the other members; its `Ok` value takes the next place in the
    /// `Vec` that [`join`](TaskGroup::join) returns, and an `Err` (or a panic) fails the group.
    ///
    /// If the group has already failed, the member is cancelled on the spot and never polled.
    ///
    /// # Panics
    /// Outside a weft runtime, as [`spawn`](crate::spawn).
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let group = weft::task::TaskGroup::new();
    /// for i in 0..3u32 {
    ///     group.spawn(async move { Ok::<_, String>(i * 2) });
    /// }
    /// assert_eq!(group.join().await, Ok(vec![0, 2, 4]));
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let (index, member) = self.member(future);
        let handle = crate::spawn(member);
        self.state.attach(index, handle.abort_handle());
    }

    /// [`spawn`](TaskGroup::spawn) on the runtime of `handle`.
    ///
    /// ```
    /// let runtime = weft::runtime::Runtime::new().unwrap();
    /// let group = weft::task::TaskGroup::new();
    /// group.spawn_on(async { Ok::<_, ()>("on the runtime") }, runtime.handle());
    /// assert_eq!(runtime.block_on(group.join()), Ok(vec!["on the runtime"]));
    /// ```
    pub fn spawn_on<F>(&self, future: F, handle: &Handle)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let (index, member) = self.member(future);
        let join = handle.spawn(member);
        self.state.attach(index, join.abort_handle());
    }

    fn member<F>(&self, future: F) -> (usize, Member<F, T, E>)
    where
        F: Future<Output = Result<T, E>>,
    {
        let index = self.state.register();
        // From here on the member must report: if spawning fails (no runtime), the wrapper is
        // dropped unpolled and reports through `Drop`.
        let member = Member {
            future: Some(future),
            index,
            group: Some(self.state.clone()),
            started: false,
            _output: PhantomData,
        };
        (index, member)
    }

    /// The number of members spawned so far.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let group = weft::task::TaskGroup::<(), ()>::new();
    /// group.spawn(async { Ok(()) });
    /// assert_eq!(group.len(), 1);
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.state.counts().0
    }

    /// Whether no member was spawned.
    ///
    /// ```
    /// let group = weft::task::TaskGroup::<(), ()>::new();
    /// assert!(group.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits for every member to stop, and returns their values in spawn order, or the first
    /// error.
    ///
    /// # Panics
    /// If a member panicked (and no member had failed before), its panic is resumed here. If a
    /// member was cancelled by something other than the group (its runtime shut down), this
    /// panics with a message that says so.
    ///
    /// Dropping the returned future before it completes drops the group, which cancels every
    /// member still running.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let group = weft::task::TaskGroup::<u8, &str>::new();
    /// assert_eq!(group.join().await, Ok(vec![])); // no members: at once
    /// # });
    /// ```
    pub async fn join(self) -> Result<Vec<T>, E> {
        match poll_fn(|cx| self.state.poll_join(cx.waker())).await {
            Ok(outputs) => Ok(outputs),
            Err(Failure::Error(error)) => Err(error),
            Err(Failure::Panic(payload)) => panic::resume_unwind(payload),
            Err(Failure::Cancelled { member }) => panic!(
                "TaskGroup member {member} was cancelled from outside the group \
                 (did its runtime shut down?)"
            ),
        }
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        self.state.close();
    }
}

impl<T, E> Default for TaskGroup<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    fn default() -> TaskGroup<T, E> {
        TaskGroup::new()
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (members, live) = self.state.counts();
        f.debug_struct("TaskGroup")
            .field("members", &members)
            .field("running", &live)
            .finish()
    }
}

pin_project_lite::pin_project! {
    /// The future a member's task runs: the user's future, reporting to the group when it ends.
    struct Member<F, T, E> {
        // `None` once dropped.
        #[pin]
        future: Option<F>,
        index: usize,
        // Taken when the member reports.
        group: Option<Arc<GroupState<T, E, AbortHandle>>>,
        // Whether the inner future was polled yet.
        started: bool,
        _output: PhantomData<fn() -> T>,
    }

    impl<F, T, E> PinnedDrop for Member<F, T, E> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let Some(group) = this.group.take() else {
                return; // reported by `poll`
            };
            // Dropped unfinished: cancelled (or never spawned). The future goes first.
            match drop_future(this.future) {
                Ok(()) => group.release(*this.index),
                Err(payload) => group.finish(*this.index, Err(Failure::Panic(payload))),
            }
        }
    }
}

impl<F, T, E> Future for Member<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        if !*this.started {
            *this.started = true;
            // Spawned after the group failed (or was dropped), and run before `attach` could
            // abort it: never poll it. Ending here drops the wrapper, whose `Drop` reports the
            // cancellation. Later polls need no check: `fail` aborts running members itself.
            if this.group.as_ref().is_some_and(|group| group.is_stopping()) {
                return Poll::Ready(());
            }
        }
        let outcome = match panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(output))) => Ok(output),
            Ok(Poll::Ready(Err(error))) => Err(Failure::Error(error)),
            Err(payload) => Err(Failure::Panic(payload)),
        };
        // Drop the future (and whatever it holds) before the group hears of the end.
        let outcome = match (drop_future(this.future), outcome) {
            (Err(payload), Ok(_) | Err(Failure::Error(_))) => Err(Failure::Panic(payload)),
            (_, outcome) => outcome,
        };
        if let Some(group) = this.group.take() {
            group.finish(*this.index, outcome);
        }
        Poll::Ready(())
    }
}

/// Drops a member's future in place (as its pin requires), catching a panic from its
/// destructor.
fn drop_future<F>(mut future: Pin<&mut Option<F>>) -> std::thread::Result<()> {
    panic::catch_unwind(AssertUnwindSafe(|| future.set(None)))
}

#[cfg(all(test, not(loom)))]
mod tests;
