//! (o) A consignment of 1,000 items on Fabric (issue 48): certificates in every state a
//! live network reaches within the suite (VALID, REVOKED, SUSPENDED, PENDING, REJECTED,
//! SUPERSEDED and its renewal; EXPIRED needs a validity of whole days to pass, which the
//! embedded ledger's tests cover with a clock of their own), named every way an officer
//! meets them — certificate IDs, verification URLs with and without the offline token (one
//! tampered with), GS1 element strings and Digital Link URIs of certified, uncertified
//! and unknown lots, a GTIN without a lot, malformed text — repeated to 1,000 items.
//!
//! The public verifier follows the Regulator's peer and checks the list
//! (`POST /api/v1/verify`, JSON, then the same list as CSV; the consignment page's form,
//! its printable report and its CSV download); `nanotrace verify --manifest`
//! checks it against the Manufacturer's gateway. Every item must have the outcome, verdict,
//! problem and certificate its form and state call for, in the order given, in both, and
//! the CSV report must be the JSON report's rows, the page's download the same bytes, and
//! the printable report must show the counts and the CSV's SHA-256. A 1,001st item is refused and changes nothing.

use crate::network::Network;
use crate::steps::{now, World};
use nanotrace_client::{NanoTrace, Wait};
use nanotrace_model::consignment::{csv_format, ConsignmentReport, ItemReport, Outcome, Problem, MAX_ITEMS};
use nanotrace_model::ids::certificate_id;
use nanotrace_model::*;
use nanotrace_testkit::fabric::verifier::{try_get, try_post, VerifierProcess};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one item must come back as.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    outcome: Outcome,
    verdict: Option<Verdict>,
    problem: Option<Problem>,
    certificate_id: Option<String>,
}

fn expected(verdict: Option<Verdict>, problem: Option<Problem>, id: Option<&str>) -> Expected {
    let outcome = problem.map_or(Outcome::Valid, Problem::outcome);
    Expected { outcome, verdict, problem, certificate_id: id.map(str::to_owned) }
}

/// What an item's report says, in the terms of [`Expected`].
fn got(item: &ItemReport) -> Expected {
    Expected {
        outcome: item.outcome,
        verdict: item.verdict,
        problem: item.problem,
        certificate_id: item.certificate_id.clone(),
    }
}

/// The sample application's GTIN as the 14 digits of a GS1 key.
fn gtin14() -> String {
    format!("{:0>14}", crate::steps::application("x").gtin.expect("the sample application names a GTIN"))
}

/// The lot of the step's certificate in `state`.
fn lot(state: &str) -> String {
    format!("LOT-E2E-CONSIGNMENT-{state}")
}

/// The certificates of the step, one per state.
struct Made {
    valid: String,
    revoked: String,
    suspended: String,
    pending: String,
    rejected: String,
    superseded: String,
    renewed: String,
}

fn make(w: &World) -> Made {
    let alice = NanoTrace::new(w.alice.clone());
    let issued = |state: &str| w.issue(&lot(state));
    let valid = issued("VALID");
    let revoked = issued("REVOKED");
    alice.revoke(&revoked, "consignment step: contamination confirmed").wait().expect("Revoke");
    w.expect(&revoked, CertificateStatus::Revoked);
    let suspended = issued("SUSPENDED");
    alice.suspend(&suspended, "consignment step: recalled for re-testing").wait().expect("Suspend");
    w.expect(&suspended, CertificateStatus::Suspended);
    let pending = w.apply(&lot("PENDING")).value;
    let rejected = w.apply(&lot("REJECTED")).value;
    alice.reject(&rejected, "consignment step: the particle sizes are not measured").wait().expect("Reject");
    w.expect(&rejected, CertificateStatus::Rejected);
    let superseded = issued("RENEWED");
    let renewed = alice.renew(&superseded, &w.signer, &w.certifier_msp, now(), None).wait().expect("Renew");
    // The old ID, then the new.
    assert_eq!(renewed.value.len(), 2, "Renew names the old and the new certificate: {:?}", renewed.value);
    assert_eq!(renewed.value[0], superseded);
    let renewed = renewed.value[1].clone();
    w.expect(&superseded, CertificateStatus::Superseded);
    w.expect(&renewed, CertificateStatus::Active);
    Made { valid, revoked, suspended, pending, rejected, superseded, renewed }
}

/// The verifier's API answer for `id` (status, JSON), or why none came.
fn api_json(verifier: &VerifierProcess, id: &str) -> Option<serde_json::Value> {
    let (status, body) = try_get(verifier.addr, &format!("/api/v1/certificates/{id}")).ok()?;
    (status == 200).then(|| serde_json::from_str(&body).ok()).flatten()
}

