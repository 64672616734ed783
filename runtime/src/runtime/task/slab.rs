//! A slab of tasks: the storage of an owned-task list (`owned.rs`'s shards, `local_owned.rs`).
//!
//! A vector of slots; the vacant ones are chained into a free list through their own storage,
//! and each task's header records its slot (`Header::owned_slot`), so removing a task touches
//! that one slot. (A hash map keyed by task id touched its control bytes and its bucket: two
//! cache misses when a task completes on another CPU than the one that spawned it, which were
//! most of the map's cost on the spawn rows.)
//!
//! Invariants (the slab is `&mut` for every call, so its owner's lock or thread orders them):
//! - A task's `owned_slot` is written by `insert` and read by `remove` only through the slab
//!   that holds or held it, so every access to it happens under that slab's exclusion and
//!   `Relaxed` suffices.
//! - `remove` takes a task out only if its slot holds *that* task (compared by address): a
//!   stale index (a task already drained, or never inserted: `NO_SLOT`) removes nothing, even
//!   if its old slot was reused since. A slot is reused only after its task left it.
//! - `len` counts the occupied slots; every vacant slot is on the free list exactly once.

use super::Task;
use crate::loom::Ordering::Relaxed;
use std::mem;

/// `Header::owned_slot` of a task that no slab holds.
pub(super) const NO_SLOT: usize = usize::MAX;

/// A slab that empties with more slots than this gives its vector back, so that a burst of
/// spawns does not keep its memory for the runtime's lifetime. (Under miri, a burst its test
/// can afford: a thousand tasks take minutes there.)
const KEEP_SLOTS: usize = if cfg!(miri) { 16 } else { 1024 };

pub(super) struct TaskSlab {
    slots: Vec<Slot>,
    /// The first vacant slot, or `NO_SLOT`; each vacant slot names the next.
    free: usize,
    /// Occupied slots.
    len: usize,
}

enum Slot {
    Occupied(Task),
    /// A free slot and the next one on the free list (`NO_SLOT` ends it).
    Vacant(usize),
}

