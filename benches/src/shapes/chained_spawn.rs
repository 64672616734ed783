//! The `chained_spawn` shape: a chain of tasks, each spawning the next.

use super::{Params, Shape};
use crate::rt::BenchRuntime;
use std::sync::mpsc;

/// `chained_spawn`: from inside `block_on`, spawn a task that starts a chain of `chain_len`
/// tasks, each spawning the next; the last link signals the `block_on` thread over a std `mpsc`.
///
/// [`run`](Shape::run) returns the number of links that ran: `chain_len`.
#[derive(Debug)]
pub struct ChainedSpawn<R> {
    rt: R,
    chain_len: usize,
    done_tx: mpsc::SyncSender<usize>,
    done_rx: mpsc::Receiver<usize>,
}

/// Spawns the next link, or signals `done` with the number of links run when `remaining` is 0.
fn link<R: BenchRuntime>(done: mpsc::SyncSender<usize>, remaining: usize, ran: usize) {
    if remaining == 0 {
        done.send(ran).unwrap();
    } else {
        drop(R::spawn_current(async move {
            link::<R>(done, remaining - 1, ran + 1);
        }));
    }
}

impl<R: BenchRuntime> ChainedSpawn<R> {
    /// Builds the runtime and the completion channel.
    pub fn new(workers: usize, params: &Params) -> Self {
        let (done_tx, done_rx) = mpsc::sync_channel(1000);
        ChainedSpawn {
            rt: R::new(workers),
            chain_len: params.chain_len,
            done_tx,
            done_rx,
        }
    }
}

impl<R: BenchRuntime> Shape for ChainedSpawn<R> {
    fn run(&mut self) -> usize {
        let done_tx = self.done_tx.clone();
        let n = self.chain_len;
        let done_rx = &self.done_rx;
        self.rt.block_on(async move {
            drop(R::spawn_current(async move {
                link::<R>(done_tx, n, 0);
            }));
            done_rx.recv().unwrap()
        })
    }

    fn expected(&self) -> usize {
        self.chain_len
    }
}
