//! Unit tests of `Mutex`, with counted wakes and no runtime.

use super::*;
use crate::test_util::Task;
use std::fmt::Debug;

#[test]
fn lock_try_lock_and_unlock() {
    let mutex = Mutex::new(1);
    let mut guard = Task::new(mutex.lock()).ready();
    *guard += 1;
    assert_eq!(mutex.try_lock().unwrap_err(), TryLockError(()));
    assert_eq!(format!("{mutex:?}"), "Mutex { data: <locked> }");
    drop(guard);
    assert_eq!(*mutex.try_lock().unwrap(), 2);
    assert_eq!(format!("{mutex:?}"), "Mutex { data: 2 }");
    assert_eq!(TryLockError(()).to_string(), "operation would block");
}

#[test]
fn waiters_get_the_lock_in_fifo_order_one_wake_each() {
    let mutex = Mutex::new(Vec::new());
    let guard = mutex.try_lock().unwrap();
    let mut tasks: Vec<_> = (0..3)
        .map(|i| {
            let mutex = &mutex;
            Task::new(async move { mutex.lock().await.push(i) })
        })
        .collect();
    for task in &mut tasks {
        task.pending();
    }
    drop(guard);
    assert_eq!(tasks.iter().map(Task::wakes).collect::<Vec<_>>(), [1, 0, 0]);
    // Each finishing task unlocks, which wakes exactly the next one.
    tasks[0].ready();
    assert_eq!(tasks.iter().map(Task::wakes).collect::<Vec<_>>(), [1, 1, 0]);
    tasks[1].ready();
    tasks[2].ready();
    assert_eq!(tasks.iter().map(Task::wakes).collect::<Vec<_>>(), [1, 1, 1]);
    drop(tasks);
    assert_eq!(mutex.into_inner(), [0, 1, 2]);
}

#[test]
fn a_cancelled_lock_never_leaves_the_mutex_locked() {
    let mutex = Mutex::new(());
    let guard = mutex.try_lock().unwrap();
    let mut first = Task::new(mutex.lock());
    let mut second = Task::new(mutex.lock());
    first.pending();
    second.pending();
    drop(guard); // handed to `first`
    assert_eq!((first.wakes(), second.wakes()), (1, 0));
    drop(first); // never polled again: the lock passes on
    assert_eq!(second.wakes(), 1);
    let guard = second.ready();
    drop(guard);
    drop(second);
    assert!(mutex.try_lock().is_ok());
}

#[test]
fn owned_guards_and_get_mut() {
    let mut mutex = Mutex::new(1);
    *mutex.get_mut() += 1;
    let mutex = std::sync::Arc::new(mutex);
    let mut guard = Task::new(mutex.clone().lock_owned()).ready();
    *guard += 1;
    assert!(mutex.clone().try_lock_owned().is_err());
    assert!(std::sync::Arc::ptr_eq(
        OwnedMutexGuard::mutex(&guard),
        &mutex
    ));
    assert_eq!(format!("{guard:?} {guard}"), "3 3");
    drop(guard);
    assert_eq!(*mutex.clone().try_lock_owned().unwrap(), 3);
}

#[test]
fn blocking_lock_outside_a_runtime_waits_for_the_holder() {
    let mutex = std::sync::Arc::new(Mutex::new(0));
    let guard = mutex.try_lock().unwrap();
    let other = std::thread::spawn({
        let mutex = mutex.clone();
        move || *mutex.blocking_lock() += 1
    });
    // Release the lock only once the other thread waits for it.
    while mutex.semaphore.waiters() == 0 {
        std::thread::yield_now();
    }
    drop(guard);
    other.join().unwrap();
    assert_eq!(*mutex.blocking_lock(), 1);
}

#[test]
fn unsized_values_work() {
    let mutex: Box<Mutex<dyn Debug>> = Box::new(Mutex::new(5));
    let guard = mutex.try_lock().unwrap();
    assert_eq!(format!("{:?}", &*guard), "5");
    let slice: &Mutex<[u8]> = &Mutex::new([1, 2, 3]);
    slice.try_lock().unwrap()[0] = 9;
    assert_eq!(slice.try_lock().unwrap()[..], [9, 2, 3]);
}

