//! Parsing the options of `#[weft::main(...)]` and `#[weft::test(...)]`.
//!
//! Everything here is a pure function of a token stream, so it is unit-tested without a
//! compiler in the loop.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, LitInt, LitStr};

/// The options both attributes accept, as written in error messages.
const VALID_OPTIONS: &str = "`flavor`, `worker_threads`, `start_paused`, `name` and `crate`";

/// Which attribute is being expanded; it decides the default flavor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// `#[weft::main]`: multi-thread by default.
    Main,
    /// `#[weft::test]`: current-thread by default.
    Test,
}

impl Entry {
    /// The attribute as a user writes it, for messages.
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Entry::Main => "#[weft::main]",
            Entry::Test => "#[weft::test]",
        }
    }

    fn default_flavor(self) -> Flavor {
        match self {
            Entry::Main => Flavor::MultiThread,
            Entry::Test => Flavor::CurrentThread,
        }
    }
}

/// The scheduler the generated code builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `Builder::new_multi_thread()`.
    MultiThread,
    /// `Builder::new_current_thread()`.
    CurrentThread,
    /// `Builder::new_current_thread().build_local(..)`: a `LocalRuntime`.
    Local,
}

impl Flavor {
    fn from_lit(lit: &LitStr) -> syn::Result<Flavor> {
        match lit.value().as_str() {
            "multi_thread" => Ok(Flavor::MultiThread),
            "current_thread" => Ok(Flavor::CurrentThread),
            "local" => Ok(Flavor::Local),
            other => Err(syn::Error::new(
                lit.span(),
                format!(
                    "unknown runtime flavor `{other}`; \
                     expected `\"multi_thread\"`, `\"current_thread\"` or `\"local\"`"
                ),
            )),
        }
    }
}

/// The validated options of one attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Config {
    /// The scheduler to build.
    pub(crate) flavor: Flavor,
    /// `Some(n)` (n > 0) when the user set `worker_threads`; `None` keeps the builder's
    /// default (one worker per core).
    pub(crate) worker_threads: Option<usize>,
    /// `Some(b)` when the user set `start_paused` (current-thread only; needs `weft`'s
    /// `test-util` feature, as tokio's needs tokio's).
    pub(crate) start_paused: Option<bool>,
    /// `Builder::name`.
    pub(crate) name: Option<String>,
}

impl Config {
    /// What an attribute with no options means.
    pub(crate) fn default_for(entry: Entry) -> Config {
        Config {
            flavor: entry.default_flavor(),
            worker_threads: None,
            start_paused: None,
            name: None,
        }
    }
}

/// The options as written, before the checks that relate them to one another.
#[derive(Default)]
struct Raw {
    flavor: Option<(Flavor, Span)>,
    worker_threads: Option<(usize, Span)>,
    start_paused: Option<(bool, Span)>,
    name: Option<(String, Span)>,
}

/// The options, and an example value of each for messages.
const OPTIONS: [(&str, &str); 4] = [
    ("flavor", "flavor = \"multi_thread\""),
    ("worker_threads", "worker_threads = 4"),
    ("start_paused", "start_paused = true"),
    ("name", "name = \"my-runtime\""),
];

/// Parses and validates the options of `entry`'s attribute (the tokens inside the parentheses).
pub(crate) fn parse(entry: Entry, args: TokenStream) -> syn::Result<Config> {
    let mut raw = Raw::default();
    syn::meta::parser(|meta| raw.option(meta)).parse2(args)?;
    raw.validate(entry)
}

