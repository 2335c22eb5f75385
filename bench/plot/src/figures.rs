//! The benchmarks' figures, one typed row per line: the verifier at scale
//! ([`VERIFIER_FILE`], from `scripts/bench/verifier-scale.sh`) and the embedded ledger at
//! scale ([`LEDGER_FILE`], from the `scale` benchmark). A figure not measured is an empty
//! cell, read as `None`; rows of any sizes, in any order, may be added later.

use crate::error::Error;
use crate::table::{self, Row};
use serde::Deserialize;
use std::path::Path;

/// The verifier's figures, in the data folder.
pub const VERIFIER_FILE: &str = "verifier-scale.tsv";
/// The embedded ledger's figures, in the data folder.
pub const LEDGER_FILE: &str = "ledger-scale.tsv";

/// The ledger while the lookups run. Its serde names are [`Phase::name`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Nothing committed during the run.
    Still,
    /// 100 certificates committed a second during the run.
    Commits,
}

impl Phase {
    /// Every phase, in the order the charts list them.
    pub const ALL: [Phase; 2] = [Phase::Still, Phase::Commits];

    /// Its name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Still => "still",
            Phase::Commits => "commits",
        }
    }

    /// Its name in a legend.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Still => "still ledger",
            Phase::Commits => "100 commits/s",
        }
    }
}

/// The server answering the lookups. Its serde names are [`Server::name`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Server {
    /// `nanotrace-verifier` as built from the commit measured, with 256 MiB for answers
    /// (`--answer-cache-mb 256`, its default until a quarter of the usable memory was).
    Verifier,
    /// The same verifier given memory for every answer (`--answer-cache-mb` sized to the
    /// ledger), as nginx's files are all held in the page cache: what its default, a
    /// quarter of the usable memory, gives to 10⁶ certificates on a machine of 24 GB.
    VerifierEveryAnswer,
    /// The verifier built from the commit before the change measured (`BEFORE_BIN`).
    VerifierBefore,
    /// nginx serving the same answers as static files.
    Nginx,
}

impl Server {
    /// Every server, in the order the charts list them.
    pub const ALL: [Server; 4] = [Server::Verifier, Server::VerifierEveryAnswer, Server::VerifierBefore, Server::Nginx];

    /// Its name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Server::Verifier => "verifier",
            Server::VerifierEveryAnswer => "verifier-every-answer",
            Server::VerifierBefore => "verifier-before",
            Server::Nginx => "nginx",
        }
    }

    /// Its name in a legend.
    pub fn label(self) -> &'static str {
        match self {
            Server::Verifier => "verifier, 256 MiB of answers",
            Server::VerifierEveryAnswer => "verifier, every answer kept",
            Server::VerifierBefore => "verifier (before)",
            Server::Nginx => "nginx",
        }
    }
}

/// One server in one phase on a ledger of one size.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VerifierRow {
    /// Certificates on the ledger.
    pub certificates: u64,
    /// Still, or committing.
    pub phase: Phase,
    /// Who answered.
    pub server: Server,
    /// Requests a second.
    pub rps: Option<f64>,
    /// Median latency, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub p99_ms: Option<f64>,
    /// Resident memory at the end of the phase, MB.
    pub rss_mb: Option<f64>,
}

impl Row for VerifierRow {
    const COLUMNS: &'static [&'static str] = &["certificates", "phase", "server", "rps", "p50_ms", "p99_ms", "rss_mb"];

    fn key(&self) -> String {
        format!("{} certificates, {}, {}", self.certificates, self.phase.name(), self.server.name())
    }

    fn choices() -> Vec<(&'static str, Vec<&'static str>)> {
        vec![("phase", Phase::ALL.map(Phase::name).to_vec()), ("server", Server::ALL.map(Server::name).to_vec())]
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        check_certificates(self.certificates)?;
        check_figure("rps", self.rps)?;
        check_figure("p50_ms", self.p50_ms)?;
        check_figure("p99_ms", self.p99_ms)?;
        check_figure("rss_mb", self.rss_mb)
    }
}

/// The embedded ledger grown to one size, and the verifier's cache built from it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LedgerRow {
    /// Certificates on the ledger.
    pub certificates: u64,
    /// Certificates added (applied and approved) a second while growing it.
    pub added_per_s: Option<f64>,
    /// CPU time per certificate added, ms.
    pub cpu_ms_per_cert: Option<f64>,
    /// The ledger's bytes on disk per certificate, KiB.
    pub ledger_kib_per_cert: Option<f64>,
    /// Certificates a second of the verifier's cache build.
    pub cache_build_per_s: Option<f64>,
    /// The cache's bytes on disk per certificate, KiB.
    pub cache_kib_per_cert: Option<f64>,
}

impl Row for LedgerRow {
    const COLUMNS: &'static [&'static str] = &[
        "certificates",
        "added_per_s",
        "cpu_ms_per_cert",
        "ledger_kib_per_cert",
        "cache_build_per_s",
        "cache_kib_per_cert",
    ];

    fn key(&self) -> String {
        format!("{} certificates", self.certificates)
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        check_certificates(self.certificates)?;
        check_figure("added_per_s", self.added_per_s)?;
        check_figure("cpu_ms_per_cert", self.cpu_ms_per_cert)?;
        check_figure("ledger_kib_per_cert", self.ledger_kib_per_cert)?;
        check_figure("cache_build_per_s", self.cache_build_per_s)?;
        check_figure("cache_kib_per_cert", self.cache_kib_per_cert)
    }
}

/// The x axis is logarithmic: no ledger of 0 certificates.
fn check_certificates(certificates: u64) -> Result<(), (&'static str, String)> {
    if certificates == 0 {
        return Err(("certificates", "0: a ledger of no certificates has no place on a logarithmic axis".to_owned()));
    }
    Ok(())
}

/// Rates, times, sizes: finite and not negative.
fn check_figure(column: &'static str, value: Option<f64>) -> Result<(), (&'static str, String)> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err((column, format!("`{v}` is not a finite number ≥ 0"))),
        _ => Ok(()),
    }
}

/// Both files of a data folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// The verifier's rows ([`VERIFIER_FILE`]).
    pub verifier: Vec<VerifierRow>,
    /// The ledger's rows ([`LEDGER_FILE`]).
    pub ledger: Vec<LedgerRow>,
}

impl Figures {
    /// Reads both files of the folder `dir`.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        Ok(Figures { verifier: table::read(&dir.join(VERIFIER_FILE))?, ledger: table::read(&dir.join(LEDGER_FILE))? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names checked before serde reads a row are the names serde reads.
    #[test]
    fn serde_reads_every_name_of_a_phase_and_a_server() {
        for phase in Phase::ALL {
            for server in Server::ALL {
                let text = format!(
                    "certificates\tphase\tserver\trps\tp50_ms\tp99_ms\trss_mb\n1\t{}\t{}\t\t\t\t\n",
                    phase.name(),
                    server.name()
                );
                let rows: Vec<VerifierRow> = table::parse(Path::new("t.tsv"), text.as_bytes()).unwrap();
                assert_eq!((rows[0].phase, rows[0].server), (phase, server));
            }
        }
    }
}
