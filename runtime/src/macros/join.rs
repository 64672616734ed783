//! `join!`: poll several futures concurrently inside the current task; a tuple of outputs.

/// Waits on several futures at once, inside the current task, and returns all their outputs as
/// a tuple (in the order written). `asyncio.gather` over coroutines, without creating tasks.
///
/// The futures run *concurrently* but not in *parallel*: they are polled by the task that
/// awaits `join!`, one after the other on each wake-up, never on two threads at once. To run
/// them in parallel, [`spawn`](crate::spawn) them (see [`JoinSet`](crate::task::JoinSet) and
/// [`TaskGroup`](crate::task::TaskGroup)).
///
/// Each branch is any expression whose value implements [`IntoFuture`](std::future::IntoFuture):
/// an `async` block, a call to an `async fn`, or `&mut fut` for a future that is `Unpin` or
/// already pinned (`std::pin::pin!`). A branch that has completed is not polled again.
///
/// Fairness: each time `join!` is polled it starts with the next branch (rotating), so that a
/// branch that always wakes itself cannot starve those after it. Write `biased;` first to poll
/// in the order written instead.
///
/// `join!` waits for *every* branch, even when one of them returns an error; use
/// [`try_join!`](crate::try_join) to stop at the first `Err`.
///
/// ```
/// use std::time::Duration;
/// use weft::time::sleep;
///
/// async fn fetch(id: u32, ms: u64) -> u32 {
///     sleep(Duration::from_millis(ms)).await;
///     id * 10
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let started = std::time::Instant::now();
///     let (a, b, c) = weft::join!(fetch(1, 30), fetch(2, 30), async { "ready" });
///     assert_eq!((a, b, c), (10, 20, "ready"));
///     // Both sleeps ran at the same time, on one thread.
///     assert!(started.elapsed() < Duration::from_millis(60 * 10));
/// }
/// ```
///
/// `biased;`, and borrowing a future that outlives the `join!`:
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let mut pinned = std::pin::pin!(async { 1 });
/// let (one, two) = weft::join!(biased; &mut pinned, async { 2 });
/// assert_eq!(one + two, 3);
/// # });
/// ```
///
/// With no branches, `join!()` is `()`.
#[macro_export]
macro_rules! join {
    // What `join!` and `try_join!` (the `mode`) do differently, in the one expansion below.
    (@ready join $fut:ident) => {};
    (@ready try_join $fut:ident) => {
        if let ::std::option::Option::Some(error) = $crate::macros::support::take_err($fut) {
            // The other futures are dropped with the macro's future.
            return $crate::macros::support::Poll::Ready(::std::result::Result::Err(error));
        }
    };
    (@take join $fut:expr) => {
        $fut.take_output()
            .expect("join!: a branch finished without an output")
    };
    (@take try_join $fut:expr) => {
        $crate::macros::support::take_ok($fut)
    };
    (@output join $outputs:expr) => {
        $outputs
    };
    (@output try_join $outputs:expr) => {
        ::std::result::Result::Ok($outputs)
    };

    // Normalised: one `( _ _ ... )` per branch, with one `_` for each branch before it: the
    // branch's position, for `nth!`. The branches live in one `Cons` list inside the
    // `PollPinned` future (no pointer per branch), and every name the expansion binds is a
    // local variable, hygienic: nothing shadows the caller's names.
    (@ {
        mode = $mode:ident;
        biased = $biased:literal;
        ( $($count:tt)* )
        $( ( $($skip:tt)* ) $e:expr, )*
    }) => {{
        let mut rotator = $crate::macros::support::Rotator::new();
        $crate::macros::support::PollPinned::new(
            $crate::macros::support::cons!($crate::macros::support;
                $( $crate::macros::support::maybe_done($e), )*
            ),
            move |mut futures, cx| {
                let count: u32 = $crate::macros::support::count!( $($count)* );
                let mut pending = false;
                let mut to_poll = count;
                // Skip the first `skip` branches on the first pass of the loop; the second pass
                // polls them, and `to_poll` stops it after `count` branches.
                let mut skip = if $biased { 0 } else { rotator.skip(count) };
                loop {
                    $(
                        if skip == 0 {
                            if to_poll == 0 {
                                break;
                            }
                            to_poll -= 1;
                            let mut fut = $crate::macros::support::nth!(
                                $crate::macros::support; futures.as_mut(); $($skip)*
                            );
                            if $crate::macros::support::Future::poll(fut.as_mut(), cx).is_pending() {
                                pending = true;
                            } else {
                                $crate::join!(@ready $mode fut);
                            }
                        } else {
                            skip -= 1;
                        }
                    )*
                }
                if pending {
                    return $crate::macros::support::Poll::Pending;
                }
                // An uninhabited output type makes this unreachable, which is fine.
                #[allow(unreachable_code)]
                $crate::macros::support::Poll::Ready($crate::join!(@output $mode ( $(
                    $crate::join!(@take $mode $crate::macros::support::nth!(
                        $crate::macros::support; futures.as_mut(); $($skip)*
                    )),
                )* )))
            },
        )
        .await
    }};

    // Normalise one branch.
    (@ { mode = $mode:ident; biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $e:expr, $($rest:tt)*) => {
        $crate::join!(@ {
            mode = $mode; biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $e,
        } $($rest)*)
    };

    // Entry points.
    (biased; $($e:expr),+ $(,)?) => {
        $crate::join!(@ { mode = join; biased = true; () } $($e,)+)
    };
    ($($e:expr),+ $(,)?) => {
        $crate::join!(@ { mode = join; biased = false; () } $($e,)+)
    };
    ($(biased;)?) => {
        async {}.await
    };
}
