//! The `ping_pong` shape: many pairs of tasks, each pair exchanging one ping and one pong.
//!
//! The shape is written once, generic over the oneshot channel `C` as well as the runtime:
//!
//! - `ping_pong` is tokio's exact shape: each runtime with its own oneshot
//!   (`weft::sync::oneshot` on weft, `tokio::sync::oneshot` on tokio), so it measures runtime
//!   plus channel, as a user porting a tokio program would see it;
//! - `ping_pong_standin` uses the one stand-in channel of [`crate::oneshot`] on both runtimes,
//!   so the difference between the two columns is the schedulers alone (spawn, wake, poll).

use super::{Params, Shape};
use crate::rt::{BenchRuntime, OneshotChannel};
use std::marker::PhantomData;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{mpsc, Arc};

/// `ping_pong` over the oneshot channel `C`: from inside `block_on`, spawn one task that spawns
/// `num_pings` tasks; each of those spawns a ponger, sends it a ping over a oneshot, awaits the
/// pong over another, and counts down; the last one signals the `block_on` thread over a std
/// `mpsc`.
///
/// [`run`](Shape::run) returns how many round trips completed: `num_pings`.
#[derive(Debug)]
pub struct PingPong<R, C> {
    channel: PhantomData<fn() -> C>,
    rt: R,
    num_pings: usize,
    rem: Arc<AtomicUsize>,
    done_tx: mpsc::SyncSender<()>,
    done_rx: mpsc::Receiver<()>,
}

impl<R: BenchRuntime, C: OneshotChannel> PingPong<R, C> {
    /// Builds the runtime and the completion channel.
    pub fn new(workers: usize, params: &Params) -> Self {
        assert!(params.num_pings > 0, "ping_pong needs at least one ping");
        let (done_tx, done_rx) = mpsc::sync_channel(1000);
        PingPong {
            channel: PhantomData,
            rt: R::new(workers),
            num_pings: params.num_pings,
            rem: Arc::new(AtomicUsize::new(0)),
            done_tx,
            done_rx,
        }
    }
}

impl<R: BenchRuntime, C: OneshotChannel> Shape for PingPong<R, C> {
    fn run(&mut self) -> usize {
        let n = self.num_pings;
        let done_tx = self.done_tx.clone();
        let rem = self.rem.clone();
        rem.store(n, Relaxed);
        let done_rx = &self.done_rx;
        self.rt.block_on(async move {
            drop(R::spawn_current(async move {
                for _ in 0..n {
                    let rem = rem.clone();
                    let done_tx = done_tx.clone();
                    drop(R::spawn_current(async move {
                        let (ping_tx, ping_rx) = C::channel();
                        let (pong_tx, pong_rx) = C::channel();
                        drop(R::spawn_current(async move {
                            assert!(ping_rx.await.is_ok(), "ping sender dropped");
                            C::send(pong_tx, ()).unwrap();
                        }));
                        C::send(ping_tx, ()).unwrap();
                        assert!(pong_rx.await.is_ok(), "pong sender dropped");
                        if 1 == rem.fetch_sub(1, Relaxed) {
                            done_tx.send(()).unwrap();
                        }
                    }));
                }
            }));
            done_rx.recv().unwrap();
        });
        // The last round trip's decrement happens-before the signal, so this sees 0 when every
        // round trip completed exactly once.
        n.wrapping_sub(self.rem.load(Relaxed))
    }

    fn expected(&self) -> usize {
        self.num_pings
    }
}
