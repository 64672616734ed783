//! The futures of `join!`, `try_join!` and `select!` are no bigger than tokio's: the branches
//! live in the macro's future itself, without a pointer per branch.

use std::mem::size_of_val;

/// Asserts that weft's future is no bigger than tokio's. (With tokio 1.54 and rustc 1.9x:
/// `join!` of two `u32` blocks 24 bytes against 40, `try_join!` 24 against 48, `select!` of two
/// 4 against 24; before the branches moved into the macro's future, weft's were 64, 64, 40.)
#[track_caller]
fn no_bigger<A, B>(shape: &str, weft: &A, tokio: &B) {
    let (weft, tokio) = (size_of_val(weft), size_of_val(tokio));
    assert!(
        weft <= tokio,
        "{shape}: weft's future is {weft} bytes, tokio's {tokio}"
    );
}

#[test]
fn join_futures_are_no_bigger_than_tokios() {
    let weft = async { weft::join!(async { 1u32 }, async { 2u32 }) };
    let tokio = async { tokio::join!(async { 1u32 }, async { 2u32 }) };
    no_bigger("join! of 2", &weft, &tokio);
    let weft = async {
        weft::join!(async { 1u8 }, async { 2u64 }, async { 3u32 }, async {
            4u16
        })
    };
    let tokio = async {
        tokio::join!(async { 1u8 }, async { 2u64 }, async { 3u32 }, async {
            4u16
        })
    };
    no_bigger("join! of 4", &weft, &tokio);
    let weft = async { weft::join!(biased; async { 1u32 }, async { 2u32 }) };
    let tokio = async { tokio::join!(biased; async { 1u32 }, async { 2u32 }) };
    no_bigger("biased join!", &weft, &tokio);
}

#[test]
fn try_join_futures_are_no_bigger_than_tokios() {
    let weft = async { weft::try_join!(async { Ok::<_, ()>(1u32) }, async { Ok(2u32) }) };
    let tokio = async { tokio::try_join!(async { Ok::<_, ()>(1u32) }, async { Ok(2u32) }) };
    no_bigger("try_join! of 2", &weft, &tokio);
}

#[test]
fn select_futures_are_no_bigger_than_tokios() {
    let weft = async {
        weft::select! { a = async { 1u32 } => a }
    };
    let tokio = async {
        tokio::select! { a = async { 1u32 } => a }
    };
    no_bigger("select! of 1", &weft, &tokio);
    let weft = async {
        weft::select! { a = async { 1u32 } => a, b = async { 2u32 } => b }
    };
    let tokio = async {
        tokio::select! { a = async { 1u32 } => a, b = async { 2u32 } => b }
    };
    no_bigger("select! of 2", &weft, &tokio);
    let weft = async {
        weft::select! {
            a = async { 1u32 } => a,
            b = async { 2u32 } => b,
            c = async { 3u32 } => c,
            d = async { 4u32 } => d,
        }
    };
    let tokio = async {
        tokio::select! {
            a = async { 1u32 } => a,
            b = async { 2u32 } => b,
            c = async { 3u32 } => c,
            d = async { 4u32 } => d,
        }
    };
    no_bigger("select! of 4", &weft, &tokio);
}
