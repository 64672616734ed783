//! The CPU time of the thread that holds a core, as the monitor reads it: how it tells a poll
//! that runs long from a worker that waits (for a CPU, or in a system call).
//!
//! A thread that takes a core (a worker starting, a blocking-pool thread taking over a core
//! from `block_in_place`, the thread that blocked taking it back) publishes its CPU clock in
//! the core's `Remote` (`pthread_getcpuclockid`); the monitor reads that clock with
//! `clock_gettime`, one system call, only for a worker it finds inside a poll.
//!
//! Only on Linux, outside loom and miri (neither models the call). Elsewhere
//! [`CpuClockSlot::read`] says `None`, which the monitor takes as "it ran": the conservative
//! answer, and the monitor's behaviour before this existed.
//!
//! Invariant: the published clock names a thread that held the core at some point. If that
//! thread has exited, the read fails (`None`); if the kernel has reused its id, the read is
//! another thread's time. Either only changes how soon the monitor looks again, never what it
//! may take from a worker (that depends on the poll counter alone).

use crate::loom::{AtomicU64, Ordering::Relaxed};

/// No clock published (yet, or on this platform).
const NONE: u64 = 0;
/// Set in a published word, so that clock id 0 is not mistaken for `NONE`.
const PUBLISHED: u64 = 1 << 32;

/// The CPU clock of the thread that last took a core.
pub(super) struct CpuClockSlot {
    /// `PUBLISHED | clock id`, or `NONE`.
    clock: AtomicU64,
}

impl CpuClockSlot {
    pub(super) fn new() -> CpuClockSlot {
        CpuClockSlot {
            clock: AtomicU64::new(NONE),
        }
    }

    /// Publishes the calling thread's CPU clock: it now holds the core.
    pub(super) fn publish_current(&self) {
        if let Some(id) = imp::current_clock() {
            self.clock.store(PUBLISHED | u64::from(id), Relaxed);
        }
    }

    /// The CPU time, in nanoseconds, that the thread which last published has used; `None`
    /// where that cannot be read.
    pub(super) fn read(&self) -> Option<u64> {
        let word = self.clock.load(Relaxed);
        if word & PUBLISHED == 0 {
            return None;
        }
        imp::read_clock(word as u32)
    }
}

#[cfg(all(target_os = "linux", not(miri), not(all(test, loom))))]
mod imp {
    /// The calling thread's CPU clock id, as its bits.
    pub(super) fn current_clock() -> Option<u32> {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: `pthread_self()` is the calling thread, alive for the whole call, and `clock`
        // is a valid place for the one `clockid_t` the call writes.
        let status = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
        (status == 0).then_some(clock as u32)
    }

    /// Reads clock `bits` (from `current_clock`, possibly of a thread that has exited since).
    pub(super) fn read_clock(bits: u32) -> Option<u64> {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid place for the one `timespec` the call writes; a clock id
        // whose thread is gone is not undefined behaviour, the call fails with `EINVAL`.
        let status = unsafe { libc::clock_gettime(bits as libc::clockid_t, &mut now) };
        if status != 0 {
            return None;
        }
        let nanos = u64::try_from(now.tv_sec).ok()? * 1_000_000_000;
        Some(nanos + u64::try_from(now.tv_nsec).ok()?)
    }
}

#[cfg(not(all(target_os = "linux", not(miri), not(all(test, loom)))))]
mod imp {
    pub(super) fn current_clock() -> Option<u32> {
        None
    }

    pub(super) fn read_clock(_bits: u32) -> Option<u64> {
        None
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::CpuClockSlot;
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::thread;
    use std::time::Duration;

    #[test]
    fn an_unpublished_slot_reads_nothing() {
        assert_eq!(CpuClockSlot::new().read(), None);
    }

    #[test]
    #[cfg_attr(any(miri, not(target_os = "linux")), ignore)] // the clock is Linux's
    fn a_spinning_thread_s_clock_advances_and_a_blocked_one_s_does_not() {
        let slot = Arc::new(CpuClockSlot::new());
        let (go, wait) = mpsc::channel::<()>();
        let (published, on_published) = mpsc::channel();
        let thread = thread::spawn({
            let slot = slot.clone();
            move || {
                slot.publish_current();
                let start = slot.read().expect("its own clock reads");
                // Spins until its clock, read through the slot, shows 5 ms of CPU: this
                // terminates only if the clock follows the thread's work.
                while slot.read().expect("its own clock reads") < start + 5_000_000 {
                    std::hint::spin_loop();
                }
                published.send(()).unwrap();
                // Blocked: no CPU time from here.
                wait.recv().unwrap();
            }
        });
        on_published.recv().unwrap();
        let blocked_from = slot.read().expect("another thread's clock reads");
        thread::sleep(Duration::from_millis(50));
        let blocked_to = slot.read().expect("another thread's clock reads");
        // 50 ms blocked in `recv`: far less than 10 ms of CPU (a wake-up or two at most).
        assert!(
            blocked_to - blocked_from < 10_000_000,
            "a blocked thread used {} ns of CPU",
            blocked_to - blocked_from
        );
        go.send(()).unwrap();
        thread.join().unwrap();
        // The thread has exited: its clock no longer reads (or, if the kernel reused its id,
        // reads another thread's; either way no panic).
        let _ = slot.read();
    }
}
