//! The whole lifecycle through subcommands: apply, approve, suspend, reinstate, update-sds,
//! renew, revoke, reject, and the reads around them.

use crate::support::*;

#[test]
fn full_lifecycle_through_subcommands() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let file = example_application();
    let file = file.to_str().unwrap();

    // Apply.
    let applied = ok_json(data, Some(APPLICANT), &["apply", "--file", file]);
    let id = applied["certificate_id"].as_str().unwrap().to_owned();
    assert!(is_certificate_id(&id), "{applied}");
    assert_verdict(data, &id, "PENDING");

    // The certifier's queue and the manufacturer's list.
    let queue = ok_json(data, Some(CERTIFIER), &["queue"]);
    assert_eq!(ids_in_page(&queue), vec![id.clone()]);
    assert_eq!(queue["certificates"][0]["status"], "PENDING");
    let text = nt(data, Some(CERTIFIER), &["queue"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains(&id) && text.stdout.contains("PENDING"), "{}", text.stdout);
    let mine = ok_json(data, Some(APPLICANT), &["mine"]);
    assert_eq!(ids_in_page(&mine), vec![id.clone()]);

    // Approve.
    let approved = ok_json(data, Some(CERTIFIER), &["approve", &id]);
    assert_eq!(approved["certificate_id"], id.as_str());
    let v = assert_verdict(data, &id, "VALID");
    assert_eq!(v["certificate"]["status"], "ACTIVE");
    assert!(ok_json(data, Some(CERTIFIER), &["queue"])["certificates"].as_array().unwrap().is_empty());
    let text = nt(data, None, &["verify", &id]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("VALID"), "{}", text.stdout);

    // Show.
    let cert = ok_json(data, None, &["show", &id]);
    assert_eq!(cert["id"], id.as_str());
    assert_eq!(cert["status"], "ACTIVE");
    assert_eq!(cert["manufacturer_msp"], "ManufacturerMSP");
    assert_eq!(cert["issuance"]["issuer_org"], "CertifierMSP");
    assert_eq!(cert["application"], example_value());
    let text = nt(data, None, &["show", &id]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains(&format!("Certificate {id}")), "{}", text.stdout);
    assert!(text.stdout.contains("SolarShield"), "{}", text.stdout);

    // Suspend and reinstate.
    let suspended = ok_json(data, Some(CERTIFIER), &["suspend", &id, "--reason", "lab audit pending"]);
    assert_eq!(suspended["status"], "SUSPENDED");
    let v = assert_verdict(data, &id, "SUSPENDED");
    assert!(v["reason"].as_str().unwrap().contains("lab audit pending"), "{v}");
    ok_json(data, Some(CERTIFIER), &["reinstate", &id, "--reason", "audit passed"]);
    assert_verdict(data, &id, "VALID");

    // A new SDS revision suspends the certificate until a certifier re-signs it.
    let first_position = ok_json(data, None, &["show", &id])["status_index"].clone();
    assert!(first_position.is_u64(), "approving gave it a position");
    let sha = "a".repeat(64);
    let updated = ok_json(
        data,
        Some(APPLICANT),
        &[
            "update-sds",
            &id,
            "--url",
            "https://sds.example.com/solarshield/tio2-nano-rev4.pdf",
            "--sha256",
            &sha,
            "--revision",
            "4",
        ],
    );
    assert_eq!(updated["status"], "SUSPENDED");
    assert_eq!(updated["resign_required"], true);
    assert_verdict(data, &id, "SUSPENDED");
    let reinstated = ok_json(data, Some(CERTIFIER), &["reinstate", &id, "--reason", "SDS rev 4 reviewed"]);
    assert_eq!(reinstated["status"], "ACTIVE");
    assert_eq!(reinstated["resign_required"], false);
    assert_eq!(reinstated["credential"]["recorded"], 1, "{reinstated}");
    assert_verdict(data, &id, "VALID");
    assert_eq!(ok_json(data, None, &["vc", "export", &id])["credentialSubject"]["safetyDataSheet"]["revision"], 4);
    let cert = ok_json(data, None, &["show", &id]);
    assert_eq!(cert["application"]["sds"]["revision"], 4);
    assert_eq!(cert["application"]["sds"]["sha256"], sha.as_str());
    // Revision 3's credential named the first position: retired (revoked), a new one now.
    assert_eq!(cert["retired_status_indexes"], serde_json::json!([first_position]), "{cert}");
    assert!(cert["status_index"].is_u64() && cert["status_index"] != first_position, "{cert}");

    // Renew: the old version is superseded, the new one is valid.
    let renewed = ok_json(data, Some(CERTIFIER), &["renew", &id]);
    assert_eq!(renewed["superseded"], id.as_str());
    let new_id = renewed["certificate_id"].as_str().unwrap().to_owned();
    assert!(is_certificate_id(&new_id) && new_id != id, "{renewed}");
    let v = assert_verdict(data, &id, "SUPERSEDED");
    assert_eq!(v["superseded_by"], new_id.as_str());
    let v = assert_verdict(data, &new_id, "VALID");
    assert_eq!(v["certificate"]["version"], 2);
    assert_eq!(v["certificate"]["supersedes"], id.as_str());

    // Revoke the new version.
    let revoked = ok_json(data, Some(CERTIFIER), &["revoke", &new_id, "--reason", "contaminated batch"]);
    assert_eq!(revoked["status"], "REVOKED");
    assert_verdict(data, &new_id, "REVOKED");

    // The audit trails have every step, newest first.
    let actions = history_actions(data, &id);
    // Approving records the credential in the approval's own transaction; reinstating
    // after a new SDS revision (re-signed) records a new one in its own, as the one before
    // no longer proves the certificate.
    let expected = [
        ("superseded", "SUPERSEDED"),
        ("reinstated", "ACTIVE"),
        ("sds_updated", "SUSPENDED"),
        ("reinstated", "ACTIVE"),
        ("suspended", "SUSPENDED"),
        ("approved", "ACTIVE"),
        ("applied", "PENDING"),
    ];
    assert_eq!(actions, expected.map(|(a, s)| (a.to_owned(), s.to_owned())).to_vec());
    let actions = history_actions(data, &new_id);
    assert_eq!(
        actions,
        vec![
            ("revoked".to_owned(), "REVOKED".to_owned()),
            // The renewal carried the new version's credential.
            ("renewed".to_owned(), "ACTIVE".to_owned())
        ]
    );
    let text = nt(data, None, &["history", &id]);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout.contains(&format!("History of {id}")) && text.stdout.contains("by alice@certifier (CertifierMSP)"),
        "{}",
        text.stdout
    );

    // Another application, rejected.
    let mut other = example_value();
    other["batch"] = "LOT-2026-0412-B".into();
    let other_id = apply_value(data, &other);
    let rejected = ok_json(data, Some(CERTIFIER), &["reject", &other_id, "--reason", "particle data incomplete"]);
    assert_eq!(rejected["status"], "REJECTED");
    let v = assert_verdict(data, &other_id, "REJECTED");
    assert!(v["reason"].as_str().unwrap().contains("particle data incomplete"), "{v}");

    // A well-formed ID that was never recorded.
    let v = assert_verdict(data, "NT-AAAAAAAAAAAA", "UNKNOWN");
    assert!(v.get("certificate").is_none(), "{v}");

    // The ledger: 9 blocks of setup (the manufacturer's GS1 Company Prefix and the
    // certification body's status base among them),
    // then apply, approve with its credential, suspend, reinstate, update-sds, reinstate
    // with the new credential, renew with the new version's, revoke, apply, reject.
    let report = ok_json(data, None, &["ledger", "check"]);
    assert_eq!(report["ok"], true);
    assert_eq!(report["height"], 19, "{report}");
    assert_eq!(report["entries_checked"], 19, "{report}");
    assert!(report["problems"].as_array().unwrap().is_empty());
    let text = nt(data, None, &["ledger", "check"]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("Ledger OK: 19 blocks"), "{}", text.stdout);

    let log = ok_json(data, None, &["ledger", "log", "--limit", "1000"]);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 19);
    let functions: Vec<&str> = log.iter().map(|e| e["function"].as_str().unwrap()).collect();
    assert_eq!(
        functions[9..],
        ["Apply", "Approve", "Suspend", "Reinstate", "UpdateSds", "Reinstate", "Renew", "Revoke", "Apply", "Reject"]
    );
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e["block"], i as u64 + 1);
        if i > 0 {
            assert_eq!(e["prev_hash"], log[i - 1]["hash"], "chain broken at block {}", i + 1);
        }
    }
    assert_eq!(log[18]["hash"], report["head_hash"]);
    let page = ok_json(data, None, &["ledger", "log", "--from", "8", "--limit", "2"]);
    assert_eq!(page.as_array().unwrap().iter().map(|e| e["block"].as_u64().unwrap()).collect::<Vec<_>>(), vec![8, 9]);
    let text = nt(data, None, &["ledger", "log"]);
    assert_eq!(text.code, 0);
    assert_eq!(text.stdout.lines().count(), 19, "{}", text.stdout);
    assert!(text.stdout.lines().next().unwrap().starts_with("#1 "), "{}", text.stdout);
    assert!(text.stdout.contains("CertificateRevoked"), "{}", text.stdout);

    // Who am I, the trust list, the QR code.
    let me = ok_json(data, Some(CERTIFIER), &["whoami"]);
    assert_eq!(me["identity"]["msp_id"], "CertifierMSP");
    assert_eq!(me["roles"], serde_json::json!(["certifier"]));
    assert_eq!(me["organization"]["kind"], "certifier");
    let text = nt(data, Some(APPLICANT), &["whoami"]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("roles: none") && text.stdout.contains("Acme Nanomaterials GmbH"), "{}", text.stdout);

    let keys = ok_json(data, None, &["key", "list"]);
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0]["key_id"].as_str().unwrap().starts_with("ik-"));
    assert_eq!(keys[0]["holder"]["msp_id"], "CertifierMSP");
    assert_eq!(cert["issuance"]["issuer_key_id"], keys[0]["key_id"]);
    let text = nt(data, None, &["key", "list"]);
    assert!(text.stdout.contains("Issuer trust list: 1 key(s)"), "{}", text.stdout);

    let qr = nt(data, None, &["qr", &id]);
    assert_eq!(qr.code, 0, "{}", qr.stderr);
    // The URL carries the offline token of the issued certificate.
    let url = format!("http://127.0.0.1:8080/c/{id}?t=");
    let last = qr.stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with(&url) && last.len() > url.len() + 100, "{last}");
    assert!(qr.stdout.lines().count() > 10, "no QR code drawn:\n{}", qr.stdout);
    let qr = ok_json(data, None, &["--verify-url", "https://verify.example.org/", "qr", &id]);
    let url = qr["url"].as_str().unwrap_or_default();
    assert!(url.starts_with(&format!("https://verify.example.org/c/{id}?t=")), "{url}");
    assert_clean_error(&nt(data, None, &["qr", "nt-lowercase00"]), &["certificate ID"]);

    // Queries wrote nothing.
    assert_eq!(height(data), 19);
}

