//! `weft::net::unix::pipe`: anonymous pipes and FIFOs, every byte counted, EOF when the last
//! sender goes, the checks on files handed in (not a FIFO, wrong direction), `read_write`,
//! the `try_` forms, and taking the descriptor back out in either mode.

#[macro_use]
mod common;

use std::ffi::CString;
use std::fs::File;
use std::io::ErrorKind;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;

use bytes::BytesMut;
use common::net::{payload, within, SocketPath};
use weft::io::{AsyncReadExt, AsyncWriteExt, Interest};
use weft::net::unix::pipe::{self, OpenOptions, Receiver, Sender};
use weft::runtime::Runtime;

on_both_flavors!(
    an_anonymous_pipe_carries_every_byte_then_eof,
    try_forms_fill_and_drain_exactly,
    fifos_open_by_path_with_checks,
    files_handed_in_are_checked,
    descriptors_come_back_out_in_either_mode,
);

/// A FIFO at a fresh path, removed when the returned value drops.
fn fifo(name: &str) -> SocketPath {
    let path = SocketPath::new(name);
    let c_path = CString::new(path.path().as_os_str().as_bytes()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated string for the call's duration.
    let made = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(made, 0, "mkfifo: {}", std::io::Error::last_os_error());
    path
}

const TOTAL: usize = 300_000;

fn an_anonymous_pipe_carries_every_byte_then_eof(rt: Runtime) {
    rt.block_on(async {
        let (mut tx, mut rx) = pipe::pipe().unwrap();
        let data = payload(9, TOTAL);
        let writer = {
            let data = data.clone();
            weft::spawn(async move {
                tx.write_all(&data).await.unwrap();
                // Dropping the only sender is what makes the receiver read EOF.
            })
        };
        let mut got = Vec::new();
        within("read_to_end", rx.read_to_end(&mut got))
            .await
            .unwrap();
        writer.await.unwrap();
        common::net::assert_same_bytes(&got, &data, "through the pipe");
    });
}

fn try_forms_fill_and_drain_exactly(rt: Runtime) {
    rt.block_on(async {
        let (tx, rx) = pipe::pipe().unwrap();
        let chunk = [5u8; 1000];
        let mut written = 0;
        loop {
            tx.writable().await.unwrap();
            match tx.try_write(&chunk) {
                Ok(n) => written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(written >= 4096, "a pipe holds at least a page");
        // Full: writability was cleared by the WouldBlock, so `ready` waits (for the drain).
        // Every write wakes the pipe's queues, and epoll reports the sender writable to each
        // wake-up it polls before the pipe is full. On the multi-thread flavor a worker may take
        // such an event before the last write and apply it after the WouldBlock cleared the
        // bit: one late, spurious readiness (tokio's contract allows it), which the next
        // WouldBlock clears for good. On the current-thread flavor every event is applied when
        // it is taken, so none can be late. Readiness that keeps coming back would be a bug.
        let late_events_allowed = match weft::runtime::Handle::current().runtime_flavor() {
            weft::runtime::RuntimeFlavor::CurrentThread => 0,
            _ => 2,
        };
        let mut late_events = 0;
        while futures_lite::future::poll_once(tx.ready(Interest::WRITABLE))
            .await
            .is_some()
        {
            let error = tx.try_write(&chunk).unwrap_err();
            assert_eq!(
                error.kind(),
                ErrorKind::WouldBlock,
                "a full pipe takes no byte"
            );
            late_events += 1;
            assert!(
                late_events <= late_events_allowed,
                "a full pipe is not writable (readiness came back {late_events} times)"
            );
        }
        let mut drained = BytesMut::with_capacity(written);
        while drained.len() < written {
            rx.readable().await.unwrap();
            match rx.try_read_buf(&mut drained) {
                Ok(n) => assert!(n > 0, "no EOF while the sender lives"),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(drained.len(), written, "every byte written, read once");
        assert!(drained.iter().all(|&b| b == 5));
        assert_eq!(
            rx.try_read(&mut [0; 8]).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        let error = rx.try_io(|| rx.try_read(&mut [0; 8])).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WouldBlock);
        drop(tx);
        within("EOF", rx.readable()).await.unwrap();
        assert_eq!(
            rx.try_read(&mut [0; 8]).unwrap(),
            0,
            "EOF once the sender is gone"
        );
    });
}

fn fifos_open_by_path_with_checks(rt: Runtime) {
    rt.block_on(async {
        let path = fifo("fifo");
        let error = OpenOptions::new().open_sender(path.path()).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENXIO), "no reader yet");
        let tx = OpenOptions::new()
            .read_write(true)
            .open_sender(path.path())
            .unwrap();
        let mut rx = OpenOptions::new().open_receiver(path.path()).unwrap();
        tx.writable().await.unwrap();
        assert_eq!(tx.try_write(b"by name").unwrap(), 7);
        let mut buf = [0u8; 7];
        within("read_exact", rx.read_exact(&mut buf)).await.unwrap();
        assert_eq!(&buf, b"by name");

        let regular = SocketPath::new("regular");
        std::fs::write(regular.path(), b"plain file").unwrap();
        let error = OpenOptions::new()
            .open_receiver(regular.path())
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "not a pipe");
        let error = OpenOptions::new()
            .unchecked(true)
            .open_receiver(regular.path())
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::PermissionDenied,
            "epoll refuses regular files"
        );
    });
}

fn files_handed_in_are_checked(rt: Runtime) {
    rt.block_on(async {
        let path = fifo("handed-in");
        let read_end = File::options()
            .read(true)
            .custom_flags_nonblock()
            .open(path.path())
            .unwrap();
        let write_end = File::options().write(true).open(path.path()).unwrap();
        let error = Sender::from_file(read_end.try_clone().unwrap()).unwrap_err();
        assert_eq!(error.to_string(), "not in O_WRONLY or O_RDWR access mode");
        let error = Receiver::from_file(write_end.try_clone().unwrap()).unwrap_err();
        assert_eq!(error.to_string(), "not in O_RDONLY or O_RDWR access mode");
        let mut tx = Sender::from_file(write_end).unwrap();
        let flags = rustix_free_flags(&tx);
        assert_ne!(
            flags & libc::O_NONBLOCK,
            0,
            "from_file makes the end non-blocking"
        );
        let mut rx = Receiver::from_owned_fd(read_end.into()).unwrap();
        tx.write_all(b"checked").await.unwrap();
        let mut buf = [0u8; 7];
        within("read_exact", rx.read_exact(&mut buf)).await.unwrap();
        assert_eq!(&buf, b"checked");
        let regular = SocketPath::new("not-a-fifo");
        std::fs::write(regular.path(), b"x").unwrap();
        let error = Receiver::from_file(File::open(regular.path()).unwrap()).unwrap_err();
        assert_eq!(error.to_string(), "not a pipe");
    });
}

/// The file status flags of `fd`.
fn rustix_free_flags(fd: &impl AsFd) -> i32 {
    use std::os::fd::AsRawFd;
    // SAFETY: F_GETFL on a descriptor that `fd` keeps open touches no memory of ours.
    unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) }
}

