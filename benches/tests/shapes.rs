//! Every shape, once, on both runtimes, with small sizes: checks that each really does all of its
//! work (every task ran, every ping got its pong, every yield happened). Never timing.

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
    match kind {
        ShapeKind::SpawnManyLocal
        | ShapeKind::SpawnManyRemoteIdle
        | ShapeKind::SpawnManyRemoteBusy1 => p.num_spawn,
        ShapeKind::SpawnManyRemoteBusy2 => p.num_spawn_busy2,
        ShapeKind::PingPong => p.num_pings,
        ShapeKind::YieldMany => p.yield_tasks * p.yields_per_task,
        ShapeKind::ChainedSpawn => p.chain_len,
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
}

macro_rules! shape_tests {
    ($($name:ident: $kind:ident on $rt:ident;)*) => {
        $(
            #[test]
            fn $name() {
                check(ShapeKind::$kind, RuntimeKind::$rt);
            }
        )*
        /// Every (shape, runtime) pair has its test above.
        #[test]
        fn every_shape_and_runtime_is_covered() {
            let covered = [$((ShapeKind::$kind, RuntimeKind::$rt)),*];
            for kind in ShapeKind::ALL {
                for rt in RuntimeKind::ALL {
                    assert!(covered.contains(&(kind, rt)), "{} on {} untested", kind.name(), rt.name());
                }
            }
        }
    };
}

shape_tests! {
    tokio_spawn_many_local: SpawnManyLocal on Tokio;
    tokio_spawn_many_remote_idle: SpawnManyRemoteIdle on Tokio;
    tokio_spawn_many_remote_busy1: SpawnManyRemoteBusy1 on Tokio;
    tokio_spawn_many_remote_busy2: SpawnManyRemoteBusy2 on Tokio;
    tokio_ping_pong: PingPong on Tokio;
    tokio_yield_many: YieldMany on Tokio;
    tokio_chained_spawn: ChainedSpawn on Tokio;
    weft_spawn_many_local: SpawnManyLocal on Weft;
    weft_spawn_many_remote_idle: SpawnManyRemoteIdle on Weft;
    weft_spawn_many_remote_busy1: SpawnManyRemoteBusy1 on Weft;
    weft_spawn_many_remote_busy2: SpawnManyRemoteBusy2 on Weft;
    weft_ping_pong: PingPong on Weft;
    weft_yield_many: YieldMany on Weft;
    weft_chained_spawn: ChainedSpawn on Weft;
}
