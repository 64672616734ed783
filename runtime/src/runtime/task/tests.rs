//! Unit tests of the task state machine through its public faces, in async-task's style:
//! every test counts polls, drops, schedules and wakes, and asserts the exact numbers.

use super::owned::OwnedTasks;
use super::{Id, JoinHandle, Notified, Schedule, Task};
use crate::test_util::{poll_with, CountingWaker, PanickingWaker};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// A scheduler that only queues: the test decides when to run.
#[derive(Default)]
struct Queue {
    tasks: Mutex<VecDeque<Notified>>,
    scheduled: AtomicUsize,
    owned: OwnedTasksCell,
}

struct OwnedTasksCell(OwnedTasks);

impl Default for OwnedTasksCell {
    fn default() -> Self {
        OwnedTasksCell(OwnedTasks::new())
    }
}

#[derive(Clone, Default)]
struct Sched(Arc<Queue>);

/// Owns a test scheduler and shuts it down when the test ends, as dropping a runtime does:
/// a task that never completes holds its scheduler, which holds the task in its owned list, and
/// only shutdown breaks that cycle.
#[derive(Default)]
struct Harness(Sched);

impl std::ops::Deref for Harness {
    type Target = Sched;
    fn deref(&self) -> &Sched {
        &self.0
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        (self.0).0.owned.0.close_and_shutdown_all();
        let queued: Vec<_> = (self.0).0.tasks.lock().unwrap().drain(..).collect();
        drop(queued);
    }
}

impl Schedule for Sched {
    fn schedule(&self, task: Notified) {
        self.0.scheduled.fetch_add(1, SeqCst);
        self.0.tasks.lock().unwrap().push_back(task);
    }

    fn release(&self, task: &Task) -> Option<Task> {
        self.0.owned.0.remove(task)
    }
}

impl Sched {
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.0.owned.0.bind(future, self.clone(), Id::next());
        if let Some(notified) = notified {
            self.schedule(notified);
        }
        join
    }

    fn run_all(&self) -> usize {
        let mut ran = 0;
        loop {
            let task = self.0.tasks.lock().unwrap().pop_front();
            match task {
                Some(task) => {
                    task.run();
                    ran += 1;
                }
                None => return ran,
            }
        }
    }

    fn scheduled(&self) -> usize {
        self.0.scheduled.load(SeqCst)
    }
}

/// Counts what happens to a future: polls, drops, and whether it may finish.
#[derive(Clone, Default)]
struct Probe {
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
    output_drops: Arc<AtomicUsize>,
    ready: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

struct ProbeFuture(Probe);

/// An output that counts its own drops.
struct Output(Arc<AtomicUsize>);

impl Drop for Output {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

impl Future for ProbeFuture {
    type Output = Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        let probe = &self.0;
        probe.polls.fetch_add(1, SeqCst);
        if probe.ready.load(SeqCst) {
            return Poll::Ready(Output(probe.output_drops.clone()));
        }
        *probe.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for ProbeFuture {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, SeqCst);
    }
}

impl Probe {
    fn future(&self) -> ProbeFuture {
        ProbeFuture(self.clone())
    }
    fn polls(&self) -> usize {
        self.polls.load(SeqCst)
    }
    fn drops(&self) -> usize {
        self.drops.load(SeqCst)
    }
    fn output_drops(&self) -> usize {
        self.output_drops.load(SeqCst)
    }
    fn finish(&self) {
        self.ready.store(true, SeqCst);
    }
    fn wake(&self) {
        self.waker
            .lock()
            .unwrap()
            .take()
            .expect("the future stored a waker")
            .wake();
    }
}

fn poll_join<T>(
    join: &mut JoinHandle<T>,
    waker: &Arc<CountingWaker>,
) -> Poll<Result<T, super::JoinError>> {
    poll_with(Pin::new(join), waker)
}

#[test]
fn runs_to_completion_and_hands_over_the_output() {
    let sched = Harness::default();
    let probe = Probe::default();
    probe.finish();
    let mut join = sched.spawn(probe.future());
    assert_eq!(sched.scheduled(), 1);
    assert_eq!(sched.run_all(), 1);
    assert_eq!((probe.polls(), probe.drops()), (1, 1));
    let waker = CountingWaker::new();
    let Poll::Ready(Ok(output)) = poll_join(&mut join, &waker) else {
        panic!("the output is ready")
    };
    assert_eq!(probe.output_drops(), 0);
    drop(output);
    assert_eq!(probe.output_drops(), 1);
    assert_eq!(waker.wakes(), 0);
}

#[test]
fn completion_wakes_the_join_waker_once() {
    let sched = Harness::default();
    let probe = Probe::default();
    let mut join = sched.spawn(probe.future());
    let waker = CountingWaker::new();
    assert!(poll_join(&mut join, &waker).is_pending());
    sched.run_all();
    assert!(poll_join(&mut join, &waker).is_pending());
    assert_eq!(waker.wakes(), 0);
    probe.finish();
    probe.wake();
    assert_eq!(sched.scheduled(), 2);
    sched.run_all();
    assert_eq!(waker.wakes(), 1);
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Ok(_))));
    assert_eq!(
        (probe.polls(), probe.drops(), probe.output_drops()),
        (2, 1, 1)
    );
}

