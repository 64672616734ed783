//! A runtime-agnostic oneshot channel: the stand-in used by the `ping_pong_standin` shape.
//!
//! `ping_pong` is tokio's shape, each runtime with its own oneshot (`weft::sync::oneshot`,
//! `tokio::sync::oneshot`), so it measures scheduler and channel together. `ping_pong_standin`
//! runs this one channel on *both* runtimes: the difference between the two columns is then the
//! schedulers (spawn, wake, poll), not the channels.
//!
//! It is deliberately plain: one `Mutex` around the state and the receiver's [`Waker`], no atomics
//! and no `unsafe`. It is a little slower than a lock-free oneshot, and equally so on both
//! runtimes. Wakers are woken after the lock is released.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// Creates a oneshot channel: one value goes from the [`Sender`] to the [`Receiver`].
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            value: None,
            waker: None,
            sender_gone: false,
            receiver_gone: false,
        }),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

/// The sending half; [`send`](Sender::send) consumes it. Dropping it unsent closes the channel.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// The receiving half: a future of the sent value, or [`RecvError`] if the sender was dropped
/// without sending.
///
/// Polling it again after it has returned `Ready` returns `Ready(Err(RecvError))`.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

/// The sender was dropped without sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot sender dropped without sending")
    }
}

impl std::error::Error for RecvError {}

struct Shared<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    /// The sent value, until the receiver takes it.
    value: Option<T>,
    /// The waker of the receiver's last `Pending` poll.
    waker: Option<Waker>,
    /// The sender was consumed by `send` or dropped.
    sender_gone: bool,
    /// The receiver was dropped.
    receiver_gone: bool,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing that runs under the lock can leave the state half-updated, so a poisoned lock
        // (a panicking `Waker::clone`, say) holds a consistent state and is safe to use.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Sender<T> {
    /// Sends `value`, waking the receiver. Returns `Err(value)` if the receiver is gone.
    pub fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut state = self.shared.lock();
            if state.receiver_gone {
                return Err(value);
            }
            state.value = Some(value);
            state.sender_gone = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        // `Drop` runs now: `sender_gone` is already set and the waker taken, so it is a no-op.
        Ok(())
    }

    /// Whether the receiver has been dropped.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().receiver_gone
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut state = self.shared.lock();
            state.sender_gone = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.shared.lock();
        if let Some(value) = state.value.take() {
            return Poll::Ready(Ok(value));
        }
        if state.sender_gone {
            return Poll::Ready(Err(RecvError));
        }
        match &mut state.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.receiver_gone = true;
        // Drop an unreceived value now rather than with the last `Arc`, and forget our waker.
        let value = state.value.take();
        state.waker = None;
        drop(state);
        drop(value);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;
    use std::thread;

    /// A waker that counts its wakes and unparks the thread that made it.
    struct TestWaker {
        thread: thread::Thread,
        wakes: AtomicUsize,
    }

    impl Wake for TestWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.wakes.fetch_add(1, Ordering::SeqCst);
            self.thread.unpark();
        }
    }

    fn test_waker() -> (Arc<TestWaker>, Waker) {
        let w = Arc::new(TestWaker {
            thread: thread::current(),
            wakes: AtomicUsize::new(0),
        });
        (w.clone(), Waker::from(w))
    }

    /// A minimal executor: polls `fut` on this thread, parking between polls.
    fn block_on<F: Future>(fut: F) -> F::Output {
        let (_, waker) = test_waker();
        let mut cx = Context::from_waker(&waker);
        let mut fut = std::pin::pin!(fut);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            thread::park();
        }
    }

    fn poll_once<T>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Result<T, RecvError>> {
        Pin::new(rx).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn send_then_receive() {
        let (tx, rx) = channel();
        tx.send(7).unwrap();
        assert_eq!(block_on(rx), Ok(7));
    }

    #[test]
    fn pending_receiver_is_woken_once_by_send() {
        let (tx, mut rx) = channel();
        let (count, waker) = test_waker();
        assert!(poll_once(&mut rx, &waker).is_pending());
        assert!(poll_once(&mut rx, &waker).is_pending());
        assert_eq!(count.wakes.load(Ordering::SeqCst), 0);
        tx.send("x").unwrap();
        assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
        assert_eq!(poll_once(&mut rx, &waker), Poll::Ready(Ok("x")));
        assert_eq!(poll_once(&mut rx, &waker), Poll::Ready(Err(RecvError)));
    }

    #[test]
    fn newest_waker_is_the_one_woken() {
        let (tx, mut rx) = channel::<()>();
        let (first, w1) = test_waker();
        let (second, w2) = test_waker();
        assert!(poll_once(&mut rx, &w1).is_pending());
        assert!(poll_once(&mut rx, &w2).is_pending());
        tx.send(()).unwrap();
        assert_eq!(first.wakes.load(Ordering::SeqCst), 0);
        assert_eq!(second.wakes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn dropped_sender_wakes_and_errors() {
        let (tx, mut rx) = channel::<u8>();
        let (count, waker) = test_waker();
        assert!(poll_once(&mut rx, &waker).is_pending());
        drop(tx);
        assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
        assert_eq!(poll_once(&mut rx, &waker), Poll::Ready(Err(RecvError)));
    }

    #[test]
    fn dropped_receiver_returns_the_value() {
        let (tx, rx) = channel();
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(5), Err(5));
    }

    #[test]
    fn unreceived_value_is_dropped_with_the_receiver() {
        let marker = Arc::new(());
        let (tx, rx) = channel();
        tx.send(marker.clone()).unwrap();
        assert_eq!(Arc::strong_count(&marker), 2);
        drop(rx);
        assert_eq!(Arc::strong_count(&marker), 1);
    }

    #[test]
    fn many_cross_thread_exchanges() {
        for i in 0..2_000 {
            let (tx, rx) = channel();
            let t = thread::spawn(move || tx.send(i).unwrap());
            assert_eq!(block_on(rx), Ok(i));
            t.join().unwrap();
        }
    }

    #[test]
    fn works_on_a_multi_thread_tokio_runtime() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let n = rt.block_on(async {
            let mut handles = Vec::new();
            for i in 0..500usize {
                handles.push(tokio::spawn(async move {
                    let (tx1, rx1) = channel();
                    let (tx2, rx2) = channel();
                    tokio::spawn(async move {
                        let v = rx1.await.unwrap();
                        tx2.send(v + 1).unwrap();
                    });
                    tx1.send(i).unwrap();
                    rx2.await.unwrap()
                }));
            }
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(n, (1..=500).sum::<usize>());
    }
}
