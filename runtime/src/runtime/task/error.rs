//! `JoinError`: why awaiting a task gave no output.

use super::Id;
use std::any::Any;
use std::fmt;

/// The task did not return its output: it was cancelled (aborted, or its runtime shut down),
/// or it panicked.
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = weft::spawn(async { panic!("boom") });
/// let error = handle.await.unwrap_err();
/// assert!(error.is_panic());
/// assert_eq!(*error.into_panic().downcast::<&str>().unwrap(), "boom");
/// # });
/// ```
pub struct JoinError {
    id: Id,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(SyncPayload),
}

/// A panic payload made `Sync` by never letting a shared reference reach it, except through
/// [`downcast_ref_sync`](SyncPayload::downcast_ref_sync) to a `Sync` type. (tokio's
/// `SyncWrapper` is the same idea.)
///
/// `JoinError` must be `Sync` (it is an error type, and `std::io::Error` needs it), but the
/// payload is only `Send`: a `&JoinError` shared between threads must not give two threads a
/// `&` to a `!Sync` payload.
struct SyncPayload(Box<dyn Any + Send + 'static>);

// SAFETY: a `&SyncPayload` gives access to the payload only through `downcast_ref_sync`, which
// hands out `&T` for a `T: Sync` alone (a `&T` of a `Sync` type may be shared across threads)
// and otherwise reads nothing but the payload's type id (see there). Everything else moves the
// payload out of an owned `SyncPayload` (`JoinError::try_into_panic`).
unsafe impl Sync for SyncPayload {}

impl SyncPayload {
    /// The payload as a `T`, if it is one; only for `Sync` types, see the `Sync` impl.
    fn downcast_ref_sync<T: Any + Sync>(&self) -> Option<&T> {
        // `downcast_ref` calls `Any::type_id` through the payload's vtable. That method comes
        // from std's blanket `impl<T: 'static + ?Sized> Any for T` (no other impl can exist),
        // which returns a constant and reads nothing from the value: calling it from several
        // threads at once shares no data.
        self.0.downcast_ref::<T>()
    }

    /// The panic's message, when the payload is one (`panic!` gives a `&'static str` or a
    /// `String`, both `Sync`).
    fn message(&self) -> Option<&str> {
        self.downcast_ref_sync::<&'static str>()
            .copied()
            .or_else(|| self.downcast_ref_sync::<String>().map(String::as_str))
    }
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panic(SyncPayload(payload)),
        }
    }

    /// Whether the task was cancelled: aborted, or dropped by its runtime's shutdown.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic's payload.
    ///
    /// # Panics
    /// If the task did not panic; use [`try_into_panic`](Self::try_into_panic) to check.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().expect(
            "`JoinError::into_panic` called on a task that was cancelled, not one that panicked",
        )
    }

    /// The panic's payload, or the error back if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(SyncPayload(payload)) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    pub fn id(&self) -> Id {
        self.id
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(payload) => match payload.message() {
                Some(message) => write!(f, "task {} panicked with message {message:?}", self.id),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({:?})", self.id),
            Repr::Panic(payload) => match payload.message() {
                Some(message) => write!(f, "JoinError::Panic({:?}, {message:?}, ...)", self.id),
                None => write!(f, "JoinError::Panic({:?}, ...)", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(error: JoinError) -> std::io::Error {
        let kind = if error.is_cancelled() {
            std::io::ErrorKind::Interrupted
        } else {
            std::io::ErrorKind::Other
        };
        std::io::Error::new(kind, error.to_string())
    }
}
