//! The verdict rule: what a certificate record means to someone who scans it at a given
//! time. The contract's `Verify` and the verifier service both answer with it, so the
//! two can never disagree.

use crate::authenticity::{check_issuance, Forgery};
use crate::{Certificate, CertificateStatus, IssuerKey, Verdict, Verification};

/// The verdict on a certificate record at time `now` (Unix seconds), with `trust_list`
/// the issuer keys (all of them, or at least the one the record's issuance names).
/// A record that would be VALID or EXPIRED is UNTRUSTED unless its issuance signature
/// verifies ([`check_issuance`]): the verdict never rests on the peers that wrote the
/// record alone. The other verdicts vouch for nothing, so they stand as the record says
/// (a SUSPENDED certificate awaiting a re-signature after a new SDS revision no longer
/// matches its signature, and is still SUSPENDED).
pub fn verdict_for(id: &str, cert: Option<Certificate>, trust_list: &[IssuerKey], now: i64) -> Verification {
    verdict_with(id, cert, |cert| check_issuance(cert, trust_list), now)
}

/// [`verdict_for`] with the signature check done by `authenticate` (which must answer
/// what [`check_issuance`] answers against the trust list: a reader that remembers the
/// answer per record version passes it here). It is called for ACTIVE records only.
pub fn verdict_with(
    id: &str,
    cert: Option<Certificate>,
    authenticate: impl FnOnce(&Certificate) -> Result<(), Forgery>,
    now: i64,
) -> Verification {
    let mut v = Verification {
        certificate_id: id.to_owned(),
        verdict: Verdict::Unknown,
        reason: format!("no certificate {id} is recorded on the ledger"),
        since: None,
        checked_at: now,
        superseded_by: None,
        flags: Vec::new(),
        certificate: None,
    };
    let Some(cert) = cert else { return v };
    let reason = cert.status_reason.clone().unwrap_or_default();
    v.since = Some(cert.status_since);
    v.flags = cert.flags.clone();
    v.superseded_by = cert.superseded_by.clone();
    let (verdict, text) = match cert.status {
        CertificateStatus::Pending => {
            (Verdict::Pending, "application received; no certifier has decided yet".to_owned())
        }
        CertificateStatus::Rejected => (Verdict::Rejected, format!("application rejected: {reason}")),
        CertificateStatus::Revoked => (Verdict::Revoked, format!("revoked: {reason}")),
        CertificateStatus::Suspended => (Verdict::Suspended, format!("suspended: {reason}")),
        CertificateStatus::Superseded => (
            Verdict::Superseded,
            format!("superseded by {}", cert.superseded_by.as_deref().unwrap_or("a newer version")),
        ),
        CertificateStatus::Active => match (&cert.issuance, authenticate(&cert)) {
            (Some(_), Err(forgery)) => {
                // Whatever the record says of its dates, no certifier vouched for them.
                v.since = None;
                (Verdict::Untrusted, format!("no certifier's signature vouches for this record: {forgery}"))
            }
            (Some(i), Ok(())) if now > i.valid_until => {
                v.since = Some(i.valid_until);
                (Verdict::Expired, "the certificate's validity period has ended".to_owned())
            }
            (Some(i), Ok(())) => {
                v.since = Some(i.issued_at);
                let mut text = format!("issued by {} and in force", i.issuer_org);
                if !cert.flags.is_empty() {
                    text.push_str(&format!(
                        "; warning: {} supplier certificate(s) it depends on are not in force",
                        cert.flags.len()
                    ));
                }
                (Verdict::Valid, text)
            }
            (None, _) => (Verdict::Unknown, "the record is ACTIVE but has no issuance (corrupt)".to_owned()),
        },
    };
    v.verdict = verdict;
    v.reason = text;
    v.certificate = Some(cert);
    v
}

/// Which of the certificates recorded for one product lot (same GTIN and batch) a
/// product link such as a GS1 Digital Link should open at `now`. Only an issued
/// certificate counts — ACTIVE (valid or expired), SUSPENDED, REVOKED or SUPERSEDED,
/// each shown as what it is: an application (PENDING or REJECTED) is never chosen, as no
/// certifier vouched for anything it says, so `None` for a lot with applications only.
/// Among the issued: a VALID one first, then the others; within each group the newest
/// issued (`issued_at`), then the newest application, then the highest version, then
/// the greatest ID, so the choice is deterministic. When a certificate last changed
/// plays no part: suspending an older certificate of the lot does not make the link
/// open it. A record no certifier's signature vouches for (UNTRUSTED) is never VALID, so
/// it cannot push a genuine certificate of the lot aside. `None` for no certificates.
pub fn preferred_for_lot<'a>(certs: &'a [Certificate], trust_list: &[IssuerKey], now: i64) -> Option<&'a Certificate> {
    certs.iter().filter(|c| issued(c)).max_by(|a, b| lot_rank(a, trust_list, now).cmp(&lot_rank(b, trust_list, now)))
}

/// Whether a certifier issued `cert` (whatever happened to it since).
fn issued(cert: &Certificate) -> bool {
    cert.issuance.is_some() && !matches!(cert.status, CertificateStatus::Pending | CertificateStatus::Rejected)
}

/// The ordering key of [`preferred_for_lot`]: greater is preferred.
fn lot_rank<'a>(cert: &'a Certificate, trust_list: &[IssuerKey], now: i64) -> (bool, i64, i64, u32, &'a str) {
    let valid = verdict_for(&cert.id, Some(cert.clone()), trust_list, now).verdict == Verdict::Valid;
    let issued_at = cert.issuance.as_ref().map_or(i64::MIN, |i| i.issued_at);
    (valid, issued_at, cert.applied_at, cert.version, &cert.id)
}
