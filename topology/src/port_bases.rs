//! The port bases of every Fabric network the project starts on a machine: the
//! developer's (`scripts/network.sh`'s default), each test suite's and each benchmark's,
//! in one table, [`PORT_BASES`]. A network at base B takes B … B+699 ([`SPAN`]); the
//! spans of the table never overlap, so any of these networks can run beside any other,
//! and the developer's and the test suites' lie below Linux's ephemeral port range
//! ([`EPHEMERAL`]), so no port a process takes as the local end of a connection, or a
//! test binds as `127.0.0.1:0`, can be one of a network that is starting (tested).
//!
//! The scripts read their default through the binary (`nanotrace-topology port-base
//! NAME`, or `scripts/network.sh port-base NAME`); the Rust suites keep theirs in their
//! source (a crate the topology cannot depend on starts some of them), which this
//! module's tests check against the table, as they check that topology/README.md shows
//! it ([`markdown_table`]).

use std::fmt::Write as _;
use std::ops::{Range, RangeInclusive};

use crate::error::TopologyError;
use crate::layout::SPAN;

/// Linux's default ephemeral port range (`net.ipv4.ip_local_port_range`): where the local
/// port of an outgoing connection, or of a bind to port 0, is taken from.
pub const EPHEMERAL: RangeInclusive<u16> = 32768..=60999;

/// The developer's network: `scripts/network.sh`'s and `nanotrace-topology`'s default.
pub const DEVELOPER_BASE: u16 = 17050;

/// Who starts a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    /// A developer, with `scripts/network.sh up`.
    Developer,
    /// A test suite (`cargo test`, or a test script).
    Test,
    /// A benchmark script (`scripts/bench`).
    Bench,
}

/// One network's port base and who starts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortBase {
    /// Its name (`nanotrace-topology port-base NAME`).
    pub name: &'static str,
    /// The port base B: the network takes B … B+699.
    pub base: u16,
    /// Who starts it.
    pub starter: Starter,
    /// What starts it, in a few words.
    pub what: &'static str,
    /// The file (from the repository's root) that sets the default: a script reads it
    /// with `port-base NAME`, a Rust suite writes the number.
    pub source: &'static str,
    /// The environment variable that moves it, if one does.
    pub variable: Option<&'static str>,
}

impl PortBase {
    /// The ports its network takes: B … B+699.
    pub fn span(&self) -> Range<u16> {
        self.base..self.base.saturating_add(SPAN)
    }
}

