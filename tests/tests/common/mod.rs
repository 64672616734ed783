//! Helpers shared by the runtime, task and time tests: a hang guard, counters, a gate future
//! and small builders. Each test file pulls this in with `mod common;`.
#![allow(dead_code)]

pub mod net;

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use weft::runtime::{Builder, Runtime};

/// How long any one test may take before it is declared hung.
pub const HANG_LIMIT: Duration = Duration::from_secs(30);

/// Runs `body` on its own thread and fails the test with a clear message if it has not finished
/// within [`HANG_LIMIT`]. A panic in `body` is re-raised with its payload, so
/// `#[should_panic(expected = ...)]` works through the guard.
#[track_caller]
pub fn guard<F: FnOnce() + Send + 'static>(body: F) {
    guard_for(HANG_LIMIT, body)
}

/// [`guard`] with an explicit limit.
#[track_caller]
pub fn guard_for<F: FnOnce() + Send + 'static>(limit: Duration, body: F) {
    let name = thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_string();
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(format!("body of {name}"))
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(body));
            let _ = tx.send(result);
        })
        .expect("hang guard: could not start the test body thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(())) => {}
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(RecvTimeoutError::Timeout) => {
            panic!("HANG: test `{name}` did not finish within {limit:?} (deadlock or lost wakeup?)")
        }
        Err(RecvTimeoutError::Disconnected) => {
            panic!("test `{name}`: body thread vanished without reporting")
        }
    }
}

/// A shared counter.
pub type Counter = Arc<AtomicUsize>;

/// A fresh counter at zero.
pub fn counter() -> Counter {
    Arc::new(AtomicUsize::new(0))
}

/// Reads a counter.
pub fn get(c: &Counter) -> usize {
    c.load(SeqCst)
}

/// Adds one to a counter.
pub fn bump(c: &Counter) {
    c.fetch_add(1, SeqCst);
}

/// Adds one to its counter when dropped: put one inside a future to observe that the future was
/// dropped (exactly once).
#[derive(Debug)]
pub struct DropGuard(Counter);

impl DropGuard {
    pub fn new(c: &Counter) -> DropGuard {
        DropGuard(c.clone())
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Wraps `fut` so that every poll of it adds one to `polls`.
pub fn count_polls<F: Future>(polls: &Counter, fut: F) -> impl Future<Output = F::Output> {
    let polls = polls.clone();
    let mut fut = Box::pin(fut);
    std::future::poll_fn(move |cx| {
        polls.fetch_add(1, SeqCst);
        fut.as_mut().poll(cx)
    })
}

/// Spawns `future` on `rt` with its polls counted, waits for it, and returns how many polls it
/// took (the coop tests: a future that spends N units of budget takes `ceil(N / 128)`).
pub fn polls_of(rt: &Runtime, future: impl Future<Output = ()> + Send + 'static) -> usize {
    let polls = counter();
    let counted = count_polls(&polls, future);
    rt.block_on(async { weft::spawn(counted).await.unwrap() });
    get(&polls)
}

/// Runs `body` under the hang guard on a current-thread runtime, then on a multi-thread one of
/// two workers.
pub fn on_each_flavor(body: impl Fn(Runtime) + Send + Sync + 'static) {
    guard(move || {
        body(current());
        body(multi(2));
    });
}

/// Waits until `rt` has no task left alive (every one completed or was cancelled): after that
/// no task can run again, so counts of runs and drops are final.
pub fn wait_until_no_task_is_alive(rt: &Runtime) {
    assert!(
        wait_until(HANG_LIMIT, || rt.handle().metrics().num_alive_tasks() == 0),
        "tasks stayed alive: {:?}",
        rt.handle().metrics()
    );
}

/// Polls `cond` (every millisecond) until it holds or `limit` passes; whether it held.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// A one-shot event that any thread can open and any number of futures can wait on; independent
/// of the runtime, so it exercises wakers that are called from outside (or from another runtime
/// thread). Wakers stay registered until `open`, even those of futures dropped since.
#[derive(Clone, Default, Debug)]
pub struct Gate(Arc<Mutex<GateState>>);

#[derive(Default, Debug)]
struct GateState {
    open: bool,
    wakers: Vec<Waker>,
}

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    pub fn open(&self) {
        let wakers = {
            let mut s = self.0.lock().unwrap();
            s.open = true;
            std::mem::take(&mut s.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }

    pub fn is_open(&self) -> bool {
        self.0.lock().unwrap().open
    }

    /// How many wakers wait for the gate to open: a test waits on it to know that a task is
    /// pending on the gate, rather than sleep.
    pub fn waiters(&self) -> usize {
        self.0.lock().unwrap().wakers.len()
    }

    /// Completes once the gate is open.
    pub fn wait(&self) -> GateWait {
        GateWait(self.0.clone())
    }
}

/// The future of [`Gate::wait`].
#[derive(Debug)]
pub struct GateWait(Arc<Mutex<GateState>>);

impl Future for GateWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.lock().unwrap();
        if s.open {
            return Poll::Ready(());
        }
        if !s.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            s.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// A barrier for `n` parties, each waiting at most `limit`: returns whether all `n` arrived.
/// Used to prove that `n` tasks run at the same time on `n` distinct threads without turning a
/// failure into a deadlock.
#[derive(Debug)]
pub struct MeetAll {
    arrived: AtomicUsize,
    n: usize,
}

impl MeetAll {
    pub fn new(n: usize) -> Arc<MeetAll> {
        Arc::new(MeetAll {
            arrived: AtomicUsize::new(0),
            n,
        })
    }

    pub fn meet(&self, limit: Duration) -> bool {
        self.arrived.fetch_add(1, SeqCst);
        let deadline = Instant::now() + limit;
        while self.arrived.load(SeqCst) < self.n {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_micros(200));
        }
        true
    }
}

/// A multi-thread runtime with `workers` workers.
pub fn multi(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("building a multi-thread runtime")
}

/// A current-thread runtime.
pub fn current() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building a current-thread runtime")
}

/// The message of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// Runs `f`, expecting it to panic with a message that contains `needle`.
#[track_caller]
pub fn expect_panic_containing<R>(needle: &str, f: impl FnOnce() -> R) {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic containing {needle:?}, but it returned normally"),
        Err(payload) => {
            let msg = panic_message(&*payload);
            assert!(
                msg.contains(needle),
                "expected a panic containing {needle:?}, got {msg:?}"
            );
        }
    }
}

/// A waker that does nothing.
pub fn noop_waker() -> Waker {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    Waker::from(Arc::new(Noop))
}

/// A waker whose wake panics, after adding one to its counter.
#[derive(Debug)]
pub struct PanickingWaker(pub Counter);

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        bump(&self.0);
        panic!("this waker panics when woken");
    }
}

/// A small deterministic xorshift generator (no dependency needed).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// One `#[test]` per flavor for each body: `$name::multi_thread` (4 workers) and
/// `$name::current_thread`, each under the hang guard. For the `net_*` tests, which declare
/// `#[macro_use] mod common;`; the other test binaries share this module without using it.
#[allow(unused_macros)]
macro_rules! on_both_flavors {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn multi_thread() {
                crate::common::guard(|| super::$name(crate::common::multi(4)));
            }
            #[test]
            fn current_thread() {
                crate::common::guard(|| super::$name(crate::common::current()));
            }
        }
    )*};
}
