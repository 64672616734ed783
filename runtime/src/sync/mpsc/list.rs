//! The message store of both channel kinds: a lock-free list of blocks (`block.rs`) of
//! uninitialised slots, tokio's design.
//!
//! A sender claims the next index with one `fetch_add` on `claimed`, finds the block that holds
//! it (walking from the `tail` hint, linking a new block at the end when needed), writes the
//! message and sets the slot's ready bit. The one receiver reads index after index, following
//! the blocks' links. Blocks the receiver has finished are reused: linked again at the end of
//! the list (or freed when that takes too long), so a channel in steady use allocates nothing.
//! The bound of a bounded channel is kept by its semaphore (`capacity.rs`), not here, so a
//! `channel(1_000_000)` costs one block until it fills.
//!
//! Invariants:
//! - Each index is claimed by exactly one sender, which writes it exactly once; every claimed
//!   index gets written (a sender claims only once the capacity accepted its message, and
//!   nothing between the claim and the write can fail except allocation, which aborts).
//! - The blocks form one singly linked list from the receiver's `oldest` block on, in index
//!   order, each `BLOCK_CAP` after the one before.
//! - **Tail hint**: every block before the one `tail` points to is full (all its slots written).
//!   So a sender that has not written yet finds its block at or after `tail`, whenever it loads
//!   it, and walking forward is enough. The hint moves one block at a time, by a
//!   compare-exchange, past a full block only.
//! - **Reuse**: the sender whose compare-exchange moved `tail` past block B then reads
//!   `claimed` (a release read-modify-write) and records that count C in B (`released_at`). A
//!   sender that claims an index from C on synchronises with that read-modify-write, so its
//!   later load of `tail` sees the hint past B: it never touches B. A sender with an index below
//!   C may still be walking through B, but it is done with every block once its message is
//!   written. So once the receiver has taken every index below C, no sender touches B, and the
//!   receiver (the only party that reuses or frees blocks) may reset it and link it at the end.
//!   The receiver reuses blocks oldest first, and only those it has passed.
//! - The receiver's cursor is touched only by the receiver (behind `&mut` of its handle) and by
//!   the list's drop.

use super::block::{block_start, Block, BLOCK_CAP};
use crate::sync::prim::{AtomicPtr, AtomicUsize, Ordering, UnsafeCell};
use crossbeam_utils::CachePadded;
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;

/// How many links past the tail the receiver tries when it puts a finished block back.
const REUSE_HOPS: usize = 3;

///
/// The senders' words and the receiver's cursor sit on cache lines of their own (as tokio's
/// channel pads its sender and receiver sides): every send writes `claimed` and every receive
/// writes the cursor, and sharing a line made each side's write evict the other's, which cost
/// `mpsc_contention_unbounded` on one worker half its speed (0.44x tokio's, 1.0x padded).
pub(super) struct List<T> {
    /// The next index to claim: every index below it belongs to one sender.
    claimed: CachePadded<AtomicUsize>,
    /// A block at or before the one that holds index `claimed` (see the tail-hint invariant).
    tail: CachePadded<AtomicPtr<Block<T>>>,
    rx: CachePadded<UnsafeCell<Cursor<T>>>,
}

/// The receiver's position.
struct Cursor<T> {
    /// The next index to take.
    index: usize,
    /// The block of `index`, or one before it.
    head: NonNull<Block<T>>,
    /// The first block of the list: from here to `head`, the blocks wait to be reused.
    oldest: NonNull<Block<T>>,
}

// SAFETY: the list moves `T`s between threads (hence `T: Send`) and owns its blocks; every
// access to shared state goes through the atomics and the protocol above, and the receiver's
// cursor is touched by one party at a time (the receiver, or the drop).
unsafe impl<T: Send> Send for List<T> {}
// SAFETY: as above: senders share the list only through its atomics and their own claimed
// slots; `pop`'s contract gives the cursor to one party at a time.
unsafe impl<T: Send> Sync for List<T> {}

