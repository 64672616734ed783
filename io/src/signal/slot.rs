//! One signal number's delivery state: what the handler records, the generation that a
//! dispatch publishes, and the listeners waiting for the next generation.
//!
//! Kept free of system calls so that loom can check it (`loom_tests.rs`).
//!
//! Invariants:
//! - `pending` is only ever set by the signal handler (`record`, async-signal-safe: one
//!   lock-free swap) and only ever taken by a dispatch (`dispatch`, a swap). A handler that
//!   runs after a dispatch's swap leaves `pending` set for the next dispatch, which its byte in
//!   the self-pipe guarantees will happen.
//! - `generation` counts the dispatches that found `pending` set. A listener has seen every
//!   generation up to its `seen`; it is ready exactly when `generation != seen`, and taking
//!   the notification sets `seen = generation` (several deliveries between two polls coalesce
//!   into one, as the kernel coalesces a pending signal).
//! - A listener stores its waker under `listeners`' lock and then reads `generation` again; a
//!   dispatch bumps `generation` before it takes the wakers under the same lock. So either the
//!   dispatch finds (and wakes) the waker, or the listener sees the new generation. The same
//!   holds for `close`, whose caller publishes its closed flag before taking the wakers.
//! - Wakers are handed to the caller, who wakes them once it holds no lock.

use crate::loom::{lock, AtomicBool, AtomicUsize, Mutex, Ordering};
use std::task::{Context, Poll, Waker};

/// The delivery state of one signal number.
#[derive(Debug)]
pub(crate) struct Slot {
    pending: AtomicBool,
    generation: AtomicUsize,
    listeners: Mutex<Listeners>,
}

/// The listeners' wakers, by key, with a free list: a dropped listener gives its entry back,
/// so no waker outlives its listener.
#[derive(Debug, Default)]
struct Listeners {
    entries: Vec<Entry>,
    free: Vec<usize>,
}

#[derive(Debug)]
enum Entry {
    Vacant,
    /// A listener's entry, with the waker of its last pending poll (taken by a dispatch).
    Occupied(Option<Waker>),
}

/// A listener's place in a [`Slot`]: its key and the generation it has seen.
#[derive(Debug)]
pub(crate) struct Registration {
    key: usize,
    seen: usize,
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            pending: AtomicBool::new(false),
            generation: AtomicUsize::new(0),
            listeners: Mutex::new(Listeners::default()),
        }
    }

    /// The signal handler's part: remembers that the signal arrived. Async-signal-safe: one
    /// lock-free atomic read-modify-write, no lock, no allocation. (A swap rather than a
    /// store: `pending` is only changed by read-modify-writes, so that a dispatch's swap
    /// always acquires the handler's latest release.)
    pub(crate) fn record(&self) {
        self.pending.swap(true, Ordering::SeqCst);
    }

    /// Publishes a recorded delivery, if there is one: bumps the generation and moves every
    /// listener's waker to `wake`. Returns whether there was one.
    pub(crate) fn dispatch(&self, wake: &mut Vec<Waker>) -> bool {
        if !self.pending.swap(false, Ordering::SeqCst) {
            return false;
        }
        // Release: a listener that reads the new generation sees what preceded the dispatch.
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.take_wakers(wake);
        true
    }

    /// Moves every listener's waker to `wake` without a new generation: the caller has
    /// published something else the listeners must look at (their driver closed).
    pub(crate) fn close(&self, wake: &mut Vec<Waker>) {
        self.take_wakers(wake);
    }

    fn take_wakers(&self, wake: &mut Vec<Waker>) {
        let mut listeners = lock(&self.listeners);
        for entry in &mut listeners.entries {
            if let Entry::Occupied(waker) = entry {
                wake.extend(waker.take());
            }
        }
    }

    /// A new listener, which has seen every generation published so far: it is notified of
    /// the next dispatch (a delivery recorded but not yet dispatched included).
    pub(crate) fn register(&self) -> Registration {
        let key = {
            let mut listeners = lock(&self.listeners);
            match listeners.free.pop() {
                Some(key) => {
                    listeners.entries[key] = Entry::Occupied(None);
                    key
                }
                None => {
                    listeners.entries.push(Entry::Occupied(None));
                    listeners.entries.len() - 1
                }
            }
        };
        let seen = self.generation.load(Ordering::Acquire);
        Registration { key, seen }
    }

    /// Ready once a generation newer than the listener's `seen` has been published (and then
    /// it has seen it); otherwise the waker is stored for the next dispatch.
    pub(crate) fn poll(&self, registration: &mut Registration, cx: &Context<'_>) -> Poll<()> {
        if self.take_generation(registration) {
            return Poll::Ready(());
        }
        {
            let mut listeners = lock(&self.listeners);
            match &mut listeners.entries[registration.key] {
                Entry::Occupied(slot) => match slot {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => *slot = Some(cx.waker().clone()),
                },
                Entry::Vacant => unreachable!("a listener's entry is vacant only after its drop"),
            }
        }
        // Read again after the lock: a dispatch between the first read and storing the waker
        // has taken the wakers before we stored ours, so it is this read that must see it.
        if self.take_generation(registration) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn take_generation(&self, registration: &mut Registration) -> bool {
        let current = self.generation.load(Ordering::Acquire);
        if current == registration.seen {
            return false;
        }
        registration.seen = current;
        true
    }

    /// Forgets a listener (and its waker).
    pub(crate) fn deregister(&self, registration: &Registration) {
        let mut listeners = lock(&self.listeners);
        listeners.entries[registration.key] = Entry::Vacant;
        listeners.free.push(registration.key);
    }

    /// How many listeners are registered now.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn listeners(&self) -> usize {
        let listeners = lock(&self.listeners);
        listeners.entries.len() - listeners.free.len()
    }
}
