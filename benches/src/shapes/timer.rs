//! The shapes of tokio's `benches/time_timeout.rs` (`multi_thread_timeout`,
//! `multi_thread_sleep`), plus a timeout that actually waits, as a request under a deadline
//! does: the timer is registered, then cancelled when the request completes first.

use super::{Params, Shape};
use crate::rt::BenchSync;
use std::hint::black_box;
use std::time::Duration;

/// A deadline far enough that no timer of these shapes ever fires.
const DEADLINE: Duration = Duration::from_secs(1);

/// What each task does, `timer_ops / workers` times per iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// tokio's `multi_thread_timeout`: await `timeout(1 s, quick_job())`, whose future is ready
    /// at once, so the timer is never registered.
    TimeoutReady,
    /// tokio's `multi_thread_sleep`: create `sleep(1 s)` and drop it unpolled.
    SleepUnpolled,
    /// Await `timeout(1 s, yield_now())`: the first poll registers the timer, the second
    /// completes the future and cancels it.
    TimeoutPending,
}

/// Per iteration, inside `block_on` (as tokio's bench), spawn one task per worker, each doing
/// its share of `timer_ops` operations, and await them all.
///
/// [`run`](Shape::run) returns the operations the tasks report: `timer_ops` rounded down to a
/// multiple of the workers.
#[derive(Debug)]
pub struct Timers<R> {
    rt: R,
    op: Op,
    tasks: usize,
    per_task: usize,
}

impl<R: BenchSync> Timers<R> {
    /// Builds the runtime.
    pub fn new(workers: usize, params: &Params, op: Op) -> Self {
        Timers {
            rt: R::new(workers),
            op,
            tasks: workers,
            per_task: params.timer_ops / workers,
        }
    }
}

/// One task's share: `ops` operations; returns how many completed as the shape expects.
async fn task<R: BenchSync>(op: Op, ops: usize) -> usize {
    let mut done = 0;
    for _ in 0..ops {
        match op {
            Op::TimeoutReady => {
                let quick_job = async { 1 };
                if black_box(R::timeout(DEADLINE, quick_job).await.is_ok()) {
                    done += 1;
                }
            }
            Op::SleepUnpolled => {
                drop(black_box(R::sleep(DEADLINE)));
                done += 1;
            }
            Op::TimeoutPending => {
                if R::timeout(DEADLINE, R::yield_now()).await.is_ok() {
                    done += 1;
                }
            }
        }
    }
    done
}

impl<R: BenchSync> Shape for Timers<R> {
    fn run(&mut self) -> usize {
        let (op, tasks, per_task) = (self.op, self.tasks, self.per_task);
        self.rt.block_on(async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| R::spawn_current(task::<R>(op, per_task)))
                .collect();
            let mut done = 0;
            for handle in handles {
                done += handle.await.expect("a timer task panicked");
            }
            done
        })
    }

    fn expected(&self) -> usize {
        self.tasks * self.per_task
    }
}
