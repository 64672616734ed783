//! Task-local storage: [`task_local!`](crate::task_local), [`LocalKey`], [`TaskLocalFuture`].
//!
//! A task-local value lives in the future that [`LocalKey::scope`] returns, not in the task:
//! each time that future is polled, it moves its value into a thread-local slot, polls the
//! future inside, and moves the value back out. So the value follows the future from poll to
//! poll and thread to thread, and code running inside the poll reads it through the key.
//!
//! Invariants:
//! - The slot holds the value only while a scope is entered on this thread; entering swaps
//!   the scope's value in, leaving swaps it back, and leaving happens in a guard's `Drop`, so a
//!   panic in the polled future (or a `sync_scope` closure) still restores the slot. Nested
//!   scopes of one key therefore stack: the inner one restores the outer value.
//! - A reference handed to user code (`with`) is a `RefCell` borrow of the slot; entering a
//!   scope while it lives is refused (a panic with tokio's message), never a second, aliasing
//!   borrow.
//! - The future of a scope is dropped inside its scope when it can be (if it was never polled
//!   to completion), so its destructors see the value too, as in tokio.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: `static NAME: Type;`, one or more, with attributes and
/// visibility; each becomes a [`LocalKey<Type>`].
///
/// ```
/// weft::task_local! {
///     /// The id of the request being served.
///     pub static REQUEST_ID: u64;
///     static TRACE: bool;
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let id = REQUEST_ID
///         .scope(7, async {
///             weft::task::yield_now().await; // the value follows the future across polls
///             REQUEST_ID.get()
///         })
///         .await;
///     assert_eq!(id, 7);
///     assert!(TRACE.try_with(|_| ()).is_err(), "not set outside a scope");
/// }
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of [`task_local!`]: a static `LocalKey` over its own thread-local slot.
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static SLOT: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__from_slot(&SLOT)
        };
    };
}

/// A key to a task-local value; declared with [`task_local!`](crate::task_local).
///
/// [`scope`](LocalKey::scope) sets the value for the duration of a future (and
/// [`sync_scope`](LocalKey::sync_scope) for a closure); inside it, [`with`](LocalKey::with),
/// [`try_with`](LocalKey::try_with), [`get`](LocalKey::get) and [`try_get`](LocalKey::try_get)
/// read it. Outside any scope there is no value: `with` and `get` panic, the `try_` forms
/// return [`AccessError`].
///
/// Unlike a thread-local, the value belongs to the future of `scope`, so tasks that run on
/// the same thread each see their own, and a task sees its value whichever worker polls it.
/// It is *not* inherited by tasks spawned inside the scope: scope them again if they need it.
pub struct LocalKey<T: 'static> {
    slot: &'static std::thread::LocalKey<RefCell<Option<T>>>,
}

/// Why a scope could not be entered.
enum ScopeError {
    /// A `with` of this key is running on this thread.
    Borrowed,
    /// The thread is exiting and its slot is gone.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => {
                panic!("cannot enter a task-local scope while the task-local storage is borrowed")
            }
            ScopeError::Destroyed => panic!(
                "cannot enter a task-local scope during or after destruction of the underlying \
                 thread-local"
            ),
        }
    }
}

