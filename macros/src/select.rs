//! Helpers for `weft::join!`, `weft::try_join!` and `weft::select!`, which are `macro_rules!`
//! macros in the `weft` crate.
//!
//! A declarative macro cannot turn "the branches before this one" into a number, a nested
//! expression or a type, nor rewrite a pattern. The macros normalise their branches into one
//! `_` per preceding branch and hand those lists to the small macros here. None of them
//! declares an item: everything they produce is an expression, a pattern or a type that names
//! `weft`'s support module through the path it is given, so a macro brings no name into the
//! caller's scope (a caller's `const COUNT` or `mod Out` is never shadowed).
//!
//! - [`count`]: `_ _ _` becomes the literal `3`;
//! - [`mask`]: `_ _ _` becomes `::core::primitive::u8`, the unsigned type with a bit per branch;
//! - [`cons`]: `path; a, b, c,` becomes `path::Cons::new(a, path::Cons::new(b, path::Cons::new(c, ())))`,
//!   the branches' futures in one value that is pinned once;
//! - [`nth`]: `path; list; _ _` becomes `path::Cons::head(path::Cons::tail(path::Cons::tail(list)))`,
//!   the pinned future of the third branch;
//! - [`variant`]: `path; (_ _) (x)` becomes `path::Winner::Later(path::Winner::Later(path::Winner::Here(x)))`
//!   (an expression or a pattern: which branch of a `select!` won), and `path; (_ _)` becomes
//!   `path::Winner::Later(path::Winner::Later(path::AllDisabled))`;
//! - [`clean_pattern`]: removes `ref` and `mut` from a pattern, so that it can be matched against
//!   a reference to the output (to test it without moving the output).
//!
//! Errors are reported as `compile_error!` at the offending tokens, never as a proc-macro panic.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, ToTokens};
use syn::parse::Parser;

/// Branches that a `u64` mask can track.
const MAX_BRANCHES: usize = 64;

/// Counts the `_` tokens of `input`.
fn underscores(input: TokenStream) -> Result<usize, syn::Error> {
    let mut n = 0;
    for token in input {
        // `_` is an identifier token to rustc; test its text, whatever its kind.
        if token.to_string() != "_" {
            return Err(syn::Error::new(
                token.span(),
                "internal select! helper: expected only `_` tokens",
            ));
        }
        n += 1;
    }
    Ok(n)
}

/// The tokens of the first parenthesised group of `input`, and what follows it.
fn group(input: TokenStream) -> Result<(TokenStream, Vec<TokenTree>), syn::Error> {
    let mut tokens = input.into_iter();
    match tokens.next() {
        Some(TokenTree::Group(group)) => Ok((group.stream(), tokens.collect())),
        other => Err(syn::Error::new(
            other.map_or_else(Span::call_site, |t| t.span()),
            "internal select! helper: expected a parenthesised list of `_`",
        )),
    }
}

/// `_ _ _` → `3`.
pub(crate) fn count(input: TokenStream) -> TokenStream {
    match underscores(input) {
        Ok(n) => proc_macro2::Literal::usize_unsuffixed(n).into_token_stream(),
        Err(error) => error.to_compile_error(),
    }
}

/// `_ _ _` → the unsigned integer type with at least one bit per branch.
pub(crate) fn mask(input: TokenStream) -> TokenStream {
    let branches = match underscores(input) {
        Ok(n) => n,
        Err(error) => return error.to_compile_error(),
    };
    if branches > MAX_BRANCHES {
        return syn::Error::new(
            Span::call_site(),
            format!("select! supports at most {MAX_BRANCHES} branches, found {branches}"),
        )
        .to_compile_error();
    }
    let mask = format_ident!(
        "{}",
        match branches {
            0..=8 => "u8",
            9..=16 => "u16",
            17..=32 => "u32",
            _ => "u64",
        }
    );
    quote!(::core::primitive::#mask)
}

/// Splits `input` at its top-level `;` tokens. (A `$x:expr` fragment reaches a proc macro as
/// one invisible group, so a `;` inside it is not top-level.)
fn split_semicolons(input: TokenStream) -> Vec<TokenStream> {
    let mut parts = vec![TokenStream::new()];
    for token in input {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ';' => parts.push(TokenStream::new()),
            _ => parts.last_mut().expect("never empty").extend([token]),
        }
    }
    parts
}

