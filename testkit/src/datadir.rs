//! Embedded data directories with the sample network, as the CLI's `init` makes them, for
//! tests that run a service (verifier, notifier) as a real process beside the ledger.

use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, DataDir, ADMIN, APPLICANT, CERTIFIER, CERTIFIER_MSP, MANUFACTURER_MSP};
use nanotrace_embedded::devmsp::NodeType;
use nanotrace_model::{OrgKind, Role};

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

/// Stores in the data directory `data`, as the local identity `name`, a second
/// certificate for the name of its member `existing` (the same subject and CA, so the
/// same contract identity) certifying a new key: what an organisation's CA admin makes
/// when it enrolls a member's name again. Answers the new certificate's PEM.
pub fn twin_identity(data: &std::path::Path, existing: &str, name: &str) -> String {
    use rcgen::{CertificateParams, DistinguishedName, DnType, Issuer, KeyPair, KeyUsagePurpose};
    let dir = DataDir::open(data).expect("open data dir");
    let member = dir.msp.identity(existing).expect("the existing member");
    let ca = data.join("msp").join(&member.msp_id).join("ca");
    let read = |file: &str| std::fs::read_to_string(ca.join(file)).expect("the organisation's CA");
    let issuer =
        Issuer::from_ca_cert_pem(&read("cert.pem"), KeyPair::from_pem(&read("key.pem")).expect("CA key")).expect("CA");
    let (_, pem) = x509_parser::pem::parse_x509_pem(member.cert_pem.as_bytes()).expect("PEM");
    let cert = pem.parse_x509().expect("X.509");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, member.msp_id.as_str());
    for ou in cert.subject().iter_organizational_unit() {
        dn.push(DnType::OrganizationalUnitName, ou.as_str().expect("OU"));
    }
    dn.push(DnType::CommonName, existing);
    let mut params = CertificateParams::default();
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let twin = params.signed_by(&key, &issuer).expect("sign").pem();
    dir.msp.import(name, &member.msp_id, &twin, &key.serialize_pem()).expect("import the twin");
    twin
}

/// The body's finance member [`billing_network`] enrolls.
pub const FINANCE: &str = "fiona@certifier";
/// The second manufacturer [`billing_network`] registers, and its member.
pub const OTHER_MAKER_MSP: &str = "OtherMakerMSP";
/// The second manufacturer's member.
pub const OTHER_MAKER: &str = "oscar@othermaker";

/// The sample network at `data` ready for billing: both parties' billing details, the
/// body's finance member ([`FINANCE`]) with the role, the body's fees for the
/// manufacturer, and a second manufacturer ([`OTHER_MAKER_MSP`]) with a member.
pub fn billing_network(data: &std::path::Path) -> DataDir {
    let dir = sample_network(data);
    let admin = dir.client(ADMIN).expect("admin");
    dir.msp.enroll(FINANCE, CERTIFIER_MSP, NodeType::Client).expect("finance member");
    admin.grant_role(dir.holder(FINANCE).expect("holder"), Role::Finance).wait().expect("grant finance");
    admin.set_billing_details(CERTIFIER_MSP, crate::sample_body_billing()).wait().expect("body details");
    admin
        .set_billing_details(MANUFACTURER_MSP, crate::sample_manufacturer_billing())
        .wait()
        .expect("manufacturer details");
    admin.register_organization(OTHER_MAKER_MSP, "Other Maker AG", OrgKind::Manufacturer).wait().expect("register");
    dir.msp.enroll(OTHER_MAKER, OTHER_MAKER_MSP, NodeType::Client).expect("other maker's member");
    let certifier = dir.client(CERTIFIER).expect("certifier");
    certifier.set_fee_schedule(MANUFACTURER_MSP, crate::sample_fee_schedule()).wait().expect("fees");
    dir
}
