//! One block of the message list (`list.rs`): [`BLOCK_CAP`] slots of uninitialised memory, a
//! ready bit per slot, and the link to the next block.
//!
//! A block is allocated without initialising its slots (a block of 32 KiB messages is 1 MiB
//! that no one zeroes, and only the pages that messages are written to are touched), is reused
//! by the list once the receiver has read all of it, and is freed by the list.
//!
//! The `ready` word:
//!
//! | bits              | name       | set by                  | meaning                           |
//! |-------------------|------------|-------------------------|-----------------------------------|
//! | `0..BLOCK_CAP`    | ready bits | the sender of that slot | the slot holds its message        |
//! | `BLOCK_CAP`       | `RELEASED` | the sender that moved the list's tail hint past this block | `released_at` is written |
//!
//! Invariants:
//! - A slot is written once per use of the block, by the one sender that claimed its index,
//!   and then its ready bit is set (`Release`); it is read once, by the receiver, only after
//!   it saw the bit (`Acquire`). Nobody else touches a slot.
//! - `start` and `released_at` are written only while one party owns the block exclusively
//!   (`start`: before the block is linked into the list; `released_at`: by the one sender whose
//!   compare-exchange moved the tail hint past the block, before it sets `RELEASED`), and read
//!   only after acquiring what published them (the link, or `RELEASED`).
//! - `next` goes from null to a block once per use of the block, by a compare-exchange.

use crate::sync::prim::{AtomicPtr, AtomicUsize, Ordering, UnsafeCell};
use std::alloc::Layout;
use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};

/// Slots per block: a power of two that leaves a bit of the `ready` word for `RELEASED`. Two
/// under loom, so that a model of a few messages crosses blocks and reuses them.
pub(super) const BLOCK_CAP: usize = if cfg!(any(all(test, loom), weft_loom)) {
    2
} else if usize::BITS >= 64 {
    32
} else {
    16
};

const READY_MASK: usize = (1 << BLOCK_CAP) - 1;
const RELEASED: usize = 1 << BLOCK_CAP;

/// The index of the first slot of the block that holds slot `index`.
#[inline]
pub(super) fn block_start(index: usize) -> usize {
    index & !(BLOCK_CAP - 1)
}

/// Where slot `index` sits in its block.
#[inline]
pub(super) fn slot_offset(index: usize) -> usize {
    index & (BLOCK_CAP - 1)
}

pub(super) struct Block<T> {
    start: UnsafeCell<usize>,
    next: AtomicPtr<Block<T>>,
    ready: AtomicUsize,
    /// The list's claim counter when the tail hint moved past this block: every sender that
    /// claimed an index from that value on never touches this block.
    released_at: UnsafeCell<usize>,
    slots: [UnsafeCell<MaybeUninit<T>>; BLOCK_CAP],
}

