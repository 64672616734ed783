//! The shapes of tokio's `benches/sync_notify.rs`: `notify_one` and `notify_waiters`, each with
//! 10, 50, 100, 200 and 500 waiting tasks, each runtime with its own `Notify`.

use super::{Params, Shape};
use crate::rt::BenchSync;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// The waiting-task counts of tokio's bench.
pub const WAITERS: [usize; 5] = [10, 50, 100, 200, 500];

/// How the bench thread notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `Notify::notify_one`: one waiter per call (or a stored permit).
    One,
    /// `Notify::notify_waiters`: every current waiter per call.
    Waiters,
}

/// `notify_one::<N>` / `notify_waiters::<N>`: when built, `Runtime::spawn` `waiters` tasks
/// that loop forever on `notified().await` and count each wake-up. Per iteration, the bench
/// thread (outside the runtime) resets the count and calls `notify_one` (or
/// `notify_waiters`) in a busy loop until the tasks have counted `notify_iters` wake-ups.
///
/// [`run`](Shape::run) returns `notify_iters` once the tasks have counted that many wake-ups.
/// As in tokio's bench the count overshoots by design (the loop checks it between calls, and
/// one `notify_waiters` wakes many tasks), so that is the exact work an iteration guarantees;
/// a lost wake-up shows up as a hang instead.
#[derive(Debug)]
pub struct NotifyLoop<R: BenchSync> {
    rt: R,
    mode: Mode,
    notify: Arc<R::Notify>,
    counter: Arc<AtomicUsize>,
    iters: usize,
}

impl<R: BenchSync> NotifyLoop<R> {
    /// Builds the runtime and spawns the `waiters` waiting tasks.
    pub fn new(workers: usize, params: &Params, mode: Mode, waiters: usize) -> Self {
        assert!(params.notify_iters > 0, "notify needs at least one wake-up");
        let rt = R::new(workers);
        let notify = Arc::new(R::notify_new());
        let counter = Arc::new(AtomicUsize::new(0));
        for _ in 0..waiters {
            let notify = notify.clone();
            let counter = counter.clone();
            drop(rt.spawn(async move {
                loop {
                    R::notified(&notify).await;
                    counter.fetch_add(1, Relaxed);
                }
            }));
        }
        NotifyLoop {
            rt,
            mode,
            notify,
            counter,
            iters: params.notify_iters,
        }
    }
}

impl<R: BenchSync> Shape for NotifyLoop<R> {
    fn run(&mut self) -> usize {
        let _runtime_stays_alive = &self.rt;
        self.counter.store(0, Relaxed);
        match self.mode {
            Mode::One => loop {
                R::notify_one(&self.notify);
                if self.counter.load(Relaxed) >= self.iters {
                    break;
                }
            },
            Mode::Waiters => loop {
                R::notify_waiters(&self.notify);
                if self.counter.load(Relaxed) >= self.iters {
                    break;
                }
            },
        }
        self.iters
    }

    fn expected(&self) -> usize {
        self.iters
    }
}
