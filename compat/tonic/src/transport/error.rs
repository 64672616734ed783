//! [`Error`]: what `transport` returns, from the server written here or from tonic's client.

use std::error::Error as StdError;
use std::fmt;

type BoxError = Box<dyn StdError + Send + Sync>;

/// An error of the transport: binding the server's listener, making an
/// [`Endpoint`](super::Endpoint) of something that is not one, or one of tonic's own errors
/// (connecting a [`Channel`](super::Channel), an invalid URI).
///
/// tonic's own `transport::Error` has no public constructor, so the server written here could
/// not return one; this type takes its place and converts from it with `?`, so code written for
/// tonic (a generated client's `connect`, a `main` that returns this error) compiles unchanged.
/// It displays as tonic's does ("transport error") and keeps the cause as its
/// [`source`](StdError::source).
pub struct Error {
    source: Source,
}

enum Source {
    /// One of tonic's client errors.
    Tonic(tonic::transport::Error),
    /// One of this crate's: binding the server's listener, an invalid endpoint.
    Weft(BoxError),
}

impl Error {
    #[cfg_attr(not(any(feature = "server", feature = "channel")), allow(dead_code))]
    pub(crate) fn new(source: impl Into<BoxError>) -> Error {
        Error {
            source: Source::Weft(source.into()),
        }
    }
}

impl From<tonic::transport::Error> for Error {
    fn from(error: tonic::transport::Error) -> Error {
        Error {
            source: Source::Tonic(error),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Tonic(error) => fmt::Debug::fmt(error, f),
            Source::Weft(source) => f
                .debug_tuple("tonic::transport::Error")
                .field(&"Transport")
                .field(source)
                .finish(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Tonic(error) => fmt::Display::fmt(error, f),
            Source::Weft(_) => f.write_str("transport error"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.source {
            Source::Tonic(error) => error.source(),
            Source::Weft(source) => Some(&**source),
        }
    }
}
