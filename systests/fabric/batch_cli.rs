//! `nanotrace batch approve --file X.jsonl` on the real network, as alice
//! (`--network fabric --profile certifier-alice.yaml --key <her issuer key file>`), on a
//! file that mixes certificates to approve with lines that must fail: an unknown
//! certificate ID, a malformed one, a certificate already issued (ACTIVE). Run on a
//! pseudo-terminal (util-linux `script`), so that the progress bar is drawn as for a
//! user; the summary counts, each failure's line and reason, and the exit code are
//! checked, and our Gateway client confirms that exactly the good ones were issued.

use crate::client::client;
use crate::network::Network;
use crate::steps::World;
use nanotrace_client::Wait;
use nanotrace_model::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Quotes `s` for `sh -c`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Removes ANSI escape sequences (the progress bar's cursor movements) and turns
/// carriage returns into line breaks.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            // A carriage return redraws the line: keep each drawing on a line of its own.
            out.push(if c == '\r' { '\n' } else { c });
        }
    }
    out
}

/// The step.
pub(crate) fn batch_approve_cli(w: &World, net: &Network) {
    std::fs::create_dir_all(net.scratch()).expect("scratch folder");
    let good: Vec<String> = (0..4).map(|i| w.apply(&format!("LOT-E2E-BATCH-CLI-{i}")).value).collect();
    let issued = w.apply("LOT-E2E-BATCH-CLI-ISSUED").value;
    let alice = client(net, "certifier-alice");
    alice.approve(&issued, &w.signer, &w.certifier_msp, crate::steps::now(), None).wait().expect("Approve as alice");
    w.expect(&issued, CertificateStatus::Active);
    let issued_history = alice.history(&issued).wait().expect("History").len();
    let rejected = w.apply("LOT-E2E-BATCH-CLI-REJECTED").value;
    alice.reject(&rejected, "incomplete SDS").wait().expect("Reject as alice");
    w.expect(&rejected, CertificateStatus::Rejected);
    let rejected_history = alice.history(&rejected).wait().expect("History").len();
    let unknown = "NT-AAAAAAAAAAAA";
    let malformed = "not-a-certificate-id";
    // Plain IDs and JSON lines, as `batch approve` reads both; with --chunk 2 the chunk
    // [rejected, good 2] is refused as a whole and retried item by item. The certificate
    // alice already issued with this key is a repeat (a re-run), not a failure.
    let lines = [
        good[0].clone(),                                  // 1 ok
        unknown.to_owned(),                               // 2 NOT_FOUND (before any submit)
        format!(r#"{{"certificate_id":"{}"}}"#, good[1]), // 3 ok
        format!(r#"{{"certificate_id":"{rejected}"}}"#),  // 4 INVALID_TRANSITION (REJECTED)
        good[2].clone(),                                  // 5 ok
        malformed.to_owned(),                             // 6 refused (not an ID)
        good[3].clone(),                                  // 7 ok
        issued.clone(),                                   // 8 repeat: ACTIVE by alice's key
    ];
    let file = net.scratch().join("batch-approve.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write the batch file");
    let key = net.scratch().join("alice-issuer.key");
    nanotrace_embedded::devmsp::write_issuer_key_file(&key, &w.signer.key).expect("write alice's issuer key file");
    let profile = crate::client::profile(net, "certifier-alice");

    let cli = nanotrace_systests::nanotrace_cli();
    let nanotrace = [
        cli.to_str().expect("UTF-8 path"),
        "--network",
        "fabric",
        "--profile",
        profile.to_str().expect("UTF-8 path"),
        "batch",
        "approve",
        "--file",
        file.to_str().expect("UTF-8 path"),
        "--chunk",
        "2",
        "--key",
        key.to_str().expect("UTF-8 path"),
    ];
    let line = nanotrace.iter().map(|a| sh_quote(a)).collect::<Vec<_>>().join(" ");
    let on_tty = Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success());
    let mut cmd = if on_tty {
        // A terminal 100 columns wide; `script` reports the command's exit code (-e).
        let mut c = Command::new("script");
        c.args(["-qec", &format!("stty cols 100 rows 40; exec {line}"), "/dev/null"]);
        c
    } else {
        nanotrace_testkit::skip::skip(
            nanotrace_testkit::skip::TERMINAL,
            "the progress bar of `nanotrace batch approve` on Fabric",
            "util-linux `script` is missing (no terminal to draw on)",
        );
        let mut c = Command::new(nanotrace[0]);
        c.args(&nanotrace[1..]);
        c
    };
    cmd.env_remove("NANOTRACE_DATA_DIR")
        .env_remove("NANOTRACE_IDENTITY")
        .env_remove(crate::network::MARKER_VAR)
        .env("TERM", "xterm")
        .stdin(Stdio::null());
    let t = Instant::now();
    let out = crate::process::run_bounded(cmd, Duration::from_secs(300), net.scratch());
    let elapsed = t.elapsed();
    let raw = format!("{}{}", out.stdout_text(), out.stderr);
    let text = strip_ansi(&raw);
    eprintln!("      nanotrace batch approve ({elapsed:.1?}), exit {:?}:\n{}", out.status.code(), indent(&text));
    assert_eq!(out.status.code(), Some(1), "exit code 1 when an item failed:\n{text}");

    if on_tty {
        assert!(text.contains("approving ["), "no progress bar drawn on the terminal:\n{raw:?}");
        assert!(text.contains("/8 ("), "the progress bar counts the file's 8 lines:\n{raw:?}");
    }
    assert!(
        text.contains(
            "Committed 5 item(s) (1 of them already on the ledger before this run: nothing new recorded) \
             in 5 transaction(s); 3 failed"
        ),
        "summary (8 a repeat; chunks [1,3] ok, [4,5] refused then 4 and 5 alone, [7] ok):\n{text}"
    );
    let failure = |n: usize| -> String {
        let prefix = format!("  line {n}: ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no failure reported for line {n}:\n{text}"))
            .to_owned()
    };
    let reason = failure(2);
    assert!(reason.contains(unknown) && reason.contains("NOT_FOUND"), "line 2: {reason}");
    let reason = failure(4);
    assert!(
        reason.contains("INVALID_TRANSITION") && reason.contains(&rejected) && reason.contains("REJECTED"),
        "line 4: {reason}"
    );
    let reason = failure(6);
    assert!(reason.contains(malformed), "line 6: {reason}");
    for n in [1, 3, 5, 7, 8] {
        assert!(!text.contains(&format!("  line {n}: ")), "line {n} must not fail:\n{text}");
    }

    // Our Gateway client: the good ones are issued by alice with her key; the rest unchanged.
    let rita = client(net, "regulator-rita");
    for id in &good {
        let v = rita.verify(id).wait().unwrap_or_else(|e| panic!("Verify {id}: {e}"));
        assert_eq!(v.verdict, Verdict::Valid, "{id}: {v:?}");
        let issuance = v.certificate.and_then(|c| c.issuance).expect("issued");
        assert_eq!((issuance.approved_by, issuance.issuer_key_id), (w.alice_actor.clone(), w.signer.key_id.clone()));
        w.expect(id, CertificateStatus::Active);
    }
    assert_eq!(
        rita.history(&rejected).wait().expect("History").len(),
        rejected_history,
        "the refused approval wrote nothing"
    );
    // The repeat is not approved again; it had no credential (our client issued it), so
    // the batch records that, and nothing else.
    let history = rita.history(&issued).wait().expect("History");
    assert_eq!(history.len(), issued_history + 1, "the repeat gained its credential only: {history:?}");
    assert_eq!(history[0].action, Action::CredentialSigned, "{history:?}");
    for id in good.iter().chain([&issued]) {
        let cert = rita.get_certificate(id).wait().expect("GetCertificate");
        let proof = cert.credential.unwrap_or_else(|| panic!("{id}: every issued certificate is a credential"));
        assert_eq!(proof.status_base, nanotrace_model::sample::STATUS_BASE, "{id}");
    }
    assert!(text.contains("5 credentials recorded"), "{text}");
    let e = rita.get_certificate(unknown).wait().expect_err("the unknown ID stays unknown");
    assert_eq!(e.code(), Some("NOT_FOUND"), "{e}");
    eprintln!("      4 committed, 1 repeat, 3 failed with their reasons; the 4 verified VALID through our client");
}

fn indent(text: &str) -> String {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("        {l}\n")).collect()
}
