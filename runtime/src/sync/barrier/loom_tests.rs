//! `Barrier` under loom: two rounds of two threads; each round has exactly one leader, and
//! no thread passes a round before its partner arrived.

use crate::sync::Barrier;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

#[test]
fn loom_barrier_two_rounds() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let arrived = Arc::new(AtomicUsize::new(0));
        let run = {
            let (barrier, arrived) = (barrier.clone(), arrived.clone());
            move || {
                let mut leaders = 0;
                for round in 1..=2 {
                    arrived.fetch_add(1, SeqCst);
                    if block_on(barrier.wait()).is_leader() {
                        leaders += 1;
                    }
                    assert!(
                        arrived.load(SeqCst) >= 2 * round,
                        "passed before the partner"
                    );
                }
                leaders
            }
        };
        let other = thread::spawn(run.clone());
        let mine = run();
        assert_eq!(mine + other.join().unwrap(), 2, "one leader per round");
    });
}
