//! Governance through the typed client: the shared sample-network set-up
//! (`nanotrace_sample::set_up`, the organisations of
//! `nanotrace_model::sample`), or only a fresh issuer key for the certifier alice.

use crate::client::now;
use anyhow::{Context, Result};
use ed25519_dalek::SigningKey;
use nanotrace_client::{GatewayTransport, IssuerSigner, NanoTrace};
use nanotrace_model::sample::{ISSUER_KEY_BACKDATED, ISSUER_KEY_VALIDITY};
use nanotrace_model::{RegisterIssuerKeyRequest, RoleHolder};
use nanotrace_sample::{set_up, Members, MspIds};
use std::path::Path;

/// The governing admin's profile.
const ADMIN: &str = "regulator-admin.yaml";
/// The certifier's profile.
const CERTIFIER: &str = "certifier-alice.yaml";

/// The key that signs the approvals, on the trust list, and the organisation it issues for.
#[derive(Debug)]
pub(crate) struct Issuer {
    pub(crate) signer: IssuerSigner,
    /// The certifier's MSP ID (the issuer organisation of her approvals).
    pub(crate) org: String,
}

async fn connect(profiles: &Path, file: &str) -> Result<NanoTrace<GatewayTransport>> {
    let path = profiles.join(file);
    let transport =
        GatewayTransport::from_profile(&path).await.with_context(|| format!("connecting as {}", path.display()))?;
    Ok(NanoTrace::new(transport))
}

/// The admin's client and the certifier alice's identity.
async fn admin_and_certifier(profiles: &Path) -> Result<(NanoTrace<GatewayTransport>, RoleHolder)> {
    let admin = connect(profiles, ADMIN).await?;
    let alice = connect(profiles, CERTIFIER).await?;
    let certifier = alice.who_am_i().await.context("WhoAmI as alice")?.holder();
    Ok((admin, certifier))
}

fn fresh_signer() -> IssuerSigner {
    IssuerSigner::new(SigningKey::generate(&mut rand::rngs::OsRng))
}

/// Sets up the sample network as Admin@regulator: Bootstrap, the three organisations, the
/// certifier role for alice and a fresh issuer key of hers; with `status_base`, the
/// certification body's status base (so approvals can carry credentials).
pub(crate) async fn set_up_sample_network(profiles: &Path, status_base: Option<&str>) -> Result<Issuer> {
    let (admin, certifier) = admin_and_certifier(profiles).await?;
    let signer = fresh_signer();
    let members = Members { certifier: &certifier, auditor: None, issuer: &signer, status_base };
    set_up(&admin, &MspIds::default(), &members, now()).await?;
    eprintln!(
        "[load] governance set up (Bootstrap, RegisterOrganization x3, GrantRole certifier, issuer key {} for alice)",
        signer.key_id
    );
    Ok(Issuer { signer, org: certifier.identity.msp_id })
}

/// A fresh Ed25519 issuer key for alice, put on the trust list by Admin@regulator (on a
/// network whose governance is already set up), and with `status_base` the certification
/// body's status base.
pub(crate) async fn register_issuer_key(profiles: &Path, status_base: Option<&str>) -> Result<Issuer> {
    let (admin, certifier) = admin_and_certifier(profiles).await?;
    let signer = fresh_signer();
    let t = now();
    admin
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: signer.public_key_hex(),
            holder: certifier.identity.clone(),
            valid_from: t - ISSUER_KEY_BACKDATED,
            valid_until: t + ISSUER_KEY_VALIDITY,
        })
        .await
        .context("RegisterIssuerKey")?;
    if let Some(base) = status_base {
        admin.set_status_bases(&certifier.identity.msp_id, &[base.to_owned()]).await.context("SetStatusBases")?;
    }
    eprintln!("[load] issuer key {} registered for alice", signer.key_id);
    Ok(Issuer { signer, org: certifier.identity.msp_id })
}
