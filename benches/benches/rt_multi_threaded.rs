//! weft against tokio on the shapes of tokio's `benches/rt_multi_threaded.rs`.
//!
//! One criterion group per shape, with two functions, `weft` and `tokio`, so the report shows
//! them side by side (`target/criterion/<shape>/report`). The shapes themselves live in
//! `weft_benches::shapes`, shared with the `compare` binary and the tests. `ping_pong` is tokio's
//! shape (each runtime with its own oneshot); `ping_pong_standin` runs the runtime-agnostic
//! stand-in oneshot of `weft_benches::oneshot` on both runtimes, so that it compares schedulers,
//! not channels. The sync shapes are in `benches/sync.rs`.
//!
//! Each runtime is built once per shape, outside `b.iter`, and only one runtime is alive at a
//! time (the background load of the `*_busy*` shapes would otherwise slow the other runtime
//! down). Both get `WEFT_BENCH_WORKERS` workers (default 4, like tokio's bench).
//!
//! ```text
//! cargo bench -p weft-benches --bench rt_multi_threaded            # everything, a few minutes
//! cargo bench -p weft-benches --bench rt_multi_threaded -- ping_pong
//! WEFT_BENCH_WORKERS=2 cargo bench -p weft-benches --bench rt_multi_threaded
//! ```

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use weft_benches::{workers_from_env, Group, Params, RuntimeKind, Shape, ShapeKind};

fn rt_multi_threaded(c: &mut Criterion) {
    let workers = workers_from_env();
    let params = Params::standard();
    for kind in ShapeKind::of_group(Group::Rt) {
        let mut group = c.benchmark_group(kind.name());
        for rt in RuntimeKind::ALL {
            // Built on first use, so that a filtered-out function never starts its runtime, and
            // kept across criterion's calls of the closure (one per sample) so that the runtime
            // is built once; dropped before the next runtime is built.
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
    // 16 functions × (1 s warm-up + 3 s measurement): about a minute, plus analysis.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = rt_multi_threaded
}
criterion_main!(benches);
