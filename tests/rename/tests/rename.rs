//! A tokio program and tokio-style tests that reach weft through `tokio = { package = "weft" }`
//! alone: `#[tokio::main]` and `#[tokio::test]` expand to `::tokio::...` because weft's
//! attributes read the calling crate's manifest for the name it gave weft (no `crate = "..."`).

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::process::Command;
use std::time::Duration;

#[test]
#[cfg_attr(miri, ignore)] // runs a process that opens sockets
fn the_unchanged_tokio_program_runs_on_weft() {
    let output = Command::new(env!("CARGO_BIN_EXE_weft-tests-rename"))
        .output()
        .expect("the program starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the program failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["echoed 4 of 4", "summed 55", "select: ready first"]
    );
}

#[tokio::test]
async fn a_tokio_test_runs_on_a_current_thread_weft_runtime() {
    let flavor = tokio::runtime::Handle::current().runtime_flavor();
    assert_eq!(flavor, tokio::runtime::RuntimeFlavor::CurrentThread);
    let answer = tokio::spawn(async { 6 * 7 }).await.expect("task ran");
    assert_eq!(answer, 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_thread_tokio_test_gets_its_workers() {
    let metrics = tokio::runtime::Handle::current().metrics();
    assert_eq!(metrics.num_workers(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_paused_test_clock_works_through_the_rename() {
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
}
