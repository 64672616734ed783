//! Polling a future inside a weft runtime's context from outside it.
//!
//! A future that calls `weft::spawn`, opens a weft socket or arms a weft timer needs a weft
//! runtime current on the thread that polls it. [`TokioContext`] makes one current around
//! each poll, so such a future can run on another executor (or another weft runtime) and
//! still reach the runtime it was made for. tokio-util's `context`, for weft's runtime.

use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::runtime::{Handle, Runtime};

pin_project! {
    /// A future that enters its runtime (`Handle::enter`) for each poll of the future inside.
    ///
    /// ```
    /// use weft_util::context::RuntimeExt;
    ///
    /// let runtime = weft::runtime::Runtime::new().unwrap();
    /// // `weft::spawn` outside every runtime would panic; wrapped, it spawns on `runtime`.
    /// let future = runtime.wrap(async { weft::spawn(async { 6 * 7 }).await.unwrap() });
    /// let answer = std::thread::spawn(move || {
    ///     // Another weft runtime's thread stands in for any executor.
    ///     weft::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
    /// });
    /// assert_eq!(answer.join().unwrap(), 42);
    /// ```
    pub struct TokioContext<F> {
        #[pin]
        inner: F,
        handle: Handle,
    }
}

impl<F> TokioContext<F> {
    /// Wraps `future`, to be polled inside `handle`'s runtime.
    pub fn new(future: F, handle: Handle) -> TokioContext<F> {
        TokioContext {
            inner: future,
            handle,
        }
    }

    /// The runtime the future is polled in.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Unwraps the future.
    pub fn into_inner(self) -> F {
        self.inner
    }
}

impl<F: Future> Future for TokioContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.handle.enter();
        this.inner.poll(cx)
    }
}

impl<F: fmt::Debug> fmt::Debug for TokioContext<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioContext")
            .field("inner", &self.inner)
            .field("handle", &self.handle)
            .finish()
    }
}

/// Bundles a weft [`Runtime`] with a future: [`wrap`](RuntimeExt::wrap).
pub trait RuntimeExt {
    /// `fut`, polled inside this runtime's context (a [`TokioContext`] with its handle).
    fn wrap<F: Future>(&self, fut: F) -> TokioContext<F>;
}

impl RuntimeExt for Runtime {
    fn wrap<F: Future>(&self, fut: F) -> TokioContext<F> {
        TokioContext::new(fut, self.handle().clone())
    }
}
