//! `OnceCell` under loom: two initializers race; exactly one runs and both see its value.

use crate::sync::OnceCell;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

#[test]
fn loom_once_cell_two_initializers() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let other = {
            let (cell, runs) = (cell.clone(), runs.clone());
            thread::spawn(move || {
                *block_on(cell.get_or_init(|| async {
                    runs.fetch_add(1, SeqCst);
                    1
                }))
            })
        };
        let mine = *block_on(cell.get_or_init(|| async {
            runs.fetch_add(1, SeqCst);
            2
        }));
        let theirs = other.join().unwrap();
        assert_eq!(mine, theirs);
        assert_eq!(runs.load(SeqCst), 1);
        assert_eq!(cell.get(), Some(&mine));
    });
}