/// Splits `input` at its top-level `,` tokens, dropping a trailing empty part.
fn split_commas(input: TokenStream) -> Vec<TokenStream> {
    let mut parts = vec![TokenStream::new()];
    for token in input {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(TokenStream::new()),
            _ => parts.last_mut().expect("never empty").extend([token]),
        }
    }
    if parts.last().is_some_and(TokenStream::is_empty) {
        parts.pop();
    }
    parts
}

/// Exactly `n` `;`-separated parts of `input`, or an error naming the helper's syntax.
fn parts(input: TokenStream, n: usize, syntax: &str) -> Result<Vec<TokenStream>, syn::Error> {
    let parts = split_semicolons(input);
    if parts.len() == n {
        Ok(parts)
    } else {
        Err(syn::Error::new(
            Span::call_site(),
            format!("internal select! helper: expected `{syntax}`"),
        ))
    }
}

/// `path; a, b, c,` → `path::Cons::new(a, path::Cons::new(b, path::Cons::new(c, ())))`.
pub(crate) fn cons(input: TokenStream) -> TokenStream {
    let (path, items) = match parts(input, 2, "path; a, b, ...") {
        Ok(mut parts) => {
            let items = parts.pop().expect("two parts");
            (parts.pop().expect("two parts"), items)
        }
        Err(error) => return error.to_compile_error(),
    };
    split_commas(items).into_iter().rev().fold(
        quote!(()),
        |tail, head| quote!(#path::Cons::new(#head, #tail)),
    )
}

/// `path; list; _ _` → `path::Cons::head(path::Cons::tail(path::Cons::tail(list)))`.
pub(crate) fn nth(input: TokenStream) -> TokenStream {
    let (path, list, index) = match parts(input, 3, "path; list; _ ...") {
        Ok(mut parts) => {
            let skips = parts.pop().expect("three parts");
            let list = parts.pop().expect("three parts");
            match underscores(skips) {
                Ok(index) => (parts.pop().expect("three parts"), list, index),
                Err(error) => return error.to_compile_error(),
            }
        }
        Err(error) => return error.to_compile_error(),
    };
    let tails = (0..index).fold(list, |list, _| quote!(#path::Cons::tail(#list)));
    quote!(#path::Cons::head(#tails))
}

/// `path; (_ _) (x)` → `path::Winner::Later(path::Winner::Later(path::Winner::Here(x)))`;
/// `path; (_ _)` → `path::Winner::Later(path::Winner::Later(path::AllDisabled))`.
pub(crate) fn variant(input: TokenStream) -> TokenStream {
    let (path, rest) = match parts(input, 2, "path; (_ ...) (x)?") {
        Ok(mut parts) => {
            let rest = parts.pop().expect("two parts");
            (parts.pop().expect("two parts"), rest)
        }
        Err(error) => return error.to_compile_error(),
    };
    let (index, binding) =
        match group(rest).and_then(|(inner, after)| Ok((underscores(inner)?, after))) {
            Ok(parts) => parts,
            Err(error) => return error.to_compile_error(),
        };
    let innermost = match binding.into_iter().next() {
        None => quote!(#path::AllDisabled),
        Some(TokenTree::Group(value)) => {
            let value = value.stream();
            quote!(#path::Winner::Here(#value))
        }
        Some(other) => {
            return syn::Error::new(other.span(), "internal select! helper: expected `(x)`")
                .to_compile_error()
        }
    };
    (0..index).fold(innermost, |inner, _| quote!(#path::Winner::Later(#inner)))
}

/// Removes `ref` and `mut` bindings from a pattern. Input that does not parse as a pattern is
/// returned unchanged: `select!` uses it where a pattern is required, so rustc reports the
/// error there, at the user's tokens.
pub(crate) fn clean_pattern(input: TokenStream) -> TokenStream {
    match syn::Pat::parse_single.parse2(input.clone()) {
        Ok(mut pattern) => {
            clean(&mut pattern);
            pattern.into_token_stream()
        }
        Err(_) => input,
    }
}

fn clean(pattern: &mut syn::Pat) {
    match pattern {
        syn::Pat::Ident(ident) => {
            ident.by_ref = None;
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                clean(sub);
            }
        }
        syn::Pat::Or(or) => or.cases.iter_mut().for_each(clean),
        syn::Pat::Slice(slice) => slice.elems.iter_mut().for_each(clean),
        syn::Pat::Tuple(tuple) => tuple.elems.iter_mut().for_each(clean),
        syn::Pat::TupleStruct(tuple) => tuple.elems.iter_mut().for_each(clean),
        syn::Pat::Struct(strukt) => strukt.fields.iter_mut().for_each(|f| clean(&mut f.pat)),
        syn::Pat::Reference(reference) => {
            reference.mutability = None;
            clean(&mut reference.pat);
        }
        syn::Pat::Paren(paren) => clean(&mut paren.pat),
        syn::Pat::Type(typed) => clean(&mut typed.pat),
        // Literals, paths, ranges, rest, wildcards, macros: nothing binds.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(f: fn(TokenStream) -> TokenStream, input: &str) -> String {
        f(input.parse().unwrap()).to_string()
    }

    #[test]
    fn counts_underscores() {
        assert_eq!(expand(count, ""), "0");
        assert_eq!(expand(count, "_ _ _"), "3");
        assert!(expand(count, "_ x").contains("compile_error"));
    }

    #[test]
    fn picks_a_mask_type_with_a_bit_per_branch() {
        assert_eq!(expand(mask, "_ _"), ":: core :: primitive :: u8");
        assert!(expand(mask, &"_ ".repeat(9)).ends_with("u16"));
        assert!(expand(mask, &"_ ".repeat(64)).ends_with("u64"));
        assert!(expand(mask, &"_ ".repeat(65)).contains("at most 64 branches"));
    }

    #[test]
    fn nests_the_branches_and_reaches_each_by_position() {
        assert_eq!(
            expand(cons, "s; a, b(1, 2),"),
            "s :: Cons :: new (a , s :: Cons :: new (b (1 , 2) , ()))"
        );
        assert_eq!(expand(cons, "s; a"), "s :: Cons :: new (a , ())");
        assert_eq!(expand(nth, "s; x; "), "s :: Cons :: head (x)");
        assert_eq!(
            expand(nth, "s; x.y(); _ _"),
            "s :: Cons :: head (s :: Cons :: tail (s :: Cons :: tail (x . y ())))"
        );
        assert!(expand(nth, "s; x").contains("compile_error"));
    }

    #[test]
    fn names_the_winner_by_position() {
        assert_eq!(expand(variant, "s; () (x)"), "s :: Winner :: Here (x)");
        assert_eq!(
            expand(variant, "s; (_) (Some(v))"),
            "s :: Winner :: Later (s :: Winner :: Here (Some (v)))"
        );
        assert_eq!(
            expand(variant, "s; (_ _)"),
            "s :: Winner :: Later (s :: Winner :: Later (s :: AllDisabled))"
        );
    }

    #[test]
    fn strips_ref_and_mut_from_bindings() {
        assert_eq!(expand(clean_pattern, "mut x"), "x");
        assert_eq!(
            expand(clean_pattern, "Some((ref a, ref mut b))"),
            "Some ((a , b))"
        );
        assert_eq!(
            expand(clean_pattern, "S { f: mut g, .. }"),
            "S { f : g , .. }"
        );
        assert_eq!(expand(clean_pattern, "Ok(1) | Err(_)"), "Ok (1) | Err (_)");
        // Not a pattern: left for rustc to reject where `select!` uses it.
        assert_eq!(expand(clean_pattern, "1 +"), "1 +");
    }
}
