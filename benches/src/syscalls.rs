//! Counting the system calls of another process (a server under load) over a window, with
//! `perf` when it can read the syscall tracepoint, else with `strace`.
//!
//! - **perf** ([`Tool::Perf`]): `perf stat -e raw_syscalls:sys_enter -p PID`, started with its
//!   counters disabled and driven through `--control` pipes, so that they count exactly between
//!   [`Counter::enable`] and [`Counter::disable`] (each acknowledged by perf before it returns).
//!   The kernel counts every call of every thread of the process, at the cost of a tracepoint
//!   per call.
//! - **strace** ([`Tool::Strace`]): `strace -c -f -p PID`, which counts from the moment it has
//!   attached to every thread ([`Counter::attach`] waits for that) until it is interrupted
//!   ([`Counter::disable`]). Every call then stops the traced thread twice, so the server runs
//!   several times slower while counted: the calls per request stay meaningful, its speed does
//!   not.
//!
//! Either way the counted window is one of its own (see the `compare` binary): the tracer's
//! cost never touches the throughput, CPU and latency figures.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Stdio};

use rustix::io::{fcntl_setfd, FdFlags};
use rustix::pipe::{pipe_with, PipeFlags};
use rustix::process::{kill_process, Pid, Signal};

/// A tool that counts another process's system calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `perf stat -e raw_syscalls:sys_enter`.
    Perf,
    /// `strace -c -f`.
    Strace,
}

impl Tool {
    /// `perf` or `strace`.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Perf => "perf",
            Tool::Strace => "strace",
        }
    }

    /// Whether the tool works here for this user: a short run of it on `true` succeeds (and,
    /// for perf, counts).
    pub fn works(self) -> bool {
        let out = match self {
            Tool::Perf => Command::new("perf")
                .args([
                    "stat",
                    "-x",
                    ",",
                    "-e",
                    "raw_syscalls:sys_enter",
                    "--",
                    "true",
                ])
                .output(),
            Tool::Strace => Command::new("strace")
                .args(["-c", "-o", "/dev/null", "true"])
                .output(),
        };
        match (self, out) {
            (Tool::Perf, Ok(o)) => {
                o.status.success() && perf_count(&String::from_utf8_lossy(&o.stderr)).is_some()
            }
            (Tool::Strace, Ok(o)) => o.status.success(),
            (_, Err(_)) => false,
        }
    }

    /// The first tool that [`works`](Self::works), perf first.
    pub fn detect() -> Option<Tool> {
        [Tool::Perf, Tool::Strace].into_iter().find(|t| t.works())
    }
}

/// A tool attached to a process (see the module docs for how each counts).
#[derive(Debug)]
pub struct Counter {
    tool: Tool,
    child: Child,
    stderr: Option<ChildStderr>,
    /// perf's control and acknowledgement pipes (our ends).
    control: Option<(File, BufReader<File>)>,
    /// strace's summary file.
    summary: Option<PathBuf>,
}

impl Counter {
    /// Attaches `tool` to every thread of process `pid`, counting nothing yet (perf) or from
    /// now on (strace).
    ///
    /// # Errors
    ///
    /// When the tool cannot be started or does not attach.
    pub fn attach(tool: Tool, pid: u32) -> io::Result<Counter> {
        match tool {
            Tool::Perf => Self::attach_perf(pid),
            Tool::Strace => Self::attach_strace(pid),
        }
    }

