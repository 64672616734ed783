//! Unit tests of `Notify`, with counted wakes and no runtime.

use super::*;
use crate::test_util::{Counted, Task};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

#[test]
fn notify_one_with_nobody_waiting_stores_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    let mut first = Task::new(notify.notified());
    first.ready();
    let mut second = Task::new(notify.notified());
    second.pending();
    assert_eq!(second.wakes(), 0);
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    let notify = Notify::new();
    let mut tasks: Vec<_> = (0..3).map(|_| Task::new(notify.notified())).collect();
    for task in &mut tasks {
        task.pending();
    }
    assert_eq!(notify.waiting(), 3);
    for i in 0..3 {
        notify.notify_one();
        let wakes: Vec<usize> = tasks.iter().map(Task::wakes).collect();
        let expected: Vec<usize> = (0..3).map(|j| usize::from(j <= i)).collect();
        assert_eq!(wakes, expected);
        tasks[i].ready();
    }
    assert_eq!(notify.waiting(), 0);
    // Nobody waits any more: the next one is stored.
    notify.notify_one();
    Task::new(notify.notified()).ready();
}

#[test]
fn notify_waiters_wakes_everyone_waiting_and_stores_nothing() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    let mut b = Task::new(notify.notified());
    a.pending();
    b.pending();
    notify.notify_waiters();
    assert_eq!((a.wakes(), b.wakes()), (1, 1));
    a.ready();
    b.ready();
    let mut later = Task::new(notify.notified());
    later.pending();
    assert_eq!(later.wakes(), 0);
}

#[test]
fn notify_waiters_reaches_futures_created_before_it_even_unpolled() {
    let notify = Notify::new();
    let mut before = Task::new(notify.notified());
    notify.notify_waiters();
    let mut after = Task::new(notify.notified());
    before.ready();
    after.pending();
}

#[test]
fn notify_waiters_with_many_waiters_wakes_each_once() {
    let notify = Notify::new();
    let mut tasks: Vec<_> = (0..50).map(|_| Task::new(notify.notified())).collect();
    for task in &mut tasks {
        task.pending();
    }
    notify.notify_waiters();
    for task in &mut tasks {
        assert_eq!(task.wakes(), 1);
        task.ready();
    }
    assert_eq!(notify.waiting(), 0);
}

#[test]
fn enable_registers_for_notify_one_before_the_first_poll() {
    let notify = Notify::new();
    let mut enabled = Box::pin(notify.notified());
    assert!(!enabled.as_mut().enable());
    notify.notify_one();
    // The notification went to the enabled future, not into a stored permit.
    let mut other = Task::new(notify.notified());
    other.pending();
    assert_eq!(Counted::new().poll(enabled.as_mut()), Poll::Ready(()));
    assert_eq!(other.wakes(), 0);
}

#[test]
fn enable_takes_a_stored_permit_and_reports_it() {
    let notify = Notify::new();
    notify.notify_one();
    let mut notified = Box::pin(notify.notified());
    assert!(notified.as_mut().enable());
    assert!(notified.as_mut().enable());
    assert_eq!(Counted::new().poll(notified.as_mut()), Poll::Ready(()));
    Task::new(notify.notified()).pending();
}

#[test]
fn a_chosen_notified_dropped_before_its_poll_passes_the_notification_on() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    let mut b = Task::new(notify.notified());
    a.pending();
    b.pending();
    notify.notify_one();
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    drop(a);
    assert_eq!(b.wakes(), 1, "the notification moves to the next waiter");
    b.ready();
}

#[test]
fn a_chosen_notified_dropped_with_nobody_behind_stores_the_permit() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    notify.notify_one();
    drop(a);
    Task::new(notify.notified()).ready();
    Task::new(notify.notified()).pending();
}

#[test]
fn a_dropped_waiter_that_was_not_chosen_takes_nothing() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    drop(a);
    assert_eq!(notify.waiting(), 0);
    notify.notify_one();
    Task::new(notify.notified()).ready();
}

