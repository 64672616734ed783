//! The shapes of tokio's `benches/sync_mpsc.rs`: `send_data` (groups `send/medium_1000`,
//! `send/large_1000`), `contention/{bounded, bounded_full, unbounded}` and
//! `uncontented/{bounded, unbounded}`, same constants, each runtime with its own `mpsc`.
//!
//! As in tokio's bench, the consumer of every shape here runs *in `block_on`* (on the bench
//! thread), not in a spawned task; `send_data` even calls `block_on` twice per message.
//!
//! [`run`](Shape::run) returns how many messages the consumer received.

use super::{Params, Shape};
use crate::rt::BenchSync;

/// A 512-byte message (`[usize; 64]`), tokio's `Medium`.
#[derive(Debug, Clone, Copy)]
pub struct Medium(pub [usize; 64]);

impl Default for Medium {
    fn default() -> Self {
        Medium([0; 64])
    }
}

/// A 32 KiB message (64 [`Medium`]s), tokio's `Large`.
#[derive(Debug, Clone, Copy)]
pub struct Large(pub [Medium; 64]);

impl Default for Large {
    fn default() -> Self {
        Large([Medium::default(); 64])
    }
}

/// `send_data::<T, 1000>`: per iteration, make a bounded channel of capacity
/// `mpsc_send_capacity`, `block_on` one `send` of `T::default()`, then `block_on` one `recv`.
/// Instantiated with [`Medium`] (`mpsc_send_medium`) and [`Large`] (`mpsc_send_large`).
///
/// [`run`](Shape::run) returns 1: the message came through.
#[derive(Debug)]
pub struct SendData<R, T> {
    rt: R,
    capacity: usize,
    message: std::marker::PhantomData<fn() -> T>,
}

impl<R: BenchSync, T: Default + Send + 'static> SendData<R, T> {
    /// Builds the runtime.
    pub fn new(workers: usize, params: &Params) -> Self {
        SendData {
            rt: R::new(workers),
            capacity: params.mpsc_send_capacity,
            message: std::marker::PhantomData,
        }
    }
}

impl<R: BenchSync, T: Default + Send + 'static> Shape for SendData<R, T> {
    fn run(&mut self) -> usize {
        let (tx, mut rx) = R::channel::<T>(self.capacity);
        let sent = self.rt.block_on(R::send(&tx, T::default()));
        assert!(sent.is_ok(), "send_data: the receiver is gone");
        usize::from(self.rt.block_on(R::recv(&mut rx)).is_some())
    }

    fn expected(&self) -> usize {
        1
    }
}

/// Which channel a [`Contention`] or [`Uncontended`] shape uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `mpsc::channel(capacity)`.
    Bounded {
        /// The channel's capacity.
        capacity: usize,
    },
    /// `mpsc::unbounded_channel()`.
    Unbounded,
}

/// `contention_{bounded, bounded_full, unbounded}`: per iteration, inside `block_on`, make a
/// channel, spawn `mpsc_producers` tasks that each send `mpsc_per_producer` messages, and
/// receive all of them *in `block_on`*.
///
/// tokio's capacities: 1 000 000 for `bounded` (never full), 100 for `bounded_full` (the
/// producers wait for slots).
///
/// [`run`](Shape::run) returns the messages received: `producers × per_producer`.
#[derive(Debug)]
pub struct Contention<R> {
    rt: R,
    channel: Channel,
    producers: usize,
    per_producer: usize,
}

impl<R: BenchSync> Contention<R> {
    /// Builds the runtime.
    pub fn new(workers: usize, params: &Params, channel: Channel) -> Self {
        Contention {
            rt: R::new(workers),
            channel,
            producers: params.mpsc_producers,
            per_producer: params.mpsc_per_producer,
        }
    }
}

impl<R: BenchSync> Shape for Contention<R> {
    fn run(&mut self) -> usize {
        let (producers, per_producer) = (self.producers, self.per_producer);
        let total = producers * per_producer;
        match self.channel {
            Channel::Bounded { capacity } => self.rt.block_on(async move {
                let (tx, mut rx) = R::channel::<usize>(capacity);
                for _ in 0..producers {
                    let tx = tx.clone();
                    drop(R::spawn_current(async move {
                        for i in 0..per_producer {
                            assert!(R::send(&tx, i).await.is_ok(), "receiver gone");
                        }
                    }));
                }
                let mut received = 0;
                for _ in 0..total {
                    received += usize::from(R::recv(&mut rx).await.is_some());
                }
                received
            }),
            Channel::Unbounded => self.rt.block_on(async move {
                let (tx, mut rx) = R::unbounded_channel::<usize>();
                for _ in 0..producers {
                    let tx = tx.clone();
                    drop(R::spawn_current(async move {
                        for i in 0..per_producer {
                            assert!(R::unbounded_send(&tx, i).is_ok(), "receiver gone");
                        }
                    }));
                }
                let mut received = 0;
                for _ in 0..total {
                    received += usize::from(R::unbounded_recv(&mut rx).await.is_some());
                }
                received
            }),
        }
    }

    fn expected(&self) -> usize {
        self.producers * self.per_producer
    }
}

/// `uncontented_{bounded, unbounded}` (tokio's spelling of the group): per iteration, inside
/// `block_on`, send `mpsc_uncontended` messages, then receive them, all on the bench thread. The
/// bounded channel has capacity 1 000 000 (never full).
///
/// [`run`](Shape::run) returns the messages received: `mpsc_uncontended`.
#[derive(Debug)]
pub struct Uncontended<R> {
    rt: R,
    channel: Channel,
    messages: usize,
}

impl<R: BenchSync> Uncontended<R> {
    /// Builds the runtime.
    pub fn new(workers: usize, params: &Params, channel: Channel) -> Self {
        Uncontended {
            rt: R::new(workers),
            channel,
            messages: params.mpsc_uncontended,
        }
    }
}

impl<R: BenchSync> Shape for Uncontended<R> {
    fn run(&mut self) -> usize {
        let n = self.messages;
        match self.channel {
            Channel::Bounded { capacity } => self.rt.block_on(async move {
                let (tx, mut rx) = R::channel::<usize>(capacity);
                for i in 0..n {
                    assert!(R::send(&tx, i).await.is_ok(), "receiver gone");
                }
                let mut received = 0;
                for _ in 0..n {
                    received += usize::from(R::recv(&mut rx).await.is_some());
                }
                received
            }),
            Channel::Unbounded => self.rt.block_on(async move {
                let (tx, mut rx) = R::unbounded_channel::<usize>();
                for i in 0..n {
                    assert!(R::unbounded_send(&tx, i).is_ok(), "receiver gone");
                }
                let mut received = 0;
                for _ in 0..n {
                    received += usize::from(R::unbounded_recv(&mut rx).await.is_some());
                }
                received
            }),
        }
    }

    fn expected(&self) -> usize {
        self.messages
    }
}