impl<T> List<T> {
    pub(super) fn new() -> List<T> {
        let first = Block::alloc(0);
        List {
            claimed: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicPtr::new(first.as_ptr())),
            rx: CachePadded::new(UnsafeCell::new(Cursor {
                index: 0,
                head: first,
                oldest: first,
            })),
        }
    }

    /// How many indices were claimed so far (wrapping): messages sent, or being written.
    pub(super) fn claimed(&self) -> usize {
        self.claimed.load(Ordering::Acquire)
    }

    /// Stores `value` at the next index.
    #[inline]
    pub(super) fn push(&self, value: T) {
        // Acquire: synchronises with the release read-modify-write of a sender that moved the
        // tail hint (see `advance_tail`), so the load of `tail` in `find` sees the move.
        let index = self.claimed.fetch_add(1, Ordering::Acquire);
        let block = self.find(index);
        // SAFETY: `find` returned the block holding `index`, which this call alone claimed;
        // the block is not reused before the receiver takes `index` (reuse invariant), and we
        // do not touch it after the write.
        unsafe { block.as_ref().write(index, value) };
    }

    /// The block holding `index`, walking from the tail hint (and growing the list).
    #[inline]
    fn find(&self, index: usize) -> NonNull<Block<T>> {
        let target = block_start(index);
        // The hint and every block after it stay live while a sender that has not written yet
        // walks them (reuse invariant).
        // SAFETY: the hint is never null: it starts at the first block and only ever moves to
        // a linked successor.
        let mut block = unsafe { NonNull::new_unchecked(self.tail.load(Ordering::Acquire)) };
        let mut may_advance = true;
        loop {
            // SAFETY: `block` is the hint or linked after it, live while we have not written
            // (see above).
            let current = unsafe { block.as_ref() };
            if current.start() == target {
                return block;
            }
            debug_assert!(
                (target.wrapping_sub(current.start()) as isize) > 0,
                "the tail hint passed a block that a sender still has to write"
            );
            let next = match current.next() {
                Some(next) => next,
                None => self.grow(current),
            };
            if may_advance {
                may_advance = self.advance_tail(block, next);
            }
            block = next;
        }
    }

    /// Moves the tail hint from `block` to `next` if `block` is full and still the hint;
    /// `false` once that fails (someone else moves it, or it cannot move yet).
    fn advance_tail(&self, block: NonNull<Block<T>>, next: NonNull<Block<T>>) -> bool {
        // SAFETY: `block` is live: the caller is walking through it (see `find`).
        let current = unsafe { block.as_ref() };
        if !current.is_full() {
            return false;
        }
        if self
            .tail
            .compare_exchange(
                block.as_ptr(),
                next.as_ptr(),
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            return false;
        }
        // Release: a sender whose claim comes later in `claimed`'s order synchronises with
        // this, and so sees the hint past `block` (reuse invariant).
        let claimed = self.claimed.fetch_add(0, Ordering::Release);
        // SAFETY: our compare-exchange moved the hint past `block`: we are the one sender
        // that records its release.
        unsafe { current.release(claimed) };
        true
    }

    /// Links a new block after `last` (whose `next` was null); returns `last`'s successor,
    /// which is ours or one another sender linked first (then ours goes further down).
    #[cold]
    fn grow(&self, last: &Block<T>) -> NonNull<Block<T>> {
        let fresh = Block::alloc(0);
        // SAFETY: `fresh` is ours alone until linked; `last` is live (the caller walks it).
        match unsafe { last.try_link(fresh) } {
            Ok(()) => fresh,
            Err(next) => {
                // The list will need it soon: link it at the end rather than free it.
                // SAFETY: as above; `next` and its successors are live for the same reason.
                unsafe { self.link_at_end(next, fresh, usize::MAX) };
                next
            }
        }
    }

    /// Links `block` at the end of the list, walking at most `hops` links from `from`;
    /// `false` if it got no place within them.
    ///
    /// # Safety
    /// The caller owns `block` exclusively, and `from` and its successors stay live during
    /// the call.
    unsafe fn link_at_end(
        &self,
        from: NonNull<Block<T>>,
        block: NonNull<Block<T>>,
        hops: usize,
    ) -> bool {
        let mut at = from;
        for _ in 0..hops {
            // SAFETY: by the contract.
            match unsafe { at.as_ref().try_link(block) } {
                Ok(()) => return true,
                Err(next) => at = next,
            }
        }
        false
    }

    /// Takes the message at the receiver's index, if it is written. `None` means no sender
    /// claimed that index yet, or one did and is writing it (compare [`claimed`](List::claimed)
    /// with the receiver's count to tell which; only `try_recv` needs to).
    ///
    /// # Safety
    /// Only the receiver calls this, never concurrently with itself.
    pub(super) unsafe fn pop(&self) -> Option<T> {
        self.rx.with_mut(|cursor| {
            // SAFETY: the cursor is the receiver's alone (contract).
            let cursor = unsafe { &mut *cursor };
            let target = block_start(cursor.index);
            loop {
                // SAFETY: the receiver's blocks from `oldest` on are live: only the receiver
                // reuses or frees blocks.
                let head = unsafe { cursor.head.as_ref() };
                if head.start() == target {
                    break;
                }
                cursor.head = head.next()?;
            }
            self.reuse_passed_blocks(cursor);
            // SAFETY: `head` holds `index`, which the receiver has not taken yet.
            let value = unsafe { cursor.head.as_ref().take(cursor.index) }?;
            cursor.index = cursor.index.wrapping_add(1);
            Some(value)
        })
    }

    /// Resets the blocks that the receiver passed and no sender can touch any more (reuse
    /// invariant), and links them at the end of the list, or frees them.
    fn reuse_passed_blocks(&self, cursor: &mut Cursor<T>) {
        while cursor.oldest != cursor.head {
            let block = cursor.oldest;
            // SAFETY: `oldest` is live until the receiver reuses or frees it, below.
            let oldest = unsafe { block.as_ref() };
            let Some(released_at) = oldest.released_at() else {
                return;
            };
            // `index < released_at`, with wrapping indices.
            if (cursor.index.wrapping_sub(released_at) as isize) < 0 {
                return;
            }
            cursor.oldest = oldest
                .next()
                .expect("a block before the receiver's head has a successor");
            // SAFETY: no sender can reach `block` any more (reuse invariant), the receiver
            // passed it (it took every message), and it is off the list now: it is ours.
            unsafe { oldest.reset() };
            // SAFETY: the hint is never null, and it and its successors are blocks the
            // receiver has not passed yet, which only the receiver frees; `block` is ours.
            let linked = unsafe {
                let tail = NonNull::new_unchecked(self.tail.load(Ordering::Acquire));
                self.link_at_end(tail, block, REUSE_HOPS)
            };
            if !linked {
                // SAFETY: ours, reached by no one.
                unsafe { Block::free(block) };
            }
        }
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        // Every sender is gone (they hold the channel), so every claimed index is written:
        // drop what the receiver did not take, then free the blocks.
        let claimed = self.claimed();
        let mut left = claimed.wrapping_sub(self.rx.with(|cursor| {
            // SAFETY: `&mut self`: nobody else touches the list.
            unsafe { (*cursor).index }
        }));
        let outcome = drop_each(|| {
            if left == 0 {
                return None;
            }
            left -= 1;
            // SAFETY: `&mut self`: this is the only party popping.
            let value = unsafe { self.pop() };
            assert!(value.is_some(), "a claimed index was never written");
            value
        });
        let mut block = Some(self.rx.with(|cursor| {
            // SAFETY: as above.
            unsafe { (*cursor).oldest }
        }));
        while let Some(current) = block {
            // SAFETY: every block of the list is reachable from `oldest` and owned by the
            // list alone now; each is freed once, after reading its link.
            unsafe {
                block = current.as_ref().next();
                Block::free(current);
            }
        }
        resume(outcome);
    }
}

