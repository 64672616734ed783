//! The `yield_many` shape: many tasks that do nothing but yield.

use super::{Params, Shape};
use crate::rt::BenchRuntime;
use std::sync::mpsc;

/// `yield_many`: from outside, `Runtime::spawn` `yield_tasks` tasks that each yield
/// `yields_per_task` times, then report over a std `mpsc`; the bench thread waits for all.
///
/// [`run`](Shape::run) returns the total of yields the tasks report:
/// `yield_tasks × yields_per_task`.
#[derive(Debug)]
pub struct YieldMany<R> {
    rt: R,
    tasks: usize,
    yields_per_task: usize,
    tx: mpsc::SyncSender<usize>,
    rx: mpsc::Receiver<usize>,
}

impl<R: BenchRuntime> YieldMany<R> {
    /// Builds the runtime and the completion channel.
    pub fn new(workers: usize, params: &Params) -> Self {
        let (tx, rx) = mpsc::sync_channel(params.yield_tasks);
        YieldMany {
            rt: R::new(workers),
            tasks: params.yield_tasks,
            yields_per_task: params.yields_per_task,
            tx,
            rx,
        }
    }
}

impl<R: BenchRuntime> Shape for YieldMany<R> {
    fn run(&mut self) -> usize {
        let yields = self.yields_per_task;
        for _ in 0..self.tasks {
            let tx = self.tx.clone();
            drop(self.rt.spawn(async move {
                let mut yielded = 0;
                for _ in 0..yields {
                    R::yield_now().await;
                    yielded += 1;
                }
                tx.send(yielded).unwrap();
            }));
        }
        (0..self.tasks).map(|_| self.rx.recv().unwrap()).sum()
    }

    fn expected(&self) -> usize {
        self.tasks * self.yields_per_task
    }
}
