//! Wakers collected under a lock and woken after it is released.
//!
//! Waking (and dropping) a waker can run arbitrary code, a whole task's destructor included,
//! which may come back to the primitive that is waking it; so no `weft::sync` type wakes or
//! drops a waker while it holds its own lock. A `WakeList` carries the wakers out: up to
//! [`INLINE`] without allocating, more (a broadcast to a crowd) in a spill vector.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
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
    ///
    /// A waker is user code: one that panics does not stop the others, which are all still
    /// woken (a task whose wake-up was lost would wait forever); then the first panic is
    /// resumed, for the caller (`notify_waiters`, a release, a close) to see. The primitive's
    /// state was final before the first wake, so nothing is left half-done.
    pub(crate) fn wake_all(mut self) {
        let mut first_panic = None;
        let inline = self.inline[..self.len].iter_mut().filter_map(Option::take);
        for waker in inline.chain(self.spill.drain(..)) {
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| waker.wake())) {
                // A second payload is dropped here; its `Drop` is its owner's business.
                first_panic.get_or_insert(payload);
            }
        }
        if let Some(payload) = first_panic {
            panic::resume_unwind(payload);
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{WakeList, INLINE};
    use crate::test_util::{counting_waker, PanickingWaker};
    use std::panic::{self, AssertUnwindSafe};
    use std::task::Waker;

    #[test]
    fn a_panicking_waker_does_not_cost_the_others_their_wake_up() {
        let (waker, counter) = counting_waker();
        let panicking = PanickingWaker::new();
        let mut list = WakeList::new();
        // One panicking waker among the inline ones and one among the spilled ones.
        list.push(Waker::from(panicking.clone()));
        for _ in 0..INLINE + 4 {
            list.push(waker.clone());
        }
        list.push(Waker::from(panicking.clone()));
        let woken = panic::catch_unwind(AssertUnwindSafe(|| list.wake_all()));
        assert!(woken.is_err(), "the first panic reaches the caller");
        assert_eq!((counter.wakes(), panicking.wakes()), (INLINE + 4, 2));
        assert_eq!(
            std::sync::Arc::strong_count(&panicking),
            1,
            "every waker dropped"
        );
    }
}
