//! The seam between weft-io and an executor's blocking pool: where a host name is resolved.
//!
//! `getaddrinfo` blocks, so it must not run on a thread that drives tasks. weft-io knows no
//! scheduler; instead, whoever drives it installs a [`BlockingSpawner`] on its threads with
//! [`enter_blocking_spawner`] (weft's runtime does so wherever it makes its reactor current:
//! on its workers, in `block_on`, in `Runtime::enter`, on its blocking threads), and
//! [`run_blocking`] offers each job to the spawner of the thread that polls it. A thread with
//! no spawner, or a spawner that refuses the job (its pool is shutting down), runs the job on
//! a plain thread of its own: weft-io used alone still never blocks its caller.
//!
//! The job's result comes back through a [`Slot`]. Invariants (all under the slot's lock):
//! - `value` is written at most once, by the job, and taken at most once, by the future;
//! - `finished` is set exactly once, when the job's `Sender` is dropped (after writing
//!   `value`, or without writing it if the job never ran: a pool dropped it at shutdown);
//! - the waker stored by the future is taken and woken by that same drop, so the future,
//!   which checks `finished` under the same lock before it stores a waker, is never left
//!   waiting for a job that is already over.

use crate::loom::{lock, Arc, Mutex};
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A job for a blocking thread.
pub type BlockingJob = Box<dyn FnOnce() + Send + 'static>;

/// Runs `job` on a pool of blocking threads, or hands it back (`Err`) if it cannot.
///
/// A job that is accepted must eventually be run or dropped; dropping it unrun (a pool that
/// shuts down) fails the waiting operation with an error instead of leaving it hanging.
///
/// # Examples
///
/// An executor that resolves on a thread per job (what weft-io does when no spawner is
/// installed), made current on this thread:
///
/// ```
/// use weft_io::{enter_blocking_spawner, BlockingJob};
///
/// fn thread_per_job(job: BlockingJob) -> Result<(), BlockingJob> {
///     std::thread::spawn(job);
///     Ok(())
/// }
///
/// let _spawner = enter_blocking_spawner(thread_per_job);
/// // Host names resolved by `weft_io::net` on this thread now go through `thread_per_job`.
/// ```
pub type BlockingSpawner = fn(BlockingJob) -> Result<(), BlockingJob>;

thread_local! {
    static SPAWNER: Cell<Option<BlockingSpawner>> = const { Cell::new(None) };
}

/// Makes `spawner` run this thread's blocking jobs (host name lookups) until the guard drops;
/// the previous spawner, if any, is restored then.
pub fn enter_blocking_spawner(spawner: BlockingSpawner) -> BlockingSpawnerGuard {
    // While the thread-locals are being destroyed (after this one), nothing is installed and
    // the guard restores nothing.
    let previous = SPAWNER
        .try_with(|current| current.replace(Some(spawner)))
        .unwrap_or(None);
    BlockingSpawnerGuard { previous }
}

/// Restores the previous spawner when dropped (see [`enter_blocking_spawner`]).
#[must_use = "the spawner stays installed only while the guard lives"]
pub struct BlockingSpawnerGuard {
    previous: Option<BlockingSpawner>,
}

impl Drop for BlockingSpawnerGuard {
    fn drop(&mut self) {
        let _ = SPAWNER.try_with(|current| current.set(self.previous));
    }
}

impl fmt::Debug for BlockingSpawnerGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingSpawnerGuard")
            .finish_non_exhaustive()
    }
}

/// Runs `f` off this thread (see the module docs) and resolves to its result.
pub(crate) fn run_blocking<R, F>(f: F) -> BlockingResult<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        finished: false,
        waker: None,
    }));
    let sender = Sender(slot.clone());
    let job: BlockingJob = Box::new(move || sender.send(f()));
    let spawner = SPAWNER.try_with(Cell::get).ok().flatten();
    let refused = match spawner {
        Some(spawner) => spawner(job).err(),
        None => Some(job),
    };
    if let Some(job) = refused {
        let started = std::thread::Builder::new()
            .name("weft-io-resolver".into())
            .spawn(job);
        // A failed spawn drops the job unrun, and the future reports it.
        drop(started);
    }
    BlockingResult { slot }
}

