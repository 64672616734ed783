//! The rest of tokio's TCP surface on weft: `TcpSocket`, the socket options, `ready(Interest)`
//! and the `poll_*_ready`/`try_io`/`async_io` family, `read_buf`/`try_read_buf`,
//! `poll_accept`, `peek` on split halves, `reunite` errors, `forget`, and the std
//! conversions.

#[macro_use]
mod common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::time::Duration;

use bytes::BytesMut;
use common::net::within;
use weft::io::{AsyncReadExt, AsyncWriteExt, Interest, ReadBuf};
use weft::net::{TcpListener, TcpSocket, TcpStream, UnixListener, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    tcp_socket_configures_then_listens_and_connects,
    reuseport_lets_two_listeners_share_a_port,
    stream_options_round_trip,
    readiness_try_io_and_async_io,
    poll_accept_and_std_conversions,
    split_halves_peek_reunite_and_forget,
);

fn tcp_socket_configures_then_listens_and_connects(rt: Runtime) {
    rt.block_on(async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        assert!(socket.reuseaddr().unwrap());
        socket.set_keepalive(true).unwrap();
        assert!(socket.keepalive().unwrap());
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        assert!(
            socket.recv_buffer_size().unwrap() >= 64 * 1024,
            "the kernel doubles it"
        );
        socket.set_send_buffer_size(64 * 1024).unwrap();
        assert!(socket.send_buffer_size().unwrap() >= 64 * 1024);
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        assert_ne!(addr.port(), 0);
        let listener = socket.listen(16).unwrap();
        assert_eq!(listener.local_addr().unwrap(), addr);

        let client = TcpSocket::new_v4().unwrap();
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_linger(Some(Duration::from_secs(2))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(2)));
        assert!(client.take_error().unwrap().is_none());
        let mut stream = within("connect", client.connect(addr)).await.unwrap();
        assert!(stream.nodelay().unwrap(), "options set before connect stay");
        let (mut accepted, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, stream.local_addr().unwrap());
        stream.write_all(b"built").await.unwrap();
        let mut buf = [0; 5];
        accepted.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"built");

        let v6 = TcpSocket::new_v6().unwrap();
        v6.bind("[::1]:0".parse().unwrap()).unwrap();
        assert!(v6.local_addr().unwrap().is_ipv6());
        let error = TcpSocket::new_v4()
            .unwrap()
            .bind("[::1]:0".parse().unwrap())
            .unwrap_err();
        assert_eq!(
            error.raw_os_error(),
            Some(libc::EAFNOSUPPORT),
            "IPv6 on an IPv4 socket"
        );
    });
}

fn reuseport_lets_two_listeners_share_a_port(rt: Runtime) {
    rt.block_on(async {
        let first = TcpSocket::new_v4().unwrap();
        first.set_reuseport(true).unwrap();
        assert!(first.reuseport().unwrap());
        first.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = first.local_addr().unwrap();
        let _first = first.listen(16).unwrap();
        let second = TcpSocket::new_v4().unwrap();
        second.set_reuseport(true).unwrap();
        second.bind(addr).unwrap();
        let second = second.listen(16).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
        let third = TcpSocket::new_v4().unwrap();
        let error = third.bind(addr).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse, "without SO_REUSEPORT");
    });
}

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

fn stream_options_round_trip(rt: Runtime) {
    rt.block_on(async {
        let (client, _server) = tcp_pair().await;
        for on in [true, false] {
            client.set_nodelay(on).unwrap();
            assert_eq!(client.nodelay().unwrap(), on);
        }
        client.set_ttl(33).unwrap();
        assert_eq!(client.ttl().unwrap(), 33);
        assert_eq!(client.linger().unwrap(), None);
        client.set_linger(Some(Duration::from_secs(1))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(1)));
        client.set_zero_linger().unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
        for on in [true, false] {
            client.set_quickack(on).unwrap();
            assert_eq!(client.quickack().unwrap(), on);
        }
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_tos_v4(0x10).unwrap();
        assert_eq!(socket.tos_v4().unwrap(), 0x10);
        socket.set_zero_linger().unwrap();
        assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
        assert_eq!(socket.device().unwrap(), None);
        let v6 = TcpSocket::new_v6().unwrap();
        v6.set_tclass_v6(0x20).unwrap();
        assert_eq!(v6.tclass_v6().unwrap(), 0x20);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.set_ttl(44).unwrap();
        assert_eq!(listener.ttl().unwrap(), 44);
        assert!(client.take_error().unwrap().is_none());
    });
}

/// The caller's own system call for `try_io`/`async_io`: a plain `read` through socket2.
fn raw_read(stream: &TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let socket = socket2::SockRef::from(stream);
    let mut socket: &socket2::Socket = &socket;
    socket.read(buf)
}

