//! Every shape, twice, on both runtimes, with small sizes: checks that each really does all of its
//! work (every task ran, every ping got its pong, every yield happened, every message arrived,
//! every permit was granted, enough wake-ups were counted). Never timing.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use weft_benches::{Params, RuntimeKind, ShapeKind};

/// A hang (a lost wake-up in a runtime) fails the test with this message instead of blocking
/// the test binary forever. Not a timing check: the work takes milliseconds, the limit is minutes.
const HANG_LIMIT: Duration = Duration::from_secs(300);

/// Two workers: on a 2-core CI machine running tests in parallel, more would only add noise.
const WORKERS: usize = 2;

/// The units of work one iteration must do, worked out here from the parameters rather than taken
/// from the shape.
fn units(kind: ShapeKind, p: &Params) -> usize {
    use ShapeKind::*;
    match kind {
        SpawnManyLocal | SpawnManyRemoteIdle | SpawnManyRemoteBusy1 => p.num_spawn,
        SpawnManyRemoteBusy2 => p.num_spawn_busy2,
        PingPong | PingPongStandin => p.num_pings,
        YieldMany => p.yield_tasks * p.yields_per_task,
        ChainedSpawn => p.chain_len,
        // One message through.
        MpscSendMedium | MpscSendLarge => 1,
        MpscContentionBounded | MpscContentionBoundedFull | MpscContentionUnbounded => {
            p.mpsc_producers * p.mpsc_per_producer
        }
        MpscUncontendedBounded | MpscUncontendedUnbounded => p.mpsc_uncontended,
        // The waiting tasks counted at least this many wake-ups (a lost one hangs instead).
        NotifyOne10 | NotifyOne50 | NotifyOne100 | NotifyOne200 | NotifyOne500
        | NotifyWaiters10 | NotifyWaiters50 | NotifyWaiters100 | NotifyWaiters200
        | NotifyWaiters500 => p.notify_iters,
        // Six permits granted.
        SemaphoreUncontended
        | SemaphoreUncontendedConcurrentMulti
        | SemaphoreUncontendedConcurrentSingle
        | SemaphoreContendedConcurrentMulti
        | SemaphoreContendedConcurrentSingle => 6,
        MpscBlockOnConsumer | MpscFull4Producers => p.lockstep_messages,
        MpscTokenRing => p.ring_hops,
        // Every task does its share; the quick size is a multiple of the workers.
        TimeTimeout | TimeSleep | TimeTimeoutPending => p.timer_ops,
    }
}

fn check(kind: ShapeKind, rt: RuntimeKind) {
    let (tx, rx) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(format!("{}-{}", kind.name(), rt.name()))
        .spawn(move || {
            let params = Params::quick();
            let mut shape = kind.build_on(rt, WORKERS, &params);
            // Twice: the second iteration reuses the runtime and the channels of the first.
            let runs = [shape.run(), shape.run()];
            let expected = shape.expected();
            drop(shape);
            tx.send((runs, expected)).unwrap();
        })
        .unwrap();
    match rx.recv_timeout(HANG_LIMIT) {
        Ok((runs, expected)) => {
            worker.join().unwrap();
            assert_eq!(expected, units(kind, &Params::quick()));
            assert!(expected > 0);
            assert_eq!(
                runs,
                [expected; 2],
                "{} on {}: units of work done per iteration",
                kind.name(),
                rt.name()
            );
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The shape panicked: re-raise its panic here.
            if let Err(payload) = worker.join() {
                std::panic::resume_unwind(payload);
            }
            unreachable!("the worker neither reported nor panicked");
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "{} on {} did not finish in {:?}: hung",
            kind.name(),
            rt.name(),
            HANG_LIMIT
        ),
    }
}

#[test]
fn quick_params_are_smaller_than_standard() {
    let (q, s) = (Params::quick(), Params::standard());
    assert!(q.num_spawn < s.num_spawn && q.num_pings < s.num_pings);
    assert!(q.mpsc_per_producer < s.mpsc_per_producer && q.notify_iters < s.notify_iters);
}

/// One module per shape, with a test per runtime: `ping_pong::weft`, `ping_pong::tokio`, ...
macro_rules! shape_tests {
    ($($name:ident: $kind:ident;)*) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn weft() {
                    check(ShapeKind::$kind, RuntimeKind::Weft);
                }

                #[test]
                fn tokio() {
                    check(ShapeKind::$kind, RuntimeKind::Tokio);
                }
            }
        )*

        /// Every shape has its module above, under its own name.
        #[test]
        fn every_shape_is_covered() {
            let covered = [$((ShapeKind::$kind, stringify!($name))),*];
            for &kind in ShapeKind::ALL {
                assert!(
                    covered.contains(&(kind, kind.name())),
                    "{} untested (or tested under another name)",
                    kind.name()
                );
            }
            assert_eq!(covered.len(), ShapeKind::ALL.len());
        }
    };
}

shape_tests! {
    spawn_many_local: SpawnManyLocal;
    spawn_many_remote_idle: SpawnManyRemoteIdle;
    spawn_many_remote_busy1: SpawnManyRemoteBusy1;
    spawn_many_remote_busy2: SpawnManyRemoteBusy2;
    ping_pong: PingPong;
    ping_pong_standin: PingPongStandin;
    yield_many: YieldMany;
    chained_spawn: ChainedSpawn;
    mpsc_send_medium: MpscSendMedium;
    mpsc_send_large: MpscSendLarge;
    mpsc_contention_bounded: MpscContentionBounded;
    mpsc_contention_bounded_full: MpscContentionBoundedFull;
    mpsc_contention_unbounded: MpscContentionUnbounded;
    mpsc_uncontended_bounded: MpscUncontendedBounded;
    mpsc_uncontended_unbounded: MpscUncontendedUnbounded;
    notify_one_10: NotifyOne10;
    notify_one_50: NotifyOne50;
    notify_one_100: NotifyOne100;
    notify_one_200: NotifyOne200;
    notify_one_500: NotifyOne500;
    notify_waiters_10: NotifyWaiters10;
    notify_waiters_50: NotifyWaiters50;
    notify_waiters_100: NotifyWaiters100;
    notify_waiters_200: NotifyWaiters200;
    notify_waiters_500: NotifyWaiters500;
    semaphore_uncontended: SemaphoreUncontended;
    semaphore_uncontended_concurrent_multi: SemaphoreUncontendedConcurrentMulti;
    semaphore_uncontended_concurrent_single: SemaphoreUncontendedConcurrentSingle;
    semaphore_contended_concurrent_multi: SemaphoreContendedConcurrentMulti;
    semaphore_contended_concurrent_single: SemaphoreContendedConcurrentSingle;
    mpsc_block_on_consumer: MpscBlockOnConsumer;
    mpsc_full_4_producers: MpscFull4Producers;
    mpsc_token_ring: MpscTokenRing;
    time_timeout: TimeTimeout;
    time_sleep: TimeSleep;
    time_timeout_pending: TimeTimeoutPending;
}
