//! `nanotrace batch`: JSON-lines files in chunks, with item-by-item fallback and a summary.

use crate::support::*;

#[test]
fn batch_apply_and_approve() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let before = height(data);

    // 250 applications; lines 17, 120 and 233 carry a GTIN with a wrong check digit.
    let bad_lines = [17usize, 120, 233];
    let mut lines = Vec::new();
    for line in 1..=250usize {
        let mut app = example_value();
        app["batch"] = format!("LOT-2026-{line:04}").into();
        if bad_lines.contains(&line) {
            app["gtin"] = "4006381333932".into();
        }
        lines.push(serde_json::to_string(&app).unwrap());
    }
    let file = tmp.path().join("applications.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let r =
        nt(data, Some(APPLICANT), &["--json", "batch", "apply", "--file", file.to_str().unwrap(), "--chunk", "100"]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0, "a batch with failures must exit non-zero");
    let summary = r.json();
    let committed = summary["committed"].as_array().unwrap();
    let failed = summary["failed"].as_array().unwrap();
    assert_eq!(committed.len(), 247, "{summary}");
    assert_eq!(failed.len(), 3, "{summary}");
    let failed_lines: Vec<u64> = failed.iter().map(|f| f[0].as_u64().unwrap()).collect();
    assert_eq!(failed_lines, bad_lines.map(|l| l as u64).to_vec());
    for f in failed {
        let reason = f[1].as_str().unwrap();
        assert!(reason.contains("VALIDATION") && reason.contains("gtin") && reason.contains("check digit"), "{reason}");
    }
    let mut ids: Vec<String> = Vec::new();
    for c in committed {
        let line = c[0].as_u64().unwrap() as usize;
        assert!(!bad_lines.contains(&line));
        let id = c[1].as_str().unwrap();
        assert!(is_certificate_id(id), "{id}");
        ids.push(id.to_owned());
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 247, "duplicate certificate IDs");
    assert_eq!(height(data), before + 247, "each good application commits once");
    let pending = ok_json(data, Some(CERTIFIER), &["queue", "--page-size", "1000"]);
    assert_eq!(pending["certificates"].as_array().unwrap().len(), 247);

    // The text summary names the failed lines too (exit code non-zero as well): run it
    // on a file holding just the bad lines.
    let bad_only = tmp.path().join("bad.jsonl");
    std::fs::write(&bad_only, format!("# only bad ones\n\n{}\n", lines[16])).unwrap();
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", bad_only.to_str().unwrap()]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0);
    assert!(r.stdout.contains("Committed 0 item(s)") && r.stdout.contains("1 failed"), "{}", r.stdout);
    assert!(r.stdout.contains("line 3: VALIDATION"), "{}", r.stdout);
    assert_eq!(height(data), before + 247);

    // Approve all 247, one ID per line.
    let id_file = tmp.path().join("ids.txt");
    std::fs::write(&id_file, ids.join("\n") + "\n").unwrap();
    let summary =
        ok_json(data, Some(CERTIFIER), &["batch", "approve", "--file", id_file.to_str().unwrap(), "--chunk", "100"]);
    assert_eq!(summary["committed"].as_array().unwrap().len(), 247, "{summary}");
    assert!(summary["failed"].as_array().unwrap().is_empty(), "{summary}");
    assert_eq!(summary["transactions"], 3, "{summary}");
    // Each issued certificate's credential recorded by its approval's transaction: one
    // transaction per chunk, credentials included.
    assert_eq!(summary["credentials"]["recorded"], 247, "{summary}");
    assert_eq!(summary["credentials"]["status_base"], "http://127.0.0.1:8080", "{summary}");
    assert_eq!(height(data), before + 247 + 3);
    let first = ok_json(data, Some(CERTIFIER), &["show", &ids[0]]);
    // The approval's signature binds the position: no signature of its own.
    assert_eq!(first["issuance"]["status_position"], first["status_index"], "{first}");
    assert!(first["credential"].get("position_signature").is_none(), "{first}");
    let active = ok_json(data, Some(CERTIFIER), &["queue", "--status", "ACTIVE", "--page-size", "1000"]);
    let mut active_ids = ids_in_page(&active);
    active_ids.sort();
    assert_eq!(active_ids, unique);
    assert!(ok_json(data, Some(CERTIFIER), &["queue", "--page-size", "1000"])["certificates"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_verdict(data, &ids[0], "VALID");
    assert_verdict(data, &ids[246], "VALID");

    // Approving them again (a re-run after a stop): each is already in force by this
    // issuer key with the same digest, so a repeat; exit 0, nothing submitted (issue 22).
    let h = height(data);
    let again = ok_json(data, Some(CERTIFIER), &["batch", "approve", "--file", id_file.to_str().unwrap()]);
    assert_eq!(again["committed"].as_array().unwrap().len(), 247, "{again}");
    assert_eq!(again["repeated"].as_array().unwrap().len(), 247, "{again}");
    assert!(again["failed"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(again["transactions"], 0, "{again}");
    assert_eq!(again["credentials"]["recorded"], 0, "each has its current credential: {again}");
    assert_eq!(height(data), h);
    let r = nt(data, Some(CERTIFIER), &["batch", "approve", "--file", id_file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Committed 247 item(s) (247 of them already on the ledger"), "{}", r.stdout);
    // A certificate approved and then suspended is not a repeat: approving it fails.
    ok_json(data, Some(CERTIFIER), &["suspend", &ids[0], "--reason", "audit"]);
    let one = tmp.path().join("one.txt");
    std::fs::write(&one, format!("{}\n", ids[0])).unwrap();
    let r = nt(data, Some(CERTIFIER), &["--json", "batch", "approve", "--file", one.to_str().unwrap()]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0);
    let failed = r.json()["failed"].clone();
    assert_eq!(failed.as_array().unwrap().len(), 1, "{failed}");
    assert!(failed[0][1].as_str().unwrap().contains("INVALID_TRANSITION"), "{failed}");
    let h = height(data);

    // A file with a malformed line: nothing is submitted.
    let mut with_bad = lines[..5].to_vec();
    with_bad.insert(2, "{\"product_name\": \"half a line\"".to_owned());
    let malformed = tmp.path().join("malformed.jsonl");
    std::fs::write(&malformed, with_bad.join("\n")).unwrap();
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", malformed.to_str().unwrap()]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.starts_with("error: ") && r.stderr.contains("line 3") && r.stderr.contains("nothing submitted"),
        "{}",
        r.stderr
    );
    assert_eq!(height(data), h, "a malformed batch file submitted something");

    // Bad chunk sizes are refused up front.
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", file.to_str().unwrap(), "--chunk", "0"]);
    assert_clean_error(&r, &["--chunk"]);
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", file.to_str().unwrap(), "--chunk", "1001"]);
    assert_clean_error(&r, &["--chunk"]);
    assert_eq!(height(data), h);
}
