//! Unit tests of the process module: both exit watches (pidfd and the SIGCHLD fallback), the
//! orphan reaper, and `Serial`'s re-entrant request.

use super::serial::Serial;
use super::Command;
use crate::Reactor;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn reactor() -> Arc<Reactor> {
    Arc::new(Reactor::new().unwrap())
}

/// Turns `reactor` until `done` holds; panics after 20 s.
fn turn_until(reactor: &Reactor, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting");
        reactor.turn(Some(Duration::from_millis(50))).unwrap();
    }
}

/// Whether `pid` names no process at all (not even a zombie): it was reaped.
fn reaped(pid: u32) -> bool {
    let pid = libc::pid_t::try_from(pid).unwrap();
    // SAFETY: kill with signal 0 only checks that the process exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

#[test]
fn a_request_made_from_inside_a_poll_is_run_by_that_poll_s_caller_afterwards() {
    let serial = Serial::new(0usize);
    let mut requested = false;
    let done = serial.run(|polls| -> Option<()> {
        *polls += 1;
        if !requested {
            requested = true;
            // The same thread holds the lock: deferred, no deadlock.
            assert_eq!(serial.run(|_| Some(())), None);
        }
        None
    });
    assert_eq!(done, None);
    assert_eq!(serial.run(|polls| Some(*polls)), Some(2));
}

#[test]
#[cfg_attr(miri, ignore)] // fork/exec, pidfd, epoll
fn exit_codes_through_the_pidfd_and_through_sigchld() {
    let reactor = reactor();
    let codes = reactor
        .block_on(async {
            let mut codes = Vec::new();
            for sigchld_only in [false, true] {
                for code in [0, 3] {
                    let mut command = Command::new("sh");
                    command.args(["-c", &format!("exit {code}")]);
                    if sigchld_only {
                        command.sigchld_only();
                    }
                    let mut child = command.spawn()?;
                    let id = child.id().unwrap();
                    let status = child.wait().await?;
                    assert_eq!(child.id(), None);
                    assert!(reaped(id));
                    codes.push(status.code().unwrap());
                }
            }
            std::io::Result::Ok(codes)
        })
        .unwrap()
        .unwrap();
    assert_eq!(codes, [0, 3, 0, 3]);
}

#[test]
#[cfg_attr(miri, ignore)] // fork/exec, pidfd, epoll
fn many_children_exiting_together_each_wake_their_own_waiter() {
    let reactor = reactor();
    let statuses = reactor
        .block_on(async {
            let mut children = Vec::new();
            for i in 0..12 {
                let mut command = Command::new("sh");
                command.args(["-c", &format!("exit {i}")]);
                if i % 2 == 1 {
                    command.sigchld_only();
                }
                children.push(command.spawn()?);
            }
            let mut codes = Vec::new();
            for child in &mut children {
                codes.push(child.wait().await?.code().unwrap());
            }
            std::io::Result::Ok(codes)
        })
        .unwrap()
        .unwrap();
    assert_eq!(statuses, (0..12).collect::<Vec<_>>());
}

#[test]
#[cfg_attr(miri, ignore)] // fork/exec, pidfd, epoll
fn a_dropped_child_is_killed_with_kill_on_drop_and_reaped_by_the_reactor() {
    let reactor = reactor();
    let _entered = reactor.enter();
    for sigchld_only in [false, true] {
        let mut command = Command::new("sleep");
        command.arg("60").kill_on_drop(true);
        if sigchld_only {
            command.sigchld_only();
        }
        let child = command.spawn().unwrap();
        let id = child.id().unwrap();
        drop(child);
        turn_until(&reactor, || !super::orphan::is_listed(id));
        assert!(reaped(id), "child {id} left a zombie");
    }
}

#[test]
#[cfg_attr(miri, ignore)] // fork/exec, pidfd, epoll
fn a_dropped_child_without_kill_on_drop_runs_to_its_end_and_is_reaped() {
    let reactor = reactor();
    let _entered = reactor.enter();
    let mut child = Command::new("sh")
        .args(["-c", "read line; echo \"got $line\""])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id().unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    drop(child);
    assert!(
        super::orphan::is_listed(id),
        "still running: waiting for its input"
    );
    let reply = reactor
        .block_on(async move {
            use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
            let (mut stdin, mut stdout) = (stdin, stdout);
            stdin.write_all(b"it\n").await?;
            drop(stdin);
            let mut reply = String::new();
            stdout.read_to_string(&mut reply).await?;
            std::io::Result::Ok(reply)
        })
        .unwrap()
        .unwrap();
    assert_eq!(reply, "got it\n");
    turn_until(&reactor, || !super::orphan::is_listed(id));
    assert!(reaped(id));
}

#[test]
#[cfg_attr(miri, ignore)] // fork/exec, pidfd, epoll
fn a_child_spawned_on_a_reactor_that_shut_down_is_awaited_on_another() {
    for sigchld_only in [false, true] {
        let first = reactor();
        let mut child = {
            let _entered = first.enter();
            let mut command = Command::new("sh");
            command.args(["-c", "exit 5"]);
            if sigchld_only {
                command.sigchld_only();
            }
            command.spawn().unwrap()
        };
        first.shutdown();
        let second = reactor();
        let status = second.block_on(child.wait()).unwrap().unwrap();
        assert_eq!(status.code(), Some(5));
    }
}

#[test]
#[cfg_attr(miri, ignore)] // fork/exec
fn a_program_that_does_not_exist_is_not_found_and_leaves_nothing_registered() {
    let reactor = reactor();
    let _entered = reactor.enter();
    let error = Command::new("/nonexistent/weft-test-program")
        .spawn()
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(reactor.sources(), 0);
}

#[test]
#[cfg_attr(miri, ignore)] // fork/exec, pidfd, epoll
fn an_orphan_whose_reactor_shut_down_is_reaped_by_a_later_spawn_elsewhere() {
    let first = reactor();
    let id = {
        let _entered = first.enter();
        let child = Command::new("sh")
            .args(["-c", "read line"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let id = child.id().unwrap();
        drop(child); // its stdin closes with it: it exits soon, unwatched once `first` is gone
        id
    };
    first.shutdown();
    drop(first);
    // Wait (without reaping) until it is a zombie, so the sweep below finds it exited.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(format!("/proc/{id}/stat"))
        .is_ok_and(|stat| !stat.contains(") Z "))
    {
        assert!(Instant::now() < deadline, "child {id} did not exit");
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = reactor();
    let _entered = second.enter();
    // Whatever the first reactor's last turn did, a spawn on the second sweeps it up.
    let mut other = Command::new("true").spawn().unwrap();
    assert!(!super::orphan::is_listed(id));
    assert!(reaped(id));
    second.block_on(other.wait()).unwrap().unwrap();
}
