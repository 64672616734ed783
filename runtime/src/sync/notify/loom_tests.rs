//! `Notify` under loom: `notify_one` racing a waiter (the permit or the wake is never lost), a
//! chosen waiter dropped before it completes (the notification passes on), and
//! `notify_waiters` racing a future created before it (with or without `enable`).

use crate::sync::Notify;
use crate::test_util::poll_once;
use loom::future::block_on;
use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use std::pin::Pin;

#[test]
fn loom_notify_one_vs_notified() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let waiter = {
            let notify = notify.clone();
            thread::spawn(move || block_on(notify.notified()))
        };
        notify.notify_one();
        waiter.join().unwrap();
    });
}

#[test]
fn loom_notify_one_passes_on_from_a_dropped_waiter() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let quitter = {
            let notify = notify.clone();
            thread::spawn(move || {
                let mut notified = Box::pin(notify.notified());
                if poll_once(std::pin::Pin::new(&mut notified)).is_ready() {
                    // It took the notification itself: hand it on, as a user would.
                    notify.notify_one();
                }
                // Dropped: if `notify_one` chose it while pending, the drop passes it on.
            })
        };
        let waiter = {
            let notify = notify.clone();
            thread::spawn(move || block_on(notify.notified()))
        };
        notify.notify_one();
        quitter.join().unwrap();
        waiter.join().unwrap();
    });
}

#[test]
fn loom_notify_waiters_reaches_a_future_created_before() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let ready = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (notify, ready) = (notify.clone(), ready.clone());
            thread::spawn(move || {
                let notified = notify.notified();
                if !ready.load(SeqCst) {
                    block_on(notified);
                }
            })
        };
        ready.store(true, SeqCst);
        notify.notify_waiters();
        waiter.join().unwrap();
    });
}

#[test]
fn loom_notify_enable_then_check_then_wait() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let ready = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (notify, ready) = (notify.clone(), ready.clone());
            thread::spawn(move || {
                let mut notified = Box::pin(notify.notified());
                Pin::as_mut(&mut notified).enable();
                if !ready.load(SeqCst) {
                    block_on(notified);
                }
            })
        };
        ready.store(true, SeqCst);
        notify.notify_one();
        waiter.join().unwrap();
    });
}

/// `notify_waiters` wakes in batches (of one waker under loom), releasing the lock in between,
/// while a second waiter that was queued before the call is dropped: the first waiter is
/// woken whichever batch it falls in, and the queue ends empty.
#[test]
fn loom_notify_waiters_batches_vs_a_waiter_dropped() {
    use loom::sync::atomic::AtomicUsize;
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (notify, queued) = (notify.clone(), queued.clone());
            thread::spawn(move || {
                let mut notified = Box::pin(notify.notified());
                Pin::as_mut(&mut notified).enable();
                queued.fetch_add(1, SeqCst);
                block_on(notified);
            })
        };
        let quitter = {
            let (notify, queued) = (notify.clone(), queued.clone());
            thread::spawn(move || {
                let mut notified = Box::pin(notify.notified());
                Pin::as_mut(&mut notified).enable();
                queued.fetch_add(1, SeqCst);
                drop(notified);
            })
        };
        while queued.load(SeqCst) < 2 {
            thread::yield_now();
        }
        notify.notify_waiters();
        waiter.join().unwrap();
        quitter.join().unwrap();
        assert_eq!(notify.waiting(), 0);
    });
}

/// A queued waiter reads its hand-over without the lock and is dropped at once, racing
/// `notify_one`: whichever way it goes, the notification survives (taken by the waiter,
/// passed back into the permit by its drop, or stored because the waiter had left), and the
/// queue ends empty.
#[test]
fn loom_notify_one_vs_a_queued_waiter_that_polls_and_leaves() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let waiter = {
            let notify = notify.clone();
            thread::spawn(move || {
                let mut notified = Box::pin(notify.notified());
                Pin::as_mut(&mut notified).enable();
                // Ready through the hand-over, or a permit taken at `enable`.
                let took = poll_once(Pin::as_mut(&mut notified)).is_ready();
                drop(notified);
                took
            })
        };
        notify.notify_one();
        let took = waiter.join().unwrap();
        assert_eq!(notify.waiting(), 0);
        let mut again = Box::pin(notify.notified());
        let permit_left = Pin::as_mut(&mut again).enable();
        assert_eq!(
            permit_left, !took,
            "the one notification is either taken or left as the permit"
        );
    });
}

/// `notify_waiters` hands `All` to a queued waiter that is being dropped: the drop skips the
/// lock only once the hand-over is complete, so it neither leaves its slot behind nor lets
/// the notifier write into a freed future.
#[test]
fn loom_notify_waiters_vs_a_queued_waiter_dropped() {
    loom::model(|| {
        // A std `Arc`, as `notified_owned` takes; its count is not what this model checks.
        let notify = std::sync::Arc::new(Notify::new());
        let mut notified = Box::pin(notify.clone().notified_owned());
        assert!(!Pin::as_mut(&mut notified).enable());
        let dropper = thread::spawn(move || drop(notified));
        notify.notify_waiters();
        dropper.join().unwrap();
        assert_eq!(notify.waiting(), 0);
        // No permit was stored by either.
        let mut later = Box::pin(notify.notified());
        assert!(!Pin::as_mut(&mut later).enable());
    });
}