impl TaskSlab {
    pub(super) const fn new() -> TaskSlab {
        TaskSlab {
            slots: Vec::new(),
            free: NO_SLOT,
            len: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Stores `task` (the list's reference) and records its slot in its header.
    pub(super) fn insert(&mut self, task: Task) {
        let index = match self.free {
            NO_SLOT => self.slots.len(),
            free => free,
        };
        task.header().owned_slot.store(index, Relaxed);
        self.len += 1;
        if index == self.slots.len() {
            self.slots.push(Slot::Occupied(task));
            return;
        }
        match mem::replace(&mut self.slots[index], Slot::Occupied(task)) {
            Slot::Vacant(next) => self.free = next,
            Slot::Occupied(_) => unreachable!("the free list names only vacant slots"),
        }
    }

    /// Takes `task` out if this slab holds it, returning the list's reference.
    pub(super) fn remove(&mut self, task: &Task) -> Option<Task> {
        let index = task.header().owned_slot.load(Relaxed);
        match self.slots.get(index) {
            Some(Slot::Occupied(held)) if held.ptr == task.ptr => {}
            _ => return None,
        }
        let Slot::Occupied(held) = mem::replace(&mut self.slots[index], Slot::Vacant(self.free))
        else {
            unreachable!("the slot was just seen occupied")
        };
        self.free = index;
        self.len -= 1;
        if self.len == 0 && self.slots.len() > KEEP_SLOTS {
            // Every slot is vacant: freeing the vector drops no task (no user code runs).
            self.free = NO_SLOT;
            self.slots = Vec::new();
        }
        Some(held)
    }

    /// Empties the slab, returning its tasks.
    pub(super) fn drain(&mut self) -> Vec<Task> {
        self.free = NO_SLOT;
        self.len = 0;
        mem::take(&mut self.slots)
            .into_iter()
            .filter_map(|slot| match slot {
                Slot::Occupied(task) => Some(task),
                Slot::Vacant(_) => None,
            })
            .collect()
    }

    /// Checks the invariants above (tests).
    #[cfg(test)]
    pub(super) fn check_invariants(&self) {
        let occupied = self
            .slots
            .iter()
            .enumerate()
            .filter(|(index, slot)| match slot {
                Slot::Occupied(task) => {
                    assert_eq!(task.header().owned_slot.load(Relaxed), *index);
                    true
                }
                Slot::Vacant(_) => false,
            })
            .count();
        assert_eq!(occupied, self.len, "len counts the occupied slots");
        let mut vacant = vec![false; self.slots.len()];
        let mut next = self.free;
        while next != NO_SLOT {
            assert!(!vacant[next], "slot {next} is on the free list twice");
            vacant[next] = true;
            next = match self.slots[next] {
                Slot::Vacant(after) => after,
                Slot::Occupied(_) => panic!("the free list names occupied slot {next}"),
            };
        }
        let on_free_list = vacant.iter().filter(|&&on| on).count();
        assert_eq!(
            on_free_list + self.len,
            self.slots.len(),
            "a vacant slot is lost"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{TaskSlab, KEEP_SLOTS, NO_SLOT};
    use crate::runtime::task::{new_task, Id, JoinHandle, Notified, Schedule, Task};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    /// A scheduler that never runs anything: the tests only store and take tasks.
    struct Unscheduled;

    impl Schedule for Unscheduled {
        fn schedule(&self, task: Notified) {
            drop(task);
        }
        fn release(&self, _task: &Task) -> Option<Task> {
            None
        }
    }

    /// A task's three references, its future counting its drops in `drops`.
    struct Spawned {
        task: Task,
        notified: Notified,
        join: JoinHandle<()>,
    }

    fn spawn(drops: &Arc<AtomicUsize>) -> Spawned {
        struct CountDrop(Arc<AtomicUsize>);
        impl Drop for CountDrop {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let guard = CountDrop(drops.clone());
        let (task, notified, join) = new_task(
            async move {
                let _guard = guard;
            },
            Unscheduled,
            Id::next(),
        );
        Spawned {
            task,
            notified,
            join,
        }
    }

    fn slot(task: &Task) -> usize {
        task.header().owned_slot.load(SeqCst)
    }

    /// Inserts a copy of `spawned`'s list reference (the test keeps `spawned.task` to name it).
    fn insert(slab: &mut TaskSlab, spawned: &Spawned) {
        spawned.task.header().state.ref_inc();
        // SAFETY: the reference was just counted for the slab.
        slab.insert(unsafe { Task::from_raw(spawned.task.ptr) });
        slab.check_invariants();
    }

    /// Shuts the tasks down as a runtime's shutdown does, then drops the other references.
    fn finish(slab: &mut TaskSlab, spawned: Vec<Spawned>) {
        for task in slab.drain() {
            task.shutdown();
        }
        slab.check_invariants();
        for Spawned {
            task,
            notified,
            join,
        } in spawned
        {
            task.shutdown();
            drop(notified);
            drop(join);
        }
    }

    #[test]
    fn a_removed_slot_is_reused_and_a_stale_index_removes_nothing() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut slab = TaskSlab::new();
        let tasks: Vec<Spawned> = (0..4).map(|_| spawn(&drops)).collect();
        for spawned in &tasks[..3] {
            insert(&mut slab, spawned);
        }
        assert_eq!(
            tasks[..3].iter().map(|s| slot(&s.task)).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(slab.len(), 3);

        let held = slab.remove(&tasks[1].task).expect("task 1 is held");
        assert_eq!(held.ptr, tasks[1].task.ptr);
        drop(held);
        slab.check_invariants();
        assert_eq!(slab.len(), 2);
        assert!(slab.remove(&tasks[1].task).is_none(), "a task leaves once");

        insert(&mut slab, &tasks[3]);
        assert_eq!(slot(&tasks[3].task), 1, "the vacant slot is reused");
        // Task 1's header still names slot 1, which now holds task 3: nothing is removed.
        assert!(slab.remove(&tasks[1].task).is_none());
        assert_eq!(slab.len(), 3);
        assert_eq!(drops.load(SeqCst), 0);
        finish(&mut slab, tasks);
        assert_eq!(drops.load(SeqCst), 4);
    }

    #[test]
    fn vacant_slots_are_reused_last_freed_first_then_the_vector_grows() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut slab = TaskSlab::new();
        let tasks: Vec<Spawned> = (0..6).map(|_| spawn(&drops)).collect();
        for spawned in &tasks[..3] {
            insert(&mut slab, spawned);
        }
        drop(slab.remove(&tasks[0].task).expect("held"));
        drop(slab.remove(&tasks[2].task).expect("held"));
        slab.check_invariants();
        for spawned in &tasks[3..] {
            insert(&mut slab, spawned);
        }
        assert_eq!(
            tasks[3..].iter().map(|s| slot(&s.task)).collect::<Vec<_>>(),
            [2, 0, 3]
        );
        assert_eq!(slab.len(), 4);
        finish(&mut slab, tasks);
        assert_eq!(drops.load(SeqCst), 6);
    }

    #[test]
    fn a_task_never_inserted_or_drained_is_not_removed() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut slab = TaskSlab::new();
        let tasks: Vec<Spawned> = (0..3).map(|_| spawn(&drops)).collect();
        assert_eq!(slot(&tasks[0].task), NO_SLOT);
        assert!(slab.remove(&tasks[0].task).is_none());
        insert(&mut slab, &tasks[1]);
        insert(&mut slab, &tasks[2]);
        let drained = slab.drain();
        assert_eq!(drained.len(), 2);
        assert_eq!(slab.len(), 0);
        slab.check_invariants();
        // Shutdown took them out; their completion finds nothing to remove.
        assert!(slab.remove(&tasks[1].task).is_none());
        assert!(slab.remove(&tasks[2].task).is_none());
        for task in drained {
            task.shutdown();
        }
        assert_eq!(drops.load(SeqCst), 2);
        finish(&mut slab, tasks);
        assert_eq!(drops.load(SeqCst), 3);
    }

    #[test]
    fn a_slab_that_empties_after_a_burst_gives_its_memory_back() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut slab = TaskSlab::new();
        let tasks: Vec<Spawned> = (0..KEEP_SLOTS + 1).map(|_| spawn(&drops)).collect();
        for spawned in &tasks {
            insert(&mut slab, spawned);
        }
        for spawned in &tasks[..KEEP_SLOTS] {
            drop(slab.remove(&spawned.task).expect("held"));
        }
        assert!(
            slab.slots.capacity() > KEEP_SLOTS,
            "kept while a task is left"
        );
        drop(slab.remove(&tasks[KEEP_SLOTS].task).expect("held"));
        assert_eq!(slab.slots.capacity(), 0);
        assert_eq!((slab.free, slab.len), (NO_SLOT, 0));
        insert(&mut slab, &tasks[0]);
        assert_eq!(slot(&tasks[0].task), 0);
        finish(&mut slab, tasks);
        assert_eq!(drops.load(SeqCst), KEEP_SLOTS + 1);
    }

    #[test]
    fn a_small_slab_keeps_its_slots_when_it_empties() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut slab = TaskSlab::new();
        let tasks: Vec<Spawned> = (0..2).map(|_| spawn(&drops)).collect();
        insert(&mut slab, &tasks[0]);
        insert(&mut slab, &tasks[1]);
        drop(slab.remove(&tasks[0].task).expect("held"));
        drop(slab.remove(&tasks[1].task).expect("held"));
        slab.check_invariants();
        assert_eq!(slab.slots.len(), 2);
        insert(&mut slab, &tasks[0]);
        assert_eq!(slot(&tasks[0].task), 1);
        finish(&mut slab, tasks);
        assert_eq!(drops.load(SeqCst), 2);
    }
}
