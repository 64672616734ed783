//! Operation sequences on the runtime's timer wheel (reached through `weft::fuzz_hooks`, built
//! only under `--cfg fuzzing`) against a model, a map from timer to deadline, with time
//! advanced by the input: insert (deadlines in the past, within the first level, far, and past
//! the wheel's 2^36-tick range), cancel, reset, advance, and advance to the wheel's own
//! `next_expiration` hint.
//!
//! Checked after every operation: an advance fires exactly the timers whose deadline is at or
//! before the new time, each once, none early and none skipped; cancel and reset answer
//! `true` exactly for pending timers and stale keys stay stale; `next_expiration` is never
//! later than the earliest deadline, is that deadline when at most 64 timers are pending below
//! the wheel's last level, and following it reaches that deadline without firing
//! anything early: within seven steps (one per level, plus the firing one) while every
//! deadline is within the wheel's range, always moving time forward beyond it; the wheel's
//! own invariants hold.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::task::Waker;
use weft::fuzz_hooks::{TimerKey, TimerWheel};

/// Levels of the wheel: following `next_expiration` converges within this many steps for a
/// deadline in range.
const LEVELS: usize = 6;
/// A slot of at most this many timers is scanned for its earliest deadline.
const EXACT_SCAN: usize = 64;
/// log2 of the wheel's range: a deadline further than this clamps to the last level and
/// cascades back into it.
const RANGE_BITS: u32 = 36;

/// A tick offset from the input, spread over every scale the wheel treats differently.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Delta {
    /// Within the first level (64 ticks).
    Near(u8),
    /// Within the wheel's range.
    Far(u32),
    /// Up to and past the wheel's range (2^36 ticks), where deadlines clamp and cascade.
    Huge(u64),
}

impl Delta {
    fn ticks(self) -> u64 {
        match self {
            Delta::Near(n) => u64::from(n % 64),
            Delta::Far(n) => u64::from(n),
            Delta::Huge(n) => n % (1 << 40),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Insert(Delta),
    /// A deadline already passed (up to 64 ticks back).
    InsertPast(u8),
    Cancel(u8),
    Reset(u8, Delta),
    Advance(Delta),
    AdvanceToNext,
}

struct Harness {
    wheel: TimerWheel,
    /// The model: pending timers and their deadlines.
    pending: BTreeMap<TimerKey, u64>,
    /// Keys that fired or were cancelled: stale forever.
    stale: Vec<TimerKey>,
    now: u64,
}

impl Harness {
    fn key(&self, i: u8) -> Option<TimerKey> {
        let n = self.pending.len() + self.stale.len();
        if n == 0 {
            return None;
        }
        let i = usize::from(i) % n;
        Some(match self.pending.keys().nth(i) {
            Some(key) => *key,
            None => self.stale[i - self.pending.len()],
        })
    }

    fn insert(&mut self, deadline: u64) {
        let key = self.wheel.insert(deadline, Waker::noop().clone());
        assert!(self.pending.insert(key, deadline).is_none(), "a fresh key");
    }

    fn advance(&mut self, now: u64) {
        self.now = self.now.max(now);
        let mut fired: Vec<TimerKey> = self
            .wheel
            .advance(now)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        fired.sort();
        let due: Vec<TimerKey> = self
            .pending
            .iter()
            .filter(|(_, &d)| d <= self.now)
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(fired, due, "advancing to {}: fired vs due", self.now);
        for key in due {
            self.pending.remove(&key);
            self.stale.push(key);
        }
    }

    /// Follows the wheel's hint until the earliest timer fires.
    fn advance_to_next(&mut self) {
        let Some(&earliest) = self.pending.values().min() else {
            assert_eq!(
                self.wheel.next_expiration(),
                None,
                "an empty wheel has no hint"
            );
            return;
        };
        let latest = *self.pending.values().max().unwrap();
        let span = latest.saturating_sub(self.now);
        // In range, the documented bound: one step per level, plus the firing one. Beyond it,
        // clamped timers cascade back once per pass of the last level: only progress and a
        // loose bound are promised (such timers are over two years away).
        let steps = if span < 1 << RANGE_BITS {
            LEVELS + 1
        } else {
            64 * (LEVELS + 1) * (1 + (span >> RANGE_BITS) as usize)
        };
        // Below the last level (deadlines within 2^30 ticks in the same top digit), a slot of at
        // most `EXACT_SCAN` timers is scanned: the hint is the earliest deadline itself.
        if earliest > self.now
            && self.pending.len() <= EXACT_SCAN
            && (earliest ^ self.now) < 1 << (6 * (LEVELS - 1))
        {
            assert_eq!(
                self.wheel.next_expiration(),
                Some(earliest),
                "a small slot's hint is its earliest deadline"
            );
        }
        for _ in 0..steps {
            let hint = self
                .wheel
                .next_expiration()
                .expect("a pending timer gives a hint");
            assert!(
                hint <= earliest.max(self.now),
                "hint {hint} after the earliest {earliest}"
            );
            let (before, was) = (self.pending.len(), self.now);
            self.advance(hint);
            if self.pending.len() < before {
                return;
            }
            assert!(
                hint > was,
                "a hint that fires nothing must move time forward"
            );
        }
        panic!("{steps} steps of next_expiration never reached the deadline {earliest}");
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Insert(delta) => self.insert(self.now.saturating_add(delta.ticks())),
            Op::InsertPast(back) => self.insert(self.now.saturating_sub(u64::from(back % 64))),
            Op::Cancel(i) => {
                let Some(key) = self.key(i) else { return };
                let was_pending = self.pending.remove(&key).is_some();
                assert_eq!(self.wheel.cancel(key), was_pending, "cancel");
                if was_pending {
                    self.stale.push(key);
                }
            }
            Op::Reset(i, delta) => {
                let Some(key) = self.key(i) else { return };
                let deadline = self.now.saturating_add(delta.ticks());
                let was_pending = self.pending.contains_key(&key);
                assert_eq!(self.wheel.reset(key, deadline), was_pending, "reset");
                if was_pending {
                    self.pending.insert(key, deadline);
                }
            }
            Op::Advance(delta) => self.advance(self.now.saturating_add(delta.ticks())),
            Op::AdvanceToNext => self.advance_to_next(),
        }
        self.check();
    }

    fn check(&self) {
        self.wheel.check_invariants();
        assert_eq!(self.wheel.len(), self.pending.len());
        assert_eq!(self.wheel.elapsed(), self.now);
        for (key, deadline) in &self.pending {
            assert_eq!(self.wheel.deadline(*key), Some(*deadline));
        }
        for key in &self.stale {
            assert_eq!(self.wheel.deadline(*key), None, "a stale key stays stale");
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut harness = Harness {
        wheel: TimerWheel::default(),
        pending: BTreeMap::new(),
        stale: Vec::new(),
        now: 0,
    };
    for op in &ops {
        harness.apply(op);
    }
});
