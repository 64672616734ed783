//! Wheel unit tests (exact wakes at boundaries, cascading, stale keys) and a randomized model
//! test against a `BTreeMap`.

use super::{level_for, Expired, Key, WakerUpdate, Wheel, BATCH, EXACT_SCAN, LEVELS, RANGE};
use crate::test_util::{counting_waker, noop_waker, XorShift};
use std::collections::{BTreeMap, BTreeSet};

/// Advances `wheel` to `now`, returning the keys fired (all batches).
fn advance(wheel: &mut Wheel, now: u64) -> Vec<Key> {
    let mut fired = Vec::new();
    let mut out = Expired::new();
    loop {
        let more = wheel.poll_expired(now, &mut out);
        for (key, waker) in out.drain() {
            fired.push(key);
            waker.wake();
        }
        if !more {
            break;
        }
    }
    wheel.check_invariants();
    fired
}

const BOUNDARIES: &[u64] = &[
    0,
    1,
    2,
    63,
    64,
    65,
    127,
    128,
    4095,
    4096,
    4097,
    262_143,
    262_144,
    (1 << 24) - 1,
    1 << 24,
    (1 << 30) + 7,
    RANGE - 1,
    RANGE,
    RANGE + 5,
    (1 << 40) + 123,
];

/// A timer at each boundary, inserted from several starting points, fires exactly once, exactly
/// at its deadline: not one tick early, and `next_expiration` never overshoots it.
#[test]
fn fires_exactly_at_boundaries() {
    let starts: &[u64] = if cfg!(miri) {
        &[4095]
    } else {
        &[0, 1, 63, 64, 1000, 4095, 4096, RANGE - 3]
    };
    for &start in starts {
        for &distance in BOUNDARIES {
            let mut wheel = Wheel::new();
            assert!(advance(&mut wheel, start).is_empty());
            let deadline = start + distance;
            let (waker, count) = counting_waker();
            let key = wheel.insert(deadline, waker);
            wheel.check_invariants();
            assert_eq!(wheel.state(key), Some(deadline));
            // Below the last level, a lone timer's slot is scanned: the hint is its deadline.
            if level_for(start, deadline) < LEVELS - 1 {
                assert_eq!(
                    wheel.next_expiration(),
                    Some(deadline),
                    "distance {distance}"
                );
            }
            // Walk `next_expiration` up to the deadline: each step fires nothing until the
            // deadline, and it converges within LEVELS + 1 steps.
            let mut steps = 0;
            loop {
                let next = wheel.next_expiration().expect("a timer is pending");
                assert!(
                    next <= deadline,
                    "start {start} distance {distance}: next {next}"
                );
                if next == deadline {
                    break;
                }
                assert!(advance(&mut wheel, next).is_empty());
                steps += 1;
                // Clamped far-future timers cascade once per rotation of the last level.
                assert!(
                    steps <= 7 + distance / RANGE,
                    "start {start} distance {distance}: no convergence"
                );
            }
            if distance > 0 {
                assert!(
                    advance(&mut wheel, deadline - 1).is_empty(),
                    "early at {distance}"
                );
            }
            assert_eq!(count.wakes(), 0);
            assert_eq!(advance(&mut wheel, deadline), vec![key]);
            assert_eq!(count.wakes(), 1);
            assert_eq!(wheel.state(key), None);
            assert!(wheel.is_empty());
            assert_eq!(wheel.next_expiration(), None);
            assert!(advance(&mut wheel, deadline + RANGE * 2).is_empty());
            assert_eq!(count.wakes(), 1);
        }
    }
}

/// Timers at many levels, advanced one tick at a time and in jumps, each fire at their own tick.
#[test]
fn cascading_fires_each_at_its_tick() {
    let horizon: u64 = if cfg!(miri) { 140 } else { 9000 };
    let mut wheel = Wheel::new();
    let mut expect: BTreeMap<u64, Vec<Key>> = BTreeMap::new();
    let mut deadline = 1;
    while deadline < horizon {
        let key = wheel.insert(deadline, noop_waker());
        expect.entry(deadline).or_default().push(key);
        deadline = deadline * 3 / 2 + 1;
    }
    // Two timers on the same tick, and one on a level boundary.
    let key = wheel.insert(64, noop_waker());
    expect.entry(64).or_default().push(key);
    wheel.check_invariants();
    for now in 0..horizon {
        let mut fired = advance(&mut wheel, now);
        fired.sort_by_key(|key| (key.index, key.generation));
        let mut want = expect.remove(&now).unwrap_or_default();
        want.sort_by_key(|key| (key.index, key.generation));
        assert_eq!(fired, want, "tick {now}");
    }
    assert!(wheel.is_empty());
}

