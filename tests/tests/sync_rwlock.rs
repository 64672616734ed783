//! `weft::sync::RwLock` on real runtimes: readers never see a half-written value, a writer
//! gets in under a steady stream of readers, and cancelled waits lose nothing.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_lite::future::poll_once;
use weft::sync::RwLock;
use weft::task::yield_now;

#[test]
fn readers_never_see_a_half_written_pair() {
    guard(|| {
        let rt = multi(4);
        let (a, b, reads) = rt.block_on(async {
            let lock = Arc::new(RwLock::new((0u64, 0u64)));
            let reads = counter();
            let mut handles = Vec::new();
            for i in 0..200 {
                let (lock, reads) = (lock.clone(), reads.clone());
                handles.push(weft::spawn(async move {
                    if i % 4 == 0 {
                        let mut pair = lock.write().await;
                        pair.0 += 1;
                        yield_now().await;
                        pair.1 += 1;
                    } else {
                        let pair = lock.read().await;
                        let first = pair.0;
                        yield_now().await;
                        assert_eq!(first, pair.1, "a reader saw a writer midway");
                        bump(&reads);
                    }
                }));
            }
            for handle in handles {
                handle.await.unwrap();
            }
            let pair = *lock.read().await;
            (pair.0, pair.1, get(&reads))
        });
        assert_eq!((a, b, reads), (50, 50, 150));
    });
}

#[test]
fn a_writer_gets_in_under_a_stream_of_readers() {
    guard(|| {
        let rt = multi(4);
        rt.block_on(async {
            let lock = Arc::new(RwLock::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let readers: Vec<_> = (0..8)
                .map(|_| {
                    let (lock, stop) = (lock.clone(), stop.clone());
                    weft::spawn(async move {
                        while !stop.load(SeqCst) {
                            let _value = lock.read().await;
                            yield_now().await;
                        }
                    })
                })
                .collect();
            weft::time::sleep(Duration::from_millis(5)).await;
            let mut value = weft::time::timeout(Duration::from_secs(10), lock.write())
                .await
                .expect("the writer was starved");
            *value = 1;
            drop(value);
            stop.store(true, SeqCst);
            for reader in readers {
                reader.await.unwrap();
            }
            assert_eq!(*lock.try_read().unwrap(), 1);
        });
    });
}

#[test]
fn cancelled_waits_leave_the_lock_free() {
    guard(|| {
        let rt = current();
        rt.block_on(async {
            let lock = RwLock::new(0);
            let reader = lock.read().await;
            assert!(poll_once(lock.write()).await.is_none());
            let mut writer = Box::pin(lock.write());
            assert!(poll_once(&mut writer).await.is_none());
            // A reader behind the waiting writer waits...
            assert!(lock.try_read().is_err());
            // ...until the writer is cancelled.
            drop(writer);
            assert!(lock.try_read().is_ok());
            drop(reader);
            *lock.write().await += 1;
            assert_eq!(*lock.read().await, 1);
        });
    });
}
