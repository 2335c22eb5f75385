//! Where the follower reads the ledger.
//!
//! A [`Source`] gives the follower three things: the ledger's transactions in order
//! (each with its chaincode event) after a [`Checkpoint`], the current record and audit
//! trail of a certificate, and the issuer trust list. Each kind of ledger has its own
//! module:
//!
//! - [`embedded`]: an embedded NanoTrace ledger, read beside the process that owns it
//!   ([`EmbeddedSource`]); one transaction per block, blocks numbered from 1.
//! - [`fabric`]: a Fabric channel read through the Gateway client, by default as the
//!   Regulator's user on the Regulator's peer ([`FabricSource`]); many transactions per
//!   block, blocks numbered from 0, blocks without events of the contract left out.

pub mod embedded;
pub mod fabric;

pub use embedded::{reader_identity, EmbeddedSource};
pub use fabric::FabricSource;

use crate::{CertificateRecord, Checkpoint, SeenTx};
use nanotrace_client::ApiError;
use nanotrace_ledger::LedgerError;
use nanotrace_model::billing::InvoiceRecord;
use nanotrace_model::{Certificate, IssuerKey, Organization};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The MSP ID of the verifier's read-only identity.
pub const VERIFIER_MSP: &str = "VerifierMSP";
/// The common name of the verifier's read-only identity.
pub const VERIFIER_CN: &str = "nanotrace-verifier";

/// A ledger the follower can read.
pub trait Source: Send + Sync {
    /// Makes newly committed blocks visible (embedded: RocksDB catch-up with the owner
    /// process; Fabric: the channel's height is read again). Whether every read between
    /// two refreshes sees the same state is [`Source::fixed_between_refreshes`].
    fn refresh(&self) -> Result<(), SourceError>;
    /// Whether every read between two refreshes sees one state, that of the last
    /// refresh, so a certificate read twice between them reads the same (the embedded
    /// ledger's secondary instance moves only on a refresh). `false` (the default) for a
    /// source whose reads see whatever it holds at the time (a peer's queries).
    fn fixed_between_refreshes(&self) -> bool {
        false
    }
    /// The number of the last block (0 for an empty ledger).
    fn height(&self) -> Result<u64, SourceError>;
    /// The transactions after `after`, at most `limit`, in ledger order: those of block
    /// `after.block_number` after its transaction `after.transaction_id` (the whole block
    /// when that is empty), then those of later blocks. Blocks may be left out (a
    /// chaincode-event stream skips blocks without events); fewer than `limit` means the
    /// source has nothing more for now.
    fn transactions(&self, after: &Checkpoint, limit: usize) -> Result<Vec<SeenTx>, SourceError>;
    /// The certificate's current record and audit trail (`GetCertificate` + `History`);
    /// `None` if the ledger has no certificate `id`.
    fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, SourceError>;
    /// [`Source::certificate`] of each of `ids`, in that order. The default reads them one
    /// by one; the embedded ledger and a Fabric peer answer them in one
    /// `GetCertificateRecords` query per 1,000.
    fn certificates(&self, ids: &[String]) -> Result<Vec<Option<CertificateRecord>>, SourceError> {
        ids.iter().map(|id| self.certificate(id)).collect()
    }
    /// The certificate's current record alone (`GetCertificate`), for followers that do
    /// not keep the audit trail; `None` if the ledger has no certificate `id`. The
    /// default reads [`Source::certificate`] and drops the trail; the real sources skip
    /// the `History` query.
    fn record(&self, id: &str) -> Result<Option<Certificate>, SourceError> {
        Ok(self.certificate(id)?.map(|r| r.certificate))
    }
    /// The issuer trust list (`IssuerKeys`).
    fn issuer_keys(&self) -> Result<Vec<IssuerKey>, SourceError>;
    /// The first block the source holds when it joined the channel from a ledger
    /// snapshot (Fabric's `joinbysnapshot`: no block before it); `None` when it holds the
    /// whole chain.
    fn snapshot_start(&self) -> Result<Option<u64>, SourceError> {
        Ok(None)
    }
    /// One page of every certificate on the ledger now, from `at` (start with
    /// [`ListPosition::default`]; the page says where the next starts, `None` after the
    /// last): `ListByStatus` of every status in turn (an auditor's, a certifier's or an
    /// admin's query), to start a follower from a snapshot-joined source's world state a
    /// page at a time — at 10⁷ certificates the whole list would not fit in memory.
    fn certificate_page(&self, at: &ListPosition) -> Result<ListedPage, SourceError> {
        let _ = at;
        Err(SourceError::Inconsistent(format!("{} cannot list every certificate", self.describe())))
    }
    /// The private data collections of the followed contract that `tx` wrote, by name
    /// (every peer of the channel holds their hashes, never their values); empty when it
    /// wrote none. The default knows of none. The notifier reads an organisation's billing
    /// records only after a transaction wrote one of its collections.
    fn collections_written(&self, tx: &SeenTx) -> Result<Vec<String>, SourceError> {
        let _ = tx;
        Ok(Vec::new())
    }
    /// `Invoices`: the invoices and credit notes between `body` and `manufacturer`, read
    /// as the source's identity, which the contract answers only for a member of either
    /// party (private data). The default cannot read them.
    fn invoices(&self, body: &str, manufacturer: &str) -> Result<Vec<InvoiceRecord>, SourceError> {
        let _ = (body, manufacturer);
        Err(SourceError::Inconsistent(format!("{} cannot read billing records", self.describe())))
    }
    /// The MSP ID of the identity the source reads as.
    fn reader_msp(&self) -> String {
        VERIFIER_MSP.to_owned()
    }
    /// The registered organisations (`Organizations`): their names, for the pages.
    fn organizations(&self) -> Result<Vec<Organization>, SourceError>;
    /// What is followed, for messages.
    fn describe(&self) -> String {
        "the ledger".to_owned()
    }
    /// What a cache built from this source is bound to (kind of source, and for Fabric
    /// the channel and chaincode): a cache bound to something else is refused.
    fn binding(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("source".to_owned(), "embedded".to_owned())])
    }
}

