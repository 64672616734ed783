//! Unit tests of `RwLock`, with counted wakes and no runtime.

use super::*;
use crate::test_util::Task;

#[test]
fn readers_share_and_a_writer_is_alone() {
    let lock = RwLock::new(0);
    let r1 = lock.try_read().unwrap();
    let r2 = Task::new(lock.read()).ready();
    assert_eq!(*r1 + *r2, 0);
    assert!(lock.try_write().is_err());
    drop((r1, r2));
    let mut w = lock.try_write().unwrap();
    *w = 1;
    assert!(lock.try_read().is_err());
    assert_eq!(format!("{lock:?}"), "RwLock { data: <locked> }");
    drop(w);
    assert_eq!(format!("{lock:?}"), "RwLock { data: 1 }");
}

#[test]
fn a_waiting_writer_is_not_starved_by_later_readers() {
    let lock = RwLock::new(0);
    let reader = lock.try_read().unwrap();
    let mut writer = Task::new(async { *lock.write().await += 1 });
    writer.pending();
    // A reader arriving after the writer waits behind it, even though the lock is only
    // read-locked.
    assert!(lock.try_read().is_err());
    let mut late_reader = Task::new(async { *lock.read().await });
    late_reader.pending();
    drop(reader);
    assert_eq!((writer.wakes(), late_reader.wakes()), (1, 0));
    writer.ready();
    assert_eq!(late_reader.wakes(), 1);
    assert_eq!(late_reader.ready(), 1, "the reader sees the writer's value");
}

#[test]
fn a_write_unlock_wakes_every_queued_reader() {
    let lock = RwLock::new(());
    let writer = lock.try_write().unwrap();
    let mut readers: Vec<_> = (0..4).map(|_| Task::new(lock.read())).collect();
    for reader in &mut readers {
        reader.pending();
    }
    drop(writer);
    for reader in &mut readers {
        assert_eq!(reader.wakes(), 1);
        let _guard = reader.ready();
    }
}

#[test]
fn a_cancelled_writer_hands_its_gathered_permits_on() {
    let lock = RwLock::with_max_readers((), 3);
    let reader = lock.try_read().unwrap();
    let mut writer = Task::new(lock.write());
    writer.pending(); // holds 2 of 3 permits, waits for the reader's
    let mut behind = Task::new(lock.read());
    behind.pending();
    drop(writer);
    assert_eq!(behind.wakes(), 1);
    let _second = behind.ready();
    drop(reader);
    assert!(lock.try_read().is_ok());
}

#[test]
fn max_readers_bounds_concurrent_readers() {
    let lock = RwLock::with_max_readers(0, 2);
    let r1 = lock.try_read().unwrap();
    let _r2 = lock.try_read().unwrap();
    let mut third = Task::new(lock.read());
    third.pending();
    drop(r1);
    assert_eq!(third.wakes(), 1);
    let _ = third.ready();
}

#[test]
#[should_panic(expected = "a RwLock may not be created with 0 readers")]
fn zero_max_readers_panics() {
    let _ = RwLock::with_max_readers((), 0);
}

#[test]
#[should_panic(expected = "a RwLock may not be created with more than 536870911 readers")]
fn too_many_max_readers_panics() {
    let _ = RwLock::with_max_readers((), MAX_READS + 1);
}

#[test]
fn the_const_constructors_message_names_max_reads() {
    // `const_with_max_readers` cannot format, so its message writes MAX_READS out.
    assert_eq!(MAX_READS, 536_870_911);
    let panic = std::panic::catch_unwind(|| RwLock::const_with_max_readers((), MAX_READS + 1));
    let payload = panic.expect_err("above MAX_READS panics");
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert_eq!(
        message,
        format!("a RwLock may not be created with more than {MAX_READS} readers")
    );
    let zero = std::panic::catch_unwind(|| RwLock::const_with_max_readers((), 0));
    let payload = zero.expect_err("0 panics");
    assert_eq!(
        payload.downcast_ref::<&str>().copied(),
        Some("a RwLock may not be created with 0 readers")
    );
}

