//! Unit tests of `SetOnce`, with counted wakes and no runtime.

use super::*;
use crate::test_util::Task;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn set_once_wakes_every_waiter_once() {
    let cell = SetOnce::new();
    let mut waiters: Vec<_> = (0..3).map(|_| Task::new(cell.wait())).collect();
    for waiter in &mut waiters {
        waiter.pending();
    }
    assert_eq!((cell.get(), cell.initialized()), (None, false));
    assert_eq!(cell.set(4), Ok(()));
    assert_eq!(cell.set(5), Err(SetOnceError(5)));
    for waiter in &mut waiters {
        assert_eq!(waiter.wakes(), 1);
        assert_eq!(*waiter.ready(), 4);
    }
    assert_eq!(*Task::new(cell.wait()).ready(), 4);
    assert_eq!(cell.clone(), SetOnce::from(4));
    assert_eq!(format!("{cell:?}"), "SetOnce { value: Some(4) }");
    drop(waiters);
    assert_eq!(cell.into_inner(), Some(4));
}

#[test]
fn drops_its_value_once_and_statics_work() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    drop(SetOnce::new_with(Some(Counted(drops.clone()))));
    drop(SetOnce::<Counted>::default());
    assert_eq!(drops.load(SeqCst), 1);
    static LATER: SetOnce<u8> = SetOnce::const_new();
    static NOW: SetOnce<u8> = SetOnce::const_new_with(1);
    assert_eq!(NOW.get(), Some(&1));
    assert!(LATER.set(2).is_ok());
    assert_eq!(SetOnceError(()).to_string(), "SetOnceError");
}
