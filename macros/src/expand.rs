//! Code generation: an `async fn` becomes a sync fn that builds a runtime and `block_on`s
//! the body.
//!
//! The body is wrapped, unchanged and with its spans, in `async move { ... }`, as tokio does:
//! `?` and `return` inside it return from that async block, whose output is what `block_on`
//! returns, which the generated fn returns in turn.
//!
//! If anything is wrong (bad options, a missing `async`), the output is still the function,
//! expanded with the default options, next to a spanned `compile_error!`: the user then sees
//! our error rather than knock-on ones (no `main` function, `main` cannot be async), and IDEs
//! keep working on the body.

use crate::args::{self, Config, Entry, Flavor};
use crate::crate_path;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Attribute, ItemFn, ReturnType};

/// Expands `entry`'s attribute, with options `args`, on the item `item`.
pub(crate) fn expand(entry: Entry, args: TokenStream, item: TokenStream) -> TokenStream {
    let input: ItemFn = match syn::parse2(item.clone()) {
        Ok(input) => input,
        // Not a function (or not parseable): give the item back untouched with the error.
        Err(e) => return with_error(item, e),
    };
    let (krate, args) = match crate_path::split(args) {
        Ok((path, args)) => (path.unwrap_or_else(crate_path::default), args),
        Err(e) => {
            return with_error(
                generate(
                    entry,
                    input,
                    &Config::default_for(entry),
                    &crate_path::default(),
                ),
                e,
            )
        }
    };
    let config = check_signature(entry, &input).and_then(|()| args::parse(entry, args));
    match config {
        Ok(config) => generate(entry, input, &config, &krate),
        Err(e) => with_error(
            generate(entry, input, &Config::default_for(entry), &krate),
            e,
        ),
    }
}

/// The checks on the function itself, done before the options.
fn check_signature(entry: Entry, input: &ItemFn) -> syn::Result<()> {
    let sig = &input.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            sig.fn_token,
            format!(
                "the `async` keyword is missing from the function declaration; \
                 {} runs an `async fn`: write `async fn {}`",
                entry.attr(),
                sig.ident
            ),
        ));
    }
    match entry {
        Entry::Main if sig.ident == "main" && !sig.inputs.is_empty() => Err(
            syn::Error::new_spanned(&sig.inputs, "the main function cannot accept arguments"),
        ),
        Entry::Test => match input.attrs.iter().find(|a| is_test_attr(a)) {
            Some(attr) => Err(syn::Error::new_spanned(
                attr,
                "this function already has a test attribute; #[weft::test] adds `#[test]` \
                 itself, so remove this one",
            )),
            None => Ok(()),
        },
        Entry::Main => Ok(()),
    }
}

/// Whether `attr` is `#[test]` or a path to the built-in one (`#[core::prelude::v1::test]`).
fn is_test_attr(attr: &Attribute) -> bool {
    let names: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    matches!(
        names.as_slice(),
        ["test"] | ["core" | "std", "prelude", _, "test"]
    )
}

