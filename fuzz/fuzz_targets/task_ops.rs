//! Operation sequences on tasks of a current-thread runtime against a model: spawn, wake
//! (taking the waker or by reference), release (let the next poll complete), abort, drop the
//! `JoinHandle`, run the runtime until it settles, and await a handle.
//!
//! Each task's future counts its polls and drops. After every run the counts must be exactly
//! the model's: a woken pending task is polled once however many wakes came before the run, a
//! task that is not woken is not polled, a completed or aborted task's future is dropped
//! exactly once and never polled again, an abort after completion changes nothing, and an
//! awaited handle gives the output or `is_cancelled()`. When the runtime drops, every future
//! has been dropped exactly once, and waking a stored waker afterwards is harmless.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use weft::runtime::{Builder, Runtime};
use weft::task::JoinHandle;

/// At most this many tasks per input, so that inputs stay fast.
const MAX_TASKS: usize = 32;
/// Yields a run may take to settle before the harness calls it a hang.
const SETTLE_LIMIT: usize = 10_000;

#[derive(Arbitrary, Debug)]
enum Op {
    Spawn,
    Wake(u8),
    WakeByRef(u8),
    Release(u8),
    Abort(u8),
    DropHandle(u8),
    Run,
    Await(u8),
}

/// What the task's future shares with the harness.
#[derive(Default)]
struct Shared {
    release: AtomicBool,
    polls: AtomicUsize,
    drops: AtomicUsize,
    polled_after_ready: AtomicBool,
    ready: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

/// Pending (storing its waker) until released; then ready with its id.
struct Controlled {
    id: u32,
    shared: Arc<Shared>,
}

impl Future for Controlled {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let shared = &self.shared;
        if shared.ready.load(SeqCst) {
            shared.polled_after_ready.store(true, SeqCst);
        }
        shared.polls.fetch_add(1, SeqCst);
        if shared.release.load(SeqCst) {
            shared.ready.store(true, SeqCst);
            return Poll::Ready(self.id);
        }
        *shared.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Controlled {
    fn drop(&mut self) {
        self.shared.drops.fetch_add(1, SeqCst);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Running,
    Completed,
    Cancelled,
}

/// One task: the harness's side and the model's expectations.
struct Task {
    id: u32,
    shared: Arc<Shared>,
    handle: Option<JoinHandle<u32>>,
    outcome: Outcome,
    scheduled: bool,
    released: bool,
    polls: usize,
    drops: usize,
}

impl Task {
    fn settled(&self) -> bool {
        self.shared.polls.load(SeqCst) == self.polls && self.shared.drops.load(SeqCst) == self.drops
    }

    fn check(&self) {
        assert_eq!(
            self.shared.polls.load(SeqCst),
            self.polls,
            "polls of task {}",
            self.id
        );
        assert_eq!(
            self.shared.drops.load(SeqCst),
            self.drops,
            "drops of task {}",
            self.id
        );
        assert!(
            !self.shared.polled_after_ready.load(SeqCst),
            "task {} polled after it completed",
            self.id
        );
    }
}

struct Harness {
    rt: Runtime,
    tasks: Vec<Task>,
}

impl Harness {
    fn pick(&mut self, i: u8) -> Option<&mut Task> {
        let len = self.tasks.len();
        (len > 0).then(|| &mut self.tasks[usize::from(i) % len])
    }

    fn spawn(&mut self) {
        if self.tasks.len() == MAX_TASKS {
            return;
        }
        let id = self.tasks.len() as u32;
        let shared = Arc::new(Shared::default());
        let handle = self.rt.spawn(Controlled {
            id,
            shared: shared.clone(),
        });
        self.tasks.push(Task {
            id,
            shared,
            handle: Some(handle),
            outcome: Outcome::Running,
            scheduled: true,
            released: false,
            polls: 0,
            drops: 0,
        });
    }

    /// Wakes the waker the task stored at its last pending poll, if any.
    fn wake(&mut self, i: u8, by_ref: bool) {
        let Some(task) = self.pick(i) else { return };
        let mut slot = task.shared.waker.lock().unwrap();
        let woke = match (by_ref, slot.as_ref()) {
            (true, Some(waker)) => {
                waker.wake_by_ref();
                true
            }
            (false, Some(_)) => {
                slot.take().unwrap().wake();
                true
            }
            (_, None) => false,
        };
        drop(slot);
        if woke && task.outcome == Outcome::Running {
            task.scheduled = true;
        }
    }

    fn abort(&mut self, i: u8) {
        let Some(task) = self.pick(i) else { return };
        let Some(handle) = &task.handle else { return };
        handle.abort();
        if task.outcome == Outcome::Running {
            task.outcome = Outcome::Cancelled;
        }
    }

    /// Runs the runtime until every count the model predicts is reached, then checks that
    /// nothing more happened.
    fn run(&mut self) {
        for task in &mut self.tasks {
            match task.outcome {
                Outcome::Running if task.scheduled => {
                    task.polls += 1;
                    task.scheduled = false;
                    if task.released {
                        task.outcome = Outcome::Completed;
                        task.drops = 1;
                    }
                }
                Outcome::Cancelled => task.drops = 1,
                _ => {}
            }
        }
        let tasks = &self.tasks;
        let settled = self.rt.block_on(async {
            for _ in 0..SETTLE_LIMIT {
                if tasks.iter().all(Task::settled) {
                    // A few more turns: anything beyond the model would show now.
                    for _ in 0..3 {
                        weft::task::yield_now().await;
                    }
                    return true;
                }
                weft::task::yield_now().await;
            }
            false
        });
        for task in &self.tasks {
            task.check();
        }
        assert!(settled, "the runtime did not settle");
    }

    fn await_handle(&mut self, i: u8) {
        self.run();
        let Some(task) = self.pick(i) else { return };
        if task.outcome == Outcome::Running || task.handle.is_none() {
            return;
        }
        let (id, outcome) = (task.id, task.outcome);
        let handle = task.handle.take().unwrap();
        match (self.rt.block_on(handle), outcome) {
            (Ok(got), Outcome::Completed) => assert_eq!(got, id),
            (Err(e), Outcome::Cancelled) => assert!(e.is_cancelled(), "{e}"),
            (got, want) => panic!("awaiting task {id}: {got:?}, model {want:?}"),
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Spawn => self.spawn(),
            Op::Wake(i) => self.wake(i, false),
            Op::WakeByRef(i) => self.wake(i, true),
            Op::Release(i) => {
                if let Some(task) = self.pick(i) {
                    task.shared.release.store(true, SeqCst);
                    task.released = true;
                }
            }
            Op::Abort(i) => self.abort(i),
            Op::DropHandle(i) => {
                if let Some(task) = self.pick(i) {
                    task.handle = None;
                }
            }
            Op::Run => self.run(),
            Op::Await(i) => self.await_handle(i),
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let mut harness = Harness {
        rt,
        tasks: Vec::new(),
    };
    for op in &ops {
        harness.apply(op);
    }
    let Harness { rt, tasks } = harness;
    drop(rt);
    for task in &tasks {
        assert_eq!(
            task.shared.drops.load(SeqCst),
            1,
            "task {} dropped once at shutdown",
            task.id
        );
        assert!(!task.shared.polled_after_ready.load(SeqCst));
        if let Some(waker) = task.shared.waker.lock().unwrap().take() {
            waker.wake();
        }
    }
});
