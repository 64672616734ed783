//! SCAFFOLD: replaced by the real builder.
use super::Runtime;
use std::io;

/// Builds a [`Runtime`] with custom settings.
pub struct Builder {
    _p: (),
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder").finish()
    }
}

impl Builder {
    /// A builder for the multi-thread, work-stealing scheduler.
    pub fn new_multi_thread() -> Builder {
        todo!()
    }
    /// A builder for the current-thread scheduler.
    pub fn new_current_thread() -> Builder {
        todo!()
    }
    /// Sets the number of worker threads.
    pub fn worker_threads(&mut self, _n: usize) -> &mut Self {
        todo!()
    }
    /// Sets the name of the threads the runtime starts.
    pub fn thread_name(&mut self, _name: impl Into<String>) -> &mut Self {
        todo!()
    }
    /// Sets the most blocking threads.
    pub fn max_blocking_threads(&mut self, _n: usize) -> &mut Self {
        todo!()
    }
    /// Runs `f` on each thread the runtime starts.
    pub fn on_thread_start<F: Fn() + Send + Sync + 'static>(&mut self, _f: F) -> &mut Self {
        todo!()
    }
    /// Accepted for tokio compatibility: weft's drivers are always on.
    pub fn enable_all(&mut self) -> &mut Self {
        self
    }
    /// Builds the runtime.
    pub fn build(&mut self) -> io::Result<Runtime> {
        todo!()
    }
}
