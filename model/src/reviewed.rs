//! Which safety data sheet of a certificate may be published: only a revision a
//! certifier's signature covers. A manufacturer declares new revisions on its own
//! (`UpdateSds`, and an application is filed with one), and its link would otherwise reach
//! buyers under the verifier's name before any certifier looked at it (issue 71).

use crate::authenticity::check_issuance;
use crate::records::{Certificate, IssuerKey, SafetyDataSheet};

/// What a reader may say of a certificate's safety data sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedSds<'a> {
    /// The revision its certifier signed, to link; `None` when no certifier signed one
    /// (an application, or a record whose signature vouches for no revision).
    pub reviewed: Option<&'a SafetyDataSheet>,
    /// The number of a revision the manufacturer declared that no certifier has reviewed
    /// yet: named, never linked.
    pub awaiting_review: Option<u32>,
}

/// What of `cert`'s safety data sheet may be published, with `signed` whether its
/// issuance signature verifies over the record as it stands ([`check_issuance`] against
/// `trust_list`, which the caller has usually checked already). A record that does not
/// verify as it stands may carry, in [`Certificate::reviewed_sds`], the revision it was
/// signed with before the manufacturer declared a newer one: that one is published when
/// the signature verifies with it in place, and the declared one awaits review.
pub fn published_sds<'a>(cert: &'a Certificate, signed: bool, trust_list: &[IssuerKey]) -> PublishedSds<'a> {
    let current = &cert.application.sds;
    if signed {
        return PublishedSds { reviewed: Some(current), awaiting_review: None };
    }
    let reviewed = cert.reviewed_sds.as_ref().filter(|reviewed| {
        let mut as_signed = cert.clone();
        as_signed.application.sds = (*reviewed).clone();
        as_signed.reviewed_sds = None;
        check_issuance(&as_signed, trust_list).is_ok()
    });
    PublishedSds { reviewed, awaiting_review: Some(current.revision) }
}
