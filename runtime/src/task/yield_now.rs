//! `yield_now`: let the other tasks run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Goes to the back of the run queue: the other queued tasks run before this one resumes.
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// for _ in 0..3 {
///     weft::task::yield_now().await;
/// }
/// # });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A task that woke itself with this mark set is queued behind the other work when its
        // poll returns (see `runtime/task/yield_mark.rs`), which is exactly a yield.
        crate::runtime::task::yield_mark::mark_yield();
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
