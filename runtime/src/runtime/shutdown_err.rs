//! [`is_rt_shutdown_err`]: tokio's test for "this I/O failed because its runtime shut down".

use std::io;

/// Whether `err` is the error an I/O object (socket, listener, signal, child pipe) fails with
/// because the runtime whose reactor drove it has shut down, for instance a listener created
/// in a runtime that was dropped and then used from another.
///
/// The error is recognised by its type, not its message: an `io::Error` made from the same
/// text, a `JoinError` turned into an `io::Error`, or any other error, is not one.
///
/// # Examples
///
/// ```
/// use weft::net::TcpListener;
/// use weft::runtime::{is_rt_shutdown_err, Builder};
///
/// let first = Builder::new_current_thread().build()?;
/// let second = Builder::new_current_thread().build()?;
/// let listener = first.block_on(TcpListener::bind("127.0.0.1:0"))?;
/// drop(first);
/// let error = second.block_on(listener.accept()).unwrap_err();
/// assert!(is_rt_shutdown_err(&error));
/// assert!(!is_rt_shutdown_err(&std::io::Error::other("some other error")));
/// # std::io::Result::Ok(())
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    weft_io::is_shutdown_error(err)
}
