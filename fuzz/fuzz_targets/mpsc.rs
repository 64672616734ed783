//! Operation sequences on a bounded `weft::sync::mpsc` channel (capacity 1 to 8) against a
//! model: a queue of message ids, the permits held, the sends waiting for a slot (in order),
//! and whether the receiver closed.
//!
//! Checked after every operation: each `try_send`/`send`/`try_reserve_owned` result (`Full`
//! vs `Closed` vs success, with the very value handed back), each `try_recv`/`poll_recv`
//! result (the right id in order, `Empty` vs `Disconnected`), that a waiting send is woken
//! exactly once when a slot frees up for it (first come, first served) or the channel
//! closes, that a waiting receiver is woken exactly once by a message or by the channel
//! finishing (and never otherwise), and that the messages alive are exactly the ones the
//! model holds. At the end, once everything is dropped, no message is left alive.
//!
//! Everything runs on the fuzzer's thread with counting wakers: no runtime, so every result
//! is deterministic.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use weft::sync::mpsc::error::{SendError, TryRecvError, TrySendError};
use weft::sync::mpsc::{self, OwnedPermit, Receiver, Sender};

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// A message that counts the live ones, so a lost or doubly dropped message shows.
#[derive(Debug)]
struct Msg(u32);

impl Msg {
    fn new(id: u32) -> Msg {
        LIVE.with(|live| live.set(live.get() + 1));
        Msg(id)
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        LIVE.with(|live| live.set(live.get() - 1));
    }
}

fn live() -> usize {
    LIVE.with(Cell::get)
}

#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

fn poll_with<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Arc<CountingWaker>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(&Waker::from(waker.clone())))
}

#[derive(Arbitrary, Debug)]
struct Input {
    capacity: u8,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    TrySend(u8),
    Send(u8),
    TryReserve(u8),
    PermitSend(u8),
    PermitRelease(u8),
    CloneSender(u8),
    DropSender(u8),
    TryRecv,
    PollRecv,
    Close,
    DropReceiver,
}

type SendFuture = Pin<Box<dyn Future<Output = Result<(), SendError<Msg>>>>>;

/// A `send` that found the channel full, with its message id and its waker.
struct WaitingSend {
    future: SendFuture,
    id: u32,
    waker: Arc<CountingWaker>,
}

struct Harness {
    capacity: usize,
    senders: Vec<Sender<Msg>>,
    permits: Vec<OwnedPermit<Msg>>,
    waiting: VecDeque<WaitingSend>,
    rx: Option<Receiver<Msg>>,
    /// The receiver's waker from a `poll_recv` that returned `Pending`.
    rx_waker: Option<Arc<CountingWaker>>,
    /// The model: ids in the channel, in order (only while the receiver lives).
    queue: VecDeque<u32>,
    closed: bool,
    next_id: u32,
}

impl Harness {
    fn new(capacity: usize) -> Harness {
        let (tx, rx) = mpsc::channel(capacity);
        Harness {
            capacity,
            senders: vec![tx],
            permits: Vec::new(),
            waiting: VecDeque::new(),
            rx: Some(rx),
            rx_waker: None,
            queue: VecDeque::new(),
            closed: false,
            next_id: 0,
        }
    }

    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    /// Live senders: the plain ones, those inside permits and those inside waiting sends.
    fn tx_count(&self) -> usize {
        self.senders.len() + self.permits.len() + self.waiting.len()
    }

    fn free_slots(&self) -> usize {
        self.capacity - self.queue.len() - self.permits.len()
    }

    /// Whether the receiver can get nothing more once its queue is empty.
    fn finished(&self) -> bool {
        self.tx_count() == 0 || (self.closed && self.permits.is_empty())
    }

    fn pushed(&mut self, id: u32) {
        if self.rx.is_some() {
            self.queue.push_back(id);
        }
    }

