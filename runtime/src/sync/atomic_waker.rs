//! A waker slot that one party registers into and any number of parties wake, lock-free.
//!
//! The channels' receivers park here: the receiver registers its waker when it finds nothing to
//! take, senders wake it after publishing. The algorithm is the one of `futures`' `AtomicWaker`
//! (a small state word hands the slot back and forth), plus a fast path for the hot case: a
//! waker that finds the slot empty returns after one fence and one load, without writing the
//! shared word, so senders to a busy receiver do not bounce its cache line.
//!
//! State word:
//!
//! | value         | meaning                                                               |
//! |---------------|-----------------------------------------------------------------------|
//! | `EMPTY`       | at rest, no waker stored                                              |
//! | `FULL`        | at rest, a waker stored                                               |
//! | `REGISTERING` | the registrant owns the slot (bit, may be combined with `WAKING`)     |
//! | `WAKING`      | a waker owns the slot, or a wake arrived during a registration (bit)  |
//!
//! Invariants:
//! - The slot is touched only by the party that moved the word out of a rest state: the
//!   registrant (`EMPTY`/`FULL` → `REGISTERING`) or a waker (`EMPTY`/`FULL` → `+WAKING`).
//! - Only one party registers at a time (the receiver, behind `&mut`); any number wake.
//! - A wake that arrives while `REGISTERING` is not lost: it leaves `WAKING` set, and the
//!   registrant, whose release of the slot then fails, wakes the waker it just stored.
//! - No lost wake-up on the fast path: the registrant issues a `SeqCst` fence after making the
//!   word non-`EMPTY` and before re-checking its condition; a waker issues one after
//!   publishing and before loading the word. By the fence rule, either the waker's load sees
//!   the registration (or a later state: then someone else woke it) or the registrant's
//!   re-check sees what was published.
//! - A wake that finds another one holding the slot leaves the waking to it: the holder leaves
//!   `WAKING` with a read-modify-write, which extends the release sequence of the second
//!   wake's `fetch_or`, so the registrant's next acquire of the word sees what that wake
//!   published.

use super::prim::{AtomicUsize, Ordering, UnsafeCell};
use std::fmt;
use std::task::Waker;

#[cfg(any(all(test, loom), weft_loom))]
use loom::sync::atomic::fence;
#[cfg(not(any(all(test, loom), weft_loom)))]
use std::sync::atomic::fence;

const EMPTY: usize = 0;
const REGISTERING: usize = 0b001;
const WAKING: usize = 0b010;
const FULL: usize = 0b100;

/// Lets the waker that holds the slot finish (under loom: lets the model schedule it, since
/// the registrant is about to poll again and would otherwise spin without progress).
#[inline(always)]
fn spin_hint() {
    #[cfg(any(all(test, loom), weft_loom))]
    loom::thread::yield_now();
    #[cfg(not(any(all(test, loom), weft_loom)))]
    std::hint::spin_loop();
}

/// A `SeqCst` fence (loom's under the models: a std fence is invisible to loom).
#[inline(always)]
pub(crate) fn seq_cst_fence() {
    fence(Ordering::SeqCst);
}

