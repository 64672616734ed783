//! Unit tests of the batch semaphore, with counted wakes and no runtime.

use super::*;
use crate::test_util::Task;

#[test]
fn fast_path_counts_permits() {
    let sem = Semaphore::new(3);
    assert_eq!(sem.try_acquire(2), Ok(()));
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.try_acquire(2), Err(TryAcquireError::NoPermits));
    sem.release(2);
    assert_eq!(sem.available_permits(), 3);
    let mut acquire = Task::new(sem.acquire(3));
    assert_eq!(acquire.ready(), Ok(()));
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire(0), Ok(()));
}

#[test]
fn waiters_are_served_in_fifo_order_and_a_big_one_is_not_starved() {
    let sem = Semaphore::new(0);
    let mut big = Task::new(sem.acquire(3));
    let mut small = Task::new(sem.acquire(1));
    big.pending();
    small.pending();

    // Each released permit goes to the front waiter until it has all it asked for.
    sem.release(1);
    sem.release(1);
    assert_eq!((big.wakes(), small.wakes()), (0, 0));
    assert_eq!(sem.available_permits(), 0);
    // A newcomer does not jump the queue, even for one permit.
    assert_eq!(sem.try_acquire(1), Err(TryAcquireError::NoPermits));
    let mut late = Task::new(sem.acquire(1));
    late.pending();

    sem.release(1);
    assert_eq!((big.wakes(), small.wakes(), late.wakes()), (1, 0, 0));
    assert_eq!(big.ready(), Ok(()));
    sem.release(2);
    assert_eq!((big.wakes(), small.wakes(), late.wakes()), (1, 1, 1));
    assert_eq!(small.ready(), Ok(()));
    assert_eq!(late.ready(), Ok(()));
    assert_eq!(sem.available_permits(), 0);
    sem.release(5);
    assert_eq!(
        sem.available_permits(),
        5,
        "no waiter left: permits go to the count"
    );
}