#[test]
fn guards_are_send_when_the_value_is() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_sync<T: Sync>(_: &T) {}
    let mutex = Mutex::new(0u8);
    assert_sync(&mutex);
    let guard = mutex.try_lock().unwrap();
    assert_send(&guard);
    assert_sync(&guard);
    drop(guard);
    assert_send(&mutex.lock());
    // `Cell` is `Send` but not `Sync`: the mutex makes it `Sync`; the guard, which hands
    // out `&Cell`, stays `Send` only.
    let cell = Mutex::new(std::cell::Cell::new(0));
    assert_sync(&cell);
    assert_send(&cell.try_lock().unwrap());
}

#[test]
fn const_new_makes_a_usable_static() {
    static MUTEX: Mutex<Vec<u8>> = Mutex::const_new(Vec::new());
    MUTEX.try_lock().unwrap().push(1);
    let mut waiting = Task::new(MUTEX.lock());
    let held = MUTEX.try_lock().unwrap();
    waiting.pending();
    drop(held);
    assert_eq!(waiting.wakes(), 1);
    assert_eq!(*waiting.ready(), [1]);
}

#[test]
fn a_mapped_guard_keeps_the_whole_mutex_locked_and_unlocks_once() {
    let mutex = Mutex::new((1, vec![1, 2, 3]));
    let guard = mutex.try_lock().unwrap();
    let guard = MutexGuard::try_map(guard, |pair| pair.1.get_mut(9)).unwrap_err();
    let mut list = MutexGuard::map(guard, |pair| &mut pair.1);
    list.push(4);
    let mut waiter = Task::new(mutex.lock());
    waiter.pending();
    let mut last = MappedMutexGuard::try_map(list, |list| list.last_mut()).unwrap();
    *last *= 10;
    assert_eq!(format!("{last:?} {last}"), "40 40");
    let last = MappedMutexGuard::try_map(last, |_| None::<&mut u8>).unwrap_err();
    let last = MappedMutexGuard::map(last, |last| last);
    assert_eq!(waiter.wakes(), 0, "still locked");
    drop(last);
    assert_eq!(waiter.wakes(), 1);
    assert_eq!(*waiter.ready(), (1, vec![1, 2, 3, 40]));
    assert_eq!(
        mutex.semaphore.available_permits(),
        1,
        "one permit, given back once"
    );
}

#[test]
fn a_panicking_map_closure_unlocks() {
    let mutex = Mutex::new(5);
    let guard = mutex.try_lock().unwrap();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        MutexGuard::map(guard, |_| -> &mut u8 { panic!("no part") })
    }));
    assert!(unwound.is_err());
    assert_eq!(*mutex.try_lock().unwrap(), 5);
    assert_eq!(mutex.semaphore.available_permits(), 1);
}

#[test]
fn owned_mapped_guards_keep_the_mutex_alive_and_unlock_once() {
    let mutex = std::sync::Arc::new(Mutex::new((String::from("a"), 0u32)));
    let guard = mutex.clone().try_lock_owned().unwrap();
    let guard = OwnedMutexGuard::try_map(guard, |_| None::<&mut u8>).unwrap_err();
    let mut name = OwnedMutexGuard::map(guard, |pair| &mut pair.0);
    name.push('b');
    assert!(std::sync::Arc::ptr_eq(
        OwnedMappedMutexGuard::mutex(&name),
        &mutex
    ));
    let bytes = OwnedMappedMutexGuard::try_map(name, |name| Some(name.as_mut_str())).unwrap();
    let bytes = OwnedMappedMutexGuard::try_map(bytes, |_| None::<&mut u8>).unwrap_err();
    let mut first = OwnedMappedMutexGuard::map(bytes, |s| &mut s[..1]);
    first.make_ascii_uppercase();
    assert_eq!(format!("{first:?} {first}"), "\"A\" A");
    assert_eq!(std::sync::Arc::strong_count(&mutex), 2);
    let mut waiter = Task::new(mutex.lock());
    waiter.pending();
    drop(first);
    assert_eq!(waiter.wakes(), 1);
    assert_eq!(waiter.ready().0, "Ab");
    assert_eq!(std::sync::Arc::strong_count(&mutex), 1);
    assert_eq!(mutex.semaphore.available_permits(), 1);
}

#[test]
fn mapped_guards_have_tokio_s_auto_traits() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<MappedMutexGuard<'static, u8>>();
    sync::<MappedMutexGuard<'static, u8>>();
    send::<MappedMutexGuard<'static, std::cell::Cell<u8>>>();
    send::<OwnedMappedMutexGuard<String, u8>>();
    sync::<OwnedMappedMutexGuard<String, u8>>();
    send::<OwnedMappedMutexGuard<std::cell::Cell<u8>, std::cell::Cell<u8>>>();
}
