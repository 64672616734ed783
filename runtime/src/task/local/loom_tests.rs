//! Loom models of a `LocalSet`'s wake/queue protocol (`shared.rs`): wakes from other threads
//! go through the remote queue and the driver's waker, racing with the driver's own look at
//! the queues and with the set's drop.
//!
//! The set is the production code; the channel is weft's oneshot, on loom's primitives under
//! the models. The driver runs under `loom::future::block_on`, so a lost wake is a deadlock
//! that loom reports, and a task (or the set's scheduler) that is never freed is a leaked loom
//! `Arc` that loom reports too. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::LocalSet;
use crate::loom::thread;
use crate::runtime::thread_id::ThreadId;
use crate::sync::oneshot;
use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Wake, Waker};

/// Counts its drops; asserts it is dropped on the thread that made it.
struct OnOwner {
    owner: ThreadId,
    drops: Rc<Cell<usize>>,
}

impl Drop for OnOwner {
    fn drop(&mut self) {
        assert_eq!(
            ThreadId::current(),
            self.owner,
            "a local future left its thread"
        );
        self.drops.set(self.drops.get() + 1);
    }
}

fn on_owner(drops: &Rc<Cell<usize>>) -> OnOwner {
    OnOwner {
        owner: ThreadId::current(),
        drops: drops.clone(),
    }
}

struct Noop;

impl Wake for Noop {
    fn wake(self: std::sync::Arc<Self>) {}
}

/// A remote send wakes a local task while the driver registers and ticks: the task runs on
/// the owner, once pending and once ready, and the driver is never left asleep.
#[test]
fn loom_local_set_remote_wake_reaches_the_driver() {
    loom::model(|| {
        let set = LocalSet::new();
        let (tx, rx) = oneshot::channel::<u32>();
        let drops = Rc::new(Cell::new(0));
        let polls = Rc::new(Cell::new(0));
        let handle = {
            let (probe, polls) = (on_owner(&drops), polls.clone());
            set.spawn_local(async move {
                let _probe = probe;
                let mut rx = pin!(rx);
                poll_fn(|cx| {
                    polls.set(polls.get() + 1);
                    rx.as_mut().poll(cx)
                })
                .await
                .unwrap()
            })
        };
        let sender = thread::spawn(move || tx.send(7).unwrap());
        let out = loom::future::block_on(set.run_until(handle)).unwrap();
        sender.join().unwrap();
        assert_eq!(out, 7);
        assert!((1..=2).contains(&polls.get()), "polls: {}", polls.get());
        assert_eq!(drops.get(), 1);
    });
}

/// A remote wake races with the set's drop: the future is dropped once, on the owner; the
/// `Notified` pushed by the wake (before or after the close) is freed, and nothing leaks.
#[test]
fn loom_local_set_remote_wake_races_with_drop() {
    loom::model(|| {
        let set = LocalSet::new();
        let (tx, rx) = oneshot::channel::<()>();
        let drops = Rc::new(Cell::new(0));
        let handle = {
            let probe = on_owner(&drops);
            set.spawn_local(async move {
                let _probe = probe;
                let _ = rx.await;
            })
        };
        // One tick: the task waits on the channel, its waker stored in it.
        let waker = Waker::from(std::sync::Arc::new(Noop));
        let mut cx = std::task::Context::from_waker(&waker);
        let mut set = set;
        assert!(std::pin::Pin::new(&mut set).poll(&mut cx).is_pending());

        let sender = thread::spawn(move || {
            let _ = tx.send(());
        });
        drop(set);
        sender.join().unwrap();
        assert_eq!(drops.get(), 1);
        assert!(handle.is_finished());
    });
}

/// An abort from another thread races with the driver: the task is cancelled on the owner,
/// and the driver that awaits its handle wakes.
#[test]
fn loom_local_set_remote_abort_cancels_on_the_owner() {
    loom::model(|| {
        let set = LocalSet::new();
        let drops = Rc::new(Cell::new(0));
        let handle = {
            let probe = on_owner(&drops);
            set.spawn_local(async move {
                let _probe = probe;
                std::future::pending::<()>().await
            })
        };
        let abort = handle.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        let joined = loom::future::block_on(set.run_until(handle));
        aborter.join().unwrap();
        assert!(joined.unwrap_err().is_cancelled());
        assert_eq!(drops.get(), 1);
    });
}

/// Two remote wakers and the driver: one task per sender, each woken from its own thread.
#[test]
fn loom_local_set_two_remote_wakes() {
    loom::model(|| {
        let set = LocalSet::new();
        let (tx1, rx1) = oneshot::channel::<u32>();
        let (tx2, rx2) = oneshot::channel::<u32>();
        let a = set.spawn_local(async move { rx1.await.unwrap() });
        let b = set.spawn_local(async move { rx2.await.unwrap() });
        let s1 = thread::spawn(move || tx1.send(1).unwrap());
        let s2 = thread::spawn(move || tx2.send(2).unwrap());
        let sum = loom::future::block_on(
            set.run_until(async move { a.await.unwrap() + b.await.unwrap() }),
        );
        s1.join().unwrap();
        s2.join().unwrap();
        assert_eq!(sum, 3);
    });
}
