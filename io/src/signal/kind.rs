//! [`SignalKind`]: which signal a listener listens for.

use std::os::raw::c_int;

/// A kind of Unix signal to listen for with [`signal`](super::unix::signal).
///
/// The constructors name the common signals; [`from_raw`](SignalKind::from_raw) takes any
/// number (the real-time signals `SIGRTMIN()..=SIGRTMAX()` included). Whether a number is a
/// signal that may be listened for is checked by [`signal`](super::unix::signal), not here.
///
/// ```
/// use weft_io::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
/// assert_eq!(SignalKind::from_raw(libc::SIGTERM), SignalKind::terminate());
/// let raw: i32 = SignalKind::hangup().into();
/// assert_eq!(raw, libc::SIGHUP);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(c_int);

impl SignalKind {
    /// Any signal by its number: `libc::SIGRTMIN() + 1`, or a platform's own signal.
    ///
    /// ```
    /// use weft_io::signal::unix::SignalKind;
    ///
    /// let first_realtime = SignalKind::from_raw(libc::SIGRTMIN());
    /// assert_eq!(first_realtime.as_raw_value(), libc::SIGRTMIN());
    /// ```
    pub const fn from_raw(signum: c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    ///
    /// ```
    /// use weft_io::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::user_defined1().as_raw_value(), libc::SIGUSR1);
    /// ```
    pub const fn as_raw_value(&self) -> c_int {
        self.0
    }

    /// SIGALRM: a real-time timer (`alarm(2)`, `setitimer(2)`) expired. Terminates by default.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGCHLD: a child process stopped or exited. Ignored by default.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGHUP: the controlling terminal hung up (daemons often take it as "reload").
    /// Terminates by default.
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGINT: an interrupt from the terminal (Ctrl-C). Terminates by default.
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGIO: I/O is possible on a descriptor set up for it (`O_ASYNC`). Terminates by default.
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// SIGPIPE: a write to a pipe or socket that nobody reads. Rust programs ignore it from
    /// startup (the write fails with `BrokenPipe` instead); listening for it installs a handler.
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGQUIT: a quit from the terminal (Ctrl-\\). Terminates with a core dump by default.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGTERM: a polite request to terminate (what `kill` and service managers send first).
    /// Terminates by default.
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGUSR1: user-defined. Terminates by default.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2: user-defined. Terminates by default.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGWINCH: the terminal window changed size. Ignored by default.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<c_int> for SignalKind {
    fn from(signum: c_int) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

impl From<SignalKind> for c_int {
    fn from(kind: SignalKind) -> c_int {
        kind.as_raw_value()
    }
}
