//! Every issued certificate is a credential: the certifier's issuer key that signs an
//! approval signs the certificate's W3C Verifiable Credential too. An approval (single or
//! batch) carries the credentials in its own transaction
//! ([`NanoTrace::approve_certificates`](nanotrace_client::NanoTrace::approve_certificates));
//! a certificate issued otherwise (a renewal, a re-signing reinstatement, one issued
//! before) gets its credential recorded with `AttachCredential` once it is issued
//! ([`record`]).

use nanotrace_client::{ApiError, CredentialTerms, IssuerSigner, NanoTrace, Transport};
use nanotrace_model::credential;
use serde::Serialize;

/// What became of the credentials of the certificates just issued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Credentials {
    /// The status base their credentials name (`None`: none could be recorded).
    pub status_base: Option<String>,
    /// How many were recorded now (one that already had a current credential is not).
    pub recorded: usize,
    /// Why none could be recorded, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
}

impl Credentials {
    /// `count` credentials recorded under `terms` (by the transactions that issued them, or
    /// since).
    pub fn under(terms: &CredentialTerms, count: usize) -> Self {
        Credentials { status_base: Some(terms.status_base.clone()), recorded: count, why_not: None }
    }

    /// None recorded: `issuer_org` has no status base.
    pub fn no_status_base(issuer_org: &str) -> Self {
        Credentials {
            status_base: None,
            recorded: 0,
            why_not: Some(format!(
                "{issuer_org} has no status base (the verifier URL its credentials name for their status lists): \
                 its admin sets one with `nanotrace status-bases`, then `nanotrace vc sign ID` records each credential"
            )),
        }
    }

    /// One line for a person.
    pub fn line(&self) -> String {
        match (&self.status_base, &self.why_not) {
            (_, Some(why)) => format!("No credential recorded: {why}"),
            (Some(base), None) => {
                let n = match self.recorded {
                    0 => "no credential to record (each has a current one)".to_owned(),
                    1 => "1 credential recorded".to_owned(),
                    n => format!("{n} credentials recorded"),
                };
                format!("{n}, its status lists under {base}")
            }
            (None, None) => "No credential recorded".to_owned(),
        }
    }
}

/// Records the credentials of `ids` (issued by `issuer_org` with `signer`'s key), under
/// the certification body's status base `preferred` if it has that one, else its first
/// ([`credential::status_base_for`]). A certification body without a status base records
/// none and says why (its admin sets one with `nanotrace status-bases`).
pub async fn record<T: Transport>(
    api: &NanoTrace<T>,
    ids: &[String],
    signer: &IssuerSigner,
    issuer_org: &str,
    preferred: &str,
    now: i64,
) -> Result<Credentials, ApiError> {
    if ids.is_empty() {
        return Ok(Credentials { status_base: None, recorded: 0, why_not: None });
    }
    let organizations = api.organizations().await?;
    let Some(base) = credential::status_base_for(&organizations, issuer_org, preferred) else {
        return Ok(Credentials::no_status_base(issuer_org));
    };
    let recorded = api.record_credentials(ids, &signer.key, base, now).await?;
    Ok(Credentials { status_base: Some(base.to_owned()), recorded: recorded.len(), why_not: None })
}
