//! [`Scoped`]: a thread-local pointer to a value on the stack, set only for the duration of a
//! closure.
//!
//! Invariant: the pointer is non-null only while [`Scoped::set`] runs on this thread, and the
//! value it points to is borrowed by that call for the whole time. The reset is a guard's
//! `Drop`, so it happens however `set`'s closure ends, by return or by unwinding: the rule of
//! `context.rs` ("guards restore the previous value when dropped").

use std::cell::Cell;
use std::ptr;

/// A pointer to a `T` that lives on this thread's stack, readable through [`with`](Self::with)
/// while [`set`](Self::set) runs. Meant to sit in a `thread_local!`; it is `!Sync`.
pub(crate) struct Scoped<T> {
    current: Cell<*const T>,
}

impl<T> Scoped<T> {
    pub(crate) const fn new() -> Scoped<T> {
        Scoped {
            current: Cell::new(ptr::null()),
        }
    }

    /// Makes `value` current while `f` runs, then restores the previous value, also if `f`
    /// panics.
    pub(crate) fn set<R>(&self, value: &T, f: impl FnOnce() -> R) -> R {
        struct Reset<'a, T> {
            current: &'a Cell<*const T>,
            previous: *const T,
        }
        impl<T> Drop for Reset<'_, T> {
            fn drop(&mut self) {
                self.current.set(self.previous);
            }
        }
        let _reset = Reset {
            current: &self.current,
            previous: self.current.replace(value),
        };
        f()
    }

    /// Runs `f` with the current value, if `set` is running on this thread.
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let current = self.current.get();
        // SAFETY: by the invariant above, a non-null pointer was set by a `set` call that is
        // still running on this thread (its reset guard has not run) and that borrows the
        // value for its whole run; `f` runs inside that call, and the reference it gets
        // cannot outlive `f` (it is higher-ranked over the closure's own lifetime).
        f(unsafe { current.as_ref() })
    }
}

#[cfg(test)]
mod tests {
    use super::Scoped;
    use std::panic::{self, AssertUnwindSafe};

    #[test]
    fn set_nests_and_restores_the_previous_value_on_return_and_on_a_panic() {
        let scoped = Scoped::<u32>::new();
        assert_eq!(scoped.with(|v| v.copied()), None);
        let seen = scoped.set(&1, || {
            let inner = scoped.set(&2, || scoped.with(|v| v.copied()));
            (inner, scoped.with(|v| v.copied()))
        });
        assert_eq!(seen, (Some(2), Some(1)));
        assert_eq!(scoped.with(|v| v.copied()), None);

        let unwound = panic::catch_unwind(AssertUnwindSafe(|| {
            scoped.set(&3, || {
                scoped.set(&4, || panic!("a panic inside set"));
            })
        }));
        assert!(unwound.is_err());
        assert_eq!(
            scoped.with(|v| v.copied()),
            None,
            "a panic skipped the reset: the pointer dangles"
        );
    }
}