impl<T> Block<T> {
    /// Allocates a block whose first slot is `start`, slots uninitialised. Never builds the
    /// block on the stack (with 32 KiB messages it is 1 MiB).
    pub(super) fn alloc(start: usize) -> NonNull<Block<T>> {
        let layout = Layout::new::<Block<T>>();
        // SAFETY: the layout is not zero-sized: the header alone is three words.
        let raw = unsafe { std::alloc::alloc(layout) }.cast::<Block<T>>();
        let Some(block) = NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout);
        };
        // SAFETY: `block` is a fresh allocation with `Block<T>`'s layout, so each field's
        // address is in bounds and aligned; the fields are written before anyone reads them
        // (the block is published only later, by a release).
        unsafe {
            let block = block.as_ptr();
            ptr::addr_of_mut!((*block).start).write(UnsafeCell::new(start));
            ptr::addr_of_mut!((*block).next).write(AtomicPtr::new(ptr::null_mut()));
            ptr::addr_of_mut!((*block).ready).write(AtomicUsize::new(0));
            ptr::addr_of_mut!((*block).released_at).write(UnsafeCell::new(0));
            // A slot is a `MaybeUninit`, valid uninitialised; loom's cell carries tracking
            // state of its own, which must be initialised.
            #[cfg(any(all(test, loom), weft_loom))]
            for slot in 0..BLOCK_CAP {
                ptr::addr_of_mut!((*block).slots[slot])
                    .write(UnsafeCell::new(MaybeUninit::uninit()));
            }
        }
        block
    }

    /// Frees a block. The caller owns it exclusively, and it holds no message any more (the
    /// slots are not dropped).
    ///
    /// # Safety
    /// `block` came from [`Block::alloc`], is not reachable by anyone else, and is not used
    /// after this call.
    pub(super) unsafe fn free(block: NonNull<Block<T>>) {
        // SAFETY: by the contract, `block` is a live allocation made by `alloc` with this
        // layout, all its fields initialised, owned by the caller alone. `Box` frees it with
        // the global allocator and the same layout; dropping the fields drops no message
        // (`MaybeUninit` never drops its contents).
        drop(unsafe { Box::from_raw(block.as_ptr()) });
    }

    /// The index of the block's first slot.
    #[inline]
    pub(super) fn start(&self) -> usize {
        // SAFETY: `start` is written only while the block is owned exclusively, before it is
        // linked (module invariant); whoever reaches the block acquired that link.
        self.start.with(|start| unsafe { *start })
    }

    /// The next block, if linked (`Acquire`: its fields are visible).
    #[inline]
    pub(super) fn next(&self) -> Option<NonNull<Block<T>>> {
        NonNull::new(self.next.load(Ordering::Acquire))
    }

    /// Links `block` after this one if nothing is linked yet, setting its `start` to follow
    /// this block's; `Err(next)` with what is linked otherwise.
    ///
    /// # Safety
    /// The caller owns `block` exclusively (fresh, or reset after use) and this block is
    /// reachable and not freed during the call.
    pub(super) unsafe fn try_link(
        &self,
        block: NonNull<Block<T>>,
    ) -> Result<(), NonNull<Block<T>>> {
        // SAFETY: the caller owns `block` (a live allocation): nobody else reads it until the
        // compare-exchange below publishes it (release).
        let new_block = unsafe { block.as_ref() };
        new_block.start.with_mut(|start| {
            // SAFETY: `start` points into that unpublished block, which only this thread
            // reaches, so the write races with nothing.
            unsafe { *start = self.start().wrapping_add(BLOCK_CAP) }
        });
        match self.next.compare_exchange(
            ptr::null_mut(),
            block.as_ptr(),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => Ok(()),
            // SAFETY: a non-null `next` is a linked block.
            Err(next) => Err(unsafe { NonNull::new_unchecked(next) }),
        }
    }

    /// Writes slot `index`'s message and marks it ready. The block may be freed by the
    /// receiver as soon as the bit is set: the caller must not touch it afterwards.
    ///
    /// # Safety
    /// `index` is in this block, and the caller is the one sender that claimed it.
    #[inline]
    pub(super) unsafe fn write(&self, index: usize, value: T) {
        let offset = slot_offset(index);
        self.slots[offset].with_mut(|slot| {
            // SAFETY: the caller claimed `index` alone, and the receiver reads the slot only
            // after the ready bit set below.
            unsafe { slot.write(MaybeUninit::new(value)) }
        });
        self.ready.fetch_or(1 << offset, Ordering::Release);
    }

    /// Takes slot `index`'s message if it is ready.
    ///
    /// # Safety
    /// `index` is in this block, the caller is the receiver, and it has not taken this slot
    /// since the block's last reuse.
    #[inline]
    pub(super) unsafe fn take(&self, index: usize) -> Option<T> {
        let offset = slot_offset(index);
        if self.ready.load(Ordering::Acquire) & (1 << offset) == 0 {
            return None;
        }
        Some(self.slots[offset].with(|slot| {
            // SAFETY: the ready bit (acquired above) says the sender initialised the slot and
            // is done with it; the receiver takes it once (the caller's contract).
            unsafe { slot.read().assume_init() }
        }))
    }

    /// Whether every slot was written: no sender will ever need this block again to write.
    #[inline]
    pub(super) fn is_full(&self) -> bool {
        self.ready.load(Ordering::Acquire) & READY_MASK == READY_MASK
    }

    /// Records that the tail hint moved past this block when the claim counter was
    /// `claimed`.
    ///
    /// # Safety
    /// The caller is the one sender whose compare-exchange moved the hint past this block.
    pub(super) unsafe fn release(&self, claimed: usize) {
        // SAFETY: only the caller writes `released_at` (contract), and the receiver reads it
        // only after acquiring `RELEASED`, set below.
        self.released_at
            .with_mut(|released_at| unsafe { *released_at = claimed });
        self.ready.fetch_or(RELEASED, Ordering::Release);
    }

    /// The claim counter recorded by [`release`](Block::release), once it is set.
    pub(super) fn released_at(&self) -> Option<usize> {
        if self.ready.load(Ordering::Acquire) & RELEASED == 0 {
            return None;
        }
        // SAFETY: `RELEASED` (acquired above) is set after the one write of `released_at`.
        Some(self.released_at.with(|released_at| unsafe { *released_at }))
    }

    /// Clears the block for reuse.
    ///
    /// # Safety
    /// The caller owns the block exclusively and took every message out of it.
    pub(super) unsafe fn reset(&self) {
        self.next.store(ptr::null_mut(), Ordering::Relaxed);
        self.ready.store(0, Ordering::Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn indices_map_to_blocks_and_offsets() {
        assert_eq!(block_start(0), 0);
        assert_eq!(block_start(BLOCK_CAP - 1), 0);
        assert_eq!(block_start(BLOCK_CAP), BLOCK_CAP);
        assert_eq!(slot_offset(BLOCK_CAP + 3), 3);
        assert_eq!(block_start(usize::MAX), usize::MAX - (BLOCK_CAP - 1));
    }

    #[test]
    fn a_slot_is_taken_only_once_written_and_released_is_recorded() {
        let block = Block::<String>::alloc(BLOCK_CAP);
        // SAFETY: the block is ours alone; each slot is written once and taken once.
        unsafe {
            let b = block.as_ref();
            assert_eq!(b.start(), BLOCK_CAP);
            assert_eq!(b.take(BLOCK_CAP), None);
            b.write(BLOCK_CAP + 1, "one".to_string());
            assert_eq!(b.take(BLOCK_CAP), None);
            assert_eq!(b.take(BLOCK_CAP + 1).as_deref(), Some("one"));
            assert!(!b.is_full());
            for index in BLOCK_CAP..2 * BLOCK_CAP {
                if index != BLOCK_CAP + 1 {
                    b.write(index, index.to_string());
                }
            }
            assert!(b.is_full());
            assert_eq!(b.released_at(), None);
            b.release(77);
            assert_eq!(b.released_at(), Some(77));
            for index in BLOCK_CAP..2 * BLOCK_CAP {
                if index != BLOCK_CAP + 1 {
                    assert_eq!(b.take(index), Some(index.to_string()));
                }
            }
            b.reset();
            assert!(!b.is_full());
            assert_eq!(b.released_at(), None);
            Block::free(block);
        }
    }

    #[test]
    fn link_sets_the_follower_start_and_refuses_a_second() {
        let first = Block::<u8>::alloc(0);
        let second = Block::<u8>::alloc(999);
        let third = Block::<u8>::alloc(999);
        // SAFETY: all three blocks are ours; each is freed once, after its last use.
        unsafe {
            assert!(first.as_ref().try_link(second).is_ok());
            assert_eq!(second.as_ref().start(), BLOCK_CAP);
            assert_eq!(first.as_ref().next(), Some(second));
            assert_eq!(first.as_ref().try_link(third), Err(second));
            Block::free(first);
            Block::free(second);
            Block::free(third);
        }
    }

    /// A block of large messages is allocated on the heap only (tokio #5293: building it on
    /// the stack overflowed).
    #[test]
    #[cfg_attr(miri, ignore)] // 64 MiB of uninitialised memory is slow to track under miri.
    fn huge_messages_do_not_touch_the_stack() {
        struct Huge {
            _bytes: [u8; 2 << 20],
        }
        let block = Block::<Huge>::alloc(0);
        // SAFETY: ours alone, never used again.
        unsafe { Block::free(block) };
    }
}
