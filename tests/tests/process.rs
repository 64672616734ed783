//! weft::process as a ported tokio program uses it: output, status, piped stdio, kill,
//! kill_on_drop, waiting across runtimes, and many children at once on both flavors.

mod common;

use std::process::Stdio;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::process::Command;
use weft::runtime::{Builder, Runtime};

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn output_captures_stdout_stderr_and_the_exit_code() {
    common::guard(|| {
        // `output` spawns at the call (as tokio's), so inside the runtime.
        let output = current_thread()
            .block_on(async {
                Command::new("sh")
                    .args(["-c", "echo out; echo err >&2; exit 4"])
                    .output()
                    .await
            })
            .unwrap();
        assert_eq!(output.status.code(), Some(4));
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"err\n");
    });
}

#[test]
fn output_gives_the_child_a_null_stdin_unless_one_is_set() {
    common::guard(|| {
        current_thread().block_on(async {
            // `cat` of a null stdin ends at once with nothing.
            let output = Command::new("cat").output().await.unwrap();
            assert!(output.status.success());
            assert_eq!(output.stdout, b"");
        });
    });
}

#[test]
fn environment_directory_and_argv0_reach_the_child() {
    common::guard(|| {
        current_thread().block_on(async {
            let output = Command::new("sh")
                .arg0("renamed")
                .args(["-c", "echo $0 $WEFT_A $WEFT_B ${WEFT_C:-unset}; pwd"])
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap())
                .envs([("WEFT_A", "a"), ("WEFT_B", "b")])
                .env("WEFT_C", "c")
                .env_remove("WEFT_C")
                .current_dir("/")
                .output()
                .await
                .unwrap();
            assert_eq!(
                String::from_utf8(output.stdout).unwrap(),
                "renamed a b unset\n/\n"
            );
        });
    });
}

#[test]
fn status_waits_without_holding_the_pipes() {
    common::guard(|| {
        current_thread().block_on(async {
            // Reads its piped stdin to the end: `status` must not hold the pipe open.
            let status = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .status()
                .await
                .unwrap();
            assert!(status.success());
        });
    });
}

#[test]
fn status_and_output_spawn_at_the_call_and_borrow_nothing_of_the_builder() {
    common::guard(|| {
        current_thread().block_on(async {
            let (mut reader, writer) = std::os::unix::net::UnixStream::pair().unwrap();
            let writer = Stdio::from(std::os::fd::OwnedFd::from(writer));
            // The builder is a temporary: the futures outlive it (tokio's semantics).
            let status = Command::new("sh")
                .args(["-c", "echo spawned"])
                .stdout(writer)
                .status();
            let output = Command::new("sh").args(["-c", "echo two"]).output();
            // Spawned already: the line arrives before the future is first polled.
            let mut line = [0; 8];
            std::io::Read::read_exact(&mut reader, &mut line).unwrap();
            assert_eq!(&line, b"spawned\n");
            assert!(status.await.unwrap().success());
            assert_eq!(output.await.unwrap().stdout, b"two\n");
        });
    });
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn status_outside_a_runtime_panics_at_the_call() {
    drop(Command::new("true").status());
}

#[test]
fn piped_stdin_and_stdout_carry_a_round_trip_on_both_flavors() {
    common::guard(|| {
        for runtime in [current_thread(), multi_thread()] {
            runtime.block_on(async {
                let mut child = Command::new("tr")
                    .args(["a-z", "A-Z"])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut stdin = child.stdin.take().unwrap();
                let mut stdout = child.stdout.take().unwrap();
                // More than a pipe holds (64 KiB), written while the reader runs.
                let input: Vec<u8> = b"weft".iter().copied().cycle().take(256 * 1024).collect();
                let writer = weft::spawn(async move {
                    stdin.write_all(&input).await.unwrap();
                    input.len()
                });
                let mut output = Vec::new();
                stdout.read_to_end(&mut output).await.unwrap();
                assert_eq!(writer.await.unwrap(), 256 * 1024);
                assert_eq!(output.len(), 256 * 1024);
                assert!(output.chunks(4).all(|chunk| chunk == b"WEFT"));
                assert!(child.wait().await.unwrap().success());
            });
        }
    });
}

#[test]
fn wait_is_fused_and_the_id_is_gone_once_reaped() {
    common::guard(|| {
        current_thread().block_on(async {
            let mut child = Command::new("sh").args(["-c", "exit 2"]).spawn().unwrap();
            assert!(child.id().unwrap() > 0);
            assert_eq!(child.wait().await.unwrap().code(), Some(2));
            assert_eq!(child.wait().await.unwrap().code(), Some(2));
            assert_eq!(child.try_wait().unwrap().unwrap().code(), Some(2));
            assert_eq!(child.id(), None);
            // Killing an exited child is fine, as in tokio.
            child.start_kill().unwrap();
            child.kill().await.unwrap();
        });
    });
}

#[test]
fn try_wait_says_running_then_kill_reaps() {
    common::guard(|| {
        current_thread().block_on(async {
            let mut child = Command::new("sleep").arg("60").spawn().unwrap();
            assert_eq!(child.try_wait().unwrap(), None);
            child.kill().await.unwrap();
            let status = child.wait().await.unwrap();
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(libc::SIGKILL));
        });
    });
}

