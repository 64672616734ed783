//! `join_all`: await many futures of one type concurrently inside the current task (gather).
//!
//! The futures live in one boxed slice and are polled in place. Each has its own waker (a
//! [`ReadyWaker`] keyed by its index), so a poll of [`JoinAll`] polls only the futures woken
//! since the last one: O(1) work per wake-up per woken future, however many are waiting.
//!
//! Invariants:
//! - The boxed slice is never reallocated, and a future is never moved out of it: a `Running`
//!   slot is only polled through `Pin::new_unchecked` or overwritten in place (which drops the
//!   future where it lies). Only `Done` outputs are moved out. `JoinAll` is therefore `Unpin`
//!   whatever the futures are.
//! - At the first poll every index is queued, in input order; afterwards an index is queued by
//!   its waker only (see `ready.rs` for the no-lost-wake and at-most-once arguments).
//! - One poll handles the indices queued when it starts. Indices woken during that poll (a
//!   future that wakes itself, like `yield_now`) are left for the next poll, and `JoinAll`
//!   wakes its own task so that it comes back: it yields instead of spinning.

use super::ready::{ReadyList, ReadyWaker};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::mem;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Runs every future of `iter` concurrently inside the current task, and returns their outputs
/// in input order: `asyncio.gather` over coroutines.
///
/// Nothing is spawned: the futures are polled by the task that awaits the result, so they need
/// not be `Send` or `'static`, and they run concurrently but not in parallel. To use several
/// threads, spawn them into a [`JoinSet`](super::JoinSet) instead. Each future has its own
/// waker, so a wake-up polls only the futures that were woken, not all of them: gathering ten
/// thousand futures costs ten thousand polls per round only when all of them are woken.
///
/// Dropping the returned future drops every future that has not completed (cancellation).
/// A panic in one of the futures propagates out of the `await`; the futures not yet completed
/// are dropped with it.
///
/// ```
/// use std::time::Duration;
/// use weft::time::sleep;
///
/// async fn square(n: u64) -> u64 {
///     sleep(Duration::from_millis(20 - n)).await; // later inputs finish first
///     n * n
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let squares = weft::task::join_all((1..=5).map(square)).await;
///     assert_eq!(squares, [1, 4, 9, 16, 25]); // input order, not completion order
/// }
/// ```
pub fn join_all<I>(iter: I) -> JoinAll<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    let slots: Box<[Slot<_>]> = iter
        .into_iter()
        .map(|future| Slot::Running(future.into_future()))
        .collect();
    let ready = ReadyList::new();
    let wakers = (0..slots.len())
        .map(|index| {
            ready.push_quiet(index);
            ReadyWaker::new(index, &ready, true)
        })
        .collect();
    JoinAll {
        remaining: slots.len(),
        slots,
        wakers,
        ready,
        batch: Vec::new(),
    }
}

/// The future of [`join_all`]: all the outputs, in input order.
///
/// It is `Unpin` (the futures are pinned in a heap block of their own), so it can be polled by
/// `&mut` reference, in a [`select!`](crate::select) loop say, and keeps its progress.
///
/// ```
/// use std::time::Duration;
/// use weft::time::sleep;
///
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let mut all = weft::task::join_all([10, 20, 30].map(|ms| async move {
///     sleep(Duration::from_millis(ms)).await;
///     ms
/// }));
/// let mut ticks = weft::time::interval(Duration::from_millis(5));
/// let outputs = loop {
///     weft::select! {
///         outputs = &mut all => break outputs,
///         _ = ticks.tick() => {} // other work while the gather goes on
///     }
/// };
/// assert_eq!(outputs, [10, 20, 30]);
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct JoinAll<F: Future> {
    slots: Box<[Slot<F>]>,
    wakers: Box<[Arc<ReadyWaker<usize>>]>,
    ready: Arc<ReadyList<usize>>,
    /// Slots still `Running`.
    remaining: usize,
    /// The indices being polled this round; kept to reuse its allocation.
    batch: Vec<usize>,
}

enum Slot<F: Future> {
    Running(F),
    Done(F::Output),
    Taken,
}

// The futures are pinned inside the boxed slice (see the module invariants), never in `JoinAll`.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let this = self.get_mut();
        let mut batch = mem::take(&mut this.batch);
        this.ready.take_all(&mut batch);
        for &index in &batch {
            // Clear the flag first: a wake from here on queues the index again.
            this.wakers[index].take_queued();
            let slot = &mut this.slots[index];
            let Slot::Running(future) = slot else {
                continue;
            };
            let waker = Waker::from(this.wakers[index].clone());
            // SAFETY: the future lies in the boxed slice, which never moves or reallocates, and
            // it stays there until it is dropped in place (module invariants).
            let future = unsafe { Pin::new_unchecked(future) };
            if let Poll::Ready(output) = future.poll(&mut Context::from_waker(&waker)) {
                // Drops the future in place, as its pin requires.
                *slot = Slot::Done(output);
                this.remaining -= 1;
            }
        }
        batch.clear();
        this.batch = batch;

        if this.remaining == 0 {
            let outputs = this
                .slots
                .iter_mut()
                .map(|slot| match mem::replace(slot, Slot::Taken) {
                    Slot::Done(output) => output,
                    _ => panic!("`JoinAll` polled after it completed"),
                })
                .collect();
            return Poll::Ready(outputs);
        }
        if !this.ready.register(cx.waker()) {
            // Woken while we polled: come back after the other tasks had a turn.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl<F: Future> fmt::Debug for JoinAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinAll")
            .field("len", &self.slots.len())
            .field("remaining", &self.remaining)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
