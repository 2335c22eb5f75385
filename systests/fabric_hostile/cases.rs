//! The hostile identities, each through our Gateway client against the real network:
//! refused with a clear error, and nothing written (the block height of every peer and
//! the keys the request would have written are unchanged; where the request reaches
//! the orderer, its transaction is invalid and writes nothing).

use crate::certs;
use crate::client::Client;
use crate::governance::{govern, msp_ids, Grants};
use crate::network::Network;
use crate::V2_CHANNEL;
use nanotrace_client::Wait;
use nanotrace_client::{ApiError, IssuerSigner};
use nanotrace_fabric_gateway::{GatewayError, SigningIdentity, ValidationCode};
use nanotrace_model::ids::certificate_id;
use nanotrace_model::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SAMPLE_APPLICATION: &str = include_str!("../../examples/application.json");
const MANUFACTURER_DOMAIN: &str = "manufacturer.nanotrace.test";

/// The network's identities after governance is set up.
pub(crate) struct World {
    pub(crate) run_dir: PathBuf,
    pub(crate) channel: String,
    /// Scratch folder for the hostile certificates.
    pub(crate) certs: PathBuf,
    /// `Admin@regulator` (governance), on the Regulator's peer.
    admin: Client,
    /// `dave@manufacturer`, the applicant, on the Manufacturer's peer.
    dave: Client,
    /// `alice@certifier`, only to read the Certifier's peer.
    alice: Client,
    /// `User1@certifier`: a certifier whose role is revoked in case 3.
    carol: Client,
    carol_signer: IssuerSigner,
    certifier_msp: String,
}

pub(crate) fn profile(net: &Network, name: &str) -> PathBuf {
    let path = net.run_dir.join(format!("profiles/{name}.yaml"));
    assert!(path.is_file(), "no connection profile {}", path.display());
    path
}

use nanotrace_model::clock::unix_now as now;

fn application(batch: &str) -> Application {
    let mut app: Application = serde_json::from_str(SAMPLE_APPLICATION).expect("examples/application.json");
    app.batch = batch.to_owned();
    app
}

/// Governance: Bootstrap by the Regulator's admin, the three organisations, the
/// certifier role and an issuer key for `User1@certifier`.
pub(crate) fn setup(net: &Network) -> World {
    let channel = net.env.get("NANOTRACE_FABRIC_CHANNEL").cloned().expect("channel in network.env");
    let admin = Client::connect(&profile(net, "regulator-admin"), None);
    let dave = Client::connect(&profile(net, "manufacturer-dave"), None);
    let alice = Client::connect(&profile(net, "certifier-alice"), None);
    let carol = Client::connect(&profile(net, "certifier-user1"), None);
    let api = admin.api(&channel);
    let msp = |org: &str| net.env.get(&format!("{org}_MSP_ID")).cloned().expect("MSP ID in network.env");
    let carol_holder = carol.api(&channel).who_am_i().wait().expect("WhoAmI as User1@certifier").holder();
    let grants = Grants { certifier: &carol_holder, auditor: None, label: "hostile identities" };
    let carol_signer = govern(&api, &msp_ids(|v| msp(v.trim_end_matches("_MSP_ID"))), &grants);
    World {
        run_dir: net.run_dir.clone(),
        channel,
        certs: net.scratch().join("certs"),
        admin,
        dave,
        alice,
        carol,
        carol_signer,
        certifier_msp: msp("CERTIFIER"),
    }
}

impl World {
    /// The channel's height on the three peers.
    fn heights(&self, channel: &str) -> [u64; 3] {
        [self.dave.height(channel), self.alice.height(channel), self.admin.height(channel)]
    }

