//! The channel shared by the senders and the receiver, bounded or not.
//!
//! `Chan<T, S>` holds the message store (`list.rs`), the limit `S` (`capacity.rs`), the
//! receiver's waker, the senders' count and the senders waiting in `closed()`. `Tx` is one
//! sender's share of it, `Rx` the receiver's (with the receiver-only counters).
//!
//! The hot path takes no lock: a send is the capacity check (one compare-exchange for a bounded
//! channel, one fetch-add for an unbounded one), a lock-free push, and a wake of the receiver
//! that costs a fence and a load while the receiver is busy; a receive is a lock-free pop and,
//! bounded, the permit's return. A receive that finds the next slot claimed but not yet written
//! waits a few spin hints for it before it registers its waker (`poll_recv_unbudgeted`).
//!
//! Invariants:
//! - Each message is pushed once, by a send that the capacity accepted, and popped once, by the
//!   receiver; what is still stored when the channel goes is dropped with it (so a value is
//!   dropped exactly once whatever the order of the drops).
//! - The receiver sleeps only after registering its waker and then finding nothing: a push, the
//!   last sender's drop, and the return of a permit after the close each publish first and then
//!   wake (`atomic_waker.rs` proves the handshake).
//! - The receiver reports the end (`None`) only when nothing more can arrive: every sender is
//!   gone (their pushes precede the last drop, whose release the receiver's load acquires), or
//!   the receiver closed and the channel is idle (`capacity.rs`); and it looks at the store
//!   once more after seeing so.
//! - `tx_count` counts live senders; it reaches zero once and a weak sender never raises it
//!   from zero.

use super::capacity::{Bounded, Capacity};
use super::closed::ClosedWaiters;
use super::error::TryRecvError;
use super::list::{self, List};
use crate::sync::atomic_waker::AtomicWaker;
use crate::sync::prim::{Arc, AtomicUsize, Ordering};
use crossbeam_utils::CachePadded;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(super) struct Chan<T, S> {
    list: List<T>,
    pub(super) capacity: S,
    /// Padded: the receiver registers here while senders write the list and the capacity.
    rx_waker: CachePadded<AtomicWaker>,
    closed_waiters: ClosedWaiters,
    tx_count: AtomicUsize,
    tx_weak_count: AtomicUsize,
}

// A panic in user code that a channel runs (a message's `Drop`, a waker) finds the channel
// consistent: messages are dropped after they left the list, wakers are woken after the state
// they wake for was published, and no user code runs inside a list or semaphore update. So a
// handle may be used again after such a panic, as in tokio, whose handles are unwind safe too.
impl<T, S> std::panic::RefUnwindSafe for Chan<T, S> {}
impl<T, S> std::panic::UnwindSafe for Chan<T, S> {}

/// Makes a channel with one sender and the receiver.
pub(super) fn channel<T, S: Capacity>(capacity: S) -> (Tx<T, S>, Rx<T, S>) {
    let chan = Arc::new(Chan {
        list: List::new(),
        capacity,
        rx_waker: CachePadded::new(AtomicWaker::new()),
        closed_waiters: ClosedWaiters::new(),
        tx_count: AtomicUsize::new(1),
        tx_weak_count: AtomicUsize::new(0),
    });
    let tx = Tx { chan: chan.clone() };
    let rx = Rx {
        chan,
        closed: false,
        received: 0,
        ticket: 0,
    };
    (tx, rx)
}

impl<T, S: Capacity> Chan<T, S> {
    /// Stores a message that the capacity accepted and wakes the receiver.
    #[inline]
    pub(super) fn push(&self, value: T) {
        self.list.push(value);
        self.rx_waker.wake();
    }
}

impl<T> Chan<T, Bounded> {
    /// A slot came back without a message: wakes the receiver if that made a closed channel
    /// idle, the only way it can end a receiver's wait (`Rx::is_finished`). Once the channel
    /// is closed nothing acquires, so the release that frees the last slot reads the count it
    /// wrote itself or a later one: it sees the channel idle and wakes. The releases before it
    /// wake nobody (a wake then would only make the receiver poll to find `Empty` again).
    pub(super) fn wake_rx_if_closed_and_idle(&self) {
        if self.capacity.is_closed() && self.capacity.is_idle(0, 0) {
            self.rx_waker.wake();
        }
    }
}

/// One sender's share of the channel; counted in `tx_count`.
pub(super) struct Tx<T, S: Capacity> {
    chan: Arc<Chan<T, S>>,
}

impl<T, S: Capacity> Tx<T, S> {
    pub(super) fn chan(&self) -> &Chan<T, S> {
        &self.chan
    }

    pub(super) fn is_closed(&self) -> bool {
        self.chan.capacity.is_closed()
    }

    pub(super) fn same_channel(&self, other: &Tx<T, S>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Completes once the receiver closed or dropped.
    pub(super) fn closed(&self) -> Closed<'_, T, S> {
        Closed {
            chan: &self.chan,
            key: None,
        }
    }

