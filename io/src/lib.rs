//! The I/O driver of weft.
//!
//! This crate will hold the reactor (on `polling`) and the socket types; it is filled in by the
//! I/O work (issue 3). Until then it is an empty crate so that the workspace layout and the
//! dependency direction (`weft` depends on `weft-io`, never the reverse) are fixed from day one.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]
