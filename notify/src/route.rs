//! From the ledger's events to notifications: which subscriptions a transaction
//! concerns, and what each target is told.
//!
//! One transaction yields one notification per (certificate, event kind, target) that a
//! subscription asks for; two subscriptions naming the same target for the same thing
//! give one message, not two. Every notification has an ID that depends only on the
//! ledger event and the target ([`notification_id`]), so a message re-sent after a crash
//! or from the dead-letter list carries the same `webhook-id` and a receiver can drop
//! repeats.

use crate::config::{Config, Subscription, DEFAULT_EXPIRING_DAYS};
use crate::kind::Kind;
use nanotrace_follow::SeenTx;
use nanotrace_model::billing::{InvoiceRecord, PaymentRecord};
use nanotrace_model::{Certificate, CertificateStatus, Event};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Where a notification came from on the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRef {
    /// The transaction ID.
    pub tx_id: String,
    /// Its block.
    pub block: u64,
    /// Its position in the block.
    pub tx_index: u32,
    /// Its timestamp (Unix seconds).
    pub timestamp: i64,
}

/// One message for one target, before it is rendered for the target's channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Stable for one ledger event (or one expiry reminder) and one target.
    pub id: String,
    /// The target's name.
    pub target: String,
    /// What happened.
    pub kind: Kind,
    /// The certificate it is about.
    pub certificate_id: String,
    /// Its status after the event.
    pub status: CertificateStatus,
    /// The manufacturer (MSP ID).
    pub manufacturer: String,
    /// The issuing organisation, once issued.
    pub issuer: Option<String>,
    /// The product's name.
    pub product_name: String,
    /// The product's GTIN.
    pub gtin: Option<String>,
    /// The batch or lot.
    pub batch: String,
    /// End of validity (Unix seconds), once issued.
    pub valid_until: Option<i64>,
    /// Why the certificate is in its status (rejection, suspension, revocation).
    pub reason: Option<String>,
    /// For `supplier_changed`: the supplier certificate, and its status.
    pub supplier: Option<(String, CertificateStatus)>,
    /// For `renewed`: the version it replaced.
    pub previous: Option<String>,
    /// For `expiring`: the days of validity left when the reminder was made.
    pub days_left: Option<i64>,
    /// The ledger transaction (for `expiring`, the one that issued the certificate).
    pub ledger: LedgerRef,
    /// The certificate's page on the public verifier (with its offline token once issued).
    pub verification_url: String,
    /// For a billing kind ([`Kind::is_billing`]): the invoice or credit note, read from
    /// the organisation's private records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Box<Billed>>,
}

/// What a billing notification is about: an invoice or credit note as the ledger keeps it
/// (the email attaches its document), and for `invoice_paid` the payment that settled it.
/// Private to the two parties: it lives in the outbox of the organisation that read it,
/// never in a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billed {
    /// The invoice or credit note.
    pub record: InvoiceRecord,
    /// For `invoice_paid`: the payment that made it paid in full.
    pub payment: Option<PaymentRecord>,
}

impl Notification {
    /// An approval of certificate `NT-<n>` for target `quality`, every ID made from `n`:
    /// for tests and benchmarks.
    #[doc(hidden)]
    pub fn example(n: u64) -> Notification {
        Notification {
            id: format!("msg_{n:032x}"),
            target: "quality".to_owned(),
            kind: Kind::Approved,
            certificate_id: format!("NT-{n:012}"),
            status: CertificateStatus::Active,
            manufacturer: "ManufacturerMSP".to_owned(),
            issuer: Some("CertifierMSP".to_owned()),
            product_name: "Nano-TiO2 coating, 25 kg drum".to_owned(),
            gtin: Some("09506000134352".to_owned()),
            batch: format!("LOT-{n}"),
            valid_until: Some(1_900_000_000),
            reason: None,
            supplier: None,
            previous: None,
            days_left: None,
            ledger: LedgerRef {
                tx_id: format!("{n:064x}"),
                block: n / 1000 + 1,
                tx_index: 0,
                timestamp: 1_800_000_000,
            },
            verification_url: format!("https://verify.example.org/c/NT-{n:012}"),
            billing: None,
        }
    }
}

/// The notification ID of (ledger event or reminder, target): `msg_` and 32 hex digits
/// of SHA-256 over the parts.
pub fn notification_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    format!("msg_{}", &hex::encode(hash.finalize())[..32])
}

/// Whether `s` is about `cert`.
pub fn selects(s: &Subscription, cert: &Certificate) -> bool {
    if s.all {
        return true;
    }
    let issuer = cert.issuance.as_ref().map(|i| i.issuer_org.as_str());
    s.organization.as_deref().is_none_or(|org| org == cert.manufacturer_msp || Some(org) == issuer)
        && s.certificate.as_deref().is_none_or(|id| id == cert.id || cert.supersedes.as_deref() == Some(id))
        && s.product.as_deref().is_none_or(|gtin| cert.application.gtin.as_deref() == Some(gtin))
}