    /// A slot came back: the first waiting send gets it, is woken once, and completes.
    fn slot_released(&mut self) {
        if self.closed {
            return;
        }
        let Some(mut send) = self.waiting.pop_front() else {
            return;
        };
        assert_eq!(
            send.waker.wakes(),
            1,
            "the first waiting send is woken once"
        );
        let fresh = Arc::new(CountingWaker::default());
        match poll_with(send.future.as_mut(), &fresh) {
            Poll::Ready(Ok(())) => self.pushed(send.id),
            other => panic!("a woken send with a slot: {other:?}"),
        }
        for later in &self.waiting {
            assert_eq!(later.waker.wakes(), 0, "a later send is not woken");
        }
    }

    /// The channel closed: every waiting send is woken once and gets its message back.
    fn fail_waiting_sends(&mut self) {
        for mut send in self.waiting.drain(..) {
            assert_eq!(
                send.waker.wakes(),
                1,
                "a waiting send is woken by the close"
            );
            match poll_with(send.future.as_mut(), &send.waker) {
                Poll::Ready(Err(SendError(msg))) => assert_eq!(msg.0, send.id),
                other => panic!("a send after the close: {other:?}"),
            }
        }
    }

    /// Fails the input: `op` gave `got`, which the model's state does not allow.
    fn unexpected(&self, op: &str, got: &dyn std::fmt::Debug) -> ! {
        panic!(
            "{op}: {got:?} (closed {}, free slots {})",
            self.closed,
            self.free_slots()
        )
    }

    fn try_send(&mut self, i: u8) {
        if self.senders.is_empty() {
            return;
        }
        let id = self.id();
        let result = self.senders[usize::from(i) % self.senders.len()].try_send(Msg::new(id));
        match result {
            Ok(()) if !self.closed && self.free_slots() > 0 => self.pushed(id),
            Err(TrySendError::Closed(msg)) if self.closed => assert_eq!(msg.0, id),
            Err(TrySendError::Full(msg)) if !self.closed && self.free_slots() == 0 => {
                assert_eq!(msg.0, id)
            }
            other => self.unexpected("try_send", &other),
        }
    }

    fn send(&mut self, i: u8) {
        let Some(tx) = pick(&self.senders, i).cloned() else {
            return;
        };
        let id = self.id();
        let msg = Msg::new(id);
        let mut future: SendFuture = Box::pin(async move { tx.send(msg).await });
        let waker = Arc::new(CountingWaker::default());
        match poll_with(future.as_mut(), &waker) {
            Poll::Ready(Ok(())) if !self.closed && self.free_slots() > 0 => self.pushed(id),
            Poll::Ready(Err(SendError(msg))) if self.closed => assert_eq!(msg.0, id),
            Poll::Pending if !self.closed && self.free_slots() == 0 => {
                self.waiting.push_back(WaitingSend { future, id, waker })
            }
            other => self.unexpected("send", &other),
        }
    }

    fn try_reserve(&mut self, i: u8) {
        let Some(tx) = pick(&self.senders, i).cloned() else {
            return;
        };
        match tx.try_reserve_owned() {
            Ok(permit) if !self.closed && self.free_slots() > 0 => self.permits.push(permit),
            Err(TrySendError::Closed(_)) if self.closed => {}
            Err(TrySendError::Full(_)) if !self.closed && self.free_slots() == 0 => {}
            other => self.unexpected("try_reserve_owned", &other),
        }
    }

    fn permit_send(&mut self, i: u8) {
        if self.permits.is_empty() {
            return;
        }
        let permit = self
            .permits
            .swap_remove(usize::from(i) % self.permits.len());
        let id = self.id();
        drop(permit.send(Msg::new(id)));
        self.pushed(id);
    }

    fn permit_release(&mut self, i: u8) {
        if self.permits.is_empty() {
            return;
        }
        let permit = self
            .permits
            .swap_remove(usize::from(i) % self.permits.len());
        drop(permit.release());
        self.slot_released();
    }

