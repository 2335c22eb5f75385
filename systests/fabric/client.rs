//! Steps with our Gateway client (`NanoTrace<GatewayTransport>`, from the connection
//! profiles `network.sh up` wrote into the run folder) next to Fabric's own `peer` CLI:
//! each reads back what the other wrote, byte for byte; `nanotrace events --follow`
//! as a child process, killed and resumed from its checkpoint; clear, bounded errors
//! for an unreachable gateway and an expired deadline.

use crate::network::Network;
use crate::peer::PeerCli;
use crate::process;
use crate::steps::{application, now, World};
use nanotrace_client::Wait;
use nanotrace_client::{GatewayTransport, NanoTrace, Transport};
use nanotrace_fabric_gateway::{ConnectionProfile, Deadlines};
use nanotrace_model::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) fn profile(net: &Network, name: &str) -> PathBuf {
    let path = net.run_dir.join(format!("profiles/{name}.yaml"));
    assert!(path.is_file(), "no connection profile {}", path.display());
    path
}

pub(crate) fn client(net: &Network, name: &str) -> NanoTrace<GatewayTransport> {
    let path = profile(net, name);
    NanoTrace::new(GatewayTransport::from_profile(&path).wait().unwrap_or_else(|e| panic!("connect as {name}: {e}")))
}

/// The one argument of the queries on one certificate.
pub(crate) fn id_arg(id: &str) -> Vec<Vec<u8>> {
    vec![serde_json::to_vec(&CertificateIdRequest { certificate_id: id.to_owned() }).expect("json")]
}

/// The raw payload of `GetCertificate` through our client and through the peer CLI.
fn both_reads(ours: &NanoTrace<GatewayTransport>, cli: &PeerCli, id: &str) -> (Vec<u8>, Vec<u8>) {
    let arg = id_arg(id);
    let mine =
        ours.transport().evaluate(Function::GetCertificate.name(), &arg).wait().expect("GetCertificate (gateway)");
    let theirs = cli.query(Function::GetCertificate.name(), &arg).expect("GetCertificate (peer CLI)");
    (mine, theirs)
}

/// (a) Fabric's `peer` CLI submits an Apply; our client, as dave's profile says, reads it back.
pub(crate) fn peer_submits_client_reads(w: &World, net: &Network) {
    let applied = w.apply("LOT-E2E-PEER-TO-CLIENT");
    let id = applied.value;
    let ours = client(net, "manufacturer-dave");
    let cert = ours.get_certificate(&id).wait().expect("GetCertificate through the gateway");
    assert_eq!((cert.id.as_str(), cert.status), (id.as_str(), CertificateStatus::Pending));
    assert_eq!(cert.last_change.tx_id, applied.tx_id, "the transaction the peer CLI reported");
    assert_eq!(ours.verify(&id).wait().expect("Verify").verdict, Verdict::Pending);
    let history = ours.history(&id).wait().expect("History through the gateway");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].tx_id, applied.tx_id);
    let (mine, theirs) = both_reads(&ours, &w.rita, &id);
    assert_eq!(mine, theirs, "the same certificate JSON, byte for byte");
    eprintln!("      peer CLI applied {id} in tx {}; our client read {} bytes, identical", applied.tx_id, mine.len());
}

/// (b) Our client applies (dave) and approves with alice's issuer signature (alice); the
/// peer CLI reads the certificate back, byte for byte as our client does.
pub(crate) fn client_submits_peer_reads(w: &World, net: &Network) {
    let dave = client(net, "manufacturer-dave");
    let alice = client(net, "certifier-alice");
    let applied = dave.apply(&application("LOT-E2E-CLIENT-TO-PEER")).wait().expect("Apply through the gateway");
    let id = applied.value.clone();
    assert_eq!(id, nanotrace_model::ids::certificate_id(&applied.tx_id, 0));
    w.expect(&id, CertificateStatus::Pending);
    crate::steps::wait_visible(&alice, &id);
    let approved = alice
        .approve(&id, &w.signer, &w.certifier_msp, now(), None)
        .wait()
        .expect("Approve through the gateway as alice");
    w.expect(&id, CertificateStatus::Active);
    // The peer CLI reads on the Regulator's peer, which may commit the approval a moment
    // after the Certifier's acknowledged it.
    crate::steps::wait_status(&NanoTrace::new(w.rita.clone()), &id, CertificateStatus::Active);
    let (mine, theirs) = both_reads(&alice, &w.rita, &id);
    assert_eq!(mine, theirs, "the same certificate JSON, byte for byte");
    let cert: Certificate = serde_json::from_slice(&theirs).expect("the peer CLI's payload is a certificate");
    assert_eq!(cert.status, CertificateStatus::Active);
    assert_eq!(cert.last_change.tx_id, approved.tx_id);
    let issuance = cert.issuance.expect("issued");
    assert_eq!(issuance.approved_by, w.alice_actor);
    assert_eq!(issuance.issuer_key_id, w.signer.key_id);
    // The peer CLI's Verify agrees (the signature checks on the peer's copy).
    let verdict = NanoTrace::new(w.rita.clone()).verify(&id).wait().expect("Verify through the peer CLI");
    assert_eq!(verdict.verdict, Verdict::Valid, "{verdict:?}");
    let mine = alice.transport().evaluate(Function::History.name(), &id_arg(&id)).wait().expect("History");
    let theirs = w.rita.query(Function::History.name(), &id_arg(&id)).expect("History (peer CLI)");
    assert_eq!(mine, theirs, "the same History JSON, byte for byte");
    eprintln!(
        "      our client applied and approved {id} (txs {}, {}); the peer CLI reads the same {} bytes",
        applied.tx_id,
        approved.tx_id,
        mine.len()
    );
}