/// The generated function; `krate` is the path of the runtime crate (`::weft`, or the
/// `crate` option's).
fn generate(entry: Entry, mut input: ItemFn, config: &Config, krate: &syn::Path) -> TokenStream {
    input.sig.asyncness = None;

    // Errors about the value the body produces (a type mismatch with the declared return type)
    // are reported on the generated `block_on`; give it the location of the body's last
    // statement so that they point at user code, as tokio does. The spans keep call-site
    // hygiene (`located_at`), so that the compiler and clippy still see generated code and do
    // not lint it as the user's (unneeded `return`, unused qualifications: tokio-rs/tokio#7866).
    let (last_start, last_end) = {
        let mut last = input
            .block
            .stmts
            .last()
            .map(ToTokens::into_token_stream)
            .unwrap_or_default()
            .into_iter();
        let here = |t: proc_macro2::TokenTree| Span::call_site().located_at(t.span());
        let start = last.next().map_or_else(Span::call_site, here);
        let end = last.last().map_or(start, here);
        (start, end)
    };

    // The crate path takes the same span as the rest of the builder path, so that errors
    // point where they did before the path became configurable.
    let krate: TokenStream = krate
        .to_token_stream()
        .into_iter()
        .map(|mut token| {
            token.set_span(last_start);
            token
        })
        .collect();
    let builder = match config.flavor {
        Flavor::MultiThread => quote_spanned! {last_start=>
            #krate::runtime::Builder::new_multi_thread()
        },
        Flavor::CurrentThread | Flavor::Local => quote_spanned! {last_start=>
            #krate::runtime::Builder::new_current_thread()
        },
    };
    let build = match config.flavor {
        Flavor::Local => quote! { .build_local(::core::default::Default::default()) },
        Flavor::MultiThread | Flavor::CurrentThread => quote! { .build() },
    };
    let workers = config
        .worker_threads
        .map(|n| quote! { .worker_threads(#n) });
    // `start_paused` exists with weft's `test-util` feature only, as tokio's does with tokio's.
    let start_paused = config
        .start_paused
        .map(|paused| quote! { .start_paused(#paused) });
    let name = config.name.as_ref().map(|name| quote! { .name(#name) });

    // A hygienic name, invisible to the body.
    let body_ident = syn::Ident::new("body", Span::mixed_site());
    let user_body = &input.block;
    let body = match entry {
        // The body is run once: let `block_on` be monomorphized on its own future.
        Entry::Main => quote! {
            let #body_ident = async move #user_body;
        },
        // Many tests in one crate: pin each body behind `dyn Future` so that `block_on` is
        // compiled once per output type rather than once per test.
        Entry::Test => {
            let output = match &input.sig.output {
                ReturnType::Default => quote! { () },
                ReturnType::Type(_, ty) => quote! { #ty },
            };
            quote! {
                let #body_ident = async move #user_body;
                let #body_ident = ::core::pin::pin!(#body_ident);
                let #body_ident: ::core::pin::Pin<
                    &mut dyn ::core::future::Future<Output = #output>,
                > = #body_ident;
            }
        }
    };
    // Always `return` the output of `block_on`, so that it is checked against the declared
    // return type whatever the body ends with (tokio-rs/tokio#4635).
    let run = quote_spanned! {last_end=>
        #[allow(
            clippy::expect_used,
            clippy::diverging_sub_expression,
            clippy::needless_return
        )]
        {
            return #builder
                #workers
                #start_paused
                #name
                .enable_all()
                #build
                .expect("failed to build the weft runtime")
                .block_on(#body_ident);
        }
    };

    let test_attr = match entry {
        Entry::Main => None,
        Entry::Test => Some(quote! { #[::core::prelude::v1::test] }),
    };
    let ItemFn {
        attrs, vis, sig, ..
    } = &input;
    // A user's own `#[test]` is an error reported by `check_signature`; leave it out here so
    // that it does not also draw a duplicate-attribute warning.
    let attrs = attrs
        .iter()
        .filter(|a| entry == Entry::Main || !is_test_attr(a));
    quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            #body
            #run
        }
    }
}

/// `tokens` followed by `error` as a `compile_error!`.
fn with_error(mut tokens: TokenStream, error: syn::Error) -> TokenStream {
    tokens.extend(error.into_compile_error());
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(entry: Entry, args: TokenStream, item: TokenStream) -> String {
        expand(entry, args, item).to_string()
    }

    #[test]
    fn main_builds_multi_thread_and_blocks_on_an_async_move_body() {
        let out = expand_str(
            Entry::Main,
            quote!(),
            quote!(
                async fn main() {
                    work().await
                }
            ),
        );
        assert!(!out.contains("async fn"), "{out}");
        assert!(out.contains("new_multi_thread"), "{out}");
        assert!(!out.contains("worker_threads"), "{out}");
        assert!(out.contains("async move { work () . await }"), "{out}");
        assert!(out.contains("block_on"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("test"), "{out}");
    }

    #[test]
    fn main_options() {
        let out = expand_str(
            Entry::Main,
            quote!(worker_threads = 3),
            quote!(
                async fn main() {}
            ),
        );
        assert!(out.contains(". worker_threads (3usize)"), "{out}");
        let out = expand_str(
            Entry::Main,
            quote!(flavor = "current_thread"),
            quote!(
                async fn main() {}
            ),
        );
        assert!(out.contains("new_current_thread"), "{out}");
        assert!(out.contains(". build ()"), "{out}");
        let out = expand_str(
            Entry::Main,
            quote!(flavor = "local"),
            quote!(
                async fn main() {}
            ),
        );
        assert!(out.contains("new_current_thread"), "{out}");
        assert!(out.contains(". build_local ("), "{out}");
        let out = expand_str(
            Entry::Test,
            quote!(start_paused = true, name = "rt"),
            quote!(
                async fn t() {}
            ),
        );
        assert!(out.contains(". start_paused (true)"), "{out}");
        assert!(out.contains(". name (\"rt\")"), "{out}");
    }

    #[test]
    fn test_keeps_attributes_and_return_type() {
        let out = expand_str(
            Entry::Test,
            quote!(),
            quote!(
                #[should_panic]
                async fn t() -> Result<(), E> {
                    Ok(())
                }
            ),
        );
        assert!(
            out.starts_with("# [:: core :: prelude :: v1 :: test]"),
            "{out}"
        );
        assert!(
            out.contains("# [should_panic] fn t () -> Result < () , E >"),
            "{out}"
        );
        assert!(out.contains("Output = Result < () , E >"), "{out}");
        assert!(out.contains("new_current_thread"), "{out}");
    }

    #[test]
    fn the_crate_option_names_the_runtime_crate() {
        let out = expand_str(
            Entry::Test,
            quote!(crate = "my_weft", flavor = "multi_thread"),
            quote!(
                async fn t() {}
            ),
        );
        assert!(
            out.contains("my_weft :: runtime :: Builder :: new_multi_thread"),
            "{out}"
        );
        assert!(!out.contains(":: weft ::"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
        let out = expand_str(
            Entry::Main,
            quote!(crate = 1),
            quote!(
                async fn main() {}
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("expects a string literal"), "{out}");
        assert!(out.contains(":: weft :: runtime :: Builder"), "{out}");
    }

    #[test]
    fn missing_async_is_an_error_next_to_the_function() {
        let out = expand_str(
            Entry::Main,
            quote!(),
            quote!(
                fn main() {}
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("the `async` keyword is missing"), "{out}");
        assert!(out.contains("fn main"), "{out}");
    }

    #[test]
    fn bad_options_still_emit_the_function() {
        let out = expand_str(
            Entry::Main,
            quote!(worker_threads = 0),
            quote!(
                async fn main() {}
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("block_on"), "{out}");
    }

    #[test]
    fn main_with_arguments() {
        let out = expand_str(
            Entry::Main,
            quote!(),
            quote!(
                async fn main(x: u32) {}
            ),
        );
        assert!(out.contains("cannot accept arguments"), "{out}");
        let out = expand_str(
            Entry::Main,
            quote!(),
            quote!(
                async fn run(x: u32) {}
            ),
        );
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn second_test_attribute() {
        let out = expand_str(
            Entry::Test,
            quote!(),
            quote!(
                #[test]
                async fn t() {}
            ),
        );
        assert!(out.contains("already has a test attribute"), "{out}");
    }

    #[test]
    fn not_a_function() {
        let out = expand_str(
            Entry::Main,
            quote!(),
            quote!(
                struct S;
            ),
        );
        assert!(out.starts_with("struct S ;"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }
}
