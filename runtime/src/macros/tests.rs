//! Unit tests of `join!`, `try_join!` and `select!`, driven by hand (no runtime) so that every
//! poll is counted: polls per branch, the order branches are polled in, and drops.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// Shared record of what the probes saw.
#[derive(Clone, Default)]
struct Log {
    polled: Arc<Mutex<Vec<usize>>>,
    drops: Arc<Mutex<Vec<usize>>>,
}

impl Log {
    /// A future with id `id` that completes (with `id`) on its `ready_on`-th poll; never if 0.
    fn probe(&self, id: usize, ready_on: usize) -> Probe {
        Probe {
            id,
            ready_on,
            polls: 0,
            log: self.clone(),
        }
    }

    fn polled(&self) -> Vec<usize> {
        std::mem::take(&mut *self.polled.lock().unwrap())
    }

    fn polls_of(&self, id: usize) -> usize {
        self.polled
            .lock()
            .unwrap()
            .iter()
            .filter(|&&i| i == id)
            .count()
    }

    fn drops(&self) -> Vec<usize> {
        let mut drops = self.drops.lock().unwrap().clone();
        drops.sort_unstable();
        drops
    }
}

struct Probe {
    id: usize,
    ready_on: usize,
    polls: usize,
    log: Log,
}

impl Future for Probe {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<usize> {
        self.polls += 1;
        self.log.polled.lock().unwrap().push(self.id);
        if self.ready_on != 0 && self.polls >= self.ready_on {
            Poll::Ready(self.id)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.log.drops.lock().unwrap().push(self.id);
    }
}

/// A result-returning probe: `Ok(id)` or `Err(id)` on its `ready_on`-th poll.
async fn fallible(probe: Probe, fail: bool) -> Result<usize, usize> {
    let id = probe.await;
    if fail {
        Err(id)
    } else {
        Ok(id)
    }
}

fn poll<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    crate::test_util::poll_once(future)
}

#[test]
fn join_polls_each_branch_until_it_completes_and_never_after() {
    let log = Log::default();
    let (a, b, c) = (log.probe(0, 1), log.probe(1, 2), log.probe(2, 3));
    let mut joined = pin!(async { crate::join!(a, b, c) });
    assert!(poll(joined.as_mut()).is_pending());
    assert!(poll(joined.as_mut()).is_pending());
    assert_eq!(poll(joined.as_mut()), Poll::Ready((0, 1, 2)));
    assert_eq!(
        (log.polls_of(0), log.polls_of(1), log.polls_of(2)),
        (1, 2, 3)
    );
    // Each branch is dropped as soon as it completes, exactly once.
    assert_eq!(log.drops(), [0, 1, 2]);
}

#[test]
fn join_rotates_the_first_branch_on_each_poll_unless_biased() {
    let log = Log::default();
    let (a, b, c) = (log.probe(0, 0), log.probe(1, 0), log.probe(2, 0));
    let mut joined = pin!(async { crate::join!(a, b, c) });
    let mut orders = Vec::new();
    for _ in 0..4 {
        assert!(poll(joined.as_mut()).is_pending());
        orders.push(log.polled());
    }
    assert_eq!(orders, [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]);

    let (a, b, c) = (log.probe(0, 0), log.probe(1, 0), log.probe(2, 0));
    let mut biased = pin!(async { crate::join!(biased; a, b, c) });
    for _ in 0..3 {
        assert!(poll(biased.as_mut()).is_pending());
        assert_eq!(log.polled(), [0, 1, 2]);
    }
}

#[test]
fn join_skips_completed_branches_in_the_rotation() {
    let log = Log::default();
    let (a, b) = (log.probe(0, 1), log.probe(1, 3));
    let mut joined = pin!(async { crate::join!(a, b) });
    assert!(poll(joined.as_mut()).is_pending());
    assert_eq!(log.polled(), [0, 1]);
    assert!(poll(joined.as_mut()).is_pending());
    assert_eq!(log.polled(), [1]);
    assert_eq!(poll(joined.as_mut()), Poll::Ready((0, 1)));
    assert_eq!(log.polled(), [1]);
}

