//! Waiting for a sync future from synchronous code (`Mutex::blocking_lock` and friends).
//!
//! Blocking a thread that drives a runtime's tasks would stall them (and deadlock if the
//! awaited event needs one of them), so it panics there with a message that says what to do
//! instead, as tokio does. Elsewhere (a plain thread, a `spawn_blocking` closure) the thread
//! parks until the future's waker unparks it.

use std::future::Future;

/// Runs `future` to completion on this thread. `what` names the caller in the panic message.
///
/// # Panics
/// Inside a runtime (a worker thread or a `block_on`).
#[track_caller]
pub(crate) fn block_on<F: Future>(what: &str, future: F) -> F::Output {
    if crate::runtime::context::in_runtime() {
        panic!(
            "Cannot block the current thread from within a runtime: `{what}` was called from \
             a task or a `block_on`, where blocking would stall the runtime's tasks. Use the \
             async method and `.await` it, or call this from `weft::task::spawn_blocking`."
        );
    }
    imp::block_on(future)
}

#[cfg(any(all(test, loom), weft_loom))]
mod imp {
    pub(super) use loom::future::block_on;
}

#[cfg(not(any(all(test, loom), weft_loom)))]
mod imp {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    struct Unparker(Thread);

    impl Wake for Unparker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    pub(super) fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        let waker = Waker::from(Arc::new(Unparker(thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            // A wake between the poll and here leaves the token set: `park` returns at once.
            thread::park();
        }
    }
}
