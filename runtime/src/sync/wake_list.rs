//! Wakers collected under a lock and woken after it is released.
//!
//! Waking (and dropping) a waker can run arbitrary code, a whole task's destructor included,
//! which may come back to the primitive that is waking it; so no `weft::sync` type wakes or
//! drops a waker while it holds its own lock. A `WakeList` carries the wakers out: up to
//! [`INLINE`] without allocating, more (a broadcast to a crowd) in a spill vector.

use std::fmt;
use std::task::Waker;

/// Wakers carried without allocating; `Notify::notify_waiters` wakes in batches of this many.
/// One under loom, so that a model of two waiters crosses a batch.
const INLINE: usize = if cfg!(any(all(test, loom), weft_loom)) {
    1
} else {
    32
};

pub(crate) struct WakeList {
    inline: [Option<Waker>; INLINE],
    len: usize,
    spill: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList {
            inline: [const { None }; INLINE],
            len: 0,
            spill: Vec::new(),
        }
    }

    /// Whether the inline slots are used up (the next push allocates).
    pub(crate) fn is_full(&self) -> bool {
        self.len == INLINE
    }

    pub(crate) fn push(&mut self, waker: Waker) {
        if self.len < INLINE {
            self.inline[self.len] = Some(waker);
            self.len += 1;
        } else {
            self.spill.push(waker);
        }
    }

    /// Wakes every waker, oldest first.
    pub(crate) fn wake_all(mut self) {
        for slot in &mut self.inline[..self.len] {
            if let Some(waker) = slot.take() {
                waker.wake();
            }
        }
        for waker in self.spill.drain(..) {
            waker.wake();
        }
    }
}

impl fmt::Debug for WakeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakeList")
            .field("len", &(self.len + self.spill.len()))
            .finish()
    }
}