/// Drops every value `next` yields, even if some drops panic; returns the first panic.
pub(super) fn drop_each<T>(mut next: impl FnMut() -> Option<T>) -> Option<Box<dyn Any + Send>> {
    let mut first_panic = None;
    while let Some(value) = next() {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| drop(value))) {
            first_panic.get_or_insert(payload);
        }
    }
    first_panic
}

/// Resumes a panic caught by [`drop_each`], unless this thread is already unwinding (a second
/// panic would abort the process; the first one is on its way anyway).
pub(super) fn resume(panic: Option<Box<dyn Any + Send>>) {
    if let Some(payload) = panic {
        if !std::thread::panicking() {
            panic::resume_unwind(payload);
        }
    }
}

const _: () = assert!(BLOCK_CAP.is_power_of_two());

#[cfg(all(test, not(loom)))]
impl<T> List<T> {
    /// Blocks on the list (from the receiver's oldest), for the tests of reuse.
    pub(super) fn blocks(&self) -> usize {
        let mut count = 0;
        // SAFETY: test-only, called by the party that pops, never concurrently with a pop.
        let mut block = Some(self.rx.with(|cursor| unsafe { (*cursor).oldest }));
        while let Some(current) = block {
            count += 1;
            // SAFETY: blocks from `oldest` on are live while the list is.
            block = unsafe { current.as_ref() }.next();
        }
        count
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    fn pop<T>(list: &List<T>) -> Option<T> {
        // SAFETY: each test pops from one thread only.
        unsafe { list.pop() }
    }

    #[test]
    fn keeps_order_across_blocks() {
        let list = List::new();
        let n = 5 * BLOCK_CAP + 3;
        for i in 0..n {
            list.push(i);
        }
        assert_eq!(list.claimed(), n);
        assert_eq!(list.blocks(), 6);
        for i in 0..n {
            assert_eq!(pop(&list), Some(i));
        }
        assert_eq!(pop(&list), None);
    }

    /// Sending and receiving in turn never needs more than two blocks: the finished one is
    /// linked again at the end.
    #[test]
    fn lockstep_use_reuses_blocks() {
        let list = List::new();
        for i in 0..20 * BLOCK_CAP {
            list.push(i);
            assert_eq!(pop(&list), Some(i));
            assert!(
                list.blocks() <= 2,
                "at message {i}: {} blocks",
                list.blocks()
            );
        }
    }

    /// After a burst the list keeps a few blocks for the next one (those it could link within
    /// `REUSE_HOPS` of the tail) and frees the rest.
    #[test]
    fn a_drained_burst_keeps_a_few_blocks() {
        let list = List::new();
        let n = 10 * BLOCK_CAP;
        for i in 0..n {
            list.push(i);
        }
        assert_eq!(list.blocks(), 10);
        for i in 0..n {
            assert_eq!(pop(&list), Some(i));
        }
        let kept = list.blocks();
        assert!(kept <= 2 + REUSE_HOPS, "{kept} blocks kept");
        for i in 0..n {
            list.push(i);
        }
        for i in 0..n {
            assert_eq!(pop(&list), Some(i));
        }
    }

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn drop_drops_each_message_left_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let list = List::new();
        for _ in 0..3 * BLOCK_CAP + 1 {
            list.push(Counted(drops.clone()));
        }
        for _ in 0..BLOCK_CAP + 1 {
            drop(pop(&list));
        }
        assert_eq!(drops.load(SeqCst), BLOCK_CAP + 1);
        drop(list);
        assert_eq!(drops.load(SeqCst), 3 * BLOCK_CAP + 1);
    }

