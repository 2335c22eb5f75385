//! `prepare_approvals` over the embedded ledger: the certificates read `READ_CHUNK` per
//! `GetCertificates`, and read one `GetCertificate` each from a contract deployed before
//! `GetCertificates` existed; either way the approvals it signs issue the certificates.

use nanotrace_client::{ApiError, NanoTrace, Submitted, Transport, Wait, READ_CHUNK};
use nanotrace_embedded::datadir::{self, DataDir, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_embedded::transport::EmbeddedTransport;
use nanotrace_model::{unknown_function_message, Application, CertificateStatus, Function};
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
