//! The sync primitives under test, reduced to what the sync shapes need: [`BenchSync`] for
//! each runtime's own `sync` module, and [`OneshotChannel`] for the oneshot of `ping_pong`.
//!
//! As for [`BenchRuntime`], every method maps one-to-one onto the primitive's own API and
//! returns the primitive's own future (no boxing, no wrapping `async` block), so that a shape
//! instantiated for [`WeftRt`] runs `weft::sync`'s code and one instantiated for [`TokioRt`]
//! runs `tokio::sync`'s, exactly as a hand-written benchmark would.
//!
//! Error types are left opaque (the shapes only ask `is_ok()`), so no `Debug` bound leaks onto
//! the messages.

use super::{BenchRuntime, TokioRt, WeftRt};
use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

/// A oneshot channel implementation, for `ping_pong` (`weft::sync::oneshot`, `tokio::sync::oneshot`
/// or the runtime-agnostic stand-in of [`crate::oneshot`]).
pub trait OneshotChannel: 'static {
    /// The sending half.
    type Sender<T: Send + 'static>: Send + 'static;
    /// What the receiver reports when the sender was dropped unsent.
    type RecvError;
    /// The receiving half: a future of the value.
    type Receiver<T: Send + 'static>: Future<Output = Result<T, Self::RecvError>> + Send + 'static;

    /// Makes a channel (`oneshot::channel`).
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>);

    /// Sends `value`, consuming the sender (`Sender::send`); `Err(value)` if the receiver is gone.
    fn send<T: Send + 'static>(tx: Self::Sender<T>, value: T) -> Result<(), T>;
}

/// The stand-in oneshot of [`crate::oneshot`], the same code on every runtime.
#[derive(Debug, Clone, Copy)]
pub struct StandinOneshot;

impl OneshotChannel for StandinOneshot {
    type Sender<T: Send + 'static> = crate::oneshot::Sender<T>;
    type RecvError = crate::oneshot::RecvError;
    type Receiver<T: Send + 'static> = crate::oneshot::Receiver<T>;

    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        crate::oneshot::channel()
    }

    fn send<T: Send + 'static>(tx: Self::Sender<T>, value: T) -> Result<(), T> {
        tx.send(value)
    }
}

/// `weft::sync::oneshot`.
#[derive(Debug, Clone, Copy)]
pub struct WeftOneshot;

impl OneshotChannel for WeftOneshot {
    type Sender<T: Send + 'static> = weft::sync::oneshot::Sender<T>;
    type RecvError = weft::sync::oneshot::error::RecvError;
    type Receiver<T: Send + 'static> = weft::sync::oneshot::Receiver<T>;

    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        weft::sync::oneshot::channel()
    }

    fn send<T: Send + 'static>(tx: Self::Sender<T>, value: T) -> Result<(), T> {
        tx.send(value)
    }
}

/// `tokio::sync::oneshot`.
#[derive(Debug, Clone, Copy)]
pub struct TokioOneshot;

impl OneshotChannel for TokioOneshot {
    type Sender<T: Send + 'static> = tokio::sync::oneshot::Sender<T>;
    type RecvError = tokio::sync::oneshot::error::RecvError;
    type Receiver<T: Send + 'static> = tokio::sync::oneshot::Receiver<T>;

    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        tokio::sync::oneshot::channel()
    }

    fn send<T: Send + 'static>(tx: Self::Sender<T>, value: T) -> Result<(), T> {
        tx.send(value)
    }
}

/// A runtime's own sync primitives: `mpsc` (bounded and unbounded), `oneshot`, `Notify` and
/// `Semaphore`, as tokio's `sync_*` benches use them; and its `time::{sleep, timeout}`, as its
/// `time_timeout` bench does.
pub trait BenchSync: BenchRuntime {
    /// The runtime's own oneshot channel.
    type Oneshot: OneshotChannel;

    /// `mpsc::Sender`.
    type Sender<T: Send + 'static>: Clone + Send + Sync + 'static;
    /// `mpsc::Receiver`.
    type Receiver<T: Send + 'static>: Send + 'static;
    /// `mpsc::UnboundedSender`.
    type UnboundedSender<T: Send + 'static>: Clone + Send + Sync + 'static;
    /// `mpsc::UnboundedReceiver`.
    type UnboundedReceiver<T: Send + 'static>: Send + 'static;
    /// `mpsc::error::SendError`: the receiver is gone.
    type SendError<T>;

    /// `Notify`.
    type Notify: Debug + Send + Sync + 'static;

    /// `Semaphore`.
    type Semaphore: Debug + Send + Sync + 'static;
    /// `SemaphorePermit`: returns its permit when dropped.
    type SemaphorePermit<'a>;
    /// `AcquireError`: the semaphore was closed.
    type AcquireError;
    /// `time::error::Elapsed`: a timeout's deadline passed first.
    type Elapsed;

    /// `mpsc::channel(buffer)`.
    fn channel<T: Send + 'static>(buffer: usize) -> (Self::Sender<T>, Self::Receiver<T>);

