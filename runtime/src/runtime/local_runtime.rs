//! [`LocalRuntime`]: a current-thread runtime whose tasks may spawn `!Send` futures.

use super::{EnterGuard, Handle, Runtime, RuntimeMetrics};
use crate::task::{JoinHandle, LocalSet};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

/// Options of [`Builder::build_local`](super::Builder::build_local); none yet (tokio's are
/// unstable ones).
#[derive(Default, Debug)]
#[non_exhaustive]
pub struct LocalOptions {
    _not_send: PhantomData<*mut u8>,
}

/// A current-thread runtime that is also a [`LocalSet`]: [`spawn_local`](crate::task::spawn_local)
/// works from any code it runs (its `block_on` future, its tasks, `Send` or not), and the local
/// tasks run on this thread alongside the others.
///
/// Like the set, it is `!Send` and `!Sync`: it stays on the thread that built it. Its
/// [`Handle`] may go to other threads to [`spawn`](Handle::spawn) `Send` tasks; `spawn_local`
/// from another thread (even one that entered the handle) panics.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use weft::runtime::LocalRuntime;
///
/// let runtime = LocalRuntime::new().unwrap();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let task = runtime.spawn_local({
///     let log = log.clone();
///     async move { log.borrow_mut().push("local task") }
/// });
/// runtime.block_on(async {
///     task.await.unwrap();
///     log.borrow_mut().push("block_on");
/// });
/// assert_eq!(*log.borrow(), ["local task", "block_on"]);
/// ```
pub struct LocalRuntime {
    /// Dropped first (see `Drop`), inside the runtime's context, so that local futures are
    /// dropped while their runtime still runs.
    local: LocalSet,
    runtime: Runtime,
}

impl LocalRuntime {
    pub(crate) fn from_parts(runtime: Runtime, local: LocalSet) -> LocalRuntime {
        LocalRuntime { local, runtime }
    }

    /// A local runtime with the default settings (`Builder::new_current_thread()`).
    pub fn new() -> std::io::Result<LocalRuntime> {
        super::Builder::new_current_thread().build_local(LocalOptions::default())
    }

    /// The runtime's handle (`Send` tasks, metrics, `enter`).
    pub fn handle(&self) -> &Handle {
        self.runtime.handle()
    }

    /// Spawns a `!Send` future on this runtime; it runs during `block_on`, on this thread.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.spawn_local(future)
    }

    /// Runs a blocking closure on the runtime's blocking pool.
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.runtime.spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread, running the runtime's tasks (local or not)
    /// meanwhile.
    ///
    /// # Panics
    /// Inside a running runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.local.block_on(&self.runtime, future)
    }

    /// Makes the runtime current until the guard drops: `spawn` and `spawn_local` work from
    /// plain code (the local tasks run at the next `block_on`).
    pub fn enter(&self) -> EnterGuard<'_> {
        self.runtime.enter()
    }

    /// A view of the runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.runtime.metrics()
    }

    /// Shuts down like `drop`, waiting at most `timeout` for blocking jobs.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.close_local();
        self.runtime.shutdown_in_place(Some(timeout));
    }

    /// Shuts down without waiting for blocking jobs.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// Cancels the local tasks, dropping their futures inside the runtime's context (its
    /// timers and sockets still there). Idempotent.
    fn close_local(&self) {
        let _context = self.runtime.enter();
        self.local.close();
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        // The set first; the runtime then shuts down as usual when its field drops.
        self.close_local();
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime")
            .field("handle", self.runtime.handle())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::LocalRuntime;
    use crate::task::spawn_local;
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    // The spawned task returns a handle on purpose, for the caller to join.
    #[allow(clippy::async_yields_async)]
    fn spawn_local_works_from_block_on_from_send_tasks_and_from_enter() {
        let runtime = LocalRuntime::new().unwrap();
        let ran = Rc::new(Cell::new(0));
        let from_guard = {
            let _guard = runtime.enter();
            let ran = ran.clone();
            spawn_local(async move { ran.set(ran.get() + 1) })
        };
        let total = runtime.block_on({
            let ran = ran.clone();
            async move {
                from_guard.await.unwrap();
                let ran2 = ran.clone();
                spawn_local(async move { ran2.set(ran2.get() + 10) })
                    .await
                    .unwrap();
                // A `Send` task of the runtime spawns a local one (its handle is `Send`).
                let nested = crate::spawn(async { spawn_local(async { 100 }) })
                    .await
                    .unwrap();
                ran.get() + nested.await.unwrap()
            }
        });
        assert_eq!(total, 111);
    }

    #[test]
    #[should_panic = "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was created on"]
    fn spawn_local_from_another_thread_through_the_handle_panics() {
        let (tx, rx) = std::sync::mpsc::channel();
        let keep = std::thread::spawn(move || {
            let runtime = LocalRuntime::new().unwrap();
            tx.send(runtime.handle().clone()).unwrap();
            std::thread::park();
        });
        // Lets the runtime's thread finish once this test has panicked.
        struct UnparkOnDrop(std::thread::Thread);
        impl Drop for UnparkOnDrop {
            fn drop(&mut self) {
                self.0.unpark();
            }
        }
        let _unpark = UnparkOnDrop(keep.thread().clone());
        let handle = rx.recv().unwrap();
        let _guard = handle.enter();
        drop(spawn_local(async {}));
    }

    #[test]
    fn dropping_the_runtime_drops_local_futures_on_its_thread() {
        struct Probe(Rc<Cell<usize>>);
        impl Drop for Probe {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let drops = Rc::new(Cell::new(0));
        for shutdown in [false, true] {
            let runtime = LocalRuntime::new().unwrap();
            let probe = Probe(drops.clone());
            let handle = runtime.spawn_local(async move {
                let _probe = probe;
                std::future::pending::<()>().await
            });
            runtime.block_on(crate::task::yield_now());
            assert!(!handle.is_finished());
            if shutdown {
                runtime.shutdown_background();
            } else {
                drop(runtime);
            }
            assert!(handle.is_finished());
        }
        assert_eq!(drops.get(), 2);
    }
}
