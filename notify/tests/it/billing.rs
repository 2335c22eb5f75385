//! Billing notifications (issue 75) on an embedded ledger: the manufacturer's notifier,
//! reading as the manufacturer's member, emails the invoice once when the body issues
//! it, with the Factur-X PDF and the UBL XML attached (byte for byte what the ledger's
//! record renders), and sends `invoice.paid` once when an imported statement pays it,
//! naming the statement entry. Another manufacturer's notifier, reading as its own
//! member, sends nothing. A notifier stopped with messages queued sends them after a
//! restart, once; one restarted after delivery sends nothing again.

use crate::support::{self, runtime, Receiver, SmtpMode, SmtpServer, SECRET};
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{DataDir, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_follow::source::EmbeddedSource;
use nanotrace_model::billing::InvoiceRecord;
use nanotrace_model::IssueInvoiceRequest;
use nanotrace_notify::{Config, Notifier, Store};
use nanotrace_testkit::datadir::{billing_network, FINANCE, OTHER_MAKER};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The sample body's account (`examples/billing-details-body.json`).
const IBAN: &str = "DE89370400440532013000";

/// An application of the manufacturer, quoted, accepted and invoiced by the body.
fn invoiced(dir: &DataDir, lot: &str) -> InvoiceRecord {
    let applicant = dir.client(APPLICANT).expect("applicant");
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let id = applicant.apply(&nanotrace_testkit::sample_application(lot)).wait().expect("apply").value;
    certifier.issue_quote(&id).wait().expect("quote");
    applicant.accept_quote(&id, CERTIFIER_MSP).wait().expect("accept");
    let req = IssueInvoiceRequest { certificate_id: id, buyer_reference: None, note: None };
    dir.client(FINANCE).expect("finance").issue_invoice(&req).wait().expect("invoice").value
}

/// A subscription file: every billing event to the webhook and to `to` by email.
fn config(receiver: &Receiver, smtp: &SmtpServer, to: &str) -> String {
    format!(
        "verify_url = \"https://verify.example.org\"\n\n[[webhook]]\nname = \"erp\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n\n\
         [smtp]\nhost = \"localhost\"\nport = {}\ntls = \"starttls\"\nroot_certificate = \"{}\"\n\
         from = \"NanoTrace <notify@nanotrace.example>\"\n\n[[email]]\nname = \"accounts\"\nto = [\"{to}\"]\n\n\
         [[billing]]\nevents = [\"invoice_issued\", \"credit_note_issued\", \"invoice_paid\"]\nnotify = [\"erp\", \"accounts\"]\n",
        receiver.url(),
        smtp.port,
        smtp.root.display()
    )
}

/// A notifier for `text` reading the ledger in `data` as the local identity `member`.
fn notifier_as(text: &str, data: &Path, store: &Path, member: &str) -> Notifier {
    let config = Arc::new(Config::parse(text, Path::new("subscriptions.toml")).expect("config"));
    let source = Arc::new(
        EmbeddedSource::open_as_local(data, &Store::follower_path(store), member).expect("source as a member"),
    );
    let store = Arc::new(Store::create_in_folder(store).expect("store"));
    Notifier::new(config, store, source).expect("notifier")
}

/// The emails `smtp` stored for `to`, parsed.
fn mails_to(smtp: &SmtpServer, to: &str) -> Vec<Vec<u8>> {
    smtp.messages()
        .into_iter()
        .filter(|raw| {
            mailparse::parse_mail(raw)
                .is_ok_and(|m| m.headers.iter().any(|h| h.get_key().eq_ignore_ascii_case("To") && h.get_value() == to))
        })
        .collect()
}

/// The leaf parts of `mail`: (MIME type, file name, body).
fn parts(mail: &mailparse::ParsedMail<'_>, out: &mut Vec<(String, Option<String>, Vec<u8>)>) {
    if mail.subparts.is_empty() {
        let name = mail.get_content_disposition().params.get("filename").cloned();
        out.push((mail.ctype.mimetype.clone(), name, mail.get_body_raw().expect("body")));
    }
    for part in &mail.subparts {
        parts(part, out);
    }
}

const ACCOUNTS: &str = "accounts@manufacturer.example";
const OTHERS: &str = "accounts@othermaker.example";

#[test]
fn an_issued_invoice_is_emailed_once_with_its_pdf_and_xml_and_its_payment_arrives_once_by_webhook() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(smtp) = SmtpServer::start(&tmp.path().join("smtp"), SmtpMode::Starttls) else { return };
    let receiver = Receiver::start();
    let others = Receiver::start();
    let data = tmp.path().join("data");
    let dir = billing_network(&data);
    let rt = runtime();
    let now_ms = nanotrace_embedded::datadir::now() * 1000;
    let maker = notifier_as(&config(&receiver, &smtp, ACCOUNTS), &data, &tmp.path().join("maker"), APPLICANT);
    let other = notifier_as(&config(&others, &smtp, OTHERS), &data, &tmp.path().join("other"), OTHER_MAKER);
    support::follow_and_deliver(&rt, &maker, now_ms);
    assert!(receiver.all().is_empty(), "fees and details are no invoice");

    // The body invoices the manufacturer's application.
    let invoice = invoiced(&dir, "LOT-BILLED");
    support::follow_and_deliver(&rt, &maker, now_ms);
    let mails = smtp.wait_for(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1, "one email for one invoice");
    let mail = mailparse::parse_mail(&mails[0]).expect("MIME");
    let subject = mail.headers.iter().find(|h| h.get_key() == "Subject").map(|h| h.get_value()).expect("subject");
    assert!(subject.contains("INV-000001") && subject.contains("1737.40 EUR"), "{subject}");
    let mut found = Vec::new();
    parts(&mail, &mut found);
    let text = found.iter().find(|p| p.0 == "text/plain").map(|p| String::from_utf8_lossy(&p.2).into_owned());
    let text = text.expect("a text part");
    let doc = serde_json::to_value(&invoice.document).expect("JSON");
    let reference = doc["payment_means"]["creditor_reference"].as_str().expect("reference").to_owned();
    let due = doc["due_date"].as_str().expect("due date").to_owned();
    for fact in [
        "Invoice: INV-000001",
        "Amount due: 1737.40 EUR",
        &format!("Due date: {due}"),
        &format!("Payment reference: {reference}"),
    ] {
        assert!(text.contains(fact), "{fact:?} in {text}");
    }
    let pdf = found.iter().find(|p| p.0 == "application/pdf").expect("the PDF attached");
    assert_eq!(pdf.1.as_deref(), Some("INV-000001.pdf"));
    assert!(pdf.2.starts_with(b"%PDF-"), "a PDF");
    assert_eq!(pdf.2, invoice.document.to_facturx_pdf().expect("PDF"), "the ledger's invoice, as Factur-X");
    let xml = found.iter().find(|p| p.0 == "application/xml").expect("the UBL attached");
    assert_eq!(xml.2, invoice.document.to_ubl().expect("UBL"), "the ledger's invoice, as UBL");

    let issued = receiver.accepted();
    assert_eq!(issued.len(), 1, "one webhook for one invoice");
    support::verify_signature(&issued[0]).expect("the reference library accepts the signature");
    let body = issued[0].json();
    assert_eq!(body["type"], "invoice.issued");
    assert_eq!(body["data"]["number"], "INV-000001");
    assert_eq!(body["data"]["payable_amount"], "1737.40");
    assert_eq!(body["data"]["payment_reference"], reference.as_str());
    assert_eq!(body["data"]["transaction_id"], invoice.tx_id.as_str());

    // The bank statement pays it.
    let statement = nanotrace_testkit::camt053_statement("STMT-1", IBAN, &[("1737.40", &reference)]);
    let import = dir.client(FINANCE).expect("finance").import_statement(statement).wait().expect("import");
    support::follow_and_deliver(&rt, &maker, now_ms);
    let hooks = receiver.accepted();
    let paid: Vec<_> = hooks.iter().filter(|r| r.json()["type"] == "invoice.paid").collect();
    assert_eq!(paid.len(), 1, "one invoice.paid: {:?}", hooks.iter().map(|r| r.json()).collect::<Vec<_>>());
    support::verify_signature(paid[0]).expect("signature");
    let paid_body = paid[0].json();
    let fields = &paid_body["data"];
    assert_eq!(fields["number"], "INV-000001");
    assert_eq!(fields["paid_amount"], "1737.40");
    assert_eq!(fields["outstanding_amount"], "0.00");
    assert_eq!(fields["payment"]["amount"], "1737.40");
    assert_eq!(fields["payment"]["kind"], "paid");
    assert_eq!(fields["payment"]["entry"]["entry_reference"], "STMT-1-0", "the statement entry it came from");
    assert_eq!(fields["transaction_id"], import.tx_id.as_str(), "the import's transaction");
    assert_ne!(paid[0].header("webhook-id"), issued[0].header("webhook-id"));
    assert_eq!(hooks.len(), 2, "nothing else");
    assert_eq!(smtp.wait_for(2, Duration::from_secs(10)).len(), 2, "and the payment by email");

    // Another manufacturer's notifier, reading as its member, hears of none of it.
    support::follow_and_deliver(&rt, &other, now_ms);
    assert!(others.all().is_empty(), "another organisation's billing: {:?}", others.all());
    assert!(mails_to(&smtp, OTHERS).is_empty(), "no email to another organisation");

    // Stopped with a credit note queued but not sent: the restart sends it, once.
    let finance = dir.client(FINANCE).expect("finance");
    let credit = finance.issue_credit_note(&invoice.number, "application withdrawn").wait().expect("credit note");
    maker.follow_pass(10_000, now_ms).expect("queue the credit note");
    assert_eq!(maker.store().counts().expect("counts"), (2, 0), "webhook and email queued");
    drop(maker);
    let maker = notifier_as(&config(&receiver, &smtp, ACCOUNTS), &data, &tmp.path().join("maker"), APPLICANT);
    support::follow_and_deliver(&rt, &maker, now_ms);
    let credited: Vec<_> =
        receiver.accepted().into_iter().filter(|r| r.json()["type"] == "credit_note.issued").collect();
    assert_eq!(credited.len(), 1);
    assert_eq!(credited[0].json()["data"]["credited_invoice"], "INV-000001");
    assert_eq!(credited[0].json()["data"]["transaction_id"], credit.tx_id.as_str());
    assert_eq!(smtp.wait_for(3, Duration::from_secs(10)).len(), 3);

    // Restarted after delivery: nothing again.
    drop(maker);
    let maker = notifier_as(&config(&receiver, &smtp, ACCOUNTS), &data, &tmp.path().join("maker"), APPLICANT);
    support::follow_and_deliver(&rt, &maker, now_ms);
    assert_eq!(receiver.accepted().len(), 3, "nothing re-sent");
    assert_eq!(mails_to(&smtp, ACCOUNTS).len(), 3, "no email re-sent");
}

#[test]
fn billing_subscriptions_need_a_member_identity() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    support::sample_network(&data);
    let text = "verify_url = \"https://verify.example.org\"\n[[webhook]]\nname = \"erp\"\nurl = \"http://127.0.0.1:9/\"\n\
                secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n[[billing]]\nevents = [\"invoice_paid\"]\nnotify = [\"erp\"]\n";
    let config = tmp.path().join("subs.toml");
    std::fs::write(&config, text).expect("write");
    let store = tmp.path().join("store");
    let run = |extra: &[&str]| {
        let paths = [config.to_str(), data.to_str(), store.to_str()].map(|p| p.expect("utf-8"));
        let mut args = vec!["run", "--config", paths[0], "--data-dir", paths[1], "--store", paths[2]];
        args.extend_from_slice(extra);
        support::cli(&args)
    };
    let (code, _, stderr) = run(&["--listen", "127.0.0.1:0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("[[billing]]") && stderr.contains("--as NAME"), "{stderr}");
    let (code, _, stderr) = run(&["--as", "nobody@nowhere"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot read as the local identity \"nobody@nowhere\""), "{stderr}");
}
