//! The `nanotrace-notify` binary as a real process: SIGKILL at random points while 1,000
//! events are written and delivered, a receiver that is down for a while, one that
//! answers 500 forever (dead letters, re-sent by the CLI), and an unreachable SMTP
//! server (retries and a readiness failure, never a crash).

use crate::support::{self, cli, metric, Receiver, Service, SmtpMode, SmtpServer};
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::CERTIFIER;
use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const FAST_RETRY: &str = "[retry]\nmax_attempts = 1000\ninitial_backoff_ms = 50\nmax_backoff_ms = 400";

/// A small pseudo-random generator (xorshift), seeded from the clock and printed.
struct Rng(u64);
impl Rng {
    fn new() -> Rng {
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        println!("kill points seeded with {seed}");
        Rng(seed | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn kill_9_at_random_points_loses_nothing_and_repeats_keep_their_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let receiver = Receiver::start();
    let config = tmp.path().join("subscriptions.toml");
    std::fs::write(&config, support::subscriptions(&receiver.url(), None, FAST_RETRY)).expect("config");
    let (store, log) = (tmp.path().join("store"), tmp.path().join("notify.log"));

    // The events, written while the notifier runs and is killed: 300 applications in one
    // batch, their 300 approvals in another, then 200 suspensions and 200 reinstatements
    // one transaction each.
    let writer = std::thread::spawn(move || {
        let certifier = dir.client(CERTIFIER).expect("certifier");
        let ids = support::issue_batch(&dir, "LOT-K", 300);
        for id in ids.iter().take(200) {
            certifier.suspend(id, "audit").wait().expect("suspend");
            std::thread::sleep(Duration::from_millis(2));
            certifier.reinstate(id, "audit passed", None).wait().expect("reinstate");
        }
        ids
    });

    let mut rng = Rng::new();
    let mut kills = 0;
    let started = Instant::now();
    while kills < 8 || !writer.is_finished() {
        let mut service = Service::start(&config, &data, &store, &log);
        let run_for = Duration::from_millis(30 + rng.below(400));
        std::thread::sleep(run_for);
        service.kill();
        kills += 1;
        println!("kill -9 #{kills} after {run_for:?}: {} accepted so far", receiver.accepted().len());
        assert!(started.elapsed() < Duration::from_secs(300), "the writer did not finish within 5 minutes");
    }
    let ids = writer.join().expect("writer");
    let service = Service::start(&config, &data, &store, &log);
    let accepted = receiver.wait_until(Duration::from_secs(60), "every event delivered after the last restart", |a| {
        a.iter().map(|r| r.header("webhook-id")).collect::<BTreeSet<_>>().len() >= 1000
    });
    service.wait_ready(200, Duration::from_secs(30));
    let (_, metrics) = service.get("/metrics");
    assert!(metrics.contains("nanotrace_notify_queued 0"), "{metrics}");
    assert!(metrics.contains("nanotrace_notify_lag_blocks 0"), "{metrics}");

    // Every event exactly once by ID; repeats (re-sent after a kill) carry the same ID
    // and the same body.
    let mut by_id: BTreeMap<String, Vec<&support::Received>> = BTreeMap::new();
    for r in &accepted {
        by_id.entry(r.header("webhook-id").to_owned()).or_default().push(r);
    }
    let mut events: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut repeats = 0;
    for (id, copies) in &by_id {
        let body = &copies[0].body;
        assert!(copies.iter().all(|c| &c.body == body), "repeats of {id} differ");
        repeats += copies.len() - 1;
        let json = copies[0].json();
        let key = (
            json["data"]["event"].as_str().expect("event").to_owned(),
            json["data"]["certificate_id"].as_str().expect("id").to_owned(),
        );
        *events.entry(key).or_default() += 1;
    }
    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        expected.insert(("applied".into(), id.clone()), 1);
        expected.insert(("approved".into(), id.clone()), 1);
        if i < 200 {
            expected.insert(("suspended".into(), id.clone()), 1);
            expected.insert(("reinstated".into(), id.clone()), 1);
        }
    }
    assert_eq!(by_id.len(), 1000);
    assert_eq!(events, expected, "each event of the ledger once, nothing else");
    println!("{kills} kills: 1000 events delivered, {repeats} repeats (same webhook-id) re-sent after a kill");
}

#[test]
fn a_receiver_down_for_a_while_gets_everything_once_it_is_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    // Reserve a port, then leave it closed: the receiver is "down".
    let port = support::free_port();
    let url = format!("http://127.0.0.1:{port}/hooks/nanotrace");
    let config = tmp.path().join("subscriptions.toml");
    std::fs::write(&config, support::subscriptions(&url, None, FAST_RETRY)).expect("config");
    let service = Service::start(&config, &data, &tmp.path().join("store"), &tmp.path().join("notify.log"));
    let id = support::issue(&dir, "LOT-DOWN");
    // Both messages queued, and each attempt against the closed port retried.
    service.wait_metrics(Duration::from_secs(20), "both messages retried against a closed port", |m| {
        metric(m, "nanotrace_notify_retried_total") >= 2 && metric(m, "nanotrace_notify_queued") == 2
    });
    let receiver = Receiver::start_on(TcpListener::bind(("127.0.0.1", port)).expect("bind the same port"));
    let accepted =
        receiver.wait_until(Duration::from_secs(10), "delivery after the receiver is back", |a| a.len() >= 2);
    let events: BTreeSet<String> =
        accepted.iter().map(|r| r.json()["data"]["event"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(events, BTreeSet::from(["applied".to_owned(), "approved".to_owned()]));
    assert!(accepted.iter().all(|r| r.json()["data"]["certificate_id"] == id.as_str()));
    // "Nothing more": a later event (the marker) is delivered, and then the outbox is
    // empty and the follower at the ledger's head, so no copy of the first two can be
    // waiting anywhere; only then count.
    let marker = support::issue(&dir, "LOT-MARKER");
    let about = |r: &support::Received, id: &str| r.json()["data"]["certificate_id"] == id;
    receiver.wait_until(Duration::from_secs(10), "the marker delivered", |a| {
        a.iter().filter(|r| about(r, &marker)).count() >= 2
    });
    service.wait_metrics(Duration::from_secs(10), "an empty outbox at the ledger's head", |m| {
        metric(m, "nanotrace_notify_queued") == 0 && metric(m, "nanotrace_notify_lag_blocks") == 0
    });
    let all = receiver.all();
    assert_eq!(all.iter().filter(|r| about(r, &id)).count(), 2, "nothing more once delivered");
    assert_eq!(all.len(), 4, "the two events and the marker's two, each once");
}

#[test]
fn a_receiver_failing_forever_gives_dead_letters_that_the_cli_sends_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let receiver = Receiver::start();
    receiver.status.store(500, Ordering::Relaxed);
    let config = tmp.path().join("subscriptions.toml");
    let retry = "[retry]\nmax_attempts = 3\ninitial_backoff_ms = 50\nmax_backoff_ms = 100";
    std::fs::write(&config, support::subscriptions(&receiver.url(), None, retry)).expect("config");
    let store = tmp.path().join("store");
    let mut service = Service::start(&config, &data, &store, &tmp.path().join("notify.log"));
    support::issue(&dir, "LOT-DEAD");
    service.wait_metrics(Duration::from_secs(20), "two dead letters, nothing queued", |m| {
        metric(m, "nanotrace_notify_dead_letters") == 2 && metric(m, "nanotrace_notify_queued") == 0
    });
    assert_eq!(receiver.all().len(), 6, "three attempts per message, no more");
    let failed_ids: BTreeSet<String> = receiver.all().iter().map(|r| r.header("webhook-id").to_owned()).collect();
    assert_eq!(failed_ids.len(), 2);

    // The CLI takes the same --store as `run`.
    let store_arg = store.to_str().expect("utf-8 path");
    // The store is the running service's: the CLI says so and changes nothing.
    let (code, _, stderr) = cli(&["dead-letters", "list", "--store", store_arg]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("only one process may use it at a time"), "{stderr}");
    let status = service.terminate(Duration::from_secs(15)).expect("exit status");
    assert!(status.success(), "SIGTERM stops it cleanly: {status}");

    let (code, stdout, stderr) = cli(&["dead-letters", "list", "--store", store_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 dead letter(s)") && stdout.contains("HTTP 500"), "{stdout}");
    // A folder inside the store is not the store: refused, and nothing is created in it.
    let inner = store.join("db");
    let before = listing(&inner);
    let (code, stdout, stderr) = cli(&["dead-letters", "list", "--store", inner.to_str().expect("utf-8 path")]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("is not a notifier store") && stderr.contains("its parent"), "{stderr}");
    assert_eq!(listing(&inner), before, "nothing created inside the database folder");
    assert_eq!(listing(&store), BTreeSet::from(["db".to_owned(), "follower".to_owned()]), "nor beside it");

    let (code, _, stderr) = cli(&["dead-letters", "resend", "--store", store_arg, "msg_0000"]);
    assert_eq!(code, 2, "an unknown ID is refused");
    assert!(stderr.contains("no dead letter") && stderr.contains("nothing was changed"), "{stderr}");
    let (code, stdout, stderr) = cli(&["dead-letters", "resend", "--store", store_arg, "--all"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("2 message(s) back in the outbox"), "{stdout}");

    receiver.status.store(200, Ordering::Relaxed);
    let _service = Service::start(&config, &data, &store, &tmp.path().join("notify.log"));
    let accepted = receiver.wait_until(Duration::from_secs(10), "the re-sent dead letters", |a| a.len() >= 2);
    let resent: BTreeSet<String> = accepted.iter().map(|r| r.header("webhook-id").to_owned()).collect();
    assert_eq!(resent, failed_ids, "re-sent with the IDs of the failed attempts");
    let (_, list) = (0, cli(&["dead-letters", "list", "--store", store_arg]).2);
    assert!(list.contains("only one process"), "the service runs again");
}

/// The names in folder `dir`.
fn listing(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("read the folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// The dead-letter commands open only a notifier store, never making one, and `run`
/// keeps its store in a new or empty folder or its own.
#[test]
fn a_folder_that_is_not_a_store_is_refused_and_left_as_it_was() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("missing");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).expect("mkdir");
    std::fs::write(other.join("notes.txt"), "mine").expect("write");
    for folder in [&missing, &empty, &other] {
        let path = folder.to_str().expect("utf-8 path");
        for args in
            [&["dead-letters", "list", "--store", path][..], &["dead-letters", "resend", "--store", path, "--all"]]
        {
            let (code, stdout, stderr) = cli(args);
            assert_eq!(code, 2, "{args:?}: {stdout}");
            assert!(stderr.contains("is not a notifier store"), "{args:?}: {stderr}");
        }
    }
    assert!(!missing.exists(), "no store is created");
    assert!(listing(&empty).is_empty(), "the empty folder stays empty");
    assert_eq!(listing(&other), BTreeSet::from(["notes.txt".to_owned()]));

    // `run` refuses a folder that holds something else, before it touches anything.
    let config = tmp.path().join("subscriptions.toml");
    std::fs::write(&config, support::subscriptions("http://127.0.0.1:9/hook", None, "")).expect("config");
    let out = std::process::Command::new(support::BIN)
        .args(["run", "--config", config.to_str().expect("utf-8")])
        .args(["--data-dir", tmp.path().join("data").to_str().expect("utf-8")])
        .args(["--store", other.to_str().expect("utf-8"), "--listen", "127.0.0.1:0"])
        .output()
        .expect("run nanotrace-notify");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a notifier store"), "{stderr}");
    assert_eq!(listing(&other), BTreeSet::from(["notes.txt".to_owned()]), "nothing added");
}

#[test]
fn an_unreachable_smtp_server_means_retries_and_not_ready_never_a_crash() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let receiver = Receiver::start();
    // An SMTP server that exists only later, on a port reserved now.
    let port = support::free_port();
    let Some(probe) = SmtpServer::start_at(&tmp.path().join("probe"), SmtpMode::Starttls, port) else { return };
    let root = probe.root.clone();
    drop(probe);
    let text = format!(
        "verify_url = \"https://verify.example.org\"\n{FAST_RETRY}\n[smtp]\nhost = \"localhost\"\nport = {port}\nroot_certificate = \"{}\"\nfrom = \"notify@nanotrace.example\"\n[[email]]\nname = \"quality\"\nto = [\"quality@manufacturer.example\"]\n[[webhook]]\nname = \"erp\"\nurl = \"{}\"\nsecret = \"{}\"\n[[subscription]]\nall = true\nevents = [\"approved\"]\nnotify = [\"quality\", \"erp\"]\n",
        root.display(),
        receiver.url(),
        support::SECRET
    );
    let config = tmp.path().join("subscriptions.toml");
    std::fs::write(&config, text).expect("config");
    let service = Service::start(&config, &data, &tmp.path().join("store"), &tmp.path().join("notify.log"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = service.get("/readyz");
        if body.contains("cannot reach the SMTP server") {
            assert_eq!(status, 503, "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "/readyz never blamed the SMTP server: {status} {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
    support::issue(&dir, "LOT-NO-SMTP");
    receiver.wait_until(Duration::from_secs(10), "the webhook does not wait for the email", |a| a.len() == 1);
    // The email is tried, fails and waits in the outbox; the service keeps serving.
    let metrics = service.wait_metrics(Duration::from_secs(20), "the email retried and waiting", |m| {
        metric(m, "nanotrace_notify_retried_total") >= 1 && metric(m, "nanotrace_notify_queued") == 1
    });
    assert_eq!(metric(&metrics, "nanotrace_notify_ready"), 0, "{metrics}");
    // The server comes up (same folder, same certificate): the email goes out on its
    // next retry, and the notifier is ready again.
    let server = SmtpServer::start_at(&tmp.path().join("probe"), SmtpMode::Starttls, port).expect("aiosmtpd");
    assert_eq!(server.wait_for(1, Duration::from_secs(10)).len(), 1, "the email arrives once the server is up");
    service.wait_ready(200, Duration::from_secs(10));
}

/// SMTP AUTH inside STARTTLS with the password from the environment variable the file
/// names; a wrong password delivers nothing, says why on /readyz, and keeps the email.
#[test]
fn smtp_auth_takes_the_password_from_the_environment() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(smtp) = SmtpServer::start_authenticated(&tmp.path().join("smtp"), "notify", "s3cret-pass") else {
        return;
    };
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let text = format!(
        "verify_url = \"https://verify.example.org\"\n{FAST_RETRY}\n[smtp]\nhost = \"localhost\"\nport = {}\nroot_certificate = \"{}\"\nusername = \"notify\"\npassword_env = \"NOTIFY_TEST_SMTP_PASSWORD\"\nfrom = \"notify@nanotrace.example\"\n[[email]]\nname = \"quality\"\nto = [\"quality@manufacturer.example\"]\n[[subscription]]\nall = true\nevents = [\"approved\"]\nnotify = [\"quality\"]\n",
        smtp.port,
        smtp.root.display()
    );
    let config = tmp.path().join("subscriptions.toml");
    std::fs::write(&config, text).expect("config");
    let log = tmp.path().join("notify.log");

    // A wrong password: nothing delivered, not ready, the email waits.
    let wrong = Service::start_with_env(
        &config,
        &data,
        &tmp.path().join("store"),
        &log,
        &[("NOTIFY_TEST_SMTP_PASSWORD", "wrong")],
    );
    support::issue(&dir, "LOT-AUTH");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = wrong.get("/readyz");
        if body.contains("SMTP") {
            assert_eq!(status, 503, "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "/readyz never blamed the SMTP server: {status} {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A known later point: two attempts of the email have been refused (a message any of
    // them had delivered would be in the Maildir before the answer the attempt waits for),
    // and the email still waits in the outbox.
    wrong.wait_metrics(Duration::from_secs(20), "two refused attempts, the email waiting", |m| {
        metric(m, "nanotrace_notify_retried_total") >= 2 && metric(m, "nanotrace_notify_queued") == 1
    });
    assert!(smtp.messages().is_empty(), "no email without the right password");
    drop(wrong);
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(
        !logged.contains("s3cret-pass") && !logged.contains("quality@manufacturer.example"),
        "no secret or address in the log"
    );

    // The right password: the waiting email goes out.
    let right = Service::start_with_env(
        &config,
        &data,
        &tmp.path().join("store"),
        &log,
        &[("NOTIFY_TEST_SMTP_PASSWORD", "s3cret-pass")],
    );
    assert_eq!(smtp.wait_for(1, Duration::from_secs(20)).len(), 1, "delivered after AUTH");
    right.wait_ready(200, Duration::from_secs(20));
}
