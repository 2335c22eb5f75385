//! Embedded data directories with the sample network, as the CLI's `init` makes them, for
//! tests that run a service (verifier, notifier) as a real process beside the ledger.

use nanotrace_embedded::datadir::{self, DataDir, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_peer_client::Wait;

/// A data directory at `data` with the sample network (admin, certifier, applicant,
/// inspector).
pub fn sample_network(data: &std::path::Path) -> DataDir {
    let dir = DataDir::open(data).expect("open data dir");
    dir.init_sample_network(datadir::now()).expect("init sample network");
    dir
}

/// Applies for the sample application of `lot` as the applicant and approves it as the
/// certifier; returns the certificate ID.
pub fn issue(dir: &DataDir, lot: &str) -> String {
    let id =
        dir.client(APPLICANT).expect("applicant").apply(&crate::sample_application(lot)).wait().expect("apply").value;
    let signer = dir.signer(CERTIFIER).expect("signer");
    dir.client(CERTIFIER)
        .expect("certifier")
        .approve(&id, &signer, CERTIFIER_MSP, datadir::now(), None)
        .wait()
        .expect("approve");
    id
}

/// `count` sample applications (lots `{prefix}-0000`, …) in one `ApplyBatch`, approved in
/// one `ApproveBatch`; returns their IDs.
pub fn issue_batch(dir: &DataDir, prefix: &str, count: usize) -> Vec<String> {
    let applicant = dir.client(APPLICANT).expect("applicant");
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let signer = dir.signer(CERTIFIER).expect("signer");
    let apps = (0..count).map(|i| crate::sample_application(&format!("{prefix}-{i:04}"))).collect();
    let ids = applicant.apply_batch(apps).wait().expect("apply batch").value;
    let approvals = ids
        .iter()
        .map(|id| certifier.prepare_approval(id, &signer, CERTIFIER_MSP, datadir::now(), None).wait().expect("prepare"))
        .collect();
    certifier.approve_batch(approvals).wait().expect("approve batch");
    ids
}
