//! Socket addresses: [`ToSocketAddrs`] (tokio's sealed trait), [`lookup_host`], and the
//! "try each address in turn" that `bind` and `connect` share.
//!
//! A literal address (`SocketAddr`, `(IpAddr, u16)`, `"127.0.0.1:80"`, `("::1", 80)`) is parsed
//! on the spot: no system call, no allocation, no thread. Only a host name goes to
//! `getaddrinfo`, on the blocking pool of the thread's executor (see `blocking.rs`), never on
//! the thread that polls.

use crate::blocking::run_blocking;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Something that resolves to one or more socket addresses: what `bind`, `connect`,
/// `send_to` and [`lookup_host`] take.
///
/// Implemented, as tokio's trait is, for `SocketAddr`, `SocketAddrV4`, `SocketAddrV6`,
/// `(IpAddr, u16)`, `(Ipv4Addr, u16)`, `(Ipv6Addr, u16)`, `&[SocketAddr]`, `str` and `String`
/// (`"host:port"`), `(&str, u16)` and `(String, u16)`, and references to any of these. The
/// trait is sealed: its method is weft's business, and more types may be added.
///
/// Literal addresses are parsed without any blocking call; host names are resolved with the
/// system resolver on the runtime's blocking pool.
///
/// # Examples
///
/// ```
/// use std::net::{Ipv4Addr, SocketAddr};
/// use weft_io::net::UdpSocket;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
/// let port = b.local_addr()?.port();
/// a.send_to(b"1", ("127.0.0.1", port)).await?;
/// a.send_to(b"2", format!("127.0.0.1:{port}")).await?;
/// a.send_to(b"3", b.local_addr()?).await?;
/// let mut buf = [0; 1];
/// for want in [b"1", b"2", b"3"] {
///     b.recv_from(&mut buf).await?;
///     assert_eq!(&buf, want);
/// }
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use super::Addrs;

    /// What a [`ToSocketAddrs`](super::ToSocketAddrs) is before resolution.
    #[derive(Debug)]
    pub enum Unresolved {
        /// Already addresses: no lookup.
        Ready(Addrs),
        /// A host name and port for the resolver.
        Lookup(String, u16),
        /// A malformed `"host:port"` string.
        Invalid(&'static str),
    }

    /// The sealed half of `ToSocketAddrs`.
    pub trait ToSocketAddrsPriv {
        /// The addresses, or what to look up.
        fn to_unresolved(&self) -> Unresolved;
    }
}

use sealed::{ToSocketAddrsPriv, Unresolved};

/// The addresses a [`ToSocketAddrs`] resolved to: an iterator, with no allocation for a
/// single literal address.
#[derive(Debug, Clone)]
pub struct Addrs(AddrsInner);

#[derive(Debug, Clone)]
enum AddrsInner {
    One(Option<SocketAddr>),
    Many(std::vec::IntoIter<SocketAddr>),
}

impl Iterator for Addrs {
    type Item = SocketAddr;

    fn next(&mut self) -> Option<SocketAddr> {
        match &mut self.0 {
            AddrsInner::One(addr) => addr.take(),
            AddrsInner::Many(addrs) => addrs.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            AddrsInner::One(addr) => (
                usize::from(addr.is_some()),
                Some(usize::from(addr.is_some())),
            ),
            AddrsInner::Many(addrs) => addrs.size_hint(),
        }
    }
}

impl Addrs {
    fn one(addr: SocketAddr) -> Addrs {
        Addrs(AddrsInner::One(Some(addr)))
    }

    fn many(addrs: Vec<SocketAddr>) -> Addrs {
        Addrs(AddrsInner::Many(addrs.into_iter()))
    }
}

