//! An embedded ledger written by the contract before the write-once layout (issue 28),
//! opened by this version: `tests/fixtures/layout-v1/backup.tar.gz` is a data directory
//! that the previous version's `nanotrace` made and backed up (`make.sh` beside it says
//! how), with a certificate in every state; `expected.json` holds that version's answers
//! about them. Restored with this version, every certificate reads exactly as it did,
//! the ledger checks clean, the new version changes the old certificates (approval of an
//! old application, suspension, reinstatement with and without a fresh signature, an SDS
//! revision, renewal, revocation) and issues new ones in the write-once layout: the
//! approval writes the certificate's state and leaves its record as applied. New
//! applications wait for the manufacturer's GS1 Company Prefix (issue 44).
//!
//! And a ledger of the contract before the status lists
//! (`tests/fixtures/before-status-lists`): its certificates get their status-list
//! position when their credential is attached (issue 44).

use crate::support::*;
use nanotrace_shim::{create_composite_key, Creator, Stub};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture_named(name: &str) -> PathBuf {
    let root =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    root.join("tests/fixtures").join(name)
}

/// The fixture `name`'s backup restored with this version into `tmp`/data (checked
/// intact), and its `expected.json`.
fn restored(tmp: &Path, name: &str) -> (PathBuf, Value) {
    let backup = tmp.join("backup");
    std::fs::create_dir(&backup).expect("backup folder");
    let unpacked = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(fixture_named(name).join("backup.tar.gz"))
        .arg("-C")
        .arg(&backup)
        .status()
        .expect("run tar");
    assert!(unpacked.success(), "tar -xzf of the fixture");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(fixture_named(name).join("expected.json")).expect("expected.json"))
            .expect("JSON");
    let data = tmp.join("data");
    let report = ok_json(&data, None, &["ledger", "restore", backup.to_str().expect("UTF-8 path")]);
    assert_eq!(report["check"], "intact", "{report}");
    (data, expected)
}

/// The values and the number of versions of `key` in the ledger of `data`.
fn raw(data: &Path, key: &str) -> (Option<Value>, usize) {
    let ledger = nanotrace_ledger::Ledger::open(&data.join("ledger")).expect("open the ledger");
    let reader = Creator { msp_id: "RegulatorMSP".into(), id_bytes: Vec::new() };
    ledger
        .evaluate(&reader, None, |s| -> Result<_, ReadError> {
            let value = s.get_state(key).map_err(|e| ReadError(e.to_string()))?;
            let versions = s.get_history_for_key(key).map_err(|e| ReadError(e.to_string()))?.len();
            Ok((value.map(|v| serde_json::from_slice(&v).expect("JSON value")), versions))
        })
        .expect("read the ledger")
}

#[derive(Debug)]
#[allow(dead_code)] // read by Debug when a read fails
struct ReadError(String);

impl From<nanotrace_ledger::LedgerError> for ReadError {
    fn from(e: nanotrace_ledger::LedgerError) -> Self {
        ReadError(e.to_string())
    }
}

fn keys(id: &str) -> (String, String) {
    (create_composite_key("cert", &[id]).expect("key"), create_composite_key("cert~state", &[id]).expect("key"))
}

fn actions(data: &Path, id: &str) -> Vec<(String, String)> {
    let history = ok_json(data, None, &["history", id]);
    history
        .as_array()
        .expect("history list")
        .iter()
        .map(|h| (h["action"].as_str().expect("action").to_owned(), h["status"].as_str().expect("status").to_owned()))
        .collect()
}

/// Every page of `args` (`queue …` or `mine …`), two certificates a page so that pages
/// end inside a transaction's list: the IDs listed, in order.
fn all_pages(data: &Path, args: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    let mut bookmark = String::new();
    loop {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--page-size", "2", "--bookmark", &bookmark]);
        let page = ok_json(data, Some(CERTIFIER), &all);
        let certs = page["certificates"].as_array().expect("certificates");
        assert!(certs.len() <= 2, "{page}");
        ids.extend(certs.iter().map(|c| c["id"].as_str().expect("id").to_owned()));
        bookmark = page["bookmark"].as_str().expect("bookmark").to_owned();
        if bookmark.is_empty() {
            return ids;
        }
    }
}

