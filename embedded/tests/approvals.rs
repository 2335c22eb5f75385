//! `prepare_approvals` over the embedded ledger: the certificates read `READ_CHUNK` per
//! `GetCertificates`, and read one `GetCertificate` each from a contract deployed before
//! `GetCertificates` existed; either way the approvals it signs issue the certificates.

use nanotrace_client::{ApiError, ApprovalSigning, NanoTrace, PreparedTx, Submitted, Transport, Wait, READ_CHUNK};
use nanotrace_embedded::datadir::{self, DataDir, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_embedded::transport::EmbeddedTransport;
use nanotrace_model::{credential, status, unknown_function_message, Application, CertificateStatus, Function};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The embedded transport, counting queries by function; `older` refuses
/// `GetCertificates` as a contract that does not know it does.
struct Counted {
    inner: EmbeddedTransport,
    older: bool,
    queries: Mutex<BTreeMap<String, usize>>,
}

impl Counted {
    fn count(&self, function: &str) -> usize {
        self.queries.lock().expect("lock").get(function).copied().unwrap_or(0)
    }
}

impl Transport for Counted {
    async fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        self.inner.submit(function, args).await
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        *self.queries.lock().expect("lock").entry(function.to_owned()).or_default() += 1;
        if self.older && function == Function::GetCertificates.name() {
            return Err(ApiError::Contract {
                code: "BAD_REQUEST".into(),
                message: unknown_function_message(function),
                tx_id: None,
                grpc: None,
            });
        }
        self.inner.evaluate(function, args).await
    }
}

fn pending(dir: &DataDir, lot: &str, n: usize) -> Vec<String> {
    let sample = datadir::sample_application().expect("sample application");
    let apps: Vec<Application> = (0..n)
        .map(|i| {
            let mut app = sample.clone();
            app.batch = format!("{lot}-{i}");
            app.client_ref = None;
            app
        })
        .collect();
    dir.client(APPLICANT).expect("applicant").apply_batch(apps).wait().expect("ApplyBatch").value
}

#[test]
fn approvals_are_prepared_from_chunked_reads_or_one_by_one_from_an_older_contract() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::open(&tmp.path().join("data")).expect("data dir");
    dir.init_sample_network(datadir::now()).expect("sample network");
    let signer = dir.signer(CERTIFIER).expect("issuer key");
    let creator = dir.msp.identity(CERTIFIER).expect("certifier").creator();
    for older in [false, true] {
        let n = 2 * READ_CHUNK + 17;
        let ids = pending(&dir, if older { "LOT-OLD" } else { "LOT-NEW" }, n);
        let transport = Counted {
            inner: EmbeddedTransport::new(dir.ledger.clone(), creator.clone()),
            older,
            queries: Mutex::default(),
        };
        let certifier = NanoTrace::new(transport);
        let approvals =
            certifier.prepare_approvals(&ids, &signer, CERTIFIER_MSP, datadir::now(), None).wait().expect("prepared");
        assert_eq!(approvals.iter().map(|a| a.certificate_id.clone()).collect::<Vec<_>>(), ids, "in order");
        let counted = certifier.transport();
        if older {
            assert_eq!(counted.count("GetCertificate"), n, "one read each from an older contract");
        } else {
            assert_eq!(counted.count("GetCertificates"), n.div_ceil(READ_CHUNK), "chunked reads");
            assert_eq!(counted.count("GetCertificate"), 0);
        }
        let issued = certifier.approve_batch(approvals).wait().expect("ApproveBatch").value;
        assert_eq!(issued, ids);
        for id in [&ids[0], &ids[n - 1]] {
            let cert = certifier.get_certificate(id).wait().expect("read");
            assert_eq!(cert.status, CertificateStatus::Active, "{id}");
        }
    }
}

/// The embedded transport whose first `refused` submits under a prepared ID are refused
/// as the contract refuses a credential signed for positions another transaction took
/// (nothing submitted), recording every prepared ID it is asked to submit under.
struct Raced {
    inner: EmbeddedTransport,
    refused: usize,
    submitted: Mutex<Vec<String>>,
}

