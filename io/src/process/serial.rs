//! [`Serial`]: runs a poll function on some state from any thread, one thread at a time,
//! without blocking and without losing a request.
//!
//! A waker may be called while its own poll is running, on another thread (the reactor's turn)
//! or on the same one (a poll that drops a registration wakes that registration's waker); a
//! blocking lock would deadlock in the second case. So a request sets `notified` and then only
//! *tries* the lock; the thread that holds it looks at `notified` again after releasing it and
//! polls once more if it is set. Either the requester gets the lock and polls, or the holder
//! sees its request: no request is lost (loom model in `loom_tests.rs`).

use crate::loom::{AtomicBool, Mutex, MutexGuard, Ordering};
use std::sync::TryLockError;

/// State polled by one thread at a time; see the module docs.
#[derive(Debug)]
pub(crate) struct Serial<T> {
    state: Mutex<T>,
    notified: AtomicBool,
}

impl<T> Serial<T> {
    pub(crate) fn new(state: T) -> Serial<T> {
        Serial {
            state: Mutex::new(state),
            notified: AtomicBool::new(false),
        }
    }

    /// Runs `poll` on the state now, or has the thread running it now run it once more.
    /// `poll` returns `Some` when it is done (what it took out, for the caller to drop with
    /// no lock held): no further poll is run by this call then.
    pub(crate) fn run<R>(&self, mut poll: impl FnMut(&mut T) -> Option<R>) -> Option<R> {
        self.notified.store(true, Ordering::SeqCst);
        loop {
            // Busy: the holder looks at `notified` after releasing the lock.
            let mut state = try_lock(&self.state)?;
            if !self.notified.swap(false, Ordering::SeqCst) {
                return None;
            }
            let done = poll(&mut state);
            drop(state);
            if done.is_some() || !self.notified.load(Ordering::SeqCst) {
                return done;
            }
        }
    }

    /// The state, waiting for the lock (tests only: a waiting lock is what `run` avoids).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&crate::loom::lock(&self.state))
    }
}

fn try_lock<T>(mutex: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match mutex.try_lock() {
        Ok(guard) => Some(guard),
        // Nothing panics while holding it (see `loom::lock`): the state is consistent.
        Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}
