//! SCAFFOLD: replaced by the real handle.
use crate::task::JoinHandle;
use std::future::Future;

/// A handle to a runtime.
#[derive(Debug, Clone)]
pub struct Handle {
    _p: (),
}

/// The error of [`Handle::try_current`] outside a runtime.
#[derive(Debug)]
pub struct TryCurrentError(());

impl Handle {
    /// The handle of the runtime this thread is in; panics outside one.
    pub fn current() -> Handle {
        todo!()
    }
    /// The handle of the runtime this thread is in.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        todo!()
    }
    /// Spawns a task on this runtime.
    pub fn spawn<F>(&self, _future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        todo!()
    }
    /// Runs a future to completion on this thread.
    pub fn block_on<F: Future>(&self, _future: F) -> F::Output {
        todo!()
    }
}
