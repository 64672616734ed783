//! A waker that panics when the reactor wakes it: the rest of its batch is still woken, the
//! panic reaches the thread that turned (whole, with its payload), and the reactor keeps
//! working, whether it is turned by hand or by `Reactor::block_on`. (Before: the panic
//! poisoned the turn lock, every later turn returned at once as if another thread turned, and
//! `block_on` parked forever.)

use super::{connected_pair, poll_once, poll_with, CountingWaker};
use crate::io::{AsyncReadExt, AsyncWriteExt};
use crate::Reactor;
use std::future::poll_fn;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

const MESSAGE: &str = "this waker panics on purpose";

struct PanickingWaker;

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("{MESSAGE}");
    }
}

fn panicking_waker() -> Waker {
    Waker::from(Arc::new(PanickingWaker))
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("<not a string>")
}

#[test]
fn a_panicking_waker_is_resumed_after_its_batch_and_the_reactor_keeps_turning() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client_a, mut server_a) = connected_pair(&reactor);
    let (client_b, mut server_b) = connected_pair(&reactor);
    let counting = Arc::new(CountingWaker::default());
    let (mut buf_a, mut buf_b) = ([0u8; 8], [0u8; 8]);
    let mut read_a = pin!(server_a.read(&mut buf_a));
    let mut read_b = pin!(server_b.read(&mut buf_b));
    assert!(poll_with(read_a.as_mut(), &panicking_waker()).is_pending());
    assert!(poll_once(read_b.as_mut(), &counting).is_pending());
    // Both events are queued before the turn (loopback delivers within the write).
    assert_eq!(client_a.try_write(b"a").unwrap(), 1);
    assert_eq!(client_b.try_write(b"b").unwrap(), 1);

    let mut panics = Vec::new();
    for _ in 0..3 {
        match catch_unwind(AssertUnwindSafe(|| {
            reactor.turn(Some(Duration::from_secs(5)))
        })) {
            Ok(turned) => {
                turned.unwrap();
            }
            Err(payload) => panics.push(payload_message(&*payload).to_owned()),
        }
        if counting.wakes() == 1 && panics.len() == 1 {
            break;
        }
    }
    assert_eq!(
        panics,
        [MESSAGE],
        "the panic reached the turning thread once"
    );
    assert_eq!(
        counting.wakes(),
        1,
        "the other waker of the batch was woken"
    );
    assert!(
        reactor.try_turn(Some(Duration::ZERO)).unwrap(),
        "the next turn turns (no one else holds the turn)"
    );
    assert!(matches!(
        poll_once(read_b.as_mut(), &counting),
        Poll::Ready(Ok(1))
    ));
    assert!(matches!(
        poll_once(read_a.as_mut(), &counting),
        Poll::Ready(Ok(1))
    ));
}

#[test]
fn block_on_passes_a_waker_panic_on_and_the_reactor_serves_the_next_block_on() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (mut client_a, mut server_a) = connected_pair(&reactor);
    let (mut client_b, mut server_b) = connected_pair(&reactor);
    let mut buf = [0u8; 8];
    let caught = catch_unwind(AssertUnwindSafe(|| {
        reactor.block_on(async {
            let mut read = pin!(server_a.read(&mut buf));
            // The read waits with a waker of the program's own making.
            poll_fn(|_| {
                assert!(poll_with(read.as_mut(), &panicking_waker()).is_pending());
                Poll::Ready(())
            })
            .await;
            client_a.write_all(b"a").await.unwrap();
            // Waits for ever: only the panic ends this `block_on`.
            std::future::pending::<()>().await;
        })
    }));
    let payload = caught.expect_err("the waker's panic reaches block_on's caller");
    assert_eq!(payload_message(&*payload), MESSAGE);
    assert!(
        reactor.try_turn(Some(Duration::ZERO)).unwrap(),
        "the next turn turns (no one else holds the turn)"
    );
    let echoed = reactor
        .block_on(async {
            client_b.write_all(b"ping").await?;
            let mut reply = [0u8; 4];
            server_b.read_exact(&mut reply).await?;
            std::io::Result::Ok(reply)
        })
        .unwrap()
        .unwrap();
    assert_eq!(&echoed, b"ping");
}

#[test]
fn a_panicking_waker_woken_by_a_deregistration_is_resumed_after_the_others() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (_client, server) = connected_pair(&reactor);
    let counting = Arc::new(CountingWaker::default());
    let mut buf = [0u8; 8];
    let error = server.try_read(&mut buf).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    {
        let mut first = pin!(server.readable());
        let mut second = pin!(server.readable());
        assert!(poll_with(first.as_mut(), &panicking_waker()).is_pending());
        assert!(poll_once(second.as_mut(), &counting).is_pending());
        // Closing the socket's registration by hand, as its drop does.
        let caught = catch_unwind(AssertUnwindSafe(|| reactor.shutdown()));
        let payload = caught.expect_err("the panic reaches the caller of shutdown");
        assert_eq!(payload_message(&*payload), MESSAGE);
    }
    assert_eq!(counting.wakes(), 1, "the other waiter was woken");
}