#[test]
fn a_notify_waiters_wake_is_not_passed_on_when_dropped() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    notify.notify_waiters();
    let mut b = Task::new(notify.notified());
    b.pending();
    drop(a);
    assert_eq!(b.wakes(), 0);
    Task::new(notify.notified()).pending();
}

#[test]
fn only_the_latest_waker_is_woken() {
    let notify = Notify::new();
    let mut a = Task::new(notify.notified());
    a.pending();
    let first = a.waker.clone();
    a.waker = Counted::new();
    a.pending();
    notify.notify_one();
    assert_eq!((first.wakes(), a.wakes()), (0, 1));
    a.ready();
}

#[test]
fn a_completed_notified_stays_ready_and_drops_cleanly() {
    let notify = Notify::new();
    notify.notify_one();
    let mut a = Task::new(notify.notified());
    a.ready();
    a.ready();
    drop(a);
    Task::new(notify.notified()).pending();
}

#[test]
fn types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let notify = Notify::new();
    assert_send_sync(&notify);
    assert_send_sync(&notify.notified());
}

/// A woken task that comes back to wait while `notify_waiters` is still waking the others (in
/// batches, the lock released in between) is not woken by that same call, however many
/// batches it takes; the next call wakes it.
#[test]
fn notify_waiters_in_batches_wakes_only_those_waiting_before_the_call() {
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    const WAITERS: usize = 100; // four batches
    static NOTIFY: Notify = Notify::const_new();
    let notify: &'static Notify = &NOTIFY;
    type Returning = Mutex<Vec<Pin<Box<Notified<'static>>>>>;
    /// On its wake, queues a new waiter on `notify`, as a woken task that waits again does.
    struct WaitsAgain {
        notify: &'static Notify,
        returned: Arc<Returning>,
        wakes: AtomicUsize,
    }
    impl Wake for WaitsAgain {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.wakes.fetch_add(1, SeqCst);
            let mut again = Box::pin(self.notify.notified());
            assert!(!again.as_mut().enable(), "a new waiter is not notified yet");
            self.returned.lock().unwrap().push(again);
        }
    }
    let returned = Arc::new(Returning::default());
    let wakers: Vec<Arc<WaitsAgain>> = (0..WAITERS)
        .map(|_| {
            Arc::new(WaitsAgain {
                notify,
                returned: returned.clone(),
                wakes: AtomicUsize::new(0),
            })
        })
        .collect();
    let mut futures: Vec<_> = wakers
        .iter()
        .map(|waker| {
            let mut future = Box::pin(notify.notified());
            let waker = Waker::from(waker.clone());
            assert!(future
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
            future
        })
        .collect();
    assert_eq!(notify.waiting(), WAITERS);
    notify.notify_waiters();
    let wakes: Vec<usize> = wakers.iter().map(|w| w.wakes.load(SeqCst)).collect();
    assert_eq!(
        wakes,
        vec![1; WAITERS],
        "each old waiter woken exactly once"
    );
    assert_eq!(
        notify.waiting(),
        WAITERS,
        "the returning ones wait, not woken"
    );
    let counted = Counted::new();
    for future in &mut futures {
        assert!(counted.poll(future.as_mut()).is_ready());
    }
    let mut returned = std::mem::take(&mut *returned.lock().unwrap());
    assert_eq!(returned.len(), WAITERS);
    for future in &mut returned {
        assert!(counted.poll(future.as_mut()).is_pending());
    }
    notify.notify_waiters();
    for future in &mut returned {
        assert!(counted.poll(future.as_mut()).is_ready());
    }
    assert_eq!(notify.waiting(), 0);
    assert_eq!(
        counted.wakes(),
        WAITERS,
        "the second call woke each returned waiter once"
    );
}