    pub(super) fn downgrade(&self) -> WeakTx<T, S> {
        self.chan.tx_weak_count.fetch_add(1, Ordering::Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }

    pub(super) fn strong_count(&self) -> usize {
        self.chan.tx_count.load(Ordering::Acquire)
    }

    pub(super) fn weak_count(&self) -> usize {
        self.chan.tx_weak_count.load(Ordering::Acquire)
    }
}

impl<T, S: Capacity> Clone for Tx<T, S> {
    fn clone(&self) -> Self {
        // Like `Arc::clone`: the new sender is made from a live one, so no ordering is needed.
        self.chan.tx_count.fetch_add(1, Ordering::Relaxed);
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S: Capacity> Drop for Tx<T, S> {
    fn drop(&mut self) {
        // AcqRel: the senders' decrements form one release sequence, so the receiver's acquire
        // of zero sees every push made before any of them.
        if self.chan.tx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.rx_waker.wake();
        }
    }
}

/// A sender that does not keep the channel open; counted in `tx_weak_count`.
pub(super) struct WeakTx<T, S: Capacity> {
    chan: Arc<Chan<T, S>>,
}

impl<T, S: Capacity> WeakTx<T, S> {
    /// A sender, if any sender is still alive.
    pub(super) fn upgrade(&self) -> Option<Tx<T, S>> {
        let mut current = self.chan.tx_count.load(Ordering::Relaxed);
        loop {
            if current == 0 {
                return None;
            }
            match self.chan.tx_count.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(Tx {
                        chan: self.chan.clone(),
                    })
                }
                Err(actual) => current = actual,
            }
        }
    }

    pub(super) fn strong_count(&self) -> usize {
        self.chan.tx_count.load(Ordering::Acquire)
    }

    pub(super) fn weak_count(&self) -> usize {
        self.chan.tx_weak_count.load(Ordering::Acquire)
    }
}

impl<T, S: Capacity> Clone for WeakTx<T, S> {
    fn clone(&self) -> Self {
        self.chan.tx_weak_count.fetch_add(1, Ordering::Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S: Capacity> Drop for WeakTx<T, S> {
    fn drop(&mut self) {
        self.chan.tx_weak_count.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The future of `closed()`: completes once the receiver closed or dropped.
pub(super) struct Closed<'a, T, S: Capacity> {
    chan: &'a Chan<T, S>,
    key: Option<usize>,
}

impl<T, S: Capacity> Future for Closed<'_, T, S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        crate::task::coop::leaf(cx, |cx| this.poll_closed(cx))
    }
}

impl<T, S: Capacity> Closed<'_, T, S> {
    fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let this = self;
        if this.chan.capacity.is_closed() {
            return Poll::Ready(());
        }
        this.chan.closed_waiters.register(&mut this.key, cx.waker());
        if this.chan.capacity.is_closed() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T, S: Capacity> Drop for Closed<'_, T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.chan.closed_waiters.remove(key);
        }
    }
}

/// The receiver's share of the channel, with its own counters.
pub(super) struct Rx<T, S: Capacity> {
    chan: Arc<Chan<T, S>>,
    /// Whether this receiver closed the channel.
    closed: bool,
    /// Messages taken so far (wrapping).
    received: usize,
    /// What the close returned, for `Capacity::is_idle`.
    ticket: usize,
}

impl<T, S: Capacity> Rx<T, S> {
    pub(super) fn chan(&self) -> &Chan<T, S> {
        &self.chan
    }

    /// Pops one message and returns its slot.
    #[inline]
    fn pop(&mut self) -> Option<T> {
        // SAFETY: `&mut self`: the receiver pops, and only one call at a time.
        let value = unsafe { self.chan.list.pop() }?;
        self.received = self.received.wrapping_add(1);
        self.chan.capacity.release(1);
        Some(value)
    }

    /// After finding the store empty: whether nothing more can arrive.
    fn is_finished(&self) -> bool {
        self.chan.tx_count.load(Ordering::Acquire) == 0
            || (self.closed && self.chan.capacity.is_idle(self.ticket, self.received))
    }

    /// One attempt: a message, or whether more may come.
    fn attempt(&mut self) -> Result<T, Attempt> {
        if let Some(value) = self.pop() {
            return Ok(value);
        }
        if !self.is_finished() {
            return Err(Attempt::Empty);
        }
        // Everything that will ever be pushed is written by now (a finished channel has no
        // send under way): one last look.
        self.pop().ok_or(Attempt::Finished)
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut backoff = Backoff::new();
        loop {
            match self.attempt() {
                Ok(value) => return Ok(value),
                Err(Attempt::Finished) => return Err(TryRecvError::Disconnected),
                // A sender claimed the next slot and is writing it: the message is there in
                // an instant, and a `try_recv` must not report `Empty` with it (or the ones
                // behind it) sent.
                Err(Attempt::Empty) if self.chan.list.claimed() != self.received => {
                    backoff.snooze()
                }
                Err(Attempt::Empty) => return Err(TryRecvError::Empty),
            }
        }
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // A leaf of the cooperative budget: a channel that is never empty still yields.
        crate::task::coop::leaf(cx, |cx| self.poll_recv_unbudgeted(cx))
    }

