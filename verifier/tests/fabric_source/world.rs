//! The network's identities as the steps use them: the Regulator's admin, dave
//! (Manufacturer), alice (Certifier, with an issuer key on the trust list) and rita
//! (Regulator).

use crate::support::{client, now, Client};
use nanotrace_client::Wait;
use nanotrace_client::{ApiError, IssuerSigner};
use nanotrace_model::Actor;
use nanotrace_testkit::fabric::governance::{govern, msp_ids, Grants};
use nanotrace_testkit::fabric::network::Network;
use std::time::{Duration, Instant};

/// The identities of the test, with alice's issuer key on the trust list.
pub struct World {
    /// The Regulator's admin.
    pub admin: Client,
    /// alice's identity.
    pub alice_actor: Actor,
    dave: Client,
    /// alice, a Certifier.
    pub alice: Client,
    /// rita, of the Regulator.
    pub rita: Client,
    /// The Certifier's MSP ID.
    pub certifier_msp: String,
    /// alice's issuer key.
    pub signer: IssuerSigner,
}

impl World {
    /// Applies for a certificate of `batch` as dave; its ID.
    fn apply(&self, batch: &str) -> String {
        retrying("Apply as dave", || self.dave.apply(&nanotrace_testkit::sample_application(batch)).wait()).value
    }

    /// Approves through alice's gateway — the Certifier's peer, which may commit dave's
    /// Apply (committed on the Manufacturer's peer) a block later.
    fn approve(&self, id: &str) {
        retrying(&format!("Approve {id}"), || {
            self.alice.approve(id, &self.signer, &self.certifier_msp, now(), None).wait()
        });
    }

    /// Revokes `id` through alice's gateway, tried again as [`Self::approve`] is: right
    /// after a peer is resumed the gateway's discovery may drop it again for a moment.
    pub fn revoke(&self, id: &str, reason: &str) {
        retrying(&format!("Revoke {id}"), || self.alice.revoke(id, reason).wait());
    }

    /// A certificate of `batch`, applied for and approved; its ID.
    pub fn issued(&self, batch: &str) -> String {
        let id = self.apply(batch);
        self.approve(&id);
        id
    }
}

/// `op` until it succeeds, tried again only on what the steps before can leave for a
/// moment: a new key needs the governing Regulator's peer and an approval the Certifier's
/// (the chaincode policy), and right after the steps that stop or pause a peer the
/// gateway's discovery may not list it again yet ("no combination of peers can be
/// derived", up to 30 s); a record committed on another peer a block earlier is not on
/// the gateway's yet (NOT_FOUND, up to 10 s). Anything else fails at once.
fn retrying<T>(what: &str, mut op: impl FnMut() -> Result<T, ApiError>) -> T {
    let started = Instant::now();
    loop {
        match op() {
            Ok(value) => return value,
            Err(e)
                if e.to_string().contains("no combination of peers") && started.elapsed() < Duration::from_secs(30) =>
            {
                std::thread::sleep(Duration::from_millis(200))
            }
            Err(e) if e.code() == Some("NOT_FOUND") && started.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

/// The identities, with alice's issuer key registered and her roles granted.
pub fn setup(net: &Network) -> World {
    let admin = client(net, "regulator-admin");
    let dave = client(net, "manufacturer-dave");
    let alice = client(net, "certifier-alice");
    let rita = client(net, "regulator-rita");
    let alice_holder = alice.who_am_i().wait().expect("WhoAmI").holder();
    let alice_actor = alice_holder.identity.clone();
    let grants = Grants { certifier: &alice_holder, auditor: None, label: "verifier on fabric" };
    let signer = govern(&admin, &msp_ids(|v| net.var(v)), &grants);
    World { admin, alice_actor, dave, alice, rita, certifier_msp: net.var("CERTIFIER_MSP_ID"), signer }
}
