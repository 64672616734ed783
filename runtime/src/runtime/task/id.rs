//! Task ids.

use crate::loom::{AtomicU64, Ordering::Relaxed};
use std::fmt;

/// A task's id: unique among the tasks of the process for its lifetime.
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(pub(crate) u64);

impl Id {
    pub(crate) fn next() -> Id {
        #[cfg(not(all(test, loom)))]
        static NEXT: AtomicU64 = AtomicU64::new(1);
        #[cfg(all(test, loom))]
        loom::lazy_static! {
            static ref NEXT: AtomicU64 = AtomicU64::new(1);
        }
        Id(NEXT.fetch_add(1, Relaxed))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
