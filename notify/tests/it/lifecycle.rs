//! A whole certificate lifecycle on an embedded ledger, followed by the notifier (the
//! library, with the clock set by the test): every event arrives once at the webhook
//! receiver, signed so that the Standard Webhooks reference library accepts it, and once
//! as an email stored by a real SMTP server (STARTTLS); the expiry reminder fires at the
//! lead time and only once.

use crate::support::{self, notifier, runtime, Receiver, SmtpMode, SmtpServer};
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_model::SafetyDataSheet;
use nanotrace_notify::Notifier;
use nanotrace_testkit::{application, sample_application};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use nanotrace_model::DAY;

/// Follows and delivers until the outbox is empty (the clock: `now_ms`).
fn drain(rt: &tokio::runtime::Runtime, notifier: &Notifier, now_ms: i64) {
    for _ in 0..1000 {
        let (_, caught_up) = notifier.follow_pass(10_000, now_ms).expect("follow");
        rt.block_on(notifier.deliver_due(now_ms)).expect("deliver");
        let (queued, dead) = notifier.store().counts().expect("counts");
        assert_eq!(dead, 0, "nothing may be given up on: {:?}", notifier.store().dead_letters());
        if caught_up && queued == 0 {
            return;
        }
        let failed: Vec<_> =
            notifier.store().outbox().expect("outbox").into_iter().filter(|e| e.attempts > 0).collect();
        assert!(failed.is_empty(), "a delivery failed: {failed:?}");
    }
    panic!("the outbox did not drain: {:?}", notifier.store().outbox());
}

