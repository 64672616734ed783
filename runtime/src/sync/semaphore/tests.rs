//! Unit tests of the public `Semaphore` and its permits, with counted wakes and no runtime.

use super::*;
use crate::test_util::Task;

#[test]
fn permits_give_back_what_they_hold() {
    let semaphore = Semaphore::new(5);
    let mut permit = semaphore.try_acquire_many(3).unwrap();
    assert_eq!(permit.num_permits(), 3);
    let split = permit.split(2).unwrap();
    assert!(permit.split(2).is_none());
    assert_eq!((permit.num_permits(), split.num_permits()), (1, 2));
    drop(split);
    assert_eq!(semaphore.available_permits(), 4);
    let other = semaphore.try_acquire().unwrap();
    permit.merge(other);
    assert_eq!(permit.num_permits(), 2);
    permit.forget();
    assert_eq!(
        semaphore.available_permits(),
        3,
        "forgotten permits stay out"
    );
    semaphore.add_permits(2);
    assert_eq!(semaphore.available_permits(), 5);
}

#[test]
#[should_panic(expected = "merging permits of different semaphores")]
fn merging_permits_of_two_semaphores_panics() {
    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    let mut permit = a.try_acquire().unwrap();
    permit.merge(b.try_acquire().unwrap());
}

#[test]
fn owned_permits_keep_the_semaphore_and_give_back() {
    let semaphore = Arc::new(Semaphore::new(2));
    let mut owned = Task::new(semaphore.clone().acquire_many_owned(2))
        .ready()
        .unwrap();
    assert!(Arc::ptr_eq(owned.semaphore(), &semaphore));
    assert_eq!(
        semaphore.clone().try_acquire_owned().unwrap_err(),
        TryAcquireError::NoPermits
    );
    let mut waiter = Task::new(semaphore.clone().acquire_owned());
    waiter.pending();
    let one = owned.split(1).unwrap();
    drop(one);
    assert_eq!(waiter.wakes(), 1);
    let mut second = waiter.ready().unwrap();
    second.merge(owned);
    assert_eq!(second.num_permits(), 2);
    drop(second);
    drop(waiter);
    assert_eq!(semaphore.available_permits(), 2);
    assert_eq!(Arc::strong_count(&semaphore), 1);
}

#[test]
fn close_fails_waiters_and_later_acquires() {
    let semaphore = Semaphore::new(0);
    let mut waiter = Task::new(semaphore.acquire());
    waiter.pending();
    semaphore.close();
    assert!(semaphore.is_closed());
    assert_eq!(waiter.wakes(), 1);
    assert!(waiter.ready().is_err());
    assert!(Task::new(semaphore.acquire_many(2)).ready().is_err());
    assert_eq!(
        semaphore.try_acquire_many(1).unwrap_err(),
        TryAcquireError::Closed
    );
    assert_eq!(
        format!("{semaphore:?}"),
        "Semaphore { available_permits: 0, closed: true }"
    );
}

#[test]
fn a_cancelled_acquire_many_loses_no_permit() {
    let semaphore = Semaphore::new(2);
    let mut big = Task::new(semaphore.acquire_many(3));
    big.pending();
    assert_eq!(semaphore.available_permits(), 0);
    drop(big);
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn futures_and_permits_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let semaphore = Arc::new(Semaphore::new(1));
    assert_send(&semaphore.acquire());
    assert_send(&semaphore.clone().acquire_owned());
    assert_send(&semaphore.try_acquire().unwrap());
}

#[test]
fn const_new_and_blocking_acquires() {
    static SEMAPHORE: Semaphore = Semaphore::const_new(3);
    let one = SEMAPHORE.blocking_acquire().unwrap();
    let two = SEMAPHORE.blocking_acquire_many(2).unwrap();
    assert_eq!((one.num_permits(), two.num_permits()), (1, 2));
    assert_eq!(SEMAPHORE.available_permits(), 0);
    drop((one, two));
    let shared = Arc::new(Semaphore::new(2));
    let owned = shared.clone().blocking_acquire_owned().unwrap();
    let waiter = std::thread::spawn({
        let shared = shared.clone();
        move || {
            shared
                .blocking_acquire_many_owned(2)
                .map(|p| p.num_permits())
        }
    });
    drop(owned);
    assert_eq!(waiter.join().unwrap(), Ok(2));
    assert_eq!(shared.available_permits(), 2);
    shared.close();
    assert!(shared.blocking_acquire().is_err());
}

#[test]
#[should_panic(expected = "Semaphore::blocking_acquire cannot be called inside a running runtime")]
#[cfg_attr(miri, ignore)] // a runtime: its threads make syscalls miri cannot run.
fn blocking_acquire_inside_a_runtime_panics() {
    let rt = crate::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async { drop(Semaphore::new(1).blocking_acquire()) });
}

#[test]
#[cfg(target_pointer_width = "64")]
fn merged_permits_may_hold_more_than_u32_max() {
    let semaphore = Arc::new(Semaphore::new(6_000_000_000));
    let mut a = semaphore
        .clone()
        .try_acquire_many_owned(3_000_000_000)
        .unwrap();
    let b = semaphore
        .clone()
        .try_acquire_many_owned(3_000_000_000)
        .unwrap();
    a.merge(b);
    assert_eq!(a.num_permits(), 6_000_000_000);
    assert_eq!(semaphore.available_permits(), 0);
    let split = a.split(5_000_000_000).unwrap();
    assert_eq!(
        (a.num_permits(), split.num_permits()),
        (1_000_000_000, 5_000_000_000)
    );
    drop(split);
    assert_eq!(semaphore.available_permits(), 5_000_000_000);
    drop(a);
    assert_eq!(semaphore.available_permits(), 6_000_000_000);

    let borrowed = Semaphore::new(2);
    let mut first = borrowed.try_acquire().unwrap();
    first.merge(borrowed.try_acquire().unwrap());
    assert!(std::ptr::eq(first.semaphore(), &borrowed));
    assert_eq!(first.num_permits(), 2);
}