/// Resolves `host` (anything [`ToSocketAddrs`] takes) to its socket addresses, as tokio's
/// `lookup_host`. A literal address comes back at once; a host name is looked up with the
/// system resolver on the blocking pool (weft's runtime), or on a thread of its own when
/// weft-io runs without a runtime.
///
/// # Errors
/// `InvalidInput` for a string that is not `host:port`; the resolver's error for an unknown
/// host; `InvalidInput` ("could not resolve to any address") when the name has no address.
///
/// # Examples
///
/// ```
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let addrs: Vec<_> = weft_io::net::lookup_host("localhost:80").await?.collect();
/// assert!(!addrs.is_empty());
/// assert!(addrs.iter().all(|addr| addr.ip().is_loopback() && addr.port() == 80));
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(&host).await
}

/// Resolves `addr` to at least one address.
pub(crate) async fn resolve<A: ToSocketAddrs + ?Sized>(addr: &A) -> io::Result<Addrs> {
    let addrs = match addr.to_unresolved() {
        Unresolved::Ready(addrs) => addrs,
        Unresolved::Invalid(why) => return Err(io::Error::new(io::ErrorKind::InvalidInput, why)),
        Unresolved::Lookup(host, port) => {
            let found = run_blocking(move || {
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                    .map(Iterator::collect::<Vec<_>>)
            })
            .await??;
            Addrs::many(found)
        }
    };
    if addrs.size_hint().1 == Some(0) {
        return Err(no_address());
    }
    Ok(addrs)
}

/// The first address of `addr` (what `send_to` sends to).
pub(crate) async fn resolve_first<A: ToSocketAddrs + ?Sized>(addr: &A) -> io::Result<SocketAddr> {
    resolve(addr).await?.next().ok_or_else(no_address)
}

fn no_address() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "could not resolve to any address",
    )
}

/// Tries `each` on every address of `addr` in turn and returns the first success, or the
/// last address's error.
pub(crate) async fn first_ok<A, T, F>(
    addr: &A,
    mut each: impl FnMut(SocketAddr) -> F,
) -> io::Result<T>
where
    A: ToSocketAddrs + ?Sized,
    F: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in resolve(addr).await? {
        match each(addr).await {
            Ok(value) => return Ok(value),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(no_address))
}

macro_rules! literal {
    ($($ty:ty => |$this:ident| $addr:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl ToSocketAddrsPriv for $ty {
            fn to_unresolved(&self) -> Unresolved {
                let $this = self;
                Unresolved::Ready(Addrs::one($addr))
            }
        }
    )*};
}

literal! {
    SocketAddr => |this| *this;
    SocketAddrV4 => |this| SocketAddr::V4(*this);
    SocketAddrV6 => |this| SocketAddr::V6(*this);
    (IpAddr, u16) => |this| SocketAddr::new(this.0, this.1);
    (Ipv4Addr, u16) => |this| SocketAddr::new(IpAddr::V4(this.0), this.1);
    (Ipv6Addr, u16) => |this| SocketAddr::new(IpAddr::V6(this.0), this.1);
}

impl ToSocketAddrs for &[SocketAddr] {}
impl ToSocketAddrsPriv for &[SocketAddr] {
    fn to_unresolved(&self) -> Unresolved {
        match self {
            [one] => Unresolved::Ready(Addrs::one(*one)),
            many => Unresolved::Ready(Addrs::many(many.to_vec())),
        }
    }
}

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn to_unresolved(&self) -> Unresolved {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Unresolved::Ready(Addrs::one(addr));
        }
        match self.rsplit_once(':') {
            Some((host, port)) => match port.parse::<u16>() {
                Ok(port) => (host, port).to_unresolved(),
                Err(_) => Unresolved::Invalid("invalid port value"),
            },
            None => Unresolved::Invalid("invalid socket address"),
        }
    }
}

impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn to_unresolved(&self) -> Unresolved {
        self.as_str().to_unresolved()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn to_unresolved(&self) -> Unresolved {
        let (host, port) = *self;
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Unresolved::Ready(Addrs::one(SocketAddr::new(ip, port)));
        }
        Unresolved::Lookup(host.to_owned(), port)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn to_unresolved(&self) -> Unresolved {
        (self.0.as_str(), self.1).to_unresolved()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrsPriv + ?Sized> ToSocketAddrsPriv for &T {
    fn to_unresolved(&self) -> Unresolved {
        (**self).to_unresolved()
    }
}
