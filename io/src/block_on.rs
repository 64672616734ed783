//! `Reactor::block_on`: the smallest executor, one future on the calling thread.

use crate::loom::{AtomicBool, Ordering};
use crate::reactor::Reactor;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Wakes the `block_on` loop wherever it sleeps: in the reactor's turn, or parked while
/// another thread turns.
struct LoopWaker {
    woken: AtomicBool,
    reactor: Weak<Reactor>,
    thread: Thread,
}

impl Wake for LoopWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if let Some(reactor) = self.reactor.upgrade() {
            let _ = reactor.notify();
        }
        self.thread.unpark();
    }
}

impl Reactor {
    /// Runs `future` to completion on this thread, with this reactor current and turned
    /// whenever the future waits: a complete executor for one future, for tests and small
    /// tools. (weft's runtime does not use it; its workers turn the reactor themselves.)
    ///
    /// # Errors
    /// The error of a failed `epoll_wait`; the future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft_io::{net::UdpSocket, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let addr = reactor.block_on(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.local_addr()
    /// })??;
    /// assert!(addr.ip().is_loopback());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn block_on<F: Future>(self: &Arc<Self>, future: F) -> std::io::Result<F::Output> {
        let _enter = self.enter();
        let mut future = pin!(future);
        let wake = Arc::new(LoopWaker {
            woken: AtomicBool::new(true),
            reactor: Arc::downgrade(self),
            thread: thread::current(),
        });
        let waker = Waker::from(wake.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            if wake.woken.swap(false, Ordering::AcqRel) {
                // Each poll gets a fresh cooperative budget, as a scheduler's task would.
                if let Poll::Ready(output) = crate::coop::budget(|| future.as_mut().poll(&mut cx)) {
                    return Ok(output);
                }
                continue;
            }
            if !self.try_turn(None)? {
                // Another thread turns the reactor and will wake us through the waker.
                thread::park();
            }
        }
    }
}