/// One `nanotrace events --follow --json` child and the lines it printed.
pub(crate) struct Follower {
    child: Child,
    lines: Arc<Mutex<Vec<serde_json::Value>>>,
    stderr: PathBuf,
}

impl Follower {
    pub(crate) fn start(net: &Network, checkpoint: &Path, start_block: Option<u64>, tag: &str) -> Follower {
        let stderr = net.scratch().join(format!("events-{tag}.err"));
        let mut cmd = Command::new(nanotrace_systests::nanotrace_cli());
        cmd.args(["--network", "fabric", "--profile"])
            .arg(profile(net, "regulator-rita"))
            .args(["--json", "events", "--follow", "--checkpoint"])
            .arg(checkpoint);
        if let Some(n) = start_block {
            cmd.args(["--start-block", &n.to_string()]);
        }
        cmd.env_remove("NANOTRACE_DATA_DIR")
            .env_remove(crate::network::MARKER_VAR)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        process::new_process_group(&mut cmd);
        let mut child = cmd.spawn().expect("start nanotrace events --follow");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value: serde_json::Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| serde_json::json!({ "unparsable": line, "error": e.to_string() }));
                sink.lock().expect("lines").push(value);
            }
        });
        Follower { child, lines, stderr }
    }

    pub(crate) fn tx_ids(&self) -> Vec<String> {
        self.lines.lock().expect("lines").iter().map(|v| v["tx_id"].as_str().unwrap_or("?").to_owned()).collect()
    }

    pub(crate) fn wait_for(&self, txs: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let seen: BTreeSet<String> = self.tx_ids().into_iter().collect();
            if txs.iter().all(|t| seen.contains(t)) {
                return;
            }
            let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
            assert!(Instant::now() < deadline, "events --follow did not print {txs:?} within 60 s; stderr: {stderr}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM: stops after the event being printed, exit 0, within 10 s.
    pub(crate) fn stop(&mut self) -> Vec<serde_json::Value> {
        assert!(process::kill_pid(self.child.id(), "TERM"), "kill -TERM");
        let status = process::wait_deadline(&mut self.child, Duration::from_secs(10)).expect("events stops on SIGTERM");
        let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        assert!(status.success(), "events --follow after SIGTERM: {status:?}; stderr: {stderr}");
        assert!(stderr.contains("stopped after"), "{stderr}");
        std::thread::sleep(Duration::from_millis(200));
        let lines = self.lines.lock().expect("lines").clone();
        lines
    }
}

impl Drop for Follower {
    /// A step that fails leaves no follower behind.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            process::kill_group(self.child.id(), "KILL");
            let _ = self.child.wait();
        }
    }
}

