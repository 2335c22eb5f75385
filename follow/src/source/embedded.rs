//! An embedded NanoTrace ledger, followed read-only beside the process that owns it (a
//! RocksDB secondary instance). The contract's public queries run in-process as an
//! ephemeral read-only identity. Blocks are numbered from 1 and hold one transaction
//! each (at index 0), so a checkpoint with a transaction has finished its block.

use super::{Source, SourceError, VERIFIER_CN, VERIFIER_MSP};
use crate::{CertificateRecord, Checkpoint, SeenTx};
use nanotrace_client::NanoTrace;
use nanotrace_client::Wait;
use nanotrace_embedded::devmsp::DevIdentity;
use nanotrace_embedded::transport::EmbeddedTransport;
use nanotrace_ledger::{Ledger, LedgerError, LogEntry};
use nanotrace_model::billing::InvoiceRecord;
use nanotrace_model::{Certificate, IssuerKey, Organization};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An embedded NanoTrace ledger, followed read-only beside the process that owns it.
pub struct EmbeddedSource {
    path: PathBuf,
    ledger: Arc<Ledger>,
    api: NanoTrace<EmbeddedTransport>,
    /// The MSP ID of the identity the queries run as.
    msp_id: String,
}

impl std::fmt::Debug for EmbeddedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedSource").field("path", &self.path).finish_non_exhaustive()
    }
}

/// A self-signed X.509 identity for MSP [`VERIFIER_MSP`], `OU=client`,
/// `CN=nanotrace-verifier`, made afresh on every start. The contract's public queries
/// accept any identity they can parse; this one holds no role and can change nothing.
pub fn reader_identity() -> Result<DevIdentity, SourceError> {
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
    let err = |e: rcgen::Error| SourceError::Identity(e.to_string());
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, VERIFIER_MSP);
    dn.push(DnType::OrganizationalUnitName, "client");
    dn.push(DnType::CommonName, VERIFIER_CN);
    params.distinguished_name = dn;
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let cert = params.self_signed(&key).map_err(err)?;
    Ok(DevIdentity { name: VERIFIER_CN.to_owned(), msp_id: VERIFIER_MSP.to_owned(), cert_pem: cert.pem() })
}

/// Whether `path` holds a RocksDB database (its `CURRENT` file).
fn is_database(path: &Path) -> bool {
    path.join("CURRENT").is_file()
}

impl EmbeddedSource {
    /// Opens `<data_dir>/ledger` read-only; the RocksDB secondary instance keeps its own
    /// small files in `scratch_dir` (created if missing).
    pub fn open(data_dir: &Path, scratch_dir: &Path) -> Result<Self, SourceError> {
        Self::open_as(data_dir, scratch_dir, reader_identity()?)
    }

    /// [`EmbeddedSource::open`] with the queries run as `identity` (a local identity of
    /// the data directory, a member of an organisation): the contract answers it what
    /// it answers that organisation's members, private billing records included.
    pub fn open_as(data_dir: &Path, scratch_dir: &Path, identity: DevIdentity) -> Result<Self, SourceError> {
        let path = data_dir.join("ledger");
        if !is_database(&path) {
            return Err(SourceError::NoLedger { path });
        }
        std::fs::create_dir_all(scratch_dir)
            .map_err(|source| SourceError::Scratch { path: scratch_dir.to_path_buf(), source })?;
        let ledger = Arc::new(
            Ledger::open_follower(&path, scratch_dir)
                .map_err(|source| SourceError::Open { path: path.clone(), source })?,
        );
        let api = NanoTrace::new(EmbeddedTransport::new(ledger.clone(), identity.creator()));
        Ok(EmbeddedSource { path, ledger, api, msp_id: identity.msp_id })
    }

    /// [`EmbeddedSource::open_as`] the local identity `name` of the data directory (as
    /// `nanotrace --as NAME`): its certificate only, the key is not needed to read.
    pub fn open_as_local(data_dir: &Path, scratch_dir: &Path, name: &str) -> Result<Self, SourceError> {
        let identity = nanotrace_embedded::devmsp::DevMsp::new(data_dir)
            .identity(name)
            .map_err(|e| SourceError::LocalIdentity { name: name.to_owned(), message: e.to_string() })?;
        Self::open_as(data_dir, scratch_dir, identity)
    }