#[test]
fn downgrade_lets_readers_in_but_no_writer() {
    let lock = RwLock::new(1);
    let mut w = lock.try_write().unwrap();
    *w = 2;
    let mut reader = Task::new(lock.read());
    reader.pending();
    let r = RwLockWriteGuard::downgrade(w);
    assert_eq!(reader.wakes(), 1);
    assert_eq!(*reader.ready(), 2);
    assert!(lock.try_write().is_err());
    drop(r);
    drop(reader);
    assert!(lock.try_write().is_ok());
}

#[test]
fn owned_guards() {
    let lock = std::sync::Arc::new(RwLock::new(1));
    let r = Task::new(lock.clone().read_owned()).ready();
    assert!(lock.clone().try_write_owned().is_err());
    assert!(std::sync::Arc::ptr_eq(
        OwnedRwLockReadGuard::rwlock(&r),
        &lock
    ));
    drop(r);
    let mut w = Task::new(lock.clone().write_owned()).ready();
    *w += 1;
    assert_eq!(format!("{w:?} {w}"), "2 2");
    let r = OwnedRwLockWriteGuard::downgrade(w);
    assert_eq!(*lock.clone().try_read_owned().unwrap(), 2);
    drop(r);
    assert_eq!(
        std::sync::Arc::strong_count(&lock),
        1,
        "no guard leaked its Arc"
    );
    let mut lock = std::sync::Arc::try_unwrap(lock).unwrap();
    *lock.get_mut() += 1;
    assert_eq!(lock.into_inner(), 3);
}

#[test]
fn blocking_read_and_write_outside_a_runtime() {
    let lock = RwLock::new(1);
    *lock.blocking_write() += 1;
    assert_eq!(*lock.blocking_read(), 2);
}

#[test]
fn mapped_read_guards_keep_one_read_permit() {
    let lock = RwLock::with_max_readers((1u8, String::from("one")), 3);
    let name = RwLockReadGuard::map(lock.try_read().unwrap(), |pair| pair.1.as_str());
    assert_eq!(&*name, "one");
    assert_eq!(lock.semaphore.available_permits(), 2);
    let declined = RwLockReadGuard::try_map(lock.try_read().unwrap(), |_| None::<&u8>);
    let whole = declined.expect_err("declined: the original guard comes back");
    assert_eq!(whole.0, 1);
    assert_eq!(lock.semaphore.available_permits(), 1);
    assert!(lock.try_write().is_err());
    drop((name, whole));
    assert_eq!(lock.semaphore.available_permits(), 3);
}

#[test]
fn mapped_write_guards_hold_the_write_lock_until_dropped() {
    let lock = RwLock::with_max_readers(vec![1, 2, 3], 4);
    let mut last = RwLockWriteGuard::map(lock.try_write().unwrap(), |v| v.last_mut().unwrap());
    *last = 30;
    assert!(lock.try_read().is_err(), "still write-locked");
    let mut narrower = RwLockMappedWriteGuard::map(last, |x| x);
    *narrower += 1;
    drop(narrower);
    assert_eq!(lock.semaphore.available_permits(), 4);
    assert_eq!(*lock.try_read().unwrap(), [1, 2, 31]);
    let w = lock.try_write().unwrap();
    let w = RwLockWriteGuard::try_map(w, |_| None::<&mut i32>).expect_err("declined");
    let mut mapped = RwLockWriteGuard::into_mapped(w);
    mapped.push(4);
    let mapped = RwLockMappedWriteGuard::try_map(mapped, |_| None::<&mut i32>).expect_err("x");
    drop(mapped);
    assert_eq!(lock.try_read().unwrap().len(), 4);
}

#[test]
fn downgrade_map_keeps_one_permit_and_lets_readers_in() {
    let lock = RwLock::with_max_readers((5, 6), 3);
    let mut reader = Task::new(lock.read());
    let w = lock.try_write().unwrap();
    reader.pending();
    let second = RwLockWriteGuard::downgrade_map(w, |pair| &pair.1);
    assert_eq!(*second, 6);
    assert_eq!(reader.wakes(), 1, "the waiting reader got a permit");
    let other = reader.ready();
    assert_eq!(lock.semaphore.available_permits(), 1);
    let w = lock.try_write();
    assert!(w.is_err());
    drop((second, other));
    let w = lock.try_write().unwrap();
    let back = RwLockWriteGuard::try_downgrade_map(w, |_| None::<&i32>).expect_err("declined");
    assert!(lock.try_read().is_err(), "the declined guard still writes");
    let first = RwLockWriteGuard::try_downgrade_map(back, |pair| Some(&pair.0)).unwrap();
    assert_eq!(*first, 5);
    assert_eq!(lock.semaphore.available_permits(), 2);
    assert_eq!(format!("{first:?} {first}"), "5 5");
}