    /// The height once the three peers agree and it holds for 300 ms.
    fn settled(&self, channel: &str) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let h = self.heights(channel);
            if h.iter().all(|x| *x == h[0]) {
                std::thread::sleep(Duration::from_millis(300));
                if self.heights(channel) == h {
                    return h[0];
                }
            }
            assert!(Instant::now() < deadline, "the peers' heights of {channel} do not settle: {h:?}");
        }
    }

    /// Nothing was ordered: a second later (20 × BatchTimeout) every peer is still at `before`.
    fn nothing_written(&self, channel: &str, before: u64) {
        std::thread::sleep(Duration::from_secs(1));
        assert_eq!(self.heights(channel), [before; 3], "a refused request must not add a block to {channel}");
        eprintln!("      height of {channel} unchanged on the three peers: {before}");
    }

    fn manufacturer_log(&self) -> String {
        let log = self.run_dir.join(format!("logs/peer0.{MANUFACTURER_DOMAIN}.log"));
        String::from_utf8_lossy(&std::fs::read(&log).unwrap_or_default()).into_owned()
    }

    /// Waits (5 s at most) for the Manufacturer's peer to log `needle`; returns the line.
    fn peer_logged(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(line) = self.manufacturer_log().lines().rev().find(|l| l.contains(needle)) {
                return line.to_owned();
            }
            assert!(Instant::now() < deadline, "the Manufacturer's peer never logged {needle:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn dave_cert(&self) -> PathBuf {
        let dir = self.org_dir().join(format!("users/dave@{MANUFACTURER_DOMAIN}/msp/signcerts"));
        std::fs::read_dir(&dir).expect("dave's signcerts").flatten().map(|e| e.path()).next().expect("dave's cert")
    }

    fn org_dir(&self) -> PathBuf {
        self.run_dir.join(format!("crypto/peerOrganizations/{MANUFACTURER_DOMAIN}"))
    }

    fn manufacturer_count(&self) -> usize {
        self.dave.api(&self.channel).mine(None, 1000, "").wait().expect("ListByApplicant as dave").certificates.len()
    }

    /// An Apply and a WhoAmI as a hostile ManufacturerMSP identity: both refused by the
    /// gateway peer before the contract runs; no block, no certificate.
    fn refuse_identity(&self, hostile: &Client, lot: &str, reason_in_peer_log: &str) {
        let before = self.settled(&self.channel);
        let count = self.manufacturer_count();
        let api = hostile.api(&self.channel);
        let evaluated = api.who_am_i().wait();
        eprintln!("      WhoAmI: {evaluated:?}");
        let err = evaluated.expect_err("an evaluate as the hostile identity");
        assert!(err.is_identity_refused() && !err.is_ledger_failure(), "{err:?}");
        let applied = api.apply(&application(lot)).wait();
        eprintln!("      Apply:  {applied:?}");
        let err = applied.expect_err("an Apply as the hostile identity");
        assert!(!err.is_ledger_failure(), "a refused identity is not retryable: {err:?}");
        let ApiError::Identity { tx_id: Some(tx_id), message, .. } = &err else {
            panic!("expected the identity refused at endorsement: {err:?}")
        };
        assert!(message.contains("the peer refused the client identity"), "{message}");
        eprintln!("      peer log: {}", self.peer_logged(reason_in_peer_log).trim());
        self.nothing_written(&self.channel, before);
        let id = certificate_id(tx_id, 0);
        let read = self.dave.api(&self.channel).get_certificate(&id).wait();
        assert_eq!(read.as_ref().err().and_then(ApiError::code), Some("NOT_FOUND"), "{id}: {read:?}");
        assert_eq!(self.manufacturer_count(), count, "no certificate added for ManufacturerMSP");
    }
}

/// 1. A client certificate from an unknown CA (a throwaway CA with the real CA's name,
///    the leaf with dave's name).
pub(crate) fn unknown_ca(w: &World, net: &Network) {
    let real_ca = w.org_dir().join(format!("ca/ca.{MANUFACTURER_DOMAIN}-cert.pem"));
    let pair = certs::unknown_ca(&w.certs.join("unknown-ca"), &w.dave_cert(), &real_ca);
    let identity = SigningIdentity::from_files("ManufacturerMSP", &pair.cert, &pair.key).expect("forged identity");
    let hostile = Client::connect(&profile(net, "manufacturer-dave"), Some(identity));
    w.refuse_identity(&hostile, "LOT-HOSTILE-UNKNOWN-CA", "certificate signed by unknown authority");
}