#[test]
fn cancel_and_stale_keys() {
    let mut wheel = Wheel::new();
    let (waker, count) = counting_waker();
    let a = wheel.insert(100, waker.clone());
    assert!(wheel.cancel(a).is_some());
    assert!(wheel.cancel(a).is_none(), "cancel twice is a no-op");
    assert!(wheel.is_empty());
    // The freed slab slot is reused with a new generation: the old key must not reach it.
    let b = wheel.insert(100, waker.clone());
    assert_eq!(b.index, a.index);
    assert_ne!(a, b);
    assert_eq!(wheel.state(a), None);
    assert!(wheel.cancel(a).is_none());
    assert!(!wheel.reset(a, 5));
    assert!(matches!(wheel.update_waker(a, &waker), WakerUpdate::Gone));
    assert_eq!(wheel.state(b), Some(100));
    wheel.check_invariants();
    // A fired key is stale too: cancelling it is a no-op and wakes nothing more.
    assert_eq!(advance(&mut wheel, 100), vec![b]);
    assert_eq!(count.wakes(), 1);
    assert!(wheel.cancel(b).is_none());
    assert_eq!(wheel.state(b), None);
    assert_eq!(count.wakes(), 1);
    // Cancelling a timer that is due but not yet handed out (in the ready list) prevents it.
    let c = wheel.insert(50, waker.clone());
    assert_eq!(wheel.next_expiration(), Some(100));
    assert!(wheel.cancel(c).is_some());
    assert!(advance(&mut wheel, 200).is_empty());
    assert_eq!(count.wakes(), 1);
    wheel.check_invariants();
}

#[test]
fn cancel_moves_the_last_entry_of_a_slot() {
    let mut wheel = Wheel::new();
    let keys: Vec<Key> = (0..5).map(|_| wheel.insert(10, noop_waker())).collect();
    assert!(wheel.cancel(keys[1]).is_some());
    wheel.check_invariants();
    assert!(wheel.cancel(keys[4]).is_some());
    wheel.check_invariants();
    let mut fired = advance(&mut wheel, 10);
    fired.sort_by_key(|key| key.index);
    assert_eq!(fired, vec![keys[0], keys[2], keys[3]]);
}

#[test]
fn update_waker_clones_only_when_needed() {
    let mut wheel = Wheel::new();
    let (first, first_count) = counting_waker();
    let (second, second_count) = counting_waker();
    let key = wheel.insert(10, first.clone());
    // (Under miri, vtable addresses are not unique, so `will_wake` may say no to a clone.)
    if !cfg!(miri) {
        assert!(matches!(
            wheel.update_waker(key, &first),
            WakerUpdate::Unchanged
        ));
    }
    match wheel.update_waker(key, &second) {
        WakerUpdate::Replaced(_old) => {}
        other => panic!("expected Replaced, got {other:?}"),
    }
    assert_eq!(advance(&mut wheel, 10), vec![key]);
    assert_eq!((first_count.wakes(), second_count.wakes()), (0, 1));
}

#[test]
fn reset_moves_a_timer() {
    let mut wheel = Wheel::new();
    let (waker, count) = counting_waker();
    let key = wheel.insert(5000, waker);
    assert!(wheel.reset(key, 70));
    wheel.check_invariants();
    assert!(advance(&mut wheel, 69).is_empty());
    assert!(wheel.reset(key, 100_000));
    assert!(advance(&mut wheel, 5000).is_empty());
    // A deadline already passed: due at the next poll.
    assert!(wheel.reset(key, 3));
    assert_eq!(wheel.next_expiration(), Some(5000));
    wheel.check_invariants();
    assert_eq!(count.wakes(), 0);
    assert_eq!(advance(&mut wheel, 5000), vec![key]);
    assert_eq!(count.wakes(), 1);
}

#[test]
fn time_never_goes_backwards() {
    let mut wheel = Wheel::new();
    assert!(advance(&mut wheel, 500).is_empty());
    assert!(advance(&mut wheel, 100).is_empty());
    assert_eq!(wheel.elapsed(), 500);
    let key = wheel.insert(400, noop_waker());
    assert_eq!(advance(&mut wheel, 0), vec![key]);
}