pub(crate) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the slot's `Waker` (which is `Send + Sync`) is accessed only by the party that owns it
// through the state word (see the invariants above), so sharing the cell across threads is sound.
unsafe impl Send for AtomicWaker {}
// SAFETY: as above: every access to the slot is exclusive by the state protocol.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    pub(crate) fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(EMPTY),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](Self::wake). Must not be called
    /// concurrently with itself. Ends with a `SeqCst` fence: the caller re-checks its condition
    /// afterwards, and a wake that published before that re-check either is seen by it or sees
    /// this registration.
    pub(crate) fn register_by_ref(&self, waker: &Waker) {
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            if current & (REGISTERING | WAKING) != 0 {
                // A wake owns the slot right now (it may be taking the waker stored before):
                // make sure this task runs again, as the wake was meant for it.
                debug_assert_eq!(current & REGISTERING, 0, "concurrent register");
                waker.wake_by_ref();
                spin_hint();
                seq_cst_fence();
                return;
            }
            match self.state.compare_exchange_weak(
                current,
                REGISTERING,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // A wake landing from here on sees a non-`EMPTY` word; the fence makes the caller's
        // re-check come after this store in the fences' total order (see the module comment).
        seq_cst_fence();
        let old = self.waker.with_mut(|slot| {
            // SAFETY: the word is `REGISTERING`, set by us from a rest state: no other party
            // touches the slot until we leave that state.
            let slot = unsafe { &mut *slot };
            match slot {
                Some(old) if old.will_wake(waker) => None,
                _ => slot.replace(waker.clone()),
            }
        });
        match self
            .state
            .compare_exchange(REGISTERING, FULL, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => drop(old),
            Err(actual) => {
                // A wake arrived while we held the slot and left `WAKING` for us to act on.
                debug_assert_eq!(actual, REGISTERING | WAKING);
                let stored = self.waker.with_mut(|slot| {
                    // SAFETY: still ours: a wake that finds `REGISTERING` leaves the slot alone.
                    unsafe { (*slot).take() }
                });
                self.state.swap(EMPTY, Ordering::AcqRel);
                drop(old);
                if let Some(stored) = stored {
                    stored.wake();
                }
            }
        }
    }

    /// Wakes the registered waker, if any, and empties the slot.
    ///
    /// The caller must have published what the registrant waits for before calling this.
    #[inline]
    pub(crate) fn wake(&self) {
        seq_cst_fence();
        if self.state.load(Ordering::Relaxed) == EMPTY {
            return;
        }
        if let Some(waker) = self.take() {
            waker.wake();
        }
    }

    /// Takes the registered waker out of the slot, if any (slow path of `wake`).
    pub(crate) fn take(&self) -> Option<Waker> {
        let previous = self.state.fetch_or(WAKING, Ordering::AcqRel);
        if previous & (REGISTERING | WAKING) != 0 {
            // The registrant will see `WAKING` and wake, or another wake is taking the waker.
            return None;
        }
        let waker = self.waker.with_mut(|slot| {
            // SAFETY: we moved the word from a rest state to `WAKING`: the slot is ours until we
            // store a rest state again (registrants back off while `WAKING` is set).
            unsafe { (*slot).take() }
        });
        // Only we change the word while `WAKING` is ours (registration CASes expect a rest
        // state, and another wake's `fetch_or` changes nothing), but this must be a
        // read-modify-write, not a store: a wake that found `WAKING` and left the waking to us
        // published before its `fetch_or`, and only an RMW here keeps that `fetch_or`'s release
        // sequence going to the registrant's next acquire of the word.
        self.state.swap(EMPTY, Ordering::AcqRel);
        waker
    }
}

impl Default for AtomicWaker {
    fn default() -> AtomicWaker {
        AtomicWaker::new()
    }
}

