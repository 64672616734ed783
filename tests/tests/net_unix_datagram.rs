//! `weft::net::UnixDatagram` as tokio's: pairs, bound paths and unbound senders, connect,
//! the `try_`, `poll_` and `_buf` forms, readiness, shutdown, and the std conversions; and
//! `UnixStream::peer_cred`.

#[macro_use]
mod common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::net::Shutdown;

use bytes::BytesMut;
use common::net::{within, SocketPath};
use weft::io::{Interest, ReadBuf};
use weft::net::{UnixDatagram, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    a_pair_keeps_every_boundary_in_order,
    bound_paths_name_their_senders,
    connected_sockets_and_try_forms,
    poll_and_buf_forms,
    shutdown_and_std_conversions,
    peer_cred_names_this_process,
);

const DATAGRAMS: usize = 100;

fn a_pair_keeps_every_boundary_in_order(rt: Runtime) {
    rt.block_on(async {
        let (a, b) = UnixDatagram::pair().unwrap();
        let sender = weft::spawn(async move {
            for i in 0..DATAGRAMS {
                let len = 1 + i % 50;
                assert_eq!(a.send(&vec![i as u8; len]).await.unwrap(), len);
            }
            a
        });
        let mut buf = [0u8; 64];
        for i in 0..DATAGRAMS {
            let n = within("recv", b.recv(&mut buf)).await.unwrap();
            assert_eq!(&buf[..n], &vec![i as u8; 1 + i % 50][..], "datagram {i}");
        }
        let a = sender.await.unwrap();
        assert!(a.local_addr().unwrap().is_unnamed());
        assert!(b.peer_addr().unwrap().is_unnamed());
    });
}

fn bound_paths_name_their_senders(rt: Runtime) {
    rt.block_on(async {
        let (pa, pb) = (SocketPath::new("dgram-a"), SocketPath::new("dgram-b"));
        let a = UnixDatagram::bind(pa.path()).unwrap();
        let b = UnixDatagram::bind(pb.path()).unwrap();
        assert_eq!(a.local_addr().unwrap().as_pathname(), Some(pa.path()));
        assert_eq!(a.send_to(b"from a", pb.path()).await.unwrap(), 6);
        let mut buf = [0u8; 16];
        let (n, from) = within("recv_from", b.recv_from(&mut buf)).await.unwrap();
        assert_eq!(
            (&buf[..n], from.as_pathname()),
            (&b"from a"[..], Some(pa.path()))
        );

        let unbound = UnixDatagram::unbound().unwrap();
        unbound.send_to(b"anonymous", pb.path()).await.unwrap();
        let mut storage = [0u8; 16];
        let mut read_buf = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_recv_from(cx, &mut read_buf))
            .await
            .unwrap();
        assert_eq!(read_buf.filled(), b"anonymous");
        assert!(from.is_unnamed(), "an unbound sender has no name");

        a.send_to(b"again", pb.path()).await.unwrap();
        let mut bytes = BytesMut::with_capacity(64);
        let (n, from) = b.recv_buf_from(&mut bytes).await.unwrap();
        assert_eq!(
            (n, &bytes[..], from.as_pathname()),
            (5, &b"again"[..], Some(pa.path()))
        );

        let error = UnixDatagram::bind(pa.path()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AddrInUse);
        let nowhere = SocketPath::new("dgram-nowhere");
        let error = a.send_to(b"x", nowhere.path()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound);
    });
}

