//! Where the server rows run their servers and their load generator.
//!
//! A server operator judges a runtime both ways: with the load generator on the server's own
//! CPUs (both compete for them, and the ratios say which runtime gets more requests out of the
//! same machine) and on CPUs of its own (the server has its CPUs to itself, as behind a real
//! network). `compare` runs the server rows in both placements by default.

use crate::os::CpuList;

/// Where one set of server rows runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// CPUs of the server processes (`None`: every CPU).
    pub server_cpus: Option<CpuList>,
    /// CPUs of the load generator (`None`: every CPU).
    pub client_cpus: Option<CpuList>,
}

impl Placement {
    /// Server and load generator share every CPU.
    pub fn shared() -> Placement {
        Placement {
            server_cpus: None,
            client_cpus: None,
        }
    }

    /// The server on the first half of the CPUs, the load generator on the other half
    /// ([`CpuList::halves`]).
    pub fn halves() -> Placement {
        let (server, client) = CpuList::halves();
        Placement {
            server_cpus: Some(server),
            client_cpus: Some(client),
        }
    }

    /// The placements of a run with no placement option: both, where there are two CPUs to
    /// split; on one CPU, only the shared one (the halves would be the same CPU).
    pub fn defaults() -> Vec<Placement> {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cpus >= 2 {
            vec![Placement::shared(), Placement::halves()]
        } else {
            vec![Placement::shared()]
        }
    }

    /// Whether server and load generator share every CPU.
    pub fn is_shared(&self) -> bool {
        self.server_cpus.is_none() && self.client_cpus.is_none()
    }

    /// Where the servers and the load generator run, in words (a table's heading).
    pub fn describe(&self) -> String {
        if self.is_shared() {
            return "server and client share every CPU".to_owned();
        }
        let show = |l: &Option<CpuList>| {
            l.as_ref()
                .map_or_else(|| "any".to_owned(), |l| l.to_string())
        };
        format!(
            "server on CPUs {}, client on CPUs {}",
            show(&self.server_cpus),
            show(&self.client_cpus)
        )
    }

    /// What the server tables, chart groups and CSV of this placement are called: `server`, or
    /// `server, own CPUs`.
    pub fn title(&self) -> &'static str {
        if self.is_shared() {
            "server"
        } else {
            "server, own CPUs"
        }
    }

    /// The suffix of this placement's server CSV beside the shapes' CSV: `_server` or
    /// `_server_pinned`.
    pub fn csv_suffix(&self) -> &'static str {
        if self.is_shared() {
            "_server"
        } else {
            "_server_pinned"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_words() {
        let shared = Placement::shared();
        assert!(shared.is_shared());
        assert_eq!(shared.describe(), "server and client share every CPU");
        assert_eq!((shared.title(), shared.csv_suffix()), ("server", "_server"));
        let own = Placement {
            server_cpus: Some("0".parse().unwrap()),
            client_cpus: Some("1-2".parse().unwrap()),
        };
        assert!(!own.is_shared());
        assert_eq!(own.describe(), "server on CPUs 0, client on CPUs 1-2");
        assert_eq!(
            (own.title(), own.csv_suffix()),
            ("server, own CPUs", "_server_pinned")
        );
        let server_only = Placement {
            server_cpus: Some("3".parse().unwrap()),
            client_cpus: None,
        };
        assert_eq!(
            server_only.describe(),
            "server on CPUs 3, client on CPUs any"
        );
    }

    #[test]
    fn the_default_is_both_placements_where_there_are_two_cpus() {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let defaults = Placement::defaults();
        if cpus >= 2 {
            assert_eq!(defaults, vec![Placement::shared(), Placement::halves()]);
            let halves = Placement::halves();
            let (s, c) = (halves.server_cpus.unwrap(), halves.client_cpus.unwrap());
            assert!(
                s.cpus().iter().all(|cpu| !c.cpus().contains(cpu)),
                "{s} and {c} overlap"
            );
        } else {
            assert_eq!(defaults, vec![Placement::shared()]);
        }
    }
}