    #[test]
    fn zero_sized_messages() {
        let list = List::new();
        for _ in 0..2 * BLOCK_CAP + 1 {
            list.push(());
        }
        for _ in 0..2 * BLOCK_CAP + 1 {
            assert_eq!(pop(&list), Some(()));
        }
        assert_eq!(pop(&list), None);
    }

    /// Senders on several threads race to grow and advance the list while the receiver takes
    /// and reuses blocks: every message arrives once, each sender's in order.
    #[test]
    fn concurrent_senders_deliver_every_message_once_in_order() {
        const SENDERS: usize = 3;
        let per_sender = if cfg!(miri) {
            3 * BLOCK_CAP
        } else {
            200 * BLOCK_CAP
        };
        let list = Arc::new(List::new());
        let threads: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let list = list.clone();
                std::thread::spawn(move || {
                    for seq in 0..per_sender {
                        list.push((sender, seq));
                    }
                })
            })
            .collect();
        let mut next = [0; SENDERS];
        let mut received = 0;
        while received < SENDERS * per_sender {
            // SAFETY: this thread is the only one popping.
            match unsafe { list.pop() } {
                Some((sender, seq)) => {
                    assert_eq!(seq, next[sender], "sender {sender} out of order");
                    next[sender] += 1;
                    received += 1;
                }
                None => std::thread::yield_now(),
            }
        }
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(pop(&list), None);
        assert_eq!(next, [per_sender; SENDERS]);
    }

    #[test]
    fn drop_each_drops_everything_and_keeps_the_first_panic() {
        let drops = Arc::new(AtomicUsize::new(0));
        struct Bomb(Arc<AtomicUsize>, Option<&'static str>);
        impl Drop for Bomb {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
                if let Some(message) = self.1 {
                    panic!("{message}");
                }
            }
        }
        let mut values = vec![
            Bomb(drops.clone(), None),
            Bomb(drops.clone(), Some("first")),
            Bomb(drops.clone(), Some("second")),
            Bomb(drops.clone(), None),
        ]
        .into_iter();
        let panic = drop_each(|| values.next()).expect("a drop panicked");
        assert_eq!(drops.load(SeqCst), 4);
        assert_eq!(
            panic.downcast_ref::<String>().map(String::as_str),
            Some("first")
        );
    }
}
