//! `weft::io::unix::AsyncFd`: readiness for descriptors weft does not wrap (a pipe, a std
//! socket), guards that clear exactly what they saw, `try_io`/`async_io`, the refusals
//! (regular files, negative descriptors) that hand the object back, and deregistration.

#[macro_use]
mod common;

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream as StdUnixStream;

use common::net::within;
use futures_lite::future::poll_once;
use weft::io::unix::AsyncFd;
use weft::io::{Interest, Ready};
use weft::runtime::{Handle, Runtime};

on_both_flavors!(
    a_pipe_is_read_when_readable_and_would_block_waits_again,
    guards_clear_exactly_the_direction_asked,
    mut_guards_and_async_io_mut_fill_and_drain_a_socket,
    refusals_hand_the_object_back,
    into_inner_deregisters,
);

/// A non-blocking pipe: (read end, write end).
fn pipe() -> (File, File) {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let result = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    assert_eq!(result, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
    unsafe {
        (
            File::from(OwnedFd::from_raw_fd(fds[0])),
            File::from(OwnedFd::from_raw_fd(fds[1])),
        )
    }
}

fn a_pipe_is_read_when_readable_and_would_block_waits_again(rt: Runtime) {
    rt.block_on(async {
        let (rx, mut tx) = pipe();
        // SAFETY: the `File` owns its descriptor and keeps it until the `AsyncFd` drops it.
        let rx = unsafe { AsyncFd::register_with_interest(rx, Interest::READABLE) }.unwrap();
        let mut buf = [0u8; 16];
        // A source starts ready for nothing it is not known to be ready for: the empty pipe
        // waits (the registration's first event says only what is true).
        assert!(
            poll_once(rx.readable()).await.is_none(),
            "an empty pipe is not readable"
        );
        tx.write_all(b"through the pipe").unwrap();
        let mut guard = within("readable", rx.readable()).await.unwrap();
        assert!(guard.ready().is_readable());
        let n = guard
            .try_io(|fd| fd.get_ref().read(&mut buf))
            .unwrap()
            .unwrap();
        assert_eq!(&buf[..n], b"through the pipe");
        drop(guard);
        // Still readable as far as the guard knows: the next try says WouldBlock and clears.
        let mut guard = rx.readable().await.unwrap();
        assert!(
            guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err(),
            "drained pipe"
        );
        assert!(guard.ready().is_empty(), "the guard cleared what it saw");
        drop(guard);
        assert!(
            poll_once(rx.readable()).await.is_none(),
            "cleared: waits for an event"
        );
        drop(tx);
        let n = within(
            "EOF",
            rx.async_io(Interest::READABLE, |mut file| file.read(&mut buf)),
        )
        .await
        .unwrap();
        assert_eq!(n, 0, "EOF once the writer is gone");
    });
}

fn guards_clear_exactly_the_direction_asked(rt: Runtime) {
    rt.block_on(async {
        let (a, mut b) = StdUnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: the std stream owns its descriptor and keeps it until the `AsyncFd` drops it.
        let a = unsafe { AsyncFd::register(a) }.unwrap();
        let guard = within("writable", a.ready(Interest::READABLE | Interest::WRITABLE))
            .await
            .unwrap();
        assert_eq!(
            guard.ready(),
            Ready::WRITABLE,
            "a fresh socket: writable (the registration's first event), not readable"
        );
        drop(guard);
        b.write_all(b"x").unwrap();
        within("readable", a.readable())
            .await
            .unwrap()
            .retain_ready();
        let mut guard = a
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        assert_eq!(guard.ready(), Ready::READABLE | Ready::WRITABLE);
        guard.clear_ready_matching(Ready::READABLE);
        assert_eq!(guard.ready(), Ready::WRITABLE, "the guard reports the rest");
        drop(guard);
        let guard = a
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        assert_eq!(
            guard.ready(),
            Ready::WRITABLE,
            "readability cleared, writability kept"
        );
        drop(guard);
        assert!(poll_once(a.readable()).await.is_none());
        let mut byte = [0u8; 1];
        assert_eq!(a.get_ref().read(&mut byte).unwrap(), 1, "the byte stayed");
        b.write_all(b"y").unwrap();
        let mut guard = within("readable", a.readable()).await.unwrap();
        assert_eq!(guard.get_inner().as_raw_fd(), a.as_raw_fd());
        guard.retain_ready();
        drop(guard);
        // Retained: still readable without a new event.
        let guard = within("still readable", a.readable()).await.unwrap();
        assert!(guard.ready().is_readable());
        assert_eq!(
            a.try_io(Interest::READABLE, |mut s| s.read(&mut byte))
                .unwrap(),
            1
        );
        let error = a
            .try_io(Interest::READABLE, |mut s| s.read(&mut byte))
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WouldBlock);
        let error = a.try_io(Interest::READABLE, |_| Ok(())).unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::WouldBlock,
            "known not ready: f is not called"
        );
    });
}

