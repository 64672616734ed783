//! What the backend reports and what an operation does with it, on `IoSource` directly so that
//! the readiness word can be read: a short stream read or write clears readiness (epoll
//! backend), a FIN that came with the last data still ends the next read, a `WouldBlock`
//! disproves a closed bit, wait timeouts are never cut short, the eventfd survives a full
//! counter, and an event for a deregistered source never reaches its slot's next owner.

use super::{poll_with, turn_until_woken, CountingWaker};
use crate::io_source::IoSource;
use crate::source::Direction;
use crate::sys::Selector;
use crate::Reactor;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

fn registered_tcp_pair(reactor: &Arc<Reactor>) -> (IoSource<TcpStream>, IoSource<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    register_pair(reactor, client, server)
}

fn register_pair<T: AsFd + SetNonblocking>(
    reactor: &Arc<Reactor>,
    a: T,
    b: T,
) -> (IoSource<T>, IoSource<T>) {
    a.set_nonblocking().unwrap();
    b.set_nonblocking().unwrap();
    let _enter = reactor.enter();
    (IoSource::new(a).unwrap(), IoSource::new(b).unwrap())
}

trait SetNonblocking {
    fn set_nonblocking(&self) -> io::Result<()>;
}

impl SetNonblocking for TcpStream {
    fn set_nonblocking(&self) -> io::Result<()> {
        TcpStream::set_nonblocking(self, true)
    }
}

impl SetNonblocking for UnixStream {
    fn set_nonblocking(&self) -> io::Result<()> {
        UnixStream::set_nonblocking(self, true)
    }
}

/// One `poll_stream_read` into `buf`, as `AsyncRead::poll_read` makes it.
fn read<T: AsFd>(io: &IoSource<T>, buf: &mut [u8], waker: &Arc<CountingWaker>) -> Poll<usize>
where
    for<'a> &'a T: Read,
{
    let capacity = buf.len();
    let waker = Waker::from(waker.clone());
    let cx = std::task::Context::from_waker(&waker);
    io.poll_stream_read(&cx, capacity, |mut io| io.read(buf))
        .map(|result| result.expect("the read succeeds"))
}

fn is_ready<T: AsFd>(io: &IoSource<T>, direction: Direction) -> bool {
    io.source().try_ready(direction).is_ok()
}

#[test]
fn a_short_read_clears_readiness_where_the_backend_allows_it() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = registered_tcp_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let mut buf = [0u8; 8];
    assert_eq!(read(&server, &mut buf, &waker), Poll::Pending);
    client.get_ref().write_all(b"abc").unwrap();
    assert_eq!(turn_until_woken(&reactor), 1);
    assert_eq!(read(&server, &mut buf, &waker), Poll::Ready(3));
    assert_eq!(
        is_ready(&server, Direction::READ),
        !Selector::SHORT_IO_DRAINS,
        "3 bytes of 8: drained"
    );
    client.get_ref().write_all(b"def").unwrap();
    if Selector::SHORT_IO_DRAINS {
        // The data is there, but no call is made until the reactor reports it.
        assert_eq!(read(&server, &mut buf, &waker), Poll::Pending);
        assert_eq!(turn_until_woken(&reactor), 1);
    }
    assert_eq!(read(&server, &mut buf, &waker), Poll::Ready(3));
    assert_eq!(&buf[..3], b"def");
}

#[test]
fn a_full_read_keeps_readiness() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = registered_tcp_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let mut buf = [0u8; 4];
    client.get_ref().write_all(b"abcdef").unwrap();
    assert_eq!(
        read(&server, &mut buf, &waker),
        Poll::Pending,
        "nothing assumed"
    );
    assert_eq!(turn_until_woken(&reactor), 1);
    assert_eq!(read(&server, &mut buf, &waker), Poll::Ready(4));
    assert!(
        is_ready(&server, Direction::READ),
        "a full buffer says nothing"
    );
    assert_eq!(read(&server, &mut buf, &waker), Poll::Ready(2));
}

/// The data and the FIN are both queued before the reactor reports them, so one event
/// carries both: the short read that takes the data must not hide the FIN.
fn fin_in_the_same_edge_as_the_data<T: AsFd>(
    reactor: &Arc<Reactor>,
    client: IoSource<T>,
    server: IoSource<T>,
    shutdown_write: impl FnOnce(&T),
) where
    for<'a> &'a T: Read + Write,
{
    let waker = Arc::new(CountingWaker::default());
    let mut buf = [0u8; 8];
    assert_eq!(read(&server, &mut buf, &waker), Poll::Pending);
    client.get_ref().write_all(b"abc").unwrap();
    shutdown_write(client.get_ref());
    assert_eq!(turn_until_woken(reactor), 1);
    assert_eq!(read(&server, &mut buf, &waker), Poll::Ready(3));
    // No turn in between: the closed bit (epoll) or the call itself (polling) says EOF.
    assert_eq!(read(&server, &mut buf, &waker), Poll::Ready(0));
    assert_eq!(read(&server, &mut buf, &waker), Poll::Ready(0), "EOF stays");
    assert!(is_ready(&server, Direction::READ));
    assert_eq!(waker.wakes(), 1);
}

#[test]
fn a_fin_with_the_last_data_still_ends_the_read_tcp() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = registered_tcp_pair(&reactor);
    fin_in_the_same_edge_as_the_data(&reactor, client, server, |stream| {
        stream.shutdown(Shutdown::Write).unwrap()
    });
}

#[test]
fn a_fin_with_the_last_data_still_ends_the_read_unix() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (a, b) = UnixStream::pair().unwrap();
    let (client, server) = register_pair(&reactor, a, b);
    fin_in_the_same_edge_as_the_data(&reactor, client, server, |stream| {
        stream.shutdown(Shutdown::Write).unwrap()
    });
}