    /// The ledger directory followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn ledger_error(&self, what: impl Into<String>) -> impl FnOnce(LedgerError) -> SourceError + '_ {
        let what = what.into();
        move |source| SourceError::Ledger { what, path: self.path.clone(), source }
    }
}

/// A log entry as the cache keeps it; the event payload must be JSON.
fn seen_tx(entry: LogEntry) -> Result<SeenTx, SourceError> {
    let (event_name, event) = match entry.event {
        None => (None, None),
        Some((name, payload)) => {
            let value: serde_json::Value = serde_json::from_slice(&payload).map_err(|e| {
                SourceError::Inconsistent(format!("the {name} event of block {} is not JSON: {e}", entry.block))
            })?;
            (Some(name), Some(value))
        }
    };
    Ok(SeenTx {
        block: entry.block,
        tx_index: 0,
        tx_id: entry.tx_id,
        timestamp: entry.timestamp.seconds,
        event_name,
        event,
    })
}

impl Source for EmbeddedSource {
    fn refresh(&self) -> Result<(), SourceError> {
        // A secondary instance keeps its open files when the directory goes away, and
        // would go on serving the old state; an unreachable ledger must be an error.
        if !is_database(&self.path) {
            return Err(SourceError::Unreachable {
                path: self.path.clone(),
                message: "the directory or its CURRENT file is gone".to_owned(),
            });
        }
        self.ledger.catch_up().map_err(|e| SourceError::Unreachable { path: self.path.clone(), message: e.to_string() })
    }

    fn fixed_between_refreshes(&self) -> bool {
        // A secondary instance sees the owner's writes only when it catches up.
        true
    }

    fn height(&self) -> Result<u64, SourceError> {
        self.ledger.height().map_err(self.ledger_error("the height"))
    }

    fn transactions(&self, after: &Checkpoint, limit: usize) -> Result<Vec<SeenTx>, SourceError> {
        // One transaction per block: a checkpoint with a transaction has finished its block.
        let from = if after.transaction_id.is_empty() {
            after.block_number.max(1)
        } else {
            after
                .block_number
                .checked_add(1)
                .ok_or_else(|| SourceError::Inconsistent("block number overflow".to_owned()))?
        };
        let entries = self.ledger.log_entries(from, limit).map_err(self.ledger_error(format!("blocks from {from}")))?;
        let mut out = Vec::with_capacity(entries.len());
        // The embedded log has no gaps: one would mean a damaged ledger.
        for (expected, entry) in (from..).zip(entries) {
            if entry.block != expected {
                return Err(SourceError::Inconsistent(format!(
                    "expected block {expected} after block {}, found block {}",
                    expected - 1,
                    entry.block
                )));
            }
            out.push(seen_tx(entry)?);
        }
        Ok(out)
    }

    fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, SourceError> {
        let Some(certificate) = self.record(id)? else {
            return Ok(None);
        };
        let history = self
            .api
            .history(id)
            .wait()
            .map_err(|source| SourceError::Contract { what: format!("History {id}"), source })?;
        Ok(Some(CertificateRecord { certificate, history }))
    }

    fn certificates(&self, ids: &[String]) -> Result<Vec<Option<CertificateRecord>>, SourceError> {
        let mut out = Vec::with_capacity(ids.len());
        for batch in ids.chunks(nanotrace_model::validate::limits::MAX_BATCH) {
            match self.api.get_certificate_records(batch).wait() {
                Ok(records) => out.extend(records.into_iter().map(Some)),
                // One of them is not on the ledger: each read alone says which.
                Err(e) if e.contract_code() == Some(nanotrace_model::ErrorCode::NotFound) => {
                    for id in batch {
                        out.push(self.certificate(id)?);
                    }
                }
                Err(source) => {
                    return Err(SourceError::Contract {
                        what: format!("GetCertificateRecords of {} certificates", batch.len()),
                        source,
                    })
                }
            }
        }
        Ok(out)
    }

