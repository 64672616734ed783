//! [`UCred`]: the credentials of a Unix socket's peer.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// The credentials of the process at the other end of a Unix stream, as the kernel recorded
/// them when the connection was made (`SO_PEERCRED`): see [`UnixStream::peer_cred`].
///
/// [`UnixStream::peer_cred`]: super::UnixStream::peer_cred
///
/// # Examples
///
/// ```
/// use weft_io::net::UnixStream;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (a, _b) = UnixStream::pair()?;
/// let cred = a.peer_cred()?;
/// assert_eq!(cred.pid(), Some(std::process::id() as i32));
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UCred {
    uid: u32,
    gid: u32,
    pid: Option<i32>,
}

impl UCred {
    /// The peer's user id.
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The peer's group id.
    pub fn gid(&self) -> u32 {
        self.gid
    }

    /// The peer's process id (always known on Linux).
    pub fn pid(&self) -> Option<i32> {
        self.pid
    }
}

/// Reads `SO_PEERCRED` of `fd`.
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<UCred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `fd` is an open descriptor for the call's duration (it is borrowed); `cred` and
    // `len` are valid and writable, and `len` holds the size of `cred`, so the kernel writes
    // at most that many bytes into it.
    let result = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            std::ptr::addr_of_mut!(cred).cast(),
            &mut len,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred {
        uid: cred.uid,
        gid: cred.gid,
        pid: Some(cred.pid),
    })
}