/// The status index and the manufacturer index name exactly the certificates `ids`
/// (all of the applicant's organisation), each once, under the status `show` gives: the
/// old version's one key per certificate and this version's lists per transaction
/// together.
fn indexes_agree(data: &Path, ids: &[String]) {
    let mut by_status: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for id in ids {
        let shown = ok_json(data, Some(INSPECTOR), &["show", id]);
        by_status.entry(shown["status"].as_str().expect("status").to_owned()).or_default().push(id.clone());
    }
    for status in ["PENDING", "ACTIVE", "SUSPENDED", "REVOKED", "REJECTED", "SUPERSEDED"] {
        let mut listed = all_pages(data, &["queue", "--status", status]);
        listed.sort();
        let mut want = by_status.remove(status).unwrap_or_default();
        want.sort();
        assert_eq!(listed, want, "the {status} list");
    }
    assert!(by_status.is_empty(), "statuses not listed: {by_status:?}");
    let mut mine = all_pages(data, &["mine", "--msp", "ManufacturerMSP"]);
    mine.sort();
    let mut want = ids.to_vec();
    want.sort();
    assert_eq!(mine, want, "the manufacturer's list");
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, s)| ((*a).to_owned(), (*s).to_owned())).collect()
}

/// Role grants of the earlier contract name no key: each is bound to the key of the
/// first certificate of its identity that uses it in a committed transaction (queries
/// bind nothing); from then on a second certificate the organisation's CA issues under the
/// holder's name is refused (`role.key`), until the old key approves it.
#[test]
fn the_earlier_versions_role_grants_bind_to_their_first_use() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, expected) = restored(tmp.path(), "layout-v1");
    let alice = ok_json(&data, Some(CERTIFIER), &["whoami"]);
    let role_key = create_composite_key(
        "role",
        &[
            alice["identity"]["msp_id"].as_str().expect("MSP"),
            alice["identity"]["id"].as_str().expect("ID"),
            "certifier",
        ],
    )
    .expect("key");
    let (grant, versions) = raw(&data, &role_key);
    let grant = grant.expect("the earlier version's grant");
    assert_eq!((grant.get("key"), versions), (None, 1), "{grant}");
    assert_eq!(alice["roles"], serde_json::json!(["certifier"]), "the query answers as before");
    assert_eq!(raw(&data, &role_key).1, 1, "a query binds nothing");

    let pending = expected["ids"]["pending"].as_str().expect("ids.pending").to_owned();
    ok_json(&data, Some(CERTIFIER), &["approve", &pending]);
    let (grant, versions) = raw(&data, &role_key);
    let grant = grant.expect("the grant");
    assert_eq!((grant["key"].as_str(), versions), (alice["key"].as_str(), 2), "bound by the approval: {grant}");
    assert_eq!(grant["key_source"]["how"], "first_use", "{grant}");

    // The Certifier's CA issues alice's name again for another key: it holds nothing.
    nanotrace_testkit::datadir::twin_identity(&data, CERTIFIER, "mallory");
    let mallory = ok_json(&data, Some("mallory"), &["whoami"]);
    assert_eq!(mallory["identity"], alice["identity"], "the same identity");
    assert_eq!(
        (mallory["roles"].clone(), mallory["roles_of_other_key"].clone()),
        (serde_json::json!([]), serde_json::json!(["certifier"]))
    );
    let active = expected["ids"]["active"].as_str().expect("ids.active").to_owned();
    let refused = nt(&data, Some("mallory"), &["suspend", &active, "--reason", "takeover"]);
    assert_clean_error(&refused, &["UNAUTHORIZED", "[role.key]"]);
    assert_verdict(&data, &active, "VALID");
    // alice approves the new key: it acts, her old one no longer does.
    ok_json(&data, Some(CERTIFIER), &["approve-key", "mallory"]);
    ok_json(&data, Some("mallory"), &["suspend", &active, "--reason", "re-enrolled"]);
    let refused = nt(&data, Some(CERTIFIER), &["reinstate", &active, "--reason", "old key"]);
    assert_clean_error(&refused, &["UNAUTHORIZED", "[role.key]"]);
    assert_eq!(raw(&data, &role_key).1, 3, "the grant's history: as granted, bound, handed on");
}

