//! A misuse panic points at the caller's line, not at weft's source: every public function that
//! panics on misuse is `#[track_caller]` all the way down to the `panic!` (tokio's `rt_panic`
//! tests). A panic hook records where each panic happened, per thread.

mod common;

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Duration;

use common::*;
use weft::runtime::{Builder, Handle};
use weft::task::{JoinSet, TaskGroup};
use weft::time::{self, Instant};

thread_local! {
    /// Where the last panic on this thread happened: (file, line).
    static LAST_PANIC: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
}

/// Runs `f`, which must panic, and returns the file and line the panic reports.
fn panic_location<R>(f: impl FnOnce() -> R) -> (String, u32) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| (l.file().to_owned(), l.line()));
            LAST_PANIC.with(|last| *last.borrow_mut() = location);
            previous(info);
        }));
    });
    LAST_PANIC.with(|last| last.borrow_mut().take());
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(outcome.is_err(), "expected a panic");
    LAST_PANIC
        .with(|last| last.borrow_mut().take())
        .expect("the hook saw the panic")
}

/// Asserts that the panic of `f` is reported in this file (the closure's body), not in weft.
#[track_caller]
fn assert_panics_here<R>(f: impl FnOnce() -> R) {
    let (file, line) = panic_location(f);
    assert_eq!(file, file!(), "the panic was reported at {file}:{line}");
}

#[test]
fn misuse_outside_a_runtime_panics_at_the_callers_line() {
    guard(|| {
        let later = Instant::now() + Duration::from_secs(1);
        assert_panics_here(|| Handle::current());
        assert_panics_here(|| weft::spawn(async {}));
        assert_panics_here(|| weft::task::spawn_blocking(|| ()));
        assert_panics_here(|| time::sleep(Duration::from_secs(1)));
        assert_panics_here(|| time::sleep_until(later));
        assert_panics_here(|| time::timeout(Duration::from_secs(1), async {}));
        assert_panics_here(|| time::timeout_at(later, async {}));
        assert_panics_here(|| time::interval(Duration::from_secs(1)));
        assert_panics_here(|| time::interval_at(later, Duration::from_secs(1)));
        assert_panics_here(|| JoinSet::<()>::new().spawn(async {}));
        assert_panics_here(|| JoinSet::<()>::new().spawn_blocking(|| ()));
        assert_panics_here(|| TaskGroup::<(), ()>::new().spawn(async { Ok(()) }));
    });
}

#[test]
fn misuse_inside_a_runtime_panics_at_the_callers_line() {
    guard(|| {
        for rt in [multi(1), current()] {
            let handle = rt.handle().clone();
            let nested_handle = handle.clone();
            // A nested `block_on` panics on the thread that runs the outer `block_on`.
            assert_panics_here(|| rt.block_on(async { rt.block_on(async {}) }));
            assert_panics_here(|| handle.block_on(async { nested_handle.block_on(async {}) }));
            let _enter = rt.enter();
            assert_panics_here(|| time::interval(Duration::ZERO));
        }
        // `block_in_place` where the other tasks could not move: a current-thread runtime, a
        // `LocalSet`.
        let rt = current();
        assert_panics_here(|| rt.block_on(async { weft::task::block_in_place(|| ()) }));
        let rt = multi(1);
        let local = weft::task::LocalSet::new();
        assert_panics_here(|| local.block_on(&rt, async { weft::task::block_in_place(|| ()) }));
        assert_panics_here(|| {
            Builder::new_multi_thread().max_io_events_per_busy_tick(0);
        });
        assert_panics_here(|| weft::io::duplex(0));
        assert_panics_here(|| drop(Builder::new_multi_thread().worker_threads(0).build()));
        assert_panics_here(|| {
            drop(
                Builder::new_current_thread()
                    .max_blocking_threads(0)
                    .build(),
            )
        });
        let cancelled = {
            let rt = current();
            let join = rt.spawn(std::future::pending::<()>());
            join.abort();
            rt.block_on(join).unwrap_err()
        };
        assert_panics_here(|| cancelled.into_panic());
    });
}
