//! tokio's panic texts, as a ported test matches them (`#[should_panic(expected = ...)]` checks a
//! substring): weft's messages start with tokio's words where tokio's own tests pin them, then
//! say what to do in weft's. Each case is one that tokio's test suite checks (`no_rt.rs`,
//! `sync_semaphore.rs`, `sync_rwlock.rs`, `task_blocking.rs`, `rt_handle_block_on.rs`,
//! `process_change_of_runtime.rs`, `sync_mpsc.rs`), with tokio's exact expected string.

mod common;

use common::*;
use std::time::Duration;
use weft::runtime::Handle;

const NO_RUNTIME: &str =
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime";
const SHUTTING_DOWN: &str = "A Tokio 1.x context was found, but it is being shutdown.";
const BLOCKING: &str = "Cannot block the current thread from within a runtime";
const NESTED: &str = "Cannot start a runtime from within a runtime. This happens because a \
                      function (like `block_on`) attempted to block the current thread while \
                      the thread is being used to drive asynchronous tasks. If you are in an \
                      async function, use `.await` on the future instead of blocking on it.";

/// An entry point that must panic outside a runtime.
type Case = Box<dyn FnOnce()>;

#[test]
fn outside_a_runtime_every_entry_point_says_tokios_words_then_weft_s() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let cases: Vec<(&str, Case)> = vec![
        ("spawn", Box::new(|| drop(weft::spawn(async {})))),
        (
            "spawn_blocking",
            Box::new(|| drop(weft::task::spawn_blocking(|| ()))),
        ),
        ("Handle::current", Box::new(|| drop(Handle::current()))),
        (
            "sleep",
            Box::new(|| drop(weft::time::sleep(Duration::from_millis(1)))),
        ),
        (
            "TcpListener::from_std",
            Box::new(move || drop(weft::net::TcpListener::from_std(std_listener))),
        ),
        (
            "Command::spawn",
            Box::new(|| drop(weft::process::Command::new("true").spawn())),
        ),
        (
            "signal",
            Box::new(|| {
                let kind = weft::signal::unix::SignalKind::user_defined1();
                drop(weft::signal::unix::signal(kind))
            }),
        ),
    ];
    for (what, case) in cases {
        let message = panic_message_of(case);
        assert!(message.starts_with(NO_RUNTIME), "{what}: {message:?}");
        assert!(
            message.contains("weft"),
            "{what}: weft's own hint follows: {message:?}"
        );
    }
    let error = Handle::try_current().unwrap_err();
    assert!(error.to_string().starts_with(NO_RUNTIME), "{error}");
}

#[test]
fn blocking_calls_and_nested_block_on_inside_a_runtime() {
    guard(|| {
        let rt = current();
        rt.block_on(async {
            let semaphore = weft::sync::Semaphore::new(1);
            expect_panic_containing(BLOCKING, || drop(semaphore.blocking_acquire()));
            let (tx, _rx) = weft::sync::mpsc::channel::<u8>(1);
            expect_panic_containing(BLOCKING, || tx.blocking_send(1));
            expect_panic_containing(NESTED, || Handle::current().block_on(async {}));
        });
    });
}

#[test]
fn dropping_a_runtime_inside_one_panics_with_a_static_str() {
    guard(|| {
        let outer = multi(1);
        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            outer.block_on(async { drop(current()) })
        }))
        .expect_err("dropping a runtime inside a runtime panics");
        // tokio's test downcasts to `&'static str`.
        let message = payload.downcast_ref::<&'static str>().expect("a literal");
        assert!(message.contains("Cannot drop a runtime"), "{message:?}");
    });
}

#[test]
fn a_timer_of_a_runtime_that_has_shut_down() {
    guard(|| {
        let rt = multi(1);
        let _enter = rt.enter();
        let sleep = weft::time::sleep(Duration::from_millis(100));
        rt.shutdown_timeout(Duration::from_secs(10));
        let message = panic_message_of(move || Handle::current().block_on(sleep));
        assert!(message.starts_with(SHUTTING_DOWN), "{message:?}");
    });
}

#[test]
#[should_panic(expected = "a RwLock may not be created with 0 readers")]
fn a_rwlock_with_no_readers() {
    weft::sync::RwLock::with_max_readers((), 0);
}

/// The message of the panic that `f` must raise.
fn panic_message_of<R>(f: impl FnOnce() -> R) -> String {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .err()
        .expect("a panic");
    panic_message(&*payload)
}
