//! The poll-time histogram's bucket layouts (tokio's `HistogramConfiguration`): linear buckets
//! of one width, or logarithmic ones whose width grows with the value, each within a bounded
//! relative error.
//!
//! A layout maps a poll's duration in nanoseconds to a bucket index and back to the bucket's
//! range. Invariants: bucket `i`'s range ends where bucket `i + 1`'s starts, bucket 0 starts at
//! zero and the last bucket ends at `u64::MAX` nanoseconds (it takes everything above), so
//! every duration falls in exactly one bucket, the one `bucket_of` names.
//!
//! The logarithmic layout is the "H2" encoding: values below `2^p` nanoseconds get a bucket
//! each; above, each power-of-two range `[2^h, 2^(h+1))` is cut into `2^p` equal buckets, so a
//! bucket's width is at most `2^-p` of its lower bound. A minimum value merges every bucket
//! below the one it falls in into bucket 0, and a maximum value merges every bucket above the
//! one it falls in into the last.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

/// How the poll-time histogram cuts durations into buckets; given to
/// [`Builder::metrics_poll_time_histogram_configuration`](crate::runtime::Builder::metrics_poll_time_histogram_configuration).
///
/// ```
/// use std::time::Duration;
/// use weft::runtime::{HistogramConfiguration, LogHistogram};
///
/// // Ten buckets of 100 µs each, the last open-ended (the default).
/// let linear = HistogramConfiguration::linear(Duration::from_micros(100), 10);
/// // Buckets within 25% of their value, from 10 µs (below: bucket 0) to 1 s (above: the last).
/// let log = HistogramConfiguration::log(
///     LogHistogram::builder()
///         .min_value(Duration::from_micros(10))
///         .max_value(Duration::from_secs(1))
///         .max_error(0.25),
/// );
/// # drop((linear, log));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistogramConfiguration {
    pub(crate) layout: Layout,
}

/// A logarithmic bucket layout; made by [`LogHistogram::builder`], or
/// [`LogHistogram::default`]: buckets within 25% of their value from 100 ns (below: bucket 0)
/// up to about 4.3 s (`2^32` ns; above: the last bucket).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogHistogram {
    /// Precision bits: `2^p` buckets per power of two.
    p: u32,
    /// The H2 index that becomes bucket 0 (every smaller one is merged into it).
    offset: usize,
    num_buckets: usize,
}

/// Builds a [`LogHistogram`]: the precision (as a relative error, or as bits), the smallest
/// and largest values worth telling apart, and a cap on the number of buckets.
#[derive(Clone, Copy, Debug)]
pub struct LogHistogramBuilder {
    p: u32,
    min_value: Duration,
    max_value: Duration,
}

/// A [`LogHistogramBuilder`]'s settings need more buckets than
/// [`max_buckets`](LogHistogramBuilder::max_buckets) allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidHistogramConfiguration {
    required: usize,
    max: usize,
}

/// A layout, as the runtime uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    Linear { width: u64, num_buckets: usize },
    Log(LogHistogram),
}

impl HistogramConfiguration {
    /// `num_buckets` buckets of `bucket_width` each, from zero; the last takes every longer
    /// poll.
    ///
    /// # Panics
    /// If `num_buckets` is 0 or `bucket_width` is under a nanosecond.
    #[track_caller]
    pub fn linear(bucket_width: Duration, num_buckets: usize) -> HistogramConfiguration {
        assert!(num_buckets > 0, "a histogram needs at least one bucket");
        let width = u64::try_from(bucket_width.as_nanos()).unwrap_or(u64::MAX);
        assert!(width > 0, "a histogram bucket must be at least 1 ns wide");
        HistogramConfiguration {
            layout: Layout::Linear { width, num_buckets },
        }
    }

    /// A logarithmic layout: a [`LogHistogram`], or its builder.
    pub fn log(histogram: impl Into<LogHistogram>) -> HistogramConfiguration {
        HistogramConfiguration {
            layout: Layout::Log(histogram.into()),
        }
    }
}

impl Default for HistogramConfiguration {
    /// tokio's default: 10 linear buckets of 100 µs.
    fn default() -> HistogramConfiguration {
        HistogramConfiguration::linear(Duration::from_micros(100), 10)
    }
}

/// The H2 index of `value` with `p` precision bits.
fn h2_index(value: u64, p: u32) -> usize {
    if value < 1 << p {
        return value as usize;
    }
    let h = 63 - value.leading_zeros(); // 2^h <= value < 2^(h+1), h >= p
    let group = (h - p + 1) as usize;
    let within = ((value >> (h - p)) - (1 << p)) as usize;
    (group << p) + within
}

/// The smallest value of H2 index `index` with `p` precision bits.
fn h2_lower(index: usize, p: u32) -> u64 {
    let per_group = 1usize << p;
    if index < per_group {
        return index as u64;
    }
    let group = (index >> p) as u32;
    let within = (index & (per_group - 1)) as u64;
    let h = group + p - 1;
    ((1u64 << p) + within) << (h - p)
}

