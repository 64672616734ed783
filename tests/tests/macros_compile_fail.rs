//! Misuse of `#[weft::main]` and `#[weft::test]` is a clear, well-placed compile error.
//!
//! Each `ui/*.rs` is compiled and must fail with exactly the committed `ui/*.stderr`.
//! Regenerate them with `TRYBUILD=overwrite cargo test -p weft-tests --test macros_compile_fail`
//! and read the diff.

#[test]
fn compile_fail() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