/// Applies `n` times at once through our client (one gateway connection each), so
/// that several transactions land in one block. Returns the transaction IDs.
fn concurrent_applies(net: &Network, w: &World, n: usize, tag: &str) -> Vec<String> {
    let path = profile(net, "manufacturer-dave");
    let clients: Vec<NanoTrace<GatewayTransport>> = (0..n)
        .map(|_| NanoTrace::new(GatewayTransport::from_profile(&path).wait().expect("connect as dave")))
        .collect();
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let handles: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let barrier = Arc::clone(&barrier);
            let app = application(&format!("LOT-E2E-EVENTS-{tag}-{i}"));
            std::thread::spawn(move || {
                barrier.wait();
                c.apply(&app).wait().expect("concurrent Apply")
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| {
            let applied = h.join().expect("apply thread");
            w.expect(&applied.value, CertificateStatus::Pending);
            applied.tx_id
        })
        .collect()
}

/// (c) `nanotrace events --follow --checkpoint F --json` sees the events of the
/// transactions committed while it runs, in commit order; stopped (SIGTERM) and
/// restarted with the same file it loses and repeats none, also across blocks of several
/// transactions; a third run from a checkpoint in the middle of such a block prints
/// exactly the rest.
pub(crate) fn events_follow(w: &World, net: &Network) {
    std::fs::create_dir_all(net.scratch()).expect("scratch");
    let checkpoint = net.scratch().join("events.checkpoint.json");
    let _ = std::fs::remove_file(&checkpoint);
    let start = w.height(); // the next block to commit
    let mut submitted: Vec<String> = Vec::new();

    let mut first = Follower::start(net, &checkpoint, Some(start), "1");
    for i in 0..3 {
        submitted.push(w.apply(&format!("LOT-E2E-EVENTS-SEQ-{i}")).tx_id);
    }
    submitted.extend(concurrent_applies(net, w, 6, "A"));
    first.wait_for(&submitted);
    let run1 = first.stop();
    let saved = std::fs::read_to_string(&checkpoint).expect("the checkpoint file");
    eprintln!("      first run: {} events; checkpoint {saved}", run1.len());

    // While nothing follows: sequential and concurrent transactions.
    let mut missed = vec![w.apply("LOT-E2E-EVENTS-WHILE-DOWN").tx_id];
    missed.extend(concurrent_applies(net, w, 6, "B"));
    submitted.extend(missed.iter().cloned());

    // Restarted with the same checkpoint (its --start-block is ignored: the checkpoint wins).
    let mut second = Follower::start(net, &checkpoint, Some(start), "2");
    missed.push(w.apply("LOT-E2E-EVENTS-AFTER").tx_id);
    submitted.push(missed[missed.len() - 1].clone());
    second.wait_for(&missed);
    let run2 = second.stop();

    let all: Vec<serde_json::Value> = run1.iter().chain(run2.iter()).cloned().collect();
    let txs: Vec<String> = all.iter().map(|v| v["tx_id"].as_str().expect("tx_id").to_owned()).collect();
    let unique: BTreeSet<&String> = txs.iter().collect();
    assert_eq!(unique.len(), txs.len(), "no event repeated across the restart: {txs:?}");
    for t in &submitted {
        assert!(unique.contains(t), "the event of {t} was lost");
    }
    assert_eq!(txs.len(), submitted.len(), "exactly the events of the transactions submitted: {txs:?}");
    let blocks: Vec<u64> = all.iter().map(|v| v["block_number"].as_u64().expect("block_number")).collect();
    assert!(blocks.windows(2).all(|b| b[0] <= b[1]), "commit order: {blocks:?}");
    assert!(blocks[0] >= start);
    // Sequential submissions appear in their order.
    let pos = |t: &String| txs.iter().position(|x| x == t).expect("seen");
    assert!(pos(&submitted[0]) < pos(&submitted[1]) && pos(&submitted[1]) < pos(&submitted[2]));
    assert!(pos(&missed[0]) < pos(submitted.last().expect("last")));
    for v in &all {
        assert_eq!(v["event_name"], "CertificateApplied", "{v}");
        assert_eq!(v["certificate_ids"].as_array().map(Vec::len), Some(1), "{v}");
        assert_eq!(v["status"], "PENDING", "{v}");
    }
    let mut per_block: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (b, t) in blocks.iter().zip(&txs) {
        per_block.entry(*b).or_default().push(t.clone());
    }
    let multi: Vec<(u64, usize)> = per_block.iter().filter(|(_, t)| t.len() > 1).map(|(b, t)| (*b, t.len())).collect();
    eprintln!(
        "      {} events in blocks {}..={}, none lost or repeated across the restart; blocks with several transactions: {multi:?}",
        txs.len(),
        blocks[0],
        blocks[blocks.len() - 1]
    );

    // A checkpoint in the middle of a block of several transactions: the rest, exactly.
    if let Some((block, _)) = multi.first() {
        let in_block = &per_block[block];
        let mid = net.scratch().join("events.mid.json");
        std::fs::write(&mid, serde_json::json!({ "blockNumber": block, "transactionId": in_block[0] }).to_string())
            .expect("write checkpoint");
        let k = txs.iter().position(|t| t == &in_block[0]).expect("seen");
        let want: Vec<String> = txs[k + 1..].to_vec();
        let mut third = Follower::start(net, &mid, None, "3");
        third.wait_for(&want);
        let run3: Vec<String> = third.stop().iter().map(|v| v["tx_id"].as_str().unwrap_or("?").to_owned()).collect();
        assert_eq!(run3, want, "resumed after {} in block {block}: exactly the rest", in_block[0]);
        eprintln!(
            "      resumed mid-block {block} (after 1 of {}): the {} later events, exactly",
            in_block.len(),
            want.len()
        );
    } else {
        panic!("no block held several of the concurrent transactions: {per_block:?}");
    }
}

/// (d) An unreachable gateway address and an expired deadline: clear errors, no hang.
pub(crate) fn unreachable_and_deadline(w: &World, net: &Network) {
    let good = profile(net, "manufacturer-dave");
    let parsed = ConnectionProfile::load(&good).expect("profile");
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let text = std::fs::read_to_string(&good).expect("read profile");
    let bad_address = format!("127.0.0.1:{free}");
    let text = text.replace(&format!("address: {}", parsed.gateway.address), &format!("address: {bad_address}"));
    let bad = net.scratch().join("unreachable-dave.yaml");
    std::fs::write(&bad, text).expect("write profile");
    for args in [vec!["whoami"], vec!["verify", "NT-AAAAAAAAAAAA"], vec!["events", "--follow"]] {
        let mut cmd = Command::new(nanotrace_systests::nanotrace_cli());
        cmd.args(["--network", "fabric", "--profile"]).arg(&bad).args(&args).env_remove(crate::network::MARKER_VAR);
        let out = process::run_bounded(cmd, Duration::from_secs(30), net.scratch());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", out.all());
        assert!(
            out.stderr.contains("cannot reach the Fabric gateway") && out.stderr.contains(&bad_address),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.trim().lines().count(), 1, "one line: {}", out.stderr);
        assert!(out.elapsed < Duration::from_secs(15), "{args:?} took {:?}", out.elapsed);
        eprintln!("      unreachable gateway, {args:?} in {:.1?}: {}", out.elapsed, out.stderr.trim());
    }

    // A deadline too short for any call: DEADLINE_EXCEEDED at once, for each stage.
    let tiny = Duration::from_micros(1);
    let deadlines = Deadlines { evaluate: tiny, endorse: tiny, submit: tiny, commit_status: tiny };
    let options = parsed.connect_options().expect("options").deadlines(deadlines);
    let transport = GatewayTransport::connect(
        parsed.signing_identity().expect("identity"),
        options,
        &parsed.channel,
        &parsed.chaincode,
    )
    .wait()
    .expect("connect with tiny deadlines");
    let api = NanoTrace::new(transport);
    let height = w.height();
    let t = Instant::now();
    let err = api.verify("NT-AAAAAAAAAAAA").wait().expect_err("an evaluate past its deadline");
    assert!(err.to_string().to_lowercase().contains("deadline"), "{err}");
    let err2 = api.apply(&application("LOT-E2E-DEADLINE")).wait().expect_err("an endorse past its deadline");
    assert!(err2.to_string().to_lowercase().contains("deadline"), "{err2}");
    assert!(t.elapsed() < Duration::from_secs(5), "bounded: {:?}", t.elapsed());
    assert_eq!(w.height(), height, "nothing ordered");
    eprintln!(
        "      expired deadlines in {:.1?}: {} / {}",
        t.elapsed(),
        first(&err.to_string()),
        first(&err2.to_string())
    );
}

fn first(s: &str) -> String {
    s.lines().next().unwrap_or_default().chars().take(200).collect()
}

/// The last step: the gateway peer of a running `events --follow` dies (SIGKILL of the
/// Regulator's peer): the follower exits 1 with a one-line error, within seconds, never
/// a silent stop or a hang.
pub(crate) fn peer_dies_mid_stream(w: &World, net: &Network) {
    let checkpoint = net.scratch().join("events.dies.json");
    let _ = std::fs::remove_file(&checkpoint);
    let mut follower = Follower::start(net, &checkpoint, None, "dies");
    std::thread::sleep(Duration::from_secs(2)); // the stream opens
    let tx = w.apply("LOT-E2E-EVENTS-BEFORE-DEATH").tx_id;
    follower.wait_for(std::slice::from_ref(&tx));
    let pid_file = net.run_dir.join("pids/peer0.regulator.nanotrace.test.pid");
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap_or_else(|e| panic!("{}: {e}", pid_file.display()))
        .trim()
        .parse()
        .expect("pid");
    assert!(process::kill_pid(pid, "KILL"), "kill -9 the Regulator's peer");
    let t = Instant::now();
    let status = process::wait_deadline(&mut follower.child, Duration::from_secs(20))
        .expect("events --follow exits when its peer dies");
    let stderr = std::fs::read_to_string(&follower.stderr).unwrap_or_default();
    assert_eq!(status.code(), Some(1), "exit 1: {stderr}");
    assert!(stderr.contains("the chaincode event stream broke"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    let saved = std::fs::read_to_string(&checkpoint).expect("checkpoint");
    assert!(saved.contains(&tx), "the checkpoint kept the last event printed: {saved}");
    eprintln!("      peer killed; events --follow exited 1 after {:.1?}: {}", t.elapsed(), stderr.trim());
}