#[test]
fn batches_and_drain() {
    let mut wheel = Wheel::new();
    let (waker, count) = counting_waker();
    for i in 0..100 {
        wheel.insert(10 + i % 3, waker.clone());
    }
    let mut out = Expired::new();
    assert!(wheel.poll_expired(20, &mut out));
    assert_eq!(out.wake_all(), BATCH);
    assert!(out.is_empty());
    wheel.check_invariants();
    assert_eq!(advance(&mut wheel, 20).len(), 100 - BATCH);
    assert_eq!(count.wakes(), 100);

    for i in 0..70u64 {
        wheel.insert(i * 1_000_003, waker.clone());
    }
    let mut sizes = Vec::new();
    loop {
        let more = wheel.drain(&mut out);
        sizes.push(out.wake_all());
        wheel.check_invariants();
        if !more {
            break;
        }
    }
    assert_eq!(sizes, vec![32, 32, 6]);
    assert!(wheel.is_empty());
    assert_eq!(count.wakes(), 170);
}

/// Random operations against a `BTreeMap` model: the exact set of keys fired at each advance,
/// the pending deadlines, and `next_expiration`'s contract.
#[test]
fn randomized_against_model() {
    let (ops, seeds): (usize, &[u64]) = if cfg!(miri) {
        (150, &[1])
    } else {
        (20_000, &[1, 0x9E37_79B9_7F4A_7C15, 42])
    };
    for &seed in seeds {
        let mut rng = XorShift::new(seed);
        let mut wheel = Wheel::new();
        let (waker, count) = counting_waker();
        let mut model: BTreeMap<u64, (Key, u64)> = BTreeMap::new(); // id -> (key, deadline)
        let mut stale: Vec<Key> = Vec::new();
        let mut next_id = 0u64;
        let mut now = 0u64;
        let mut fired_total = 0;
        for _ in 0..ops {
            match rng.below(100) {
                0..=39 => {
                    let distance = match rng.below(10) {
                        0 => 0,
                        1..=4 => rng.below(70),
                        5..=7 => rng.below(5000),
                        8 => rng.below(1 << 22),
                        _ => rng.below(1 << 40),
                    };
                    // Sometimes a deadline already passed.
                    let deadline = if rng.below(20) == 0 {
                        now.saturating_sub(rng.below(100))
                    } else {
                        now + distance
                    };
                    let key = wheel.insert(deadline, waker.clone());
                    model.insert(next_id, (key, deadline));
                    next_id += 1;
                }
                40..=54 if !model.is_empty() => {
                    let id = *model
                        .keys()
                        .nth(rng.below(model.len() as u64) as usize)
                        .unwrap();
                    let (key, _) = model.remove(&id).unwrap();
                    assert!(wheel.cancel(key).is_some());
                    stale.push(key);
                }
                55..=59 if !stale.is_empty() => {
                    let key = stale[rng.below(stale.len() as u64) as usize];
                    assert!(wheel.cancel(key).is_none());
                    assert_eq!(wheel.state(key), None);
                }
                60..=66 if !model.is_empty() => {
                    let id = *model
                        .keys()
                        .nth(rng.below(model.len() as u64) as usize)
                        .unwrap();
                    let bits = rng.below(5) * 8;
                    let deadline = now.saturating_sub(5) + rng.below(1 << bits);
                    let entry = model.get_mut(&id).unwrap();
                    assert!(wheel.reset(entry.0, deadline));
                    entry.1 = deadline;
                }
                67..=74 => {
                    // Jump to the wheel's own next expiration (exercises the lower bound).
                    if let Some(next) = wheel.next_expiration() {
                        now = now.max(next);
                    }
                }
                _ => {
                    now += match rng.below(10) {
                        0..=5 => rng.below(8),
                        6..=8 => rng.below(300),
                        _ => rng.below(1 << 24),
                    };
                }
            }
            // Advance to `now` (a no-op when it did not move) and compare with the model.
            let fired: BTreeSet<Key> = {
                let fired = advance(&mut wheel, now);
                let set: BTreeSet<Key> = fired.iter().copied().collect();
                assert_eq!(set.len(), fired.len(), "a key fired twice");
                set
            };
            let due: Vec<u64> = model
                .iter()
                .filter(|(_, &(_, d))| d <= now)
                .map(|(&id, _)| id)
                .collect();
            let want: BTreeSet<Key> = due.iter().map(|id| model.remove(id).unwrap().0).collect();
            assert_eq!(fired, want, "at tick {now}");
            stale.extend(fired.iter().copied());
            fired_total += fired.len();
            assert_eq!(count.wakes(), fired_total);
            assert_eq!(wheel.len(), model.len());
            for (key, deadline) in model.values() {
                assert_eq!(wheel.state(*key), Some(*deadline));
            }
            let min = model.values().map(|&(_, d)| d).min();
            let next = wheel.next_expiration();
            match (next, min) {
                (None, None) => {}
                (Some(next), Some(min)) => {
                    assert!(next <= min, "next_expiration {next} after earliest {min}");
                    assert!(next > now, "everything due was fired");
                    if min >> 6 == now >> 6 {
                        assert_eq!(next, min, "level 0 is exact");
                    }
                    // The earliest slot holds at most every pending timer: scanned below the
                    // last level.
                    if model.len() <= EXACT_SCAN && level_for(now, min) < LEVELS - 1 {
                        assert_eq!(next, min, "a small slot is scanned");
                    }
                }
                other => panic!("next_expiration/model mismatch: {other:?}"),
            }
            // Each timer's next action comes no later than its deadline, and the earliest of
            // them no later than the wheel's next expiration (the time driver's shard hint).
            for &(key, deadline) in model.values() {
                let action = wheel.next_action(key).expect("a pending timer");
                assert!(
                    action <= deadline.max(now),
                    "action {action}, deadline {deadline}"
                );
            }
            let earliest_action = model
                .values()
                .map(|&(key, _)| wheel.next_action(key).expect("a pending timer"))
                .min();
            if let (Some(action), Some(next)) = (earliest_action, next) {
                assert!(action <= next, "earliest action {action} after {next}");
            }
            if stale.len() > 64 {
                stale.drain(..32);
            }
        }
    }
}

