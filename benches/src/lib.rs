//! Shared helpers of the head-to-head benchmarks.
