//! `select!`: the first branch to complete wins; the others are dropped.
//!
//! The macro normalises every branch to `( _ ... ) pattern = future, if condition => handler,`
//! (one `_` per earlier branch), then expands to: a bit mask of disabled branches, and a
//! `PollPinned` future that owns the branches' futures (a `Cons` list, pinned once) and polls
//! the enabled ones from a (random, or first with `biased;`) start. A branch whose output does
//! not match its pattern is disabled and polling goes on. The winner comes out as a nested
//! `Winner` value; the handler runs outside the future, after the futures are dropped, so it
//! may `.await`, `return`, `break` or use `?` as in the enclosing code. The expansion declares
//! no item: every name it binds is a hygienic local.

/// Waits on several futures at once, inside the current task, and runs the handler of the
/// **first** one to complete; the other futures are dropped (cancelled).
///
/// ```text
/// weft::select! {
///     <pattern> = <future> (, if <condition>)? => <handler>,
///     ...
///     (else => <expression>)?
/// }
/// ```
///
/// Semantics, as in tokio:
///
/// 1. Every `if <condition>` is evaluated first; a branch whose condition is `false` is
///    *disabled*: its future is still evaluated (the expression runs) but never polled.
/// 2. The futures of all branches are pinned inside the `select!` and polled in turn, starting
///    from a random branch (fairness), or from the first with `biased;`.
/// 3. When a future completes, its output is matched against the branch's pattern. On a match,
///    every future is dropped and the handler runs with the pattern's bindings; its value is
///    the value of `select!`. On a mismatch, the branch is disabled and polling goes on.
/// 4. If every branch is disabled, the `else` expression is the value of `select!`; without an
///    `else`, `select!` panics.
///
/// A future is anything that implements [`IntoFuture`](std::future::IntoFuture); to keep one
/// alive across several `select!`s (in a loop, say), pin it first and pass `&mut fut`.
///
/// The handlers run in the enclosing async code, so they may `.await`, `return`, `break` and use
/// `?`. Dropping a losing future cancels it: only use futures that are cancel safe when a loop
/// re-creates them (a [`JoinSet::join_next`](crate::task::JoinSet::join_next) is; a half-read
/// buffer might not be).
///
/// ```
/// use std::time::Duration;
/// use weft::time::sleep;
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let winner = weft::select! {
///         _ = sleep(Duration::from_secs(3600)) => "the hour",
///         n = async { 7 } => if n == 7 { "seven" } else { "other" },
///     };
///     assert_eq!(winner, "seven");
/// }
/// ```
///
/// A loop with a pinned future, a precondition, `biased;` and `else`:
///
/// ```
/// use std::time::Duration;
/// use weft::time::{sleep, Instant};
///
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let deadline = sleep(Duration::from_secs(10));
/// let mut deadline = std::pin::pin!(deadline);
/// let mut jobs = weft::task::JoinSet::new();
/// for ms in [1, 2, 3] {
///     jobs.spawn(async move { sleep(Duration::from_millis(ms)).await; ms });
/// }
/// let mut done = Vec::new();
/// loop {
///     weft::select! {
///         biased;
///         // `join_next` is cancel safe, and gives `None` once the set is empty:
///         // the pattern `Some(..)` then fails, which disables the branch.
///         Some(joined) = jobs.join_next() => done.push(joined.unwrap()),
///         // Only while there is work left: then every branch is disabled, and `else` runs.
///         _ = &mut deadline, if !jobs.is_empty() => panic!("too slow"),
///         else => break,
///     }
/// }
/// done.sort();
/// assert_eq!(done, [1, 2, 3]);
/// # });
/// ```
///
/// A pattern that does not match disables its branch:
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let got = weft::select! {
///     Some(x) = async { None::<u32> } => x,
///     y = async { 2u32 } => y,
/// };
/// assert_eq!(got, 2);
///
/// let fell_through = weft::select! {
///     Ok(x) = async { Err::<u32, ()>(()) } => x,
///     else => 0,
/// };
/// assert_eq!(fell_through, 0);
/// # });
/// ```
///
/// At most 64 branches. A `select!` with no branch is a compile error:
///
/// ```compile_fail
/// # async fn f() {
/// weft::select! {};
/// # }
/// ```
#[macro_export]
macro_rules! select {
    // All branches normalised: `( _ ... )` lists, then `; else-expression`. The futures live in
    // one `Cons` list inside the `PollPinned` future, the winner comes out as a nested
    // `Winner` (built and matched by `variant!`), and every name the expansion binds is a
    // local variable: no item, nothing that shadows the caller's names.
    (@ {
        biased = $biased:literal;
        ( $($count:tt)* )
        $( ( $($skip:tt)* ) $bind:pat = $fut:expr, if $cond:expr => $handler:expr, )+
        ; $else:expr
    }) => {{
        // The preconditions first, in order; a disabled branch's future is still evaluated.
        let mut disabled: $crate::macros::support::mask!( $($count)* ) = 0;
        $(
            if !$cond {
                disabled |= 1 << $crate::macros::support::count!( $($skip)* );
            }
        )+

        // The futures are dropped when this statement ends, before the handler runs. `mut`:
        // a pattern may bind by `ref mut`.
        #[allow(unused_mut)]
        let mut output = $crate::macros::support::PollPinned::new(
            $crate::macros::support::cons!($crate::macros::support;
                $( $crate::macros::support::IntoFuture::into_future($fut), )+
            ),
            move |mut futures, cx| {
                // As tokio's: with the task's coop budget spent, yield before any branch runs
                // (an always-ready branch would otherwise keep a loop around it going).
                if $crate::macros::support::poll_budget_available(cx).is_pending() {
                    return $crate::macros::support::Poll::Pending;
                }
                let branches: u32 = $crate::macros::support::count!( $($count)* );
                let start: u32 = if $biased {
                    0
                } else {
                    $crate::macros::support::thread_rng_n(branches)
                };
                let mut pending = false;
                for offset in 0..branches {
                    // With one branch this is `% 1`, which clippy flags in weft's own tests.
                    #[allow(clippy::modulo_one)]
                    let branch = (start + offset) % branches;
                    $(
                        if branch == $crate::macros::support::count!( $($skip)* ) {
                            // The type of `disabled`, by inference.
                            let mask = 1 << branch;
                            if disabled & mask != 0 {
                                continue;
                            }
                            let fut = $crate::macros::support::nth!(
                                $crate::macros::support; futures.as_mut(); $($skip)*
                            );
                            let out = match $crate::macros::support::Future::poll(fut, cx) {
                                $crate::macros::support::Poll::Ready(out) => out,
                                $crate::macros::support::Poll::Pending => {
                                    pending = true;
                                    continue;
                                }
                            };
                            // Completed: never poll it again, whether or not it matches.
                            disabled |= mask;
                            #[allow(unused_variables, unused_mut, unreachable_patterns)]
                            match &out {
                                $crate::macros::support::clean_pattern!($bind) => {}
                                _ => continue,
                            }
                            return $crate::macros::support::Poll::Ready(
                                $crate::macros::support::variant!(
                                    $crate::macros::support; ( $($skip)* ) (out)
                                ),
                            );
                        }
                    )+
                }
                if pending {
                    $crate::macros::support::Poll::Pending
                } else {
                    $crate::macros::support::Poll::Ready($crate::macros::support::variant!(
                        $crate::macros::support; ( $($count)* )
                    ))
                }
            },
        )
        .await;

        match output {
            $(
                $crate::macros::support::variant!(
                    $crate::macros::support; ( $($skip)* ) ($bind)
                ) => {
                    $handler
                }
            )+
            $crate::macros::support::variant!($crate::macros::support; ( $($count)* )) => $else,
            #[allow(unreachable_patterns)]
            _ => ::std::unreachable!("select!: an output matched no branch"),
        }
    }};

    // Normalise: the `else` branch (last), or its absence.
    (@ { biased = $biased:literal; $($t:tt)* }) => {
        $crate::select!(@ { biased = $biased; $($t)*; ::std::panic!(
            "all branches of select! are disabled and there is no `else` branch"
        ) })
    };
    (@ { biased = $biased:literal; $($t:tt)* } else => $else:expr $(,)?) => {
        $crate::select!(@ { biased = $biased; $($t)*; $else })
    };
    (@ { $($t:tt)* } else $($rest:tt)*) => {
        ::std::compile_error!("select!: `else => <expression>` must be the last branch")
    };

    // Normalise one branch: with or without `, if cond`; a block handler with or without a
    // comma after it; an expression handler followed by a comma or last.
    (@ { biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $p:pat = $f:expr, if $c:expr => $h:block, $($r:tt)*) => {
        $crate::select!(@ { biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $p = $f, if $c => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $p:pat = $f:expr => $h:block, $($r:tt)*) => {
        $crate::select!(@ { biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $p = $f, if true => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $p:pat = $f:expr, if $c:expr => $h:block $($r:tt)*) => {
        $crate::select!(@ { biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $p = $f, if $c => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $p:pat = $f:expr => $h:block $($r:tt)*) => {
        $crate::select!(@ { biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $p = $f, if true => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $p:pat = $f:expr, if $c:expr => $h:expr) => {
        $crate::select!(@ { biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $p = $f, if $c => $h, })
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $p:pat = $f:expr => $h:expr) => {
        $crate::select!(@ { biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $p = $f, if true => $h, })
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $p:pat = $f:expr, if $c:expr => $h:expr, $($r:tt)*) => {
        $crate::select!(@ { biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $p = $f, if $c => $h, } $($r)*)
    };
    (@ { biased = $biased:literal; ( $($s:tt)* ) $($t:tt)* }
        $p:pat = $f:expr => $h:expr, $($r:tt)*) => {
        $crate::select!(@ { biased = $biased; ( $($s)* _ ) $($t)* ( $($s)* ) $p = $f, if true => $h, } $($r)*)
    };
    // Anything else in branch position.
    (@ { $($t:tt)* } $($rest:tt)+) => {
        ::std::compile_error!(::std::concat!(
            "select!: expected a branch `<pattern> = <future> (, if <condition>)? => <handler>,` \
             or `else => <expression>` (last), found `",
            ::std::stringify!($($rest)+),
            "`"
        ))
    };

    // Entry points.
    ($(biased;)? else => $else:expr $(,)?) => {
        $else
    };
    ($(biased;)? else $($rest:tt)*) => {
        ::std::compile_error!("select!: `else => <expression>` must be the last branch")
    };
    (biased; $p:pat = $($t:tt)*) => {
        $crate::select!(@ { biased = true; () } $p = $($t)*)
    };
    ($p:pat = $($t:tt)*) => {
        $crate::select!(@ { biased = false; () } $p = $($t)*)
    };
    ($(biased;)?) => {
        ::std::compile_error!("select! needs at least one branch: `<pattern> = <future> => <handler>,`")
    };
    ($($rest:tt)+) => {
        ::std::compile_error!(::std::concat!(
            "select!: expected `biased;` or a branch `<pattern> = <future> => <handler>,`, found `",
            ::std::stringify!($($rest)+),
            "`"
        ))
    };
}
