//! The verifier on Fabric (`--source fabric`, issue 13).
//!
//! - `without_a_peer` (`fake.rs`): the Fabric source and the follower against an
//!   in-process fake Gateway peer serving real `common.Block`s and `BlockchainInfo`
//!   through `qscc`, and the contract's queries: blocks of several transactions,
//!   invalid transactions and other chaincodes' events skipped, exactly once across
//!   restarts, a peer failure never read as "not found", a cache of another channel
//!   refused.
//! - `verifier_on_fabric`: a real Fabric 3.1 network of this binary's own
//!   (`scripts/network.sh`, run folder `.run/verifier-fabric`, ports from 29050; override
//!   with `NANOTRACE_VERIFIER_FABRIC_RUN_DIR` / `NANOTRACE_VERIFIER_FABRIC_PORT_BASE`)
//!   and `nanotrace-verifier --source fabric` processes following the Regulator's peer.
//!   Its source stopped (the peer killed), paused (SIGSTOP) and slow (read through
//!   `proxy.rs`, a TCP proxy that delays every byte): fail-closed answers within bounds,
//!   recovery without a restart.
//!   Without Fabric binaries it prints `VERIFIER FABRIC TEST SKIPPED` and passes.
//!
//! ```sh
//! cargo test --workspace --test fabric_source -- --nocapture
//! ```

#![allow(unreachable_pub)]

mod fake;
mod proxy;
// The workspace Fabric suite's network guard and bounded processes, shared as they are
// (`tests/fabric`): `scripts/network.sh up/deploy/down` in a run folder and on ports of
// this test's own, torn down on drop, on panic and by a watchdog if the test is killed.

use ed25519_dalek::SigningKey;
use governance::{govern, Grants, MspIds};
use nanotrace_model::token::OfflineToken;
use nanotrace_model::*;
use nanotrace_peer_client::gateway::GatewayTransport;
use nanotrace_peer_client::Wait;
use nanotrace_peer_client::{IssuerSigner, NanoTrace};
use nanotrace_testkit::fabric::{governance, network, node, process};
use network::{Fabric, Network};
use node::Node;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The verifier binary under test, copied once (see [`bin`]).
static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The verifier binary: `NANOTRACE_VERIFIER_BIN`, or the one Cargo built for this test,
/// copied into `scratch` when first asked for, so that another build writing the shared
/// target folder cannot swap it in the middle of the test; one that lacks `--source
/// fabric` is refused at once.
fn bin(scratch: &Path) -> PathBuf {
    BIN.get_or_init(|| {
        let built = std::env::var_os("NANOTRACE_VERIFIER_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_nanotrace-verifier")));
        let copy = scratch.join("nanotrace-verifier");
        std::fs::copy(&built, &copy).unwrap_or_else(|e| panic!("copy {}: {e}", built.display()));
        let help = Command::new(&copy).arg("--help").output().expect("nanotrace-verifier --help");
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("--profile"),
            "{} has no --profile: another build replaced it; rebuild (cargo build --workspace) or set \
             NANOTRACE_VERIFIER_BIN",
            built.display()
        );
        copy
    })
    .clone()
}
const REGULATOR_PEER: &str = "peer0.regulator.nanotrace.test";
/// The staleness limit the verifiers under test run with.
const MAX_STALENESS: u64 = 4;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

type Client = NanoTrace<GatewayTransport>;

/// The connection profile `network.sh up` wrote for `<org>-<user>`.
fn profile(net: &Network, name: &str) -> PathBuf {
    let path = net.run_dir.join(format!("profiles/{name}.yaml"));
    assert!(path.is_file(), "no connection profile {}", path.display());
    path
}

fn client(net: &Network, name: &str) -> Client {
    NanoTrace::new(
        GatewayTransport::from_profile(profile(net, name)).wait().unwrap_or_else(|e| panic!("connect as {name}: {e}")),
    )
}

