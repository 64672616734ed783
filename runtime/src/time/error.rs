//! Time errors.

use std::fmt;
use std::io;

/// The error of a [`Timeout`](crate::time::Timeout) whose deadline passed before its future
/// completed.
///
/// Converts into an [`io::Error`] of kind [`io::ErrorKind::TimedOut`], so `?` works in functions
/// that return `io::Result`.
///
/// ```
/// use std::time::Duration;
///
/// #[weft::main]
/// async fn main() {
///     let never = std::future::pending::<()>();
///     let err = weft::time::timeout(Duration::from_millis(10), never).await.unwrap_err();
///     assert_eq!(err.to_string(), "deadline has elapsed");
///     let io: std::io::Error = err.into();
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}

/// An error of the timer itself, as tokio's `time::error::Error`: the timer has shut down, is
/// at capacity, or was given a duration it cannot represent.
///
/// weft's own timers never return it (a `Sleep` polled after its runtime shut down panics, as
/// tokio's does; the wheel has no capacity limit; a deadline too far ahead is clamped to the far
/// future). It exists so that code written against tokio's type, such as a library's error enum
/// that wraps it, ports by the rename.
///
/// ```
/// use weft::time::error::Error;
///
/// let error = Error::shutdown();
/// assert!(error.is_shutdown() && !error.is_at_capacity() && !error.is_invalid());
/// assert_eq!(error.to_string(), "the timer is shut down: it must be used within a weft runtime");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shutdown,
    AtCapacity,
    Invalid,
}

impl Error {
    /// The timer has shut down: the operation will never succeed.
    pub fn shutdown() -> Error {
        Error(Kind::Shutdown)
    }

    /// Whether this is [`Error::shutdown`].
    pub fn is_shutdown(&self) -> bool {
        self.0 == Kind::Shutdown
    }

    /// The timer holds as many entries as it can: a later attempt may succeed.
    pub fn at_capacity() -> Error {
        Error(Kind::AtCapacity)
    }

    /// Whether this is [`Error::at_capacity`].
    pub fn is_at_capacity(&self) -> bool {
        self.0 == Kind::AtCapacity
    }

    /// The duration exceeds what the timer can represent.
    pub fn invalid() -> Error {
        Error(Kind::Invalid)
    }

    /// Whether this is [`Error::invalid`].
    pub fn is_invalid(&self) -> bool {
        self.0 == Kind::Invalid
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Kind::Shutdown => "the timer is shut down: it must be used within a weft runtime",
            Kind::AtCapacity => "the timer is at capacity and cannot take a new entry",
            Kind::Invalid => "the timer's duration exceeds the longest it can represent",
        })
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::{Elapsed, Error};

    #[test]
    fn timer_error_kinds_are_exclusive_and_say_what_they_are() {
        let kinds = [Error::shutdown(), Error::at_capacity(), Error::invalid()];
        for (i, error) in kinds.iter().enumerate() {
            let flags = [
                error.is_shutdown(),
                error.is_at_capacity(),
                error.is_invalid(),
            ];
            let expected: Vec<bool> = (0..3).map(|j| j == i).collect();
            assert_eq!(flags.to_vec(), expected);
        }
        assert_eq!(
            kinds.map(|e| e.to_string()),
            [
                "the timer is shut down: it must be used within a weft runtime",
                "the timer is at capacity and cannot take a new entry",
                "the timer's duration exceeds the longest it can represent",
            ]
        );
        let copied = kinds[1];
        assert_eq!(copied, Error::at_capacity());
        assert_ne!(copied, Error::invalid());
        let _: &dyn std::error::Error = &kinds[0];
    }

    #[test]
    fn elapsed_traits() {
        let e = Elapsed::new();
        assert_eq!(e.clone(), e);
        assert_eq!(e.to_string(), "deadline has elapsed");
        assert_eq!(format!("{e:?}"), "Elapsed(())");
        let io: std::io::Error = e.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(io.to_string(), "deadline has elapsed");
        let _: &dyn std::error::Error = &Elapsed::new();
    }
}
