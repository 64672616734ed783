//! Unit-test helpers: a waker that counts its wakes, and polling a future by hand, so that the
//! sync tests need no runtime and can assert exact numbers of wakes and polls.

#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Counts the wakes of the wakers made from it.
#[derive(Debug, Default)]
pub(crate) struct WakeCounter {
    wakes: AtomicUsize,
}

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// A waker and the count of its wakes.
#[derive(Debug, Clone)]
pub(crate) struct Counted {
    counter: Arc<WakeCounter>,
    waker: Waker,
}

impl Counted {
    pub(crate) fn new() -> Counted {
        let counter = Arc::new(WakeCounter::default());
        let waker = Waker::from(counter.clone());
        Counted { counter, waker }
    }

    pub(crate) fn wakes(&self) -> usize {
        self.counter.wakes.load(SeqCst)
    }

    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// Polls `future` once with this waker.
    pub(crate) fn poll<F: Future + ?Sized>(&self, future: Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(&self.waker))
    }
}

/// A future kept pinned on the heap, with the waker it is polled with.
pub(crate) struct Task<F: Future> {
    pub(crate) future: Pin<Box<F>>,
    pub(crate) waker: Counted,
}

impl<F: Future> Task<F> {
    pub(crate) fn new(future: F) -> Task<F> {
        Task {
            future: Box::pin(future),
            waker: Counted::new(),
        }
    }

    pub(crate) fn poll(&mut self) -> Poll<F::Output> {
        self.waker.poll(self.future.as_mut())
    }

    pub(crate) fn wakes(&self) -> usize {
        self.waker.wakes()
    }

    /// Polls, expecting `Ready`.
    #[track_caller]
    pub(crate) fn ready(&mut self) -> F::Output {
        match self.poll() {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("expected the future to be ready"),
        }
    }

    /// Polls, expecting `Pending`.
    #[track_caller]
    pub(crate) fn pending(&mut self) {
        assert!(
            self.poll().is_pending(),
            "expected the future to be pending"
        );
    }
}
