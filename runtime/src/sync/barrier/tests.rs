//! Unit tests of `Barrier`, with counted wakes and no runtime.

use super::*;
use crate::test_util::Task;

#[test]
fn the_last_arrival_leads_and_releases_the_others_once_each() {
    let barrier = Barrier::new(3);
    let mut a = Task::new(barrier.wait());
    let mut b = Task::new(barrier.wait());
    a.pending();
    b.pending();
    let mut c = Task::new(barrier.wait());
    assert!(c.ready().is_leader());
    assert_eq!((a.wakes(), b.wakes()), (1, 1));
    assert!(!a.ready().is_leader());
    assert!(!b.ready().is_leader());
}

#[test]
fn the_barrier_is_reused_across_generations() {
    let barrier = Barrier::new(2);
    for _generation in 0..3 {
        let mut first = Task::new(barrier.wait());
        first.pending();
        let mut second = Task::new(barrier.wait());
        assert!(second.ready().is_leader());
        assert_eq!(first.wakes(), 1);
        assert!(!first.ready().is_leader());
    }
}

#[test]
fn a_waiter_of_the_next_generation_is_not_released_by_the_previous_one() {
    let barrier = Barrier::new(2);
    let mut g0 = Task::new(barrier.wait());
    g0.pending();
    let mut g0_leader = Task::new(barrier.wait());
    assert!(g0_leader.ready().is_leader());
    // Generation 1 starts; g0 has not run yet.
    let mut g1 = Task::new(barrier.wait());
    g1.pending();
    assert!(!g0.ready().is_leader());
    assert_eq!(g1.wakes(), 0);
    g1.pending();
    let mut g1_leader = Task::new(barrier.wait());
    assert!(g1_leader.ready().is_leader());
    assert_eq!(g1.wakes(), 1);
    assert!(!g1.ready().is_leader());
}

#[test]
fn a_barrier_of_zero_or_one_never_waits() {
    for n in [0, 1] {
        let barrier = Barrier::new(n);
        for _ in 0..2 {
            assert!(Task::new(barrier.wait()).ready().is_leader());
        }
    }
}

#[test]
fn wait_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let barrier = Barrier::new(2);
    assert_send(&barrier.wait());
}
