//! A cheap, never reused identity for the current thread.
//!
//! `std::thread::current().id()` clones the thread's handle (two atomic operations) and fails
//! while the thread's locals are being destroyed. A `LocalSet` asks "am I on my owner thread?"
//! at every wake, and may be dropped from a thread-local's destructor, so it uses this instead:
//! a counter drawn once per thread into a `const` thread-local without a destructor, which
//! stays readable for the whole life of the thread.
//!
//! Invariant: two threads never share an id, even after one of them exited (ids come from a
//! 64-bit counter that is never reset), so "same id" means "same thread".

use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The identity of one thread for the life of the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ThreadId(NonZeroU64);

/// The counter is a plain std atomic even under loom: ids only need to be unique, which a
/// `fetch_add` gives in every interleaving, and loom cannot keep a static between models.
static NEXT: AtomicU64 = AtomicU64::new(1);

impl ThreadId {
    /// This thread's id, drawn on first use.
    pub(crate) fn current() -> ThreadId {
        ID.with(|id| match NonZeroU64::new(id.get()) {
            Some(known) => ThreadId(known),
            None => {
                let fresh = NEXT.fetch_add(1, Relaxed);
                id.set(fresh);
                ThreadId(NonZeroU64::new(fresh).expect("thread ids start at 1"))
            }
        })
    }
}

// Under loom every model thread runs on one OS thread, so the id must be a loom thread-local.
#[cfg(not(all(test, loom)))]
std::thread_local! {
    static ID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}
#[cfg(all(test, loom))]
loom::thread_local! {
    static ID: std::cell::Cell<u64> = std::cell::Cell::new(0);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::ThreadId;

    #[test]
    fn same_thread_same_id_other_thread_other_id() {
        let here = ThreadId::current();
        assert_eq!(here, ThreadId::current());
        let there = std::thread::spawn(ThreadId::current).join().unwrap();
        assert_ne!(here, there);
        let again = std::thread::spawn(ThreadId::current).join().unwrap();
        assert_ne!(there, again, "ids are never reused");
    }
}
