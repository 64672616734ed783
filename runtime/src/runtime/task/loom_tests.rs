//! Loom models of the task state machine: completion, abort, `JoinHandle` drop, wakes and
//! shutdown racing each other. Each asserts that the future is dropped exactly once and the
//! task is freed.

use super::owned::OwnedTasks;
use super::{Id, JoinHandle, Notified, Schedule, Task};
use crate::loom::{lock, thread, Arc, AtomicUsize, Mutex, Ordering::SeqCst};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct Queue {
    tasks: Mutex<VecDeque<Notified>>,
    owned: OwnedTasks,
}

#[derive(Clone)]
struct Sched(Arc<Queue>);

impl Schedule for Sched {
    fn schedule(&self, task: Notified) {
        lock(&self.0.tasks).push_back(task);
    }
    fn release(&self, task: &Task) -> Option<Task> {
        self.0.owned.remove(task)
    }
}

impl Sched {
    fn new() -> Sched {
        Sched(Arc::new(Queue {
            tasks: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(),
        }))
    }

    fn spawn<F: Future + Send + 'static>(&self, future: F) -> JoinHandle<F::Output>
    where
        F::Output: Send + 'static,
    {
        let (join, notified) = self.0.owned.bind(future, self.clone(), Id::next());
        if let Some(notified) = notified {
            self.schedule(notified);
        }
        join
    }

    fn run_all(&self) {
        loop {
            let task = lock(&self.0.tasks).pop_front();
            match task {
                Some(task) => task.run(),
                None => return,
            }
        }
    }

    /// A thread that runs the queued tasks until the queue is empty (a worker).
    fn run_all_on_a_thread(&self) -> thread::JoinHandle<()> {
        let sched = self.clone();
        thread::spawn(move || sched.run_all())
    }

    /// Drops queued references (as a runtime does at shutdown).
    fn drain(&self) {
        let tasks: Vec<_> = lock(&self.0.tasks).drain(..).collect();
        drop(tasks);
    }
}

/// Pending on its first poll (after waking itself once), ready on the second; counts drops.
struct TwoPolls {
    polls: usize,
    drops: Arc<AtomicUsize>,
}

impl Future for TwoPolls {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls += 1;
        if self.polls == 1 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.polls)
    }
}

impl Drop for TwoPolls {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// Completes after the tasks run, from a block_on-free poll of the handle.
fn poll_once<T>(join: &mut JoinHandle<T>) -> Poll<Result<T, super::JoinError>> {
    let waker = futures_noop_waker();
    Pin::new(join).poll(&mut Context::from_waker(&waker))
}

fn futures_noop_waker() -> std::task::Waker {
    // `Waker::noop` needs Rust 1.85; the crate's MSRV is 1.80.
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    std::task::Waker::from(std::sync::Arc::new(Noop))
}

#[test]
fn loom_complete_races_abort_and_join_handle_drop() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let join = sched.spawn(TwoPolls {
            polls: 0,
            drops: drops.clone(),
        });
        let abort = join.abort_handle();
        let runner = sched.run_all_on_a_thread();
        let aborter = thread::spawn(move || abort.abort());
        drop(join);
        runner.join().unwrap();
        aborter.join().unwrap();
        sched.run_all();
        assert_eq!(drops.load(SeqCst), 1);
        assert!(sched.0.owned.is_empty());
    });
}

#[test]
fn loom_join_waker_registration_races_completion() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let join = sched.spawn(TwoPolls {
            polls: 0,
            drops: drops.clone(),
        });
        let runner = sched.run_all_on_a_thread();
        // The handle registers its waker while the task may be completing; `block_on` only
        // returns if completion wakes it (or it saw COMPLETE), so a lost wake-up deadlocks the
        // model, which loom reports.
        let output = loom::future::block_on(join);
        assert_eq!(output.unwrap(), 2);
        runner.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn loom_wake_races_completion_and_handle_poll() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let mut join = sched.spawn(TwoPolls {
            polls: 0,
            drops: drops.clone(),
        });
        // First poll: the task wakes itself and is requeued.
        let task = lock(&sched.0.tasks).pop_front().unwrap();
        task.run();
        let runner = sched.run_all_on_a_thread();
        let polled = poll_once(&mut join);
        runner.join().unwrap();
        sched.run_all();
        match polled {
            Poll::Ready(output) => assert_eq!(output.unwrap(), 2),
            Poll::Pending => assert_eq!(poll_once(&mut join).map(Result::unwrap), Poll::Ready(2)),
        }
        drop(join);
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn loom_shutdown_races_spawn() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let spawner = {
            let sched = sched.clone();
            let drops = drops.clone();
            thread::spawn(move || {
                let join = sched.spawn(TwoPolls { polls: 0, drops });
                drop(join);
            })
        };
        sched.0.owned.close_and_shutdown_all();
        spawner.join().unwrap();
        // Whatever the order, the future is dropped exactly once: by shutdown, by the closed
        // list rejecting it, or (spawned before the close) by shutdown's drain of the list.
        sched.drain();
        assert_eq!(drops.load(SeqCst), 1);
        assert!(sched.0.owned.is_empty());
    });
}

/// Ready on its first poll; counts drops.
struct OnePoll(Arc<AtomicUsize>);

impl Future for OnePoll {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

impl Drop for OnePoll {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

impl Sched {
    /// Spawns with a chosen id: under loom there are two shards (`id % 2`), so odd ids share
    /// one shard's slab.
    fn spawn_with_id(&self, id: u64, drops: &Arc<AtomicUsize>) {
        let (join, notified) = self
            .0
            .owned
            .bind(OnePoll(drops.clone()), self.clone(), Id(id));
        drop(join);
        if let Some(notified) = notified {
            self.schedule(notified);
        }
    }
}

#[test]
fn loom_owned_slot_reuse_races_completion_in_one_shard() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = Arc::new(AtomicUsize::new(0));
        // Tasks 1 and 3 share a shard; task 5 joins it while the others complete, reusing
        // whichever slot was freed first (or growing the slab).
        sched.spawn_with_id(1, &drops);
        sched.spawn_with_id(3, &drops);
        let runner = sched.run_all_on_a_thread();
        let spawner = {
            let (sched, drops) = (sched.clone(), drops.clone());
            thread::spawn(move || {
                sched.spawn_with_id(5, &drops);
                sched.run_all();
            })
        };
        sched.run_all();
        runner.join().unwrap();
        spawner.join().unwrap();
        sched.run_all();
        // Every task completed and left the list exactly once: none was removed in another's
        // place, none was left behind.
        assert_eq!(drops.load(SeqCst), 3);
        assert!(sched.0.owned.is_empty());
    });
}

#[test]
fn loom_owned_shutdown_races_completion() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = Arc::new(AtomicUsize::new(0));
        sched.spawn_with_id(1, &drops);
        sched.spawn_with_id(3, &drops);
        let runner = sched.run_all_on_a_thread();
        // Shutdown drains the shard while the runner completes its tasks (which then find
        // their slots vacant, or take themselves out first).
        sched.0.owned.close_and_shutdown_all();
        runner.join().unwrap();
        sched.drain();
        assert_eq!(drops.load(SeqCst), 2);
        assert!(sched.0.owned.is_empty());
    });
}
