//! `#[weft::main]` and `#[weft::test]`: run an `async fn` on a weft runtime.
//!
//! ```
//! #[weft::main]
//! async fn main() {
//!     let answer = weft::spawn(async { 6 * 7 }).await.unwrap();
//!     assert_eq!(answer, 42);
//! }
//! ```
//!
//! Use these through the `weft` crate, which re-exports them; this crate is an implementation
//! detail. The generated code names the runtime crate by the name the calling crate's
//! `Cargo.toml` gives the package `weft`: `::weft::runtime::Builder` as a rule, and
//! `::tokio::runtime::Builder` for a tokio program ported by renaming its dependency alone
//! (`tokio = { package = "weft", ... }`, its `#[tokio::main]` unchanged). Where weft is not a
//! direct dependency (a re-export through another crate), the `crate` option says where it is
//! (tokio's `crate = "..."`):
//!
//! ```
//! # extern crate weft as my_weft; // as a renamed dependency would be
//! #[my_weft::main(crate = "my_weft", flavor = "current_thread")]
//! async fn main() {
//!     assert_eq!(my_weft::spawn(async { 1 }).await.unwrap(), 1);
//! }
//! ```
//!
//! # What they expand to
//!
//! The `async fn` becomes a plain fn with the same name, attributes, visibility and return
//! type. Its body is moved, unchanged, into an `async move { ... }` block, which is
//! `block_on`ed on a freshly built runtime:
//!
//! ```ignore
//! fn main() {
//!     let body = async move { /* the original body */ };
//!     return ::weft::runtime::Builder::new_multi_thread()
//!         .enable_all()
//!         .build()
//!         .expect("failed to build the weft runtime")
//!         .block_on(body);
//! }
//! ```
//!
//! So `?` and `return` in the body behave as in tokio: they leave the async block, and its
//! output is what the function returns. As in tokio, the async block's output type is inferred
//! from the body, not taken from the declaration, so an `Err` that must be coerced
//! (`return Err(Box::new(e))` in a fn returning `Result<(), Box<dyn Error>>`) needs an explicit
//! `.into()` or `?` to convert it.
//!
//! # Options
//!
//! | option | values | default |
//! |---|---|---|
//! | `flavor` | `"multi_thread"`, `"current_thread"`, `"local"` (a `LocalRuntime`, where `spawn_local` works everywhere) | `"multi_thread"` for `main`, `"current_thread"` for `test` |
//! | `worker_threads` | an integer literal > 0; multi-thread flavor only | one worker per core |
//! | `start_paused` | `true` or `false`; current-thread flavor only; needs `weft`'s `test-util` feature | `false` |
//! | `name` | a non-empty string literal: `Builder::name`, read back by `Handle::name` | no name |
//! | `crate` | a string literal: the path of the weft crate, for a re-export (`crate = "my_app::weft"`) | the name `Cargo.toml` gives the package `weft`, else `"::weft"` |
//!
//! Misuse is a compile error at the offending tokens: a missing `async`, `worker_threads = 0`,
//! `worker_threads` with the current-thread flavor, an unknown option or flavor, an option
//! given twice, arguments on `main`, and a second `#[test]` under `#[weft::test]`.
//!
//! The crate also holds the hidden helpers of `weft::join!`, `weft::try_join!` and
//! `weft::select!` (see `select.rs`); use those macros through `weft`.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod args;
mod crate_path;
mod expand;
mod select;

use args::Entry;
use proc_macro::TokenStream;

/// Runs an `async fn main` on a weft runtime.
///
/// Builds the multi-thread runtime with one worker per core (or `worker_threads = N`, or the
/// current-thread runtime with `flavor = "current_thread"`), `block_on`s the body, and drops the
/// runtime (which cancels the tasks still alive) when the body returns.
///
/// ```
/// use std::error::Error;
///
/// #[weft::main(worker_threads = 2)]
/// async fn main() -> Result<(), Box<dyn Error>> {
///     let n: u32 = "42".parse()?;
///     let doubled = weft::spawn(async move { n * 2 }).await.unwrap();
///     assert_eq!(doubled, 84);
///     Ok(())
/// }
/// ```
///
/// ```
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let task = weft::spawn(async { "spawned" });
///     assert_eq!(task.await.unwrap(), "spawned");
/// }
/// ```
///
/// The function need not be named `main` (as in tokio): a `#[weft::main]` fn of any name is a
/// sync fn that runs its body on a new runtime each time it is called, and it may take
/// arguments, which the body captures by move. Only a function named `main` must take none.
///
/// ```
/// #[weft::main(flavor = "current_thread")]
/// async fn run(x: u32) -> u32 {
///     weft::spawn(async move { x + 1 }).await.unwrap()
/// }
///
/// fn main() {
///     assert_eq!(run(41), 42);
/// }
/// ```
///
/// Calling such a function from inside a running runtime panics, as any nested `block_on` does.
///
/// The `async` keyword is required:
///
/// ```compile_fail
/// #[weft::main]
/// fn main() {}
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Entry::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a weft runtime.
///
/// Expands to a `#[test]` fn that builds a runtime, current-thread unless
/// `flavor = "multi_thread"` is given (optionally with `worker_threads = N`), and `block_on`s
/// the body. Each test gets its own runtime. Other attributes, such as `#[should_panic]` or
/// `#[ignore]`, are kept; do not add `#[test]` yourself.
///
/// With `weft`'s `test-util` feature, `start_paused = true` starts the runtime's clock paused
/// (`Builder::start_paused`): sleeps then complete as soon as every task is idle, with the clock
/// jumping to each deadline in turn, so a test of a one-hour timeout runs in microseconds.
///
/// ```no_run
/// #[weft::test]
/// async fn spawns() {
///     assert_eq!(weft::spawn(async { 1 }).await.unwrap(), 1);
/// }
///
/// #[weft::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() -> Result<(), weft::task::JoinError> {
///     let answer = weft::spawn(async { 42 }).await?;
///     assert_eq!(answer, 42);
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Entry::Test, args.into(), item.into()).into()
}

/// `select!` helper: the number of `_` tokens, as a literal.
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_count(input: TokenStream) -> TokenStream {
    select::count(input.into()).into()
}

/// `select!` helper: the unsigned type with a bit per branch.
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_mask(input: TokenStream) -> TokenStream {
    select::mask(input.into()).into()
}

/// `join!`/`select!` helper: the branches' futures, nested in one value.
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_cons(input: TokenStream) -> TokenStream {
    select::cons(input.into()).into()
}

/// `join!`/`select!` helper: the pinned future of one branch.
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_nth(input: TokenStream) -> TokenStream {
    select::nth(input.into()).into()
}

/// `select!` helper: which branch won, as an expression or a pattern.
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_variant(input: TokenStream) -> TokenStream {
    select::variant(input.into()).into()
}

/// `select!` helper: a pattern without `ref`/`mut` bindings.
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_clean_pattern(input: TokenStream) -> TokenStream {
    select::clean_pattern(input.into()).into()
}
