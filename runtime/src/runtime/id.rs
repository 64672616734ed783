//! [`Id`]: a runtime's identity.

use std::fmt;
use std::num::NonZeroU64;

/// An opaque id that tells runtimes (and [`LocalSet`](crate::task::LocalSet)s) apart; from
/// [`Handle::id`](super::Handle::id).
///
/// As in tokio, ids are unique among the runtimes alive at the same time and say nothing
/// about order. (weft never reuses one within a process, but do not rely on it.)
///
/// ```
/// let a = weft::runtime::Runtime::new().unwrap();
/// let b = weft::runtime::Runtime::new().unwrap();
/// assert_ne!(a.handle().id(), b.handle().id());
/// assert_eq!(a.handle().id(), a.handle().clone().id());
/// println!("runtime {}", a.handle().id());
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq)]
pub struct Id(NonZeroU64);

impl Id {
    /// A fresh id.
    pub(crate) fn next() -> Id {
        // A plain std counter under loom too: uniqueness is all it gives.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Id(NonZeroU64::new(id).expect("runtime ids start at 1"))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
