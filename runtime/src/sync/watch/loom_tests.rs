//! `watch` under loom: sends racing `changed` (the last value is always seen, the close is
//! always reported), and `Sender::closed` racing the last receiver's drop.

use crate::sync::watch;
use loom::future::block_on;
use loom::thread;

#[test]
fn loom_watch_send_vs_changed() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let receiver = thread::spawn(move || {
            let mut last = *rx.borrow_and_update();
            while block_on(rx.changed()).is_ok() {
                let value = *rx.borrow_and_update();
                assert!(value > last, "values arrive in order");
                last = value;
            }
            last
        });
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        drop(tx);
        assert_eq!(receiver.join().unwrap(), 2, "the last value is always seen");
    });
}

#[test]
fn loom_watch_closed_vs_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = watch::channel(());
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        dropper.join().unwrap();
    });
}