#[test]
fn an_acquire_finding_some_permits_takes_them_and_waits_for_the_rest() {
    let sem = Semaphore::new(2);
    let mut acquire = Task::new(sem.acquire(5));
    acquire.pending();
    assert_eq!(sem.available_permits(), 0);
    sem.release(2);
    assert_eq!(acquire.wakes(), 0);
    sem.release(1);
    assert_eq!(acquire.wakes(), 1);
    assert_eq!(acquire.ready(), Ok(()));
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn cancelling_returns_assigned_permits_to_the_next_waiter() {
    let sem = Semaphore::new(1);
    let mut first = Task::new(sem.acquire(3)); // takes the 1 permit, waits for 2 more
    let mut second = Task::new(sem.acquire(2));
    first.pending();
    second.pending();
    sem.release(1); // first now holds 2 of 3
    drop(first);
    assert_eq!(
        second.wakes(),
        1,
        "the 2 returned permits complete the next waiter"
    );
    assert_eq!(second.ready(), Ok(()));
    assert_eq!(sem.available_permits(), 0);
    sem.release(2);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn cancelling_the_only_waiter_returns_its_permits_to_the_count() {
    let sem = Semaphore::new(2);
    let mut waiter = Task::new(sem.acquire(4));
    waiter.pending();
    assert_eq!(sem.available_permits(), 0);
    drop(waiter);
    assert_eq!(sem.available_permits(), 2);
    // The waiter flag is gone: the fast path works again.
    assert_eq!(sem.try_acquire(2), Ok(()));
    sem.release(2);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_granted_but_unpolled_acquire_gives_its_permits_back_when_dropped() {
    let sem = Semaphore::new(0);
    let mut first = Task::new(sem.acquire(2));
    let mut second = Task::new(sem.acquire(1));
    first.pending();
    second.pending();
    sem.release(2);
    assert_eq!((first.wakes(), second.wakes()), (1, 0));
    drop(first);
    assert_eq!(second.wakes(), 1);
    assert_eq!(second.ready(), Ok(()));
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn dropping_a_never_polled_or_completed_acquire_does_nothing() {
    let sem = Semaphore::new(1);
    drop(sem.acquire(1));
    let mut done = Task::new(sem.acquire(1));
    assert_eq!(done.ready(), Ok(()));
    drop(done);
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn close_wakes_every_waiter_once_with_an_error() {
    let sem = Semaphore::new(1);
    let mut a = Task::new(sem.acquire(2));
    let mut b = Task::new(sem.acquire(1));
    a.pending();
    b.pending();
    assert!(!sem.is_closed());
    sem.close();
    assert!(sem.is_closed());
    assert_eq!((a.wakes(), b.wakes()), (1, 1));
    assert_eq!(a.ready(), Err(AcquireError(())));
    assert_eq!(b.ready(), Err(AcquireError(())));
    assert_eq!(
        sem.available_permits(),
        1,
        "the permit assigned to `a` is back"
    );
    assert_eq!(sem.try_acquire(1), Err(TryAcquireError::Closed));
    let mut late = Task::new(sem.acquire(1));
    assert_eq!(late.ready(), Err(AcquireError(())));
    sem.release(3);
    assert_eq!(
        sem.available_permits(),
        4,
        "releases still count after close"
    );
    assert_eq!(AcquireError(()).to_string(), "semaphore closed");
    assert_eq!(
        TryAcquireError::NoPermits.to_string(),
        "no permits available"
    );
}

/// tokio's rule: an acquire that has not returned when the semaphore closes fails, even if its
/// permits were handed to it before the close; they go back to the count.
#[test]
fn a_waiter_granted_before_close_but_polled_after_fails_and_returns_its_permits() {
    let sem = Semaphore::new(0);
    let mut granted = Task::new(sem.acquire(2));
    granted.pending();
    sem.release(2);
    assert_eq!(sem.available_permits(), 0, "both went to the waiter");
    sem.close();
    assert_eq!(granted.wakes(), 1);
    assert_eq!(granted.ready(), Err(AcquireError(())));
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn dropping_a_closed_waiter_returns_nothing_twice() {
    let sem = Semaphore::new(1);
    let mut a = Task::new(sem.acquire(3));
    a.pending();
    sem.close();
    drop(a);
    assert_eq!(sem.available_permits(), 1);
}

/// tokio's rule: a closed waiter keeps the permits assigned to it until its acquire is polled
/// (and fails) or dropped; only then do they come back, once each.
#[test]
fn a_closed_waiter_keeps_its_assigned_permits_until_polled_or_dropped() {
    let sem = Semaphore::new(2);
    let mut polled = Task::new(sem.acquire(3));
    polled.pending();
    sem.release(1);
    let mut dropped = Task::new(sem.acquire(2));
    dropped.pending();
    sem.release(1);
    assert_eq!(sem.available_permits(), 0, "3 to `polled`, 1 to `dropped`");
    sem.close();
    assert_eq!((polled.wakes(), dropped.wakes()), (1, 1));
    assert_eq!(sem.available_permits(), 0, "still assigned");
    sem.release(5);
    assert_eq!(sem.available_permits(), 5, "releases count after the close");
    assert_eq!(polled.ready(), Err(AcquireError(())));
    assert_eq!(sem.available_permits(), 8);
    drop(dropped);
    assert_eq!(sem.available_permits(), 9);
}

#[test]
fn only_the_latest_waker_is_woken() {
    let sem = Semaphore::new(0);
    let mut acquire = Task::new(sem.acquire(1));
    acquire.pending();
    let first = acquire.waker.clone();
    acquire.waker = crate::test_util::Counted::new();
    acquire.pending();
    sem.release(1);
    assert_eq!((first.wakes(), acquire.wakes()), (0, 1));
    assert_eq!(acquire.ready(), Ok(()));
}

#[test]
fn a_release_to_many_waiters_wakes_each_once() {
    let sem = Semaphore::new(0);
    let mut waiters: Vec<_> = (0..100).map(|_| Task::new(sem.acquire(1))).collect();
    for waiter in &mut waiters {
        waiter.pending();
    }
    sem.release(70);
    let woken: Vec<usize> = waiters.iter().map(|w| w.wakes()).collect();
    assert_eq!(woken[..70], [1; 70]);
    assert_eq!(woken[70..], [0; 30]);
    sem.close();
    // Closed before any of them returned: all fail (tokio's rule), the granted ones giving
    // their permits back.
    for waiter in &mut waiters {
        assert_eq!(waiter.wakes(), 1);
        assert_eq!(waiter.ready(), Err(AcquireError(())));
    }
    assert_eq!(sem.available_permits(), 70);
}

#[test]
fn forget_permits_removes_at_most_what_is_available() {
    let sem = Semaphore::new(5);
    assert_eq!(sem.forget_permits(3), 3);
    assert_eq!(sem.forget_permits(3), 2);
    assert_eq!(sem.forget_permits(3), 0);
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn zero_permits_are_always_available_unless_closed() {
    let sem = Semaphore::new(0);
    let mut waiter = Task::new(sem.acquire(1));
    waiter.pending();
    let mut zero = Task::new(sem.acquire(0));
    assert_eq!(zero.ready(), Ok(()));
    sem.close();
    let mut zero = Task::new(sem.acquire(0));
    assert_eq!(zero.ready(), Err(AcquireError(())));
}

#[test]
#[should_panic(expected = "a semaphore may not have more than MAX_PERMITS")]
fn too_many_permits_at_creation_panic() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS + 1);
}

#[test]
#[should_panic(expected = "would make the semaphore hold more than MAX_PERMITS")]
fn overflowing_release_panics() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    sem.release(1);
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn polling_after_completion_panics() {
    let sem = Semaphore::new(1);
    let mut acquire = Task::new(sem.acquire(1));
    let _ = acquire.ready();
    let _ = acquire.poll();
}

#[test]
fn acquire_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let sem = Semaphore::new(1);
    assert_send_sync(&sem.acquire(1));
}

/// Spends the whole coop budget of the current (budgeted) poll.
fn spend_budget() {
    let waker = crate::test_util::noop_waker();
    let mut cx = Context::from_waker(&waker);
    while crate::task::coop::has_budget_remaining() {
        assert!(weft_io::coop::poll_proceed_and_make_progress(&mut cx).is_ready());
    }
}

#[test]
fn an_acquire_out_of_budget_takes_the_permits_and_hands_them_over_at_the_next_poll() {
    let sem = Semaphore::new(2);
    let mut acquire = Task::new(sem.acquire(2));
    weft_io::coop::budget(|| {
        spend_budget();
        acquire.pending();
    });
    // Granted, held for the future across the yield; the task was woken to come back.
    assert_eq!((sem.available_permits(), acquire.wakes()), (0, 1));
    weft_io::coop::budget(|| assert_eq!(acquire.ready(), Ok(())));
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn an_acquire_out_of_budget_gives_its_permits_back_if_dropped_or_closed() {
    let sem = Semaphore::new(2);
    let mut dropped = Task::new(sem.acquire(2));
    weft_io::coop::budget(|| {
        spend_budget();
        dropped.pending();
    });
    drop(dropped);
    assert_eq!(sem.available_permits(), 2);

    let mut closed = Task::new(sem.acquire(1));
    weft_io::coop::budget(|| {
        spend_budget();
        closed.pending();
    });
    assert_eq!(sem.available_permits(), 1);
    sem.close();
    // Not completed before the close: it fails, as any acquire that had not completed.
    weft_io::coop::budget(|| assert_eq!(closed.ready(), Err(AcquireError(()))));
    assert_eq!(sem.available_permits(), 2);
}