#[test]
fn a_replaced_join_waker_is_the_one_woken() {
    let sched = Harness::default();
    let probe = Probe::default();
    let mut join = sched.spawn(probe.future());
    let first = CountingWaker::new();
    let second = CountingWaker::new();
    assert!(poll_join(&mut join, &first).is_pending());
    assert!(poll_join(&mut join, &second).is_pending());
    sched.run_all();
    probe.finish();
    probe.wake();
    sched.run_all();
    assert_eq!((first.wakes(), second.wakes()), (0, 1));
    // The runtime dropped its clone of the first waker when the handle replaced it.
    assert_eq!(Arc::strong_count(&first), 1);
    drop(join);
    assert_eq!(Arc::strong_count(&second), 1);
}

#[test]
fn wakes_while_idle_schedule_once_and_duplicate_wakes_coalesce() {
    let sched = Harness::default();
    let probe = Probe::default();
    let _join = sched.spawn(probe.future());
    sched.run_all();
    let waker = probe.waker.lock().unwrap().clone().unwrap();
    waker.wake_by_ref();
    waker.wake_by_ref();
    waker.wake();
    assert_eq!(
        sched.scheduled(),
        2,
        "three wakes of an idle task queue it once"
    );
    sched.run_all();
    assert_eq!(probe.polls(), 2);
}

#[test]
fn a_wake_during_the_poll_resubmits_after_it() {
    struct WakeSelf(Arc<AtomicUsize>);
    impl Future for WakeSelf {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0.fetch_add(1, SeqCst) == 2 {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
    let sched = Harness::default();
    let polls = Arc::new(AtomicUsize::new(0));
    let _join = sched.spawn(WakeSelf(polls.clone()));
    assert_eq!(sched.run_all(), 3);
    assert_eq!(polls.load(SeqCst), 3);
    assert_eq!(sched.scheduled(), 3);
}

#[test]
fn abort_before_the_first_poll_drops_the_future_unpolled() {
    let sched = Harness::default();
    let probe = Probe::default();
    let mut join = sched.spawn(probe.future());
    join.abort();
    assert_eq!(sched.scheduled(), 1, "a queued task is not queued twice");
    sched.run_all();
    assert_eq!((probe.polls(), probe.drops()), (0, 1));
    let waker = CountingWaker::new();
    let Poll::Ready(Err(error)) = poll_join(&mut join, &waker) else {
        panic!("the task was cancelled")
    };
    assert!(error.is_cancelled() && !error.is_panic());
    assert!(error.to_string().contains("was cancelled"));
}

#[test]
fn abort_while_pending_schedules_the_task_to_drop_it() {
    let sched = Harness::default();
    let probe = Probe::default();
    let mut join = sched.spawn(probe.future());
    sched.run_all();
    join.abort();
    join.abort();
    assert_eq!(sched.scheduled(), 2);
    assert_eq!(
        probe.drops(),
        0,
        "the future is dropped by the scheduler, not by abort"
    );
    sched.run_all();
    assert_eq!((probe.polls(), probe.drops()), (1, 1));
    let waker = CountingWaker::new();
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let sched = Harness::default();
    let probe = Probe::default();
    probe.finish();
    let mut join = sched.spawn(probe.future());
    sched.run_all();
    join.abort();
    assert_eq!(sched.scheduled(), 1);
    let waker = CountingWaker::new();
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Ok(_))));
}

#[test]
fn a_detached_task_still_runs_and_its_output_is_dropped() {
    let sched = Harness::default();
    let probe = Probe::default();
    let join = sched.spawn(probe.future());
    drop(join);
    sched.run_all();
    probe.finish();
    probe.wake();
    sched.run_all();
    assert_eq!(
        (probe.polls(), probe.drops(), probe.output_drops()),
        (2, 1, 1)
    );
    assert_eq!(Arc::strong_count(&probe.polls), 1, "the task was freed");
}

#[test]
fn dropping_the_handle_after_completion_drops_the_unread_output() {
    let sched = Harness::default();
    let probe = Probe::default();
    probe.finish();
    let join = sched.spawn(probe.future());
    sched.run_all();
    assert_eq!(probe.output_drops(), 0);
    drop(join);
    assert_eq!(probe.output_drops(), 1);
    assert_eq!(Arc::strong_count(&probe.polls), 1, "the task was freed");
}

#[test]
fn a_panic_is_caught_and_reported_with_its_payload() {
    struct Panics;
    impl Future for Panics {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            panic!("boom")
        }
    }
    let sched = Harness::default();
    let mut join = sched.spawn(Panics);
    sched.run_all();
    let waker = CountingWaker::new();
    let Poll::Ready(Err(error)) = poll_join(&mut join, &waker) else {
        panic!("the task panicked")
    };
    assert!(error.is_panic());
    assert!(error.to_string().contains("panicked with message \"boom\""));
    assert_eq!(*error.into_panic().downcast::<&str>().unwrap(), "boom");
}

