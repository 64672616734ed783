//! SCAFFOLD: tasks.
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A handle to await a spawned task.
#[derive(Debug)]
pub struct JoinHandle<T> {
    _p: PhantomData<T>,
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!()
    }
}

impl<T> JoinHandle<T> {
    /// Aborts the task.
    pub fn abort(&self) {
        todo!()
    }
    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        todo!()
    }
}

/// Why a task did not return its output.
#[derive(Debug)]
pub struct JoinError {
    _p: (),
}

/// Spawns a task.
pub fn spawn<F>(_future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    todo!()
}

/// Runs a blocking closure on the blocking pool.
pub fn spawn_blocking<F, R>(_f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    todo!()
}

/// Yields to the scheduler.
pub async fn yield_now() {
    todo!()
}
