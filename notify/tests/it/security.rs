//! What the notifier must not do: trust one webhook's private root for another, put a
//! webhook URL's secret path in an error, a log or the dead-letter list, or follow a
//! redirect.

use crate::support::{self, cli, follow_and_deliver, metric, notifier, runtime, Answer, Endpoint, Service};
use nanotrace_embedded::datadir;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// The secret part of the webhook URLs below, as chat services put it in the path.
const SECRET_PATH: &str = "XXXXSECRETXXXX";

fn webhook(name: &str, url: &str, root: Option<&std::path::Path>) -> String {
    let root = root.map(|r| format!("root_certificate = \"{}\"\n", r.display())).unwrap_or_default();
    format!("[[webhook]]\nname = \"{name}\"\nurl = \"{url}\"\nsecret = \"{}\"\n{root}", support::SECRET)
}

/// Every approval to `targets`, one attempt each: a failure is a dead letter at once.
fn one_attempt_config(webhooks: &str, targets: &[&str]) -> String {
    let targets: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        "verify_url = \"https://verify.example.org\"\n[retry]\nmax_attempts = 1\n{webhooks}\n\
         [[subscription]]\nall = true\nevents = [\"approved\"]\nnotify = [{}]\n",
        targets.join(", ")
    )
}

fn ok() -> Arc<Answer> {
    Arc::new(|_: &str| (200, Vec::new()))
}

/// A webhook's `root_certificate` is trusted for that webhook only: `b`, served by the
/// same private CA as `a` but without its root, fails TLS; `c`, with the root of its
/// own, is delivered.
#[test]
fn a_webhook_s_root_certificate_is_trusted_for_that_webhook_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let (endpoint, root) = Endpoint::https(ok());
    let root_file = tmp.path().join("private-ca.pem");
    std::fs::write(&root_file, root).expect("root");
    let b_url = endpoint.url("https", &format!("/b/{SECRET_PATH}"));
    let webhooks = [
        webhook("a", &endpoint.url("https", "/a"), Some(&root_file)),
        webhook("b", &b_url, None),
        webhook("c", &endpoint.url("https", "/c"), Some(&root_file)),
    ]
    .concat();
    let n = notifier(&one_attempt_config(&webhooks, &["a", "b", "c"]), &data, &tmp.path().join("store"));
    support::issue(&dir, "LOT-ROOTS");
    follow_and_deliver(&runtime(), &n, datadir::now() * 1000);

    let paths: BTreeSet<String> = endpoint.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, BTreeSet::from(["/a".to_owned(), "/c".to_owned()]), "b's TLS handshake must fail");
    let dead = n.store().dead_letters().expect("dead letters");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].notification.target, "b");
    let error = dead[0].last_error.as_deref().unwrap_or("");
    assert!(error.contains("UnknownIssuer"), "a certificate error: {error}");
    assert!(!error.contains(SECRET_PATH), "the URL's path is not in the error: {error}");
}

/// A webhook whose URL carries a secret fails: the secret is in neither the dead
/// letter's last error, nor `dead-letters list` (table and JSON), nor the log.
#[test]
fn a_failing_webhook_url_s_secret_path_is_never_shown() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    // A port with nothing listening: every attempt fails to connect.
    let port = support::free_port();
    let url = format!("http://127.0.0.1:{port}/services/T000/B000/{SECRET_PATH}?token={SECRET_PATH}");
    let config = tmp.path().join("subscriptions.toml");
    let retry = "[retry]\nmax_attempts = 2\ninitial_backoff_ms = 50\nmax_backoff_ms = 100";
    std::fs::write(&config, support::subscriptions(&url, None, retry)).expect("config");
    let (store, log) = (tmp.path().join("store"), tmp.path().join("notify.log"));
    let mut service = Service::start(&config, &data, &store, &log);
    support::issue(&dir, "LOT-SECRET-URL");
    service
        .wait_metrics(Duration::from_secs(20), "two dead letters", |m| metric(m, "nanotrace_notify_dead_letters") == 2);
    let status = service.terminate(Duration::from_secs(15)).expect("exit status");
    assert!(status.success(), "{status}");

    let shown = format!("http://127.0.0.1:{port}/…");
    let store = store.to_str().expect("utf-8 path");
    let (code, table, stderr) = cli(&["dead-letters", "list", "--store", store]);
    assert_eq!(code, 0, "{stderr}");
    assert!(table.contains("2 dead letter(s)") && table.contains(&shown), "{table}");
    let (code, json, stderr) = cli(&["dead-letters", "list", "--store", store, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    for line in json.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let error = entry["last_error"].as_str().expect("last_error");
        assert!(error.contains("cannot reach the endpoint") && error.contains(&shown), "{error}");
    }
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("giving up"), "the failures are logged: {logged}");
    for (what, text) in [("list", &table), ("list --json", &json), ("the log", &logged)] {
        assert!(!text.contains(SECRET_PATH), "the URL's secret is in {what}: {text}");
    }
}

/// A webhook answering 3xx is not followed: the answer counts as a failed attempt and
/// nothing reaches the `Location`, whatever the redirect's kind.
#[test]
fn a_webhook_answering_3xx_is_not_followed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let elsewhere = Endpoint::http(ok());
    let location = elsewhere.url("http", "/elsewhere");
    let redirector = Endpoint::http(Arc::new(move |path: &str| {
        let status = path.trim_start_matches("/r").parse().unwrap_or(500);
        (status, vec![("location".to_owned(), location.clone())])
    }));
    let codes = [301u16, 302, 303, 307, 308];
    let names: Vec<String> = codes.iter().map(|c| format!("r{c}")).collect();
    let webhooks: String = codes
        .iter()
        .zip(&names)
        .map(|(c, name)| webhook(name, &redirector.url("http", &format!("/r{c}")), None))
        .collect();
    let targets: Vec<&str> = names.iter().map(String::as_str).collect();
    let n = notifier(&one_attempt_config(&webhooks, &targets), &data, &tmp.path().join("store"));
    support::issue(&dir, "LOT-REDIRECT");
    follow_and_deliver(&runtime(), &n, datadir::now() * 1000);

    assert!(elsewhere.requests().is_empty(), "a redirect was followed: {:?}", elsewhere.requests());
    let asked: BTreeSet<(String, String)> = redirector.requests().into_iter().map(|r| (r.method, r.path)).collect();
    let expected: BTreeSet<(String, String)> = codes.iter().map(|c| ("POST".to_owned(), format!("/r{c}"))).collect();
    assert_eq!(asked, expected, "one POST per target");
    assert_eq!(redirector.requests().len(), codes.len(), "and no second one");
    let dead = n.store().dead_letters().expect("dead letters");
    assert_eq!(dead.len(), codes.len(), "each a failed attempt: {dead:?}");
    for e in &dead {
        let code = e.notification.target.trim_start_matches('r');
        let error = e.last_error.as_deref().unwrap_or("");
        assert!(error.ends_with(&format!("HTTP {code}")), "{}: {error}", e.notification.target);
    }
    assert_eq!(n.status.sent.load(std::sync::atomic::Ordering::Relaxed), 0, "nothing counted as delivered");
}