impl Raw {
    /// Parses one `name = value` option.
    fn option(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let name = match meta.path.get_ident() {
            Some(ident) if OPTIONS.iter().any(|(option, _)| ident == option) => ident.to_string(),
            _ => {
                let path = &meta.path;
                let written = quote::quote!(#path).to_string().replace(' ', "");
                return Err(meta.error(format_args!(
                    "unknown option `{written}`; valid options are {VALID_OPTIONS}"
                )));
            }
        };
        let span = meta
            .path
            .get_ident()
            .map_or_else(Span::call_site, |i| i.span());
        if !meta.input.peek(syn::Token![=]) {
            let example = OPTIONS
                .iter()
                .find(|(option, _)| *option == name)
                .map_or("", |(_, example)| example);
            return Err(meta.error(format_args!(
                "the `{name}` option needs a value, e.g. `{example}`"
            )));
        }
        let value: Expr = meta.value()?.parse()?;
        let duplicate = || syn::Error::new(span, format!("the `{name}` option is set twice"));
        match name.as_str() {
            "flavor" => {
                if self.flavor.is_some() {
                    return Err(duplicate());
                }
                self.flavor = Some((Flavor::from_lit(&expect_str(&value, "flavor")?)?, span));
            }
            "worker_threads" => {
                if self.worker_threads.is_some() {
                    return Err(duplicate());
                }
                self.worker_threads = Some((worker_count(&value)?, span));
            }
            "start_paused" => {
                if self.start_paused.is_some() {
                    return Err(duplicate());
                }
                self.start_paused = Some((expect_bool(&value)?, span));
            }
            _ => {
                if self.name.is_some() {
                    return Err(duplicate());
                }
                let lit = expect_str(&value, "name")?;
                if lit.value().trim().is_empty() {
                    return Err(syn::Error::new(
                        lit.span(),
                        "the runtime name shouldn't be empty",
                    ));
                }
                self.name = Some((lit.value(), span));
            }
        }
        Ok(())
    }

    /// Relates the options to one another and to the attribute's defaults.
    fn validate(self, entry: Entry) -> syn::Result<Config> {
        let flavor = self.flavor.map(|(f, _)| f);
        if let Some((_, span)) = self.worker_threads {
            match flavor.unwrap_or(entry.default_flavor()) {
                Flavor::MultiThread => {}
                Flavor::CurrentThread if flavor.is_none() => {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "the `worker_threads` option requires the multi-thread runtime, \
                             and {} runs on the current thread by default; \
                             add `flavor = \"multi_thread\"`",
                            entry.attr()
                        ),
                    ));
                }
                Flavor::CurrentThread | Flavor::Local => {
                    let flavor = if flavor == Some(Flavor::Local) {
                        "local"
                    } else {
                        "current_thread"
                    };
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "the `worker_threads` option cannot be used with \
                             `flavor = \"{flavor}\"`, which runs everything on the calling \
                             thread; use `flavor = \"multi_thread\"` or remove `worker_threads`"
                        ),
                    ));
                }
            }
        }
        if let Some((_, span)) = self.start_paused {
            if flavor.unwrap_or(entry.default_flavor()) == Flavor::MultiThread {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "the `start_paused` option requires the current-thread runtime, where \
                         weft can tell that every task is idle; use \
                         `{}(flavor = \"current_thread\", start_paused = true)]`",
                        entry.attr().trim_end_matches(']')
                    ),
                ));
            }
        }
        Ok(Config {
            flavor: flavor.unwrap_or(entry.default_flavor()),
            worker_threads: self.worker_threads.map(|(n, _)| n),
            start_paused: self.start_paused.map(|(b, _)| b),
            name: self.name.map(|(n, _)| n),
        })
    }
}

/// The string literal `value` must be, for `flavor` or `name`.
fn expect_str(value: &Expr, option: &str) -> syn::Result<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit.clone()),
        other if option == "flavor" => Err(syn::Error::new_spanned(
            other,
            "the `flavor` option expects a string literal: \
             `\"multi_thread\"` or `\"current_thread\"`",
        )),
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "the `{option}` option expects a string literal, e.g. `{option} = \"my-runtime\"`"
            ),
        )),
    }
}

/// The boolean literal `value` must be, for `start_paused`.
fn expect_bool(value: &Expr) -> syn::Result<bool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(lit),
            ..
        }) => Ok(lit.value),
        other => Err(syn::Error::new_spanned(
            other,
            "the `start_paused` option expects `true` or `false`",
        )),
    }
}