/// 2. An expired certificate, signed by the organisation's real CA.
pub(crate) fn expired(w: &World, net: &Network) {
    let ca = w.org_dir().join("ca");
    let ca_cert = ca.join(format!("ca.{MANUFACTURER_DOMAIN}-cert.pem"));
    let pair = certs::expired(&w.certs.join("expired"), &w.dave_cert(), &ca_cert, &ca.join("priv_sk"));
    let identity = SigningIdentity::from_files("ManufacturerMSP", &pair.cert, &pair.key).expect("expired identity");
    let hostile = Client::connect(&profile(net, "manufacturer-dave"), Some(identity));
    w.refuse_identity(&hostile, "LOT-HOSTILE-EXPIRED", "proposal client identity expired");
}

/// 3. A certifier whose role was revoked through governance tries to approve (and to
///    revoke a certificate it issued itself while it held the role).
pub(crate) fn revoked_certifier(w: &World) {
    let ch = &w.channel;
    let dave = w.dave.api(ch);
    let carol = w.carol.api(ch);
    let issued = dave.apply(&application("LOT-HOSTILE-ROLE-1")).wait().expect("Apply").value;
    let pending = dave.apply(&application("LOT-HOSTILE-ROLE-2")).wait().expect("Apply").value;
    carol.approve(&issued, &w.carol_signer, &w.certifier_msp, now(), None).wait().expect("Approve while a certifier");
    let who = carol.who_am_i().wait().expect("WhoAmI");
    assert_eq!(who.roles, vec![Role::Certifier]);
    w.admin.api(ch).revoke_role(who.identity, Role::Certifier).wait().expect("RevokeRole certifier");
    let roles = carol.who_am_i().wait().expect("WhoAmI").roles;
    assert!(roles.is_empty(), "the role is gone: {roles:?}");

    let before = w.settled(ch);
    let approve = carol.approve(&pending, &w.carol_signer, &w.certifier_msp, now(), None).wait();
    eprintln!("      Approve after RevokeRole: {approve:?}");
    let err = approve.expect_err("Approve by a revoked certifier");
    assert_eq!(err.code(), Some("UNAUTHORIZED"), "{err:?}");
    assert!(err.to_string().contains("[role.certifier]"), "{err}");
    let revoke = carol.revoke(&issued, "a revoked certifier tries to revoke").wait();
    eprintln!("      Revoke after RevokeRole:  {revoke:?}");
    let err = revoke.expect_err("Revoke by a revoked certifier");
    assert!(err.to_string().contains("[role.certifier]"), "{err}");
    w.nothing_written(ch, before);
    let p = dave.get_certificate(&pending).wait().expect("GetCertificate");
    assert_eq!(p.status, CertificateStatus::Pending);
    assert_eq!(dave.history(&pending).wait().expect("History").len(), 1, "the application only");
    let v = dave.verify(&issued).wait().expect("Verify");
    assert_eq!(v.verdict, Verdict::Valid, "the certificate issued before the revocation stands: {v:?}");
}

