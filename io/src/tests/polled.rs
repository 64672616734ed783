//! `poll_*` callers keep one waker per direction, the last (tokio's `poll_read_ready`
//! contract, and tokio's test `io_async_fd::poll_fns`): a second caller with another waker
//! replaces the first, which is dropped, not woken, and not woken by the event either; the
//! futures' slots (`readable()`) are untouched by it. Wakes are counted exactly.

use super::{turn_until_woken, CountingWaker};
use crate::io::unix::AsyncFd;
use crate::io::Interest;
use crate::Reactor;
use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// The clones of `waker` held elsewhere than by the test.
fn stored(waker: &Arc<CountingWaker>) -> usize {
    Arc::strong_count(waker) - 1
}

fn pending<T>(poll: Poll<T>) -> bool {
    poll.is_pending()
}

#[test]
fn poll_ready_keeps_only_the_last_waker_per_direction() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let _enter = reactor.enter();
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    // SAFETY: the std stream owns its descriptor and keeps it until the `AsyncFd` drops it.
    let fd = unsafe { AsyncFd::register(a) }.unwrap();
    reactor.turn(Some(std::time::Duration::ZERO)).unwrap();
    // Fill A's write side through `try_io`, so that its writability is cleared.
    let mut bytes = 0;
    loop {
        match fd.try_io(Interest::WRITABLE, |mut s| s.write(&[0; 512])) {
            Ok(n) => bytes += n,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) => panic!("unexpected write error: {error}"),
        }
    }
    assert!(bytes > 0, "the registration's first event made A writable");

    let [read_a, read_b, write_a, write_b, future] =
        std::array::from_fn(|_| Arc::new(CountingWaker::default()));
    let poll_read = |waker: &Arc<CountingWaker>| {
        let waker = Waker::from(waker.clone());
        pending(fd.poll_read_ready(&mut Context::from_waker(&waker)))
    };
    let poll_write = |waker: &Arc<CountingWaker>| {
        let waker = Waker::from(waker.clone());
        pending(fd.poll_write_ready(&mut Context::from_waker(&waker)))
    };

    // Two callers per direction, each with its own waker (two tasks): the second replaces the
    // first, which is dropped (its clone released), not woken.
    assert!(poll_read(&read_a));
    assert_eq!(stored(&read_a), 1);
    assert!(poll_read(&read_b));
    assert_eq!(
        (stored(&read_a), stored(&read_b)),
        (0, 1),
        "read_a replaced"
    );
    assert!(poll_read(&read_b), "the same task again");
    assert_eq!(
        stored(&read_b),
        1,
        "an equal waker is kept, not cloned again"
    );
    assert!(poll_write(&write_a));
    assert!(poll_write(&write_b));
    assert_eq!(
        (stored(&write_a), stored(&write_b)),
        (0, 1),
        "write_a replaced"
    );

    // A `readable()` future waits in its own slot, beside the polled waker.
    let mut readable = pin!(fd.readable());
    let future_waker = Waker::from(future.clone());
    assert!(readable
        .as_mut()
        .poll(&mut Context::from_waker(&future_waker))
        .is_pending());
    assert_eq!(
        stored(&future),
        2,
        "the test's `future_waker` and the slot's clone"
    );
    assert!(poll_read(&read_b));
    assert_eq!(
        stored(&future),
        2,
        "a polled caller does not touch a future's slot"
    );
    for waker in [&read_a, &read_b, &write_a, &write_b, &future] {
        assert_eq!(waker.wakes(), 0);
    }

    // A becomes readable: the last read caller and the future are woken, once each.
    (&b).write_all(b"0").unwrap();
    assert_eq!(turn_until_woken(&reactor), 2, "read_b and the future");
    assert_eq!(read_a.wakes(), 0, "a replaced waker is never woken");
    assert_eq!(read_b.wakes(), 1);
    assert_eq!(future.wakes(), 1);
    assert_eq!(
        (write_a.wakes(), write_b.wakes()),
        (0, 0),
        "the write side still waits"
    );
    assert_eq!(stored(&read_b), 0, "the event took it");
    assert_eq!(stored(&write_b), 1, "the read event left the write waker");
    assert!(matches!(
        readable
            .as_mut()
            .poll(&mut Context::from_waker(&future_waker)),
        Poll::Ready(Ok(_))
    ));
    assert!(!poll_read(&read_a), "A is readable");

    // Drain B: A becomes writable, and only the last write caller is woken.
    let mut drained = 0;
    let mut buf = [0; 4096];
    while drained < bytes {
        match (&b).read(&mut buf) {
            Ok(n) => drained += n,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) => panic!("unexpected read error: {error}"),
        }
    }
    assert_eq!(drained, bytes);
    assert_eq!(turn_until_woken(&reactor), 1, "write_b");
    assert_eq!((write_a.wakes(), write_b.wakes()), (0, 1));
    assert_eq!((read_a.wakes(), read_b.wakes(), future.wakes()), (0, 1, 1));
    assert_eq!(stored(&write_b), 0);
    assert!(!poll_write(&write_a), "A is writable");
}
