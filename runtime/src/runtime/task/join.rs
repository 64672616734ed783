//! `JoinHandle` and `AbortHandle`.

use super::raw::Header;
use super::state::ToNotified;
use super::{Id, JoinError};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

/// An owned permission to await a task's output (or to abort it).
///
/// Awaiting it gives `Ok(output)`, or `Err(JoinError)` if the task was cancelled or panicked.
/// Dropping it detaches the task: it keeps running and its output is dropped.
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = weft::spawn(std::future::pending::<()>());
/// handle.abort();
/// assert!(handle.await.unwrap_err().is_cancelled());
/// # });
/// ```
pub struct JoinHandle<T> {
    ptr: NonNull<Header>,
    _output: PhantomData<T>,
}

// SAFETY: the handle reaches the task only through its synchronised state word and, after
// completion, moves the `T: Send` output out.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `abort` and `is_finished`, which use atomics.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// One counted reference with JOIN_INTEREST set, for a task whose output is `T`.
    pub(super) unsafe fn from_raw(ptr: NonNull<Header>) -> JoinHandle<T> {
        JoinHandle {
            ptr,
            _output: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle holds a reference.
        unsafe { self.ptr.as_ref() }
    }

    /// Cancels the task. It takes effect at the task's next `.await` (a poll boundary): a task
    /// running plain code finishes that stretch first. Awaiting the handle then gives a
    /// [`JoinError`] with [`is_cancelled`](JoinError::is_cancelled), unless the task had
    /// already completed, in which case its output is kept.
    pub fn abort(&self) {
        abort(self.ptr);
    }

    /// Whether the task has completed (returned, panicked or been cancelled).
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// A handle that can abort the task without owning its output.
    pub fn abort_handle(&self) -> AbortHandle {
        self.header().state.ref_inc();
        AbortHandle { ptr: self.ptr }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.header().id
    }
}

fn abort(ptr: NonNull<Header>) {
    // SAFETY: callers hold a reference.
    let header = unsafe { ptr.as_ref() };
    if header.state.transition_to_notified_and_cancel() == ToNotified::Submit {
        // SAFETY: the transition counted a reference for the `Notified` that `schedule` submits.
        unsafe { (header.vtable.schedule)(ptr) }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A leaf future of the cooperative budget: joining finished tasks in a loop yields.
        let progress = std::task::ready!(weft_io::coop::poll_proceed(cx));
        let mut output: Poll<Result<T, JoinError>> = Poll::Pending;
        let slot: *mut Poll<Result<T, JoinError>> = &mut output;
        // SAFETY: the vtable belongs to a task whose output type is `T`, and `slot` points to
        // a `Poll<Result<T, JoinError>>`, as `try_read_output` requires.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, slot.cast(), cx.waker()) };
        if output.is_ready() {
            progress.made_progress();
        }
        output
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: our reference (with JOIN_INTEREST) moves into `drop_join_handle`.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// Aborts a task without owning its output; cheap to keep beside the [`JoinHandle`].
pub struct AbortHandle {
    ptr: NonNull<Header>,
}

// SAFETY: an `AbortHandle` touches only the task's atomic state word.
unsafe impl Send for AbortHandle {}
// SAFETY: as above.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// Cancels the task; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        abort(self.ptr);
    }

    /// Whether the task has completed.
    pub fn is_finished(&self) -> bool {
        // SAFETY: we hold a reference.
        unsafe { self.ptr.as_ref() }.state.load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        // SAFETY: we hold a reference.
        unsafe { self.ptr.as_ref() }.id
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        // SAFETY: we hold a reference, so the header is alive.
        unsafe { self.ptr.as_ref() }.state.ref_inc();
        AbortHandle { ptr: self.ptr }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        // SAFETY: we hold a reference, which we drop here.
        let header = unsafe { self.ptr.as_ref() };
        if header.state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { (header.vtable.dealloc)(self.ptr) }
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}
