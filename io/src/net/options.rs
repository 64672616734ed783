//! IP options that tokio offers on more than one socket type (`TcpSocket`, `UdpSocket`),
//! each a `getsockopt`/`setsockopt` through `socket2` on the socket's descriptor.

/// `tos_v4`, `tclass_v6`, `device` and their setters for a socket type that is `AsFd`.
macro_rules! impl_ip_options {
    ($socket:ty) => {
        impl $socket {
            /// `IP_TOS`: the type-of-service field of outgoing IPv4 packets.
            ///
            /// # Errors
            /// The `getsockopt` error (on an IPv6 socket, for one).
            pub fn tos_v4(&self) -> std::io::Result<u32> {
                socket2::SockRef::from(self).tos_v4()
            }

            /// Sets `IP_TOS`.
            ///
            /// # Errors
            /// The `setsockopt` error.
            pub fn set_tos_v4(&self, tos: u32) -> std::io::Result<()> {
                socket2::SockRef::from(self).set_tos_v4(tos)
            }

            /// `IPV6_TCLASS`: the traffic class of outgoing IPv6 packets.
            ///
            /// # Errors
            /// The `getsockopt` error (on an IPv4 socket, for one).
            pub fn tclass_v6(&self) -> std::io::Result<u32> {
                socket2::SockRef::from(self).tclass_v6()
            }

            /// Sets `IPV6_TCLASS`.
            ///
            /// # Errors
            /// The `setsockopt` error.
            pub fn set_tclass_v6(&self, tclass: u32) -> std::io::Result<()> {
                socket2::SockRef::from(self).set_tclass_v6(tclass)
            }

            /// The interface the socket is bound to with `SO_BINDTODEVICE`, if any.
            ///
            /// # Errors
            /// The `getsockopt` error.
            pub fn device(&self) -> std::io::Result<Option<Vec<u8>>> {
                socket2::SockRef::from(self).device()
            }

            /// Binds the socket to the network interface `interface` (`SO_BINDTODEVICE`;
            /// `None` unbinds). Needs `CAP_NET_RAW`.
            ///
            /// # Errors
            /// The `setsockopt` error (`PermissionDenied` without the capability).
            pub fn bind_device(&self, interface: Option<&[u8]>) -> std::io::Result<()> {
                socket2::SockRef::from(self).bind_device(interface)
            }
        }
    };
}
pub(crate) use impl_ip_options;
