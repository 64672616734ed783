//! `pin!`: pin futures to the stack, tokio's form (one or more bindings).

/// Pins values to the stack, shadowing each binding with a `Pin<&mut T>` to it.
///
/// Two forms, as in tokio: a list of existing variables, or `let` bindings that are
/// initialised and pinned in one go. `std::pin::pin!` does the same for one expression; this
/// macro keeps tokio programs compiling unchanged.
///
/// ```
/// use std::future::Future;
///
/// async fn work() -> u32 {
///     7
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let first = work();
///     weft::pin!(first);
///     assert_eq!((&mut first).await, 7);
///
///     weft::pin! {
///         let a = work();
///         let b = async { 1 };
///     }
///     assert_eq!(a.as_mut().await + b.as_mut().await, 8);
///
///     // A pinned future can be polled again by reference, in a loop or a `select!`.
///     let sleep = weft::time::sleep(std::time::Duration::from_millis(1));
///     weft::pin!(sleep);
///     sleep.as_mut().await;
///     let _: std::pin::Pin<&mut weft::time::Sleep> = sleep;
/// }
/// ```
#[macro_export]
macro_rules! pin {
    ($($name:ident),* $(,)?) => { $(
        // `std::pin::pin!` moves the value into a temporary that the `let` keeps alive for
        // the rest of the block, and the shadowing binding is the only way to reach it: the
        // value cannot move again. No `unsafe` in the expansion.
        #[allow(unused_mut)]
        let mut $name = ::core::pin::pin!($name);
    )* };
    ($(let $name:ident = $init:expr;)*) => { $(
        let $name = $init;
        $crate::pin!($name);
    )* };
}