fn readiness_try_io_and_async_io(rt: Runtime) {
    rt.block_on(async {
        let (mut client, server) = tcp_pair().await;
        let ready = server
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        assert!(ready.is_writable());
        poll_fn(|cx| server.poll_write_ready(cx)).await.unwrap();
        let mut buf = [0u8; 16];
        let error = server
            .try_io(Interest::READABLE, || raw_read(&server, &mut buf))
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WouldBlock, "nothing sent yet");
        let read = server.async_io(Interest::READABLE, || raw_read(&server, &mut buf));
        let write = async { client.write_all(b"seven!!").await.unwrap() };
        let (n, ()) = within("async_io", async { weft::join!(read, write) }).await;
        assert_eq!(n.unwrap(), 7);
        assert_eq!(&buf[..7], b"seven!!");

        client.write_all(b"more bytes").await.unwrap();
        within("poll_read_ready", poll_fn(|cx| server.poll_read_ready(cx)))
            .await
            .unwrap();
        let mut bytes = BytesMut::with_capacity(4);
        let mut got = 0;
        while got < 10 {
            match server.try_read_buf(&mut bytes) {
                Ok(n) => got += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => server.readable().await.unwrap(),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(&bytes[..], b"more bytes");
        client.shutdown().await.unwrap();
        let mut rest = Vec::new();
        assert_eq!(
            (&server).read_buf(&mut rest).await.unwrap(),
            0,
            "EOF through &TcpStream"
        );
    });
}

fn poll_accept_and_std_conversions(rt: Runtime) {
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, peer) = within("poll_accept", poll_fn(|cx| listener.poll_accept(cx)))
            .await
            .unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        client.write_all(b"kept in the socket").await.unwrap();
        // To std and back: the unread bytes are still there.
        let std_server = server.into_std().unwrap();
        let mut server = TcpStream::try_from(std_server).unwrap();
        let mut buf = [0u8; 18];
        within("read after the round trip", server.read_exact(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf, b"kept in the socket");
        let std_listener = listener.into_std().unwrap();
        assert_eq!(std_listener.local_addr().unwrap(), addr);
        let listener = TcpListener::try_from(std_listener).unwrap();
        let _another = TcpStream::connect(addr).await.unwrap();
        listener.accept().await.unwrap();

        let path = common::net::SocketPath::new("poll-accept");
        let unix = UnixListener::bind(path.path()).unwrap();
        let _client = UnixStream::connect(path.path()).await.unwrap();
        let (stream, _) = poll_fn(|cx| unix.poll_accept(cx)).await.unwrap();
        let std_stream = stream.into_std().unwrap();
        UnixStream::try_from(std_stream).unwrap();
        UnixListener::try_from(unix.into_std().unwrap()).unwrap();
    });
}

fn split_halves_peek_reunite_and_forget(rt: Runtime) {
    rt.block_on(async {
        let (mut client, mut server) = tcp_pair().await;
        client.write_all(b"peek me").await.unwrap();
        {
            let (mut read, write) = server.split();
            let mut buf = [0u8; 4];
            assert_eq!(within("peek", read.peek(&mut buf)).await.unwrap(), 4);
            assert_eq!(&buf, b"peek");
            let mut storage = [0u8; 16];
            let mut read_buf = ReadBuf::new(&mut storage);
            let n = poll_fn(|cx| read.poll_peek(cx, &mut read_buf))
                .await
                .unwrap();
            assert_eq!((n, read_buf.filled()), (7, &b"peek me"[..]));
            assert!(read.ready(Interest::READABLE).await.unwrap().is_readable());
            assert_eq!(read.try_read(&mut storage).unwrap(), 7, "peeked bytes stay");
            assert_eq!(write.try_write(b"hi").unwrap(), 2);
            assert_eq!(write.peer_addr().unwrap(), client.local_addr().unwrap());
        }
        let mut hi = [0u8; 2];
        client.read_exact(&mut hi).await.unwrap();

        let (read_a, write_a) = client.into_split();
        let (read_b, write_b) = server.into_split();
        let error = read_a.reunite(write_b).unwrap_err();
        assert_eq!(
            error.to_string(),
            "tried to reunite halves that are not from the same socket"
        );
        let weft::net::tcp::ReuniteError(read_a, write_b) = error;
        let mut server = read_b.reunite(write_b).expect("the right halves");
        // A forgotten write half does not shut down writing; dropping the read half as well
        // closes the socket, and only then does the peer read EOF.
        write_a.forget();
        server.write_all(b"still open").await.unwrap();
        let mut read_a = read_a;
        let mut buf = [0u8; 10];
        read_a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still open");
        assert_eq!(
            server.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock,
            "no EOF while the read half lives"
        );
        drop(read_a);
        assert_eq!(within("EOF", server.read(&mut buf)).await.unwrap(), 0);
    });
}

/// A constructor that needs a reactor, called outside any runtime, panics with weft's message
/// at the caller's line (`#[track_caller]`), as tokio's do.
#[test]
fn from_std_outside_a_runtime_panics_at_the_callers_line() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let this_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == this_thread {
            let location = info.location().map(|l| (l.file().to_string(), l.line()));
            let payload = info.payload();
            let message = payload.downcast_ref::<String>().cloned();
            let message = message.or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
            let _ = tx.send((location, message));
        }
    }));
    let line = line!() + 1;
    let result = std::panic::catch_unwind(|| TcpListener::from_std(std_listener));
    std::panic::set_hook(previous);
    assert!(result.is_err());
    let (location, message) = rx.recv().unwrap();
    assert_eq!(location, Some((file!().to_string(), line)));
    assert!(message.unwrap().starts_with("there is no reactor running"));
}