/// The worker count `value` must be: an integer literal greater than 0.
fn worker_count(value: &Expr) -> syn::Result<usize> {
    let lit: &LitInt = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => lit,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "the `worker_threads` option expects an integer literal greater than 0, \
                 e.g. `worker_threads = 4`",
            ))
        }
    };
    match lit.base10_parse::<usize>()? {
        0 => Err(syn::Error::new(
            lit.span(),
            "`worker_threads` must be greater than 0: \
             a multi-thread runtime needs at least one worker thread",
        )),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn ok(entry: Entry, args: TokenStream) -> Config {
        parse(entry, args).expect("valid options")
    }

    fn err(entry: Entry, args: TokenStream) -> String {
        parse(entry, args).expect_err("invalid options").to_string()
    }

    #[test]
    fn defaults() {
        let main = ok(Entry::Main, quote!());
        assert_eq!(main.flavor, Flavor::MultiThread);
        assert_eq!(main.worker_threads, None);
        let test = ok(Entry::Test, quote!());
        assert_eq!(test.flavor, Flavor::CurrentThread);
        assert_eq!(test.worker_threads, None);
    }

    #[test]
    fn flavors() {
        let c = ok(Entry::Main, quote!(flavor = "current_thread"));
        assert_eq!(c.flavor, Flavor::CurrentThread);
        let c = ok(Entry::Test, quote!(flavor = "multi_thread"));
        assert_eq!(c.flavor, Flavor::MultiThread);
    }

    #[test]
    fn worker_threads_in_any_order_with_trailing_comma() {
        let expected = Config {
            flavor: Flavor::MultiThread,
            worker_threads: Some(2),
            start_paused: None,
            name: None,
        };
        let a = ok(
            Entry::Test,
            quote!(flavor = "multi_thread", worker_threads = 2),
        );
        let b = ok(
            Entry::Test,
            quote!(worker_threads = 2, flavor = "multi_thread",),
        );
        assert_eq!(a, expected);
        assert_eq!(b, expected);
        assert_eq!(ok(Entry::Main, quote!(worker_threads = 2)), expected);
        assert_eq!(
            ok(Entry::Main, quote!(worker_threads = 2usize)).worker_threads,
            Some(2)
        );
    }

    #[test]
    fn zero_workers() {
        let e = err(Entry::Main, quote!(worker_threads = 0));
        assert!(e.contains("must be greater than 0"), "{e}");
    }

    #[test]
    fn worker_threads_must_be_a_literal() {
        for args in [quote!(worker_threads = n), quote!(worker_threads = "4")] {
            let e = err(Entry::Main, args);
            assert!(e.contains("expects an integer literal"), "{e}");
        }
        let e = err(Entry::Main, quote!(worker_threads = -1));
        assert!(e.contains("expects an integer literal"), "{e}");
    }

    #[test]
    fn worker_threads_with_current_thread() {
        let e = err(
            Entry::Main,
            quote!(flavor = "current_thread", worker_threads = 2),
        );
        assert!(
            e.contains("cannot be used with `flavor = \"current_thread\"`"),
            "{e}"
        );
        let e = err(Entry::Test, quote!(worker_threads = 2));
        assert!(e.contains("add `flavor = \"multi_thread\"`"), "{e}");
        assert!(e.contains("#[weft::test]"), "{e}");
    }

    #[test]
    fn start_paused_and_name() {
        let c = ok(Entry::Test, quote!(start_paused = true, name = "rt"));
        assert_eq!(c.start_paused, Some(true));
        assert_eq!(c.name.as_deref(), Some("rt"));
        let c = ok(
            Entry::Main,
            quote!(flavor = "current_thread", start_paused = false),
        );
        assert_eq!(c.start_paused, Some(false));
        let e = err(Entry::Main, quote!(start_paused = true));
        assert!(e.contains("requires the current-thread runtime"), "{e}");
        assert!(
            e.contains("#[weft::main(flavor = \"current_thread\", start_paused = true)"),
            "{e}"
        );
        let e = err(
            Entry::Test,
            quote!(flavor = "multi_thread", start_paused = true),
        );
        assert!(e.contains("requires the current-thread runtime"), "{e}");
        let e = err(Entry::Test, quote!(start_paused = 1));
        assert!(e.contains("expects `true` or `false`"), "{e}");
        let e = err(Entry::Test, quote!(name = " "));
        assert!(e.contains("shouldn't be empty"), "{e}");
        let e = err(Entry::Test, quote!(name = rt));
        assert!(e.contains("expects a string literal"), "{e}");
        let e = err(
            Entry::Test,
            quote!(start_paused = true, start_paused = true),
        );
        assert_eq!(e, "the `start_paused` option is set twice");
    }

    #[test]
    fn unknown_option_is_named_and_valid_ones_listed() {
        let e = err(Entry::Main, quote!(crate_name = true));
        assert_eq!(
            e,
            "unknown option `crate_name`; valid options are `flavor`, `worker_threads`, \
             `start_paused`, `name` and `crate`"
        );
        let e = err(Entry::Test, quote!(a::b = 1));
        assert!(e.contains("unknown option `a::b`"), "{e}");
    }

    #[test]
    fn local_flavor() {
        let c = ok(Entry::Main, quote!(flavor = "local", start_paused = true));
        assert_eq!(c.flavor, Flavor::Local);
        let e = err(Entry::Test, quote!(flavor = "local", worker_threads = 2));
        assert!(e.contains("`flavor = \"local\"`"), "{e}");
    }

    #[test]
    fn unknown_flavor() {
        let e = err(Entry::Main, quote!(flavor = "multi-thread"));
        assert!(e.contains("unknown runtime flavor `multi-thread`"), "{e}");
        let e = err(Entry::Main, quote!(flavor = multi_thread));
        assert!(e.contains("expects a string literal"), "{e}");
    }

    #[test]
    fn missing_value() {
        let e = err(Entry::Main, quote!(flavor));
        assert!(e.contains("needs a value"), "{e}");
        let e = err(Entry::Main, quote!(worker_threads));
        assert!(e.contains("worker_threads = 4"), "{e}");
    }

    #[test]
    fn duplicates() {
        let e = err(Entry::Main, quote!(worker_threads = 1, worker_threads = 2));
        assert_eq!(e, "the `worker_threads` option is set twice");
        let e = err(
            Entry::Main,
            quote!(flavor = "current_thread", flavor = "multi_thread"),
        );
        assert_eq!(e, "the `flavor` option is set twice");
    }

    #[test]
    fn not_name_value() {
        assert!(parse(Entry::Main, quote!("multi_thread")).is_err());
        assert!(parse(Entry::Main, quote!(flavor = "multi_thread" 4)).is_err());
    }
}