#[test]
fn a_lifecycle_arrives_once_per_event_by_webhook_and_email_and_the_expiry_reminder_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(smtp) = SmtpServer::start(&tmp.path().join("smtp"), SmtpMode::Starttls) else { return };
    let receiver = Receiver::start();
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let config = support::subscriptions(&receiver.url(), Some((&smtp, "starttls")), "");
    let n = notifier(&config, &data, &tmp.path().join("notify"));
    let rt = runtime();
    let now_ms = datadir::now() * 1000;
    // Governance only so far: nothing to say.
    drain(&rt, &n, now_ms);
    assert!(receiver.all().is_empty(), "governance transactions notify nobody");

    let applicant = dir.client(APPLICANT).expect("applicant");
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let signer = dir.signer(CERTIFIER).expect("signer");
    let approve = |id: &str| {
        certifier.approve(id, &signer, CERTIFIER_MSP, datadir::now(), None).wait().expect("approve");
    };
    let supplier = applicant.apply(&sample_application("LOT-SUPPLIER")).wait().expect("apply").value;
    approve(&supplier);
    let product = applicant
        .apply(&application("Sunscreen SPF 50", "LOT-P1", 365, vec![supplier.clone()]))
        .wait()
        .expect("apply")
        .value;
    approve(&product);
    certifier.suspend(&supplier, "audit pending").wait().expect("suspend");
    certifier.reinstate(&supplier, "audit passed", None).wait().expect("reinstate");
    let sds = SafetyDataSheet { url: "https://sds.example.com/rev4.pdf".into(), sha256: "ab".repeat(32), revision: 4 };
    applicant.update_sds(&product, sds).wait().expect("update sds");
    certifier.reinstate(&product, "new SDS reviewed", Some(&signer)).wait().expect("reinstate with a fresh signature");
    let renewed = certifier.renew(&product, &signer, CERTIFIER_MSP, datadir::now(), None).wait().expect("renew").value;
    let renewed = renewed.last().expect("the new version").clone();
    let refused = applicant.apply(&sample_application("LOT-REFUSED")).wait().expect("apply").value;
    certifier.reject(&refused, "incomplete particle size data").wait().expect("reject");
    certifier.revoke(&supplier, "contamination found").wait().expect("revoke");

    drain(&rt, &n, now_ms);
    let expected: BTreeSet<(String, String)> = [
        ("applied", &supplier),
        ("approved", &supplier),
        ("applied", &product),
        ("approved", &product),
        ("suspended", &supplier),
        ("supplier_changed", &product),
        ("reinstated", &supplier),
        ("sds_revised", &product),
        ("reinstated", &product),
        ("renewed", &renewed),
        ("applied", &refused),
        ("rejected", &refused),
        ("revoked", &supplier),
        ("supplier_changed", &renewed),
    ]
    .into_iter()
    .map(|(e, id)| (e.to_owned(), id.clone()))
    .collect();
    // supplier_changed for the product comes twice (suspension and reinstatement).
    let hooks = receiver.accepted();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for r in &hooks {
        support::verify_signature(r).unwrap_or_else(|e| panic!("the reference library refuses our signature: {e}"));
        assert!(ids.insert(r.header("webhook-id").to_owned()), "webhook-id {} came twice", r.header("webhook-id"));
        let body = r.json();
        let data = &body["data"];
        let event = data["event"].as_str().expect("event").to_owned();
        assert_eq!(body["type"], format!("certificate.{event}"));
        let id = data["certificate_id"].as_str().expect("certificate_id").to_owned();
        assert!(data["transaction_id"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
        assert!(data["block"].as_u64().is_some_and(|b| b > 0), "{body}");
        let url = data["verification_url"].as_str().expect("url");
        assert!(url.starts_with(&format!("https://verify.example.org/c/{id}")), "{url}");
        *seen.entry((event, id)).or_default() += 1;
    }
    let kinds: BTreeSet<(String, String)> = seen.keys().cloned().collect();
    assert_eq!(kinds, expected, "every event of the lifecycle, and nothing else");
    let twice = (String::from("supplier_changed"), product.clone());
    for (key, count) in &seen {
        let want = if *key == twice { 2 } else { 1 };
        assert_eq!(*count, want, "{key:?} arrived {count} times");
    }
    assert_eq!(hooks.len(), 15);
    // What the bodies say.
    let approval = hooks.iter().map(|r| r.json()).find(|b| b["data"]["event"] == "approved").expect("approval");
    assert_eq!(approval["data"]["status"], "ACTIVE");
    assert_eq!(approval["data"]["issuer"], CERTIFIER_MSP);
    assert!(approval["data"]["verification_url"].as_str().is_some_and(|u| u.contains("?t=")), "{approval}");
    let renewal = hooks.iter().map(|r| r.json()).find(|b| b["data"]["event"] == "renewed").expect("renewal");
    assert_eq!(renewal["data"]["previous_certificate_id"], product.as_str());
    let rejection = hooks.iter().map(|r| r.json()).find(|b| b["data"]["event"] == "rejected").expect("rejection");
    assert_eq!(rejection["data"]["reason"], "incomplete particle size data");
    let supplier_change = hooks
        .iter()
        .map(|r| r.json())
        .find(|b| b["data"]["event"] == "supplier_changed" && b["data"]["certificate_id"] == renewed.as_str())
        .expect("supplier change");
    assert_eq!(supplier_change["data"]["supplier"]["certificate_id"], supplier.as_str());
    assert_eq!(supplier_change["data"]["supplier"]["status"], "REVOKED");

    // The same events by email, through STARTTLS.
    let mails = smtp.wait_for(15, Duration::from_secs(10));
    assert_eq!(mails.len(), 15, "one email per event");
    let mut subjects = BTreeSet::new();
    for raw in &mails {
        let mail = mailparse::parse_mail(raw).expect("a MIME message");
        let header =
            |name: &str| mail.headers.iter().find(|h| h.get_key().eq_ignore_ascii_case(name)).map(|h| h.get_value());
        assert_eq!(header("To").as_deref(), Some("quality@manufacturer.example"));
        assert!(header("From").is_some_and(|f| f.contains("notify@nanotrace.example")));
        subjects.insert(header("Subject").expect("subject"));
    }
    // The product hears of its supplier twice (suspension, reinstatement) under one subject.
    assert_eq!(subjects.len(), 14, "one subject per kind of event and certificate: {subjects:?}");
    let approved_subject = format!("NanoTrace: {product} approved — Sunscreen SPF 50");
    let raw = mails
        .iter()
        .find(|raw| {
            let mail = mailparse::parse_mail(raw).expect("mime");
            mail.headers.iter().any(|h| h.get_key() == "Subject" && h.get_value() == approved_subject)
        })
        .unwrap_or_else(|| panic!("no email with subject {approved_subject:?} in {subjects:?}"));
    let mail = mailparse::parse_mail(raw).expect("mime");
    let mut parts = Vec::new();
    collect_parts(&mail, &mut parts);
    let text = parts.iter().find(|(t, _)| t == "text/plain").expect("a text part");
    let html = parts.iter().find(|(t, _)| t == "text/html").expect("an HTML part");
    let png = parts.iter().find(|(t, _)| t == "image/png").expect("the QR image");
    let body_text = String::from_utf8_lossy(&text.1);
    assert!(body_text.contains(&format!("https://verify.example.org/c/{product}?t=")), "{body_text}");
    assert!(body_text.contains("was approved and issued"), "{body_text}");
    assert!(String::from_utf8_lossy(&html.1).contains("cid:qr@nanotrace"));
    assert!(png.1.starts_with(b"\x89PNG"), "the inline QR code is a PNG");

    // Expiry: the renewed version is the only one in force.
    let valid_until = certifier_valid_until(&dir, &renewed);
    let lead = 30 * DAY;
    assert_eq!(n.remind(valid_until - lead - 60).expect("remind"), 0, "not yet at the lead time");
    assert_eq!(n.remind(valid_until - lead + 60).expect("remind"), 2, "one reminder per target");
    assert_eq!(n.remind(valid_until - lead + 120).expect("remind"), 0, "a reminder fires once");
    drain(&rt, &n, (valid_until - lead + 120) * 1000);
    let reminders: Vec<_> =
        receiver.accepted().iter().map(|r| r.json()).filter(|b| b["data"]["event"] == "expiring").collect();
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0]["data"]["certificate_id"], renewed.as_str());
    assert_eq!(reminders[0]["data"]["days_left"], 29);
    assert_eq!(smtp.wait_for(16, Duration::from_secs(10)).len(), 16, "and by email");
}

fn certifier_valid_until(dir: &nanotrace_embedded::datadir::DataDir, id: &str) -> i64 {
    let cert = dir.client(CERTIFIER).expect("client").get_certificate(id).wait().expect("certificate");
    cert.issuance.expect("issued").valid_until
}

fn collect_parts(mail: &mailparse::ParsedMail<'_>, out: &mut Vec<(String, Vec<u8>)>) {
    if mail.subparts.is_empty() {
        out.push((mail.ctype.mimetype.clone(), mail.get_body_raw().expect("body")));
    }
    for part in &mail.subparts {
        collect_parts(part, out);
    }
}

/// Implicit TLS (SMTPS) works too.
#[test]
fn email_goes_through_implicit_tls() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(smtp) = SmtpServer::start(&tmp.path().join("smtp"), SmtpMode::Implicit) else { return };
    let receiver = Receiver::start();
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let config = support::subscriptions(&receiver.url(), Some((&smtp, "implicit")), "");
    let n = notifier(&config, &data, &tmp.path().join("notify"));
    support::issue(&dir, "LOT-SMTPS");
    drain(&runtime(), &n, datadir::now() * 1000);
    assert_eq!(smtp.wait_for(2, Duration::from_secs(10)).len(), 2, "applied and approved, over SMTPS");
}