/// 4. A replayed signed proposal, and a replayed signed transaction envelope.
pub(crate) fn replay(w: &World) {
    let ch = &w.channel;
    let contract = w.dave.contract(ch);
    let arg = serde_json::to_vec(&application("LOT-HOSTILE-REPLAY")).expect("json");
    let proposal =
        contract.new_proposal(Function::Apply.name()).argument(arg).build().sign().expect("sign the proposal");
    let tx_id = proposal.transaction_id().to_owned();
    let id = certificate_id(&tx_id, 0);
    let replayed_proposal = proposal.clone();
    let tx = w.dave.block_on(proposal.endorse()).expect("endorse");
    let signature = w.dave.gateway.identity().sign_message(tx.payload()).expect("sign the envelope");
    let tx = tx.with_signature(signature);
    let replayed_tx = tx.clone();
    let first = w.dave.block_on(async { tx.submit().await?.status().await }).expect("the first submission");
    assert!(first.successful(), "{first:?}");
    eprintln!("      first submission: {tx_id} VALID in block {}", first.block_number);

    // The same signed proposal again.
    let before = w.settled(ch);
    let again = w.dave.block_on(replayed_proposal.endorse());
    let err = again.expect_err("a replayed proposal must be refused");
    eprintln!("      replayed proposal: {err}");
    assert!(matches!(err, GatewayError::Endorse { .. }), "{err:?}");
    assert!(err.to_string().contains("duplicate transaction"), "{err}");
    w.nothing_written(ch, before);

    // The same signed envelope again: the orderer takes it, the peers invalidate it.
    let second = w.dave.block_on(async { replayed_tx.submit().await?.status().await });
    eprintln!("      replayed envelope, commit status: {second:?}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.dave.height(ch) < before + 1 {
        assert!(Instant::now() < deadline, "the replayed envelope never reached a block");
        std::thread::sleep(Duration::from_millis(50));
    }
    let txs = w.dave.block_txs(ch, before);
    eprintln!("      block {before}: {txs:?}");
    let codes: Vec<String> =
        txs.iter().filter(|(t, _)| *t == tx_id).map(|(_, c)| ValidationCode(i32::from(*c)).name().to_owned()).collect();
    assert_eq!(codes, ["DUPLICATE_TXID"], "the replay in block {before}");
    let marked = format!("TxId [{tx_id}] marked as invalid by committer. Reason code [DUPLICATE_TXID]");
    eprintln!("      peer log: {}", w.peer_logged(&marked).trim());
    let h = w.settled(ch);
    assert_eq!(h, before + 1, "one block (the invalid replay) and nothing else");
    let dave = w.dave.api(ch);
    let history = dave.history(&id).wait().expect("History");
    assert_eq!(history.len(), 1, "one application on the ledger: {history:?}");
    assert_eq!(history[0].tx_id, tx_id);
    let gtin = application("LOT-HOSTILE-REPLAY").gtin.expect("the sample application has a GTIN");
    let lots = dave.by_product(&gtin, Some("LOT-HOSTILE-REPLAY")).wait().expect("ListByProduct");
    assert_eq!(lots.len(), 1, "one certificate for the lot: {lots:?}");
}

/// 5. An Ed25519 identity on a channel without V3_0 (channel capability V2_0).
pub(crate) fn ed25519_without_v3(w: &World, net: &Network) {
    let user2 = Client::connect(&profile(net, "manufacturer-user2"), None);
    // On the V3_0 channel the same identity is accepted.
    let who = user2.api(&w.channel).who_am_i().wait().expect("WhoAmI as the Ed25519 User2 on the V3_0 channel");
    eprintln!("      on {} (V3_0): WhoAmI as {}", w.channel, who.identity);
    // On the V2_0 channel (a fresh world state: no governance) an ECDSA identity of the
    // same organisation is accepted: its queries answer and its Apply reaches the contract,
    // which refuses it (the organisation is not registered on this channel). Retried while
    // the peers' gossip on the new channel settles, which discovery needs.
    let dave = w.dave.api(V2_CHANNEL);
    let who = dave.who_am_i().wait().expect("WhoAmI as dave (ECDSA) on the V2_0 channel");
    let deadline = Instant::now() + Duration::from_secs(60);
    let refusal = loop {
        match dave.apply(&application("LOT-HOSTILE-V2-ECDSA")).wait() {
            Err(e) if e.is_refusal() => break e,
            other if Instant::now() < deadline => {
                eprintln!("      (dave's Apply on {V2_CHANNEL}, retrying: {other:?})");
                std::thread::sleep(Duration::from_millis(500));
            }
            other => panic!("dave's (ECDSA) Apply on {V2_CHANNEL} never reached the contract: {other:?}"),
        }
    };
    eprintln!("      on {V2_CHANNEL} (V2_0): dave (ECDSA) is {}; Apply reaches the contract: {refusal}", who.identity);
    assert!(refusal.to_string().contains("[manufacturer.registered]"), "{refusal}");
    let before = w.settled(V2_CHANNEL);
    let api = user2.api(V2_CHANNEL);
    let applied = api.apply(&application("LOT-HOSTILE-ED25519")).wait();
    eprintln!("      Apply on {V2_CHANNEL} as User2 (Ed25519): {applied:?}");
    let err = applied.expect_err("an Apply as the Ed25519 identity on the V2_0 channel");
    let ApiError::Identity { tx_id: Some(tx_id), .. } = &err else {
        panic!("expected the identity refused at endorsement: {err:?}")
    };
    assert!(err.to_string().contains("the peer refused the client identity"), "{err}");
    let read = dave.get_certificate(&certificate_id(tx_id, 0)).wait();
    assert_eq!(read.as_ref().err().and_then(ApiError::code), Some("NOT_FOUND"), "{read:?}");
    let who = api.who_am_i().wait();
    eprintln!("      WhoAmI on {V2_CHANNEL} as User2: {who:?}");
    let err = who.expect_err("a query as the Ed25519 identity on the V2_0 channel");
    assert!(err.is_identity_refused(), "{err:?}");
    assert!(err.to_string().contains("the peer refused the client identity"), "{err}");
    let height = user2.try_height(V2_CHANNEL);
    let err = height.expect_err("qscc as the Ed25519 identity on the V2_0 channel");
    eprintln!("      qscc GetChainInfo on {V2_CHANNEL} as User2: {err}");
    eprintln!("      peer log: {}", w.peer_logged("Ed25519 is not supported").trim());
    w.nothing_written(V2_CHANNEL, before);
}

