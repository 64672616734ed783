use super::*;

/// Walks every bucket of `layout`: contiguous ranges from zero to `u64::MAX` ns, each bucket's
/// first and last nanosecond mapped back to it.
fn check_layout(layout: &Layout) {
    let n = layout.num_buckets();
    assert!(n > 0);
    let mut expected_start = Duration::ZERO;
    for bucket in 0..n {
        let range = layout.bucket_range(bucket);
        assert_eq!(range.start, expected_start, "bucket {bucket} of {layout:?}");
        assert!(
            range.start < range.end,
            "bucket {bucket} of {layout:?} is empty"
        );
        assert_eq!(layout.bucket_of(range.start), bucket);
        assert_eq!(
            layout.bucket_of(range.end - Duration::from_nanos(1)),
            bucket
        );
        expected_start = range.end;
    }
    assert_eq!(expected_start, Duration::from_nanos(u64::MAX));
    assert_eq!(layout.bucket_of(Duration::MAX), n - 1);
}

#[test]
fn linear_buckets_are_one_width_and_the_last_takes_the_rest() {
    let layout = HistogramConfiguration::default().layout;
    assert_eq!(
        layout,
        Layout::Linear {
            width: 100_000,
            num_buckets: 10
        }
    );
    check_layout(&layout);
    assert_eq!(
        layout.bucket_range(0),
        Duration::ZERO..Duration::from_micros(100)
    );
    assert_eq!(
        layout.bucket_range(9),
        Duration::from_micros(900)..Duration::from_nanos(u64::MAX)
    );
    assert_eq!(layout.bucket_of(Duration::from_nanos(99_999)), 0);
    assert_eq!(layout.bucket_of(Duration::from_micros(100)), 1);
    assert_eq!(layout.bucket_of(Duration::from_secs(5)), 9);
    check_layout(&HistogramConfiguration::linear(Duration::from_nanos(1), 1).layout);
    check_layout(&HistogramConfiguration::linear(Duration::from_nanos(7), 300).layout);
}

#[test]
fn the_default_log_layout_spans_100_ns_to_2_pow_32_ns_within_25_percent() {
    let log = LogHistogram::default();
    // 100 ns has H2 index 22 (64..128 cut in four: 96..112), 2^32 ns index 124.
    assert_eq!(log.num_buckets(), 103);
    let layout = HistogramConfiguration::log(log).layout;
    check_layout(&layout);
    assert_eq!(
        layout.bucket_range(0),
        Duration::ZERO..Duration::from_nanos(112)
    );
    assert_eq!(layout.bucket_of(Duration::from_nanos(100)), 0);
    assert_eq!(layout.bucket_of(Duration::from_nanos(112)), 1);
    assert_eq!(
        layout.bucket_range(102).start,
        Duration::from_nanos(1 << 32),
        "the last bucket starts at the maximum value"
    );
    // Inner buckets are at most a quarter of their lower bound wide.
    for bucket in 1..102 {
        let range = layout.bucket_range(bucket);
        assert!(
            (range.end - range.start) * 4 <= range.start,
            "bucket {bucket}: {range:?}"
        );
    }
}

#[test]
fn precision_min_and_max_shape_the_log_layout() {
    // max_error rounds up to a power of two: 0.1 -> 16 buckets per power of two.
    let fine = LogHistogram::builder()
        .max_error(0.1)
        .min_value(Duration::from_micros(1))
        .max_value(Duration::from_millis(1));
    let fine = fine.max_buckets(1000).unwrap();
    check_layout(&HistogramConfiguration::log(fine).layout);
    // 1 µs .. 1 ms is ten powers of two (2^10 .. 2^20 ns, roughly): about 16 buckets each.
    assert!(
        (150..=180).contains(&fine.num_buckets()),
        "{}",
        fine.num_buckets()
    );
    // p = 0: one bucket per power of two, from 1 ns: 2^0, 2^1, ..., 2^10.
    let coarse = LogHistogram::builder()
        .precision_exact(0)
        .min_value(Duration::from_nanos(1))
        .max_value(Duration::from_nanos(1024));
    let coarse: LogHistogram = coarse.into();
    let layout = HistogramConfiguration::log(coarse).layout;
    check_layout(&layout);
    assert_eq!(coarse.num_buckets(), 11);
    assert_eq!(
        layout.bucket_range(0),
        Duration::ZERO..Duration::from_nanos(2)
    );
    assert_eq!(
        layout.bucket_range(1),
        Duration::from_nanos(2)..Duration::from_nanos(4)
    );
    // A maximum below the minimum still leaves one bucket, which takes everything.
    let one = LogHistogram::builder()
        .min_value(Duration::from_secs(1))
        .max_value(Duration::from_nanos(5));
    let one: LogHistogram = one.into();
    assert_eq!(one.num_buckets(), 1);
    check_layout(&HistogramConfiguration::log(one).layout);
}

#[test]
fn too_many_buckets_is_an_error_that_says_how_many() {
    let builder = LogHistogram::builder().precision_exact(10);
    let error = builder.max_buckets(100).unwrap_err();
    assert!(error.required > 100);
    assert_eq!(
        error.to_string(),
        format!(
            "the histogram needs {} buckets, more than the 100 allowed",
            error.required
        )
    );
    assert_eq!(
        builder.max_buckets(error.required).unwrap().num_buckets(),
        error.required
    );
}

#[test]
#[should_panic(expected = "a histogram needs at least one bucket")]
fn a_linear_histogram_without_buckets_is_refused() {
    let _ = HistogramConfiguration::linear(Duration::from_micros(1), 0);
}

#[test]
#[should_panic(expected = "max_error must be in (0, 1)")]
fn a_log_histogram_with_an_error_of_one_is_refused() {
    let _ = LogHistogram::builder().max_error(1.0);
}