/// `queue`/`mine` pages: the bookmark a page prints (text and --json) is an argument
/// that continues the listing, with nothing repeated or lost; a bookmark the CLI did
/// not print is refused clearly.
#[test]
fn pages_continue_from_the_printed_bookmark() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let mut applied = std::collections::BTreeSet::new();
    for n in 0..5 {
        let mut app = example_value();
        app["batch"] = format!("LOT-PAGE-{n}").into();
        applied.insert(apply_value(data, &app));
    }
    for (who, args) in [(CERTIFIER, vec!["queue"]), (APPLICANT, vec!["mine"])] {
        let mut seen = Vec::new();
        let mut bookmark = String::new();
        let mut pages = 0;
        loop {
            let mut a = args.clone();
            a.extend(["--page-size", "2", "--bookmark", &bookmark]);
            let page = ok_json(data, Some(who), &a);
            seen.extend(ids_in_page(&page));
            pages += 1;
            let text = nt(data, Some(who), &a);
            assert_eq!(text.code, 0, "{}", text.stderr);
            bookmark = page["bookmark"].as_str().unwrap().to_owned();
            if bookmark.is_empty() {
                assert!(!text.stdout.contains("more:"), "{}", text.stdout);
                break;
            }
            assert!(text.stdout.contains(&format!("more: pass --bookmark {bookmark}\n")), "{}", text.stdout);
            assert!(pages < 10, "the listing never ends");
        }
        assert_eq!(pages, 3, "{args:?}: 5 certificates in pages of 2");
        assert_eq!(seen.len(), 5, "{args:?}: {seen:?}");
        assert_eq!(seen.iter().cloned().collect::<std::collections::BTreeSet<_>>(), applied, "{args:?}");
    }
    let r = nt(data, Some(CERTIFIER), &["queue", "--bookmark", "NT-not-hex"]);
    assert_clean_error(&r, &["--bookmark", "hex"]);
}
