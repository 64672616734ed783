//! The auto traits and trait impls that tokio users rely on, for every public type of the
//! running, task and time APIs (a compile failure here is a porting hazard), exercised by moving
//! the values across threads.

mod common;

use std::error::Error;
use std::fmt::{Debug, Display};
use std::thread;
use std::time::Duration;

use common::*;
use weft::runtime::{Handle, Runtime};
use weft::task::{AbortHandle, JoinError, JoinHandle};
use weft::time::error::Elapsed;

fn send_sync<T: Send + Sync>() {}
fn send_sync_static<T: Send + Sync + 'static>() {}
fn std_error<T: Error + Debug + Display + Send + Sync + 'static>() {}

#[test]
fn public_types_have_the_bounds_tokio_users_rely_on() {
    guard(check_bounds);
}

fn check_bounds() {
    send_sync::<Runtime>();
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    unwind_safe::<Runtime>();
    unwind_safe::<Handle>();
    fn sync<T: Sync>() {}
    sync::<weft::runtime::EnterGuard<'static>>();
    send_sync::<weft::sync::futures::Notified<'static>>();
    send_sync::<weft::sync::futures::OwnedNotified>();
    send_sync_static::<Handle>();
    send_sync_static::<JoinHandle<String>>();
    send_sync_static::<AbortHandle>();
    std_error::<JoinError>();
    std_error::<Elapsed>();
    fn unpin<T: Unpin>() {}
    unpin::<JoinHandle<String>>();
    fn clone<T: Clone>() {}
    clone::<Handle>();
    clone::<AbortHandle>();
    // Checked without creating them (a Sleep can only be created inside a runtime).
    fn makes_send_future<Fut: std::future::Future + Send>(_: impl FnOnce() -> Fut) {}
    makes_send_future(|| weft::time::sleep(Duration::from_millis(1)));
    makes_send_future(|| weft::time::timeout(Duration::from_millis(1), async {}));
    makes_send_future(|| async {
        let mut iv = weft::time::interval(Duration::from_millis(1));
        iv.tick().await;
    });
}

#[test]
fn handles_and_errors_cross_threads() {
    guard(|| {
        let rt = multi(2);
        let h: JoinHandle<u8> = rt.spawn(async { panic!("crosses threads") });
        let ah = h.abort_handle();
        let err = thread::spawn(move || futures_lite::future::block_on(h).unwrap_err())
            .join()
            .unwrap();
        // The JoinError itself crosses back and forth, and the stale AbortHandle does too.
        let err = thread::spawn(move || {
            ah.abort();
            err
        })
        .join()
        .unwrap();
        assert!(err.is_panic());
        let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
        assert!(!boxed.to_string().is_empty());
    });
}