/// Private keys of the run (the network's crypto, the chaincode's TLS keys, the hostile
/// certificates' keys) are mode 0600 and none appears in any log of the run.
pub(crate) fn keys_private_and_unlogged(w: &World) {
    let mut keys = Vec::new();
    collect_keys(&w.run_dir, &mut keys);
    collect_keys(&w.certs, &mut keys);
    assert!(keys.len() > 30, "the run's private keys: {}", keys.len());
    let mut bodies = Vec::new();
    for key in &keys {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key).expect("key metadata").permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} has mode {mode:o}", key.display());
        let text = std::fs::read_to_string(key).expect("PEM key");
        bodies.extend(text.lines().filter(|l| !l.starts_with("-----") && l.len() >= 40).map(str::to_owned));
    }
    let mut logs = Vec::new();
    collect(&w.run_dir.join("logs"), &mut logs, &|p| p.extension().is_some_and(|e| e == "log"));
    assert!(!logs.is_empty());
    let mut bytes = 0;
    for log in &logs {
        let text = String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned();
        bytes += text.len();
        assert!(!text.contains("PRIVATE KEY"), "{} holds a PEM private key", log.display());
        for body in &bodies {
            assert!(!text.contains(body.as_str()), "{} holds a line of a private key", log.display());
        }
    }
    eprintln!(
        "      {} private keys, all 0600; none of their {} base64 lines in {} logs ({} KB)",
        keys.len(),
        bodies.len(),
        logs.len(),
        bytes / 1024
    );
}

fn collect_keys(dir: &Path, out: &mut Vec<PathBuf>) {
    collect(dir, out, &|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n == "priv_sk" || n.ends_with(".key"))
    });
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, keep: &dyn Fn(&Path) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out, keep);
        } else if keep(&p) {
            out.push(p);
        }
    }
}

