//! Integration tests of weft live in `tests/`; this crate has no code of its own.
