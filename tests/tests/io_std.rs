//! weft::io::{stdin, stdout, stderr} on the real standard streams: this test binary runs
//! itself as a child process (the ignored test below), with its streams piped.

mod common;

use std::process::Stdio;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::process::Command;

/// The child: reads stdin to the end, writes it upper-cased to stdout between markers (the
/// test harness prints its own lines around them), and its length to stderr.
#[weft::test]
#[ignore = "the child half of stdio_round_trip_through_a_child_process, run by it"]
async fn stdio_child() {
    let mut input = Vec::new();
    weft::io::stdin().read_to_end(&mut input).await.unwrap();
    let mut out = weft::io::stdout();
    out.write_all(b"<<<").await.unwrap();
    out.write_all(&input.to_ascii_uppercase()).await.unwrap();
    out.write_all(b">>>").await.unwrap();
    out.flush().await.unwrap();
    let mut err = weft::io::stderr();
    err.write_all(format!("<<<{}>>>", input.len()).as_bytes())
        .await
        .unwrap();
    err.flush().await.unwrap();
}

fn between_markers(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let start = text.find("<<<").expect("opening marker") + 3;
    let end = text.find(">>>").expect("closing marker");
    text[start..end].to_string()
}

#[test]
fn stdio_round_trip_through_a_child_process() {
    common::guard(|| {
        let runtime = weft::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args(["--ignored", "--exact", "stdio_child", "--nocapture"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            // More than one blocking read's worth for a pipe (64 KiB), in two writes.
            let mut input = b"hello\nworld\n".repeat(10_000);
            stdin.write_all(&input[..60_000]).await.unwrap();
            stdin.write_all(&input[60_000..]).await.unwrap();
            drop(stdin);
            let output = child.wait_with_output().await.unwrap();
            assert!(output.status.success(), "{output:?}");
            input.make_ascii_uppercase();
            assert_eq!(between_markers(&output.stdout).as_bytes(), &input[..]);
            assert_eq!(between_markers(&output.stderr), "120000");
        });
    });
}

/// After its runtime has shut down, a write to stdout or stderr fails at once with the
/// runtime-shutdown error (the blocking pool takes no job), as tokio's does, on both flavors.
#[test]
fn a_write_after_the_runtime_shut_down_fails_with_the_shutdown_error() {
    use weft::io::AsyncWriteExt;
    for rt in [
        weft::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
        weft::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
    ] {
        let handle = rt.handle().clone();
        let _inside = rt.enter();
        rt.shutdown_timeout(std::time::Duration::from_secs(60));
        let error = handle
            .block_on(async { weft::io::stdout().write_all(b"x").await })
            .unwrap_err();
        assert!(weft::runtime::is_rt_shutdown_err(&error), "{error}");
        let error = handle
            .block_on(async { weft::io::stderr().write_all(b"x").await })
            .unwrap_err();
        assert!(weft::runtime::is_rt_shutdown_err(&error), "{error}");
    }
}
