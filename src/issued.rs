//! Every issued certificate is a credential: after an approval (single, batch or a
//! renewal) the certifier's issuer key that signed it signs the certificate's W3C
//! Verifiable Credential too, and it is recorded (`AttachCredential`). The contract
//! gives a certificate its status-list position when it issues it, and the credential
//! names that position, so the credential is signed once the approval has committed: a
//! second transaction, made by the same command.

use nanotrace_client::{ApiError, IssuerSigner, NanoTrace, Transport};
use nanotrace_model::credential;
use serde::Serialize;

/// What became of the credentials of the certificates just issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
        return Ok(Credentials {
            status_base: None,
            recorded: 0,
            why_not: Some(format!(
                "{issuer_org} has no status base (the verifier URL its credentials name for their status lists): \
                 its admin sets one with `nanotrace status-bases`, then `nanotrace vc sign ID` records each credential"
            )),
        });
    };
    let recorded = api.record_credentials(ids, &signer.key, base, now).await?;
    Ok(Credentials { status_base: Some(base.to_owned()), recorded: recorded.len(), why_not: None })
}