impl LogHistogram {
    /// A builder with the default settings (see [`LogHistogram`]).
    pub fn builder() -> LogHistogramBuilder {
        LogHistogramBuilder {
            p: 2,
            min_value: Duration::from_nanos(100),
            max_value: Duration::from_nanos(1 << 32),
        }
    }

    /// How many buckets the layout has.
    pub fn num_buckets(&self) -> usize {
        self.num_buckets
    }

    fn bucket_of(&self, nanos: u64) -> usize {
        h2_index(nanos, self.p)
            .saturating_sub(self.offset)
            .min(self.num_buckets - 1)
    }

    fn bucket_range(&self, bucket: usize) -> Range<u64> {
        let start = if bucket == 0 {
            0
        } else {
            h2_lower(bucket + self.offset, self.p)
        };
        let end = if bucket + 1 == self.num_buckets {
            u64::MAX
        } else {
            h2_lower(bucket + 1 + self.offset, self.p)
        };
        start..end
    }
}

impl Default for LogHistogram {
    fn default() -> LogHistogram {
        LogHistogram::builder()
            .max_buckets(usize::MAX)
            .expect("the default layout fits")
    }
}

impl From<LogHistogramBuilder> for LogHistogram {
    /// Builds it with no cap on the number of buckets.
    fn from(builder: LogHistogramBuilder) -> LogHistogram {
        builder
            .max_buckets(usize::MAX)
            .expect("no cap: every layout fits")
    }
}

impl LogHistogramBuilder {
    /// Buckets at most `max_error` of their lower bound wide (rounded to a power of two:
    /// 0.25 gives four buckets per power of two, 0.1 sixteen).
    ///
    /// # Panics
    /// Unless `0 < max_error < 1`.
    #[track_caller]
    pub fn max_error(self, max_error: f64) -> LogHistogramBuilder {
        assert!(
            max_error > 0.0 && max_error < 1.0,
            "max_error must be in (0, 1), got {max_error}"
        );
        let p = (1.0 / max_error).log2().ceil() as u32;
        self.precision_exact(p)
    }

    /// `2^p` buckets per power of two, so a bucket is at most `2^-p` of its lower bound wide.
    ///
    /// # Panics
    /// If `p` is over 10 (a thousand buckets per power of two).
    #[track_caller]
    pub fn precision_exact(mut self, p: u32) -> LogHistogramBuilder {
        assert!(p <= 10, "precision_exact: at most 10 bits, got {p}");
        self.p = p;
        self
    }

    /// Polls shorter than this all go to bucket 0.
    pub fn min_value(mut self, min_value: Duration) -> LogHistogramBuilder {
        self.min_value = min_value;
        self
    }

    /// Polls longer than this all go to the last bucket.
    pub fn max_value(mut self, max_value: Duration) -> LogHistogramBuilder {
        self.max_value = max_value;
        self
    }

    /// The layout, unless it would need more than `max_buckets` buckets.
    ///
    /// # Errors
    /// [`InvalidHistogramConfiguration`] if it would.
    pub fn max_buckets(
        self,
        max_buckets: usize,
    ) -> Result<LogHistogram, InvalidHistogramConfiguration> {
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let offset = h2_index(nanos(self.min_value), self.p);
        let last = h2_index(nanos(self.max_value), self.p).max(offset);
        let num_buckets = last - offset + 1;
        if num_buckets > max_buckets {
            return Err(InvalidHistogramConfiguration {
                required: num_buckets,
                max: max_buckets,
            });
        }
        Ok(LogHistogram {
            p: self.p,
            offset,
            num_buckets,
        })
    }
}

impl fmt::Display for InvalidHistogramConfiguration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the histogram needs {} buckets, more than the {} allowed",
            self.required, self.max
        )
    }
}

impl std::error::Error for InvalidHistogramConfiguration {}

impl Layout {
    pub(crate) fn num_buckets(&self) -> usize {
        match self {
            Layout::Linear { num_buckets, .. } => *num_buckets,
            Layout::Log(log) => log.num_buckets,
        }
    }

    /// The bucket a poll of `elapsed` falls in.
    pub(crate) fn bucket_of(&self, elapsed: Duration) -> usize {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        match self {
            Layout::Linear { width, num_buckets } => {
                usize::try_from(nanos / width).map_or(num_buckets - 1, |i| i.min(num_buckets - 1))
            }
            Layout::Log(log) => log.bucket_of(nanos),
        }
    }

    /// Bucket `bucket`'s range (`bucket < num_buckets()`).
    pub(crate) fn bucket_range(&self, bucket: usize) -> Range<Duration> {
        let nanos = match self {
            Layout::Linear { width, num_buckets } => {
                let start = width.saturating_mul(bucket as u64);
                let end = if bucket + 1 == *num_buckets {
                    u64::MAX
                } else {
                    start.saturating_add(*width)
                };
                start..end
            }
            Layout::Log(log) => log.bucket_range(bucket),
        };
        Duration::from_nanos(nanos.start)..Duration::from_nanos(nanos.end)
    }
}

#[cfg(test)]
mod tests;
