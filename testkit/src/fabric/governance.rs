//! Governance on a fresh Fabric network, the same for every Fabric suite (e2e, chaos,
//! hostile identities, the verifier on Fabric): the sample network's set-up
//! ([`nanotrace_sample`]) by the Regulator's admin with a fresh issuer key.
//! Generic over the transport, so the peer CLI and our Gateway client run the same steps.

use ed25519_dalek::SigningKey;
use nanotrace_client::Wait;
use nanotrace_client::{IssuerSigner, NanoTrace, Transport};
use nanotrace_model::RoleHolder;
pub use nanotrace_sample::MspIds;
use nanotrace_sample::{self as sample, Members};
use std::time::{SystemTime, UNIX_EPOCH};

/// The MSP IDs of network.sh's organisations, from its variables (`MANUFACTURER_MSP_ID`,
/// ...), read by `var`.
pub fn msp_ids(var: impl Fn(&str) -> String) -> MspIds {
    MspIds {
        manufacturer: var("MANUFACTURER_MSP_ID"),
        certifier: var("CERTIFIER_MSP_ID"),
        regulator: var("REGULATOR_MSP_ID"),
    }
}

/// Who gets which role; `label` makes the issuer key this run's own.
pub struct Grants<'a> {
    /// The certifier (`WhoAmI().holder()`): certifier role and issuer key.
    pub certifier: &'a RoleHolder,
    /// An auditor, if any.
    pub auditor: Option<&'a RoleHolder>,
    /// Mixed with the time into the issuer key's seed.
    pub label: &'a str,
}

impl std::fmt::Debug for Grants<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grants").finish_non_exhaustive()
    }
}

/// Runs the sample network's set-up ([`sample::set_up`]) as `admin` (the Regulator's
/// admin) with a fresh issuer key for the certifier, and the sample status base
/// ([`nanotrace_model::sample::STATUS_BASE`]) for its organisation, and returns its signer.
/// Panics, naming the step, if any of them fails.
pub fn govern<T: Transport>(admin: &NanoTrace<T>, msp: &MspIds, grants: &Grants<'_>) -> IssuerSigner {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let seed = seed(&format!("nanotrace {} issuer key {now}", grants.label));
    let signer = IssuerSigner::new(SigningKey::from_bytes(&seed));
    let members = Members {
        certifier: grants.certifier,
        auditor: grants.auditor,
        issuer: &signer,
        status_base: Some(nanotrace_model::sample::STATUS_BASE),
    };
    let t = i64::try_from(now / 1_000_000_000).unwrap_or(i64::MAX);
    sample::set_up(admin, msp, &members, t).wait().unwrap_or_else(|e| panic!("{e}"));
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
