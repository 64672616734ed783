//! Helpers for `weft::select!`, which is a `macro_rules!` macro in the `weft` crate.
//!
//! A declarative macro cannot turn "the branches before this one" into a number, an enum
//! variant or a generic parameter, nor rewrite a pattern. `select!` normalises its branches into
//! one `_` per preceding branch and hands those lists to the four small macros here:
//!
//! - [`count`]: `_ _ _` becomes the literal `3`;
//! - [`output_enum`]: `(_ _ _)` becomes `enum Out<_0, _1, _2> { _0(_0), _1(_1), _2(_2), Disabled }`
//!   and the bit-mask type wide enough for three branches;
//! - [`variant`]: `Out, (_ _)` becomes `Out::_2`, and `Out, (_ _) (pat)` becomes `Out::_2(pat)`;
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

/// `(_ _ _)` → the output enum with one variant per branch, plus `Disabled`, and `Mask`.
pub(crate) fn output_enum(input: TokenStream) -> TokenStream {
    let branches = match group(input).and_then(|(inner, _)| underscores(inner)) {
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
    let variants: Vec<_> = (0..branches).map(|i| format_ident!("_{}", i)).collect();
    let mask = format_ident!(
        "{}",
        match branches {
            0..=8 => "u8",
            9..=16 => "u16",
            17..=32 => "u32",
            _ => "u64",
        }
    );
    quote! {
        pub(super) enum Out<#( #variants ),*> {
            #( #variants(#variants), )*
            Disabled,
        }

        pub(super) type Mask = #mask;
    }
}

/// `Out, (_ _)` → `Out::_2`; `Out, (_ _) (pat)` → `Out::_2(pat)`.
pub(crate) fn variant(input: TokenStream) -> TokenStream {
    let mut tokens: Vec<TokenTree> = input.into_iter().collect();
    let Some(comma) = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
    else {
        return syn::Error::new(
            Span::call_site(),
            "internal select! helper: expected `Enum, (_ ...)`",
        )
        .to_compile_error();
    };
    let rest: TokenStream = tokens.split_off(comma + 1).into_iter().collect();
    tokens.pop();
    let path: TokenStream = tokens.into_iter().collect();
    let (index, binding) =
        match group(rest).and_then(|(inner, after)| Ok((underscores(inner)?, after))) {
            Ok(parts) => parts,
            Err(error) => return error.to_compile_error(),
        };
    let variant = format_ident!("_{}", index);
    match binding.into_iter().next() {
        None => quote!(#path::#variant),
        Some(TokenTree::Group(pattern)) => {
            let pattern = pattern.stream();
            quote!(#path::#variant(#pattern))
        }
        Some(other) => syn::Error::new(
            other.span(),
            "internal select! helper: expected `(pattern)`",
        )
        .to_compile_error(),
    }
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
    fn declares_one_variant_per_branch_and_a_wide_enough_mask() {
        let out = expand(output_enum, "(_ _)");
        assert!(out.contains("enum Out < _0 , _1 >"), "{out}");
        assert!(out.contains("_1 (_1)"), "{out}");
        assert!(out.contains("Disabled"), "{out}");
        assert!(out.contains("type Mask = u8"), "{out}");
        let nine = format!("({})", "_ ".repeat(9));
        assert!(expand(output_enum, &nine).contains("u16"));
        let too_many = format!("({})", "_ ".repeat(65));
        assert!(expand(output_enum, &too_many).contains("at most 64 branches"));
    }

    #[test]
    fn names_variants_by_position() {
        assert_eq!(expand(variant, "Out, ()"), "Out :: _0");
        assert_eq!(expand(variant, "m::Out, (_ _)"), "m :: Out :: _2");
        assert_eq!(
            expand(variant, "Out, (_) (Some(x))"),
            "Out :: _1 (Some (x))"
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