impl fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicWaker")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::AtomicWaker;
    use crate::test_util::counting_waker;

    #[test]
    fn wake_without_registration_does_nothing() {
        let cell = AtomicWaker::new();
        cell.wake();
        assert!(cell.take().is_none());
    }

    #[test]
    fn register_then_wake_wakes_once() {
        let cell = AtomicWaker::new();
        let (waker, count) = counting_waker();
        cell.register_by_ref(&waker);
        assert_eq!(count.wakes(), 0);
        cell.wake();
        assert_eq!(count.wakes(), 1);
        // The slot is empty now: a second wake finds nothing.
        cell.wake();
        assert_eq!(count.wakes(), 1);
    }

    #[test]
    fn reregister_replaces_the_waker() {
        let cell = AtomicWaker::new();
        let (first, first_count) = counting_waker();
        let (second, second_count) = counting_waker();
        cell.register_by_ref(&first);
        cell.register_by_ref(&first);
        cell.register_by_ref(&second);
        cell.wake();
        assert_eq!(first_count.wakes(), 0);
        assert_eq!(second_count.wakes(), 1);
    }

    #[test]
    fn drop_releases_the_stored_waker() {
        let (waker, count) = counting_waker();
        let cell = AtomicWaker::new();
        cell.register_by_ref(&waker);
        let refs = std::sync::Arc::strong_count(&count);
        drop(cell);
        assert_eq!(std::sync::Arc::strong_count(&count), refs - 1);
        assert_eq!(count.wakes(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_atomic_waker {
    //! A registrant waits for a flag that another thread sets and then wakes: the registrant
    //! never sleeps through the flag (it sees the flag on its re-check or gets the wake).
    use super::AtomicWaker;
    use crate::sync::prim::{Arc, AtomicBool, Ordering};
    use crate::test_util::counting_waker;
    use loom::thread;

    #[test]
    fn loom_wake_vs_register() {
        loom::model(|| {
            let cell = Arc::new(AtomicWaker::new());
            let flag = Arc::new(AtomicBool::new(false));
            let waker_thread = {
                let (cell, flag) = (cell.clone(), flag.clone());
                thread::spawn(move || {
                    flag.store(true, Ordering::Release);
                    cell.wake();
                })
            };
            let (waker, count) = counting_waker();
            let seen = flag.load(Ordering::Acquire);
            let mut woken_or_seen = seen;
            if !seen {
                cell.register_by_ref(&waker);
                woken_or_seen = flag.load(Ordering::Acquire);
            }
            waker_thread.join().unwrap();
            // Sleeping now is only fine if the wake reached us.
            assert!(woken_or_seen || count.wakes() == 1);
            assert!(count.wakes() <= 1);
        });
    }

    /// Two wakers publish and wake while the registrant waits as a future does (register, then
    /// re-check, then sleep until woken): it always ends up seeing both flags. A wake that
    /// leaves the waking to the other one must not be lost (loom reports the deadlock).
    #[test]
    fn loom_two_wakers_vs_registrant() {
        loom::model(|| {
            let cell = Arc::new(AtomicWaker::new());
            let flags = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
            let threads: Vec<_> = (0..2)
                .map(|i| {
                    let (cell, flags) = (cell.clone(), flags.clone());
                    thread::spawn(move || {
                        flags[i].store(true, Ordering::Release);
                        cell.wake();
                    })
                })
                .collect();
            let both = || flags.iter().all(|f| f.load(Ordering::Acquire));
            loom::future::block_on(std::future::poll_fn(|cx| {
                if both() {
                    return std::task::Poll::Ready(());
                }
                cell.register_by_ref(cx.waker());
                if both() {
                    return std::task::Poll::Ready(());
                }
                std::task::Poll::Pending
            }));
            for t in threads {
                t.join().unwrap();
            }
        });
    }

    /// The registrant replaces its waker (a receiver polled by another task): a wake that the
    /// final re-check misses reaches the new waker.
    #[test]
    fn loom_wake_vs_reregister() {
        loom::model(|| {
            let cell = Arc::new(AtomicWaker::new());
            let flag = Arc::new(AtomicBool::new(false));
            let waker_thread = {
                let (cell, flag) = (cell.clone(), flag.clone());
                thread::spawn(move || {
                    flag.store(true, Ordering::Release);
                    cell.wake();
                })
            };
            let (first, first_count) = counting_waker();
            let (second, second_count) = counting_waker();
            cell.register_by_ref(&first);
            cell.register_by_ref(&second);
            let seen = flag.load(Ordering::Acquire);
            waker_thread.join().unwrap();
            assert!(seen || second_count.wakes() == 1);
            assert!(first_count.wakes() + second_count.wakes() <= 2);
        });
    }
}
