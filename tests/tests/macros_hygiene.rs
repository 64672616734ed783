//! Every name that `join!`, `try_join!` and `select!` bind stays out of the caller's way: the
//! branches, preconditions and handlers see the caller's items and locals, even those named as
//! what the expansions use (or used to declare: a `const COUNT` shadowed the caller's, tokio
//! #7637). Run without a runtime: the macros need none.

use futures_lite::future::block_on;

// Each test declares, in its own body, items named as what the expansions declared or name
// through their support module: a block-local item of an expansion would shadow those (it does
// not shadow module-level items, nor items that another macro declared).

#[test]
fn join_branches_see_the_callers_items() {
    const COUNT: u32 = 7;
    const BRANCHES: u32 = 3;
    #[allow(dead_code)]
    struct Out(u32);
    #[allow(dead_code)]
    struct Winner(u32);
    #[allow(non_snake_case)]
    mod __weft_select {
        pub const MARK: u32 = 11;
    }
    struct Mask(u32);
    struct Cons(u32);
    struct PollPinned(u32);
    let (tx, rx) = std::sync::mpsc::channel();
    let (sent, marks) = block_on(async {
        weft::join!(async { tx.send(COUNT).unwrap() }, async {
            BRANCHES + Mask(4).0 + Out(5).0 + Winner(6).0 + Cons(7).0 + __weft_select::MARK
        })
    });
    assert_eq!((sent, marks), ((), 3 + 4 + 5 + 6 + 7 + 11));
    assert_eq!(rx.recv().unwrap(), 7, "the caller's COUNT, not the macro's");
    let ok = block_on(async {
        weft::try_join!(async { Ok::<_, ()>(COUNT) }, async { Ok(PollPinned(8).0) })
    });
    assert_eq!(ok, Ok((7, 8)));
}

#[test]
fn join_branches_see_the_callers_locals() {
    let (count, futures, rotator, pending, to_poll, skip, fut, cx) = (1, 2, 3, 4, 5, 6, 7, 8);
    let (a, b) = block_on(async {
        weft::join!(async { count + futures + rotator + pending }, async {
            to_poll + skip + fut + cx
        })
    });
    assert_eq!((a, b), (1 + 2 + 3 + 4, 5 + 6 + 7 + 8));
    let (error, output) = (9, 10);
    let ok =
        block_on(async { weft::try_join!(async { Ok::<_, ()>(error) }, async { Ok(output) }) });
    assert_eq!(ok, Ok((9, 10)));
}

#[test]
fn select_branches_conditions_and_handlers_see_the_callers_names() {
    const COUNT: u32 = 7;
    const BRANCHES: u32 = 3;
    #[allow(dead_code)]
    struct Out(u32);
    #[allow(dead_code)]
    struct Winner(u32);
    #[allow(non_snake_case)]
    mod __weft_select {
        pub const MARK: u32 = 11;
    }
    struct AllDisabled(u32);
    let (disabled, output, branches, start, branch, mask, out, offset) = (1, 2, 3, 4, 5, 6, 7, 8);
    let (futures, cx, pending) = (9, 10, 11);
    let got = block_on(async {
        weft::select! {
            biased;
            _ = async {}, if COUNT == 2 => 0,
            x = async { disabled + output + branches + start }, if BRANCHES == 3 => {
                x + branch + mask + out + offset + futures + cx + pending
                    + AllDisabled(100).0 + __weft_select::MARK
            }
            else => 1,
        }
    });
    assert_eq!(got, 10 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 100 + 11);
    let fell_through = block_on(async {
        weft::select! {
            Some(x) = async { None::<u32> } => x,
            else => Winner(COUNT).0 + Out(BRANCHES).0,
        }
    });
    assert_eq!(fell_through, 7 + 3);
}

/// tokio's `mut` and `ref` bindings in patterns.
#[test]
fn select_patterns_bind_by_mut_and_by_ref() {
    block_on(async {
        let (tx, mut rx) = weft::sync::mpsc::channel::<Vec<u8>>(1);
        tx.send(vec![1]).await.unwrap();
        let got = weft::select! {
            Some(mut v) = rx.recv() => {
                v.push(2);
                v
            }
        };
        assert_eq!(got, [1, 2]);
        let got = weft::select! { mut n = async { 1 } => { n += 1; n } };
        assert_eq!(got, 2);
        let got = weft::select! {
            (mut a, ref b) = async { (1, String::from("b")) } => {
                a += 1;
                format!("{a}{b}")
            }
        };
        assert_eq!(got, "2b");
        let got = weft::select! {
            Some(ref mut s) = async { Some(String::from("a")) } => {
                s.push('c');
                s.clone()
            }
        };
        assert_eq!(got, "ac");
    });
}
