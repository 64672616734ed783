//! The error of an operation whose reactor has shut down, as a type of its own, so that
//! [`is_shutdown_error`] recognises it by type rather than by message.

use std::error::Error;
use std::fmt;
use std::io;

/// What `io::Error::get_ref` holds for an operation on a source that left its reactor.
#[derive(Debug)]
struct ReactorShutDown;

impl fmt::Display for ReactorShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the reactor that drives this socket has shut down (was its runtime dropped?)")
    }
}

impl Error for ReactorShutDown {}

/// The error of an operation on a source that has left its reactor (kind `Other`).
pub(crate) fn error() -> io::Error {
    io::Error::other(ReactorShutDown)
}

/// Whether `error` is the one a weft-io operation fails with because its reactor shut down
/// (its runtime was dropped, or `Reactor::shutdown` was called): the object outlived the
/// driver that served it. Other errors, whatever their message, are not.
///
/// weft re-exports it as `weft::runtime::is_rt_shutdown_err`, tokio's name.
///
/// ```
/// use std::sync::Arc;
/// use weft_io::net::TcpListener;
/// use weft_io::Reactor;
///
/// let reactor = Arc::new(Reactor::new()?);
/// let listener = reactor.block_on(TcpListener::bind("127.0.0.1:0"))??;
/// reactor.shutdown();
/// let error = reactor.block_on(listener.accept())?.unwrap_err();
/// assert!(weft_io::is_shutdown_error(&error));
/// assert!(!weft_io::is_shutdown_error(&std::io::Error::other(error.to_string())));
/// # std::io::Result::Ok(())
/// ```
pub fn is_shutdown_error(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<ReactorShutDown>())
}
