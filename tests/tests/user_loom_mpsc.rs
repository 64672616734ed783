//! A user's own loom model of code built on `weft::sync`: the recipe of the README's
//! "Model-checking your own code with loom".
//!
//! Compiled with `RUSTFLAGS="--cfg weft_loom"`, `weft::sync` runs on loom's atomics, locks and
//! cells, so `loom::model` explores the interleavings of weft's channel and lock together with
//! this code's own. Without the cfg this file compiles to nothing. Run it with:
//!
//! ```text
//! RUSTFLAGS="--cfg weft_loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/weft_loom \
//!     cargo test -p weft-tests --release --test user_loom_mpsc
//! ```
//!
//! No runtime is involved: the sync types need only wakers, and `loom::future::block_on`
//! provides them on loom's threads.

#![cfg(weft_loom)]

use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use weft::sync::{mpsc, oneshot, Mutex};

/// The user's code under test: drains `rx` until every sender is gone.
fn collect(rx: &mut mpsc::Receiver<u32>) -> Vec<u32> {
    let mut got = Vec::new();
    while let Some(message) = block_on(rx.recv()) {
        got.push(message);
    }
    got
}

/// Two producers, each sending one message into a bounded channel of capacity 1 (so one of
/// them may wait for the slot), and a consumer collecting: every message arrives exactly once,
/// and `recv` returns `None` once both senders are gone, whatever the interleaving.
#[test]
fn two_producers_one_consumer() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let producers: Vec<_> = [1, 2]
            .into_iter()
            .map(|message| {
                let tx = tx.clone();
                thread::spawn(move || block_on(tx.send(message)).expect("receiver gone"))
            })
            .collect();
        drop(tx);

        let mut got = collect(&mut rx);
        // The producers race: either order is fine, but each message exactly once.
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        assert_eq!(block_on(rx.recv()), None, "closed channel stays closed");

        for p in producers {
            p.join().unwrap();
        }
    });
}

/// A request/response over a oneshot, with the worker bumping a shared `weft::sync::Mutex`
/// counter that the requester also bumps: the reply carries the worker's view, and both
/// increments land.
#[test]
fn oneshot_reply_and_mutex() {
    loom::model(|| {
        let counter = Arc::new(Mutex::new(0u32));
        let (reply_tx, reply_rx) = oneshot::channel::<u32>();

        let worker = {
            let counter = counter.clone();
            thread::spawn(move || {
                let seen = {
                    let mut n = block_on(counter.lock());
                    *n += 1;
                    *n
                };
                reply_tx.send(seen).expect("requester gone");
            })
        };

        *block_on(counter.lock()) += 1;
        let seen = block_on(reply_rx).expect("worker dropped the reply");
        // The worker ran its increment before or after ours.
        assert!(seen == 1 || seen == 2, "worker saw {seen}");
        assert_eq!(*block_on(counter.lock()), 2);

        worker.join().unwrap();
    });
}
