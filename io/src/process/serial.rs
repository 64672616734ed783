//! [`Serial`]: runs a poll function on some state from any thread, one thread at a time,
//! without blocking and without losing a request.
//!
//! A waker may be called while its own poll is running, on another thread (the reactor's turn)
//! or on the same one (a poll that drops a registration wakes that registration's waker); a
//! blocking lock would deadlock in the second case. So who polls is decided by one state word,
//! changed only by read-modify-writes:
//!
//! - `IDLE -> RUNNING`: a request that finds nobody polling polls, until it can go back to
//!   `IDLE`.
//! - `RUNNING -> RUNNING | NOTIFIED`: a request that finds a poll running leaves it to the
//!   poller, and returns at once.
//! - `RUNNING | NOTIFIED -> RUNNING`: the poller, finding the flag when it tries to go back to
//!   `IDLE`, takes it and polls once more. Its compare-exchange acquires what the requester
//!   released, so that poll sees what the request announced.
//!
//! So either a request polls itself, or the poller running at that moment polls once more
//! after it: no request is lost (loom model in `loom_tests.rs`). The mutex around the state
//! only makes the access safe: the poller is the only thread that ever takes it, so it never
//! waits.

use crate::loom::{lock, AtomicUsize, Mutex, Ordering};

/// Nobody polls.
const IDLE: usize = 0;
/// A thread polls.
const RUNNING: usize = 1;
/// A request came while polling: poll once more.
const NOTIFIED: usize = 2;

/// State polled by one thread at a time; see the module docs.
#[derive(Debug)]
pub(crate) struct Serial<T> {
    state: Mutex<T>,
    word: AtomicUsize,
}

impl<T> Serial<T> {
    pub(crate) fn new(state: T) -> Serial<T> {
        Serial {
            state: Mutex::new(state),
            word: AtomicUsize::new(IDLE),
        }
    }

    /// Runs `poll` on the state now, or has the thread running it now run it once more.
    /// `poll` returns `Some` when it is done (what it took out, for the caller to drop with
    /// no lock held): no further poll is run by this call then.
    pub(crate) fn run<R>(&self, mut poll: impl FnMut(&mut T) -> Option<R>) -> Option<R> {
        let previous = self
            .word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                Some(if word == IDLE {
                    RUNNING
                } else {
                    word | NOTIFIED
                })
            })
            .expect("the update always returns Some");
        if previous != IDLE {
            return None;
        }
        loop {
            let done = poll(&mut lock(&self.state));
            if done.is_some() {
                // Later requests poll a state that has nothing left: no need to poll again.
                self.word.swap(IDLE, Ordering::AcqRel);
                return done;
            }
            match self
                .word
                .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return None,
                // NOTIFIED is set; only the poller clears it.
                Err(_) => {
                    self.word.swap(RUNNING, Ordering::AcqRel);
                }
            }
        }
    }

    /// The state, taking the lock (tests only).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&lock(&self.state))
    }
}
