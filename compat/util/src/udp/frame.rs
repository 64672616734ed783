//! [`UdpFramed`]: datagrams decoded and encoded by a codec, with their peers' addresses.

use futures_core::Stream;
use futures_sink::Sink;
use std::borrow::Borrow;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};
use weft::io::ReadBuf;
use weft::net::UdpSocket;

/// Room for the largest datagram UDP can carry (65,507 bytes over IPv4, 65,527 over IPv6).
const DATAGRAM_CAPACITY: usize = 64 * 1024;
const INITIAL_WR_CAPACITY: usize = 8 * 1024;

/// A [`Stream`] of the frames that `C` decodes from each datagram received, with its sender,
/// and a [`Sink`] of frames that `C` encodes, each sent as one datagram to the address it is
/// paired with.
///
/// tokio-util's `UdpFramed`, over weft's [`UdpSocket`] (`T` is the socket or anything that
/// borrows one, such as `Arc<UdpSocket>`, so that one socket can back a reading and a writing
/// `UdpFramed`). The same semantics: each datagram is decoded on its own, with
/// [`Decoder::decode_eof`] until it yields no more frames (bytes left over are dropped); a
/// decoding error is yielded and the stream goes on with the next datagram; `poll_ready` and
/// `poll_flush` send the encoded frame, and a datagram the socket sent short is an error.
///
/// ```
/// use futures_core::Stream;
/// use futures_sink::Sink;
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use weft::net::UdpSocket;
/// use weft_util::codec::LinesCodec;
/// use weft_util::udp::UdpFramed;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
///     let mut a = UdpFramed::new(a, LinesCodec::new());
///     let mut b = UdpFramed::new(b, LinesCodec::new());
///
///     // What futures' `SinkExt::send` does; `LinesCodec` encodes any `AsRef<str>`.
///     poll_fn(|cx| Sink::<(&str, _)>::poll_ready(Pin::new(&mut a), cx)).await.unwrap();
///     Pin::new(&mut a).start_send(("ping", b_addr)).unwrap();
///     poll_fn(|cx| Sink::<(&str, _)>::poll_flush(Pin::new(&mut a), cx)).await.unwrap();
///
///     let got = poll_fn(|cx| Pin::new(&mut b).poll_next(cx)).await.unwrap().unwrap();
///     assert_eq!(got, ("ping".to_owned(), a_addr));
/// });
/// ```
#[must_use = "sinks do nothing unless polled"]
pub struct UdpFramed<C, T = UdpSocket> {
    socket: T,
    codec: C,
    /// The datagram being decoded.
    rd: BytesMut,
    /// Where datagrams are received: zeroed once, so that receiving needs no unsafe code (the
    /// bytes are then copied into `rd`, as many as arrived).
    scratch: Box<[u8]>,
    /// The encoded frame not yet sent, and where to.
    wr: BytesMut,
    out_addr: SocketAddr,
    flushed: bool,
    /// `rd` holds a datagram that may yield more frames.
    is_readable: bool,
    /// The sender of the datagram in `rd`.
    current_addr: Option<SocketAddr>,
}

impl<C, T> Unpin for UdpFramed<C, T> {}

impl<C: fmt::Debug, T: fmt::Debug> fmt::Debug for UdpFramed<C, T> {
    /// Every field but the receive scratch space (64 KiB of no interest).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpFramed")
            .field("socket", &self.socket)
            .field("codec", &self.codec)
            .field("rd", &self.rd)
            .field("wr", &self.wr)
            .field("out_addr", &self.out_addr)
            .field("flushed", &self.flushed)
            .field("is_readable", &self.is_readable)
            .field("current_addr", &self.current_addr)
            .finish()
    }
}

impl<C, T: Borrow<UdpSocket>> UdpFramed<C, T> {
    /// Frames `socket` with `codec`.
    pub fn new(socket: T, codec: C) -> UdpFramed<C, T> {
        UdpFramed {
            socket,
            codec,
            rd: BytesMut::with_capacity(DATAGRAM_CAPACITY),
            scratch: vec![0; DATAGRAM_CAPACITY].into_boxed_slice(),
            wr: BytesMut::with_capacity(INITIAL_WR_CAPACITY),
            out_addr: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)),
            flushed: true,
            is_readable: false,
            current_addr: None,
        }
    }

    /// The socket. Reading or writing it directly may lose or mix up frames.
    pub fn get_ref(&self) -> &T {
        &self.socket
    }

    /// The socket, mutably; as [`get_ref`](UdpFramed::get_ref).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.socket
    }

    /// The codec.
    pub fn codec(&self) -> &C {
        &self.codec
    }

    /// The codec, mutably.
    pub fn codec_mut(&mut self) -> &mut C {
        &mut self.codec
    }

    /// The bytes of the datagram being decoded.
    pub fn read_buffer(&self) -> &BytesMut {
        &self.rd
    }

    /// The bytes of the datagram being decoded, mutably.
    pub fn read_buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.rd
    }

    /// Unwraps the socket; buffered bytes are lost.
    pub fn into_inner(self) -> T {
        self.socket
    }
}

impl<C: Decoder, T: Borrow<UdpSocket>> Stream for UdpFramed<C, T> {
    type Item = Result<(C::Item, SocketAddr), C::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.is_readable {
                if let Some(frame) = this.codec.decode_eof(&mut this.rd)? {
                    let addr = this.current_addr.expect("set with the datagram");
                    return Poll::Ready(Some(Ok((frame, addr))));
                }
                // The datagram yields no more frames: what is left of it is dropped.
                this.is_readable = false;
                this.rd.clear();
            }
            let mut buf = ReadBuf::new(&mut this.scratch);
            let addr = ready!(this.socket.borrow().poll_recv_from(cx, &mut buf))?;
            this.rd.extend_from_slice(buf.filled());
            this.current_addr = Some(addr);
            this.is_readable = true;
        }
    }
}

impl<I, C: Encoder<I>, T: Borrow<UdpSocket>> Sink<(I, SocketAddr)> for UdpFramed<C, T> {
    type Error = C::Error;

    /// Ready once the frame before (if any) is sent.
    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        if self.flushed {
            Poll::Ready(Ok(()))
        } else {
            self.poll_flush(cx)
        }
    }

    /// Encodes the frame, to be sent to the address by the next flush.
    fn start_send(self: Pin<&mut Self>, item: (I, SocketAddr)) -> Result<(), C::Error> {
        let this = self.get_mut();
        let (frame, addr) = item;
        this.codec.encode(frame, &mut this.wr)?;
        this.out_addr = addr;
        this.flushed = false;
        Ok(())
    }

    /// Sends the encoded frame as one datagram.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        let this = self.get_mut();
        if this.flushed {
            return Poll::Ready(Ok(()));
        }
        let sent = ready!(this
            .socket
            .borrow()
            .poll_send_to(cx, &this.wr, this.out_addr))?;
        let whole = sent == this.wr.len();
        this.wr.clear();
        this.flushed = true;
        if whole {
            Poll::Ready(Ok(()))
        } else {
            let short = io::Error::other("failed to write entire datagram to socket");
            Poll::Ready(Err(short.into()))
        }
    }

    /// Flushes; the socket stays open (it closes when dropped).
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        self.poll_flush(cx)
    }
}