#[test]
fn a_ledger_of_the_whole_record_layout_reads_the_same_and_changes_in_the_write_once_layout() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, expected) = restored(tmp.path(), "layout-v1");
    let id = |name: &str| expected["ids"][name].as_str().unwrap_or_else(|| panic!("ids.{name}")).to_owned();

    // Every certificate reads as the old version answered: record, verdict, history.
    for read in expected["read"].as_array().expect("read") {
        let cert = &read["show"];
        let cid = cert["id"].as_str().expect("id");
        assert_eq!(&ok_json(&data, Some(INSPECTOR), &["show", cid]), cert, "{cid} reads differently");
        let (_, _, verified) = verify(&data, cid);
        assert_eq!(verified["verdict"], read["verify"]["verdict"], "{cid}'s verdict");
        assert_eq!(verified["certificate"], read["verify"]["certificate"], "{cid} as verified");
        assert_eq!(&ok_json(&data, None, &["history", cid]), &read["history"], "{cid}'s history");
    }
    let height_before = height(&data);
    let mut all: Vec<String> =
        expected["ids"].as_object().expect("ids").values().map(|v| v.as_str().expect("ID").to_owned()).collect();
    indexes_agree(&data, &all);

    // The old application approved by the new version: the record as the old version
    // wrote it stays (one version), the decision is the new state key.
    let pending = id("pending");
    let (record_key, state_key) = keys(&pending);
    let (record_before, versions) = raw(&data, &record_key);
    assert_eq!(versions, 1);
    ok_json(&data, Some(CERTIFIER), &["approve", &pending]);
    assert_verdict(&data, &pending, "VALID");
    assert_eq!(raw(&data, &record_key), (record_before, 1), "the approval rewrote the old application's record");
    let (state, versions) = raw(&data, &state_key);
    assert_eq!((state.expect("a state")["status"].as_str(), versions), (Some("ACTIVE"), 1));
    assert_eq!(actions(&data, &pending), pairs(&[("approved", "ACTIVE"), ("applied", "PENDING")]));

    // An old issued certificate keeps its whole-record layout (its key is protected as
    // issued): each change rewrites it; no state key appears.
    let active = id("active");
    let (record_key, state_key) = keys(&active);
    ok_json(&data, Some(CERTIFIER), &["suspend", &active, "--reason", "suspended by the new version"]);
    assert_verdict(&data, &active, "SUSPENDED");
    ok_json(&data, Some(CERTIFIER), &["reinstate", &active, "--reason", "reinstated by the new version"]);
    assert_verdict(&data, &active, "VALID");
    ok_json(&data, Some(CERTIFIER), &["revoke", &active, "--reason", "revoked by the new version"]);
    assert_verdict(&data, &active, "REVOKED");
    let (record, versions) = raw(&data, &record_key);
    assert_eq!((record.expect("the record")["status"].as_str(), versions), (Some("REVOKED"), 5));
    assert_eq!(raw(&data, &state_key), (None, 0));
    assert_eq!(
        actions(&data, &active),
        pairs(&[
            ("revoked", "REVOKED"),
            ("reinstated", "ACTIVE"),
            ("suspended", "SUSPENDED"),
            ("approved", "ACTIVE"),
            ("applied", "PENDING")
        ])
    );

    // The old suspended one reinstated; the old revoked and rejected ones stay final.
    ok_json(&data, Some(CERTIFIER), &["reinstate", &id("suspended"), "--reason", "ok"]);
    assert_verdict(&data, &id("suspended"), "VALID");
    let refused = nt(&data, Some(CERTIFIER), &["reinstate", &id("revoked"), "--reason", "no"]);
    assert_clean_error(&refused, &["INVALID_TRANSITION"]);
    let refused = nt(&data, Some(CERTIFIER), &["suspend", &id("rejected"), "--reason", "no"]);
    assert_clean_error(&refused, &["INVALID_TRANSITION"]);

    // An SDS revision of an old issued certificate: SUSPENDED until re-signed.
    let revised = id("revised");
    let sha = "d".repeat(64);
    ok_json(
        &data,
        Some(APPLICANT),
        &["update-sds", &revised, "--url", "https://sds.example.com/rev4.pdf", "--sha256", &sha, "--revision", "4"],
    );
    assert_verdict(&data, &revised, "SUSPENDED");
    ok_json(&data, Some(CERTIFIER), &["reinstate", &revised, "--reason", "new SDS reviewed"]);
    assert_verdict(&data, &revised, "VALID");
    let shown = ok_json(&data, Some(INSPECTOR), &["show", &revised]);
    assert_eq!(shown["application"]["sds"]["revision"], 4, "{shown}");

    // An old certificate renewed: SUPERSEDED (its record rewritten, as that layout does);
    // the new version in the write-once layout.
    let renewed = ok_json(&data, Some(CERTIFIER), &["renew", &id("renewed")]);
    assert_eq!(renewed["superseded"].as_str(), Some(id("renewed").as_str()), "{renewed}");
    let ids = [id("renewed"), renewed["certificate_id"].as_str().expect("the new version's ID").to_owned()];
    assert_verdict(&data, &ids[0], "SUPERSEDED");
    assert_verdict(&data, &ids[1], "VALID");
    let (record_key, state_key) = keys(&ids[1]);
    assert_eq!(raw(&data, &record_key).0.expect("record")["status"], "PENDING", "a record is stored as applied");
    assert_eq!(raw(&data, &state_key).0.expect("state")["status"], "ACTIVE");
    assert_eq!(actions(&data, &ids[1]), pairs(&[("renewed", "ACTIVE")]));

    // Issue 44: the old version bound no GTIN, so the manufacturer holds no GS1 Company
    // Prefix and its new applications are refused until the governance admin registers
    // it (docs/OPERATIONS.md); its old records were changed above all the same.
    let file = data.join("app-no-prefix.json");
    std::fs::write(&file, serde_json::to_vec(&example_value()).expect("JSON")).expect("write the application");
    let refused = nt(&data, Some(APPLICANT), &["apply", "--file", file.to_str().expect("UTF-8 path")]);
    assert_clean_error(&refused, &["UNAUTHORIZED", "[gtin.company_prefix]", "4006381333931"]);
    let set = ok_json(&data, Some(ADMIN), &["company-prefixes", "ManufacturerMSP", "4006381"]);
    assert_eq!(set["company_prefixes"], serde_json::json!(["4006381"]), "{set}");

    // A new certificate through its life, in the write-once layout.
    let new = apply_value(&data, &example_value());
    ok_json(&data, Some(CERTIFIER), &["approve", &new]);
    ok_json(&data, Some(CERTIFIER), &["suspend", &new, "--reason", "audit"]);
    ok_json(&data, Some(CERTIFIER), &["revoke", &new, "--reason", "failed the audit"]);
    assert_verdict(&data, &new, "REVOKED");
    let (record_key, state_key) = keys(&new);
    let (record, versions) = raw(&data, &record_key);
    assert_eq!((record.expect("record")["status"].as_str(), versions), (Some("PENDING"), 1), "written once");
    let (state, versions) = raw(&data, &state_key);
    assert_eq!((state.expect("state")["status"].as_str(), versions), (Some("REVOKED"), 3));
    assert_eq!(
        actions(&data, &new),
        pairs(&[("revoked", "REVOKED"), ("suspended", "SUSPENDED"), ("approved", "ACTIVE"), ("applied", "PENDING")])
    );
    // The indexes over old and new certificates alike, after every kind of move.
    all.extend([ids[1].clone(), new]);
    let batch: Vec<String> = (0..3).map(|_| apply_value(&data, &example_value())).collect();
    ok_json(&data, Some(CERTIFIER), &["approve", &batch[0]]);
    all.extend(batch);
    indexes_agree(&data, &all);
    assert!(height(&data) > height_before, "the ledger checks clean after the changes");
}

