//! The command line (clap). A flag given twice keeps its last value, lists included.

use clap::{ArgAction, CommandFactory, Parser};
use std::path::PathBuf;

/// The most certificates `ApplyBatch` / `ApproveBatch` take in one transaction.
const MAX_CERTIFICATE_BATCH: usize = 1000;
/// The most keys `CreateAssets` of the Rust asset contract creates in one transaction.
const MAX_FLOOR_BATCH: usize = 10_000;

/// Load generator for a running NanoTrace Fabric network: the asset-transfer A/B (Go vs
/// Rust chaincode), the NanoTrace certificate workload and Fabric's floor (N trivial keys
/// per transaction), through the Rust Gateway client. Prints Markdown tables.
///
/// scripts/bench/fabric.sh brings up a network, deploys the chaincodes and runs this with
/// the right profiles; docs/BENCHMARKS.md has the results.
#[derive(Debug, Parser)]
#[command(name = "nanotrace-load", version, args_override_self = true)]
pub(crate) struct Options {
    /// The connection profiles of the network (scripts/network.sh writes RUN/profiles):
    /// regulator-admin.yaml, certifier-alice.yaml, manufacturer-dave.yaml, regulator-rita.yaml.
    #[arg(long, value_name = "DIR")]
    pub(crate) profiles: PathBuf,

    /// Set up the sample network's governance first, as Admin@regulator: Bootstrap, the
    /// three organisations, the certifier role for alice and her issuer key.
    #[arg(long)]
    pub(crate) bootstrap: bool,

    /// Asset A/B: the chaincode name of the Go asset-transfer contract (bench/go-asset).
    #[arg(long, value_name = "NAME")]
    pub(crate) asset_go: Option<String>,

    /// Asset A/B: the chaincode name of the Rust asset-transfer contract (bench/asset).
    #[arg(long, value_name = "NAME")]
    pub(crate) asset_rust: Option<String>,

    /// Asset A/B: rounds of every cell (the Go and the Rust chaincode alternate).
    #[arg(long, value_name = "R", default_value_t = 2, value_parser = at_least_one)]
    pub(crate) rounds: usize,

    /// Run the NanoTrace workload: Apply/Approve, ApplyBatch/ApproveBatch (Ed25519-signed
    /// approvals), then Verify evaluates, on the chaincode of the profiles.
    #[arg(long)]
    pub(crate) nanotrace: bool,

    /// Transactions per submit cell (Apply, Approve, CreateAsset, UpdateAsset).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub(crate) count: usize,

    /// Calls per evaluate cell (ReadAsset, Verify).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub(crate) eval_count: usize,

    /// At most this many seconds per cell.
    #[arg(long, value_name = "S", default_value_t = 30)]
    pub(crate) seconds: u64,

    /// In-flight levels of the single-transaction and evaluate cells (workers per cell).
    #[arg(long, value_name = "K,...", action = ArgAction::Set, value_delimiter = ',', default_value = "1,16,64,256", value_parser = at_least_one)]
    pub(crate) inflight: Vec<usize>,

    /// NanoTrace batches: certificates per transaction (1 to 1000) and transactions per cell.
    #[arg(long, value_name = "SIZE:TXS,...", action = ArgAction::Set, value_delimiter = ',', default_value = "100:40,1000:6", value_parser = certificate_batch)]
    pub(crate) batches: Vec<(usize, usize)>,

    /// How the NanoTrace approvals record each certificate's credential: `none` (no status
    /// base, approvals alone), `inline` (each approval transaction carries its
    /// certificates' credentials, signed for the positions `StatusPositions` names for the
    /// transaction ID fixed first: issue 72), `attach` (the approvals, then one
    /// `AttachCredential` per certificate, as clients did before issue 72).
    #[arg(long, value_enum, default_value_t = CredentialMode::None)]
    pub(crate) credentials: CredentialMode,

    /// In-flight levels of the batch cells (NanoTrace batches and the floor).
    #[arg(long, value_name = "K,...", action = ArgAction::Set, value_delimiter = ',', default_value = "1,4,16", value_parser = at_least_one)]
    pub(crate) batch_inflight: Vec<usize>,

    /// Fabric's floor: the chaincode name of the Rust asset contract to run CreateAssets on.
    #[arg(long, value_name = "NAME")]
    pub(crate) floor: Option<String>,

    /// Fabric's floor: keys per transaction (1 to 10000) and transactions per cell.
    #[arg(long, value_name = "SIZE:TXS,...", action = ArgAction::Set, value_delimiter = ',', default_value = "1:200,100:20,1000:6", value_parser = floor_batch)]
    pub(crate) floor_batches: Vec<(usize, usize)>,

    /// Fabric's floor: pad each value with this many bytes.
    #[arg(long, value_name = "B", default_value_t = 0)]
    pub(crate) floor_value_bytes: usize,

