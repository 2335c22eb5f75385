//! Governance on a fresh Fabric network, the same for every Fabric suite (e2e, chaos,
//! hostile identities, the verifier on Fabric): Bootstrap by the Regulator's admin, the
//! three organisations, a certifier role (and optionally an auditor role), and an issuer
//! key registered for the certifier. Generic over the transport, so the peer CLI and our
//! Gateway client run the same steps.

use ed25519_dalek::SigningKey;
use nanotrace_model::{Actor, OrgKind, RegisterIssuerKeyRequest, Role};
use nanotrace_peer_client::Wait;
use nanotrace_peer_client::{IssuerSigner, NanoTrace, Transport};
use std::time::{SystemTime, UNIX_EPOCH};

/// The MSP IDs of the network's three organisations.
pub struct MspIds {
    pub manufacturer: String,
    pub certifier: String,
    pub regulator: String,
}

impl MspIds {
    /// From network.sh's variables (`MANUFACTURER_MSP_ID`, ...), read by `var`.
    pub fn from_vars(var: impl Fn(&str) -> String) -> Self {
        MspIds {
            manufacturer: var("MANUFACTURER_MSP_ID"),
            certifier: var("CERTIFIER_MSP_ID"),
            regulator: var("REGULATOR_MSP_ID"),
        }
    }
}

/// Who gets which role; `label` makes the issuer key this run's own.
pub struct Grants<'a> {
    /// The certifier's actor ID (`WhoAmI().identity`): certifier role and issuer key.
    pub certifier: &'a Actor,
    /// An auditor's actor ID, if any.
    pub auditor: Option<&'a Actor>,
    /// Mixed with the time into the issuer key's seed.
    pub label: &'a str,
}

const DAY: i64 = 86_400;

/// Runs the governance steps as `admin` (the Regulator's admin) and returns the
/// certifier's issuer signer. Panics, naming the step, if any of them fails.
pub fn govern<T: Transport>(admin: &NanoTrace<T>, msp: &MspIds, grants: &Grants<'_>) -> IssuerSigner {
    let gov = admin.bootstrap().wait().expect("Bootstrap as Admin@regulator");
    assert_eq!(gov.value.msp_id, msp.regulator, "the Regulator's organisation governs");
    for (msp_id, name, kind) in [
        (&msp.manufacturer, "SolarShield Cosmetics", OrgKind::Manufacturer),
        (&msp.certifier, "NanoCert Certification Body", OrgKind::Certifier),
        (&msp.regulator, "Agency for Chemical Safety", OrgKind::Regulator),
    ] {
        admin.register_organization(msp_id, name, kind).wait().expect("RegisterOrganization");
    }
    admin.grant_role(grants.certifier.clone(), Role::Certifier).wait().expect("GrantRole certifier");
    if let Some(auditor) = grants.auditor {
        admin.grant_role(auditor.clone(), Role::Auditor).wait().expect("GrantRole auditor");
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let seed = seed(&format!("nanotrace {} issuer key {now}", grants.label));
    let signer = IssuerSigner::new(SigningKey::from_bytes(&seed));
    let t = i64::try_from(now / 1_000_000_000).unwrap_or(i64::MAX);
    let key = admin
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: signer.public_key_hex(),
            holder: grants.certifier.clone(),
            valid_from: t - 3600,
            valid_until: t + 2 * 365 * DAY,
        })
        .wait()
        .expect("RegisterIssuerKey");
    assert_eq!(key.value.key_id, signer.key_id, "the registered key is the signer's");
    signer
}

/// 32 bytes from `text` (FNV-1a, spread over four lanes): a test key's seed, unique per
/// run through the time in `text`. Not a secret: the keys live as long as the test.
fn seed(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (lane, chunk) in out.chunks_mut(8).enumerate() {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ lane as u64;
        for b in text.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        chunk.copy_from_slice(&h.to_be_bytes());
    }
    out
}