/// A ledger whose certificates were issued by the contract before the status lists (no
/// position), one of them given a credential without status entries by the contract
/// before issue 44 (`tests/fixtures/before-status-lists`, made by those two versions'
/// `nanotrace`): restored with this version, that credential is no longer exported, and
/// each certificate gets its position when its credential is attached — once its
/// certification body has a status base, which the earlier versions did not have.
#[test]
fn certificates_issued_before_the_status_lists_get_their_position_when_their_credential_is_attached() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, expected) = restored(tmp.path(), "before-status-lists");
    let id = |name: &str| expected["ids"][name].as_str().unwrap_or_else(|| panic!("ids.{name}")).to_owned();
    let (signed, active, suspended) = (id("signed"), id("active"), id("suspended"));

    // As the earlier versions left them: read the same, no position; the one signed had
    // a credential without status entries, which the version before issue 44 exported.
    for read in expected["read"].as_array().expect("read") {
        let cert = &read["show"];
        let cid = cert["id"].as_str().expect("id");
        assert_eq!(&ok_json(&data, Some(INSPECTOR), &["show", cid]), cert, "{cid} reads differently");
        assert!(cert.get("status_index").is_none(), "{cid} was issued before the status lists: {cert}");
    }
    let exported = &expected["exported"];
    assert!(exported.get("credentialStatus").is_none() && exported["proof"].is_object(), "{exported}");
    // No more: it could never show a revocation.
    assert_clean_error(&nt(&data, None, &["vc", "export", &signed]), &["no status-list position", &signed]);

    // The certification body has no status base yet: nothing is signed, nothing written.
    let before = height(&data);
    assert_clean_error(
        &nt(&data, Some(CERTIFIER), &["vc", "sign", &signed]),
        &["[status_base.registered]", "(it has none)"],
    );
    assert_eq!(height(&data), before);
    let base = "http://127.0.0.1:8080";
    ok_json(&data, Some(ADMIN), &["status-bases", "CertifierMSP", base]);

    // Signed now: first its position, then the credential that names it.
    let mut positions = Vec::new();
    for cid in [&signed, &active] {
        let out = ok_json(&data, Some(CERTIFIER), &["vc", "sign", cid]);
        let index = out["status_index"].as_u64().unwrap_or_else(|| panic!("{cid} got no position: {out}"));
        let shown = ok_json(&data, Some(INSPECTOR), &["show", cid]);
        assert_eq!(shown["status_index"].as_u64(), Some(index), "{shown}");
        let history = ok_json(&data, None, &["history", cid]);
        let steps: Vec<&str> =
            history.as_array().expect("history").iter().map(|h| h["action"].as_str().expect("action")).collect();
        assert_eq!(steps[..2], ["credential_signed", "status_position_assigned"], "{history}");
        // The position is reserved as an approval reserves its own: a range of one, under
        // the transaction that gave it.
        let path = nanotrace_model::status::range_path(u32::try_from(index).expect("u32"), 0);
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let key = create_composite_key("status~range", &path).expect("key");
        let (range, _) = raw(&data, &key);
        assert_eq!(range.expect("the position's range")["tx_id"], history[1]["tx_id"], "{cid}");
        let vc = ok_json(&data, None, &["vc", "export", cid]);
        for (entry, purpose) in
            vc["credentialStatus"].as_array().expect("status entries").iter().zip(["revocation", "suspension"])
        {
            assert_eq!(entry["statusListIndex"], index.to_string(), "{vc}");
            assert_eq!(entry["statusListCredential"], format!("{base}/api/v1/status/{purpose}/0"), "{vc}");
        }
        positions.push(index);
    }
    assert_ne!(positions[0], positions[1]);
    // Signing again keeps the position.
    let again = ok_json(&data, Some(CERTIFIER), &["vc", "sign", &signed]);
    assert_eq!(again["status_index"].as_u64(), Some(positions[0]));

    // The suspended one: no credential while it is not in force, nothing written; once
    // reinstated, its position and credential.
    let before = height(&data);
    assert_clean_error(&nt(&data, Some(CERTIFIER), &["vc", "sign", &suspended]), &["SUSPENDED, not in force"]);
    assert_eq!(height(&data), before);
    ok_json(&data, Some(CERTIFIER), &["reinstate", &suspended, "--reason", "reinstated by the new version"]);
    let out = ok_json(&data, Some(CERTIFIER), &["vc", "sign", &suspended]);
    let index = out["status_index"].as_u64().expect("a position");
    assert!(!positions.contains(&index), "{index} given twice");
    assert!(height(&data) > before, "the ledger checks clean after the changes");
}
