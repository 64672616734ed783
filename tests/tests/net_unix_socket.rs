//! `weft::net::UnixSocket` (bind before listen/connect/datagram, wrong-type refusals) and
//! Linux abstract-namespace addresses through `UnixListener::bind_addr` and
//! `UnixStream::connect_addr`, and through paths that start with a NUL byte (tokio's form).

#[macro_use]
mod common;

use std::io::ErrorKind;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr;

use common::net::{within, SocketPath};
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{UnixDatagram, UnixListener, UnixSocket, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    unix_socket_builds_listeners_streams_and_datagrams,
    wrong_socket_types_are_refused,
    abstract_names_bind_and_connect,
    a_path_that_starts_with_nul_is_an_abstract_name,
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

/// `"\0name"` names an abstract socket wherever a path is taken (tokio's reading, through
/// mio): `UnixListener::bind`, `UnixStream::connect`, `UnixDatagram::bind`/`connect`/`send_to`.
fn a_path_that_starts_with_nul_is_an_abstract_name(rt: Runtime) {
    rt.block_on(async {
        let name = format!(
            "weft-nul-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        );
        let path = format!("\0{name}");
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_abstract_name(),
            Some(name.as_bytes())
        );
        let (client, accepted) = futures_lite::future::zip(
            within("connect", UnixStream::connect(&path)),
            listener.accept(),
        )
        .await;
        let (mut client, (mut server, _)) = (client.unwrap(), accepted.unwrap());
        client.write_all(b"nul").await.unwrap();
        let mut buf = [0u8; 3];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"nul");

        let datagram_path = format!("\0{name}-datagram");
        let receiver = UnixDatagram::bind(&datagram_path).unwrap();
        let sender = UnixDatagram::unbound().unwrap();
        assert_eq!(sender.send_to(b"one", &datagram_path).await.unwrap(), 3);
        sender.connect(&datagram_path).unwrap();
        assert_eq!(sender.send(b"two").await.unwrap(), 3);
        let mut buf = [0u8; 8];
        for expected in [&b"one"[..], b"two"] {
            let n = within("recv", receiver.recv(&mut buf)).await.unwrap();
            assert_eq!(&buf[..n], expected);
        }
    });
}
