//! The batch semaphore under loom: acquire, release, cancel and close racing. Every model
//! ends by checking that no permit was lost or made up, and a lost wake-up shows as a
//! deadlock (loom's `block_on` parks the thread until the future's waker is called).

use crate::sync::batch_semaphore::Semaphore;
use crate::test_util::poll_once;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

#[test]
fn loom_semaphore_two_holders_never_overlap() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let inside = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                thread::spawn(move || {
                    block_on(sem.acquire(1)).unwrap();
                    assert_eq!(inside.fetch_add(1, SeqCst), 0, "two holders of one permit");
                    inside.fetch_sub(1, SeqCst);
                    sem.release(1);
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn loom_semaphore_release_wakes_a_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire(2)).unwrap())
        };
        sem.release(1);
        sem.release(1);
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
fn loom_semaphore_cancel_returns_permits() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        // Takes the one permit and waits for a second, then gives up.
        let quitter = {
            let sem = sem.clone();
            thread::spawn(move || {
                let mut acquire = Box::pin(sem.acquire(2));
                let first = poll_once(acquire.as_mut());
                drop(acquire);
                if first.is_ready() {
                    sem.release(2);
                }
            })
        };
        let other = {
            let sem = sem.clone();
            thread::spawn(move || {
                block_on(sem.acquire(1)).unwrap();
                sem.release(1);
            })
        };
        sem.release(1);
        quitter.join().unwrap();
        other.join().unwrap();
        assert_eq!(sem.available_permits(), 2, "a permit was lost or made up");
    });
}

#[test]
fn loom_semaphore_close_wakes_waiters() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || {
                let ok = block_on(sem.acquire(2)).is_ok();
                if ok {
                    sem.release(2);
                }
            })
        };
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release(1))
        };
        sem.close();
        waiter.join().unwrap();
        releaser.join().unwrap();
        assert!(sem.is_closed());
        assert_eq!(sem.available_permits(), 2);
    });
}

/// A waiter that holds part of its permits when the semaphore closes keeps them until it is
/// polled or dropped (tokio's rule): the close and the waiter's end race, and every permit
/// comes back exactly once.
#[test]
fn loom_semaphore_close_vs_a_partial_waiter_polled_or_dropped() {
    for poll_after in [false, true] {
        loom::model(move || {
            let sem = Arc::new(Semaphore::new(1));
            let closer = {
                let sem = sem.clone();
                thread::spawn(move || sem.close())
            };
            let mut acquire = Box::pin(sem.acquire(2));
            // Takes the one permit and queues for the second, unless the close came first.
            let first = poll_once(acquire.as_mut());
            assert!(!matches!(first, std::task::Poll::Ready(Ok(()))));
            if poll_after && first.is_pending() {
                closer.join().unwrap();
                let second = poll_once(acquire.as_mut());
                assert!(matches!(second, std::task::Poll::Ready(Err(_))));
                drop(acquire);
            } else {
                drop(acquire);
                closer.join().unwrap();
            }
            assert!(sem.is_closed());
            assert_eq!(sem.available_permits(), 1, "a permit was lost or made up");
        });
    }
}
