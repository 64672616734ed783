//! Receiving into memory that may be uninitialized: tokio's `ReadBuf` and `bytes`' `BufMut`.
//!
//! Every receive goes through `socket2` (sockets) or `rustix` (pipes), whose calls take
//! `&mut [MaybeUninit<u8>]` and only ever write initialized bytes into it, so no `&mut [u8]`
//! to uninitialized memory is ever made. Invariant of each function here: the buffer is advanced by exactly the
//! count the system call returned, which is how many bytes it initialized, and by nothing
//! when the call fails (a `WouldBlock` leaves the buffer as it was, ready for the retry).

use bytes::BufMut;
use socket2::{SockAddr, SockRef};
use std::io;
use std::mem::MaybeUninit;
use tokio::io::ReadBuf;

/// `recv` (or `recv(MSG_PEEK)` with `peek`) into the unfilled part of `buf`, advancing it.
pub(crate) fn recv_read_buf(
    socket: SockRef<'_>,
    buf: &mut ReadBuf<'_>,
    peek: bool,
) -> io::Result<usize> {
    // SAFETY: `unfilled_mut` requires that we never de-initialize bytes through the slice;
    // socket2's `recv`/`peek` only write received bytes into it.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = if peek {
        socket.peek(unfilled)?
    } else {
        socket.recv(unfilled)?
    };
    // SAFETY: the call wrote (initialized) the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(n)
}

/// `recv` into the spare capacity of `buf` (a `BytesMut`, a `Vec<u8>`, ...), advancing it.
pub(crate) fn recv_buf_mut<B: BufMut + ?Sized>(
    socket: SockRef<'_>,
    buf: &mut B,
) -> io::Result<usize> {
    let n = socket.recv(spare(buf))?;
    // SAFETY: `recv` initialized the first `n` bytes of the chunk `spare` returned, which
    // start at the buffer's current write position.
    unsafe { buf.advance_mut(n) };
    Ok(n)
}

/// `recv_from` into the spare capacity of `buf`, advancing it; with the sender's address.
pub(crate) fn recv_from_buf_mut<B: BufMut + ?Sized>(
    socket: SockRef<'_>,
    buf: &mut B,
) -> io::Result<(usize, SockAddr)> {
    let (n, addr) = socket.recv_from(spare(buf))?;
    // SAFETY: as in `recv_buf_mut`.
    unsafe { buf.advance_mut(n) };
    Ok((n, addr))
}

/// `recv_from` (or its peek) into the unfilled part of `buf`, advancing it.
pub(crate) fn recv_from_read_buf(
    socket: SockRef<'_>,
    buf: &mut ReadBuf<'_>,
    peek: bool,
) -> io::Result<(usize, SockAddr)> {
    // SAFETY: as in `recv_read_buf`.
    let unfilled = unsafe { buf.unfilled_mut() };
    let (n, addr) = if peek {
        socket.peek_from(unfilled)?
    } else {
        socket.recv_from(unfilled)?
    };
    // SAFETY: as in `recv_read_buf`.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok((n, addr))
}

/// `read(2)` (for a pipe, which `recv` refuses) into the unfilled part of `buf`, advancing it.
pub(crate) fn read_read_buf(
    fd: impl std::os::fd::AsFd,
    buf: &mut ReadBuf<'_>,
) -> io::Result<usize> {
    // SAFETY: as in `recv_read_buf`: rustix's `read` only writes read bytes into the slice.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = rustix::io::read(fd, unfilled)?.0.len();
    // SAFETY: `read` initialized the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(n)
}

/// `read(2)` into the spare capacity of `buf`, advancing it.
pub(crate) fn read_buf_mut<B: BufMut + ?Sized>(
    fd: impl std::os::fd::AsFd,
    buf: &mut B,
) -> io::Result<usize> {
    let n = rustix::io::read(fd, spare(buf))?.0.len();
    // SAFETY: as in `recv_buf_mut`.
    unsafe { buf.advance_mut(n) };
    Ok(n)
}

/// The writable, possibly uninitialized, chunk of `buf` (`BufMut` grows a `Vec` when full).
fn spare<B: BufMut + ?Sized>(buf: &mut B) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `as_uninit_slice_mut` requires that uninitialized bytes are never written into
    // the slice; it is only handed to a socket2 receive, which writes received bytes.
    unsafe { buf.chunk_mut().as_uninit_slice_mut() }
}

/// The IP address of `addr`, which the kernel gave for an IP socket.
pub(crate) fn ip_addr(addr: SockAddr) -> io::Result<std::net::SocketAddr> {
    addr.as_socket().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the kernel gave a non-IP address for an IP socket",
        )
    })
}