#[test]
fn a_writer_blocked_on_a_full_pipe_fails_once_the_child_is_killed() {
    common::guard(|| {
        current_thread().block_on(async {
            let mut child = Command::new("sleep")
                .arg("60")
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let (full, is_full) = weft::sync::oneshot::channel();
            let writer = weft::spawn(async move {
                let chunk = [0u8; 8192];
                let mut full = Some(full);
                loop {
                    // A write that does not complete at once means the pipe is full.
                    let write = stdin.write_all(&chunk);
                    let written = weft::select! {
                        biased;
                        result = write => Some(result),
                        () = std::future::ready(()) => None,
                    };
                    match written {
                        Some(Ok(())) => continue,
                        Some(Err(error)) => return error.kind(),
                        None => {
                            if let Some(full) = full.take() {
                                let _ = full.send(());
                            }
                            if let Err(error) = stdin.write_all(&chunk).await {
                                return error.kind();
                            }
                        }
                    }
                }
            });
            is_full.await.unwrap();
            child.kill().await.unwrap();
            assert_eq!(writer.await.unwrap(), std::io::ErrorKind::BrokenPipe);
        });
    });
}

#[test]
fn kill_on_drop_kills_the_child_but_not_what_it_handed_its_pipe_to() {
    common::guard(|| {
        current_thread().block_on(async {
            // The child starts a grandchild that keeps the stdout pipe, tells us so, then
            // becomes `sleep` to wait to be killed. The grandchild writes once its parent is
            // gone, which needs it killed *and* reaped (`kill -0` succeeds on a zombie): the
            // orphan reaper must do that while this task waits on the pipe.
            let mut child = Command::new("sh")
                .args([
                    "-c",
                    "(while kill -0 $$ 2>/dev/null; do sleep 0.01; done; echo grandchild) & \
                     echo started; exec sleep 60",
                ])
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let mut started = [0u8; 8];
            stdout.read_exact(&mut started).await.unwrap();
            assert_eq!(&started, b"started\n");
            drop(child);
            let mut rest = String::new();
            stdout.read_to_string(&mut rest).await.unwrap();
            assert_eq!(rest, "grandchild\n");
        });
    });
}

#[test]
fn a_child_spawned_in_one_runtime_is_awaited_in_another() {
    common::guard(|| {
        let mut child = multi_thread().block_on(async {
            Command::new("sh")
                .args(["-c", "exit 6"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        });
        // The first runtime is gone; the wait moves to this one.
        let status = current_thread().block_on(child.wait()).unwrap();
        assert_eq!(status.code(), Some(6));
    });
}

#[test]
fn a_hundred_children_in_ten_tasks_all_exit_with_their_own_codes() {
    common::guard(|| {
        let codes = multi_thread().block_on(async {
            let tasks: Vec<_> = (0..10)
                .map(|task| {
                    weft::spawn(async move {
                        let mut children: Vec<_> = (0..10)
                            .map(|i| {
                                Command::new("sh")
                                    .args(["-c", &format!("exit {}", task * 10 + i)])
                                    .kill_on_drop(true)
                                    .spawn()
                                    .unwrap()
                            })
                            .collect();
                        let mut codes = Vec::new();
                        for child in &mut children {
                            codes.push(child.wait().await.unwrap().code().unwrap());
                        }
                        codes
                    })
                })
                .collect();
            let mut codes = Vec::new();
            for task in tasks {
                codes.extend(task.await.unwrap());
            }
            codes
        });
        assert_eq!(codes, (0..100).collect::<Vec<_>>());
    });
}

#[test]
fn a_missing_program_is_not_found() {
    common::guard(|| {
        current_thread().block_on(async {
            let error = Command::new("weft-no-such-program").spawn().unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
            let error = Command::new("weft-no-such-program")
                .output()
                .await
                .unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        });
    });
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn spawning_outside_a_runtime_panics() {
    let _ = Command::new("true").spawn();
}

#[test]
fn one_child_s_stdout_becomes_the_next_one_s_stdin() {
    common::guard(|| {
        current_thread().block_on(async {
            let mut first = Command::new("echo")
                .arg("piped along")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let pipe: Stdio = first.stdout.take().unwrap().try_into().unwrap();
            let output = Command::new("tr")
                .args(["a-z", "A-Z"])
                .stdin(pipe)
                .output()
                .await
                .unwrap();
            assert!(first.wait().await.unwrap().success());
            assert_eq!(output.stdout, b"PIPED ALONG\n");
        });
    });
}

#[test]
fn a_read_that_found_the_pipe_empty_is_woken_by_the_next_chunk_while_the_child_lives() {
    common::guard(|| {
        current_thread().block_on(async {
            let mut child = Command::new("sh")
                .args([
                    "-c",
                    "printf 'one\\n'; read gate; printf 'two\\n'; read gate",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let mut chunk = [0u8; 4];
            stdout.read_exact(&mut chunk).await.unwrap();
            assert_eq!(&chunk, b"one\n");
            // The child waits for us: a read now finds nothing (polled once, then dropped).
            let mut byte = [0u8; 1];
            let early = weft::select! {
                biased;
                read = stdout.read(&mut byte) => Some(read),
                () = std::future::ready(()) => None,
            };
            assert!(early.is_none(), "read {early:?} before the child wrote");
            stdin.write_all(b"go\n").await.unwrap();
            stdout.read_exact(&mut chunk).await.unwrap();
            assert_eq!(&chunk, b"two\n");
            stdin.write_all(b"go\n").await.unwrap();
            assert_eq!(stdout.read(&mut chunk).await.unwrap(), 0);
            assert!(child.wait().await.unwrap().success());
        });
    });
}