#[test]
fn const_constructors_make_usable_statics() {
    static LOCK: RwLock<u8> = RwLock::const_new(1);
    static NARROW: RwLock<u8> = RwLock::const_with_max_readers(2, 1);
    *LOCK.try_write().unwrap() += 1;
    assert_eq!(*LOCK.try_read().unwrap(), 2);
    let only = NARROW.try_read().unwrap();
    assert!(NARROW.try_read().is_err());
    drop(only);
}

#[test]
fn guards_are_send_and_sync_as_in_tokio() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<RwLockReadGuard<'static, u8>>();
    send_sync::<RwLockWriteGuard<'static, u8>>();
    send_sync::<RwLockMappedWriteGuard<'static, u8>>();
}

#[test]
fn owned_guards_map_narrow_and_downgrade_keeping_the_lock_alive() {
    use std::sync::Arc;
    let lock = Arc::new(RwLock::with_max_readers((String::from("a"), vec![1, 2]), 4));
    let full = || lock.semaphore.available_permits() == 4;

    let w = lock.clone().try_write_owned().unwrap();
    let w = OwnedRwLockWriteGuard::try_map(w, |_| None::<&mut u8>).unwrap_err();
    let mut name = OwnedRwLockWriteGuard::map(w, |pair| &mut pair.0);
    name.push('b');
    assert!(Arc::ptr_eq(
        OwnedRwLockMappedWriteGuard::rwlock(&name),
        &lock
    ));
    let name = OwnedRwLockMappedWriteGuard::try_map(name, |_| None::<&mut u8>).unwrap_err();
    let mut first = OwnedRwLockMappedWriteGuard::map(name, |s| &mut s[..1]);
    first.make_ascii_uppercase();
    assert_eq!(format!("{first:?} {first}"), "\"A\" A");
    let mut reader = Task::new(lock.clone().read_owned());
    reader.pending();
    drop(first);
    assert_eq!(reader.wakes(), 1);
    let r = reader.ready();
    let list = OwnedRwLockReadGuard::try_map(r, |_| None::<&u8>).unwrap_err();
    let list = OwnedRwLockReadGuard::map(list, |pair| &pair.1);
    let second = OwnedRwLockReadGuard::try_map(list, |list| list.get(1)).unwrap();
    assert_eq!((*second, format!("{second:?}")), (2, "2".to_string()));
    assert!(lock.clone().try_write_owned().is_err());
    drop(second);
    assert!(full());

    let w = lock.clone().try_write_owned().unwrap();
    let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
    let whole = OwnedRwLockWriteGuard::into_mapped(w);
    drop(whole);
    assert!(full());
    let w = lock.clone().try_write_owned().unwrap();
    let name = OwnedRwLockWriteGuard::downgrade_map(w, |pair| pair.0.as_str());
    assert_eq!(&*name, "Ab");
    assert_eq!(
        lock.semaphore.available_permits(),
        3,
        "one read permit kept"
    );
    let other = lock.clone().try_read_owned().unwrap();
    assert!(lock.clone().try_write_owned().is_err());
    drop((name, other));
    assert!(full());
    assert_eq!(Arc::strong_count(&lock), 1, "no guard leaked its Arc");
}

#[test]
fn owned_guards_have_tokio_s_auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<OwnedRwLockReadGuard<u8>>();
    send_sync::<OwnedRwLockReadGuard<String, u8>>();
    send_sync::<OwnedRwLockWriteGuard<u8>>();
    send_sync::<OwnedRwLockMappedWriteGuard<String, u8>>();
    send_sync::<OwnedRwLockMappedWriteGuard<u8>>();
}