    /// Fabric's floor: run the cells again after putting a key-level endorsement policy on
    /// one key of the namespace (ProtectAsset).
    #[arg(long)]
    pub(crate) floor_protect: bool,

    /// After the other workloads: time every page of ListByStatus ACTIVE and of
    /// ListByApplicant, the approval queue and History of a much-changed certificate, on
    /// whatever the ledger holds by then (needs the governance: --bootstrap once).
    #[arg(long)]
    pub(crate) queries: bool,

    /// With --queries: applications left waiting in the approval queue (ListByStatus PENDING).
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub(crate) queue: usize,

    /// With --queries: suspensions and reinstatements of one certificate before its History is timed.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub(crate) history_changes: usize,

    /// The run folder's pids/ (one NAME.pid per process of the network): print the CPU
    /// time each process and this generator used per transaction (and per item).
    #[arg(long, value_name = "DIR")]
    pub(crate) cpu_pids: Option<PathBuf>,
}

/// `--credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CredentialMode {
    /// Approvals alone (the certification body has no status base).
    None,
    /// Each approval transaction carries its certificates' credentials.
    Inline,
    /// The approvals, then one `AttachCredential` per certificate.
    Attach,
}

impl CredentialMode {
    /// The status base the certification body needs for this mode.
    pub(crate) fn status_base(self) -> Option<&'static str> {
        match self {
            CredentialMode::None => None,
            CredentialMode::Inline | CredentialMode::Attach => Some(nanotrace_model::sample::STATUS_BASE),
        }
    }
}

impl Options {
    /// Parses the command line; exits with clap's message (status 2) when it is wrong or
    /// asks for nothing to run.
    pub(crate) fn parse_checked() -> Options {
        let options = Options::parse();
        if !options.nanotrace
            && !options.queries
            && options.asset_go.is_none()
            && options.asset_rust.is_none()
            && options.floor.is_none()
        {
            Options::command()
                .error(
                    clap::error::ErrorKind::MissingRequiredArgument,
                    "nothing to run: give --nanotrace, --asset-go/--asset-rust, --floor and/or --queries",
                )
                .exit();
        }
        options
    }
}

/// A count of at least 1 (in-flight levels, rounds).
fn at_least_one(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// `SIZE:TXS` with 1 ≤ SIZE ≤ `max`.
fn batch(value: &str, max: usize) -> Result<(usize, usize), String> {
    let (size, txs) = value.split_once(':').ok_or("expected SIZE:TXS")?;
    let size: usize = size.trim().parse().map_err(|e| format!("size: {e}"))?;
    let txs: usize = txs.trim().parse().map_err(|e| format!("count: {e}"))?;
    if !(1..=max).contains(&size) {
        return Err(format!("{size} per transaction; the contract takes 1 to {max}"));
    }
    Ok((size, txs))
}

fn certificate_batch(value: &str) -> Result<(usize, usize), String> {
    batch(value, MAX_CERTIFICATE_BATCH)
}

fn floor_batch(value: &str) -> Result<(usize, usize), String> {
    batch(value, MAX_FLOOR_BATCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(["nanotrace-load", "--profiles", "p"].iter().chain(args))
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let o = parse(&["--nanotrace"]).expect("parses");
        assert_eq!((o.rounds, o.count, o.eval_count, o.seconds), (2, 1000, 2000, 30));
        assert_eq!(o.inflight, [1, 16, 64, 256]);
        assert_eq!(o.batches, [(100, 40), (1000, 6)]);
        assert_eq!(o.batch_inflight, [1, 4, 16]);
        assert_eq!(o.floor_batches, [(1, 200), (100, 20), (1000, 6)]);
        assert_eq!(o.floor_value_bytes, 0);
        assert_eq!((o.queries, o.queue, o.history_changes), (false, 5000, 100));
    }

    #[test]
    fn the_queries_run_alone_on_a_loaded_ledger() {
        let o = parse(&["--queries", "--queue", "0", "--history-changes", "4"]).expect("parses");
        assert_eq!((o.queries, o.queue, o.history_changes, o.nanotrace), (true, 0, 4, false));
    }

    #[test]
    fn a_repeated_flag_keeps_its_last_value() {
        let o = parse(&["--inflight", "1,2", "--inflight", "64", "--count", "5", "--count", "7", "--nanotrace"])
            .expect("parses");
        assert_eq!((o.inflight, o.count), (vec![64], 7));
    }

    #[test]
    fn batches_and_levels_are_checked() {
        assert!(parse(&["--batches", "1001:3"]).is_err());
        assert!(parse(&["--batches", "100"]).is_err());
        assert!(parse(&["--floor-batches", "10000:1"]).is_ok());
        assert!(parse(&["--inflight", "1,0"]).is_err());
        assert!(parse(&["--rounds", "0"]).is_err());
        Options::command().debug_assert();
    }
}