/// Where a listing of every certificate goes on ([`Source::certificate_page`]): the
/// status being listed (its place in [`nanotrace_model::CertificateStatus::ALL`]) and the bookmark of its
/// next page (empty: its first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPosition {
    /// The status listed, as its index in [`nanotrace_model::CertificateStatus::ALL`].
    pub status: usize,
    /// The bookmark of that status's next page; empty for its first.
    pub bookmark: String,
}

/// A page of every certificate ([`Source::certificate_page`]).
#[derive(Debug, Clone, Default)]
pub struct ListedPage {
    /// The certificates of the page.
    pub certificates: Vec<Certificate>,
    /// Where the next page starts; `None` after the last.
    pub next: Option<ListPosition>,
}

/// Why the ledger could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// There is no ledger where the configuration says.
    #[error("no embedded ledger at {}: run `nanotrace init` or pass --data-dir", path.display())]
    NoLedger {
        /// Where the ledger was looked for.
        path: PathBuf,
    },
    /// The follower's own scratch directory cannot be created.
    #[error("cannot create the follower's scratch directory {}: {source}", path.display())]
    Scratch {
        /// The scratch directory.
        path: PathBuf,
        /// Why not.
        #[source]
        source: std::io::Error,
    },
    /// The ledger exists but cannot be opened for reading.
    #[error("cannot open the embedded ledger at {} as a read-only follower: {source}", path.display())]
    Open {
        /// The ledger directory.
        path: PathBuf,
        /// The ledger's error.
        #[source]
        source: LedgerError,
    },
    /// The local identity to read as cannot be used.
    #[error("cannot read as the local identity {name:?}: {message}")]
    LocalIdentity {
        /// The identity's name.
        name: String,
        /// Why not.
        message: String,
    },
    /// The verifier's read-only identity cannot be made.
    #[error("cannot create the verifier's read-only identity: {0}")]
    Identity(String),
    /// The ledger went away (or cannot be caught up with).
    #[error("the embedded ledger at {} is unreachable: {message}", path.display())]
    Unreachable {
        /// The ledger directory.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A read of the ledger failed.
    #[error("cannot read {what} from the ledger at {}: {source}", path.display())]
    Ledger {
        /// What was being read.
        what: String,
        /// The ledger directory.
        path: PathBuf,
        /// The ledger's error.
        #[source]
        source: LedgerError,
    },
    /// A contract query failed.
    #[error("the contract failed to answer {what}: {source}")]
    Contract {
        /// The query.
        what: String,
        /// The client's error.
        #[source]
        source: ApiError,
    },
    /// A connection profile cannot be used.
    #[error("connection profile {}: {message}", path.display())]
    Profile {
        /// The profile.
        path: PathBuf,
        /// Why not.
        message: String,
    },
    /// The peer (or the gateway, or the connection to it) failed to answer: never read
    /// as "not found".
    #[error("the peer failed to answer {what}: {message}")]
    Peer {
        /// What was asked.
        what: String,
        /// The gateway client's error.
        message: String,
    },
    /// The peer joined the channel from a ledger snapshot and holds no block before
    /// `first_available`, but block `block` is needed.
    #[error(
        "the peer joined the channel from a ledger snapshot and holds no block before {first_available}, but block \
         {block} is needed: follow a peer that holds the whole chain (a snapshot-joined peer serves queries and the \
         blocks after its snapshot, not the chain before it)"
    )]
    BeforeSnapshot {
        /// The block asked for.
        block: u64,
        /// The peer's first block.
        first_available: u64,
    },
    /// The ledger contradicts itself (e.g. a gap in the embedded log).
    #[error("the ledger's log is inconsistent: {0}")]
    Inconsistent(String),
}
