//! [`AbortOnDropHandle`] and [`AbortOnDrop`]: task handles that abort their task when dropped.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::task::{AbortHandle, JoinError, JoinHandle};

/// A weft [`JoinHandle`] that aborts its task when dropped (a plain `JoinHandle` detaches it),
/// so a task cannot outlive the scope that owns its handle. Await it as the `JoinHandle`.
///
/// tokio-util's `AbortOnDropHandle`, for weft's task handles.
///
/// ```
/// use weft_util::task::AbortOnDropHandle;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let (tx, rx) = weft::sync::oneshot::channel::<()>();
///     let handle = AbortOnDropHandle::new(weft::spawn(async move {
///         let _tx = tx; // dropped when the task is aborted
///         std::future::pending::<()>().await
///     }));
///     drop(handle);
///     assert!(rx.await.is_err(), "the task was aborted, its sender dropped");
///     let answer = AbortOnDropHandle::new(weft::spawn(async { 42 }));
///     assert_eq!(answer.await.unwrap(), 42);
/// });
/// ```
#[must_use = "dropping an AbortOnDropHandle aborts its task"]
pub struct AbortOnDropHandle<T> {
    /// `None` only after `detach` took it (then `Drop` has nothing to abort).
    handle: Option<JoinHandle<T>>,
}

impl<T> AbortOnDropHandle<T> {
    /// Takes charge of `handle`'s task.
    pub fn new(handle: JoinHandle<T>) -> Self {
        AbortOnDropHandle {
            handle: Some(handle),
        }
    }

    fn inner(&self) -> &JoinHandle<T> {
        self.handle
            .as_ref()
            .expect("only `detach` takes the handle, and it consumes self")
    }

    /// Aborts the task now (see [`JoinHandle::abort`]).
    pub fn abort(&self) {
        self.inner().abort();
    }

    /// Whether the task has finished (completed, panicked or been aborted).
    pub fn is_finished(&self) -> bool {
        self.inner().is_finished()
    }

    /// An [`AbortHandle`] for the task, which does not abort it when dropped.
    pub fn abort_handle(&self) -> AbortHandle {
        self.inner().abort_handle()
    }

    /// Gives the plain [`JoinHandle`] back: the task is no longer aborted on drop.
    pub fn detach(mut self) -> JoinHandle<T> {
        self.handle
            .take()
            .expect("only `detach` takes the handle, and it consumes self")
    }
}

impl<T> Drop for AbortOnDropHandle<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}

impl<T> Future for AbortOnDropHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self
            .get_mut()
            .handle
            .as_mut()
            .expect("only `detach` takes the handle, and it consumes self");
        Pin::new(handle).poll(cx)
    }
}

impl<T> AsRef<JoinHandle<T>> for AbortOnDropHandle<T> {
    fn as_ref(&self) -> &JoinHandle<T> {
        self.inner()
    }
}

impl<T> fmt::Debug for AbortOnDropHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortOnDropHandle")
            .field("handle", &self.handle)
            .finish()
    }
}

/// A weft [`AbortHandle`] that aborts its task when dropped.
///
/// tokio-util's `AbortOnDrop`, for weft's abort handles.
#[must_use = "dropping an AbortOnDrop aborts its task"]
pub struct AbortOnDrop {
    /// `None` only after `detach` took it.
    handle: Option<AbortHandle>,
}

impl AbortOnDrop {
    /// Takes charge of `handle`'s task.
    pub fn new(handle: AbortHandle) -> Self {
        AbortOnDrop {
            handle: Some(handle),
        }
    }

    fn inner(&self) -> &AbortHandle {
        self.handle
            .as_ref()
            .expect("only `detach` takes the handle, and it consumes self")
    }

    /// Aborts the task now.
    pub fn abort(&self) {
        self.inner().abort();
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.inner().is_finished()
    }

    /// Gives the plain [`AbortHandle`] back: the task is no longer aborted on drop.
    pub fn detach(mut self) -> AbortHandle {
        self.handle
            .take()
            .expect("only `detach` takes the handle, and it consumes self")
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}

impl fmt::Debug for AbortOnDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortOnDrop")
            .field("handle", &self.handle)
            .finish()
    }
}