impl Transport for Raced {
    async fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        self.inner.submit(function, args).await
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        self.inner.evaluate(function, args).await
    }

    fn prepare(&self) -> Option<PreparedTx> {
        self.inner.prepare()
    }

    async fn submit_prepared(&self, tx: &PreparedTx, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        let tries = {
            let mut submitted = self.submitted.lock().expect("lock");
            submitted.push(tx.tx_id.clone());
            submitted.len()
        };
        if tries <= self.refused {
            return Err(ApiError::Contract {
                code: "CONFLICT".into(),
                message: format!("[{}] certificate NT-X is given status-list position 1 …", status::POSITION_TAKEN),
                tx_id: Some(tx.tx_id.clone()),
                grpc: None,
            });
        }
        self.inner.submit_prepared(tx, function, args).await
    }
}

#[test]
fn an_approval_carries_its_credentials_in_one_transaction_and_is_signed_again_when_its_positions_were_taken() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::open(&tmp.path().join("data")).expect("data dir");
    dir.init_sample_network(datadir::now()).expect("sample network");
    let signer = dir.signer(CERTIFIER).expect("issuer key");
    let creator = dir.msp.identity(CERTIFIER).expect("certifier").creator();
    let ids = pending(&dir, "LOT-ONE-TX", 70);
    let certifier = NanoTrace::new(Raced {
        inner: EmbeddedTransport::new(dir.ledger.clone(), creator),
        refused: 2,
        submitted: Mutex::default(),
    });
    let terms = certifier
        .credential_terms(CERTIFIER_MSP, "https://nowhere.example")
        .wait()
        .expect("organizations")
        .expect("the sample certification body has a status base");
    let certs = certifier.get_certificates(&ids).wait().expect("read");
    let signing = ApprovalSigning { signer: &signer, issuer_org: CERTIFIER_MSP, validity_days: None };
    let height = dir.ledger.height().expect("height");
    let issued =
        certifier.approve_certificates(&certs, &signing, datadir::now(), Some(&terms)).wait().expect("approved");
    assert_eq!(issued.value, ids);
    assert_eq!(dir.ledger.height().expect("height"), height + 1, "one transaction, credentials included");
    let tried = certifier.transport().submitted.lock().expect("lock").clone();
    assert_eq!(tried.len(), 3, "signed again after each refusal");
    assert_eq!(tried.iter().collect::<std::collections::BTreeSet<_>>().len(), 3, "each time under a new ID");
    assert_eq!(issued.tx_id, tried[2]);
    let organizations = certifier.organizations().wait().expect("organizations");
    let trust_list = certifier.issuer_keys().wait().expect("trust list");
    let mut positions = std::collections::BTreeSet::new();
    for cert in certifier.get_certificates(&ids).wait().expect("read") {
        assert_eq!(cert.status, CertificateStatus::Active);
        assert!(positions.insert(cert.status_index.expect("a position")));
        let vc = credential::recorded(&cert, &trust_list, &organizations, None).expect("its credential is recorded");
        assert_eq!(vc["credentialSubject"]["issuingTransaction"], issued.tx_id.as_str());
    }
    // Refused more often than it retries: the refusal is returned, nothing written.
    let more = pending(&dir, "LOT-GIVE-UP", 2);
    let creator = dir.msp.identity(CERTIFIER).expect("certifier").creator();
    let refused = nanotrace_client::POSITION_RETRIES as usize + 1;
    let certifier = NanoTrace::new(Raced {
        inner: EmbeddedTransport::new(dir.ledger.clone(), creator),
        refused,
        submitted: Mutex::default(),
    });
    let certs = certifier.get_certificates(&more).wait().expect("read");
    let height = dir.ledger.height().expect("height");
    let e = certifier
        .approve_certificates(&certs, &signing, datadir::now(), Some(&terms))
        .wait()
        .expect_err("refused every time");
    assert!(nanotrace_client::is_taken_position(&e), "{e}");
    assert_eq!(dir.ledger.height().expect("height"), height);
}
