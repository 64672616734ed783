//! `DelayQueue` against a model, on weft's paused clock: thousands of random inserts, resets,
//! removals, compactions and clock advances, each checked for exactly the entries, deadlines,
//! values and order the model expects.
#![cfg(feature = "time")]

use std::collections::HashMap;
use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;
use weft::time::Instant;
use weft_util::time::delay_queue::{DelayQueue, Key};

/// xorshift64*: a fixed sequence, so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// The live entries: key -> (value, deadline).
type Model = HashMap<Key, (u64, Instant)>;

fn pick(model: &Model, rng: &mut Rng) -> Option<Key> {
    let mut keys: Vec<Key> = model.keys().copied().collect();
    keys.sort_by_key(|key| format!("{key:?}"));
    (!keys.is_empty()).then(|| keys[rng.below(keys.len() as u64) as usize])
}

/// The deadline a queue gives a requested one: the next whole millisecond after its start.
fn rounded(start: Instant, requested: Instant) -> Instant {
    let nanos = requested.saturating_duration_since(start).as_nanos();
    start + Duration::from_millis(nanos.div_ceil(1_000_000) as u64)
}

/// Takes every expired entry, checking each against the model, then that none is left due.
async fn drain(queue: &mut DelayQueue<u64>, model: &mut Model) -> usize {
    let now = Instant::now();
    let mut last = None;
    let mut taken = 0;
    loop {
        let peeked = queue.peek();
        match poll_fn(|cx| Poll::Ready(queue.poll_expired(cx))).await {
            Poll::Ready(Some(expired)) => {
                assert_eq!(Some(expired.key()), peeked, "peek names the next expiry");
                let (value, deadline) = model.remove(&expired.key()).expect("a live key");
                assert_eq!((*expired.get_ref(), expired.deadline()), (value, deadline));
                assert!(deadline <= now, "expired early");
                assert!(last <= Some(deadline), "out of deadline order");
                last = Some(deadline);
                taken += 1;
            }
            Poll::Ready(None) => {
                assert!(model.is_empty());
                return taken;
            }
            Poll::Pending => {
                assert!(
                    model.values().all(|&(_, deadline)| deadline > now),
                    "one left due"
                );
                return taken;
            }
        }
    }
}

#[weft::test(start_paused = true)]
async fn random_operations_match_the_model() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut queue = DelayQueue::new();
    let start = Instant::now();
    let mut model = Model::new();
    let (mut expired, mut removed, mut compactions) = (0, 0, 0);
    for value in 0..20_000u64 {
        match rng.below(100) {
            0..=44 => {
                let requested = Instant::now() + Duration::from_micros(rng.below(200_000));
                let key = queue.insert_at(value, requested);
                assert!(model
                    .insert(key, (value, rounded(start, requested)))
                    .is_none());
            }
            45..=59 => {
                if let Some(key) = pick(&model, &mut rng) {
                    let requested = Instant::now() + Duration::from_micros(rng.below(200_000));
                    queue.reset_at(&key, requested);
                    model.get_mut(&key).unwrap().1 = rounded(start, requested);
                }
            }
            60..=69 => {
                if let Some(key) = pick(&model, &mut rng) {
                    let (value, deadline) = model.remove(&key).unwrap();
                    let entry = queue.remove(&key);
                    assert_eq!((entry.deadline(), entry.into_inner()), (deadline, value));
                    assert!(queue.try_remove(&key).is_none(), "removed twice");
                    removed += 1;
                }
            }
            70..=71 => {
                queue.compact();
                assert_eq!(queue.capacity(), queue.len());
                compactions += 1;
            }
            _ => {
                weft::time::advance(Duration::from_micros(rng.below(20_000))).await;
                expired += drain(&mut queue, &mut model).await;
            }
        }
        assert_eq!(queue.len(), model.len());
        for (key, &(_, deadline)) in &model {
            assert_eq!(queue.deadline(key), deadline);
        }
    }
    weft::time::advance(Duration::from_secs(1)).await;
    expired += drain(&mut queue, &mut model).await;
    assert!(queue.is_empty() && model.is_empty());
    // Every kind of operation ran many times.
    println!("{expired} expired, {removed} removed, {compactions} compactions");
    assert!(expired > 1_000 && removed > 500 && compactions > 100);
}

#[weft::test(start_paused = true)]
async fn far_deadlines_are_accepted_and_never_come_due() {
    let mut queue = DelayQueue::new();
    let start = Instant::now();
    // tokio-util's wheel panics past 2^36 ms; here a deadline past what `Instant` holds is
    // as good as never, and the entry stays removable.
    let never = queue.insert("never", Duration::MAX);
    let years = queue.insert_at("years", start + Duration::from_secs(10 * 365 * 86_400));
    let soon = queue.insert("soon", Duration::from_millis(5));
    queue.reset(&soon, Duration::MAX);
    queue.reset(&soon, Duration::from_millis(5));
    assert!(queue.deadline(&never) > start + Duration::from_secs(20 * 365 * 86_400));
    weft::time::advance(Duration::from_secs(3600)).await;
    let next = poll_fn(|cx| Poll::Ready(queue.poll_expired(cx))).await;
    let expired = match next {
        Poll::Ready(Some(expired)) => expired,
        other => panic!(
            "expected the 5 ms entry, got {:?}",
            other.map(|e| e.map(|e| e.key()))
        ),
    };
    assert_eq!(expired.into_inner(), "soon");
    assert!(poll_fn(|cx| Poll::Ready(queue.poll_expired(cx)))
        .await
        .is_pending());
    assert_eq!(queue.remove(&years).into_inner(), "years");
    assert_eq!(queue.remove(&never).into_inner(), "never");
    assert!(queue.is_empty());
}
