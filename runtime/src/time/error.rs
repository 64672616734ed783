//! Time errors.

use std::error::Error;
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

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::Elapsed;

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
