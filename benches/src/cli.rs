//! The small command-line parser of the I/O binaries (`echo_server`, `echo_client`,
//! `hello_weft`, `hello_tokio`): `--flag value` or `--flag=value`, plus positional arguments.

use std::fmt::Display;
use std::str::FromStr;

/// One parsed argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// `--name value` or `--name=value` (the value taken only when asked for, see
    /// [`Args::value`]), or a bare `--name`, `-h`.
    Flag(String),
    /// Anything not starting with `-`.
    Positional(String),
}

/// The arguments of a binary, read one by one.
#[derive(Debug)]
pub struct Args {
    args: std::vec::IntoIter<String>,
    /// The value of the last flag, when given inline (`--flag=value`).
    inline: Option<String>,
    flag: String,
}

impl Args {
    /// The process's arguments, without the program name.
    pub fn from_env() -> Args {
        Args::new(std::env::args().skip(1))
    }

    /// Arguments from a list (for tests).
    pub fn new(args: impl IntoIterator<Item = String>) -> Args {
        Args {
            args: args.into_iter().collect::<Vec<_>>().into_iter(),
            inline: None,
            flag: String::new(),
        }
    }

    /// The next argument, `None` at the end.
    pub fn next_arg(&mut self) -> Option<Arg> {
        let arg = self.args.next()?;
        if arg.starts_with('-') {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (arg, None),
            };
            self.flag.clone_from(&flag);
            self.inline = inline;
            Some(Arg::Flag(flag))
        } else {
            Some(Arg::Positional(arg))
        }
    }

    /// The value of the flag just returned by [`next_arg`](Self::next_arg), parsed.
    ///
    /// # Errors
    ///
    /// When there is no value, or it does not parse.
    pub fn value<T>(&mut self) -> Result<T, String>
    where
        T: FromStr,
        T::Err: Display,
    {
        let flag = self.flag.clone();
        let v = self
            .inline
            .take()
            .or_else(|| self.args.next())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        v.parse()
            .map_err(|e| format!("{flag}: cannot parse {v:?}: {e}"))
    }
}

/// Parses a positive integer for `what`.
///
/// # Errors
///
/// When `v` is not a positive integer.
pub fn positive(v: u64, what: &str) -> Result<u64, String> {
    if v == 0 {
        Err(format!("{what} must be positive"))
    } else {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_values_and_positionals() {
        let mut a = Args::new(
            ["--n", "3", "--addr=1.2.3.4:5", "pos", "-h", "--x"]
                .iter()
                .map(|s| s.to_string()),
        );
        assert_eq!(a.next_arg(), Some(Arg::Flag("--n".into())));
        assert_eq!(a.value::<u32>(), Ok(3));
        assert_eq!(a.next_arg(), Some(Arg::Flag("--addr".into())));
        assert_eq!(
            a.value::<std::net::SocketAddr>(),
            Ok("1.2.3.4:5".parse().unwrap())
        );
        assert_eq!(a.next_arg(), Some(Arg::Positional("pos".into())));
        assert_eq!(a.next_arg(), Some(Arg::Flag("-h".into())));
        assert_eq!(a.next_arg(), Some(Arg::Flag("--x".into())));
        assert!(a.value::<u32>().is_err());
        assert_eq!(a.next_arg(), None);
        assert!(positive(0, "n").is_err());
    }
}