fn mut_guards_and_async_io_mut_fill_and_drain_a_socket(rt: Runtime) {
    rt.block_on(async {
        let (a, b) = StdUnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: as above.
        let mut a = unsafe { AsyncFd::register(a) }.unwrap();
        let chunk = [7u8; 4096];
        let mut written = 0usize;
        loop {
            let mut guard = a.writable_mut().await.unwrap();
            match guard.try_io(|fd| fd.get_mut().write(&chunk)) {
                Ok(result) => written += result.unwrap(),
                Err(_would_block) => break,
            }
        }
        assert!(written > 0);
        assert!(
            poll_once(a.writable()).await.is_none(),
            "full: waits for room"
        );
        let reader = std::thread::spawn(move || {
            let mut b = b;
            let mut got = vec![0u8; written];
            b.read_exact(&mut got).unwrap();
            // `b` goes back with the verdict: it must outlive the write below.
            (got.iter().all(|&x| x == 7), b)
        });
        let n = within(
            "room again",
            a.async_io_mut(Interest::WRITABLE, |s| s.write(b"z")),
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        let (all_sevens, _b) = reader.join().unwrap();
        assert!(all_sevens, "every byte written arrived");
        let mut guard = a.ready_mut(Interest::WRITABLE).await.unwrap();
        guard.clear_ready();
        assert!(
            guard.ready().is_empty(),
            "cleared, as tokio's guard reports it"
        );
        assert_eq!(
            guard.get_inner_mut().as_raw_fd(),
            guard.get_ref().as_raw_fd()
        );
    });
}

/// Says it has descriptor -1.
#[derive(Debug)]
struct Negative;

impl AsRawFd for Negative {
    fn as_raw_fd(&self) -> RawFd {
        -1
    }
}

fn refusals_hand_the_object_back(rt: Runtime) {
    rt.block_on(async {
        let file = File::open("/proc/self/exe").unwrap();
        // SAFETY: the `File` owns its descriptor and keeps it until the `AsyncFd` drops it.
        let (file, error) = unsafe { AsyncFd::register(file) }.unwrap_err().into_parts();
        assert_eq!(
            error.kind(),
            ErrorKind::PermissionDenied,
            "epoll refuses regular files"
        );
        assert!(file.metadata().is_ok(), "the file came back open");
        // The deprecated safe constructor (kept for tokio source compatibility) checks too.
        #[allow(deprecated)]
        let error = AsyncFd::new(Negative).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EBADF));
    });
}

fn into_inner_deregisters(rt: Runtime) {
    rt.block_on(async {
        let before = Handle::current().metrics().io_sources();
        let (a, _b) = StdUnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let fd = a.as_raw_fd();
        // SAFETY: as above.
        let a = unsafe { AsyncFd::register(a) }.unwrap();
        assert_eq!(Handle::current().metrics().io_sources(), before + 1);
        let a = a.into_inner();
        assert_eq!(Handle::current().metrics().io_sources(), before);
        assert_eq!(a.as_raw_fd(), fd, "the same descriptor, still open");
        a.set_nonblocking(false).unwrap();
    });
}
