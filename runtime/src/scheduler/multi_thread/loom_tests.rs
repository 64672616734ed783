//! Loom models of the multi-thread scheduler's handoffs: the LIFO slot, deque and steal path,
//! and parking through the idle set with no lost wake-up.
//!
//! The deque is the loom stand-in (see `scheduler/queue.rs`); the protocol around it (the
//! atomic LIFO slot, the stealable flag, the idle set) is the production code.

use super::idle::Idle;
use super::{Remote, WorkerCounters};
use crate::loom::{
    thread, Arc, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Mutex, Ordering::SeqCst, Parker,
};
use crate::runtime::task::{new_task, Id, Notified, Schedule, Task};
use crate::scheduler::queue::{Steal, Worker};
use std::collections::HashSet;
use std::ptr;

/// Tasks for the model: never scheduled again, never released by a list.
#[derive(Clone, Copy)]
struct Inert;

impl Schedule for Inert {
    fn schedule(&self, _task: Notified) {
        unreachable!("the model never wakes its tasks")
    }
    fn release(&self, _task: &Task) -> Option<Task> {
        None
    }
}

fn task() -> (Notified, Id) {
    let id = Id::next();
    let (owned, notified, join) = new_task(async {}, Inert, id);
    drop((owned, join));
    (notified, id)
}

fn remote(local: &Worker<Notified>) -> Remote {
    Remote {
        stealer: local.stealer(),
        yielded: Worker::new_fifo().stealer(),
        lifo: AtomicPtr::new(ptr::null_mut()),
        lifo_stealable: AtomicBool::new(false),
        poll_ticks: AtomicU64::new(0),
        metrics: WorkerCounters::default(),
    }
}

#[test]
fn loom_lifo_slot_local_queue_and_steal_hand_each_task_to_one_thread() {
    loom::model(|| {
        let local = Worker::new_fifo();
        let remote = Arc::new(remote(&local));
        // The owner is stuck: the monitor marked its LIFO slot stealable.
        remote.lifo_stealable.store(true, SeqCst);
        let (a, a_id) = task();
        let (b, b_id) = task();

        let thief = {
            let remote = remote.clone();
            thread::spawn(move || {
                let dest = Worker::new_fifo();
                let mut got = Vec::new();
                if let Steal::Success(task) = remote.stealer.steal_batch_and_pop(&dest) {
                    got.push(task.id());
                }
                while let Some(task) = dest.pop() {
                    got.push(task.id());
                }
                if remote.lifo_stealable.load(SeqCst) {
                    if let Some(task) = remote.take_lifo() {
                        got.push(task.id());
                    }
                }
                got
            })
        };

        // The owner schedules two tasks: the second displaces the first into the deque.
        assert!(remote.put_lifo(a).is_none());
        if let Some(displaced) = remote.put_lifo(b) {
            local.push(displaced);
        }
        let mut mine = Vec::new();
        if let Some(task) = remote.take_lifo() {
            mine.push(task.id());
        }
        while let Some(task) = local.pop() {
            mine.push(task.id());
        }

        let stolen = thief.join().unwrap();
        let all: Vec<Id> = mine.iter().chain(&stolen).copied().collect();
        let unique: HashSet<Id> = all.iter().copied().collect();
        assert_eq!(all.len(), 2, "every task is taken exactly once: {all:?}");
        assert_eq!(unique, HashSet::from([a_id, b_id]));
    });
}

#[test]
fn loom_park_and_notify_lose_no_wake_up() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(1));
        let parker = Parker::new();
        let unparker = parker.unparker().clone();
        let pending = Arc::new(AtomicUsize::new(0));
        let _guard = Mutex::new(());

        let producer = {
            let idle = idle.clone();
            let pending = pending.clone();
            thread::spawn(move || {
                pending.store(1, SeqCst);
                if let Some(index) = idle.worker_to_notify() {
                    assert_eq!(index, 0);
                    unparker.unpark();
                }
            })
        };

        // The worker: searching, finds nothing, parks; it must end up seeing the work.
        assert!(idle.transition_worker_to_searching());
        let mut searching = true;
        loop {
            if pending.load(SeqCst) == 1 {
                break;
            }
            if idle.transition_worker_to_parked(0, searching) && pending.load(SeqCst) == 1 {
                // The last searcher's re-check found work: wake someone (here, ourselves).
                if idle.worker_to_notify().is_some() {
                    parker.unparker().unpark();
                }
            }
            loop {
                // A lost wake-up blocks here forever, and loom reports the deadlock.
                parker.park();
                if !idle.is_parked(0) {
                    searching = true;
                    break;
                }
            }
        }
        producer.join().unwrap();
        if searching {
            idle.transition_worker_from_searching();
        }
    });
}