#[test]
fn dropping_a_pending_join_drops_every_branch_once() {
    let log = Log::default();
    let (a, b, c) = (log.probe(0, 1), log.probe(1, 0), log.probe(2, 0));
    let mut joined = Box::pin(async { crate::join!(a, b, c) });
    assert!(poll(joined.as_mut()).is_pending());
    assert_eq!(log.drops(), [0]);
    drop(joined);
    assert_eq!(log.drops(), [0, 1, 2]);
}

#[test]
fn join_accepts_mut_references_and_no_branches() {
    let log = Log::default();
    let mut a = log.probe(0, 2);
    let mut pinned = pin!(log.probe(1, 1));
    let mut joined = pin!(async {
        let () = crate::join!();
        crate::join!(&mut a, &mut pinned, async { 5 })
    });
    assert!(poll(joined.as_mut()).is_pending());
    assert_eq!(poll(joined.as_mut()), Poll::Ready((0, 1, 5)));
    // Borrowed futures belong to the caller: not dropped by `join!`.
    assert_eq!(log.drops(), Vec::<usize>::new());
}

#[test]
fn try_join_returns_the_first_error_and_drops_the_others_exactly_once() {
    let log = Log::default();
    let pending = fallible(log.probe(0, 0), false);
    let failing = fallible(log.probe(1, 2), true);
    let done = fallible(log.probe(2, 1), false);
    let mut joined = pin!(async { crate::try_join!(pending, failing, done) });
    assert!(poll(joined.as_mut()).is_pending());
    assert_eq!(log.polled(), [0, 1, 2]);
    // The second poll starts at branch 1, which fails: branch 2 (done) and branch 0 are not
    // polled again.
    assert_eq!(poll(joined.as_mut()), Poll::Ready(Err(1)));
    assert_eq!(log.polled(), [1]);
    assert_eq!(log.drops(), [0, 1, 2]);
}

#[test]
fn try_join_returns_the_tuple_when_every_branch_succeeds() {
    let log = Log::default();
    let (a, b) = (
        fallible(log.probe(0, 2), false),
        fallible(log.probe(1, 1), false),
    );
    let mut joined = pin!(async { crate::try_join!(a, b, async { Ok::<_, usize>("c") }) });
    assert!(poll(joined.as_mut()).is_pending());
    assert_eq!(poll(joined.as_mut()), Poll::Ready(Ok((0, 1, "c"))));
    assert_eq!((log.polls_of(0), log.polls_of(1)), (2, 1));
    assert_eq!(log.drops(), [0, 1]);

    let mut empty = pin!(async { crate::try_join!() });
    assert_eq!(poll(empty.as_mut()), Poll::Ready(Ok::<(), ()>(())));
}

#[test]
fn try_join_biased_stops_at_the_first_failing_branch_in_order() {
    let log = Log::default();
    let a = fallible(log.probe(0, 1), true);
    let b = fallible(log.probe(1, 1), true);
    let mut joined = pin!(async { crate::try_join!(biased; a, b) });
    assert_eq!(poll(joined.as_mut()), Poll::Ready(Err(0)));
    assert_eq!(log.polled(), [0]);
    assert_eq!(log.drops(), [0, 1]);
}

#[test]
fn select_runs_the_winner_and_drops_every_loser_once() {
    let log = Log::default();
    let (a, b, c) = (log.probe(0, 0), log.probe(1, 2), log.probe(2, 0));
    let mut selected = pin!(async {
        crate::select! {
            biased;
            x = a => x * 100,
            x = b => x * 10,
            x = c => x,
        }
    });
    assert!(poll(selected.as_mut()).is_pending());
    assert_eq!(log.polled(), [0, 1, 2]);
    assert_eq!(log.drops(), Vec::<usize>::new());
    assert_eq!(poll(selected.as_mut()), Poll::Ready(10));
    // Biased: in order, and the branch after the winner is not polled.
    assert_eq!(log.polled(), [0, 1]);
    assert_eq!(log.drops(), [0, 1, 2]);
}

