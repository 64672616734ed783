//! Synchronization primitives: tokio-util's cancellation token and `ReusableBoxFuture` as they
//! are, and [`PollSender`] (with its [`PollSendError`]) and [`PollSemaphore`] written over
//! weft's `mpsc::Sender` and `Semaphore`.

mod poll_semaphore;
mod poll_sender;

pub use poll_semaphore::PollSemaphore;
pub use poll_sender::{PollSendError, PollSender};

// Runtime-free: a token is a tree of wakers, and these futures poll only each other.
pub use tokio_util::sync::{
    CancellationToken, DropGuard, DropGuardRef, ReusableBoxFuture, WaitForCancellationFuture,
    WaitForCancellationFutureOwned,
};
