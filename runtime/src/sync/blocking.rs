//! Waiting for a channel operation from synchronous code (`blocking_recv`, `blocking_send`).
//!
//! The calling thread parks until the operation's future is woken. Inside a runtime that would
//! stall the tasks this thread drives (and deadlock if one of them is the peer), so it panics
//! with a message that says what to do instead. Under loom the future is driven by loom's own
//! `block_on`, so that a model's threads block through loom.

use std::future::Future;

/// Runs `future` to completion on this thread; `what` names the caller for the panic message.
///
/// # Panics
/// If this thread is inside a runtime (a worker, or a `block_on`).
#[track_caller]
pub(crate) fn block_on<F: Future>(what: &str, future: F) -> F::Output {
    if crate::runtime::context::in_runtime() {
        panic!(
            "{what} cannot be called inside a running runtime: use .await (this thread drives \
             a weft runtime's tasks, and blocking it would stall them)"
        );
    }
    park_on(future)
}

#[cfg(any(all(test, loom), weft_loom))]
fn park_on<F: Future>(future: F) -> F::Output {
    loom::future::block_on(future)
}

#[cfg(not(any(all(test, loom), weft_loom)))]
fn park_on<F: Future>(future: F) -> F::Output {
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    struct Unpark(Thread);

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // A wake before this park leaves the token set, so park returns at once.
        thread::park();
    }
}