    fn record(&self, id: &str) -> Result<Option<Certificate>, SourceError> {
        match self.api.get_certificate(id).wait() {
            Ok(cert) => Ok(Some(cert)),
            Err(e) if e.contract_code() == Some(nanotrace_model::ErrorCode::NotFound) => Ok(None),
            Err(source) => Err(SourceError::Contract { what: format!("GetCertificate {id}"), source }),
        }
    }

    fn issuer_keys(&self) -> Result<Vec<IssuerKey>, SourceError> {
        self.api.issuer_keys().wait().map_err(|source| SourceError::Contract { what: "IssuerKeys".to_owned(), source })
    }

    fn organizations(&self) -> Result<Vec<Organization>, SourceError> {
        self.api
            .organizations()
            .wait()
            .map_err(|source| SourceError::Contract { what: "Organizations".to_owned(), source })
    }
    fn collections_written(&self, tx: &SeenTx) -> Result<Vec<String>, SourceError> {
        self.ledger
            .collections_written(tx.block)
            .map_err(self.ledger_error(format!("the write set of block {}", tx.block)))
    }

    fn invoices(&self, body: &str, manufacturer: &str) -> Result<Vec<InvoiceRecord>, SourceError> {
        self.api
            .invoices(body, manufacturer)
            .wait()
            .map_err(|source| SourceError::Contract { what: format!("Invoices {body} {manufacturer}"), source })
    }

    fn reader_msp(&self) -> String {
        self.msp_id.clone()
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_identity_is_a_parseable_client() {
        let creator = reader_identity().expect("identity").creator();
        let identity = nanotrace_chaincode::identity::parse_creator(&creator).expect("parse");
        assert_eq!(identity.msp_id, VERIFIER_MSP);
        assert_eq!(identity.common_name.as_deref(), Some(VERIFIER_CN));
        assert_eq!(identity.node_ou, Some(nanotrace_chaincode::identity::NodeOu::Client));
    }

    /// Many certificates in one query answer what reading each alone does, in order; one
    /// that is not on the ledger is `None` in its place (the query refuses the batch, and
    /// each is read alone), the others still read.
    #[test]
    fn many_certificates_read_at_once_answer_what_each_read_alone_does() {
        use nanotrace_embedded::datadir::{self, DataDir, APPLICANT};
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::open(&dir.path().join("data")).expect("data dir");
        data.init_sample_network(datadir::now()).expect("sample network");
        let applications = (0..3)
            .map(|i| {
                let mut app = datadir::sample_application().expect("sample");
                app.batch = format!("LOT-MANY-{i}");
                app
            })
            .collect();
        let mut ids = data.client(APPLICANT).expect("client").apply_batch(applications).wait().expect("apply").value;
        let source = EmbeddedSource::open(&dir.path().join("data"), &dir.path().join("scratch")).expect("source");
        let one_by_one: Vec<_> = ids.iter().map(|id| source.certificate(id).expect("read")).collect();
        assert!(one_by_one.iter().all(|r| r.as_ref().is_some_and(|r| !r.history.is_empty())), "{one_by_one:?}");
        assert_eq!(source.certificates(&ids).expect("read at once"), one_by_one);

        let unknown = nanotrace_model::ids::certificate_id(&"ef".repeat(32), 7);
        ids.insert(1, unknown);
        let read = source.certificates(&ids).expect("read at once");
        assert_eq!(read.len(), 4);
        assert_eq!(read[1], None);
        assert_eq!([&read[0], &read[2], &read[3]], [&one_by_one[0], &one_by_one[1], &one_by_one[2]]);
    }

    #[test]
    fn a_missing_ledger_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = EmbeddedSource::open(dir.path(), &dir.path().join("scratch")).expect_err("no ledger");
        let text = err.to_string();
        assert!(text.starts_with("no embedded ledger at "), "{text}");
        assert!(text.contains("nanotrace init") && text.contains("--data-dir"), "{text}");
    }
}