    fn recv_expectation(&mut self) -> Result<u32, TryRecvError> {
        match self.queue.pop_front() {
            Some(id) => Ok(id),
            None if self.finished() => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    fn try_recv(&mut self) {
        let Some(rx) = self.rx.as_mut() else { return };
        let got = rx.try_recv().map(|msg| msg.0);
        let want = self.recv_expectation();
        assert_eq!(got, want, "try_recv");
        if got.is_ok() {
            self.slot_released();
        }
    }

    fn poll_recv(&mut self) {
        let Some(rx) = self.rx.as_mut() else { return };
        let waker = Arc::new(CountingWaker::default());
        let got = rx.poll_recv(&mut Context::from_waker(&Waker::from(waker.clone())));
        let got = got.map(|msg| msg.map(|msg| msg.0));
        match (got, self.recv_expectation()) {
            (Poll::Ready(Some(id)), Ok(want)) => {
                assert_eq!(id, want, "poll_recv");
                self.slot_released();
            }
            (Poll::Ready(None), Err(TryRecvError::Disconnected)) => {}
            (Poll::Pending, Err(TryRecvError::Empty)) => self.rx_waker = Some(waker),
            (got, want) => panic!("poll_recv: {got:?}, model {want:?}"),
        }
    }

    fn close(&mut self) {
        let Some(rx) = self.rx.as_mut() else { return };
        rx.close();
        self.closed = true;
        // The receiver acted itself: it is no longer waiting, whatever it registered before.
        self.rx_waker = None;
        self.fail_waiting_sends();
    }

    fn drop_receiver(&mut self) {
        if self.rx.is_none() {
            return;
        }
        self.close();
        self.rx = None;
        self.rx_waker = None;
        self.queue.clear();
    }

    fn apply(&mut self, op: &Op) {
        let had_message = !self.queue.is_empty();
        let was_finished = self.finished();
        match *op {
            Op::TrySend(i) => self.try_send(i),
            Op::Send(i) => self.send(i),
            Op::TryReserve(i) => self.try_reserve(i),
            Op::PermitSend(i) => self.permit_send(i),
            Op::PermitRelease(i) => self.permit_release(i),
            Op::CloneSender(i) => {
                if let Some(tx) = pick(&self.senders, i).cloned() {
                    self.senders.push(tx);
                }
            }
            Op::DropSender(i) => {
                if !self.senders.is_empty() {
                    self.senders
                        .swap_remove(usize::from(i) % self.senders.len());
                }
            }
            Op::TryRecv => self.try_recv(),
            Op::PollRecv => self.poll_recv(),
            Op::Close => self.close(),
            Op::DropReceiver => self.drop_receiver(),
        }
        self.check_receiver_wake(had_message, was_finished, op);
        if self.rx.is_some() {
            assert_eq!(
                live(),
                self.queue.len() + self.waiting.len(),
                "messages alive after {op:?}"
            );
        }
    }

    /// A receiver that waited is woken exactly once by the first message or by the channel
    /// finishing, and not before.
    fn check_receiver_wake(&mut self, had_message: bool, was_finished: bool, op: &Op) {
        let Some(waker) = &self.rx_waker else { return };
        if matches!(op, Op::PollRecv | Op::TryRecv) {
            // The receiver itself acted: it saw the state directly.
            return;
        }
        let due = (!had_message && !self.queue.is_empty()) || (!was_finished && self.finished());
        if due {
            assert_eq!(
                waker.wakes(),
                1,
                "the waiting receiver is woken once after {op:?}"
            );
            self.rx_waker = None;
        } else {
            assert_eq!(
                waker.wakes(),
                0,
                "the waiting receiver is not woken by {op:?}"
            );
        }
    }
}

fn pick<T>(items: &[T], i: u8) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(i) % items.len()])
}

fuzz_target!(|input: Input| {
    let mut harness = Harness::new(1 + usize::from(input.capacity % 8));
    for op in &input.ops {
        harness.apply(op);
    }
    drop(harness);
    assert_eq!(live(), 0, "every message dropped once everything is gone");
});
