//! [`Command`]: tokio's surface over `std::process::Command`.

use super::child::Child;
use super::exit::{ExitMode, ExitWatch};
use super::orphan;
use crate::reactor::Reactor;
use std::ffi::OsStr;
use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

/// A process to spawn: `std::process::Command`'s builder, with a [`Child`] whose exit and
/// pipes are awaited through the reactor.
///
/// ```
/// use weft_io::process::Command;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let output = Command::new("echo").arg("hello").output().await?;
/// assert!(output.status.success());
/// assert_eq!(output.stdout, b"hello\n");
/// # std::io::Result::Ok(()) })??;
/// # std::io::Result::Ok(())
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// Whether `stdin` was set, for `output`'s default (null) stdin.
    stdin_set: bool,
    mode: ExitMode,
}

impl Command {
    /// A command that runs `program` (looked up in `PATH` unless it is a path), with no
    /// arguments, the parent's environment and working directory, and inherited stdio (except
    /// in [`output`](Command::output)).
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// The std command underneath, for what this type does not wrap.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std command underneath, mutably.
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The std command underneath (`kill_on_drop` is lost).
    pub fn into_std(self) -> std::process::Command {
        self.std
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds afterwards).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's stdin: `Stdio::piped()` gives [`Child::stdin`](super::Child::stdin).
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdin_set = true;
        self
    }

    /// Sets the child's stdout: `Stdio::piped()` gives [`Child::stdout`](super::Child::stdout).
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets the child's stderr: `Stdio::piped()` gives [`Child::stderr`](super::Child::stderr).
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether a [`Child`] dropped while its process runs kills it (SIGKILL). Off by default:
    /// the process then keeps running. Either way weft reaps it once it exits.
    ///
    /// ```
    /// use weft_io::process::Command;
    /// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
    /// # reactor.block_on(async {
    /// let child = Command::new("sleep").arg("60").kill_on_drop(true).spawn()?;
    /// drop(child); // killed now, reaped in the background
    /// # std::io::Result::Ok(()) })??;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// What [`kill_on_drop`](Command::kill_on_drop) was set to.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Runs the child as user `id` (`setuid` after `fork`).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Runs the child as group `id` (`setgid` after `fork`).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Sets the child's `argv[0]` (what it sees as its own name).
    pub fn arg0(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group led by the child), so that a
    /// Ctrl-C at the terminal does not reach it, for instance.
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// Runs `f` in the child after `fork` and before `exec`.
    ///
    /// # Safety
    /// As `std::os::unix::process::CommandExt::pre_exec`: `f` runs in a forked copy of a
    /// multi-threaded process, where only async-signal-safe calls are sound (no allocation,
    /// no lock).
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: our caller upholds `pre_exec`'s contract, which is the same as ours.
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// Spawns the child: its piped stdio are registered with the current reactor, and so is
    /// the watch of its exit.
    ///
    /// # Errors
    /// The error of `fork`/`exec` (`NotFound` for a program that does not exist, ...), or of
    /// registering the pipes or the exit watch.
    ///
    /// # Panics
    /// When no reactor is current on this thread: spawn inside a weft runtime.
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        let Some(reactor) = Reactor::current() else {
            no_reactor()
        };
        orphan::sweep();
        let child = self.std.spawn()?;
        let watch = match ExitWatch::new(child.id(), &reactor, self.mode) {
            Ok(watch) => watch,
            Err(error) => {
                reap_now(child);
                return Err(error);
            }
        };
        Child::new(child, watch, self.kill_on_drop)
    }

    /// Spawns the child with stdio inherited from the parent (unless set otherwise) and returns
    /// a future that waits for it to exit, without holding any of its pipes (so a piped child
    /// reading its stdin to the end is not waited on forever).
    ///
    /// As in tokio, the child is spawned here, synchronously, and the future borrows nothing
    /// of the `Command`: a temporary builder chain can end in `.status()` and the future be
    /// awaited later (while the caller, say, reads the child's pipe).
    ///
    /// # Errors
    /// Those of [`spawn`](Command::spawn) (reported when the future is awaited) and
    /// [`Child::wait`](super::Child::wait).
    ///
    /// # Panics
    /// As [`spawn`](Command::spawn), here at the call.
    ///
    /// ```
    /// use weft_io::process::Command;
    /// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
    /// # reactor.block_on(async {
    /// let status = Command::new("sh").args(["-c", "exit 7"]).status();
    /// assert_eq!(status.await?.code(), Some(7));
    /// # std::io::Result::Ok(()) })??;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + 'static {
        let spawned = self.spawn();
        async move {
            let mut child = spawned?;
            child.stdin = None;
            child.stdout = None;
            child.stderr = None;
            child.wait().await
        }
    }

    /// Spawns the child with its stdout and stderr captured (and its stdin null unless set),
    /// and returns a future that collects them and its status. See
    /// [`Child::wait_with_output`](super::Child::wait_with_output). Spawned at the call, as
    /// [`status`](Command::status).
    ///
    /// # Errors
    /// Those of [`spawn`](Command::spawn) and of reading the pipes or waiting.
    ///
    /// # Panics
    /// As [`spawn`](Command::spawn), here at the call.
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> + 'static {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        if !self.stdin_set {
            self.std.stdin(Stdio::null());
        }
        let spawned = self.spawn();
        async move { spawned?.wait_with_output().await }
    }

    /// Forces the SIGCHLD fallback (tests of the path taken where there is no pidfd).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn sigchld_only(&mut self) -> &mut Command {
        self.mode = ExitMode::Sigchld;
        self
    }
}

/// A child spawned whose watch could not be set up: kill it and let the orphan reaper (or,
/// lacking a reactor, nobody) have it. Its error is the one reported.
fn reap_now(mut child: std::process::Child) {
    let _ = child.kill();
    // The child was killed: `wait` returns at once (SIGKILL cannot be caught).
    let _ = child.wait();
}

#[track_caller]
fn no_reactor() -> ! {
    use crate::reactor::NO_REACTOR;
    panic!(
        "{NO_REACTOR}: spawn weft::process commands inside a weft runtime (in a \
         task, in block_on, or after Runtime::enter), or inside weft_io::Reactor::enter when \
         you drive weft-io yourself"
    )
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdin_set: false,
            mode: ExitMode::Auto,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)?;
        if self.kill_on_drop {
            f.write_str(" (kill on drop)")?;
        }
        Ok(())
    }
}
