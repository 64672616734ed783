//! The `crate = "path"` option (tokio's): the path under which the generated code names the
//! runtime crate, for a program that renamed its `weft` dependency or re-exports it.
//!
//! It is taken out of the options before the others are parsed (`args.rs`), so that it
//! composes with every other option: `#[my_weft::test(crate = "my_weft", flavor = ...)]`.
//!
//! Without it, [`default`] reads the calling crate's `Cargo.toml` for the name it gave its weft
//! dependency, so that a tokio program ports by renaming the dependency alone
//! (`tokio = { package = "weft", ... }`) and its `#[tokio::main]` still finds the runtime.

use proc_macro2::{TokenStream, TokenTree};
use syn::{LitStr, Path};

/// Splits `args` into the `crate` option's path (if given) and the other options.
pub(crate) fn split(args: TokenStream) -> syn::Result<(Option<Path>, TokenStream)> {
    let mut path = None;
    let mut rest: Vec<TokenStream> = Vec::new();
    for option in options(args) {
        let mut tokens = option.clone().into_iter();
        let is_crate = matches!(
            (tokens.next(), tokens.next()),
            (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(eq)))
                if name == "crate" && eq.as_char() == '='
        );
        if !is_crate {
            rest.push(option);
            continue;
        }
        if path.is_some() {
            return Err(syn::Error::new_spanned(
                option,
                "the `crate` option is set twice",
            ));
        }
        let value: TokenStream = tokens.collect();
        path = Some(parse_path(value)?);
    }
    let mut joined = TokenStream::new();
    for (i, option) in rest.into_iter().enumerate() {
        if i > 0 {
            joined.extend(quote::quote!(,));
        }
        joined.extend(option);
    }
    Ok((path, joined))
}

/// The path a `crate = "..."` value names.
fn parse_path(value: TokenStream) -> syn::Result<Path> {
    let expected = |tokens: &TokenStream| {
        syn::Error::new_spanned(
            tokens,
            "the `crate` option expects a string literal naming the path of the weft crate, \
             e.g. `crate = \"my_weft\"` or `crate = \"::my_app::weft\"`",
        )
    };
    let lit: LitStr = syn::parse2(value.clone()).map_err(|_| expected(&value))?;
    lit.parse::<Path>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!("`{}` is not a path; the `crate` option names the weft crate, e.g. `crate = \"my_weft\"`", lit.value()),
        )
    })
}

/// The path of the weft crate when no `crate` option names it: the name under which the calling
/// crate's `Cargo.toml` depends on the package `weft` (its `[dependencies]`,
/// `[dev-dependencies]`, target-specific tables and workspace inheritance, through
/// `proc-macro-crate`), else `::weft`. Falling back is never wrong where it was right before:
/// `::weft` is what the attributes always expanded to. (weft itself, for its doc examples and
/// tests, is found as "this crate", also `::weft` there.)
pub(crate) fn default() -> Path {
    match proc_macro_crate::crate_name("weft") {
        Ok(proc_macro_crate::FoundCrate::Name(name)) => renamed(&name),
        Ok(proc_macro_crate::FoundCrate::Itself) | Err(_) => syn::parse_quote!(::weft),
    }
}

/// `::name`, for the name of a dependency (a Rust identifier: Cargo turns `-` into `_`).
fn renamed(name: &str) -> Path {
    let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
    syn::parse_quote!(::#ident)
}

/// The options of `args`, split at its top-level commas (a trailing comma leaves no empty one).
fn options(args: TokenStream) -> Vec<TokenStream> {
    let mut options = Vec::new();
    let mut current = Vec::new();
    for token in args {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                options.push(current.drain(..).collect());
            }
            _ => current.push(token),
        }
    }
    if !current.is_empty() {
        options.push(current.into_iter().collect());
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn path_of(args: TokenStream) -> (Option<String>, String) {
        let (path, rest) = split(args).expect("valid options");
        (path.map(|p| quote!(#p).to_string()), rest.to_string())
    }

    #[test]
    fn no_crate_option_leaves_the_options_alone() {
        assert_eq!(path_of(quote!()), (None, String::new()));
        assert_eq!(
            path_of(quote!(flavor = "multi_thread", worker_threads = 2,)),
            (
                None,
                quote!(flavor = "multi_thread", worker_threads = 2).to_string()
            )
        );
    }

    #[test]
    fn the_crate_option_is_taken_out_wherever_it_stands() {
        assert_eq!(
            path_of(quote!(crate = "tokio1")),
            (Some("tokio1".into()), String::new())
        );
        assert_eq!(
            path_of(quote!(
                flavor = "current_thread",
                crate = "::a::b",
                worker_threads = 1
            )),
            (
                Some(":: a :: b".into()),
                quote!(flavor = "current_thread", worker_threads = 1).to_string()
            )
        );
        assert_eq!(
            path_of(quote!(crate = "test::tokio")),
            (Some("test :: tokio".into()), String::new())
        );
    }

    #[test]
    fn a_renamed_dependency_is_named_from_the_root() {
        for (name, expected) in [("tokio", ":: tokio"), ("my_weft", ":: my_weft")] {
            let path = renamed(name);
            assert_eq!(quote!(#path).to_string(), expected);
        }
    }

    #[test]
    fn the_default_in_weft_s_own_workspace_is_weft() {
        // This test runs with `CARGO_MANIFEST_DIR` = `macros/`, whose manifest names `weft`
        // (a dev-dependency) as `weft`.
        let path = default();
        assert_eq!(quote!(#path).to_string(), ":: weft");
    }

    #[test]
    fn a_bad_crate_option_is_an_error() {
        let error = |args| match split(args) {
            Ok(_) => panic!("accepted invalid options"),
            Err(error) => error.to_string(),
        };
        assert!(error(quote!(crate = my_weft)).contains("expects a string literal"));
        assert!(error(quote!(crate = "not a path")).contains("is not a path"));
        assert_eq!(
            error(quote!(crate = "a", crate = "b")),
            "the `crate` option is set twice"
        );
    }
}