fn descriptors_come_back_out_in_either_mode(rt: Runtime) {
    rt.block_on(async {
        let (tx, rx) = pipe::pipe().unwrap();
        let blocking = tx.into_blocking_fd().unwrap();
        assert_eq!(rustix_free_flags(&blocking) & libc::O_NONBLOCK, 0);
        let mut file = File::from(blocking);
        std::io::Write::write_all(&mut file, b"out").unwrap();
        let nonblocking = rx.into_nonblocking_fd().unwrap();
        assert_ne!(rustix_free_flags(&nonblocking) & libc::O_NONBLOCK, 0);
        let mut rx = Receiver::from_owned_fd_unchecked(nonblocking).unwrap();
        let mut buf = [0u8; 3];
        within("read_exact", rx.read_exact(&mut buf)).await.unwrap();
        assert_eq!(&buf, b"out");
        let _ = Sender::from_file_unchecked(file).unwrap();
    });
}

/// `O_NONBLOCK` for `File::options`, so that opening a FIFO's read end does not wait for a
/// writer.
trait NonBlock {
    fn custom_flags_nonblock(&mut self) -> &mut Self;
}

impl NonBlock for std::fs::OpenOptions {
    fn custom_flags_nonblock(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.custom_flags(libc::O_NONBLOCK)
    }
}
