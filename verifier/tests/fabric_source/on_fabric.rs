//! `verifier_on_fabric`: the steps on a real Fabric network, from an empty cache to a
//! catch-up killed with `kill -9` (steps 5b and 5c are in `outages.rs`).

use crate::outages::{paused, slow};
use crate::support::{bin, chaincode_server, now, profile, MAX_STALENESS, REGULATOR_PEER};
use crate::trust::{decode_qr, from_fabric, trust_list, KeyRow};
use crate::verifier::Verifier;
use crate::world::setup;
use ed25519_dalek::SigningKey;
use nanotrace_client::GatewayTransport;
use nanotrace_client::Wait;
use nanotrace_client::{IssuerSigner, NanoTrace};
use nanotrace_model::credential;
use nanotrace_model::token::OfflineToken;
use nanotrace_model::{RegisterIssuerKeyRequest, DAY};
use nanotrace_testkit::fabric::network::{Fabric, Network};
use nanotrace_testkit::fabric::node::Node;
use nanotrace_testkit::fabric::process;
use nanotrace_testkit::vc;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Steps 1 to 6 in order on one network (see the crate docs); skipped without Fabric
/// binaries.
pub fn run() {
    let Some(fabric) = Fabric::find_or_skip("the verifier following a real Fabric network") else {
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned();
    let run_dir = std::env::var_os("NANOTRACE_VERIFIER_FABRIC_RUN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".run/verifier-fabric"));
    let port_base: u16 =
        std::env::var("NANOTRACE_VERIFIER_FABRIC_PORT_BASE").ok().map(|v| v.parse().expect("a port")).unwrap_or(29050);
    let server = chaincode_server();
    let t = Instant::now();
    let mut net = Network::new(fabric, &root, run_dir.clone(), port_base);
    net.up();
    net.deploy("nanotrace", net.layout().service_port(0), &server);
    eprintln!("[verifier-fabric] network up and nanotrace deployed in {:.1?}", t.elapsed());
    let scratch = net.scratch().to_owned();
    let _ = std::fs::remove_dir_all(scratch.join("verifier"));
    std::fs::create_dir_all(scratch.join("verifier")).expect("scratch");
    eprintln!("[verifier-fabric] verifier binary: {}", bin(&scratch.join("verifier")).display());
    let cache = scratch.join("verifier/cache");
    let log = scratch.join("verifier/verifier.log");
    let profile = profile(&net, "regulator-rita");

    let w = setup(&net);
    let mut steps = 0;

    // 1. Apply → approve on Fabric, then VALID on the page and the API.
    let mut v = Verifier::start(&profile, &cache, &log);
    let ready = v.wait_ready(Duration::from_secs(60));
    eprintln!("[verifier-fabric] ready after {ready:.1?} (caught up from an empty cache)");
    let valid = w.issued("LOT-VF-VALID");
    v.wait_verdict(&valid, "VALID", Duration::from_secs(10));
    let (status, page) = v.get(&format!("/c/{valid}"));
    assert_eq!(status, 200);
    assert!(
        page.contains("This certificate is valid and in force."),
        "the page says VALID: {}",
        page.chars().take(600).collect::<String>()
    );
    steps += 1;
    eprintln!("[verifier-fabric] ok 1: {valid} applied and approved on Fabric is VALID on the page and the API");

    // 2. A revocation committed on Fabric is REVOKED within one second of its commit.
    let mut latencies = Vec::new();
    for i in 0..5 {
        let id = w.issued(&format!("LOT-VF-REVOKE-{i}"));
        v.wait_verdict(&id, "VALID", Duration::from_secs(10));
        w.revoke(&id, "contamination confirmed");
        // `revoke` returns once the peer reported the commit.
        let latency = v.wait_verdict(&id, "REVOKED", Duration::from_secs(10));
        latencies.push(latency);
    }
    latencies.sort();
    let max = latencies[latencies.len() - 1];
    eprintln!(
        "[verifier-fabric] revocation commit → REVOKED on the verifier: {:?} (median {:.0} ms, max {:.0} ms)",
        latencies.iter().map(|d| format!("{:.0} ms", d.as_secs_f64() * 1000.0)).collect::<Vec<_>>(),
        latencies[latencies.len() / 2].as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0
    );
    assert!(max < Duration::from_secs(1), "a revocation took {max:?} to show");
    steps += 1;
    eprintln!("[verifier-fabric] ok 2: revocations show REVOKED within one second of their commit");

    // 3. A revocation committed while the verifier is stopped: REVOKED after restart,
    //    never VALID once ready.
    let later = w.issued("LOT-VF-REVOKED-WHILE-DOWN");
    v.wait_verdict(&later, "VALID", Duration::from_secs(10));
    v.stop();
    w.revoke(&later, "revoked while the verifier was down");
    let v2 = Verifier::start(&profile, &cache, &log);
    let t = Instant::now();
    let mut answers = Vec::new();
    loop {
        let ready = v2.ready().0 == 200;
        let verdict = v2.verdict(&later);
        answers.push((ready, verdict.clone()));
        if ready {
            assert_eq!(verdict, "REVOKED", "once ready, the revocation made while stopped shows");
            break;
        }
        assert_ne!(verdict, "VALID", "before it caught up, the verifier must not say VALID");
        assert!(t.elapsed() < Duration::from_secs(60), "not ready; log:\n{}", v2.log_tail());
        std::thread::sleep(Duration::from_millis(20));
    }
    for _ in 0..20 {
        assert_eq!(v2.verdict(&later), "REVOKED");
    }
    v = v2;
    steps += 1;
    eprintln!(
        "[verifier-fabric] ok 3: revoked while stopped → {} answers until ready, none VALID; REVOKED once ready",
        answers.len()
    );

    // 4. The QR code's URL and token verify offline against the trust list read from Fabric.
    let (status, png) = v.get_bytes(&format!("/qr/{valid}.png"));
    assert_eq!(status, 200);
    let url = decode_qr(&png);
    let prefix = format!("http://{}/c/{valid}?t=", v.addr);
    let token = url.strip_prefix(&prefix).unwrap_or_else(|| panic!("QR URL {url} does not start with {prefix}"));
    let fabric_keys = w.rita.issuer_keys().wait().expect("IssuerKeys from Fabric");
    let offline = OfflineToken::decode(token).expect("token").verify(&fabric_keys, now()).expect("verifies offline");
    assert_eq!(offline.certificate_id, valid);
    assert_eq!(offline.issuer_key_id, w.signer.key_id);
    let (status, body) = v.get("/api/v1/issuers");
    assert_eq!(status, 200, "{body}");
    assert_eq!(trust_list(&body), from_fabric(&fabric_keys), "/api/v1/issuers is the trust list on Fabric");
    let reply: serde_json::Value = v
        .http
        .post(&format!("http://{}/api/v1/verify", v.addr))
        .send_json(serde_json::json!({ "token": token }))
        .expect("POST /api/v1/verify")
        .body_mut()
        .read_json()
        .expect("json");
    assert_eq!(reply["authentic"], true, "{reply}");
    steps += 1;
    eprintln!("[verifier-fabric] ok 4: the QR code's token verifies offline against IssuerKeys read from Fabric");

    // 4b. The trust list follows a key registration and a retirement.
    let mut seed = [9u8; 32];
    seed[..8].copy_from_slice(&now().to_be_bytes());
    let second = IssuerSigner::new(SigningKey::from_bytes(&seed));
    let t = now();
    w.admin
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: second.public_key_hex(),
            holder: w.alice_actor.clone(),
            valid_from: t - 3600,
            valid_until: t + 365 * DAY,
        })
        .wait()
        .expect("RegisterIssuerKey (a second key)");
    let follows = |what: &str, want: &dyn Fn(&[KeyRow]) -> bool| {
        let fabric = from_fabric(&w.rita.issuer_keys().wait().expect("IssuerKeys"));
        assert!(want(&fabric), "{what} on Fabric: {fabric:?}");
        let t = Instant::now();
        loop {
            let listed = trust_list(&v.get("/api/v1/issuers").1);
            if listed == fabric {
                return t.elapsed();
            }
            assert!(t.elapsed() < Duration::from_secs(5), "{what}: the verifier lists {listed:?}, Fabric {fabric:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let registered = follows("registered", &|keys| keys.iter().any(|k| k.0 == second.key_id && k.2.is_none()));
    w.admin.retire_issuer_key(&second.key_id, "rotated").wait().expect("RetireIssuerKey");
    let retired = follows("retired", &|keys| keys.iter().any(|k| k.0 == second.key_id && k.2.is_some()));
    steps += 1;
    eprintln!(
        "[verifier-fabric] ok 4b: /api/v1/issuers followed a key registration ({registered:.1?}) and its retirement \
         ({retired:.1?})"
    );

    // 5. The Regulator's peer stopped: UNVERIFIABLE after the staleness limit; back:
    //    VALID again without restarting the verifier.
    let (pid, node) = Node::named(&run_dir, REGULATOR_PEER);
    assert!(process::kill_pid(pid, "KILL"), "kill -9 the Regulator's peer");
    let t = Instant::now();
    let mut last_valid = Duration::ZERO;
    loop {
        let verdict = v.verdict(&valid);
        if verdict == "UNVERIFIABLE" {
            break;
        }
        assert_eq!(verdict, "VALID");
        last_valid = t.elapsed();
        assert!(t.elapsed() < Duration::from_secs(30), "still {verdict} 30 s after the peer died");
        std::thread::sleep(Duration::from_millis(50));
    }
    let unverifiable_after = t.elapsed();
    assert!(last_valid <= Duration::from_secs(MAX_STALENESS + 2), "VALID for {last_valid:?} after the peer died");
    let (status, why) = v.ready();
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("old") && why.contains("unreachable"), "/readyz says why: {why}");
    let mut restarted = node.restart_named(&run_dir, REGULATOR_PEER);
    let t = Instant::now();
    v.wait_verdict(&valid, "VALID", Duration::from_secs(60));
    let back_after = t.elapsed();
    v.wait_ready(Duration::from_secs(10));
    steps += 1;
    eprintln!(
        "[verifier-fabric] ok 5: peer killed → UNVERIFIABLE after {unverifiable_after:.1?} (limit {MAX_STALENESS} s; \
         /readyz: {}); peer restarted → VALID after {back_after:.1?}, same verifier process",
        why.trim()
    );

    // 5b. The Regulator's peer paused (SIGSTOP): its connections stay open and nothing
    //     answers. No request may hang: certificates in the cache answer at once (VALID
    //     until the staleness limit, then UNVERIFIABLE), a certificate the cache does not
    //     hold answers UNVERIFIABLE (never UNKNOWN) without waiting for a call deadline
    //     each time; SIGCONT: VALID again and revocations followed, same process.
    paused(&v, &w, restarted.id(), &valid);
    steps += 1;

    // 5c. A slow peer: a second verifier reads the Regulator's peer through a TCP proxy
    //     that delays every byte; at 250 ms each way it follows (a revocation shows),
    //     past the call deadline it fails closed, and at 0 it recovers without a restart.
    v.stop();
    slow(&net, &w, &profile, &cache, &log, &valid);
    let mut v = Verifier::start(&profile, &cache, &log);
    v.wait_ready(Duration::from_secs(60));
    steps += 1;

    // 6. kill -9 during a catch-up over thousands of transactions in blocks of several,
    //    repeated; then `check` passes and every transaction is applied exactly once.
    //    Each kill waits for the catch-up to be under way — alternately past a chunk
    //    applied since the last kill (the next one's reads in flight) and as soon as the
    //    follower has asked the peer's height (nothing applied yet) — not for a time,
    //    which a faster catch-up outruns.
    let mut applied_to = ready_block(&v);
    v.stop();
    let txs = load(&net, 2000, 32);
    eprintln!("[verifier-fabric] committed {txs} Apply transactions with 32 in flight while the verifier was stopped");
    let mut kills = 0;
    for round in 0..4 {
        let mut v = Verifier::start(&profile, &cache, &log);
        let after_a_chunk = round % 2 == 0;
        let deadline = Instant::now() + Duration::from_secs(120);
        let under_way = loop {
            if v.ready().0 == 200 {
                break false;
            }
            let metrics = v.get("/metrics").1;
            let block = gauge(&metrics, "nanotrace_verifier_cache_checkpoint_block");
            let asked = gauge(&metrics, "nanotrace_verifier_source_height") > 0;
            if (after_a_chunk && block > applied_to) || (!after_a_chunk && asked) {
                applied_to = applied_to.max(block);
                break true;
            }
            assert!(Instant::now() < deadline, "no catch-up under way after 120 s: {}", v.log_tail());
            std::thread::sleep(Duration::from_millis(5));
        };
        if !under_way {
            break;
        }
        v.kill9();
        kills += 1;
    }
    let v = Verifier::start(&profile, &cache, &log);
    let ready = v.wait_ready(Duration::from_secs(300));
    drop(v);
    let out = Command::new(bin(&scratch))
        .args(["check", "--source", "fabric", "--profile"])
        .arg(&profile)
        .arg("--cache-dir")
        .arg(&cache)
        .output()
        .expect("run check");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "check failed: {text}");
    let compared: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("transactions: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the transactions line");
    assert!(compared >= txs, "{compared} transactions compared, {txs} committed by the load alone");
    assert!(kills >= 2, "the catch-up was killed only {kills} times");
    steps += 1;
    eprintln!(
        "[verifier-fabric] ok 6: {kills} kill -9 during the catch-up, then ready after {ready:.1?}; check: {compared} \
         transactions equal, each once"
    );

    // 7. A certificate issued on Fabric, its Verifiable Credential signed by alice's issuer
    //    key and recorded (AttachCredential) under a status base the admin registered
    //    (refused before): the verifier serves it, Digital Bazaar's library verifies it
    //    with its status read from this verifier's lists; revoked on Fabric, the same
    //    library reports it revoked.
    credential_on_fabric(&w, &profile, &cache, &log, &scratch.join("verifier"));
    steps += 1;

    // 8. A regulator's new peer joins from a snapshot instead of replaying the chain; the
    //    verifier, with its cache, follows it.
    snapshot_join(&net, &w, &cache, &log);
    steps += 1;

    let _ = restarted.try_wait();
    net.down(false);
    let _ = restarted.wait();
    eprintln!("[verifier-fabric] steps: {steps} passed, 0 failed");
}

/// Step 8 (see `run`): a snapshot of the Regulator's peer, a second Regulator peer joined
/// from it (`network.sh snapshot`, `add-peer --snapshot`); what it answers, and what it
/// cannot (the history before the snapshot); the verifier following it.
fn snapshot_join(net: &Network, w: &crate::world::World, cache: &Path, log: &Path) {
    let t = Instant::now();
    let (dir, block) = net.snapshot("regulator");
    let snapshot_took = t.elapsed();
    let joined = net.add_peer("regulator", Some(&dir));
    let rita1 = crate::support::client(net, "regulator-rita-peer1");
    // The world state: every certificate the same from both peers.
    let gtin = nanotrace_testkit::sample_application("x").gtin.expect("the sample's GTIN");
    let certificates = w.rita.by_product(&gtin, None).wait().expect("ListByProduct");
    assert!(certificates.len() > 100, "the run's certificates");
    for cert in certificates.iter().step_by(37) {
        let on_new = rita1.get_certificate(&cert.id).wait().expect("GetCertificate on the new peer");
        let on_old = w.rita.get_certificate(&cert.id).wait().expect("GetCertificate");
        assert_eq!(on_new, on_old, "{} differs on the snapshot-joined peer", cert.id);
    }
    // History: the new peer has none from before the snapshot, and says so.
    let before =
        certificates.iter().find(|c| c.status == nanotrace_model::CertificateStatus::Active).expect("one in force");
    let full = w.rita.history(&before.id).wait().expect("History");
    let refused = rita1.history(&before.id).wait().expect_err("no history before the snapshot");
    assert_eq!(refused.code(), Some("CONFLICT"), "{refused}");
    assert!(refused.to_string().contains("snapshot"), "{refused}");
    // A change after the snapshot is in both.
    w.alice.suspend(&before.id, "audit after the snapshot").wait().expect("Suspend");
    let deadline = Instant::now() + Duration::from_secs(10);
    let after = loop {
        if let Ok(h) = rita1.history(&before.id).wait() {
            break h;
        }
        assert!(Instant::now() < deadline, "the suspension never reached the new peer's history");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(after.len(), 1, "the new peer's history starts at the snapshot: {after:?}");
    assert_eq!(after[0].action, nanotrace_model::Action::Suspended);
    assert_eq!(w.rita.history(&before.id).wait().expect("History").len(), full.len() + 1);
    // A cache built from the full chain cannot be checked against it (`check` compares the
    // whole transaction log, which the peer lacks before its snapshot): said so.
    let out = std::process::Command::new(crate::support::bin(cache.parent().expect("scratch")))
        .args(["check", "--source", "fabric", "--profile"])
        .arg(profile(net, "regulator-rita-peer1"))
        .arg("--cache-dir")
        .arg(cache)
        .output()
        .expect("run check");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        !out.status.success() && said.contains("ledger snapshot"),
        "the verifier on the snapshot-joined peer: {said}"
    );
    // It keeps following the Regulator's full peer.
    let v = Verifier::start(&profile(net, "regulator-rita"), cache, log);
    v.wait_ready(Duration::from_secs(60));
    v.wait_verdict(&before.id, "SUSPENDED", Duration::from_secs(10));
    // A verifier with an empty cache follows the snapshot-joined peer: it starts from the
    // peer's world state (every certificate listed — ListByStatus, so as an identity with
    // the contract's Admin, Auditor or Certifier role: the Regulator's admin here) and
    // follows the blocks after the snapshot.
    let dir = cache.parent().expect("scratch").join("snapshot-verifier");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the snapshot verifier's folder");
    let t = Instant::now();
    let from_snapshot =
        Verifier::start(&profile(net, "regulator-admin-peer1"), &dir.join("cache"), &dir.join("verifier.log"));
    let ready = from_snapshot.wait_ready(Duration::from_secs(120));
    let started_in = t.elapsed();
    let started_log = std::fs::read_to_string(dir.join("verifier.log")).unwrap_or_default();
    assert!(
        started_log.contains("starting the cache from its world state"),
        "it started from the snapshot's world state: {}",
        from_snapshot.log_tail()
    );
    let mut compared = 0;
    for cert in certificates.iter().step_by(7) {
        assert_eq!(from_snapshot.verdict(&cert.id), v.verdict(&cert.id), "{} on the two verifiers", cert.id);
        compared += 1;
    }
    assert_eq!(from_snapshot.verdict(&before.id), "SUSPENDED");
    // And it follows what is committed after it started.
    w.revoke(&before.id, "revoked while a verifier follows the snapshot-joined peer");
    let shown = from_snapshot.wait_verdict(&before.id, "REVOKED", Duration::from_secs(10));
    v.wait_verdict(&before.id, "REVOKED", Duration::from_secs(10));
    drop(from_snapshot);
    drop(v);
    eprintln!(
        "[verifier-fabric] ok 8: snapshot of the Regulator's peer at block {block} in {snapshot_took:.1?}; peer1 joined \
         from it in {joined:.1} s with the same world state; History before the snapshot refused as CONFLICT, after \
         it {} entry; `check` of a full-chain cache against it refused; a verifier with an empty cache started from \
         its world state (ready in {ready:.1?}, {started_in:.1?} with its start) and agrees on {compared} \
         certificates; a revocation after that showed in {:.0} ms",
        after.len(),
        shown.as_secs_f64() * 1000.0
    );
}

/// Step 7 (see `run`): a verifier publishing status lists (`--status-key`) under a public
/// URL that the credential's status entries name, once the admin registered it as a
/// status base of the Certifier's organisation (`SetStatusBases`; refused before).
fn credential_on_fabric(w: &crate::world::World, profile: &Path, cache: &Path, log: &Path, work: &Path) {
    const PUBLIC: &str = "http://verify.nanotrace.test";
    const WHAT: &str = "Digital Bazaar's check of a credential issued on Fabric";
    let key_file = work.join("status.key");
    std::fs::write(&key_file, hex::encode([42u8; 32])).expect("the operator's status key");
    let extra = ["--public-url".as_ref(), PUBLIC.as_ref(), "--status-key".as_ref(), key_file.as_os_str()];
    let v = Verifier::start_with(profile, cache, log, &extra);
    v.wait_ready(Duration::from_secs(120));
    let id = w.issued("LOT-VF-VC");
    v.wait_verdict(&id, "VALID", Duration::from_secs(10));
    let (status, body) = v.get(&format!("/api/v1/certificates/{id}/vc"));
    assert_eq!(status, 404, "nothing to serve before the certifier signs: {body}");
    let cert = w.alice.get_certificate(&id).wait().expect("GetCertificate");
    let organizations = w.rita.organizations().wait().expect("Organizations");
    let issuer = &cert.issuance.as_ref().expect("issued").issuer_org;
    let name = credential::issuer_name(&organizations, issuer);
    // The set-up registered only the sample base: lists under this verifier's URL are
    // refused (nothing written) until the admin adds it.
    let refused = w.alice.attach_credential(&cert, &w.signer.key, name, PUBLIC, now()).wait();
    let refused = refused.map(|s| s.tx_id).expect_err("a status base the network does not know");
    assert_eq!(refused.code(), Some("UNAUTHORIZED"), "{refused}");
    assert!(refused.to_string().contains("[status_base.registered]"), "{refused}");
    assert_eq!(w.rita.get_certificate(&id).wait().expect("GetCertificate").credential, None, "nothing recorded");
    let bases = [nanotrace_model::sample::STATUS_BASE.to_owned(), PUBLIC.to_owned()];
    let set = w.admin.set_status_bases(&w.certifier_msp, &bases).wait().expect("SetStatusBases");
    assert_eq!(set.value.status_bases, bases);
    let signed = w.alice.attach_credential(&cert, &w.signer.key, name, PUBLIC, now()).wait().expect("AttachCredential");
    let t = Instant::now();
    let vc = loop {
        let (status, body) = v.get(&format!("/api/v1/certificates/{id}/vc"));
        if status == 200 {
            break body;
        }
        assert!(t.elapsed() < Duration::from_secs(5), "the credential is not served: {status} {body}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let served_after = t.elapsed();
    let file = |name: &str, body: &[u8]| {
        let path = work.join(name);
        std::fs::write(&path, body).expect("write");
        path
    };
    let vc_file = file("fabric.vc.json", vc.as_bytes());
    let lists = |tag: &str| {
        let revocation = v.get_bytes("/api/v1/status/revocation/0");
        let suspension = v.get_bytes("/api/v1/status/suspension/0");
        assert_eq!((revocation.0, suspension.0), (200, 200), "the status lists");
        (file(&format!("revocation-{tag}.json"), &revocation.1), file(&format!("suspension-{tag}.json"), &suspension.1))
    };
    let (revocation, suspension) = lists("before");
    let Some(checked) = vc::check_status(WHAT, &vc_file, &revocation, &suspension) else { return };
    assert_eq!(checked["verified"], true, "{checked}");
    assert_eq!((checked["revoked"].clone(), checked["suspended"].clone()), (false.into(), false.into()), "{checked}");
    w.revoke(&id, "contamination confirmed");
    let latency = v.wait_verdict(&id, "REVOKED", Duration::from_secs(10));
    let (revocation, suspension) = lists("after");
    let checked = vc::check_status(WHAT, &vc_file, &revocation, &suspension).expect("node");
    assert_eq!(checked["revoked"], true, "revoked on Fabric, the library must say so: {checked}");
    let (status, again) = v.get(&format!("/api/v1/certificates/{id}/vc"));
    assert_eq!((status, again.as_str()), (200, vc.as_str()), "the same credential, still served");
    drop(v);
    eprintln!(
        "[verifier-fabric] ok 7: {id}'s credential recorded on Fabric (tx {}), served {served_after:.1?} after the \
         commit, verified by @digitalbazaar/vc; revoked on Fabric → REVOKED in {latency:.1?}, the library reports it \
         revoked from /api/v1/status/revocation/0",
        signed.tx_id
    );
}

/// Commits `n` Apply transactions through `parallel` gateway connections at once (so
/// blocks carry several); returns how many committed.
/// The ledger block a ready verifier's `/readyz` names.
fn ready_block(v: &Verifier) -> u64 {
    let (status, body) = v.ready();
    assert_eq!(status, 200, "{body}");
    body.trim().strip_prefix("ready: ledger block ").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{body}"))
}

/// The value of the gauge `name` in a Prometheus text exposition (0 when absent).
fn gauge(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

fn load(net: &Network, n: usize, parallel: usize) -> usize {
    let path = profile(net, "manufacturer-dave");
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handles: Vec<_> = (0..parallel)
        .map(|_| {
            let c = NanoTrace::new(GatewayTransport::from_profile(&path).wait().expect("connect").with_mvcc_retries(3));
            let next = next.clone();
            std::thread::spawn(move || {
                let mut done = 0;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= n {
                        return done;
                    }
                    c.apply(&nanotrace_testkit::sample_application(&format!("LOT-VF-LOAD-{i}"))).wait().expect("Apply");
                    done += 1;
                }
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("load thread")).sum()
}