/// Where the job leaves its result.
struct Slot<R> {
    value: Option<R>,
    finished: bool,
    waker: Option<Waker>,
}

/// The job's end of the slot: its drop marks the job finished, run or not.
struct Sender<R>(Arc<Mutex<Slot<R>>>);

impl<R> Sender<R> {
    fn send(self, value: R) {
        lock(&self.0).value = Some(value);
    }
}

impl<R> Drop for Sender<R> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = lock(&self.0);
            slot.finished = true;
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The result of [`run_blocking`]; fails if the job was dropped before it ran.
pub(crate) struct BlockingResult<R> {
    slot: Arc<Mutex<Slot<R>>>,
}

impl<R> Future for BlockingResult<R> {
    type Output = io::Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let mut slot = lock(&self.slot);
        if let Some(value) = slot.value.take() {
            return Poll::Ready(Ok(value));
        }
        if slot.finished {
            return Poll::Ready(Err(io::Error::other(
                "a blocking job (a host name lookup) was dropped before it ran: the runtime's \
                 blocking pool is shutting down, or no thread could be started for it",
            )));
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    static SPAWNED: AtomicUsize = AtomicUsize::new(0);

    fn counting_thread(job: BlockingJob) -> Result<(), BlockingJob> {
        SPAWNED.fetch_add(1, SeqCst);
        std::thread::spawn(job);
        Ok(())
    }

    fn refusing(job: BlockingJob) -> Result<(), BlockingJob> {
        Err(job)
    }

    fn dropping(job: BlockingJob) -> Result<(), BlockingJob> {
        drop(job);
        Ok(())
    }

    #[test]
    #[cfg_attr(miri, ignore = "starts threads through the real spawner")]
    fn runs_on_the_installed_spawner_then_on_a_plain_thread_once_refused() {
        let before = SPAWNED.load(SeqCst);
        {
            let _guard = enter_blocking_spawner(counting_thread);
            let got = futures_lite::future::block_on(run_blocking(|| 6 * 7)).unwrap();
            assert_eq!(got, 42);
            assert_eq!(SPAWNED.load(SeqCst) - before, 1, "one job, one spawn");
            let _inner = enter_blocking_spawner(refusing);
            let got = futures_lite::future::block_on(run_blocking(|| 7)).unwrap();
            assert_eq!(got, 7, "a refused job still runs, on a thread of its own");
        }
        assert_eq!(
            SPAWNED.load(SeqCst) - before,
            1,
            "the refusing spawner was current"
        );
        assert!(
            SPAWNER.with(Cell::get).is_none(),
            "guards restore the empty spawner"
        );
    }

    #[test]
    fn a_job_dropped_unrun_fails_instead_of_hanging() {
        let _guard = enter_blocking_spawner(dropping);
        let error = futures_lite::future::block_on(run_blocking(|| 1)).unwrap_err();
        assert!(
            error.to_string().contains("dropped before it ran"),
            "{error}"
        );
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::future::block_on;
    use loom::thread;

    /// The job finishes on another thread while the future polls: the value arrives exactly
    /// once and the future is never left parked (a lost wake-up is a loom deadlock).
    #[test]
    fn loom_blocking_result_arrives_once() {
        loom::model(|| {
            let slot = Arc::new(Mutex::new(Slot {
                value: None,
                finished: false,
                waker: None,
            }));
            let sender = Sender(slot.clone());
            let job = thread::spawn(move || sender.send(5usize));
            let got = block_on(BlockingResult { slot });
            assert_eq!(got.unwrap(), 5);
            job.join().unwrap();
        });
    }

    /// The pool drops the job unrun on another thread: the future fails, once, and is woken.
    #[test]
    fn loom_blocking_job_dropped_unrun_fails_the_future() {
        loom::model(|| {
            let slot = Arc::new(Mutex::new(Slot::<usize> {
                value: None,
                finished: false,
                waker: None,
            }));
            let sender = Sender(slot.clone());
            let pool = thread::spawn(move || drop(sender));
            assert!(block_on(BlockingResult { slot }).is_err());
            pool.join().unwrap();
        });
    }
}
