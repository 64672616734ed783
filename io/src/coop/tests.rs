//! The budget's rules with exact counts: steps allowed, wakes sent, units restored.

use super::*;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};

#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    (counter.clone(), Waker::from(counter))
}

/// Takes units with progress until `poll_proceed` says `Pending`, at most `limit` times.
fn steps_until_pending(cx: &mut Context<'_>, limit: usize) -> usize {
    for step in 0..limit {
        match poll_proceed(cx) {
            Poll::Ready(progress) => progress.made_progress(),
            Poll::Pending => return step,
        }
    }
    limit
}

#[test]
fn outside_a_budget_nothing_is_constrained_or_woken() {
    let (wakes, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(steps_until_pending(&mut cx, 10_000), 10_000);
    assert!(has_budget_remaining());
    assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
}

#[test]
fn a_budget_allows_exactly_its_steps_then_wakes_the_task_once() {
    let (wakes, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    budget(|| {
        assert_eq!(steps_until_pending(&mut cx, 1_000), 128);
        assert!(!has_budget_remaining());
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        // Spent stays spent: every further attempt wakes again and is refused.
        assert!(poll_proceed(&mut cx).is_pending());
        assert_eq!(wakes.0.load(Ordering::SeqCst), 2);
    });
    // The scope ended: unconstrained again.
    assert!(has_budget_remaining());
    assert_eq!(steps_until_pending(&mut cx, 500), 500);
}

#[test]
fn budget_spent_reports_a_poll_that_spent_every_unit() {
    let (_, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(
        budget_spent(|| steps_until_pending(&mut cx, 127)),
        (127, false)
    );
    // Exactly the budget: spent, though nothing was refused yet (tokio counts it too).
    assert_eq!(
        budget_spent(|| steps_until_pending(&mut cx, 128)),
        (128, true)
    );
    assert_eq!(
        budget_spent(|| steps_until_pending(&mut cx, 1_000)),
        (128, true)
    );
    // A unit given back is not spent; unconstrained inside does not spend the outer budget.
    let ((), spent) = budget_spent(|| {
        drop(poll_proceed(&mut cx));
        with_unconstrained(|| assert_eq!(steps_until_pending(&mut cx, 500), 500));
    });
    assert!(!spent);
    // The thread's own budget is back afterwards (unconstrained here).
    assert!(has_budget_remaining());
}

#[test]
fn a_unit_without_progress_is_given_back() {
    let (_, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    budget(|| {
        for _ in 0..1_000 {
            let Poll::Ready(progress) = poll_proceed(&mut cx) else {
                panic!("a unit given back must not run the budget out");
            };
            drop(progress);
        }
        assert_eq!(steps_until_pending(&mut cx, 1_000), 128);
    });
}

#[test]
fn nested_budgets_restore_the_outer_one() {
    let (_, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    budget(|| {
        assert_eq!(steps_until_pending(&mut cx, 10), 10);
        budget(|| assert_eq!(steps_until_pending(&mut cx, 1_000), 128));
        with_unconstrained(|| assert_eq!(steps_until_pending(&mut cx, 1_000), 1_000));
        assert_eq!(steps_until_pending(&mut cx, 1_000), 118);
    });
}

#[test]
fn the_budget_is_restored_when_the_poll_panics() {
    let (_, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    budget(|| {
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            budget(|| {
                let _ = steps_until_pending(&mut cx, 5);
                panic!("a task panicked");
            })
        }));
        assert!(unwound.is_err());
        assert_eq!(steps_until_pending(&mut cx, 1_000), 128);
    });
}

#[test]
fn consume_budget_yields_once_per_budget() {
    let (wakes, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    let steps = std::cell::Cell::new(0);
    let mut task = pin!(async {
        for _ in 0..1_000 {
            consume_budget().await;
            steps.set(steps.get() + 1);
        }
    });
    let mut polls = 0;
    while budget(|| task.as_mut().poll(&mut cx)).is_pending() {
        polls += 1;
    }
    polls += 1;
    // 1000 steps at 128 per poll: seven full polls, then 104 steps.
    assert_eq!(polls, 8);
    assert_eq!(wakes.0.load(Ordering::SeqCst), 7);
    assert_eq!(steps.get(), 1_000);
}

#[test]
fn cooperative_spends_a_unit_only_when_its_future_completes() {
    let (wakes, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    budget(|| {
        let mut pending = pin!(cooperative(std::future::pending::<()>()));
        for _ in 0..1_000 {
            assert!(pending.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(
            wakes.0.load(Ordering::SeqCst),
            0,
            "the budget was never spent"
        );
        for step in 0..128 {
            let ready = pin!(cooperative(async { step })).poll(&mut cx);
            assert_eq!(ready, Poll::Ready(step));
        }
        assert!(pin!(cooperative(async {})).poll(&mut cx).is_pending());
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn unconstrained_futures_never_yield_and_leave_the_budget_alone() {
    let (wakes, waker) = waker();
    let mut cx = Context::from_waker(&waker);
    budget(|| {
        assert_eq!(steps_until_pending(&mut cx, 100), 100);
        let done = pin!(unconstrained(async {
            for _ in 0..10_000 {
                consume_budget().await;
            }
        }))
        .poll(&mut cx);
        assert!(done.is_ready());
        assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
        assert_eq!(steps_until_pending(&mut cx, 1_000), 28);
    });
}