    fn attach_perf(pid: u32) -> io::Result<Counter> {
        // Close-on-exec everywhere but on perf's two ends, and those only for the spawn.
        let (ctl_read, ctl_write) = pipe_with(PipeFlags::CLOEXEC)?;
        let (ack_read, ack_write) = pipe_with(PipeFlags::CLOEXEC)?;
        let inherit = |fd: &OwnedFd| fcntl_setfd(fd, FdFlags::empty());
        inherit(&ctl_read)?;
        inherit(&ack_write)?;
        let control = format!("fd:{},{}", raw(&ctl_read), raw(&ack_write));
        let child = Command::new("perf")
            .args([
                "stat",
                "-x",
                ",",
                "-e",
                "raw_syscalls:sys_enter",
                "-D",
                "-1",
                "--control",
            ])
            .arg(control)
            .args(["-p", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        drop((ctl_read, ack_write));
        let mut child = child?;
        let stderr = child.stderr.take();
        Ok(Counter {
            tool: Tool::Perf,
            child,
            stderr,
            control: Some((File::from(ctl_write), BufReader::new(File::from(ack_read)))),
            summary: None,
        })
    }

    fn attach_strace(pid: u32) -> io::Result<Counter> {
        let summary =
            std::env::temp_dir().join(format!("weft-compare-strace-{}-{pid}", std::process::id()));
        let mut child = Command::new("strace")
            .args(["-c", "-f", "-o"])
            .arg(&summary)
            .args(["-p", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        // "strace: Process N attached with T threads" once every thread is attached.
        let mut line = String::new();
        loop {
            line.clear();
            if stderr.read_line(&mut line)? == 0 {
                let _ = child.wait();
                return Err(io::Error::other(format!(
                    "strace did not attach to process {pid}"
                )));
            }
            if line.contains("attached") {
                break;
            }
        }
        Ok(Counter {
            tool: Tool::Strace,
            child,
            stderr: Some(stderr.into_inner()),
            control: None,
            summary: Some(summary),
        })
    }

    /// The tool.
    pub fn tool(&self) -> Tool {
        self.tool
    }

    /// Starts counting (perf; strace counts from [`attach`](Self::attach)).
    ///
    /// # Errors
    ///
    /// When perf does not acknowledge.
    pub fn enable(&mut self) -> io::Result<()> {
        self.command("enable")
    }

    /// Stops counting (perf: disables the counters; strace: detaches).
    ///
    /// # Errors
    ///
    /// When perf does not acknowledge, or strace cannot be signalled.
    pub fn disable(&mut self) -> io::Result<()> {
        match self.tool {
            Tool::Perf => self.command("disable"),
            Tool::Strace => self.interrupt(),
        }
    }

    /// Ends the tool and returns the calls it counted.
    ///
    /// # Errors
    ///
    /// When the tool fails or its output has no count.
    pub fn finish(mut self) -> io::Result<u64> {
        if self.tool == Tool::Perf {
            self.interrupt()?;
        }
        let mut stderr = String::new();
        if let Some(mut s) = self.stderr.take() {
            s.read_to_string(&mut stderr)?;
        }
        let status = self.child.wait()?;
        let count = match &self.summary {
            None => perf_count(&stderr),
            Some(path) => {
                let text = std::fs::read_to_string(path);
                let _ = std::fs::remove_file(path);
                strace_count(&text?)
            }
        };
        count.ok_or_else(|| {
            io::Error::other(format!(
                "{} ({status}) counted nothing: {}",
                self.tool.name(),
                stderr.trim()
            ))
        })
    }

    fn command(&mut self, what: &str) -> io::Result<()> {
        let Some((ctl, ack)) = &mut self.control else {
            return Ok(());
        };
        writeln!(ctl, "{what}")?;
        ctl.flush()?;
        let mut line = String::new();
        ack.read_line(&mut line)?;
        // perf writes "ack\n" with its terminating NUL, which then starts the next read.
        if line.trim_matches(|c: char| c == '\0' || c.is_whitespace()) == "ack" {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "perf did not acknowledge {what:?} (got {line:?})"
            )))
        }
    }

    fn interrupt(&mut self) -> io::Result<()> {
        let pid = Pid::from_child(&self.child);
        kill_process(pid, Signal::INT).map_err(io::Error::from)
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn raw(fd: &OwnedFd) -> i32 {
    use std::os::fd::AsRawFd;
    fd.as_raw_fd()
}

/// The count of `perf stat -x,` output's `raw_syscalls:sys_enter` line.
fn perf_count(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find(|l| l.contains("raw_syscalls:sys_enter"))?
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The calls of `strace -c`'s `total` line (`% time, seconds, usecs/call, calls, [errors,]
/// total`); 0 when strace saw no call at all (it then prints only the header).
fn strace_count(summary: &str) -> Option<u64> {
    match summary.lines().find(|l| l.trim_end().ends_with("total")) {
        Some(line) => line.split_whitespace().nth(3)?.parse().ok(),
        None => summary.contains("% time").then_some(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perf_and_strace_outputs_parse() {
        let perf = "Events disabled\nEvents enabled\nEvents disabled\n16225,,raw_syscalls:sys_enter,141749963,100.00,,\n";
        assert_eq!(perf_count(perf), Some(16225));
        assert_eq!(
            perf_count("<not supported>,,raw_syscalls:sys_enter,0,100.00,,"),
            None
        );
        assert_eq!(perf_count(""), None);
        let strace = "% time     seconds  usecs/call     calls    errors syscall\n\
                      ------ ----------- ----------- --------- --------- ----------------\n\
                      \x20 0.00    0.000000           0         6         2 accept4\n\
                      ------ ----------- ----------- --------- --------- ----------------\n\
                      100.00    0.021281          19      1076        83 total\n";
        assert_eq!(strace_count(strace), Some(1076));
        let no_errors = "100.00    0.021281          19      1076 total\n";
        assert_eq!(strace_count(no_errors), Some(1076));
        assert_eq!(
            strace_count("% time     seconds  usecs/call     calls    errors syscall\n"),
            Some(0)
        );
        assert_eq!(strace_count(""), None);
    }
}
