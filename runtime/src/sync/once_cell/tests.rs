//! Unit tests of `OnceCell`, with counted wakes and no runtime.

use super::*;
use crate::test_util::Task;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn set_get_take_and_set_again() {
    let mut cell = OnceCell::new();
    assert_eq!((cell.get(), cell.initialized()), (None, false));
    assert_eq!(cell.set(1), Ok(()));
    assert!(cell.set(2).unwrap_err().is_already_init_err());
    *cell.get_mut().unwrap() += 10;
    assert_eq!(cell.get(), Some(&11));
    assert_eq!(cell.take(), Some(11));
    assert_eq!(cell.get(), None);
    assert_eq!(cell.set(3), Ok(()));
    assert_eq!(cell.clone().into_inner(), Some(3));
    assert_eq!(cell, OnceCell::from(3));
    assert_eq!(format!("{cell:?}"), "OnceCell { value: Some(3) }");
}

/// Three initializers race: the first runs, the others wait and get its value; their own
/// initializers never run.
#[test]
fn one_initializer_runs_and_the_waiters_get_its_value() {
    let cell = OnceCell::new();
    let runs = AtomicUsize::new(0);
    let (tx, rx) = crate::sync::oneshot::channel::<u32>();
    let mut first = Task::new(cell.get_or_init(|| async {
        runs.fetch_add(1, SeqCst);
        rx.await.unwrap()
    }));
    first.pending();
    assert!(cell.set(9).unwrap_err().is_initializing_err());
    let mut second = Task::new(cell.get_or_init(|| async {
        runs.fetch_add(1, SeqCst);
        0
    }));
    second.pending();
    tx.send(7).unwrap();
    assert_eq!(*first.ready(), 7);
    assert_eq!(second.wakes(), 1, "the close woke the waiter");
    assert_eq!(*second.ready(), 7);
    assert_eq!(runs.load(SeqCst), 1);
}

/// A failing, then a cancelled initializer leave the cell empty; the next one in line runs.
#[test]
fn a_failed_or_cancelled_initializer_lets_the_next_one_run() {
    let cell = OnceCell::<u8>::new();
    let mut failing = Task::new(cell.get_or_try_init(|| async { Err::<u8, _>("no") }));
    assert_eq!(failing.ready(), Err("no"));
    let (_tx, rx) = crate::sync::oneshot::channel::<u8>();
    let mut cancelled = Task::new(cell.get_or_init(|| async { rx.await.unwrap() }));
    cancelled.pending();
    let mut next = Task::new(cell.get_or_init(|| async { 5 }));
    next.pending();
    drop(cancelled);
    assert_eq!(next.wakes(), 1, "the permit went to the next initializer");
    assert_eq!(*next.ready(), 5);
}

#[test]
fn drop_drops_the_value_once_and_statics_work() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let cell = OnceCell::new_with(Some(Counted(drops.clone())));
    drop(OnceCell::<Counted>::default());
    drop(cell);
    assert_eq!(drops.load(SeqCst), 1);
    static EMPTY: OnceCell<u8> = OnceCell::const_new();
    static FULL: OnceCell<u8> = OnceCell::const_new_with(4);
    assert_eq!(FULL.get(), Some(&4));
    assert!(FULL.set(5).unwrap_err().is_already_init_err());
    assert_eq!(*Task::new(FULL.get_or_init(|| async { 6 })).ready(), 4);
    assert_eq!(EMPTY.set(1), Ok(()));
    assert_eq!(
        SetError::InitializingError(()).to_string(),
        "InitializingError"
    );
}
