//! Helpers for the unit tests of `join_all`, `JoinSet` and `TaskGroup`: a future completed by
//! hand that counts its polls and drops, and a waker that counts its wakes.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// The test's side of a [`Manual`] future.
#[derive(Clone, Default)]
pub(crate) struct Control(Arc<Mutex<ControlState>>);

#[derive(Default)]
struct ControlState {
    output: Option<u32>,
    waker: Option<Waker>,
    polls: usize,
    drops: usize,
}

impl Control {
    /// A future that is pending until [`complete`](Control::complete) gives it an output.
    pub(crate) fn future(&self) -> Manual {
        Manual(self.clone())
    }

    /// Sets the output and wakes the future's last waker.
    pub(crate) fn complete(&self, output: u32) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.output = Some(output);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes the future's last waker without completing it (a spurious wake).
    pub(crate) fn wake(&self) {
        let waker = self.0.lock().unwrap().waker.clone();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(crate) fn polls(&self) -> usize {
        self.0.lock().unwrap().polls
    }

    pub(crate) fn drops(&self) -> usize {
        self.0.lock().unwrap().drops
    }
}

/// A future driven by its [`Control`].
pub(crate) struct Manual(Control);

impl Future for Manual {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let mut state = (self.0).0.lock().unwrap();
        state.polls += 1;
        match state.output {
            Some(output) => Poll::Ready(output),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Manual {
    fn drop(&mut self) {
        (self.0).0.lock().unwrap().drops += 1;
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
pub(crate) struct CountingWaker(AtomicUsize);

impl CountingWaker {
    pub(crate) fn new() -> Arc<CountingWaker> {
        Arc::default()
    }

    pub(crate) fn wakes(&self) -> usize {
        self.0.load(SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Polls `future` once with `waker`.
pub(crate) fn poll_with<F: Future + ?Sized>(
    future: Pin<&mut F>,
    waker: &Arc<CountingWaker>,
) -> Poll<F::Output> {
    let waker = Waker::from(waker.clone());
    future.poll(&mut Context::from_waker(&waker))
}

/// Catches a panic out of a future's poll.
pub(crate) struct CatchUnwind<F>(pub(crate) F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::pin::Pin::new(inner).poll(cx)
        })) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}
