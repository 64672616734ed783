//! `worker_mean_poll_time`: how long a worker spends per task poll, as an exponentially
//! weighted moving average (tokio's metric, with tokio's weight: each poll counts 0.1).
//!
//! No poll is timed on its own (that would be two clock reads per poll). A worker's time is
//! cut into batches instead: a batch starts when the worker takes its core or comes back from
//! a park, and ends at its next park, at each of its periodic driver polls (so that a worker
//! that never parks still reports), and when it gives its core up. A batch's mean (its time
//! over its polls, scheduler work included, as tokio's) is folded into the average with the
//! weight of that many polls, `1 - 0.9^polls`; a batch without a poll changes nothing.
//!
//! Invariant: only the core's holder calls `start_batch`/`end_batch` (the state is in `Cell`s
//! of the core); readers see the last published value, a relaxed store of whole nanoseconds.

use crate::loom::{AtomicU64, Ordering};
use std::cell::Cell;
use std::time::Instant;

/// The weight of one poll in the average (tokio's).
const ALPHA: f64 = 0.1;

/// One core's running average; published into an `AtomicU64` that readers load.
#[derive(Debug)]
pub(crate) struct MeanPollTime {
    batch_start: Cell<Instant>,
    /// The core's poll count when the batch started.
    polls_at_start: Cell<u64>,
    /// The average so far, in nanoseconds (0 until a batch with a poll ends).
    mean_nanos: Cell<f64>,
}

impl MeanPollTime {
    pub(crate) fn new(now: Instant) -> MeanPollTime {
        MeanPollTime {
            batch_start: Cell::new(now),
            polls_at_start: Cell::new(0),
            mean_nanos: Cell::new(0.0),
        }
    }

    /// A batch starts at `now`, the core having counted `polls` polls so far.
    pub(crate) fn start_batch(&self, now: Instant, polls: u64) {
        self.batch_start.set(now);
        self.polls_at_start.set(polls);
    }

    /// The batch ends at `now` with `polls` counted so far: folds it in and publishes the
    /// average into `published` (whole nanoseconds).
    pub(crate) fn end_batch(&self, now: Instant, polls: u64, published: &AtomicU64) {
        let batch_polls = polls.saturating_sub(self.polls_at_start.get());
        if batch_polls == 0 {
            return;
        }
        let elapsed = now.saturating_duration_since(self.batch_start.get());
        let mean = fold(
            self.mean_nanos.get(),
            elapsed.as_nanos() as f64 / batch_polls as f64,
            batch_polls,
        );
        self.mean_nanos.set(mean);
        published.store(mean as u64, Ordering::Relaxed);
    }

    /// `end_batch` and `start_batch` at the same instant.
    pub(crate) fn next_batch(&self, now: Instant, polls: u64, published: &AtomicU64) {
        self.end_batch(now, polls, published);
        self.start_batch(now, polls);
    }
}

/// The average `mean` after `polls` more polls whose mean is `batch_mean`: each poll moves it
/// a tenth of the way, so the batch weighs `1 - 0.9^polls`.
fn fold(mean: f64, batch_mean: f64, polls: u64) -> f64 {
    let kept = (1.0 - ALPHA).powi(i32::try_from(polls).unwrap_or(i32::MAX));
    batch_mean * (1.0 - kept) + mean * kept
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_poll_moves_the_average_a_tenth_of_the_way() {
        // One poll of 1000 ns from nothing: a tenth.
        assert!((fold(0.0, 1000.0, 1) - 100.0).abs() < 1e-9);
        // Two polls weigh 1 - 0.81 = 0.19, the same as two batches of one.
        let two = fold(0.0, 1000.0, 2);
        assert!((two - 190.0).abs() < 1e-9);
        assert!((fold(fold(0.0, 1000.0, 1), 1000.0, 1) - two).abs() < 1e-9);
        // A long batch replaces the average (0.9^1000 underflows to nothing that shows).
        assert!((fold(5.0, 1000.0, 1000) - 1000.0).abs() < 1e-6);
        assert!((fold(5.0, 1000.0, u64::MAX) - 1000.0).abs() < 1e-6);
    }

    #[test]
    fn batches_are_timed_over_their_polls_and_empty_ones_change_nothing() {
        let start = Instant::now();
        let published = AtomicU64::new(0);
        let mean = MeanPollTime::new(start);
        // 10 polls in 10 µs: a mean of 1 µs, weighed 1 - 0.9^10.
        mean.next_batch(start + Duration::from_micros(10), 10, &published);
        let expected = 1000.0 * (1.0 - 0.9f64.powi(10));
        assert_eq!(published.load(Ordering::Relaxed), expected as u64);
        // A batch without a poll (a park that found nothing) publishes nothing new.
        mean.next_batch(start + Duration::from_secs(1), 10, &published);
        assert_eq!(published.load(Ordering::Relaxed), expected as u64);
        // Its time does not count either: the next batch starts where that one ended.
        mean.end_batch(
            start + Duration::from_secs(1) + Duration::from_micros(3),
            13,
            &published,
        );
        let expected = fold(expected, 1000.0, 3);
        assert_eq!(published.load(Ordering::Relaxed), expected as u64);
    }
}
