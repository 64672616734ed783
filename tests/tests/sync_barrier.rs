//! `weft::sync::Barrier` on real runtimes: several rounds of many tasks, exactly one leader per
//! round, and nobody passes a round before everyone arrived.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use common::*;
use weft::sync::Barrier;

#[test]
fn rounds_of_tasks_have_one_leader_each_and_wait_for_all() {
    guard(|| {
        for rt in [multi(4), current()] {
            let leaders = rt.block_on(async {
                const TASKS: usize = 10;
                const ROUNDS: usize = 5;
                let barrier = Arc::new(Barrier::new(TASKS));
                let arrived = Arc::new(AtomicUsize::new(0));
                let handles: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let (barrier, arrived) = (barrier.clone(), arrived.clone());
                        weft::spawn(async move {
                            let mut leaders = 0;
                            for round in 1..=ROUNDS {
                                arrived.fetch_add(1, SeqCst);
                                if barrier.wait().await.is_leader() {
                                    leaders += 1;
                                }
                                assert!(
                                    arrived.load(SeqCst) >= round * TASKS,
                                    "passed round {round} before everyone arrived"
                                );
                            }
                            leaders
                        })
                    })
                    .collect();
                let mut leaders = 0;
                for handle in handles {
                    leaders += handle.await.unwrap();
                }
                leaders
            });
            assert_eq!(leaders, 5, "one leader per round");
        }
    });
}
