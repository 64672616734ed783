//! [`Semaphore`]: a fair counting semaphore for tasks, and its permits.
//!
//! A thin public face over the batch semaphore (`batch_semaphore.rs`), which holds the
//! invariants. Here: every permit object gives back exactly the permits it holds, once (on
//! drop), unless `forget` moved them out of its count first.

use super::batch_semaphore::{self as ll, AcquireError, TryAcquireError};
use std::fmt;
use std::sync::Arc;

/// A counting semaphore: a pool of permits that tasks acquire and give back.
///
/// Waiters are served in FIFO order: a task asking for many permits is not starved by a
/// stream of tasks asking for few, and while anyone waits, no newcomer takes a permit ahead of
/// them (not even `try_acquire`). Acquiring while permits are available, and giving them back
/// while nobody waits, is a single atomic operation.
///
/// # Examples
///
/// Bounding how many tasks run a section at once:
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Semaphore;
///
/// #[weft::main]
/// async fn main() {
///     let semaphore = Arc::new(Semaphore::new(3));
///     let mut handles = Vec::new();
///     for i in 0..10 {
///         let semaphore = semaphore.clone();
///         handles.push(weft::spawn(async move {
///             let _permit = semaphore.acquire().await.unwrap();
///             // At most 3 tasks are here at any time.
///             i * 2
///         }));
///     }
///     let mut sum = 0;
///     for handle in handles {
///         sum += handle.await.unwrap();
///     }
///     assert_eq!(sum, 90);
///     assert_eq!(semaphore.available_permits(), 3);
/// }
/// ```
pub struct Semaphore {
    ll: ll::Semaphore,
}

/// Permits borrowed from a [`Semaphore`]; they go back to it when this is dropped.
#[must_use = "dropping the permit gives it back at once"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    /// A `usize`, not the `u32` one acquire asks for: merged permits may hold more.
    permits: usize,
}

