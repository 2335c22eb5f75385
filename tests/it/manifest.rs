//! `nanotrace verify --manifest FILE`: a consignment check from the command line, the same
//! items and report as the verifier's list check (issue 48), read off the ledger.

use crate::support::*;

#[test]
fn a_consignment_is_checked_item_by_item() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    init(&data);
    let mut application = example_value();
    application["batch"] = "LOT-M1".into();
    let issued = apply_value(&data, &application);
    let r = nt(&data, Some("alice@certifier"), &["approve", &issued]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    application["batch"] = "LOT-M2".into();
    let pending = apply_value(&data, &application);
    let url = ok_json(&data, None, &["qr", &issued])["url"].as_str().expect("url").to_owned();
    let gtin = application["gtin"].as_str().expect("gtin").to_owned();

    let manifest = tmp.path().join("consignment.csv");
    let lines = [
        "item".to_owned(),
        issued.clone(),
        format!("\"{url}\""),
        pending.clone(),
        format!("(01){gtin}(10)LOT-M1"),
        format!("(01){gtin}(10)LOT-M2"),
        "not a code".to_owned(),
    ];
    std::fs::write(&manifest, lines.join("\n")).expect("manifest");
    let path = manifest.to_str().expect("utf-8");
    let r = nt(&data, None, &["--json", "verify", "--manifest", path]);
    assert_eq!(r.code, 2, "not every item is VALID: exit 2\n{}", r.stderr);
    let report = r.json();
    let got: Vec<(String, String)> = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["outcome"].as_str().unwrap_or("").to_owned(), i["problem"].as_str().unwrap_or("").to_owned()))
        .collect();
    let want = |o: &str, p: &str| (o.to_owned(), p.to_owned());
    assert_eq!(
        got,
        vec![
            want("valid", ""),
            want("valid", ""),
            want("not_valid", "not_issued"),
            want("valid", ""),
            want("not_valid", "lot_not_certified"),
            want("error", "malformed"),
        ]
    );
    assert_eq!(report["items"][3]["certificate_id"], issued.as_str(), "the lot resolves to its certificate");
    assert_eq!(
        report["summary"],
        serde_json::json!({ "total": 6, "valid": 3, "not_valid": 2, "errors": 1, "foreign_site": 0 })
    );

    // The text report and CSV; all VALID: exit 0.
    let r = nt(&data, None, &["verify", "--manifest", path]);
    assert!(r.stdout.contains("6 items: 3 valid, 2 not valid, 1 could not be checked"), "{}", r.stdout);
    let all_valid = tmp.path().join("valid.json");
    std::fs::write(&all_valid, serde_json::json!({ "items": [issued, url] }).to_string()).expect("json manifest");
    let r = nt(&data, None, &["verify", "--manifest", all_valid.to_str().expect("utf-8"), "--csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = r#""index","input","outcome","verdict","certificate_id","problem","reason","foreign_site""#;
    assert!(r.stdout.starts_with(&format!("{header}\n\"0\",")), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 3);
    // A code a spreadsheet would run as a formula is text in the CSV (issue 71).
    let formula = tmp.path().join("formula.json");
    std::fs::write(&formula, serde_json::json!({ "items": ["=1+1", "@SUM(A1)"] }).to_string()).expect("manifest");
    let r = nt(&data, None, &["verify", "--manifest", formula.to_str().expect("utf-8"), "--csv"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("\"0\",\"'=1+1\",") && r.stdout.contains("\"1\",\"'@SUM(A1)\","), "{}", r.stdout);

    // A verification URL of another site than this network's verifier (`--verify-url`) is
    // named, never valid (issue 71); with that site as the verifier's, it is checked.
    let foreign = tmp.path().join("foreign.json");
    let evil = format!("https://evil.example/c/{issued}");
    std::fs::write(&foreign, serde_json::json!({ "items": [evil] }).to_string()).expect("manifest");
    let foreign = foreign.to_str().expect("utf-8");
    let r = nt(&data, None, &["--json", "verify", "--manifest", foreign]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let item = &r.json()["items"][0];
    assert_eq!(
        (item["outcome"].as_str(), item["foreign_site"].as_str()),
        (Some("foreign_site"), Some("https://evil.example"))
    );
    let r = nt(&data, None, &["verify", "--manifest", foreign]);
    assert!(r.stdout.contains("! OTHER SITE") && r.stdout.contains(", 1 of another site"), "{}", r.stdout);
    let r = nt(&data, None, &["--verify-url", "https://evil.example", "--json", "verify", "--manifest", foreign]);
    assert_eq!(r.code, 0, "{}", r.stdout);

    // A manifest that cannot be read is a clear error, not a report.
    let empty = tmp.path().join("empty.csv");
    std::fs::write(&empty, "item\n\n").expect("empty");
    assert_clean_error(&nt(&data, None, &["verify", "--manifest", empty.to_str().expect("utf-8")]), &["no items"]);
    let r = nt(&data, None, &["verify", "--manifest", "/nonexistent/list.csv"]);
    assert_clean_error(&r, &["cannot read the manifest"]);
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"items\": 5}").expect("bad");
    assert_clean_error(&nt(&data, None, &["verify", "--manifest", bad.to_str().expect("utf-8")]), &["is not"]);
    let long = tmp.path().join("long.csv");
    std::fs::write(&long, format!("{issued}\n").repeat(1001)).expect("long");
    assert_clean_error(&nt(&data, None, &["verify", "--manifest", long.to_str().expect("utf-8")]), &["at most 1000"]);
}