    /// `Sender::send`: waits for a free slot, then sends.
    fn send<T: Send + 'static>(
        tx: &Self::Sender<T>,
        value: T,
    ) -> impl Future<Output = Result<(), Self::SendError<T>>> + Send + '_;

    /// `Receiver::recv`: the next message, or `None` once every sender is gone and the channel
    /// is drained.
    fn recv<T: Send + 'static>(
        rx: &mut Self::Receiver<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_;

    /// `mpsc::unbounded_channel()`.
    fn unbounded_channel<T: Send + 'static>(
    ) -> (Self::UnboundedSender<T>, Self::UnboundedReceiver<T>);

    /// `UnboundedSender::send`: never waits.
    fn unbounded_send<T: Send + 'static>(
        tx: &Self::UnboundedSender<T>,
        value: T,
    ) -> Result<(), Self::SendError<T>>;

    /// `UnboundedReceiver::recv`.
    fn unbounded_recv<T: Send + 'static>(
        rx: &mut Self::UnboundedReceiver<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_;

    /// `Notify::new()`.
    fn notify_new() -> Self::Notify;

    /// `Notify::notified()`: completes once notified.
    fn notified(notify: &Self::Notify) -> impl Future<Output = ()> + Send + '_;

    /// `Notify::notify_one()`: wakes one waiter, or stores a permit for the next.
    fn notify_one(notify: &Self::Notify);

    /// `Notify::notify_waiters()`: wakes every current waiter, stores nothing.
    fn notify_waiters(notify: &Self::Notify);

    /// `Semaphore::new(permits)`.
    fn semaphore_new(permits: usize) -> Self::Semaphore;

    /// `Semaphore::acquire()`: waits for one permit.
    fn acquire(
        semaphore: &Self::Semaphore,
    ) -> impl Future<Output = Result<Self::SemaphorePermit<'_>, Self::AcquireError>> + Send + '_;

    /// `time::sleep(duration)`.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;

    /// `time::timeout(duration, future)`.
    fn timeout<F: Future + Send>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Result<F::Output, Self::Elapsed>> + Send;
}

/// Implements [`BenchSync`] for a runtime from the path of its `sync` module: weft's API
/// follows tokio's, so the one body fits both.
macro_rules! impl_bench_sync {
    ($rt:ty, $oneshot:ty, $($sync:ident)::+, $($time:ident)::+) => {
        impl BenchSync for $rt {
            type Oneshot = $oneshot;
            type Sender<T: Send + 'static> = $($sync)::+::mpsc::Sender<T>;
            type Receiver<T: Send + 'static> = $($sync)::+::mpsc::Receiver<T>;
            type UnboundedSender<T: Send + 'static> = $($sync)::+::mpsc::UnboundedSender<T>;
            type UnboundedReceiver<T: Send + 'static> = $($sync)::+::mpsc::UnboundedReceiver<T>;
            type SendError<T> = $($sync)::+::mpsc::error::SendError<T>;
            type Notify = $($sync)::+::Notify;
            type Semaphore = $($sync)::+::Semaphore;
            type SemaphorePermit<'a> = $($sync)::+::SemaphorePermit<'a>;
            type AcquireError = $($sync)::+::AcquireError;
            type Elapsed = $($time)::+::error::Elapsed;

            fn channel<T: Send + 'static>(buffer: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
                $($sync)::+::mpsc::channel(buffer)
            }

            fn send<T: Send + 'static>(
                tx: &Self::Sender<T>,
                value: T,
            ) -> impl Future<Output = Result<(), Self::SendError<T>>> + Send + '_ {
                tx.send(value)
            }

            fn recv<T: Send + 'static>(
                rx: &mut Self::Receiver<T>,
            ) -> impl Future<Output = Option<T>> + Send + '_ {
                rx.recv()
            }

            fn unbounded_channel<T: Send + 'static>(
            ) -> (Self::UnboundedSender<T>, Self::UnboundedReceiver<T>) {
                $($sync)::+::mpsc::unbounded_channel()
            }

            fn unbounded_send<T: Send + 'static>(
                tx: &Self::UnboundedSender<T>,
                value: T,
            ) -> Result<(), Self::SendError<T>> {
                tx.send(value)
            }

            fn unbounded_recv<T: Send + 'static>(
                rx: &mut Self::UnboundedReceiver<T>,
            ) -> impl Future<Output = Option<T>> + Send + '_ {
                rx.recv()
            }

            fn notify_new() -> Self::Notify {
                $($sync)::+::Notify::new()
            }

            fn notified(notify: &Self::Notify) -> impl Future<Output = ()> + Send + '_ {
                notify.notified()
            }

            fn notify_one(notify: &Self::Notify) {
                notify.notify_one()
            }

            fn notify_waiters(notify: &Self::Notify) {
                notify.notify_waiters()
            }

            fn semaphore_new(permits: usize) -> Self::Semaphore {
                $($sync)::+::Semaphore::new(permits)
            }

            fn acquire(
                semaphore: &Self::Semaphore,
            ) -> impl Future<Output = Result<Self::SemaphorePermit<'_>, Self::AcquireError>>
                   + Send
                   + '_ {
                semaphore.acquire()
            }

            fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
                $($time)::+::sleep(duration)
            }

            fn timeout<F: Future + Send>(
                duration: Duration,
                future: F,
            ) -> impl Future<Output = Result<F::Output, Self::Elapsed>> + Send {
                $($time)::+::timeout(duration, future)
            }
        }
    };
}

impl_bench_sync!(WeftRt, WeftOneshot, weft::sync, weft::time);
impl_bench_sync!(TokioRt, TokioOneshot, tokio::sync, tokio::time);