#[test]
fn notify_last_wakes_the_newest_waiter_and_passes_on_to_the_next_newest() {
    let notify = Notify::new();
    let mut tasks: Vec<_> = (0..3).map(|_| Task::new(notify.notified())).collect();
    for task in &mut tasks {
        task.pending();
    }
    notify.notify_last();
    let wakes: Vec<usize> = tasks.iter().map(Task::wakes).collect();
    assert_eq!(wakes, [0, 0, 1]);
    // The newest drops without using it: the notification goes to the next newest.
    drop(tasks.pop());
    assert_eq!(tasks[1].wakes(), 1);
    assert_eq!(tasks[0].wakes(), 0);
    tasks[1].ready();
    notify.notify_one();
    tasks[0].ready();
    // Nobody waits: stored, like notify_one.
    notify.notify_last();
    Task::new(notify.notified()).ready();
}

#[test]
fn const_new_makes_a_usable_static() {
    static NOTIFY: Notify = Notify::const_new();
    NOTIFY.notify_one();
    Task::new(NOTIFY.notified()).ready();
    let mut waiting = Task::new(NOTIFY.notified());
    waiting.pending();
    NOTIFY.notify_waiters();
    assert_eq!(waiting.wakes(), 1);
    waiting.ready();
}

#[test]
fn owned_notified_behaves_like_notified_and_owns_its_notify() {
    use std::sync::Arc;
    let notify = Arc::new(Notify::new());
    let mut before = Task::new(notify.clone().notified_owned());
    notify.notify_waiters();
    before.ready();
    drop(before);
    let mut one = Task::new(notify.clone().notified_owned());
    one.pending();
    assert_eq!(Arc::strong_count(&notify), 2);
    notify.notify_one();
    assert_eq!(one.wakes(), 1);
    one.ready();
    // A chosen owned waiter dropped unused passes the notification on.
    let mut first = Task::new(notify.clone().notified_owned());
    let mut second = Task::new(notify.clone().notified_owned());
    first.pending();
    second.pending();
    notify.notify_one();
    drop(first);
    assert_eq!(second.wakes(), 1);
    second.ready();
    drop((one, second));
    assert_eq!(Arc::strong_count(&notify), 1);
    let mut enabled = Box::pin(notify.clone().notified_owned());
    assert!(!enabled.as_mut().enable());
    notify.notify_one();
    assert!(enabled.as_mut().enable());
}

/// A handed-over future's slot is freed by the notifier and reused by the next waiter at once;
/// the old future, polled or dropped afterwards, leaves that slot (now someone else's) alone.
#[test]
fn a_handed_over_slot_is_reused_at_once_and_its_old_future_leaves_it_alone() {
    let notify = Notify::new();
    let mut first = Task::new(notify.notified());
    first.pending();
    notify.notify_one(); // hands `One` to `first` and frees its slot
    let mut second = Task::new(notify.notified());
    second.pending(); // queued in the freed slot
    assert_eq!(notify.waiting(), 1);
    first.ready(); // reads its cell, not its old key
    drop(first);
    assert_eq!(notify.waiting(), 1, "the second waiter is still queued");
    assert_eq!(second.wakes(), 0);

    // The same, with the old future dropped unpolled: its drop passes `One` on to the waiter
    // that now sits in its slot, rather than freeing that slot.
    let mut third = Task::new(notify.notified());
    third.pending();
    notify.notify_one(); // to `second`
    notify.notify_one(); // to `third`
    let mut fourth = Task::new(notify.notified());
    fourth.pending(); // takes `second`'s or `third`'s slot
    drop(third); // passes its `One` on: to `fourth`
    assert_eq!(fourth.wakes(), 1);
    assert_eq!(notify.waiting(), 0);
    second.ready();
    fourth.ready();
    assert_eq!(second.wakes(), 1);
    // Nothing was stored on the way.
    Task::new(notify.notified()).pending();
}