fn connected_sockets_and_try_forms(rt: Runtime) {
    rt.block_on(async {
        let (pa, pb) = (SocketPath::new("conn-a"), SocketPath::new("conn-b"));
        let a = UnixDatagram::bind(pa.path()).unwrap();
        let b = UnixDatagram::bind(pb.path()).unwrap();
        assert_eq!(
            a.send(b"x").await.unwrap_err().kind(),
            ErrorKind::NotConnected
        );
        a.connect(pb.path()).unwrap();
        assert_eq!(a.peer_addr().unwrap().as_pathname(), Some(pb.path()));
        assert_eq!(
            b.try_recv(&mut [0; 8]).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        a.writable().await.unwrap();
        assert_eq!(a.try_send(b"tried").unwrap(), 5);
        assert_eq!(a.try_send_to(b"to", pb.path()).unwrap(), 2);
        let ready = within("ready", b.ready(Interest::READABLE)).await.unwrap();
        assert!(ready.is_readable());
        let mut buf = [0u8; 8];
        assert_eq!(b.try_recv(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"tried");
        let (n, from) = b.try_recv_from(&mut buf).unwrap();
        assert_eq!(
            (&buf[..n], from.as_pathname()),
            (&b"to"[..], Some(pa.path()))
        );
        assert_eq!(
            b.try_recv_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        // try_io with the caller's own call, and async_io waiting for the next datagram.
        let error = b
            .try_io(Interest::READABLE, || b.try_recv(&mut [0; 8]))
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WouldBlock);
        let receive = b.async_io(Interest::READABLE, || b.try_recv(&mut [0; 8]));
        let send = async { a.send(b"later").await.unwrap() };
        let (received, sent) = within("async_io", async { weft::join!(receive, send) }).await;
        assert_eq!((received.unwrap(), sent), (5, 5));
    });
}

fn poll_and_buf_forms(rt: Runtime) {
    rt.block_on(async {
        let (pa, pb) = (SocketPath::new("poll-a"), SocketPath::new("poll-b"));
        let a = UnixDatagram::bind(pa.path()).unwrap();
        let b = UnixDatagram::bind(pb.path()).unwrap();
        assert_eq!(
            poll_fn(|cx| a.poll_send_to(cx, b"p1", pb.path()))
                .await
                .unwrap(),
            2
        );
        b.connect(pa.path()).unwrap();
        a.connect(pb.path()).unwrap();
        assert_eq!(poll_fn(|cx| a.poll_send(cx, b"p2")).await.unwrap(), 2);
        a.send(b"p3").await.unwrap();
        a.send(b"p4").await.unwrap();
        poll_fn(|cx| b.poll_recv_ready(cx)).await.unwrap();
        poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
        let mut storage = [0u8; 8];
        let mut buf = ReadBuf::new(&mut storage);
        poll_fn(|cx| b.poll_recv(cx, &mut buf)).await.unwrap();
        assert_eq!(buf.filled(), b"p1");
        let mut vec = Vec::with_capacity(8);
        assert_eq!(b.recv_buf(&mut vec).await.unwrap(), 2);
        assert_eq!(b.try_recv_buf(&mut vec).unwrap(), 2);
        let mut bytes = BytesMut::with_capacity(8);
        let (n, from) = b.try_recv_buf_from(&mut bytes).unwrap();
        assert_eq!((n, from.as_pathname()), (2, Some(pa.path())));
        assert_eq!((&vec[..], &bytes[..]), (&b"p2p3"[..], &b"p4"[..]));
    });
}

fn shutdown_and_std_conversions(rt: Runtime) {
    rt.block_on(async {
        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"before").await.unwrap();
        let std_b = b.into_std().unwrap();
        let b = UnixDatagram::try_from(std_b).unwrap();
        let mut buf = [0u8; 8];
        let n = within("recv after into_std", b.recv(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"before");
        a.shutdown(Shutdown::Write).unwrap();
        assert_eq!(
            a.send(b"after").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
        assert!(a.take_error().unwrap().is_none());
    });
}

fn peer_cred_names_this_process(rt: Runtime) {
    rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let cred = a.peer_cred().unwrap();
        assert_eq!(cred.pid(), Some(std::process::id() as i32));
        // SAFETY: getuid and getgid cannot fail and touch no memory.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        assert_eq!((cred.uid(), cred.gid()), (uid, gid));
        assert_eq!(b.peer_cred().unwrap(), cred);
    });
}