impl<T: 'static> LocalKey<T> {
    /// For [`task_local!`](crate::task_local) only.
    #[doc(hidden)]
    pub const fn __from_slot(slot: &'static std::thread::LocalKey<RefCell<Option<T>>>) -> Self {
        LocalKey { slot }
    }

    /// Sets the value to `value` while `future` runs: a future that, each time it is polled,
    /// polls `future` with the value in place.
    ///
    /// ```
    /// weft::task_local! {
    ///     static USER: &'static str;
    /// }
    ///
    /// # weft::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let greeting = USER.scope("ada", async { format!("hello {}", USER.get()) }).await;
    /// assert_eq!(greeting, "hello ada");
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future: Some(future),
        }
    }

    /// Sets the value to `value` while `f` runs, and returns what `f` returns.
    ///
    /// # Panics
    /// If called inside a [`with`](LocalKey::with) of this key, or while the thread exits.
    ///
    /// ```
    /// weft::task_local! {
    ///     static DEPTH: u32;
    /// }
    ///
    /// let inner = DEPTH.sync_scope(1, || DEPTH.sync_scope(2, || DEPTH.get()));
    /// assert_eq!(inner, 2);
    /// assert_eq!(DEPTH.sync_scope(1, || DEPTH.get()), 1);
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut value = Some(value);
        match self.enter(&mut value, f) {
            Ok(output) => output,
            Err(error) => error.panic(),
        }
    }

    /// Swaps `value` into the slot, runs `f`, and swaps it back out, even if `f` panics.
    fn enter<R>(
        &'static self,
        value: &mut Option<T>,
        f: impl FnOnce() -> R,
    ) -> Result<R, ScopeError> {
        struct Leave<'a, T: 'static> {
            key: &'static LocalKey<T>,
            value: &'a mut Option<T>,
        }
        impl<T: 'static> Drop for Leave<'_, T> {
            fn drop(&mut self) {
                // Cannot fail: the slot was alive and unborrowed when we entered, and no borrow
                // outlives the user code that took it (`with` returns before we get here).
                self.key
                    .slot
                    .with(|slot| mem::swap(self.value, &mut *slot.borrow_mut()));
            }
        }
        self.slot
            .try_with(|slot| {
                slot.try_borrow_mut()
                    .map(|mut slot| mem::swap(value, &mut *slot))
                    .map_err(|_| ScopeError::Borrowed)
            })
            .map_err(|_| ScopeError::Destroyed)??;
        let _leave = Leave { key: self, value };
        Ok(f())
    }

    /// Runs `f` with a reference to the value.
    ///
    /// # Panics
    /// Outside a scope of this key; see [`try_with`](LocalKey::try_with).
    ///
    /// ```
    /// weft::task_local! {
    ///     static NAMES: Vec<&'static str>;
    /// }
    ///
    /// NAMES.sync_scope(vec!["a", "b"], || {
    ///     assert_eq!(NAMES.with(|names| names.len()), 2);
    /// });
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(output) => output,
            Err(AccessError(())) => {
                panic!("cannot access a task-local storage value without setting it first")
            }
        }
    }

    /// Runs `f` with a reference to the value, or returns [`AccessError`] outside a scope of
    /// this key (or while the thread exits).
    ///
    /// ```
    /// weft::task_local! {
    ///     static LIMIT: usize;
    /// }
    ///
    /// assert!(LIMIT.try_with(|limit| *limit).is_err());
    /// LIMIT.sync_scope(10, || assert_eq!(LIMIT.try_with(|limit| *limit), Ok(10)));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        // The shared borrow cannot fail: the slot is borrowed mutably only inside `enter`,
        // which runs no user code while it holds that borrow.
        let output = self.slot.try_with(|slot| slot.borrow().as_ref().map(f));
        match output {
            Ok(Some(output)) => Ok(output),
            Ok(None) | Err(_) => Err(AccessError(())),
        }
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value.
    ///
    /// # Panics
    /// Outside a scope of this key; see [`try_get`](LocalKey::try_get).
    ///
    /// ```
    /// weft::task_local! {
    ///     static TENANT: String;
    /// }
    ///
    /// TENANT.sync_scope("acme".to_owned(), || assert_eq!(TENANT.get(), "acme"));
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A clone of the value, or [`AccessError`] outside a scope of this key.
    ///
    /// ```
    /// weft::task_local! {
    ///     static TENANT: String;
    /// }
    ///
    /// assert!(TENANT.try_get().is_err());
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// A future with a task-local value; made by [`LocalKey::scope`].
///
/// Each poll sets the value for the inner future's poll. If the future is dropped before it
/// completed, it is dropped inside the scope too, so its destructors can read the value.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    /// Not pinned: moved in and out of the thread-local slot at every poll.
    value: Option<T>,
    /// Structurally pinned; `None` once it completed.
    future: Option<F>,
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of this future, which then runs without it: `with` inside it
    /// fails, as outside any scope. `None` if it was already taken.
    ///
    /// ```
    /// weft::task_local! {
    ///     static KEY: u32;
    /// }
    ///
    /// let mut future = Box::pin(KEY.scope(1, async {}));
    /// assert_eq!(future.as_mut().take_value(), Some(1));
    /// assert_eq!(future.as_mut().take_value(), None);
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: `value` is not structurally pinned (it moves at every poll), so handing out
        // `&mut` to it moves nothing that is pinned.
        unsafe { self.get_unchecked_mut() }.value.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: we never move `future` out of `self` (it is dropped in place, by assigning
        // `None`, here or in `Drop`), so pinning it again below is a valid projection; `value`
        // and `key` are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let key = this.key;
        let future = &mut this.future;
        let polled = key.enter(&mut this.value, || {
            let inner = future.as_mut()?;
            // SAFETY: see above: `future` stays where it is until dropped in place.
            let poll = unsafe { Pin::new_unchecked(inner) }.poll(cx);
            if poll.is_ready() {
                *future = None; // dropped in place, inside the scope
            }
            Some(poll)
        });
        match polled {
            Ok(Some(poll)) => poll,
            Ok(None) => panic!("`TaskLocalFuture` polled after completion"),
            Err(error) => error.panic(),
        }
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        if mem::needs_drop::<F>() && self.future.is_some() {
            let future = &mut self.future;
            // Inside the scope if it can be entered; otherwise the field drops as usual.
            let _ = self.key.enter(&mut self.value, || *future = None);
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

/// The error of [`LocalKey::try_with`] and [`LocalKey::try_get`]: no value is set (outside
/// a scope of the key, or inside one whose value was taken).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError(());

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessError")
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl std::error::Error for AccessError {}

#[cfg(all(test, not(loom)))]
mod tests;
