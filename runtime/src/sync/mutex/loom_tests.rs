//! `Mutex` and `RwLock` under loom: two threads contending (loom's cell checks that the
//! value is never accessed by both at once), and a cancelled lock racing an unlock.

use crate::sync::{Mutex, RwLock};
use crate::test_util::poll_once;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn loom_mutex_two_threads_increment() {
    loom::model(|| {
        let mutex = Arc::new(Mutex::new(0));
        let other = {
            let mutex = mutex.clone();
            thread::spawn(move || *block_on(mutex.lock()) += 1)
        };
        *block_on(mutex.lock()) += 1;
        other.join().unwrap();
        assert_eq!(*mutex.try_lock().unwrap(), 2);
    });
}

#[test]
fn loom_mutex_cancelled_lock_does_not_keep_it() {
    loom::model(|| {
        let mutex = Arc::new(Mutex::new(0));
        let quitter = {
            let mutex = mutex.clone();
            thread::spawn(move || {
                let mut lock = Box::pin(mutex.lock());
                if let std::task::Poll::Ready(mut guard) = poll_once(std::pin::Pin::new(&mut lock))
                {
                    *guard += 1;
                }
            })
        };
        *block_on(mutex.lock()) += 10;
        quitter.join().unwrap();
        let value = *mutex.try_lock().expect("nobody holds the lock at the end");
        assert!(value == 10 || value == 11);
    });
}

#[test]
fn loom_rwlock_writer_and_reader() {
    loom::model(|| {
        let lock = Arc::new(RwLock::with_max_readers(0, 2));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *block_on(lock.write()) += 1)
        };
        let seen = *block_on(lock.read());
        assert!(seen == 0 || seen == 1);
        writer.join().unwrap();
        assert_eq!(*lock.try_write().unwrap(), 1);
    });
}
