//! Idempotent submissions through the CLI: `apply --client-ref` twice answers the same
//! certificate; `batch apply` gives every line a client reference (its own or one derived
//! from its content), so running the same file again, or an edited copy, records nothing
//! twice and adds only what is new.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn pending_ids(data: &Path) -> BTreeSet<String> {
    ids_in_page(&ok_json(data, Some(CERTIFIER), &["queue", "--page-size", "1000"])).into_iter().collect()
}

fn app(lot: &str) -> Value {
    let mut app = example_value();
    app["batch"] = lot.into();
    app
}

fn write_lines(path: &Path, lines: &[Value]) {
    let text: Vec<String> = lines.iter().map(|v| serde_json::to_string(v).expect("JSON")).collect();
    std::fs::write(path, text.join("\n") + "\n").expect("write batch file");
}

fn batch_apply(data: &Path, file: &Path, chunk: &str) -> Value {
    let path = file.to_str().expect("UTF-8 path");
    ok_json(data, Some(APPLICANT), &["batch", "apply", "--file", path, "--chunk", chunk])
}

fn committed(summary: &Value) -> Vec<(u64, String)> {
    summary["committed"]
        .as_array()
        .expect("committed")
        .iter()
        .map(|c| (c[0].as_u64().expect("line"), c[1].as_str().expect("id").to_owned()))
        .collect()
}

fn repeated(summary: &Value) -> Vec<u64> {
    summary["repeated"].as_array().expect("repeated").iter().map(|l| l.as_u64().expect("line")).collect()
}

#[test]
fn apply_with_a_client_ref_twice_answers_the_same_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let file = data.join("app.json");
    std::fs::write(&file, serde_json::to_vec(&app("LOT-CR-1")).unwrap()).unwrap();
    let f = file.to_str().unwrap();
    let first = ok_json(data, Some(APPLICANT), &["apply", "--file", f, "--client-ref", "po-4711"]);
    assert_eq!((first["repeated"].as_bool(), first["client_ref"].as_str()), (Some(false), Some("po-4711")));
    let id = first["certificate_id"].as_str().unwrap().to_owned();
    let again = nt(data, Some(APPLICANT), &["apply", "--file", f, "--client-ref", "po-4711"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again
            .stdout
            .starts_with(&format!("Already applied under client reference po-4711: {id} (nothing new recorded")),
        "{}",
        again.stdout
    );
    assert_eq!(pending_ids(data), BTreeSet::from([id.clone()]));
    // Another application under the same reference: a clear CONFLICT, nothing recorded.
    let other = data.join("other.json");
    std::fs::write(&other, serde_json::to_vec(&app("LOT-CR-2")).unwrap()).unwrap();
    let before = height(data);
    let r = nt(data, Some(APPLICANT), &["apply", "--file", other.to_str().unwrap(), "--client-ref", "po-4711"]);
    assert_clean_error(&r, &["CONFLICT", "po-4711", &id]);
    let r = nt(data, Some(APPLICANT), &["apply", "--file", f, "--client-ref", "has space"]);
    assert_clean_error(&r, &["client_ref"]);
    assert_eq!(height(data), before);
    assert_eq!(pending_ids(data).len(), 1);
}

#[test]
fn batch_apply_again_repeats_and_adds_only_what_is_new() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    // 40 lines: line 5 carries its own reference, lines 30 and 31 are identical (two
    // applications, as without references).
    let mut lines: Vec<Value> = (1..=40).map(|n| app(&format!("LOT-B-{n:03}"))).collect();
    lines[4]["client_ref"] = "explicit-5".into();
    lines[30] = lines[29].clone();
    let file = data.join("apps.jsonl");
    write_lines(&file, &lines);
    let first = batch_apply(data, &file, "7");
    let ids = committed(&first);
    assert_eq!(ids.len(), 40, "{first}");
    assert!(repeated(&first).is_empty(), "{first}");
    let unique: BTreeSet<String> = ids.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(unique.len(), 40, "identical lines are two applications");
    assert_eq!(pending_ids(data), unique);

    // The same file again: every line answered with its certificate, nothing new.
    let again = batch_apply(data, &file, "9");
    assert_eq!(committed(&again), ids);
    assert_eq!(repeated(&again), (1..=40).collect::<Vec<u64>>());
    assert_eq!(pending_ids(data), unique);
    let text = nt(data, Some(APPLICANT), &["batch", "apply", "--file", file.to_str().unwrap()]);
    assert!(
        text.stdout.starts_with("Committed 40 item(s) (40 of them already on the ledger before this run"),
        "{}",
        text.stdout
    );

    // An edited copy: a line inserted at the top, line 12 corrected, keys reordered and
    // spaced differently on line 20. Only the inserted and the corrected line are new.
    let mut edited = lines.clone();
    edited[11]["product_name"] = "Corrected name".into();
    edited.insert(0, app("LOT-B-NEW"));
    let mut text: Vec<String> = edited.iter().map(|v| serde_json::to_string(v).unwrap()).collect();
    text[20] = serde_json::to_string_pretty(&edited[20]).unwrap().replace('\n', " ");
    let file2 = data.join("edited.jsonl");
    std::fs::write(&file2, text.join("\n") + "\n").unwrap();
    let third = batch_apply(data, &file2, "100");
    assert_eq!(committed(&third).len(), 41);
    let fresh: Vec<u64> = (1..=41).filter(|l| !repeated(&third).contains(l)).collect();
    assert_eq!(fresh, vec![1, 13], "{third}");
    assert_eq!(pending_ids(data).len(), 42);

    // An explicit reference reused for another application: that line fails with CONFLICT,
    // the rest of the file goes on; an explicit reference on two lines stops the file.
    let mut conflicting = vec![app("LOT-C-1"), app("LOT-C-2")];
    conflicting[1]["client_ref"] = "explicit-5".into();
    let file3 = data.join("conflict.jsonl");
    write_lines(&file3, &conflicting);
    let r = nt(data, Some(APPLICANT), &["--json", "batch", "apply", "--file", file3.to_str().unwrap()]);
    assert_ne!(r.code, 0);
    let summary = r.json();
    assert_eq!(committed(&summary).len(), 1, "{summary}");
    let failed = &summary["failed"][0];
    assert_eq!(failed[0], 2, "{summary}");
    assert!(failed[1].as_str().unwrap().starts_with("CONFLICT: client_ref \"explicit-5\""), "{summary}");
    conflicting[0]["client_ref"] = "dup".into();
    conflicting[1]["client_ref"] = "dup".into();
    write_lines(&file3, &conflicting);
    let before = height(data);
    let r = nt(data, Some(APPLICANT), &["batch", "apply", "--file", file3.to_str().unwrap()]);
    assert_ne!(r.code, 0);
    assert_no_panic(&r);
    assert!(r.stderr.contains("nothing submitted"), "{}", r.stderr);
    assert!(r.stderr.contains("line 2: client_ref \"dup\" is also the reference of line 1"), "{}", r.stderr);
    assert_eq!(height(data), before);
}