#[test]
fn select_starts_at_a_random_branch_by_default() {
    let log = Log::default();
    let mut first = [0usize; 3];
    for _ in 0..300 {
        let (a, b, c) = (log.probe(0, 0), log.probe(1, 0), log.probe(2, 0));
        let mut selected = pin!(async {
            crate::select! {
                _ = a => {}
                _ = b => {}
                _ = c => {}
            }
        });
        assert!(poll(selected.as_mut()).is_pending());
        let order = log.polled();
        assert_eq!(order.len(), 3);
        // Rotated from the start: every branch once.
        assert_eq!((order[1] + 3 - order[0]) % 3, 1);
        first[order[0]] += 1;
    }
    assert!(first.iter().all(|&n| n > 30), "starting branches {first:?}");
}

#[test]
fn a_pattern_mismatch_disables_the_branch_and_polling_goes_on() {
    let log = Log::default();
    let (a, b) = (log.probe(0, 1), log.probe(1, 2));
    let mut selected = pin!(async {
        crate::select! {
            biased;
            1 = a => "a matched",
            1 = b => "b",
        }
    });
    // `a` completes with 0, which does not match `1`: disabled, never polled again.
    assert!(poll(selected.as_mut()).is_pending());
    assert_eq!(log.polled(), [0, 1]);
    assert_eq!(poll(selected.as_mut()), Poll::Ready("b"));
    assert_eq!(log.polled(), [1]);
    assert_eq!(log.drops(), [0, 1]);
}

#[test]
fn else_runs_when_every_branch_is_disabled() {
    let log = Log::default();
    let (a, b) = (log.probe(0, 1), log.probe(1, 1));
    let never = false;
    let mut selected = pin!(async {
        crate::select! {
            Some(x) = async { a.await.checked_sub(1) } => x,
            x = b, if never => x,
            else => 42,
        }
    });
    assert_eq!(poll(selected.as_mut()), Poll::Ready(42));
    // The precondition's branch was built and dropped, never polled.
    assert_eq!(log.polls_of(1), 0);
    assert_eq!(log.polls_of(0), 1);
    assert_eq!(log.drops(), [0, 1]);

    let only_else: u8 = complete_now(async {
        crate::select! { else => 7 }
    });
    assert_eq!(only_else, 7);
}

#[test]
fn with_every_branch_disabled_and_no_else_select_panics() {
    let result = std::panic::catch_unwind(|| {
        complete_now(async {
            crate::select! {
                Some(x) = async { None::<u8> } => x,
            }
        })
    });
    let payload = result.unwrap_err();
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("no `else` branch"), "{message}");
}

#[test]
fn select_keeps_a_borrowed_future_across_a_loop_and_handlers_can_break() {
    let log = Log::default();
    let mut long = log.probe(0, 3);
    let mut rounds = 0;
    let mut selected = Box::pin(async {
        loop {
            crate::select! {
                biased;
                x = &mut long => break x,
                _ = async {} => rounds += 1,
            }
        }
    });
    assert_eq!(poll(selected.as_mut()), Poll::Ready(0));
    drop(selected);
    // The borrowed future was polled once per round and kept its progress.
    assert_eq!(log.polls_of(0), 3);
    assert_eq!(rounds, 2);
    assert_eq!(log.drops(), Vec::<usize>::new());
}

#[test]
fn select_handlers_can_use_question_mark_and_mut_bindings() {
    async fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
        let n = crate::select! {
            mut n = async { text.parse::<u32>() } => { n = Ok(n? + 1); n? }
        };
        Ok(n)
    }
    assert_eq!(complete_now(parse("41")), Ok(42));
    assert!(complete_now(parse("x")).is_err());
}

/// Polls a future that must complete without waiting on anything.
fn complete_now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match poll(future.as_mut()) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future was expected to complete at once"),
    }
}
