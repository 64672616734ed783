//! What the expansions of `join!`, `try_join!` and `select!` name. Hidden: not API, but public
//! because the expansions live in the user's crate. The expansions reach everything here by its
//! full path (`$crate::macros::support::...`) and declare no item of their own, so that they
//! bring no name into the caller's scope.
//!
//! [`MaybeDone`]'s pin projections come from `pin-project-lite`: no `unsafe` here.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

pub use std::future::{Future, IntoFuture};
// tokio's module of the same name has it, and macros written against tokio name it there.
pub use std::future::poll_fn;
pub use std::pin::Pin;
pub use std::task::{Context, Poll};
pub use weft_macros::{
    select_priv_clean_pattern as clean_pattern, select_priv_cons as cons,
    select_priv_count as count, select_priv_mask as mask, select_priv_nth as nth,
    select_priv_variant as variant,
};

pin_project_lite::pin_project! {
    /// A future that owns its state, pinned in place, and is polled through `poll`: the
    /// branches of `join!` and `select!` live in it, so the macro's future stores no pointer
    /// to them (a `pin!` per branch would cost 8 bytes each).
    #[derive(Debug)]
    pub struct PollPinned<S, F> {
        #[pin]
        state: S,
        poll: F,
    }
}

/// `Ready` while the current task has coop budget left; else `Pending`, with the task woken
/// so that it runs again after the others (`select!`'s first step). Spends nothing.
pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    if weft_io::coop::has_budget_remaining() {
        Poll::Ready(())
    } else {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<S, F> PollPinned<S, F> {
    /// `poll` is called with the pinned state at each poll.
    pub fn new<T>(state: S, poll: F) -> PollPinned<S, F>
    where
        F: FnMut(Pin<&mut S>, &mut Context<'_>) -> Poll<T>,
    {
        PollPinned { state, poll }
    }
}

impl<S, F, T> Future for PollPinned<S, F>
where
    F: FnMut(Pin<&mut S>, &mut Context<'_>) -> Poll<T>,
{
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.project();
        (this.poll)(this.state, cx)
    }
}

pin_project_lite::pin_project! {
    /// A list of branches, each pinned in place: the first and the rest (`()` ends it). The
    /// `cons!` and `nth!` helpers build one and reach its branches by position.
    #[derive(Debug)]
    pub struct Cons<H, T> {
        #[pin]
        head: H,
        #[pin]
        tail: T,
    }
}

impl<H, T> Cons<H, T> {
    /// `head`, then the rest of the list.
    pub fn new(head: H, tail: T) -> Cons<H, T> {
        Cons { head, tail }
    }

    /// The first branch.
    pub fn head(self: Pin<&mut Self>) -> Pin<&mut H> {
        self.project().head
    }

    /// The rest of the list.
    pub fn tail(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().tail
    }
}

/// Which branch of a `select!` won: `Here` after one `Later` per branch before it, or
/// [`AllDisabled`] after one `Later` per branch. Built and matched through `variant!`.
#[derive(Debug)]
pub enum Winner<T, Rest> {
    /// This branch won, with its output.
    Here(T),
    /// A later branch won (or none did).
    Later(Rest),
}

/// Every branch of a `select!` was disabled: the `else` branch runs.
#[derive(Debug)]
pub struct AllDisabled;

pin_project_lite::pin_project! {
    /// A future that keeps its output once it has completed, so that `join!` can poll the rest.
    #[derive(Debug)]
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneReplace]
    pub enum MaybeDone<F: Future> {
        /// Still running.
        Future { #[pin] future: F },
        /// Completed; the output waits to be taken.
        Done { output: F::Output },
        /// The output was taken.
        Gone,
    }
}

/// Wraps anything that converts into a future.
pub fn maybe_done<F: IntoFuture>(future: F) -> MaybeDone<F::IntoFuture> {
    MaybeDone::Future {
        future: future.into_future(),
    }
}

impl<F: Future> MaybeDone<F> {
    /// The output, if the future completed and the output was not taken.
    pub fn output_mut(self: Pin<&mut Self>) -> Option<&mut F::Output> {
        match self.project() {
            MaybeDoneProj::Done { output } => Some(output),
            _ => None,
        }
    }

    /// Takes the output, if the future completed and the output was not taken yet.
    pub fn take_output(mut self: Pin<&mut Self>) -> Option<F::Output> {
        if !matches!(self.as_mut().project(), MaybeDoneProj::Done { .. }) {
            return None;
        }
        match self.project_replace(MaybeDone::Gone) {
            MaybeDoneReplace::Done { output } => Some(output),
            _ => unreachable!("the variant was just checked"),
        }
    }
}

impl<F: Future> Future for MaybeDone<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let output = match self.as_mut().project() {
            MaybeDoneProj::Future { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            },
            MaybeDoneProj::Done { .. } => return Poll::Ready(()),
            MaybeDoneProj::Gone => panic!("a join! branch was polled after its output was taken"),
        };
        // Drops the future in place, as its pin requires.
        self.set(MaybeDone::Done { output });
        Poll::Ready(())
    }
}

/// `try_join!`: the error of a branch that completed with `Err`, taken out.
pub fn take_err<F, T, E>(future: Pin<&mut MaybeDone<F>>) -> Option<E>
where
    F: Future<Output = Result<T, E>>,
{
    let mut future = future;
    match future.as_mut().output_mut() {
        Some(Err(_)) => match future.take_output() {
            Some(Err(error)) => Some(error),
            _ => unreachable!(),
        },
        _ => None,
    }
}

/// `try_join!`: the value of a branch that completed with `Ok`.
///
/// # Panics
/// If the branch has not completed with `Ok` (a bug in the macro).
pub fn take_ok<F, T, E>(future: Pin<&mut MaybeDone<F>>) -> T
where
    F: Future<Output = Result<T, E>>,
{
    match future.take_output() {
        Some(Ok(value)) => value,
        _ => unreachable!("try_join!: a branch finished without an `Ok` output"),
    }
}

/// Which branch `join!` polls first: one further each poll, wrapping around (unless
/// `biased;`, which does not use it). Four bytes in the macro's future.
#[derive(Debug, Default)]
pub struct Rotator {
    next: u32,
}

impl Rotator {
    /// A rotator that starts with the first branch.
    pub fn new() -> Rotator {
        Rotator::default()
    }

    /// How many of the `count` branches to skip before polling this time (the rest wrap
    /// around).
    pub fn skip(&mut self, count: u32) -> u32 {
        let skip = self.next;
        self.next = if skip + 1 >= count { 0 } else { skip + 1 };
        skip
    }
}

/// A pseudo-random number in `0..n`, from a per-thread xorshift generator: `select!`'s fair
/// start. Not for anything that needs real randomness.
pub fn thread_rng_n(n: u32) -> u32 {
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    let fallback = || {
        // Called once per thread (or never when the thread-local is gone): random keys.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x5EED);
        hasher.finish() | 1
    };
    let x = STATE
        .try_with(|state| {
            let mut x = state.get();
            if x == 0 {
                x = fallback();
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            x
        })
        .unwrap_or_else(|_| fallback());
    // Lemire's multiply-shift: uniform enough in `0..n` without a division.
    (((x >> 32) * u64::from(n)) >> 32) as u32
}
