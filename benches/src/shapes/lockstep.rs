//! The lockstep shapes of issue 9: message passing where each side keeps waiting for the other,
//! so that every message costs a wake-up (and, across threads, an unpark). Each runtime uses its
//! own `mpsc`. Not in tokio's benches; sized so that one iteration takes milliseconds.
//!
//! | shape | one iteration |
//! |---|---|
//! | `mpsc_block_on_consumer` | `block_on` receives 2 × 5 000 messages from 2 spawned producers through `channel(16)` |
//! | `mpsc_full_4_producers` | a *spawned* consumer receives 4 × 2 500 messages from 4 spawned producers through `channel(16)`, always full; `block_on` awaits it |
//! | `mpsc_token_ring` | 16 tasks in a ring, each linked to the next by an `mpsc::channel(1)`, pass a token 10 000 hops |
//!
//! [`run`](Shape::run) returns the messages received (the hops made, for the ring).

use super::{Params, Shape};
use crate::rt::BenchSync;

/// `mpsc_block_on_consumer` and `mpsc_full_4_producers`: `producers` spawned tasks each send
/// `per_producer` messages into one `channel(capacity)`; the consumer counts them until the
/// channel closes, in `block_on` itself or in a spawned task that `block_on` awaits.
#[derive(Debug)]
pub struct Producers<R> {
    rt: R,
    producers: usize,
    per_producer: usize,
    capacity: usize,
    spawned_consumer: bool,
}

impl<R: BenchSync> Producers<R> {
    /// The consumer in `block_on`: `lockstep_producers` producers.
    pub fn block_on_consumer(workers: usize, params: &Params) -> Self {
        Producers {
            rt: R::new(workers),
            producers: params.lockstep_producers,
            per_producer: params.lockstep_messages / params.lockstep_producers,
            capacity: params.lockstep_capacity,
            spawned_consumer: false,
        }
    }

    /// A spawned consumer: four producers.
    pub fn full_four(workers: usize, params: &Params) -> Self {
        Producers {
            rt: R::new(workers),
            producers: 4,
            per_producer: params.lockstep_messages / 4,
            capacity: params.lockstep_capacity,
            spawned_consumer: true,
        }
    }
}

/// Receives until every sender is gone; the count.
async fn drain<R: BenchSync>(mut rx: R::Receiver<usize>) -> usize {
    let mut received = 0;
    while R::recv(&mut rx).await.is_some() {
        received += 1;
    }
    received
}

impl<R: BenchSync> Shape for Producers<R> {
    fn run(&mut self) -> usize {
        let (producers, per_producer) = (self.producers, self.per_producer);
        let (capacity, spawned) = (self.capacity, self.spawned_consumer);
        self.rt.block_on(async move {
            let (tx, rx) = R::channel::<usize>(capacity);
            for _ in 0..producers {
                let tx = tx.clone();
                drop(R::spawn_current(async move {
                    for i in 0..per_producer {
                        assert!(R::send(&tx, i).await.is_ok(), "receiver gone");
                    }
                }));
            }
            drop(tx);
            if spawned {
                R::spawn_current(drain::<R>(rx))
                    .await
                    .expect("the consumer task failed")
            } else {
                drain::<R>(rx).await
            }
        })
    }

    fn expected(&self) -> usize {
        self.producers * self.per_producer
    }
}

/// `mpsc_token_ring`: `ring_tasks` tasks, task *i* receiving on its own `channel(1)` and
/// sending to task *i + 1*'s (the last to the first's); a token (the hop count) goes around
/// until it has made `ring_hops` hops, when the task holding it reports to `block_on` and
/// leaves: its sender to the next task drops, which ends that task, and so on around the ring.
#[derive(Debug)]
pub struct TokenRing<R> {
    rt: R,
    tasks: usize,
    hops: usize,
}

impl<R: BenchSync> TokenRing<R> {
    /// Builds the runtime.
    pub fn new(workers: usize, params: &Params) -> Self {
        TokenRing {
            rt: R::new(workers),
            tasks: params.ring_tasks,
            hops: params.ring_hops,
        }
    }
}

impl<R: BenchSync> Shape for TokenRing<R> {
    fn run(&mut self) -> usize {
        let (tasks, hops) = (self.tasks, self.hops);
        self.rt.block_on(async move {
            let (senders, receivers): (Vec<_>, Vec<_>) =
                (0..tasks).map(|_| R::channel::<usize>(1)).unzip();
            let (done_tx, mut done_rx) = R::channel::<usize>(1);
            let first = senders[0].clone();
            for (i, mut rx) in receivers.into_iter().enumerate() {
                let next = senders[(i + 1) % tasks].clone();
                let done = done_tx.clone();
                drop(R::spawn_current(async move {
                    while let Some(token) = R::recv(&mut rx).await {
                        if token == hops {
                            assert!(R::send(&done, token).await.is_ok(), "block_on gone");
                            return;
                        }
                        if R::send(&next, token + 1).await.is_err() {
                            return; // the ring is coming down
                        }
                    }
                }));
            }
            drop((senders, done_tx));
            assert!(R::send(&first, 0).await.is_ok(), "the ring is gone");
            drop(first);
            R::recv(&mut done_rx)
                .await
                .expect("the ring ended without the token")
        })
    }

    fn expected(&self) -> usize {
        self.hops
    }
}
