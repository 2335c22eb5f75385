//! The verdict rule: what a certificate record means to someone who scans it at a given
//! time. The contract's `Verify` and the verifier service both answer with it, so the
//! two can never disagree.

use crate::{Certificate, CertificateStatus, Verdict, Verification};

/// The verdict on a certificate record at time `now` (Unix seconds).
pub fn verdict_for(id: &str, cert: Option<Certificate>, now: i64) -> Verification {
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
        CertificateStatus::Active => match &cert.issuance {
            Some(i) if now > i.valid_until => {
                v.since = Some(i.valid_until);
                (Verdict::Expired, "the certificate's validity period has ended".to_owned())
            }
            Some(i) => {
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
            None => (Verdict::Unknown, "the record is ACTIVE but has no issuance (corrupt)".to_owned()),
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
/// open it. `None` for no certificates.
pub fn preferred_for_lot(certs: &[Certificate], now: i64) -> Option<&Certificate> {
    certs.iter().filter(|c| issued(c)).max_by(|a, b| lot_rank(a, now).cmp(&lot_rank(b, now)))
}

/// Whether a certifier issued `cert` (whatever happened to it since).
fn issued(cert: &Certificate) -> bool {
    cert.issuance.is_some() && !matches!(cert.status, CertificateStatus::Pending | CertificateStatus::Rejected)
}

/// The ordering key of [`preferred_for_lot`]: greater is preferred.
fn lot_rank(cert: &Certificate, now: i64) -> (bool, i64, i64, u32, &str) {
    let valid = verdict_for(&cert.id, Some(cert.clone()), now).verdict == Verdict::Valid;
    let issued_at = cert.issuance.as_ref().map_or(i64::MIN, |i| i.issued_at);
    (valid, issued_at, cert.applied_at, cert.version, &cert.id)
}