/// The driver sleeps until `next_expiration`: a slot boundary reported instead of a deadline is
/// a wake-up that fires nothing. A timer 10 ticks ahead whose deadline crosses a 64-tick block
/// sits in level 1; the hint is still its deadline, while the slot holds few timers.
#[test]
fn the_hint_is_the_deadline_across_a_block_boundary() {
    let mut wheel = Wheel::new();
    assert!(advance(&mut wheel, 60).is_empty());
    let key = wheel.insert(70, noop_waker());
    assert_eq!(level_for(60, 70), 1);
    assert_eq!(wheel.next_expiration(), Some(70));
    // Later timers of the same slot do not move it; an earlier one does.
    wheel.insert(100, noop_waker());
    assert_eq!(wheel.next_expiration(), Some(70));
    let early = wheel.insert(66, noop_waker());
    assert_eq!(wheel.next_expiration(), Some(66));
    assert!(wheel.cancel(early).is_some());
    assert_eq!(wheel.next_expiration(), Some(70));
    assert!(advance(&mut wheel, 69).is_empty());
    assert_eq!(advance(&mut wheel, 70), vec![key]);
    assert_eq!(wheel.next_expiration(), Some(100));
    wheel.check_invariants();
}

/// A slot of more than `EXACT_SCAN` timers is not scanned: the hint is its start, where the
/// wheel cascades, and following it still reaches the earliest deadline.
#[test]
fn a_crowded_slot_reports_its_start() {
    let mut wheel = Wheel::new();
    assert!(advance(&mut wheel, 60).is_empty());
    let keys: Vec<Key> = (0..=EXACT_SCAN as u64)
        .map(|i| wheel.insert(70 + i % 50, noop_waker()))
        .collect();
    assert_eq!(wheel.next_expiration(), Some(64));
    assert!(advance(&mut wheel, 64).is_empty());
    assert_eq!(wheel.next_expiration(), Some(70));
    let fired = advance(&mut wheel, 70);
    assert_eq!(fired.len(), 2);
    assert!(fired.iter().all(|key| keys.contains(key)));
    // At the bound: scanned.
    let mut wheel = Wheel::new();
    assert!(advance(&mut wheel, 60).is_empty());
    for i in 0..EXACT_SCAN as u64 {
        wheel.insert(70 + i % 50, noop_waker());
    }
    assert_eq!(wheel.next_expiration(), Some(70));
}
