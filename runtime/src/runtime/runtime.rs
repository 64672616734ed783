//! SCAFFOLD: replaced by the real runtime.
use super::Handle;
use crate::task::JoinHandle;
use std::future::Future;
use std::time::Duration;

/// The weft runtime.
#[derive(Debug)]
pub struct Runtime {
    _p: (),
}

impl Runtime {
    /// A multi-thread runtime with default settings.
    pub fn new() -> std::io::Result<Runtime> {
        todo!()
    }
    /// Runs a future to completion on this thread.
    pub fn block_on<F: Future>(&self, _future: F) -> F::Output {
        todo!()
    }
    /// Spawns a task.
    pub fn spawn<F>(&self, _future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        todo!()
    }
    /// A handle to this runtime.
    pub fn handle(&self) -> &Handle {
        todo!()
    }
    /// Shuts down, waiting at most `timeout` for blocking tasks.
    pub fn shutdown_timeout(self, _timeout: Duration) {
        todo!()
    }
}