#[test]
fn shutdown_drops_idle_futures_and_rejects_new_tasks() {
    let sched = Harness::default();
    let probes: Vec<Probe> = (0..3).map(|_| Probe::default()).collect();
    let mut joins: Vec<_> = probes.iter().map(|p| sched.spawn(p.future())).collect();
    sched.run_all();
    sched.0 .0.owned.0.close_and_shutdown_all();
    for probe in &probes {
        assert_eq!((probe.polls(), probe.drops()), (1, 1));
    }
    let late = Probe::default();
    joins.push(sched.spawn(late.future()));
    assert_eq!(
        (late.polls(), late.drops()),
        (0, 1),
        "a task spawned after close is cancelled"
    );
    let waker = CountingWaker::new();
    for join in &mut joins {
        assert!(matches!(poll_join(join, &waker), Poll::Ready(Err(e)) if e.is_cancelled()));
    }
    // A stale waker of a cancelled task wakes nothing and frees its reference.
    probes[0].wake();
    assert_eq!(sched.run_all(), 0);
}

#[test]
fn abort_handle_outlives_the_join_handle() {
    let sched = Harness::default();
    let probe = Probe::default();
    let join = sched.spawn(probe.future());
    let abort = join.abort_handle();
    drop(join);
    sched.run_all();
    assert!(!abort.is_finished());
    abort.abort();
    sched.run_all();
    assert!(abort.is_finished());
    assert_eq!(probe.drops(), 1);
    drop(abort);
    assert_eq!(Arc::strong_count(&probe.polls), 1, "the task was freed");
}

#[test]
fn a_panicking_join_waker_is_caught_and_the_task_still_completes_and_is_freed_once() {
    let sched = Harness::default();
    let probe = Probe::default();
    let mut join = sched.spawn(probe.future());
    let panicking = PanickingWaker::new();
    let waker = Waker::from(panicking.clone());
    assert!(Pin::new(&mut join)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    sched.run_all();
    probe.finish();
    probe.wake();
    // The runner (a worker, in a runtime) must not unwind out of the task.
    assert_eq!(sched.run_all(), 1);
    assert_eq!(panicking.wakes(), 1);
    assert!(join.is_finished());
    let counting = CountingWaker::new();
    assert!(matches!(
        poll_join(&mut join, &counting),
        Poll::Ready(Ok(_))
    ));
    assert_eq!(
        (probe.polls(), probe.drops(), probe.output_drops()),
        (2, 1, 1)
    );
    drop(join);
    assert_eq!(
        Arc::strong_count(&panicking),
        1,
        "the stored waker was dropped"
    );
    assert_eq!(Arc::strong_count(&probe.polls), 1, "the task was freed");
}

#[test]
fn a_panicking_future_is_dropped_while_its_panic_unwinds() {
    struct PanicsOnPoll(Arc<Mutex<Vec<bool>>>);
    impl Future for PanicsOnPoll {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            panic!("boom")
        }
    }
    impl Drop for PanicsOnPoll {
        fn drop(&mut self) {
            self.0.lock().unwrap().push(std::thread::panicking());
        }
    }
    let sched = Harness::default();
    let drops = Arc::new(Mutex::new(Vec::new()));
    let mut join = sched.spawn(PanicsOnPoll(drops.clone()));
    assert_eq!(sched.run_all(), 1);
    assert_eq!(
        *drops.lock().unwrap(),
        [true],
        "dropped once, during the unwind (as tokio does)"
    );
    let waker = CountingWaker::new();
    let Poll::Ready(Err(error)) = poll_join(&mut join, &waker) else {
        panic!("the task panicked")
    };
    assert_eq!(*error.into_panic().downcast::<&str>().unwrap(), "boom");
    drop(join);
    assert_eq!(Arc::strong_count(&drops), 1, "the task was freed");
}

#[test]
fn join_error_is_sync_and_reads_only_sync_payloads_through_a_shared_reference() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let id = Id::next();
    let owned = super::JoinError::panic(id, Box::new(String::from("owned message")));
    send_sync(&owned);
    assert_eq!(
        owned.to_string(),
        format!("task {id} panicked with message \"owned message\"")
    );
    // A `!Sync` payload is never reached through `&JoinError`: `Display` and `Debug` skip it,
    // and only the owner moves it out.
    let not_sync = super::JoinError::panic(id, Box::new(std::cell::Cell::new(5_u8)));
    assert_eq!(not_sync.to_string(), format!("task {id} panicked"));
    assert_eq!(
        format!("{not_sync:?}"),
        format!("JoinError::Panic({id:?}, ...)")
    );
    let payload = not_sync.into_panic();
    assert_eq!(
        *payload.downcast::<std::cell::Cell<u8>>().unwrap(),
        std::cell::Cell::new(5)
    );
}