/// The chaincode server binary next to this test executable (or `NANOTRACE_CHAINCODE_BIN`).
fn chaincode_server() -> PathBuf {
    let path = match std::env::var_os("NANOTRACE_CHAINCODE_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe().expect("the test executable's path");
            exe.parent().and_then(Path::parent).expect("target/<profile>").join("nanotrace-chaincode")
        }
    };
    assert!(path.is_file(), "no chaincode server at {}: run `cargo build --workspace` first", path.display());
    path
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into()
}

/// A `nanotrace-verifier --source fabric` process; killed (SIGKILL) when dropped.
struct Verifier {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    http: ureq::Agent,
}

impl Verifier {
    fn start(profile: &Path, cache: &Path, log: &Path) -> Verifier {
        let mut cmd = Command::new(bin(cache.parent().expect("the cache's folder")));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("NANOTRACE_") {
                cmd.env_remove(&name);
            }
        }
        cmd.args(["--source", "fabric", "--listen", "127.0.0.1:0", "--poll-ms", "100", "--log", "info"])
            .arg("--profile")
            .arg(profile)
            .arg("--cache-dir")
            .arg(cache)
            .args([
                "--max-staleness-secs",
                &MAX_STALENESS.to_string(),
                "--rate-per-sec",
                "10000",
                "--rate-burst",
                "10000",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file"));
        let mut child = cmd.spawn().expect("start nanotrace-verifier");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.trim().parse::<SocketAddr>());
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(addr)) => addr,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no `listening on` line ({other:?}); log:\n{}", std::fs::read_to_string(log).unwrap_or_default())
            }
        };
        Verifier { child, addr, log: log.to_owned(), http: agent() }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn get(&self, path: &str) -> (u16, String) {
        let url = format!("http://{}{path}", self.addr);
        match self.http.get(&url).call() {
            Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()),
            Err(e) => panic!("GET {url}: {e}; log:\n{}", self.log_tail()),
        }
    }

    fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let url = format!("http://{}{path}", self.addr);
        match self.http.get(&url).call() {
            Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_vec().unwrap_or_default()),
            Err(e) => panic!("GET {url}: {e}"),
        }
    }

    /// The API's verdict on `id`.
    fn verdict(&self, id: &str) -> String {
        let (status, body) = self.get(&format!("/api/v1/certificates/{id}"));
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status} {body}: {e}"));
        value["verdict"].as_str().unwrap_or_else(|| panic!("no verdict in {body}")).to_owned()
    }

    fn ready(&self) -> (u16, String) {
        self.get("/readyz")
    }

    /// Waits until `/readyz` is 200; returns how long that took.
    fn wait_ready(&self, timeout: Duration) -> Duration {
        let t = Instant::now();
        loop {
            let (status, body) = self.ready();
            if status == 200 {
                return t.elapsed();
            }
            assert!(t.elapsed() < timeout, "not ready after {timeout:?}: {body}\nlog:\n{}", self.log_tail());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the API's verdict on `id` is `want`; returns how long that took.
    fn wait_verdict(&self, id: &str, want: &str, timeout: Duration) -> Duration {
        let t = Instant::now();
        loop {
            let got = self.verdict(id);
            if got == want {
                return t.elapsed();
            }
            assert!(
                t.elapsed() < timeout,
                "{id}: still {got} after {timeout:?}, want {want}\nlog:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn stop(&mut self) {
        process::kill_pid(self.child.id(), "TERM");
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill9();
    }
}

impl Drop for Verifier {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The identities of the test, with alice's issuer key on the trust list.
struct World {
    admin: Client,
    alice_actor: Actor,
    dave: Client,
    alice: Client,
    rita: Client,
    certifier_msp: String,
    signer: IssuerSigner,
}

impl World {
    fn apply(&self, batch: &str) -> String {
        self.dave.apply(&nanotrace_testkit::sample_application(batch)).wait().expect("Apply as dave").value
    }

    /// Approves through alice's gateway — the Certifier's peer, which may commit dave's
    /// Apply (committed on the Manufacturer's peer) a block later: NOT_FOUND is retried
    /// for up to 10 s, anything else fails at once.
    fn approve(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.alice.approve(id, &self.signer, &self.certifier_msp, now(), None).wait() {
                Ok(_) => return,
                Err(e) if e.code() == Some("NOT_FOUND") && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(e) => panic!("Approve {id}: {e}"),
            }
        }
    }

    fn issued(&self, batch: &str) -> String {
        let id = self.apply(batch);
        self.approve(&id);
        id
    }
}

fn setup(net: &Network) -> World {
    let admin = client(net, "regulator-admin");
    let dave = client(net, "manufacturer-dave");
    let alice = client(net, "certifier-alice");
    let rita = client(net, "regulator-rita");
    let alice_actor = alice.who_am_i().wait().expect("WhoAmI").identity;
    let grants = Grants { certifier: &alice_actor, auditor: None, label: "verifier on fabric" };
    let signer = govern(&admin, &MspIds::from_vars(|v| net.var(v)), &grants);
    World { admin, alice_actor, dave, alice, rita, certifier_msp: net.var("CERTIFIER_MSP_ID"), signer }
}

#[test]
fn without_a_peer() {
    fake::run();
}

#[test]
fn verifier_on_fabric() {
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
    net.deploy("nanotrace", port_base + 90, &server);
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
        w.alice.revoke(&id, "contamination confirmed").wait().expect("Revoke");
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
    w.alice.revoke(&later, "revoked while the verifier was down").wait().expect("Revoke");
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
    v.stop();
    let txs = load(&net, 2000, 32);
    eprintln!("[verifier-fabric] committed {txs} Apply transactions with 32 in flight while the verifier was stopped");
    let mut kills = 0;
    for round in 0..4 {
        let mut v = Verifier::start(&profile, &cache, &log);
        std::thread::sleep(Duration::from_millis(1500 + 700 * round));
        if v.ready().0 == 200 {
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

    let _ = restarted.try_wait();
    net.down(false);
    let _ = restarted.wait();
    eprintln!("[verifier-fabric] steps: {steps} passed, 0 failed");
}

/// Sends SIGCONT to a paused process when dropped, so a failing step never leaves the
/// peer stopped (and the network's teardown waiting on it).
struct Paused(u32);

impl Drop for Paused {
    fn drop(&mut self) {
        process::kill_pid(self.0, "CONT");
    }
}

/// A well-formed certificate ID no ledger has.
fn unknown_id(tag: &str) -> String {
    nanotrace_model::ids::certificate_id(&format!("no such transaction {tag} {}", now()), 0)
}

/// Times one API answer.
fn timed_verdict(v: &Verifier, id: &str) -> (String, Duration) {
    let t = Instant::now();
    let verdict = v.verdict(id);
    (verdict, t.elapsed())
}

/// Asks for `id` until UNVERIFIABLE (asserting every earlier answer is `before` and every
/// answer comes within `bound`); returns when the first UNVERIFIABLE came, the slowest
/// answer and the number of answers.
fn until_unverifiable(
    v: &Verifier,
    id: &str,
    before: &str,
    bound: Duration,
    limit: Duration,
) -> (Duration, Duration, usize) {
    let t = Instant::now();
    let (mut slowest, mut answers) = (Duration::ZERO, 0);
    loop {
        let (verdict, took) = timed_verdict(v, id);
        answers += 1;
        slowest = slowest.max(took);
        assert!(took < bound, "{id}: an answer took {took:?} (bound {bound:?})\nlog:\n{}", v.log_tail());
        if verdict == "UNVERIFIABLE" {
            return (t.elapsed(), slowest, answers);
        }
        assert_eq!(verdict, before, "{id} before it became UNVERIFIABLE");
        assert!(t.elapsed() < limit, "{id} still {verdict} after {limit:?}\nlog:\n{}", v.log_tail());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Step 5b: SIGSTOP / SIGCONT of the peer the verifier reads.
fn paused(v: &Verifier, w: &World, peer: u32, valid: &str) {
    assert_eq!(v.verdict(valid), "VALID");
    let bound = Duration::from_secs(2);
    assert!(process::kill_pid(peer, "STOP"), "SIGSTOP the Regulator's peer");
    let guard = Paused(peer);
    let (unverifiable_after, slowest, answers) =
        until_unverifiable(v, valid, "VALID", bound, Duration::from_secs(MAX_STALENESS + 20));
    assert!(
        unverifiable_after <= Duration::from_secs(MAX_STALENESS + 2),
        "VALID for {unverifiable_after:?} after the peer was paused (limit {MAX_STALENESS} s)"
    );
    // Once the follower's first call has run into its deadline (5 s) the peer is taken as
    // down (/readyz says why).
    let t = Instant::now();
    let why = loop {
        let (status, why) = v.ready();
        assert_eq!(status, 503, "{why}");
        if why.contains("unreachable") {
            break why;
        }
        assert!(t.elapsed() < Duration::from_secs(15), "/readyz does not say the peer failed: {why}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(why.contains("GetChainInfo"), "{why}");
    // Certificates the cache does not hold are then not asked of the paused peer: answered
    // UNVERIFIABLE (the ledger cannot say UNKNOWN now) within the bound, every time.
    let mut miss_times = Vec::new();
    for i in 0..5 {
        let (verdict, took) = timed_verdict(v, &unknown_id(&format!("paused {i}")));
        assert_eq!(verdict, "UNVERIFIABLE", "a certificate the cache does not hold, peer paused");
        assert!(took < bound, "a miss took {took:?} with the peer paused\nlog:\n{}", v.log_tail());
        miss_times.push(took);
    }
    // Held paused past one gateway deadline (5 s), then resumed.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(v.verdict(valid), "UNVERIFIABLE");
    let paused_for = unverifiable_after + Duration::from_secs(3);
    drop(guard);
    let t = Instant::now();
    v.wait_verdict(valid, "VALID", Duration::from_secs(30));
    let back = t.elapsed();
    v.wait_ready(Duration::from_secs(10));
    assert_eq!(v.verdict(&unknown_id("resumed")), "UNKNOWN", "the peer answers misses again");
    let id = w.issued("LOT-VF-AFTER-PAUSE");
    v.wait_verdict(&id, "VALID", Duration::from_secs(10));
    w.alice.revoke(&id, "revoked after the pause").wait().expect("Revoke");
    let revoked = v.wait_verdict(&id, "REVOKED", Duration::from_secs(10));
    eprintln!(
        "[verifier-fabric] ok 5b: peer paused (SIGSTOP) → UNVERIFIABLE after {unverifiable_after:.1?} (limit \
         {MAX_STALENESS} s), {answers} answers, slowest {slowest:.0?}; misses UNVERIFIABLE in {:?}; after \
         {paused_for:.1?} paused, SIGCONT → VALID after {back:.1?}, a revocation REVOKED after {revoked:.1?}, same process",
        miss_times.iter().map(|d| format!("{:.0} ms", d.as_secs_f64() * 1000.0)).collect::<Vec<_>>()
    );
}

/// Step 5c: the verifier reading its peer through a latency proxy.
fn slow(net: &Network, w: &World, profile: &Path, cache: &Path, log: &Path, valid: &str) {
    let text = std::fs::read_to_string(profile).expect("profile");
    let peer: SocketAddr = net.var("REGULATOR_PEER_ADDRESS").parse().expect("the peer's address");
    let proxy = proxy::Proxy::start(peer);
    let proxied = profile.with_file_name("regulator-rita-proxied.yaml");
    let rewritten = text.replacen(&format!("address: {peer}"), &format!("address: {}", proxy.addr), 1);
    assert_ne!(rewritten, text, "the profile names the gateway's address");
    std::fs::write(&proxied, rewritten).expect("write the proxied profile");
    proxy.set_delay(Duration::from_millis(250));
    let v = Verifier::start(&proxied, cache, log);
    let ready = v.wait_ready(Duration::from_secs(60));
    let (verdict, took) = timed_verdict(&v, valid);
    assert_eq!(verdict, "VALID");
    let id = w.issued("LOT-VF-SLOW");
    v.wait_verdict(&id, "VALID", Duration::from_secs(20));
    w.alice.revoke(&id, "revoked behind a slow link").wait().expect("Revoke");
    let revoked = v.wait_verdict(&id, "REVOKED", Duration::from_secs(20));
    // Slower than the gateway's call deadline (5 s): every call fails, fail closed.
    proxy.set_delay(Duration::from_secs(7));
    let (unverifiable_after, slowest, answers) =
        until_unverifiable(&v, valid, "VALID", Duration::from_secs(2), Duration::from_secs(MAX_STALENESS + 20));
    assert!(
        unverifiable_after <= Duration::from_secs(MAX_STALENESS + 3),
        "VALID for {unverifiable_after:?} after the link became slower than the deadline"
    );
    // The staleness limit (4 s) comes before the first call runs into its deadline (5 s):
    // once one has, /readyz says so and misses are no longer asked of the peer.
    let t = Instant::now();
    while !v.ready().1.contains("unreachable") {
        assert!(t.elapsed() < Duration::from_secs(15), "/readyz does not say the peer failed: {}", v.ready().1);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(v.ready().0, 503);
    let (verdict, miss) = timed_verdict(&v, &unknown_id("slow"));
    assert_eq!(verdict, "UNVERIFIABLE");
    assert!(miss < Duration::from_secs(2), "a miss took {miss:?} behind a link slower than the deadline");
    proxy.set_delay(Duration::ZERO);
    let t = Instant::now();
    v.wait_verdict(valid, "VALID", Duration::from_secs(60));
    let back = t.elapsed();
    v.wait_ready(Duration::from_secs(10));
    let id = w.issued("LOT-VF-AFTER-SLOW");
    v.wait_verdict(&id, "VALID", Duration::from_secs(10));
    w.alice.revoke(&id, "revoked after the slow link").wait().expect("Revoke");
    let revoked_after = v.wait_verdict(&id, "REVOKED", Duration::from_secs(10));
    let mut v = v;
    v.stop();
    drop(proxy);
    let _ = std::fs::remove_file(&proxied);
    eprintln!(
        "[verifier-fabric] ok 5c: behind a 250 ms (each way) link: ready after {ready:.1?}, an answer in {took:.0?}, a \
         revocation REVOKED after {revoked:.1?}; at 7 s (past the 5 s deadline) UNVERIFIABLE after \
         {unverifiable_after:.1?} ({answers} answers, slowest {slowest:.0?}), a miss UNVERIFIABLE in {miss:.0?}; back \
         to 0 → VALID after {back:.1?}, a revocation REVOKED after {revoked_after:.1?}, same process"
    );
}

/// Commits `n` Apply transactions through `parallel` gateway connections at once (so
/// blocks carry several); returns how many committed.
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

/// A trust-list entry as compared: key ID, public key, retirement time.
type KeyRow = (String, String, Option<i64>);

/// The [`KeyRow`]s of `/api/v1/issuers`.
fn trust_list(body: &str) -> Vec<KeyRow> {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"));
    let keys = value.as_array().cloned().or_else(|| value["issuers"].as_array().cloned()).expect("a list");
    keys.iter()
        .map(|k| {
            let text = |f: &str| k[f].as_str().unwrap_or_default().to_owned();
            (text("key_id"), text("public_key"), k["retired_at"].as_i64())
        })
        .collect()
}

/// The same of the trust list read from Fabric.
fn from_fabric(keys: &[IssuerKey]) -> Vec<KeyRow> {
    keys.iter().map(|k| (k.key_id.clone(), k.public_key.clone(), k.retired_at)).collect()
}

fn decode_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("png");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * info.line_size + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}
