//! The message store: crossbeam's lock-free queues, or a stand-in for models.
//!
//! - Bounded channels whose whole buffer fits in [`ARRAY_MAX_BYTES`] keep their messages in an
//!   `ArrayQueue` sized to the capacity: one allocation when the channel is made, none per
//!   message. Larger buffers (a big bound, or big messages) use the unbounded store instead of
//!   reserving the whole bound up front (a `channel(1_000_000)` used as "large enough", or a
//!   `channel(1000)` of 32 KiB messages, should not cost megabytes before its first message);
//!   the semaphore still enforces the bound.
//! - Unbounded channels use a `SegQueue`, which allocates one block per 31 messages.
//!
//! Under loom and miri the store is a `Mutex<VecDeque>` stand-in with the same API, selected
//! here and nowhere else, for the reasons `scheduler/queue.rs` gives: crossbeam synchronises
//! through its own `std` atomics, which loom cannot see (a model would explore nothing inside
//! them), and miri reports its deliberate benign races. The protocol around the store (the
//! receiver's waker, the close and disconnect checks, the permits) is the same code in both
//! configurations, and the models check it; the real queues are covered by the integration
//! tests and by crossbeam's own suite.
//!
//! Invariant (bounded `ArrayQueue`): a sender pushes only while holding one of `capacity`
//! permits, and the receiver returns a message's permit only after its pop completed; so at
//! most `capacity` messages are stored or being stored, and a push always finds its slot free.

/// The largest buffer, in bytes, reserved up front for a bounded channel.
pub(super) const ARRAY_MAX_BYTES: usize = 64 * 1024;

/// Whether a bounded channel of `capacity` messages of `T` gets a pre-sized array.
#[cfg_attr(any(all(test, loom), weft_loom, miri), allow(dead_code))]
pub(super) fn fits_array<T>(capacity: usize) -> bool {
    // Each `ArrayQueue` slot holds the message and a stamp.
    let slot = std::mem::size_of::<T>() + std::mem::size_of::<usize>();
    capacity.saturating_mul(slot) <= ARRAY_MAX_BYTES
}

#[cfg(not(any(all(test, loom), weft_loom, miri)))]
pub(super) use real::Queue;

#[cfg(any(all(test, loom), weft_loom, miri))]
pub(super) use standin::Queue;

#[cfg(not(any(all(test, loom), weft_loom, miri)))]
mod real {
    use crossbeam_queue::{ArrayQueue, SegQueue};

    pub(crate) enum Queue<T> {
        Array(ArrayQueue<T>),
        List(SegQueue<T>),
    }

    impl<T> Queue<T> {
        /// A store for at most `capacity` messages (`capacity > 0`).
        pub(crate) fn bounded(capacity: usize) -> Queue<T> {
            if super::fits_array::<T>(capacity) {
                Queue::Array(ArrayQueue::new(capacity))
            } else {
                Queue::List(SegQueue::new())
            }
        }

        pub(crate) fn unbounded() -> Queue<T> {
            Queue::List(SegQueue::new())
        }

        #[inline]
        pub(crate) fn push(&self, value: T) {
            match self {
                Queue::Array(queue) => {
                    let mut value = value;
                    // Never full (module invariant); should a pop still be finishing, its slot
                    // is free an instant later, so retry rather than lose the message.
                    while let Err(back) = queue.push(value) {
                        value = back;
                        std::hint::spin_loop();
                    }
                }
                Queue::List(queue) => queue.push(value),
            }
        }

        #[inline]
        pub(crate) fn pop(&self) -> Option<T> {
            match self {
                Queue::Array(queue) => queue.pop(),
                Queue::List(queue) => queue.pop(),
            }
        }

        pub(crate) fn len(&self) -> usize {
            match self {
                Queue::Array(queue) => queue.len(),
                Queue::List(queue) => queue.len(),
            }
        }
    }
}

#[cfg(any(all(test, loom), weft_loom, miri))]
mod standin {
    use crate::sync::prim::{lock, Mutex};
    use std::collections::VecDeque;

    /// Mirrors the real `Queue`'s API over a locked `VecDeque`.
    pub(crate) struct Queue<T> {
        items: Mutex<VecDeque<T>>,
        bound: Option<usize>,
    }

    impl<T> Queue<T> {
        pub(crate) fn bounded(capacity: usize) -> Queue<T> {
            // Checks the module invariant under the models: `push` never finds it full.
            Queue {
                items: Mutex::new(VecDeque::new()),
                bound: Some(capacity),
            }
        }

        pub(crate) fn unbounded() -> Queue<T> {
            Queue {
                items: Mutex::new(VecDeque::new()),
                bound: None,
            }
        }

        pub(crate) fn push(&self, value: T) {
            let mut items = lock(&self.items);
            if let Some(bound) = self.bound {
                assert!(
                    items.len() < bound,
                    "bounded store pushed past its capacity"
                );
            }
            items.push_back(value);
        }

        pub(crate) fn pop(&self) -> Option<T> {
            lock(&self.items).pop_front()
        }

        pub(crate) fn len(&self) -> usize {
            lock(&self.items).len()
        }
    }
}
