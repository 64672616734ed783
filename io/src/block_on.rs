//! `Reactor::block_on`: the smallest executor, one future on the calling thread.
//!
//! User code: the future's `poll` and `Drop`, and (through the reactor's turn) the wakers of
//! any future it polls by hand. A panic from any of them unwinds out of `block_on` and leaves
//! nothing shared behind: the future lives on this stack frame, the current reactor is restored
//! by the `EnterGuard`'s drop, and the reactor has finished its turn (every other waker woken,
//! its lock released) before it resumes a waker's panic.

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
    /// # Panics
    /// When `future` panics, and when a waker that the reactor wakes panics (one of the
    /// program's own, stored by a future polled with it): that panic is passed on here after
    /// the reactor has woken every other waker of its turn, and the future is dropped. The
    /// reactor keeps working for the next `block_on` or `turn`.
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
