//! `try_join!`: `join!` over `Result`s that stops at the first `Err`.

/// Waits on several futures that return `Result`s, inside the current task: `Ok` with the tuple
/// of values once every branch returned `Ok`, or the first `Err` as soon as a branch returns it.
///
/// When a branch fails, `try_join!` returns at once and the other branches are dropped
/// (cancelled: their destructors run, and they are never polled again). All branches must have
/// the same error type; convert with `map_err` where they differ.
///
/// As [`join!`](crate::join): the branches run concurrently inside the task that awaits the
/// macro (not in parallel), each branch is anything that implements
/// [`IntoFuture`](std::future::IntoFuture), including `&mut fut` of a pinned or `Unpin` future,
/// the starting branch rotates on each poll, and `biased;` polls in the order written.
///
/// ```
/// use std::time::Duration;
/// use weft::time::sleep;
///
/// async fn parse(text: &str) -> Result<u32, String> {
///     text.parse().map_err(|_| format!("not a number: {text}"))
/// }
///
/// async fn slow() -> Result<u32, String> {
///     sleep(Duration::from_secs(3600)).await;
///     Ok(0)
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     assert_eq!(weft::try_join!(parse("4"), parse("2")), Ok((4, 2)));
///
///     // The error comes back at once; the hour-long branch is dropped, not awaited.
///     let failed = weft::try_join!(slow(), parse("x"));
///     assert_eq!(failed, Err("not a number: x".to_string()));
/// }
/// ```
///
/// With no branches, `try_join!()` is `Ok(())`.
#[macro_export]
macro_rules! try_join {
    // The expansion is `join!`'s, in its `try_join` mode: see there.
    (biased; $($e:expr),+ $(,)?) => {
        $crate::join!(@ { mode = try_join; biased = true; () } $($e,)+)
    };
    ($($e:expr),+ $(,)?) => {
        $crate::join!(@ { mode = try_join; biased = false; () } $($e,)+)
    };
    ($(biased;)?) => {
        async { ::std::result::Result::Ok(()) }.await
    };
}