/// Waits (up to a minute) until the verifier's cache says `verdict` for `id`.
fn wait_verdict(verifier: &VerifierProcess, id: &str, verdict: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let json = api_json(verifier, id);
        if let Some(json) = json.as_ref().filter(|j| j["verdict"] == verdict) {
            return json.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the verifier never said {verdict} for {id}: {:?}",
            json.as_ref().map(|j| (j["verdict"].clone(), j["reason"].clone()))
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The list's forms, each with what it must come back as; `token` is the VALID
/// certificate's offline token and `page` its verification URL.
fn forms(m: &Made, page: &str, token: &str) -> Vec<(String, Expected)> {
    use Problem as P;
    use Verdict as V;
    let g = gtin14();
    // One character of the signature part changed: it decodes, and does not verify.
    let tampered: String = {
        let mut chars: Vec<char> = token.chars().collect();
        let at = chars.len() - 3;
        chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    };
    let unknown = certificate_id(&"0".repeat(64), 7);
    vec![
        (m.valid.clone(), expected(Some(V::Valid), None, Some(&m.valid))),
        (format!("{page}?t={token}"), expected(Some(V::Valid), None, Some(&m.valid))),
        (page.to_owned(), expected(Some(V::Valid), None, Some(&m.valid))),
        (format!("{page}?t={tampered}"), expected(Some(V::Valid), Some(P::TokenInvalid), Some(&m.valid))),
        (m.revoked.clone(), expected(Some(V::Revoked), Some(P::Revoked), Some(&m.revoked))),
        (m.suspended.clone(), expected(Some(V::Suspended), Some(P::Suspended), Some(&m.suspended))),
        (m.pending.clone(), expected(Some(V::Pending), Some(P::NotIssued), Some(&m.pending))),
        (m.rejected.clone(), expected(Some(V::Rejected), Some(P::NotIssued), Some(&m.rejected))),
        (m.superseded.clone(), expected(Some(V::Superseded), Some(P::Superseded), Some(&m.superseded))),
        (m.renewed.clone(), expected(Some(V::Valid), None, Some(&m.renewed))),
        (unknown.clone(), expected(Some(V::Unknown), Some(P::NotFound), Some(&unknown))),
        (format!("(01){g}(10){}", lot("VALID")), expected(Some(V::Valid), None, Some(&m.valid))),
        (
            format!("https://id.nanotrace.test/01/{g}/10/{}", lot("VALID")),
            expected(Some(V::Valid), None, Some(&m.valid)),
        ),
        (
            format!("https://id.nanotrace.test/01/{g}/10/{}", lot("REVOKED")),
            expected(Some(V::Revoked), Some(P::Revoked), Some(&m.revoked)),
        ),
        (format!("(01){g}(10){}", lot("PENDING")), expected(Some(V::Unknown), Some(P::LotNotCertified), None)),
        (format!("(01){g}(10)LOT-NOBODY-MADE"), expected(Some(V::Unknown), Some(P::LotNotCertified), None)),
        (format!("(01){g}"), expected(Some(V::Unknown), Some(P::NoLot), None)),
        ("a pallet label".to_owned(), expected(None, Some(P::Malformed), None)),
        ("NT-123".to_owned(), expected(None, Some(P::Malformed), None)),
    ]
}

/// Checks `report` against `want`, item by item and in its summary.
fn check(who: &str, report: &ConsignmentReport, want: &[(String, Expected)]) {
    assert_eq!(report.items.len(), want.len(), "{who}: one answer per item");
    for (i, (item, (input, expected))) in report.items.iter().zip(want).enumerate() {
        assert_eq!((item.index, item.input.as_str()), (i, input.as_str()), "{who}: the items in the order given");
        assert_eq!(&got(item), expected, "{who}: item {i} {input:?}: {}", item.reason);
    }
    let count = |o: Outcome| want.iter().filter(|(_, e)| e.outcome == o).count();
    let s = &report.summary;
    assert_eq!(
        (s.total, s.valid, s.not_valid, s.errors),
        (want.len(), count(Outcome::Valid), count(Outcome::NotValid), count(Outcome::Error)),
        "{who}: the summary"
    );
}

pub(crate) fn consignment(w: &World, net: &Network) {
    let made = make(w);
    let scratch = net.scratch().join("consignment");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let verifier = VerifierProcess::start(
        &nanotrace_testkit::bins::workspace_bin("nanotrace-verifier"),
        &net.run_dir.join("profiles/regulator-rita.yaml"),
        &scratch.join("cache"),
        &scratch.join("verifier.log"),
        // Lists back to back: a full list weighs the whole default burst (100 requests),
        // which refills at 50/s; the limit's own tests are the web layer's.
        &["--poll-ms", "100", "--rate-per-sec", "1000", "--rate-burst", "1000"],
    );
    // The verifier has followed every change of the step (the renewal last).
    let valid = wait_verdict(&verifier, &made.valid, "VALID");
    wait_verdict(&verifier, &made.superseded, "SUPERSEDED");
    wait_verdict(&verifier, &made.renewed, "VALID");
    let token = valid["token"].as_str().expect("an issued certificate's offline token").to_owned();
    let page = valid["verify_url"].as_str().expect("the verification URL").to_owned();
    let verifier_url = page.rsplit_once("/c/").map(|(base, _)| base).expect("a verification URL ends in /c/{id}");

    let forms = forms(&made, &page, &token);
    let want: Vec<(String, Expected)> = forms.iter().cycle().take(MAX_ITEMS).cloned().collect();
    let items: Vec<&str> = want.iter().map(|(input, _)| input.as_str()).collect();
    let height = w.height();

    // The verifier, JSON in and out.
    let body = serde_json::to_vec(&serde_json::json!({ "items": items })).expect("json");
    let t = Instant::now();
    let (status, answer) =
        try_post(verifier.addr, "/api/v1/verify", "application/json", "application/json", &body).expect("POST");
    let took = t.elapsed();
    assert_eq!(status, 200, "{answer}");
    let report: ConsignmentReport = serde_json::from_str(&answer).expect("a consignment report");
    check("the verifier", &report, &want);
    assert!(report.ledger_block.is_some_and(|b| b + 5 >= height), "the report names the block: {report:?}");

    // The same list as CSV: the report's rows, as CSV.
    let csv_list: String = items.iter().map(|i| format!("\"{}\"\r\n", i.replace('"', "\"\""))).collect();
    let (status, csv) =
        try_post(verifier.addr, "/api/v1/verify", "text/csv", "text/csv", csv_list.as_bytes()).expect("POST CSV");
    assert_eq!(status, 200, "{csv}");
    assert_eq!(csv.as_bytes(), csv_format::write_report(&report.items), "the CSV report is the JSON report's rows");

    // The page (`POST /consignment`, the form a customs officer sends): the printable
    // report with the counts and the digest of the CSV, and that CSV to download.
    let list = items.join("\r\n");
    let form = |format: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("items", &list)
            .append_pair("format", format)
            .finish()
    };
    let urlencoded = "application/x-www-form-urlencoded";
    let (status, page_csv) =
        try_post(verifier.addr, "/consignment", urlencoded, "text/csv", form("csv").as_bytes()).expect("POST the form");
    assert_eq!(status, 200, "{page_csv}");
    assert_eq!(page_csv, csv, "the page's CSV is the API's");
    let (status, html) = try_post(verifier.addr, "/consignment", urlencoded, "text/html", form("html").as_bytes())
        .expect("POST the form");
    assert_eq!(status, 200, "{html}");
    let s = &report.summary;
    for shown in [
        format!("<b class=\"n-valid\">{} valid</b>", s.valid),
        format!("<b class=\"n-not-valid\">{} not valid</b>", s.not_valid),
        format!("<b class=\"n-errors\">{} not checked</b> of {} items", s.errors, s.total),
        format!("SHA-256 {}", hex::encode(Sha256::digest(csv.as_bytes()))),
    ] {
        assert!(html.contains(&shown), "the printable report shows {shown}");
    }

    // One item more: refused, whole.
    let mut too_many = items.clone();
    too_many.push(&made.valid);
    let body = serde_json::to_vec(&serde_json::json!({ "items": too_many })).expect("json");
    let (status, answer) =
        try_post(verifier.addr, "/api/v1/verify", "application/json", "application/json", &body).expect("POST");
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("at most 1000 items"), "{answer}");

    // The CLI against the Manufacturer's gateway: the same answers.
    let manifest = scratch.join("manifest.json");
    std::fs::write(&manifest, serde_json::to_vec(&serde_json::json!({ "items": items })).expect("json"))
        .expect("write the manifest");
    let t = Instant::now();
    let out = Command::new(nanotrace_systests::nanotrace_cli())
        .args(["--network", "fabric", "--profile"])
        .arg(net.run_dir.join("profiles/manufacturer-dave.yaml"))
        .args(["--json", "verify", "--manifest"])
        .arg(&manifest)
        // The verifier whose pages the list's links name is the CLI's own: a link of
        // another site is `foreign_site`, never looked up.
        .args(["--verify-url", verifier_url])
        .env_remove("NANOTRACE_DATA_DIR")
        .env_remove("NANOTRACE_IDENTITY")
        .stdin(Stdio::null())
        .output()
        .expect("run nanotrace verify --manifest");
    let cli_took = t.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "not every item is valid: exit 2\n{}", String::from_utf8_lossy(&out.stderr));
    let cli: ConsignmentReport = serde_json::from_str(&stdout).expect("verify --manifest --json");
    check("nanotrace verify --manifest", &cli, &want);
    let by_problem: BTreeMap<&str, usize> = report.items.iter().fold(BTreeMap::new(), |mut m, i| {
        *m.entry(i.problem.map_or("none", Problem::as_str)).or_default() += 1;
        m
    });
    eprintln!(
        "      {} items ({} forms): {} valid, {} not valid, {} errors; by problem {by_problem:?}",
        report.summary.total,
        forms.len(),
        report.summary.valid,
        report.summary.not_valid,
        report.summary.errors
    );
    eprintln!(
        "      the verifier checked them in {took:.1?} (JSON), the CLI against dave's gateway in {cli_took:.1?}; both as expected item by item"
    );
}