/// The targets that want `kind` about `cert`, each once, with the subscription's
/// `expiring_days` for [`Kind::Expiring`] (the smallest when several ask).
pub fn targets(config: &Config, cert: &Certificate, kind: Kind) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for s in config.subscriptions.iter().filter(|s| s.events.contains(&kind) && selects(s, cert)) {
        let days = s.expiring_days.unwrap_or(DEFAULT_EXPIRING_DAYS);
        for target in &s.notify {
            match out.iter_mut().find(|(t, _)| t == target) {
                Some((_, d)) => *d = (*d).min(days),
                None => out.push((target.clone(), days)),
            }
        }
    }
    out
}

/// The notification of `kind` about `record` for `target`.
pub fn notification(
    config: &Config,
    record: &Certificate,
    kind: Kind,
    target: &str,
    ledger: LedgerRef,
    id: String,
) -> Notification {
    Notification {
        id,
        target: target.to_owned(),
        kind,
        certificate_id: record.id.clone(),
        status: record.status,
        manufacturer: record.manufacturer_msp.clone(),
        issuer: record.issuance.as_ref().map(|i| i.issuer_org.clone()),
        product_name: record.application.product_name.clone(),
        gtin: record.application.gtin.clone(),
        batch: record.application.batch.clone(),
        valid_until: record.issuance.as_ref().map(|i| i.valid_until),
        reason: record.status_reason.clone(),
        supplier: None,
        previous: record.supersedes.clone().filter(|_| kind == Kind::Renewed),
        days_left: None,
        ledger,
        verification_url: nanotrace_model::link::verification_url(config.verify_url.as_str(), record),
        billing: None,
    }
}

/// The notifications a transaction gives, reading the records it names from `records`
/// (the current record of every certificate `touched` lists).
pub fn for_transaction(
    config: &Config,
    tx: &SeenTx,
    event: &Event,
    record: &dyn Fn(&str) -> Option<Certificate>,
) -> Vec<Notification> {
    let ledger = LedgerRef { tx_id: tx.tx_id.clone(), block: tx.block, tx_index: tx.tx_index, timestamp: tx.timestamp };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |n: Notification, out: &mut Vec<Notification>| {
        if seen.insert(n.id.clone()) {
            out.push(n);
        }
    };
    if let Some(kind) = Kind::of_event(&event.name) {
        // A renewal names the old version then the new: the message is about the new one.
        let ids: Vec<&String> = if kind == Kind::Renewed {
            event.certificate_ids.last().into_iter().collect()
        } else {
            event.certificate_ids.iter().collect()
        };
        for id in ids {
            let Some(rec) = record(id) else { continue };
            for (target, _) in targets(config, &rec, kind) {
                let nid = notification_id(&[&tx.tx_id, kind.as_str(), id, &target]);
                push(notification(config, &rec, kind, &target, ledger.clone(), nid), &mut out);
            }
        }
    }
    // Dependants whose supplier changed state.
    let supplier = event.certificate_ids.first();
    for id in &event.flagged {
        let Some(rec) = record(id) else { continue };
        let supplier_status = supplier.and_then(|s| record(s)).map(|s| (s.id, s.status));
        for (target, _) in targets(config, &rec, Kind::SupplierChanged) {
            let nid = notification_id(&[&tx.tx_id, Kind::SupplierChanged.as_str(), id, &target]);
            let mut n = notification(config, &rec, Kind::SupplierChanged, &target, ledger.clone(), nid);
            n.supplier = supplier_status.clone();
            push(n, &mut out);
        }
    }
    out
}

/// A certificate the expiry timer watches: issued, in force, with an end of validity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watched {
    /// The record as of the last event that touched it.
    pub certificate: Certificate,
    /// The transaction that last changed it.
    pub ledger: LedgerRef,
}

