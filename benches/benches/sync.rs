//! weft against tokio on the shapes of tokio's `benches/sync_mpsc.rs`, `sync_notify.rs`,
//! `sync_semaphore.rs` and `time_timeout.rs`: each runtime with its *own* primitives
//! (`weft::sync` and `weft::time` on weft, `tokio::sync` and `tokio::time` on tokio).
//!
//! One criterion group per shape, with two functions, `weft` and `tokio`, so the report shows
//! them side by side (`target/criterion/<shape>/report`). The shapes live in
//! `weft_benches::shapes::{mpsc, notify, semaphore, timer}`, shared with the `compare` binary and the
//! tests. As in tokio's bench, the mpsc consumers run inside `block_on`.
//!
//! Each runtime is built once per shape, outside `b.iter`, and only one runtime is alive at a
//! time. Both get `WEFT_BENCH_WORKERS` workers (default 4; tokio's sync benches use 6), except
//! the `*_concurrent_single` shapes, which run on a current-thread runtime as in tokio's bench.
//!
//! ```text
//! cargo bench -p weft-benches --bench sync                  # everything, a few minutes
//! cargo bench -p weft-benches --bench sync -- notify_one
//! ```

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use weft_benches::{workers_from_env, Group, Params, RuntimeKind, Shape, ShapeKind};

fn sync(c: &mut Criterion) {
    let workers = workers_from_env();
    let params = Params::standard();
    for kind in ShapeKind::of_group(Group::Sync).chain(ShapeKind::of_group(Group::Time)) {
        let mut group = c.benchmark_group(kind.name());
        for rt in RuntimeKind::ALL {
            // Built on first use (a filtered-out function never starts its runtime), kept across
            // criterion's calls of the closure, dropped before the next runtime is built.
            let mut shape: Option<Box<dyn Shape>> = None;
            group.bench_function(rt.name(), |b| {
                let shape = shape.get_or_insert_with(|| kind.build_on(rt, workers, &params));
                b.iter(|| shape.run());
            });
            drop(shape);
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // 50 functions × (0.5 s warm-up + 1.5 s measurement): about a minute and a half, plus
    // analysis.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500));
    targets = sync
}
criterion_main!(benches);
