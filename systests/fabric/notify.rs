//! (j) The notifier on the real network: `nanotrace-notify`'s engine follows the
//! Regulator's peer (as rita, through the Gateway client, reading blocks with qscc) from
//! nothing to the ledger's head, and every certificate decision of the suite so far
//! arrives once by webhook — checked against each certificate's `History` (the ledger's
//! key history, another read path than the blocks the notifier reads) — and once by
//! email through a real SMTP server.

use crate::client::{client, profile};
use crate::network::Network;
use crate::steps::{application, now, World};
use nanotrace_client::Wait;
use nanotrace_follow::source::FabricSource;
use nanotrace_model::Action;
use nanotrace_model::CertificateStatus;
use nanotrace_notify::service::{self, Timing};
use nanotrace_notify::{Config, Notifier, Store};
use nanotrace_testkit::smtp::{SmtpMode, SmtpServer};
use nanotrace_testkit::webhook::Receiver;
use service::now_ms;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Follows the channel from the notifier's checkpoint to the peer's head and delivers
/// everything queued (within 3 minutes, no dead letter); how long it took.
pub(crate) fn catch_up_and_deliver(notifier: &Notifier, store: &Store) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let started = Instant::now();
    loop {
        let (_, caught_up) = notifier.follow_pass(100_000, now_ms()).expect("follow the peer");
        rt.block_on(notifier.deliver_due(now_ms())).expect("deliver");
        let (queued, dead) = store.counts().expect("counts");
        assert_eq!(dead, 0, "dead letters: {:?}", store.dead_letters());
        if caught_up && queued == 0 {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(180), "not caught up and delivered within 3 minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn notifier_follows(w: &World, net: &Network) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let receiver = Receiver::start();
    let smtp = SmtpServer::start(&tmp.path().join("smtp"), SmtpMode::Starttls);
    let mut text = format!(
        "verify_url = \"https://verify.example.org\"\n[[webhook]]\nname = \"erp\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n",
        receiver.url()
    );
    let mut targets = "\"erp\"".to_owned();
    if let Some(smtp) = &smtp {
        text.push_str(&format!(
            "[smtp]\nhost = \"localhost\"\nport = {}\nroot_certificate = \"{}\"\nfrom = \"notify@nanotrace.example\"\n\
             [[email]]\nname = \"regulator\"\nto = [\"inbox@regulator.example\"]\n",
            smtp.port,
            smtp.root.display()
        ));
        targets.push_str(", \"regulator\"");
    }
    text.push_str(&format!(
        "[[subscription]]\nall = true\nevents = [\"applied\", \"approved\", \"rejected\", \"suspended\", \"reinstated\", \
         \"revoked\", \"renewed\", \"sds_revised\"]\nnotify = [{targets}]\n"
    ));
    let config = Arc::new(Config::parse(&text, Path::new("subscriptions.toml")).expect("config"));
    let source = Arc::new(FabricSource::from_profile(&profile(net, "regulator-rita")).expect("follow rita's peer"));
    let store = Arc::new(Store::open(&tmp.path().join("store")).expect("store"));
    let notifier = Arc::new(Notifier::new(config, store.clone(), source).expect("notifier"));
    let elapsed = catch_up_and_deliver(&notifier, &store);
    let hooks = receiver.accepted();
    let ids: BTreeSet<&str> = hooks.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), hooks.len(), "every webhook once");
    // (event, transaction) per certificate, as the webhooks tell it.
    let mut told: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for r in &hooks {
        let body = r.json();
        let data = &body["data"];
        let id = data["certificate_id"].as_str().expect("certificate_id").to_owned();
        let event = data["event"].as_str().expect("event").to_owned();
        let tx = data["transaction_id"].as_str().expect("transaction_id").to_owned();
        told.entry(id).or_default().insert((event, tx));
    }
    // Each certificate's History, entry by entry, must have been told.
    let rita = client(net, "regulator-rita");
    let mut checked = 0;
    for (id, events) in &told {
        for entry in rita.history(id).wait().unwrap_or_else(|e| panic!("History of {id}: {e}")) {
            let event = match entry.action {
                Action::Applied => "applied",
                Action::Approved => "approved",
                Action::Rejected => "rejected",
                Action::Suspended => "suspended",
                Action::Reinstated => "reinstated",
                Action::Revoked => "revoked",
                Action::Renewed => "renewed",
                Action::SdsUpdated => "sds_revised",
                // The old version's side of a renewal is told as the new version's.
                Action::Superseded => continue,
                // Not decisions: a credential recorded, and the status-list position given
                // with it to a certificate issued before the lists; the notifier tells none.
                Action::CredentialSigned | Action::StatusPositionAssigned => continue,
                #[allow(unreachable_patterns)] // a new action must be told too
                other => panic!("{id}: an action the notifier does not know: {other:?}"),
            };
            assert!(
                events.contains(&(event.to_owned(), entry.tx_id.clone())),
                "{id}: History has {event} in {} but no webhook said so (told: {events:?})",
                entry.tx_id
            );
            checked += 1;
        }
    }
    assert!(checked >= told.len(), "every certificate has at least its application in History");
    if let Some(smtp) = &smtp {
        let mails = smtp.wait_for(hooks.len(), Duration::from_secs(30));
        assert_eq!(mails.len(), hooks.len(), "one email per webhook");
    }
    // Approval → email on the real network: the service's loops (default poll) running,
    // alice approves dave's applications one at a time; the clock runs from just before
    // the Approve is submitted until the SMTP server has stored the approval email.
    if let Some(smtp) = &smtp {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let running = notifier.clone();
        let loops = std::thread::spawn(move || {
            let rt =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            rt.block_on(service::run(running, Timing::default(), stopped));
        });
        let dave = client(net, "manufacturer-dave");
        let alice = client(net, "certifier-alice");
        let mut latencies = Vec::new();
        for i in 0..20 {
            let id = dave.apply(&application(&format!("LOT-E2E-NOTIFY-{i:02}"))).wait().expect("Apply").value;
            w.expect(&id, CertificateStatus::Pending);
            let base = smtp.wait_for(hooks.len() + 2 * i + 1, Duration::from_secs(30)).len();
            assert_eq!(base, hooks.len() + 2 * i + 1, "the application's email");
            let t0 = Instant::now();
            alice.approve(&id, &w.signer, &w.certifier_msp, now(), None).wait().expect("Approve");
            w.expect(&id, CertificateStatus::Active);
            assert_eq!(smtp.wait_for(base + 1, Duration::from_secs(30)).len(), base + 1, "the approval's email");
            latencies.push(t0.elapsed());
        }
        let _ = stop.send(true);
        loops.join().expect("the service's loops");
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1];
        eprintln!(
            "[fabric] approval -> email stored, {} approvals through the gateway (commit included, poll 250 ms): \
             p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms",
            latencies.len(),
            at(0.5).as_secs_f64() * 1e3,
            at(0.9).as_secs_f64() * 1e3,
            at(1.0).as_secs_f64() * 1e3
        );
    }
    eprintln!(
        "[fabric] notifier: {} certificates, {} webhooks (+ as many emails), {checked} History entries matched, \
         caught up and delivered in {:.1} s",
        told.len(),
        hooks.len(),
        elapsed.as_secs_f64()
    );
}
