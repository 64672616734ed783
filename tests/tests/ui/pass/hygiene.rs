//! The expansion names everything by absolute path and leaks no lints into user code: local
//! items named like the ones it uses change nothing, and strict lints stay quiet.

#![no_implicit_prelude]
#![deny(unused_qualifications, unused_imports, unreachable_code, warnings)]

extern crate std;

use ::weft::runtime::Builder;

/// Shadows `::core` only for relative paths: the expansion writes `::core`.
mod core {}

/// Shadows the futures-related names the expansion uses.
#[allow(dead_code)]
struct Pin;
#[allow(dead_code)]
trait Future {}

#[::weft::main(flavor = "current_thread")]
async fn main() {
    let body = 1;
    let _: fn() -> Builder = Builder::new_current_thread;
    let task = ::weft::spawn(async move { body + 1 });
    ::std::assert_eq!(task.await.unwrap(), 2);
    return;
}

#[::weft::test]
async fn a_test() -> ::std::result::Result<(), ::std::string::String> {
    ::std::result::Result::Ok(())
}