    fn poll_recv_unbudgeted(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut spins = 0;
        loop {
            match self.attempt() {
                Ok(value) => return Poll::Ready(Some(value)),
                Err(Attempt::Finished) => return Poll::Ready(None),
                // A sender claimed the next slot and is writing it: the message is nanoseconds
                // away. Waiting for it briefly beats registering, which makes that sender take
                // and wake our waker, and us return `Pending` and be polled again. (Measured
                // on five producers sending to a receiver in `block_on`, `compare`'s
                // `mpsc_contention_unbounded`: 1.08x-1.90x of tokio without the wait,
                // 1.24x-2.23x with it, eight alternated pairs.) Bounded: a sender that stalls
                // mid-write costs us at most about 120 spin hints, then we register as usual.
                Err(Attempt::Empty)
                    if spins < RECV_SPINS && self.chan.list.claimed() != self.received =>
                {
                    for _ in 0..(8 << spins) {
                        std::hint::spin_loop();
                    }
                    spins += 1;
                }
                Err(Attempt::Empty) => break,
            }
        }
        self.chan.rx_waker.register_by_ref(cx.waker());
        // A sender that is writing the next slot wakes us once it is written.
        match self.attempt() {
            Ok(value) => Poll::Ready(Some(value)),
            Err(Attempt::Finished) => Poll::Ready(None),
            Err(Attempt::Empty) => Poll::Pending,
        }
    }

    /// Moves up to `limit` messages into `buffer`; 0 only if `limit` is 0 or the channel is
    /// closed and drained.
    pub(super) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let first = match self.poll_recv(cx) {
            Poll::Ready(Some(value)) => value,
            Poll::Ready(None) => return Poll::Ready(0),
            Poll::Pending => return Poll::Pending,
        };
        buffer.reserve(limit.min(self.len() + 1));
        buffer.push(first);
        let mut taken = 1;
        while taken < limit {
            // SAFETY: `&mut self`: the receiver pops, and only one call at a time.
            let Some(value) = (unsafe { self.chan.list.pop() }) else {
                break;
            };
            buffer.push(value);
            taken += 1;
        }
        // The first message's slot went back in `poll_recv`; the others' go back together.
        self.received = self.received.wrapping_add(taken - 1);
        self.chan.capacity.release(taken - 1);
        Poll::Ready(taken)
    }

    /// Closes the channel: senders fail from now on, those waiting in `closed()` wake, and the
    /// receiver can still drain what was sent before.
    pub(super) fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.ticket = self.chan.capacity.close();
        self.chan.closed_waiters.wake_all();
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed || self.chan.tx_count.load(Ordering::Acquire) == 0
    }

    /// Messages stored, counting those being written right now.
    pub(super) fn len(&self) -> usize {
        self.chan.list.claimed().wrapping_sub(self.received)
    }

    pub(super) fn sender_strong_count(&self) -> usize {
        self.chan.tx_count.load(Ordering::Acquire)
    }

    pub(super) fn sender_weak_count(&self) -> usize {
        self.chan.tx_weak_count.load(Ordering::Acquire)
    }
}

impl<T, S: Capacity> Drop for Rx<T, S> {
    fn drop(&mut self) {
        self.close();
        // The waker keeps its task alive: release it now, not with the last sender.
        drop(self.chan.rx_waker.take());
        // Drop what is stored now rather than with the last sender, every message even if
        // one's drop panics (then that panic goes on afterwards). A send racing this drop may
        // still store one, which the channel drops when it goes.
        let panic = list::drop_each(|| self.pop());
        list::resume(panic);
    }
}

/// Why [`Rx::attempt`] found no message.
enum Attempt {
    /// None yet (or the next one is being written); more may come.
    Empty,
    /// None, and none will come.
    Finished,
}

/// Waits out a sender that is between claiming a slot and writing it (a few instructions,
/// unless its thread was preempted there): spin, then yield.
/// How many times `poll_recv` waits for a slot a sender is writing before it registers.
/// None under loom: the wait only repeats `attempt`, which the models already explore, and
/// each repeat would multiply their interleavings.
const RECV_SPINS: u32 = if cfg!(any(all(test, loom), weft_loom)) {
    0
} else {
    4
};

struct Backoff(u32);

impl Backoff {
    fn new() -> Backoff {
        Backoff(0)
    }

    fn snooze(&mut self) {
        #[cfg(any(all(test, loom), weft_loom))]
        loom::thread::yield_now();
        #[cfg(not(any(all(test, loom), weft_loom)))]
        if self.0 < 6 {
            for _ in 0..1 << self.0 {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
        self.0 = self.0.saturating_add(1);
    }
}

impl<T, S: Capacity> fmt::Debug for Tx<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl<T, S: Capacity> fmt::Debug for WeakTx<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T, S: Capacity> fmt::Debug for Rx<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("closed", &self.is_closed())
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl<T, S: Capacity> fmt::Debug for Closed<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}
