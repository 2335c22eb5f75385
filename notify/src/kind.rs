//! What happened to a certificate, or to the invoices of its application, as
//! subscriptions, queue records and messages name it.

use serde::{Deserialize, Serialize};

nanotrace_model::wire_enum! {
    /// What happened to a certificate, as subscription files and message bodies name it:
    /// one name per kind of the contract's certificate events ([`Kind::of_event`]), and two
    /// kinds the notifier derives itself (a supplier's change, an expiry ahead).
    Kind {
        /// A manufacturer applied (`Apply`, `ApplyBatch`).
        Applied => "applied",
        /// A certifier approved: the certificate is issued.
        Approved => "approved",
        /// A certifier rejected the application.
        Rejected => "rejected",
        /// The certificate was suspended.
        Suspended => "suspended",
        /// The certificate was reinstated.
        Reinstated => "reinstated",
        /// The certificate was revoked.
        Revoked => "revoked",
        /// The certificate was renewed (the notification names the new version).
        Renewed => "renewed",
        /// The manufacturer declared a new safety data sheet revision.
        SdsRevised => "sds_revised",
        /// A supplier certificate this certificate depends on changed state (suspended,
        /// revoked, SDS revised, reinstated).
        SupplierChanged => "supplier_changed",
        /// The certificate's validity ends within the subscription's `expiring_days` (a
        /// timer, not a ledger event).
        Expiring => "expiring",
        /// A certification body issued an invoice for the application (a `[[billing]]`
        /// subscription's event: the body's or the manufacturer's private records).
        InvoiceIssued => "invoice_issued",
        /// A certification body issued a credit note for an invoice of the application.
        CreditNoteIssued => "credit_note_issued",
        /// An imported bank statement paid an invoice in full.
        InvoicePaid => "invoice_paid",
    }
}

// Subscription files and the queue's records name a kind by its text (the list above).
impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = Kind;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the name of an event")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Kind, E> {
                Kind::parse(text).ok_or_else(|| {
                    let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                    E::custom(format!("unknown event {text:?}: one of {}", known.join(", ")))
                })
            }
        }
        // Within the string's own deserialization, so a file's error points at it.
        deserializer.deserialize_str(Name)
    }
}

impl Kind {
    /// Whether a message of this kind tells its reader the certificate is in force (so
    /// none is sent for a record no certifier's signature vouches for).
    pub fn announces_in_force(self) -> bool {
        matches!(self, Kind::Approved | Kind::Reinstated | Kind::Renewed)
    }

    /// Whether it is about an invoice or credit note (a `[[billing]]` subscription's
    /// event), read from the organisation's private records rather than a public event.
    pub fn is_billing(self) -> bool {
        matches!(self, Kind::InvoiceIssued | Kind::CreditNoteIssued | Kind::InvoicePaid)
    }

    /// The webhook body's `type`: `certificate.<kind>`, or `invoice.issued`,
    /// `credit_note.issued`, `invoice.paid`.
    pub fn webhook_type(self) -> String {
        match self {
            Kind::InvoiceIssued => "invoice.issued".to_owned(),
            Kind::CreditNoteIssued => "credit_note.issued".to_owned(),
            Kind::InvoicePaid => "invoice.paid".to_owned(),
            other => format!("certificate.{}", other.as_str()),
        }
    }

    /// The kind of a contract event on the certificates it names (`None`: governance,
    /// credentials, and kinds of a newer contract). Every kind of the model is decided
    /// here: a new one does not compile until it is.
    pub fn of_event(name: &str) -> Option<Kind> {
        use nanotrace_model::EventKind as E;
        Some(match E::parse(name)? {
            E::CertificateApplied => Kind::Applied,
            E::CertificateIssued => Kind::Approved,
            E::CertificateRejected => Kind::Rejected,
            E::CertificateSuspended => Kind::Suspended,
            E::CertificateReinstated => Kind::Reinstated,
            E::CertificateRevoked => Kind::Revoked,
            E::CertificateRenewed => Kind::Renewed,
            E::SdsUpdated => Kind::SdsRevised,
            E::Bootstrapped
            | E::OrganizationRegistered
            | E::OrganizationRetired
            | E::CompanyPrefixesSet
            | E::RoleGranted
            | E::RoleRevoked
            | E::RoleKeyApproved
            | E::IssuerKeyRegistered
            | E::IssuerKeyRetired
            | E::CredentialSigned
            | E::StatusPositionAssigned
            | E::StatusBasesSet
            | E::BillingDetailsSet => return None,
        })
    }
}