/// Case 6, a Fabric 3.1.5 defect shown (network/README.md, "A Fabric defect"): a committed
/// transaction's envelope submitted again, ordered in one block with a second transaction
/// that writes the key whose key-level policy the first set (two applications with one
/// client reference, both endorsed before the first committed), and no peer ever finishes
/// validating that block. The replayed copy is answered `DUPLICATE_TXID` before the
/// validation plugin runs, so the dependency the second waits for is never signalled.
/// Any member that may submit can do this; the channel stays halted, so this case runs
/// last. When Fabric fixes it, this case fails and says so.
pub(crate) fn duplicate_halts_validation(w: &World) {
    let ch = &w.channel;
    let contract = w.dave.contract(ch);
    // The two copies must share a block (BatchTimeout 50 ms): submitted together from two
    // threads; should the orderer still cut between them, the case tries again.
    for attempt in 1..=3 {
        let mut app = application(&format!("LOT-HOSTILE-HALT-{attempt}"));
        app.client_ref = Some(format!("hostile-halt-{attempt}"));
        let arg = serde_json::to_vec(&app).expect("json");
        let endorse = || {
            let proposal = contract.new_proposal(Function::Apply.name()).argument(arg.clone()).build();
            w.dave.block_on(proposal.endorse()).expect("endorse")
        };
        let first = endorse();
        let second = endorse();
        let committed = w.dave.block_on(async { first.clone().submit().await?.status().await }).expect("the first");
        assert!(committed.successful(), "{committed:?}");
        let before = w.settled(ch);
        eprintln!(
            "      attempt {attempt}: {} VALID in block {}; its envelope again and {} (same client reference) together",
            first.transaction_id(),
            committed.block_number,
            second.transaction_id()
        );
        // The replayed copy first (the second waits on the copy's result, not the reverse):
        // the orderer acknowledges it within milliseconds, well inside one BatchTimeout.
        w.dave.block_on(first.clone().submit()).expect("the orderer takes the replayed envelope");
        w.dave.block_on(second.clone().submit()).expect("the orderer takes the second application");
        // Block `before` reaches the peers; does any of them commit it?
        let received = format!("Received block [{before}]");
        w.peer_logged(&received);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut heights = w.heights(ch);
        while Instant::now() < deadline && heights.iter().all(|h| *h == before) {
            std::thread::sleep(Duration::from_millis(200));
            heights = w.heights(ch);
        }
        if heights.iter().all(|h| *h == before) {
            let log = w.manufacturer_log();
            assert!(!log.contains(&format!("Validated block [{before}]")), "block {before} was validated");
            eprintln!(
                "      every peer received block {before} and none validated it in 10 s: heights {heights:?} (Fabric 3.1.5's halt)"
            );
            // A restart does not help: the peer takes the block again and waits again.
            let name = format!("peer0.{MANUFACTURER_DOMAIN}");
            let (pid, peer) = nanotrace_testkit::fabric::node::Node::named(&w.run_dir, &name);
            nanotrace_testkit::fabric::node::kill9(pid);
            let received_before = w.manufacturer_log().matches(&received).count();
            let mut restarted = peer.restart_named(&w.run_dir, &name);
            // Reaped when the suite's teardown stops it.
            std::thread::spawn(move || restarted.wait());
            let deadline = Instant::now() + Duration::from_secs(60);
            while w.dave.try_height(ch).is_err() || w.manufacturer_log().matches(&received).count() <= received_before {
                assert!(Instant::now() < deadline, "the restarted peer never took block {before} again");
                std::thread::sleep(Duration::from_millis(200));
            }
            std::thread::sleep(Duration::from_secs(10));
            assert_eq!(w.dave.height(ch), before, "the restarted peer committed block {before}");
            eprintln!("      kill -9 and restart of {name}: it took block {before} again, and 10 s later still has not validated it");
            return;
        }
        // Committed: fixed in Fabric, or the two did not land in one block in that order.
        let txs = w.dave.block_txs(ch, before);
        let at = |id: &str| txs.iter().position(|(t, _)| t == id);
        let (copy, new) = (at(first.transaction_id()), at(second.transaction_id()));
        assert!(
            !matches!((copy, new), (Some(c), Some(n)) if c < n),
            "block {before} held the copy, then the second, and every peer committed it ({txs:?}): Fabric no \
             longer halts here; update network/README.md (\"A Fabric defect\") and this case"
        );
        eprintln!("      not one block with the copy first ({txs:?}); again");
        w.settled(ch);
    }
    panic!("three attempts, and the replayed envelope and the second application never shared a block in that order");
}