#[test]
fn a_short_write_clears_writability_where_the_backend_allows_it() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = registered_tcp_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let data = vec![1u8; 64 << 20];
    let write = |waker: &Arc<CountingWaker>| {
        let waker = Waker::from(waker.clone());
        let cx = std::task::Context::from_waker(&waker);
        client.poll_stream_write(&cx, data.len(), |mut io| io.write(&data))
    };
    // The registration's first edge reports the fresh socket writable.
    assert!(
        write(&waker).is_pending(),
        "nothing assumed before the first turn"
    );
    assert_eq!(turn_until_woken(&reactor), 1);
    let Poll::Ready(Ok(written)) = write(&waker) else {
        panic!("a fresh socket takes some of the data at once")
    };
    assert!(written < data.len(), "64 MiB do not fit a loopback buffer");
    assert_eq!(
        is_ready(&client, Direction::WRITE),
        !Selector::SHORT_IO_DRAINS
    );
    // The peer drains what it can; the writer is woken when room is reported.
    let mut sink = vec![0u8; 1 << 20];
    let mut drained = 0;
    while drained < written {
        match server.get_ref().read(&mut sink) {
            Ok(n) => drained += n,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) => panic!("unexpected read error: {error}"),
        }
    }
    assert!(drained > 0);
    loop {
        match write(&waker) {
            Poll::Ready(Ok(n)) => {
                assert!(n > 0);
                break;
            }
            Poll::Ready(Err(error)) => panic!("unexpected write error: {error}"),
            Poll::Pending => {
                turn_until_woken(&reactor);
            }
        }
    }
}

/// A datagram socket its own program shut down for reading reports `EPOLLRDHUP`, yet a
/// receive still says `WouldBlock`: the closed bit is disproved and cleared, and the receive
/// waits instead of spinning.
#[test]
fn a_would_block_disproves_a_closed_bit() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_nonblocking(true).unwrap();
    let socket = {
        let _enter = reactor.enter();
        IoSource::new(socket).unwrap()
    };
    // Unconnected: Linux sets the shutdown bits and reports ENOTCONN.
    let _ = socket2::SockRef::from(socket.get_ref()).shutdown(Shutdown::Read);
    reactor.turn(Some(Duration::ZERO)).unwrap();
    let waker = Waker::from(Arc::new(CountingWaker::default()));
    let mut buf = [0u8; 8];
    let mut recv = std::pin::pin!(socket.read_with(|socket| socket.recv_from(&mut buf)));
    match poll_with(recv.as_mut(), &waker) {
        Poll::Pending => {}
        Poll::Ready(result) => assert!(result.is_ok_and(|(n, _)| n == 0), "EOF or wait"),
    }
}

#[test]
fn a_wait_never_returns_before_its_timeout() {
    let reactor = Reactor::new().unwrap();
    for timeout in [
        Duration::from_micros(1500),
        Duration::from_micros(300),
        Duration::from_nanos(1),
    ] {
        let start = Instant::now();
        assert_eq!(reactor.turn(Some(timeout)).unwrap(), 0);
        let waited = start.elapsed();
        assert!(waited >= timeout, "waited {waited:?} of {timeout:?}");
    }
}

#[test]
fn notify_ends_the_next_wait_even_when_nobody_waits_yet() {
    let reactor = Reactor::new().unwrap();
    reactor.notify().unwrap();
    reactor.notify().unwrap();
    // Would wait for ever without the queued notification.
    assert_eq!(reactor.turn(None).unwrap(), 0);
}

#[cfg(all(target_os = "linux", not(feature = "polling-backend")))]
#[test]
fn notify_resets_an_eventfd_counter_about_to_overflow() {
    let reactor = Reactor::new().unwrap();
    let notifier = reactor.selector().notifier();
    let most = u64::MAX - 1;
    rustix::io::write(notifier, &most.to_ne_bytes()).unwrap();
    reactor
        .notify()
        .expect("the counter is reset, then written");
    let mut counter = [0u8; 8];
    rustix::io::read(notifier, &mut counter).unwrap();
    assert_eq!(
        u64::from_ne_bytes(counter),
        1,
        "reset, then one notification"
    );
}

#[test]
fn an_event_for_a_deregistered_source_never_reaches_the_slot_s_next_owner() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let first = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let second = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    // SAFETY: both sockets are deregistered below, before they are dropped.
    let (old_token, old_source) = unsafe { reactor.register(first.as_fd(), 0).unwrap() };
    reactor.deregister(first.as_fd(), old_token, &old_source);
    // SAFETY: as above.
    let (new_token, new_source) = unsafe { reactor.register(second.as_fd(), 0).unwrap() };
    assert_eq!(
        old_token & u64::from(u32::MAX),
        new_token & u64::from(u32::MAX),
        "the slot is reused"
    );
    assert!(reactor.source_of(old_token).is_none() || !Selector::TOKENS_CARRY_GENERATION);
    assert!(reactor
        .source_of(new_token)
        .is_some_and(|source| Arc::ptr_eq(&source, &new_source)));
    reactor.deregister(second.as_fd(), new_token, &new_source);
}

#[test]
fn the_backend_is_the_one_the_build_selects() {
    let reactor = Reactor::new().unwrap();
    let expected = if cfg!(all(target_os = "linux", not(feature = "polling-backend"))) {
        "epoll"
    } else {
        "polling"
    };
    assert_eq!(reactor.backend(), expected);
    assert!(format!("{reactor:?}").contains(expected));
}
