//! `#[weft::main]`/`#[weft::test]` with `crate = "..."`: a program that reaches weft under
//! another name (a renamed dependency, a re-export) names it for the generated code.

// `weft` as this crate's own item hides nothing from `::weft`, but makes any relative
// `weft::...` path in the expansion fail to resolve.
#[allow(unused_imports)]
use std as weft;

use ::weft as renamed;

mod reexport {
    pub use ::weft;
}

async fn spawned_one() -> usize {
    renamed::spawn(async { 1 }).await.unwrap()
}

#[renamed::main(crate = "renamed", flavor = "current_thread")]
async fn main_on_renamed() -> usize {
    spawned_one().await
}

#[test]
fn main_runs_on_the_renamed_crate() {
    assert_eq!(main_on_renamed(), 1);
}

#[renamed::test(crate = "renamed")]
async fn test_on_the_renamed_crate() {
    assert_eq!(spawned_one().await, 1);
}

#[reexport::weft::test(crate = "reexport::weft", flavor = "multi_thread", worker_threads = 2)]
async fn test_through_a_reexport_path() {
    let off_this_thread = renamed::spawn(async { std::thread::current().id() });
    assert_ne!(off_this_thread.await.unwrap(), std::thread::current().id());
}
