//! `weft::net::UnixSocket` (bind before listen/connect/datagram, wrong-type refusals) and
//! Linux abstract-namespace addresses through `UnixListener::bind_addr` and
//! `UnixStream::connect_addr`.

#[macro_use]
mod common;

use std::io::ErrorKind;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr;

use common::net::{within, SocketPath};
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{UnixListener, UnixSocket, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    unix_socket_builds_listeners_streams_and_datagrams,
    wrong_socket_types_are_refused,
    abstract_names_bind_and_connect,
);

fn unix_socket_builds_listeners_streams_and_datagrams(rt: Runtime) {
    rt.block_on(async {
        let path = SocketPath::new("builder");
        let socket = UnixSocket::new_stream().unwrap();
        socket.bind(path.path()).unwrap();
        let listener = socket.listen(8).unwrap();
        let mut client = within(
            "connect",
            UnixSocket::new_stream().unwrap().connect(path.path()),
        )
        .await
        .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"built").await.unwrap();
        let mut buf = [0u8; 5];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"built");

        let (pa, pb) = (SocketPath::new("builder-a"), SocketPath::new("builder-b"));
        let a = UnixSocket::new_datagram().unwrap();
        a.bind(pa.path()).unwrap();
        let a = a.datagram().unwrap();
        let b = UnixSocket::new_datagram().unwrap();
        b.bind(pb.path()).unwrap();
        let b = b.datagram().unwrap();
        a.send_to(b"dgram", pb.path()).await.unwrap();
        let (n, from) = within("recv_from", b.recv_from(&mut buf)).await.unwrap();
        assert_eq!(
            (&buf[..n], from.as_pathname()),
            (&b"dgram"[..], Some(pa.path()))
        );
    });
}

fn wrong_socket_types_are_refused(rt: Runtime) {
    rt.block_on(async {
        let error = UnixSocket::new_datagram().unwrap().listen(8).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            error.to_string(),
            "listen cannot be called on a datagram socket"
        );
        let path = SocketPath::new("wrong-type");
        let error = UnixSocket::new_datagram()
            .unwrap()
            .connect(path.path())
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "connect cannot be called on a datagram socket"
        );
        let error = UnixSocket::new_stream().unwrap().datagram().unwrap_err();
        assert_eq!(
            error.to_string(),
            "datagram cannot be called on a stream socket"
        );
    });
}

fn abstract_names_bind_and_connect(rt: Runtime) {
    rt.block_on(async {
        let name = format!(
            "weft-abstract-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        );
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        let local = listener.local_addr().unwrap();
        assert_eq!(local.as_abstract_name(), Some(name.as_bytes()));
        let mut client = within("connect_addr", UnixStream::connect_addr(&addr))
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        server.write_all(b"abstract").await.unwrap();
        let mut buf = [0u8; 8];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abstract");
        let unnamed = client.local_addr().unwrap();
        assert!(unnamed.is_unnamed());
        let error = UnixStream::connect_addr(&unnamed).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    });
}