/// Every network's port base, in port order.
pub const PORT_BASES: &[PortBase] = &[
    PortBase {
        name: "fabric-stack",
        base: 14050,
        starter: Starter::Test,
        what: "the organisation's stack in containers (`fabric_organisation_stack_in_containers`)",
        source: "systests/fabric/main.rs",
        variable: None,
    },
    PortBase {
        name: "certifier2",
        base: 15050,
        starter: Starter::Test,
        what: "a second certifier joins (`fabric_chaos`)",
        source: "systests/fabric_chaos/main.rs",
        variable: Some("NANOTRACE_FABRIC_CERTIFIER2_PORT_BASE"),
    },
    PortBase {
        name: "grow",
        base: 16050,
        starter: Starter::Test,
        what: "the consortium grows under load, Raft (`fabric_chaos`)",
        source: "systests/fabric_chaos/main.rs",
        variable: Some("NANOTRACE_FABRIC_GROW_PORT_BASE"),
    },
    PortBase {
        name: "developer",
        base: DEVELOPER_BASE,
        starter: Starter::Developer,
        what: "a developer's network (`scripts/network.sh up`)",
        source: "scripts/network/lib/settings.sh",
        variable: Some("NANOTRACE_FABRIC_PORT_BASE"),
    },
    PortBase {
        name: "grow-bft",
        base: 18050,
        starter: Starter::Test,
        what: "the consortium grows under load, SmartBFT (`fabric_chaos`)",
        source: "systests/fabric_chaos/main.rs",
        variable: Some("NANOTRACE_FABRIC_GROW_BFT_PORT_BASE"),
    },
    PortBase {
        name: "e2e",
        base: 19050,
        starter: Starter::Test,
        what: "the Fabric suite (`cargo test --test fabric`)",
        source: "systests/fabric/main.rs",
        variable: Some("NANOTRACE_FABRIC_E2E_PORT_BASE"),
    },
    PortBase {
        name: "fabric-gateway",
        base: 21050,
        starter: Starter::Test,
        what: "the Gateway client on a real network",
        source: "fabric-gateway/tests/it/fabric_network.rs",
        variable: None,
    },
    PortBase {
        name: "chaos",
        base: 23050,
        starter: Starter::Test,
        what: "faults under load and the soak (`fabric_chaos`, `scripts/chaos/fabric-soak.sh`)",
        source: "systests/fabric_chaos/main.rs",
        variable: Some("NANOTRACE_FABRIC_CHAOS_PORT_BASE"),
    },
    PortBase {
        name: "hostile",
        base: 25050,
        starter: Starter::Test,
        what: "hostile clients and identities (`fabric_hostile`)",
        source: "systests/fabric_hostile/main.rs",
        variable: Some("NANOTRACE_FABRIC_HOSTILE_PORT_BASE"),
    },
    PortBase {
        name: "smoke",
        base: 27050,
        starter: Starter::Test,
        what: "the network's smoke test",
        source: "systests/fabric/network_smoke.sh",
        variable: Some("NANOTRACE_FABRIC_PORT_BASE"),
    },
    PortBase {
        name: "verifier-fabric",
        base: 29050,
        starter: Starter::Test,
        what: "the verifier following a real network (`fabric_source`)",
        source: "verifier/tests/fabric_source/on_fabric.rs",
        variable: Some("NANOTRACE_VERIFIER_FABRIC_PORT_BASE"),
    },
    PortBase {
        name: "bench-verifier",
        base: 30050,
        starter: Starter::Bench,
        what: "the verifier's benchmark on Fabric (`scripts/bench/verifier.sh N fabric`)",
        source: "scripts/bench/verifier.sh",
        variable: Some("NANOTRACE_BENCH_VERIFIER_PORT_BASE"),
    },
    PortBase {
        name: "bft",
        base: 31050,
        starter: Starter::Test,
        what: "SmartBFT orderer faults (`fabric_chaos`)",
        source: "systests/fabric_chaos/main.rs",
        variable: Some("NANOTRACE_FABRIC_BFT_PORT_BASE"),
    },
    PortBase {
        name: "console-fabric",
        base: 32050,
        starter: Starter::Test,
        what: "the console's lifecycle on a real network",
        source: "console/tests/it/fabric_lifecycle.rs",
        variable: None,
    },
    PortBase {
        name: "bench-fabric",
        base: 57050,
        starter: Starter::Bench,
        what: "the Fabric benchmarks (`scripts/bench/fabric.sh`, `fabric-tune.sh`)",
        source: "scripts/bench/fabric.sh",
        variable: Some("NANOTRACE_BENCH_PORT_BASE"),
    },
    PortBase {
        name: "bench-snapshot",
        base: 59050,
        starter: Starter::Bench,
        what: "a peer's join from a snapshot (`scripts/bench/snapshot-join.sh`)",
        source: "scripts/bench/snapshot-join.sh",
        variable: Some("NANOTRACE_BENCH_PORT_BASE"),
    },
];

/// The port base of the network named `name`, or why there is none (the names it could
/// be).
pub fn port_base(name: &str) -> Result<u16, TopologyError> {
    PORT_BASES.iter().find(|b| b.name == name).map(|b| b.base).ok_or_else(|| TopologyError::Invalid {
        origin: "the port bases".into(),
        field: "name".into(),
        message: format!(
            "no network {name:?}: the table names {}",
            PORT_BASES.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
        ),
    })
}

