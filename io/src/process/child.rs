//! [`Child`]: a spawned process, its piped stdio, and its exit as a future.

use super::exit::ExitWatch;
use super::orphan;
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use futures_io::AsyncRead;
use futures_lite::io::AsyncReadExt;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::process::{ExitStatus, Output};
use std::task::{Context, Poll};

/// A child process spawned by [`Command::spawn`](super::Command::spawn).
///
/// Its exit is awaited with [`wait`](Child::wait) (or [`kill`](Child::kill),
/// [`wait_with_output`](Child::wait_with_output)), which also reaps it. A `Child` dropped
/// before its process exited does not wait: the process keeps running (unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set, which kills it) and weft reaps it
/// in the background once it exits, so that no zombie is left behind.
pub struct Child {
    /// The child's stdin, when spawned with `stdin(Stdio::piped())`; take it to write.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, when spawned with `stdout(Stdio::piped())`; take it to read.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, when spawned with `stderr(Stdio::piped())`; take it to read.
    pub stderr: Option<ChildStderr>,
    state: State,
}

enum State {
    Running {
        child: std::process::Child,
        watch: ExitWatch,
        kill_on_drop: bool,
    },
    Exited(ExitStatus),
    /// Only while dropping.
    Gone,
}

impl Child {
    pub(crate) fn new(
        mut child: std::process::Child,
        watch: ExitWatch,
        kill_on_drop: bool,
    ) -> io::Result<Child> {
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let mut spawned = Child {
            stdin: None,
            stdout: None,
            stderr: None,
            state: State::Running {
                child,
                watch,
                // Until the pipes are set up: a failure below must not leave the child running.
                kill_on_drop: true,
            },
        };
        spawned.stdin = stdin.map(ChildStdin::from_std).transpose()?;
        spawned.stdout = stdout.map(ChildStdout::from_std).transpose()?;
        spawned.stderr = stderr.map(ChildStderr::from_std).transpose()?;
        if let State::Running {
            kill_on_drop: kill, ..
        } = &mut spawned.state
        {
            *kill = kill_on_drop;
        }
        Ok(spawned)
    }

    /// The child's process id, or `None` once it has been reaped (by `wait`, `try_wait`,
    /// `kill`): from then on the id may belong to another process.
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running { child, .. } => Some(child.id()),
            State::Exited(_) | State::Gone => None,
        }
    }

    /// Sends SIGKILL to the child without waiting for it to exit; `Ok` if it already exited.
    /// Follow it with [`wait`](Child::wait) to reap it (or drop the `Child`: weft reaps it).
    ///
    /// # Errors
    /// The error of `kill(2)`.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running { child, .. } => child.kill(),
            State::Exited(_) | State::Gone => Ok(()),
        }
    }

    /// Kills the child (SIGKILL) and waits for it to exit; `Ok` if it already had.
    ///
    /// # Errors
    /// The error of `kill(2)` or of waiting.
    ///
    /// ```
    /// use weft_io::process::Command;
    /// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
    /// # reactor.block_on(async {
    /// let mut sleeper = Command::new("sleep").arg("60").spawn()?;
    /// sleeper.kill().await?;
    /// assert_eq!(sleeper.id(), None); // reaped
    /// # std::io::Result::Ok(()) })??;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Waits for the child to exit and returns its status. It closes the child's stdin first
    /// (if still held here), so that a child reading it to the end is not waited on forever.
    ///
    /// Cancel safe, and fused: once it returned a status, it returns the same one again.
    ///
    /// # Errors
    /// The error of `waitpid`, or the runtime-shutdown error when the runtime it was spawned
    /// in shut down and it is not awaited inside another.
    ///
    /// ```
    /// use weft_io::process::Command;
    /// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
    /// # reactor.block_on(async {
    /// let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn()?;
    /// assert_eq!(child.wait().await?.code(), Some(3));
    /// assert_eq!(child.wait().await?.code(), Some(3));
    /// # std::io::Result::Ok(()) })??;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    /// A leaf of the cooperative budget (`coop`), as a socket operation is.
    fn poll_wait(&mut self, cx: &Context<'_>) -> Poll<io::Result<ExitStatus>> {
        crate::coop::leaf(cx, |cx| self.poll_wait_unbudgeted(cx))
    }

    fn poll_wait_unbudgeted(&mut self, cx: &Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let status = match &mut self.state {
            State::Running { child, watch, .. } => match watch.poll_exit(child, cx) {
                Poll::Ready(Ok(status)) => status,
                other => return other,
            },
            State::Exited(status) => return Poll::Ready(Ok(*status)),
            State::Gone => unreachable!("a Child is Gone only inside its drop"),
        };
        self.state = State::Exited(status);
        Poll::Ready(Ok(status))
    }

    /// The child's status if it has exited (reaping it), `None` if it still runs. Never
    /// blocks.
    ///
    /// # Errors
    /// The error of `waitpid`.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.state {
            State::Running { child, .. } => {
                let status = child.try_wait()?;
                if let Some(status) = status {
                    self.state = State::Exited(status);
                }
                Ok(status)
            }
            State::Exited(status) => Ok(Some(*status)),
            State::Gone => unreachable!("a Child is Gone only inside its drop"),
        }
    }

    /// Waits for the child to exit while reading all of its stdout and stderr (those that are
    /// piped and still held here; the others come back empty), and closes its stdin first.
    ///
    /// # Errors
    /// The first error of reading either pipe or of waiting.
    ///
    /// ```
    /// use std::process::Stdio;
    /// use weft_io::process::Command;
    /// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
    /// # reactor.block_on(async {
    /// let child = Command::new("sh")
    ///     .args(["-c", "echo out; echo err >&2"])
    ///     .stdout(Stdio::piped())
    ///     .stderr(Stdio::piped())
    ///     .spawn()?;
    /// let output = child.wait_with_output().await?;
    /// assert!(output.status.success());
    /// assert_eq!((&output.stdout[..], &output.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    /// # std::io::Result::Ok(()) })??;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        let stdout = read_all(self.stdout.take());
        let stderr = read_all(self.stderr.take());
        let pipes = futures_lite::future::try_zip(stdout, stderr);
        let ((stdout, stderr), status) = futures_lite::future::try_zip(pipes, self.wait()).await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

async fn read_all(pipe: Option<impl AsyncRead + Unpin>) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut bytes).await?;
    }
    Ok(bytes)
}

impl Drop for Child {
    fn drop(&mut self) {
        let State::Running {
            mut child,
            watch,
            kill_on_drop,
        } = std::mem::replace(&mut self.state, State::Gone)
        else {
            return;
        };
        if kill_on_drop {
            // Fails only if the child was reaped, which `State::Running` rules out.
            let _ = child.kill();
        }
        orphan::adopt(child, watch);
        orphan::sweep();
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Child");
        debug
            .field("id", &self.id())
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr);
        match &self.state {
            State::Running {
                watch,
                kill_on_drop,
                ..
            } => debug
                .field("watch", watch)
                .field("kill_on_drop", kill_on_drop),
            State::Exited(status) => debug.field("status", status),
            State::Gone => &mut debug,
        };
        debug.finish()
    }
}
