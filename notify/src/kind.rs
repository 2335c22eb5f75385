//! What happened to a certificate, as subscriptions, queue records and messages name it.

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
