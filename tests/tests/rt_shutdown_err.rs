//! `runtime::is_rt_shutdown_err`: true exactly for the error of an I/O object whose runtime
//! shut down, whatever the object; false for every other error, one with the same text too.

use std::io;
use weft::io::AsyncReadExt;
use weft::net::{TcpListener, UnixStream};
use weft::runtime::{is_rt_shutdown_err, Builder, Runtime};

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn io_objects_of_a_dropped_runtime_fail_with_the_shutdown_error() {
    let (first, second) = (current_thread(), current_thread());
    let (listener, (mut stream, _peer)) = first.block_on(async {
        (
            TcpListener::bind("127.0.0.1:0").await.unwrap(),
            UnixStream::pair().unwrap(),
        )
    });
    drop(first);
    let mut errors = Vec::new();
    second.block_on(async {
        errors.push(listener.accept().await.unwrap_err());
        errors.push(stream.read(&mut [0; 8]).await.unwrap_err());
    });
    assert_eq!(errors.len(), 2);
    for error in &errors {
        assert!(is_rt_shutdown_err(error), "{error:?}");
    }
}

#[test]
fn other_errors_are_not_the_shutdown_error() {
    let runtime = current_thread();
    let panicked = runtime
        .block_on(runtime.spawn(async { panic!("boom") }))
        .unwrap_err();
    let cancelled = runtime.block_on(async {
        let handle = weft::spawn(std::future::pending::<()>());
        handle.abort();
        handle.await.unwrap_err()
    });
    let shutdown_text = {
        let (first, second) = (current_thread(), current_thread());
        let listener = first.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        drop(first);
        second.block_on(listener.accept()).unwrap_err().to_string()
    };
    let others = [
        io::Error::from(panicked),
        io::Error::from(cancelled),
        io::Error::other("some other error"),
        io::Error::new(io::ErrorKind::NotFound, "not found"),
        io::Error::from(io::ErrorKind::Interrupted),
        // The shutdown error's own text, in an error made by someone else.
        io::Error::other(shutdown_text),
    ];
    for error in &others {
        assert!(!is_rt_shutdown_err(error), "{error:?}");
    }
}
