//! Wakers collected under a lock and woken after it is released.
//!
//! Waking (and dropping) a waker can run arbitrary code, a whole task's destructor included,
//! which may come back to the primitive that is waking it; so no `weft::sync` type wakes or
//! drops a waker while it holds its own lock. A `WakeList` carries the wakers out: up to
//! [`INLINE`] without allocating, more (a broadcast to a crowd) in a spill vector.

use std::fmt;
use std::task::Waker;

const INLINE: usize = 32;

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
