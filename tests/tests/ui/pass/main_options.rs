//! `#[weft::main]` with both options, on a multi-thread and a current-thread runtime.

#[weft::main(flavor = "multi_thread", worker_threads = 3)]
async fn on_three_workers() -> usize {
    let handles: Vec<_> = (0..8).map(|i| weft::spawn(async move { i })).collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.unwrap();
    }
    sum
}

#[weft::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(weft::spawn(async { 1 }).await.unwrap(), 1);
    // A `#[weft::main]` helper cannot be called from inside a runtime; run it on a plain thread.
    let sum = std::thread::spawn(on_three_workers).join().unwrap();
    assert_eq!(sum, 28);
}
