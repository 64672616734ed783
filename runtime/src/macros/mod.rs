//! Waiting on several futures inside one task: [`join!`](crate::join),
//! [`try_join!`](crate::try_join) and [`select!`](crate::select); and [`pin!`](crate::pin).
//!
//! The macros are `macro_rules!`, exported at the crate root (`weft::join!`, ...). What their
//! expansions name lives in [`support`], a hidden module: a user's crate reaches it as
//! `$crate::macros::support`, so it must be public, but it is not API.
//!
//! Invariants shared by the three macros:
//! - The futures are pinned on the stack of the calling `async` block with `pin!` and never
//!   move; the expansions contain no `unsafe` (a user crate with `#![forbid(unsafe_code)]` can
//!   use them), the pin projections live in `support`.
//! - Each macro recurses once per branch while it normalises its input, so any reasonable number
//!   of branches stays under the default recursion limit.
//! - Every branch's future is dropped exactly once: when the macro's block ends, whether it
//!   completed, lost, or was left behind by an early error.

mod join;
mod pin;
mod select;
#[doc(hidden)]
pub mod support;
mod try_join;

#[cfg(all(test, not(loom)))]
mod tests;