/// The reminders due at `now` for a watched certificate: for each target whose
/// subscription's lead time has been reached and the validity has not yet ended.
pub fn reminders(config: &Config, watched: &Watched, now: i64) -> Vec<Notification> {
    let cert = &watched.certificate;
    let Some(valid_until) = cert.issuance.as_ref().map(|i| i.valid_until) else {
        return Vec::new();
    };
    if cert.status != CertificateStatus::Active || now >= valid_until {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (target, days) in targets(config, cert, Kind::Expiring) {
        let lead = i64::from(days) * 86_400;
        if now < valid_until - lead {
            continue;
        }
        let until = valid_until.to_string();
        let days_text = days.to_string();
        let nid = notification_id(&[Kind::Expiring.as_str(), &cert.id, &until, &days_text, &target]);
        let mut n = notification(config, cert, Kind::Expiring, &target, watched.ledger.clone(), nid);
        n.days_left = Some((valid_until - now).div_euclid(86_400));
        out.push(n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(subscriptions: &str) -> Config {
        let text = format!(
            "verify_url = \"https://v.example\"\n[[webhook]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n[[webhook]]\nname = \"b\"\nurl = \"http://127.0.0.1:2/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n{subscriptions}"
        );
        Config::parse(&text, Path::new("t.toml")).expect("config")
    }

    #[test]
    fn a_kind_is_named_by_its_one_list_in_files_and_records_and_an_unknown_name_is_refused_with_the_list() {
        for kind in Kind::ALL {
            let json = serde_json::to_string(kind).expect("serialize");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<Kind>(&json).expect("parse back"), *kind);
        }
        let err = serde_json::from_str::<Kind>("\"issued\"").expect_err("not a subscription name").to_string();
        assert!(err.contains("unknown event \"issued\"") && err.contains("sds_revised, supplier_changed"), "{err}");
        let text = "verify_url = \"https://v.example\"\n[[webhook]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n[[subscription]]\norganization = \"CertifierMSP\"\nevents = [\"aproved\"]\nnotify = [\"a\"]\n";
        let err = Config::parse(text, Path::new("t.toml")).expect_err("a misspelt event").to_string();
        assert!(err.contains("unknown event \"aproved\""), "{err}");
    }

    /// A certificate issued by the real contract (the testkit's world), valid 100 days.
    fn issued() -> Certificate {
        let mut world = nanotrace_testkit::World::governed();
        let id = world.issue("LOT-ROUTE");
        let mut cert = world.cert(&id);
        if let Some(issuance) = cert.issuance.as_mut() {
            issuance.valid_until = 100 * 86_400;
        }
        cert
    }

    #[test]
    fn selectors_match_the_manufacturer_the_issuer_the_id_its_renewal_and_the_product() {
        let cert = issued();
        let c =
            config("[[subscription]]\norganization = \"CertifierMSP\"\nevents = [\"approved\"]\nnotify = [\"a\"]\n");
        assert!(selects(&c.subscriptions[0], &cert), "the issuer");
        let c = config("[[subscription]]\norganization = \"OtherMSP\"\nevents = [\"approved\"]\nnotify = [\"a\"]\n");
        assert!(!selects(&c.subscriptions[0], &cert));
        let c = config(&format!(
            "[[subscription]]\ncertificate = \"{}\"\nevents = [\"approved\"]\nnotify = [\"a\"]\n",
            cert.id
        ));
        assert!(selects(&c.subscriptions[0], &cert));
        let mut renewal = cert.clone();
        renewal.id = "NT-ZZZZZZZZZZZZ".into();
        renewal.supersedes = Some(cert.id.clone());
        assert!(selects(&c.subscriptions[0], &renewal), "the version that renews it");
        let c = config("[[subscription]]\nproduct = \"4006381333931\"\nevents = [\"approved\"]\nnotify = [\"a\"]\n");
        assert!(selects(&c.subscriptions[0], &cert));
        let c = config("[[subscription]]\norganization = \"ManufacturerMSP\"\nproduct = \"4006381333931\"\nevents = [\"approved\"]\nnotify = [\"a\"]\n");
        assert!(selects(&c.subscriptions[0], &cert), "all selectors given must match");
    }

    #[test]
    fn a_target_named_twice_hears_once_with_the_shortest_lead() {
        let cert = issued();
        let c = config(
            "[[subscription]]\nall = true\nevents = [\"expiring\"]\nexpiring_days = 30\nnotify = [\"a\", \"b\"]\n\
             [[subscription]]\norganization = \"ManufacturerMSP\"\nevents = [\"expiring\"]\nexpiring_days = 7\nnotify = [\"a\"]\n",
        );
        assert_eq!(targets(&c, &cert, Kind::Expiring), [("a".to_owned(), 7), ("b".to_owned(), 30)]);
        assert!(targets(&c, &cert, Kind::Approved).is_empty(), "only the events asked for");
    }

    #[test]
    fn reminders_come_from_the_lead_time_until_the_end_and_keep_their_id() {
        let cert = issued();
        let c = config("[[subscription]]\nall = true\nevents = [\"expiring\"]\nexpiring_days = 30\nnotify = [\"a\"]\n");
        let ledger = LedgerRef { tx_id: "t".into(), block: 3, tx_index: 0, timestamp: 0 };
        let watched = Watched { certificate: cert.clone(), ledger };
        let end = 100 * 86_400;
        assert!(reminders(&c, &watched, end - 30 * 86_400 - 1).is_empty());
        let due = reminders(&c, &watched, end - 30 * 86_400);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].days_left, Some(30));
        assert_eq!(reminders(&c, &watched, end - 86_400)[0].id, due[0].id, "one reminder, whatever the day");
        assert!(reminders(&c, &watched, end).is_empty(), "not once it has ended");
        let mut suspended = watched.clone();
        suspended.certificate.status = CertificateStatus::Suspended;
        assert!(reminders(&c, &suspended, end - 86_400).is_empty(), "only certificates in force");
    }

    #[test]
    fn notification_ids_depend_on_every_part() {
        let id = notification_id(&["tx", "approved", "NT-A", "erp"]);
        assert!(id.starts_with("msg_") && id.len() == 36, "{id}");
        assert_eq!(id, notification_id(&["tx", "approved", "NT-A", "erp"]));
        assert_ne!(id, notification_id(&["tx", "approved", "NT-A", "crm"]));
        assert_ne!(notification_id(&["ab", "c"]), notification_id(&["a", "bc"]), "parts are length-prefixed");
    }
}
