//! Loom models of the "waiting on many" handoffs: `TaskGroup`'s cancel-on-first-error path, and
//! the ready list behind `JoinSet` and `join_all`.
//!
//! Threads stand in for members completing concurrently, and for the runtime dropping a
//! cancelled member's future; the joiner runs under `loom::future::block_on`, so a lost wake-up
//! is a deadlock that loom reports. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::group_state::{Cancel, Failure, GroupState};
use super::ready::{ReadyList, ReadyWaker};
use crate::loom::{thread, Arc, AtomicUsize, Ordering::SeqCst};
use std::future::poll_fn;
use std::task::{Poll, Wake, Waker};

/// A member's cancel handle: counts its calls.
#[derive(Clone, Default)]
struct MockCancel(Arc<AtomicUsize>);

impl MockCancel {
    fn count(&self) -> usize {
        self.0.load(SeqCst)
    }
}

impl Cancel for MockCancel {
    fn cancel(&self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// The runtime's part for a member that only ends when cancelled: once cancelled, its future is
/// dropped and the member is released.
fn run_until_cancelled(
    state: &Arc<GroupState<u32, u32, MockCancel>>,
    index: usize,
    c: &MockCancel,
) {
    while c.count() == 0 {
        thread::yield_now();
    }
    state.release(index);
}

/// Wraps the joiner's waker and counts the wakes of every copy handed to the group.
struct CountingWaker {
    inner: Waker,
    wakes: Arc<AtomicUsize>,
}

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
        self.inner.wake_by_ref();
    }
}

/// Blocks on the group's join; returns the result, the number of `Pending`s, and the count of
/// wakes (to read once the members' threads are joined: the last member may still be calling
/// `wake` after a spurious wake-up let the joiner finish).
fn join(
    state: &GroupState<u32, u32, MockCancel>,
) -> (Result<Vec<u32>, Failure<u32>>, usize, Arc<AtomicUsize>) {
    let wakes = Arc::new(AtomicUsize::new(0));
    let mut pendings = 0;
    let result = loom::future::block_on(poll_fn(|cx| {
        let waker = Waker::from(std::sync::Arc::new(CountingWaker {
            inner: cx.waker().clone(),
            wakes: wakes.clone(),
        }));
        let poll = state.poll_join(&waker);
        if poll.is_pending() {
            pendings += 1;
        }
        poll
    }));
    (result, pendings, wakes)
}

#[test]
fn loom_task_group_first_error_is_kept_the_rest_cancelled_the_joiner_woken_once() {
    loom::model(|| {
        let state = Arc::new(GroupState::<u32, u32, MockCancel>::new());
        let cancels: Vec<MockCancel> = (0..3).map(|_| MockCancel::default()).collect();
        for cancel in &cancels {
            let index = state.register();
            state.attach(index, cancel.clone());
        }
        // Members 0 and 1 fail concurrently; member 2 runs until it is cancelled.
        let failing: Vec<_> = (0..2u32)
            .map(|i| {
                let state = state.clone();
                thread::spawn(move || state.finish(i as usize, Err(Failure::Error(i))))
            })
            .collect();
        let waiting = {
            let (state, cancel) = (state.clone(), cancels[2].clone());
            thread::spawn(move || run_until_cancelled(&state, 2, &cancel))
        };

        let (result, pendings, wakes) = join(&state);
        for thread in failing {
            thread.join().unwrap();
        }
        waiting.join().unwrap();

        let Err(Failure::Error(first)) = result else {
            panic!("expected the first error, got {result:?}");
        };
        // Exactly one error kept; every other member cancelled exactly once, the failing one
        // never; one wake per sleep of the joiner (none lost, none extra).
        let other = 1 - first as usize;
        assert_eq!(cancels[first as usize].count(), 0);
        assert_eq!(cancels[other].count(), 1);
        assert_eq!(cancels[2].count(), 1);
        assert_eq!(wakes.load(SeqCst), usize::from(pendings > 0));
    });
}

#[test]
fn loom_task_group_member_spawned_during_the_failure_is_cancelled() {
    loom::model(|| {
        let state = Arc::new(GroupState::<u32, u32, MockCancel>::new());
        let (first, late) = (MockCancel::default(), MockCancel::default());
        let index = state.register();
        state.attach(index, first.clone());

        let failing = {
            let state = state.clone();
            thread::spawn(move || state.finish(0, Err(Failure::Error(7))))
        };
        let late_member = {
            let (state, late) = (state.clone(), late.clone());
            thread::spawn(move || run_until_cancelled(&state, 1, &late))
        };
        // Spawning races the failure: before it, between `register` and `attach`, or after.
        let index = state.register();
        state.attach(index, late.clone());

        let (result, pendings, wakes) = join(&state);
        failing.join().unwrap();
        late_member.join().unwrap();
        assert!(matches!(result, Err(Failure::Error(7))), "{result:?}");
        assert_eq!((first.count(), late.count()), (0, 1));
        assert_eq!(wakes.load(SeqCst), usize::from(pendings > 0));
    });
}

#[test]
fn loom_ready_list_hands_every_woken_key_to_the_joiner() {
    loom::model(|| {
        let list = ReadyList::<usize>::new();
        let nodes = [
            ReadyWaker::new(0, &list, false),
            ReadyWaker::new(1, &list, false),
        ];
        // Key 0's future is woken twice (say by a timer and a channel), key 1's once.
        let wakers: Vec<Waker> = nodes.iter().map(|n| Waker::from(n.clone())).collect();
        let twice = {
            let waker = wakers[0].clone();
            thread::spawn(move || {
                waker.wake_by_ref();
                waker.wake();
            })
        };
        let once = {
            let waker = wakers[1].clone();
            thread::spawn(move || waker.wake())
        };

        // The joiner: pop, clear the flag before "polling", sleep when nothing is queued.
        let mut seen = [0usize; 2];
        loom::future::block_on(poll_fn(|cx| loop {
            while let Some(key) = list.pop() {
                nodes[key].take_queued();
                seen[key] += 1;
            }
            if seen.iter().all(|&n| n > 0) {
                return Poll::Ready(());
            }
            if list.register(cx.waker()) {
                return Poll::Pending;
            }
        }));
        twice.join().unwrap();
        once.join().unwrap();
        // Key 1 exactly once; key 0 once or twice (a wake after its pop queues it again).
        while let Some(key) = list.pop() {
            seen[key] += 1;
        }
        assert_eq!(seen[1], 1);
        assert!((1..=2).contains(&seen[0]), "{seen:?}");
    });
}