/// [`PORT_BASES`] as the Markdown table topology/README.md shows.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| name | base | ports | started by | moved by |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for b in PORT_BASES {
        let span = b.span();
        let by = match b.starter {
            Starter::Developer => "developer",
            Starter::Test => "test",
            Starter::Bench => "benchmark",
        };
        let variable = b.variable.map_or_else(|| "—".to_owned(), |v| format!("`{v}`"));
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| `{}` | {} | {} … {} | {by}: {} ([`{}`](../{})) | {variable} |",
            b.name,
            b.base,
            span.start,
            span.end - 1,
            b.what,
            b.source,
            b.source,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Consortium, Layout, Ordering};
    use std::path::Path;

    #[test]
    fn no_two_networks_share_a_port_or_a_name() {
        for (i, a) in PORT_BASES.iter().enumerate() {
            for b in &PORT_BASES[i + 1..] {
                assert_ne!(a.name, b.name, "two networks named {}", a.name);
                assert!(
                    a.span().end <= b.span().start || b.span().end <= a.span().start,
                    "{} ({:?}) and {} ({:?}) overlap",
                    a.name,
                    a.span(),
                    b.name,
                    b.span()
                );
            }
        }
        assert!(PORT_BASES.windows(2).all(|w| w[0].base < w[1].base), "the table is in port order");
    }

    #[test]
    fn every_base_is_a_layouts_and_the_tests_keep_below_the_ephemeral_range() {
        for b in PORT_BASES {
            Layout::new(&Consortium::sample(), b.base, false, Ordering::Raft)
                .unwrap_or_else(|e| panic!("{}: {e}", b.name));
            if b.starter != Starter::Bench {
                assert!(b.span().end <= *EPHEMERAL.start(), "{} ({:?}) reaches the ephemeral range", b.name, b.span());
            }
        }
        assert_eq!(port_base("developer").expect("the developer's"), DEVELOPER_BASE);
        assert_eq!(port_base("smoke").expect("the smoke test's"), 27050);
        let e = port_base("nope").expect_err("no such network").to_string();
        assert!(e.contains("\"nope\"") && e.contains("e2e"), "{e}");
    }

    fn repo_file(path: &str) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the repository");
        std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The code of a source file: its lines without comments (`//` in Rust, `#` in bash).
    fn code(path: &str) -> String {
        let comment = if path.ends_with(".rs") { "//" } else { "#" };
        repo_file(path)
            .lines()
            .map(
                |line| if line.trim_start().starts_with(comment) { "" } else { line.split(" //").next().unwrap_or("") },
            )
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Each default is where the table says, in code rather than a comment: a script
    /// reads it (`port-base NAME`), a Rust suite writes the number; and the variable that
    /// moves it is read there.
    #[test]
    fn every_source_sets_the_base_the_table_names() {
        for b in PORT_BASES {
            let text = code(b.source);
            let reads = text.contains(&format!("port-base {}", b.name));
            let writes = text.match_indices(&b.base.to_string()).any(|(at, s)| {
                !text[..at].ends_with(|c: char| c.is_ascii_digit())
                    && !text[at + s.len()..].starts_with(|c: char| c.is_ascii_digit())
            });
            assert!(reads || writes, "{}: neither `port-base {}` nor {} in its code", b.source, b.name, b.base);
            if let Some(variable) = b.variable {
                // The chaos suite composes its variables: PREFIX_PORT_BASE.
                let prefix = variable.trim_end_matches("_PORT_BASE");
                assert!(
                    text.contains(variable) || text.contains(&format!("\"{prefix}\"")),
                    "{}: no {variable} in its code",
                    b.source
                );
            }
        }
    }

    #[test]
    fn the_readme_shows_the_table() {
        let readme = repo_file("topology/README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "topology/README.md shows the table as `nanotrace-topology port-base` prints it:\n{table}"
        );
    }
}