/// Permits taken from an `Arc<Semaphore>`, which this keeps alive; they go back to it when
/// this is dropped. Being `'static`, it can move into a spawned task.
#[must_use = "dropping the permit gives it back at once"]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
    /// A `usize`, not the `u32` one acquire asks for: merged permits may hold more.
    permits: usize,
}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`.
    pub const MAX_PERMITS: usize = ll::Semaphore::MAX_PERMITS;

    /// A semaphore holding `permits` permits.
    ///
    /// # Panics
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            ll: ll::Semaphore::new(permits),
        }
    }

    /// [`new`](Semaphore::new) in a `const` context, e.g. for a `static`.
    ///
    /// # Panics
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`] (at compile time in a `const` or
    /// `static`).
    ///
    /// ```
    /// use weft::sync::Semaphore;
    ///
    /// static CONNECTIONS: Semaphore = Semaphore::const_new(2);
    ///
    /// let first = CONNECTIONS.try_acquire().unwrap();
    /// let _second = CONNECTIONS.try_acquire().unwrap();
    /// assert!(CONNECTIONS.try_acquire().is_err());
    /// drop(first);
    /// assert_eq!(CONNECTIONS.available_permits(), 1);
    /// ```
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            ll: ll::Semaphore::const_new(permits),
        }
    }

    /// Waits for one permit from synchronous code, blocking this thread.
    ///
    /// # Panics
    /// Inside a runtime (a worker or a `block_on`): use `.await` there.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let held = semaphore.clone().try_acquire_owned().unwrap();
    /// let waiter = std::thread::spawn({
    ///     let semaphore = semaphore.clone();
    ///     move || semaphore.blocking_acquire().map(|permit| permit.num_permits())
    /// });
    /// drop(held);
    /// assert_eq!(waiter.join().unwrap(), Ok(1));
    /// ```
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::blocking::block_on("Semaphore::blocking_acquire", self.acquire())
    }

    /// [`blocking_acquire`](Semaphore::blocking_acquire) for `n` permits.
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::blocking::block_on("Semaphore::blocking_acquire_many", self.acquire_many(n))
    }

    /// [`blocking_acquire`](Semaphore::blocking_acquire) for an `Arc<Semaphore>`; the permit
    /// keeps the semaphore alive.
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::blocking::block_on("Semaphore::blocking_acquire_owned", self.acquire_owned())
    }

    /// [`blocking_acquire_owned`](Semaphore::blocking_acquire_owned) for `n` permits.
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::blocking::block_on(
            "Semaphore::blocking_acquire_many_owned",
            self.acquire_many_owned(n),
        )
    }

    /// The permits available now.
    pub fn available_permits(&self) -> usize {
        self.ll.available_permits()
    }

    /// Adds `n` permits, handing them to waiting tasks first (oldest first).
    ///
    /// # Panics
    /// If the semaphore would hold more than [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll.release(n);
    }

    /// Removes up to `n` of the available permits for good; returns how many were removed.
    ///
    /// ```
    /// let semaphore = weft::sync::Semaphore::new(5);
    /// assert_eq!(semaphore.forget_permits(3), 3);
    /// assert_eq!(semaphore.forget_permits(3), 2);
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll.forget_permits(n)
    }

    /// Waits for one permit.
    ///
    /// Fails only if the semaphore is [closed](Semaphore::close).
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute permits in the order they were
    /// requested. Cancelling a call to `acquire` makes you lose your place in the queue, and
    /// no permit is lost: any permit already set aside for it goes to the next waiter.
    ///
    /// ```
    /// use weft::sync::Semaphore;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let semaphore = Semaphore::new(1);
    ///     let permit = semaphore.acquire().await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(semaphore.available_permits(), 1);
    /// }
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// Waits for `n` permits, taken together.
    ///
    /// Fails only if the semaphore is [closed](Semaphore::close).
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute permits in the order they were
    /// requested. Cancelling a call to `acquire_many` makes you lose your place in the queue,
    /// and the permits already set aside for it go to the next waiters.
    ///
    /// ```
    /// use weft::sync::Semaphore;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let semaphore = Semaphore::new(5);
    ///     let permit = semaphore.acquire_many(3).await.unwrap();
    ///     assert_eq!(permit.num_permits(), 3);
    ///     assert_eq!(semaphore.available_permits(), 2);
    /// }
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll.acquire(n).await?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n as usize,
        })
    }

    /// Takes one permit if one is available now and nobody waits.
    ///
    /// ```
    /// use weft::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.try_acquire().err(), Some(TryAcquireError::NoPermits));
    /// drop(permit);
    /// semaphore.close();
    /// assert_eq!(semaphore.try_acquire().err(), Some(TryAcquireError::Closed));
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are available now and nobody waits.
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(n)?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n as usize,
        })
    }

    /// Waits for one permit of an `Arc<Semaphore>`; the permit keeps the semaphore alive.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute permits in the order they were
    /// requested. Cancelling a call to `acquire_owned` makes you lose your place in the queue,
    /// and no permit is lost.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Semaphore;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let semaphore = Arc::new(Semaphore::new(2));
    ///     let permit = semaphore.clone().acquire_owned().await.unwrap();
    ///     let task = weft::spawn(async move {
    ///         let _permit = permit; // released when the task ends
    ///     });
    ///     task.await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 2);
    /// }
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits of an `Arc<Semaphore>`.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute permits in the order they were
    /// requested. Cancelling a call to `acquire_many_owned` makes you lose your place in the
    /// queue, and the permits already set aside for it go to the next waiters.
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.ll.acquire(n).await?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n as usize,
        })
    }

    /// Takes one permit of an `Arc<Semaphore>` if one is available now and nobody waits.
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits of an `Arc<Semaphore>` if they are available now and nobody waits.
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(n)?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n as usize,
        })
    }

    /// Closes the semaphore: every waiting acquire fails with [`AcquireError`] (as in tokio,
    /// even one whose permits were handed to it just before the close but that had not
    /// returned yet: those permits go back), and so does every later one; `try_acquire`
    /// reports [`TryAcquireError::Closed`]. Permits already held stay valid and are still
    /// given back.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Semaphore;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let semaphore = Arc::new(Semaphore::new(0));
    ///     let waiter = weft::spawn({
    ///         let semaphore = semaphore.clone();
    ///         async move { semaphore.acquire().await.is_err() }
    ///     });
    ///     semaphore.close();
    ///     assert!(waiter.await.unwrap(), "the waiter sees the close");
    /// }
    /// ```
    pub fn close(&self) {
        self.ll.close();
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.ll.is_closed()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good: dropping this no longer gives them
    /// back.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits belong to.
    ///
    /// ```
    /// use weft::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert!(std::ptr::eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn semaphore(&self) -> &'a Semaphore {
        self.semaphore
    }

    /// Moves `other`'s permits into this one. The sum may exceed `u32::MAX` (two permits of
    /// three billion each merge into one of six billion).
    ///
    /// # Panics
    /// If the two come from different semaphores.
    #[track_caller]
    pub fn merge(&mut self, mut other: SemaphorePermit<'a>) {
        assert!(
            std::ptr::eq(self.semaphore, other.semaphore),
            "merging permits of different semaphores"
        );
        self.permits = self
            .permits
            .checked_add(other.permits)
            .expect("a permit holds at most Semaphore::MAX_PERMITS permits");
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit, or `None` if this holds fewer than `n`.
    pub fn split(&mut self, n: usize) -> Option<SemaphorePermit<'a>> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            semaphore: self.semaphore,
            permits: n,
        })
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good: dropping this no longer gives them
    /// back.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits belong to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }

    /// Moves `other`'s permits into this one. The sum may exceed `u32::MAX`.
    ///
    /// # Panics
    /// If the two come from different semaphores.
    #[track_caller]
    pub fn merge(&mut self, mut other: OwnedSemaphorePermit) {
        assert!(
            Arc::ptr_eq(&self.semaphore, &other.semaphore),
            "merging permits of different semaphores"
        );
        self.permits = self
            .permits
            .checked_add(other.permits)
            .expect("a permit holds at most Semaphore::MAX_PERMITS permits");
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit, or `None` if this holds fewer than `n`.
    pub fn split(&mut self, n: usize) -> Option<OwnedSemaphorePermit> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            semaphore: self.semaphore.clone(),
            permits: n,
        })
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.ll.release(self.permits);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.semaphore.ll.release(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
