//! `SetOnce` under loom: a set races a waiter, which never sleeps through it.

use crate::sync::SetOnce;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

#[test]
fn loom_set_once_set_vs_wait() {
    loom::model(|| {
        let cell = Arc::new(SetOnce::new());
        let setter = {
            let cell = cell.clone();
            thread::spawn(move || cell.set(5).is_ok())
        };
        assert_eq!(*block_on(cell.wait()), 5);
        assert!(setter.join().unwrap());
    });
}
