//! UDP framing: [`UdpFramed`], a codec over a weft [`UdpSocket`](weft::net::UdpSocket).

mod frame;

pub use frame::UdpFramed;
