//! Test support for the crate's unit tests and loom models: wakers that count their wakes (or
//! panic), futures polled by hand, a future completed by hand, and a small PRNG. One module,
//! so that every test counts the same way. (The integration tests have their own,
//! `tests/tests/common/mod.rs`, which sees only weft's public API.)
//!
//! The counters come from the loom facade, so the same helpers serve in loom models.

#![allow(dead_code)]

use crate::loom::{AtomicUsize, Ordering::SeqCst};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

// `std::task::Wake` is implemented on `std::sync::Arc`, so a waker's own box is a std `Arc`;
// the state inside it comes from the loom facade.

/// Counts the wakes of the wakers made from it.
#[derive(Debug, Default)]
pub(crate) struct CountingWaker {
    wakes: AtomicUsize,
}

impl CountingWaker {
    pub(crate) fn new() -> Arc<CountingWaker> {
        Arc::default()
    }

    pub(crate) fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// A waker and the counter of its wakes.
pub(crate) fn counting_waker() -> (Waker, Arc<CountingWaker>) {
    let counter = CountingWaker::new();
    (Waker::from(counter.clone()), counter)
}

/// A waker whose wake counts, then panics: user code that the runtime must survive.
#[derive(Debug, Default)]
pub(crate) struct PanickingWaker {
    wakes: AtomicUsize,
}

impl PanickingWaker {
    pub(crate) fn new() -> Arc<PanickingWaker> {
        Arc::default()
    }

    pub(crate) fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }
}

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
        panic!("this waker panics when woken");
    }
}

/// A waker that does nothing.
pub(crate) fn noop_waker() -> Waker {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    Waker::from(Arc::new(Noop))
}

/// Polls `future` once with a waker that does nothing.
pub(crate) fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(&noop_waker()))
}

/// Polls `future` once with a waker made from `counter`.
pub(crate) fn poll_with<F: Future + ?Sized>(
    future: Pin<&mut F>,
    counter: &Arc<CountingWaker>,
) -> Poll<F::Output> {
    let waker = Waker::from(counter.clone());
    future.poll(&mut Context::from_waker(&waker))
}

/// A waker and the count of its wakes, kept together.
#[derive(Debug, Clone)]
pub(crate) struct Counted {
    counter: Arc<CountingWaker>,
    waker: Waker,
}

impl Counted {
    pub(crate) fn new() -> Counted {
        let (waker, counter) = counting_waker();
        Counted { counter, waker }
    }

    pub(crate) fn wakes(&self) -> usize {
        self.counter.wakes()
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

/// The test's side of a [`Manual`] future: completes it, wakes it, counts its polls and drops.
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

/// Catches a panic out of a future's poll.
pub(crate) struct CatchUnwind<F>(pub(crate) F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// xorshift64*: a tiny deterministic PRNG.
#[derive(Debug)]
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..bound` (`bound > 0`).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}
