//! `#[weft::main]` and `#[weft::test]` as a user writes them, on the real runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use weft::task::JoinError;

#[weft::test]
async fn current_thread_spawns_and_awaits() {
    let handle = weft::spawn(async { 6 * 7 });
    assert_eq!(handle.await.unwrap(), 42);
}

#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_spawns_and_awaits() {
    let hits = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let hits = Arc::clone(&hits);
            weft::spawn(async move {
                hits.fetch_add(1, Ordering::SeqCst);
                i
            })
        })
        .collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.unwrap();
    }
    assert_eq!(sum, (0..16).sum::<i32>());
    assert_eq!(hits.load(Ordering::SeqCst), 16);
}

#[weft::test(flavor = "multi_thread")]
async fn multi_thread_with_default_workers() {
    assert!(weft::spawn(async { true }).await.unwrap());
}

#[weft::test]
async fn returns_ok_through_question_mark() -> Result<(), JoinError> {
    let value = weft::spawn(async { "done" }).await?;
    assert_eq!(value, "done");
    Ok(())
}

#[weft::test]
async fn early_return_leaves_the_body() -> Result<(), String> {
    if weft::spawn(async { 1 }).await.unwrap() == 1 {
        return Ok(());
    }
    Err("unreachable".into())
}

#[weft::test]
#[should_panic(expected = "boom")]
async fn should_panic_is_kept() {
    weft::spawn(async {}).await.unwrap();
    panic!("boom");
}

#[weft::test]
#[ignore = "checks that #[ignore] is kept on the generated test"]
async fn ignore_is_kept() {
    panic!("an ignored test must not run");
}

/// `#[weft::main]` on a function not named `main`: a sync fn that runs its body on a new
/// runtime, taking its arguments by move.
#[weft::main(worker_threads = 2)]
async fn add_on_a_runtime(a: u32, b: u32) -> u32 {
    weft::spawn(async move { a + b }).await.unwrap()
}

#[weft::main(flavor = "current_thread")]
async fn current_thread_main() -> Result<u32, JoinError> {
    weft::spawn(async { 7 }).await
}

#[test]
fn main_attribute_on_a_helper() {
    assert_eq!(add_on_a_runtime(40, 2), 42);
    assert_eq!(current_thread_main().unwrap(), 7);
}

/// `#[weft::main]` on a real `fn main`, built and run by trybuild.
#[test]
fn main_attribute_on_main() {
    trybuild::TestCases::new().pass("tests/ui/pass/*.rs");
}
