//! Reaping the children whose [`Child`](super::Child) was dropped before they exited (with
//! `kill_on_drop`, or simply let go): without it each would stay a zombie until the parent
//! exits.
//!
//! An orphan keeps its exit watch (pidfd or SIGCHLD listener) and polls it with a waker of its
//! own, so the reactor's turn reaps it the moment it exits: no task, no thread. Orphans live in
//! a process-wide list until reaped; the list holds them strongly, their wakers weakly (the
//! watch's registration holds the waker, so a strong one would be a cycle).
//!
//! Invariants:
//! - An orphan is polled through [`Serial`]: its waker may run while its poll runs, on this
//!   thread too (moving the watch to another reactor drops the old registration, which wakes
//!   it), and no such wake-up is lost.
//! - What a finished poll takes out of the state (the watch, whose drop deregisters and wakes
//!   the waker again) is dropped after the state's lock is released.
//! - An orphan whose reactor shut down with no other reactor current stays listed, marked
//!   `unwatched`; `sweep` (run at every spawn and every drop of a running child) polls the
//!   unwatched orphans again, from a thread where a reactor is current, which moves their
//!   watch there. Watched orphans are left to their wakers: a sweep costs nothing for them.

use super::exit::ExitWatch;
use super::serial::Serial;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Wake, Waker};

type Running = (std::process::Child, ExitWatch);

/// A child nobody waits for any more.
struct Orphan {
    state: Serial<Option<Running>>,
    /// Its watch's reactor shut down: only `sweep` polls it now.
    unwatched: AtomicBool,
    waker: Waker,
}

struct OrphanWaker(Weak<Orphan>);

impl Wake for OrphanWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(orphan) = self.0.upgrade() {
            orphan.poll();
        }
    }
}

/// Every orphan not yet reaped. A plain std mutex: a process-wide static, which loom could not
/// model; it is only ever held to push, clone or remove, never across a poll or a wake-up.
static ORPHANS: Mutex<Vec<Arc<Orphan>>> = Mutex::new(Vec::new());

fn orphans() -> MutexGuard<'static, Vec<Arc<Orphan>>> {
    ORPHANS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes over a child that is still running: it is reaped once it exits.
pub(crate) fn adopt(child: std::process::Child, watch: ExitWatch) {
    let orphan = Arc::new_cyclic(|weak| Orphan {
        state: Serial::new(Some((child, watch))),
        unwatched: AtomicBool::new(false),
        waker: Waker::from(Arc::new(OrphanWaker(weak.clone()))),
    });
    // Listed before the first poll, so that the poll that reaps it (this one or its waker's)
    // always finds it to unlist.
    orphans().push(orphan.clone());
    orphan.poll();
}

/// Polls every unwatched orphan once: reaps those that exited, moves the watch of the others
/// to the current reactor.
pub(crate) fn sweep() {
    let unwatched: Vec<Arc<Orphan>> = orphans()
        .iter()
        .filter(|orphan| orphan.unwatched.load(Ordering::Acquire))
        .cloned()
        .collect();
    for orphan in unwatched {
        orphan.poll();
    }
}

/// Whether the child `pid` is an orphan not yet reaped.
#[cfg(all(test, not(loom)))]
pub(crate) fn is_listed(pid: u32) -> bool {
    orphans().iter().any(|orphan| {
        orphan
            .state
            .with(|state| state.as_ref().is_some_and(|(child, _)| child.id() == pid))
    })
}

impl Orphan {
    fn poll(self: &Arc<Self>) {
        let finished = self.state.run(|state| {
            let (child, watch) = state.as_mut()?;
            let polled = watch.poll_exit(child, &Context::from_waker(&self.waker));
            let unwatched =
                matches!(&polled, Poll::Ready(Err(error)) if crate::is_shutdown_error(error));
            self.unwatched.store(unwatched, Ordering::Release);
            match polled {
                Poll::Pending => None,
                // Unwatched for now (its reactor shut down, none other current): `sweep`
                // tries again.
                Poll::Ready(Err(_)) if unwatched => None,
                // Exited and reaped; or an error such as the child reaped by someone else's
                // `waitpid`, after which there is nothing left to reap either.
                Poll::Ready(_) => state.take(),
            }
        });
        if let Some(finished) = finished {
            orphans().retain(|orphan| !Arc::ptr_eq(orphan, self));
            // Dropped with no lock held: the watch's deregistration wakes our waker.
            drop(finished);
        }
    }
}
