//! The end-to-end suite on a real Hyperledger Fabric 3.1 network (issue 11).
//!
//! `scripts/network.sh up` starts a network of the suite's own (run folder
//! `.run/fabric-e2e`, ports from 19050, so a developer's network is never touched),
//! `deploy nanotrace --tls --server <target>/debug/nanotrace-chaincode` runs our Rust
//! CCaaS server with mutual TLS, and Fabric's own `peer` CLI drives the contract:
//! `peer chaincode invoke --waitForEvent` with the endorsing peers each step names, and
//! `peer chaincode query` on the Regulator's peer. The network is torn down when the
//! suite ends, when it panics (the guard's `Drop`), and, should the test process be
//! killed, by a watchdog process.
//!
//! `client.rs` puts our Gateway client (`NanoTrace<GatewayTransport>`, from the
//! connection profiles in the run folder) next to the `peer` CLI: each reads back what the
//! other wrote, byte for byte; `nanotrace events --follow --checkpoint` runs as a child
//! process, stopped and resumed from its checkpoint; an unreachable gateway and expired
//! deadlines are clear, bounded errors. `go_client.rs` does the same with Fabric's own Go
//! Gateway client (`fabric-gateway/tests/go-gateway`); `batch_cli.rs` runs `nanotrace batch
//! approve` on a terminal against the network; `consignment.rs` checks a consignment of
//! 1,000 items through the public verifier and the CLI; `credentials.rs` refuses a batch
//! of approvals with one bad credential proof (nothing written) and races two approvals
//! for one status-list range.
//!
//! Without Fabric binaries (`FABRIC_BIN_DIR`, default `~/.local/share/fabric/bin`) the
//! suite prints `FABRIC SUITE SKIPPED: …` and passes.
//!
//! ```sh
//! cargo test --workspace --test fabric -- --nocapture
//! ```
//!
//! The chaincode server is the workspace's `nanotrace-chaincode` binary next to this test
//! executable (`cargo test --workspace` builds it), or `NANOTRACE_CHAINCODE_BIN`.
//! Other variables: `NANOTRACE_FABRIC_E2E_RUN_DIR`, `NANOTRACE_FABRIC_E2E_PORT_BASE`,
//! `NANOTRACE_FABRIC_E2E_ORDERING=bft` (four SmartBFT orderers) and
//! `NANOTRACE_FABRIC_E2E_HOSTS=1` (each organisation in a network namespace of its own);
//! `NANOTRACE_FABRIC_E2E_STEPS=m',n` runs the setup, the labelled steps named and the
//! check that nothing was lost, leaving the others out (`scripts/test.sh` runs the whole
//! suite on BFT with hosts, and on Raft only what differs there).

mod batch_cli;
mod billing;
mod ca_members;
mod client;
mod client_ref;
mod consignment;
mod console;
mod credentials;
mod go_client;
mod migration;
mod node_client;
#[allow(dead_code)] // shared with the other Fabric suites, which use all of it
mod notify;
mod operations;
mod peer;
mod stack;
mod steps;
mod upgrade;

use nanotrace_testkit::fabric::{governance, network, process};
use network::{Fabric, Network};
use peer::{NetInfo, CHAINCODE};
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// The chaincode server binary ([`nanotrace_systests::chaincode_server`]), checked to be
/// newer than the sources it is built from.
fn chaincode_server(root: &Path) -> PathBuf {
    let path = nanotrace_systests::chaincode_server();
    // `cargo test -p nanotrace-systests --test fabric` does not rebuild other packages' binaries: say so loudly
    // when the binary is older than the sources it is built from.
    let built = std::fs::metadata(&path).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
    let newer: Vec<PathBuf> = ["chaincode/ccaas/src", "chaincode/src", "model/src", "protos"]
        .iter()
        .flat_map(|d| rust_sources(&root.join(d)))
        .filter(|f| std::fs::metadata(f).and_then(|m| m.modified()).is_ok_and(|m| m > built))
        .collect();
    if !newer.is_empty() {
        eprintln!(
            "[fabric] WARNING: {} is older than {} source file(s), e.g. {}; run `cargo build --workspace` first",
            path.display(),
            newer.len(),
            newer[0].display()
        );
    }
    path
}

/// The chaincode server of the version before the write-once layout
/// (`NANOTRACE_LEGACY_CHAINCODE_BIN`, which `scripts/test.sh` sets from
/// `scripts/legacy-chaincode.sh`); without it the migration steps are skipped, loudly (a
/// failure where Fabric is required).
fn legacy_chaincode_server() -> Option<PathBuf> {
    match std::env::var_os("NANOTRACE_LEGACY_CHAINCODE_BIN") {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(path.is_file(), "NANOTRACE_LEGACY_CHAINCODE_BIN={} is not a file", path.display());
            Some(path)
        }
        None => {
            nanotrace_testkit::skip::skip(
                nanotrace_testkit::skip::LEGACY,
                "the Fabric suite's migration steps (a ledger of the version before the write-once layout, upgraded)",
                "NANOTRACE_LEGACY_CHAINCODE_BIN is not set (scripts/legacy-chaincode.sh builds that server)",
            );
            None
        }
    }
}

fn rust_sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs" || x == "proto") {
            out.push(p);
        }
    }
    out
}

/// Runs the steps, each caught on its own, and reports them.
struct Steps {
    results: Vec<(String, Duration, Result<(), String>)>,
    /// `NANOTRACE_FABRIC_E2E_STEPS`: the labelled steps to run (`m'` for "(m') …"), the
    /// others left out; `None`: every step.
    only: Option<BTreeSet<String>>,
    /// The labels of the steps met, run or left out: each one asked for must be among them.
    labels: BTreeSet<String>,
}

/// A step's label: `m'` for "(m') network.sh rotate-orderer-tls: …"; `None` for a step
/// without one.
fn label(name: &str) -> Option<&str> {
    name.strip_prefix('(')?.split_once(')').map(|(label, _)| label)
}

impl Steps {
    /// Every step, or the labelled steps `NANOTRACE_FABRIC_E2E_STEPS` names (comma-separated,
    /// e.g. `m'`): scripts/test.sh runs the whole suite on BFT with one host per
    /// organisation, and on Raft only what differs there.
    fn from_env() -> Steps {
        let only = std::env::var("NANOTRACE_FABRIC_E2E_STEPS").ok().map(|list| {
            let only: BTreeSet<String> =
                list.split(',').map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
            assert!(!only.is_empty(), "NANOTRACE_FABRIC_E2E_STEPS={list:?} names no step (e.g. m' or a,b)");
            only
        });
        Steps { results: Vec::new(), only, labels: BTreeSet::new() }
    }

    /// Whether only some steps run.
    fn partial(&self) -> bool {
        self.only.is_some()
    }

    /// Runs the step unless `NANOTRACE_FABRIC_E2E_STEPS` leaves it out.
    fn run<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> Option<T> {
        let label = label(name);
        if let Some(label) = label {
            self.labels.insert(label.to_owned());
        }
        if let Some(only) = &self.only {
            if !label.is_some_and(|l| only.contains(l)) {
                eprintln!("[fabric] left out (NANOTRACE_FABRIC_E2E_STEPS): {name}");
                return None;
            }
        }
        self.always(name, f)
    }

    /// Runs the step whatever `NANOTRACE_FABRIC_E2E_STEPS` names: the setup every step
    /// needs, and the check that every certificate the steps made is where they left it.
    fn always<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> Option<T> {
        eprintln!("[fabric] step: {name}");
        let t = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(f));
        let elapsed = t.elapsed();
        match result {
            Ok(value) => {
                eprintln!("[fabric] ok   {name} ({:.1} s)", elapsed.as_secs_f64());
                self.results.push((name.to_owned(), elapsed, Ok(())));
                Some(value)
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "(no message)".to_owned());
                eprintln!("[fabric] FAIL {name} ({:.1} s): {message}", elapsed.as_secs_f64());
                self.results.push((name.to_owned(), elapsed, Err(message)));
                None
            }
        }
    }

    fn failures(&self) -> Vec<String> {
        let mut failures: Vec<String> =
            self.results.iter().filter_map(|(n, _, r)| r.as_ref().err().map(|e| format!("{n}: {e}"))).collect();
        if let Some(only) = &self.only {
            let unknown: Vec<&String> = only.iter().filter(|l| !self.labels.contains(*l)).collect();
            if !unknown.is_empty() {
                failures.push(format!(
                    "NANOTRACE_FABRIC_E2E_STEPS names {unknown:?}, which no step has (the labels: {:?})",
                    self.labels
                ));
            }
        }
        failures
    }
}

fn median_ms(times: &[Duration]) -> f64 {
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    ms.get(ms.len() / 2).copied().unwrap_or(f64::NAN)
}

/// A folder whose `fabric-ca-client` appends its command line to a log and runs the real
/// one (`fabric-ca-server` is the real one), given to network.sh as FABRIC_CA_BIN_DIR; the
/// folder and the log. `None` when no Fabric CA is built yet (network.sh builds it).
fn ca_client_recorder(net: &mut Network) -> Option<(tempfile::TempDir, PathBuf)> {
    use std::os::unix::fs::PermissionsExt as _;
    let real = nanotrace_testkit::fabric_ca::bin_dir()?;
    let dir = tempfile::tempdir().expect("a folder for the fabric-ca-client recorder");
    let log = dir.path().join("command-lines.log");
    let wrapper = dir.path().join("fabric-ca-client");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" >>'{}'\nexec '{}' \"$@\"\n",
        log.display(),
        real.join("fabric-ca-client").display()
    );
    std::fs::write(&wrapper, script).expect("the recorder");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod the recorder");
    std::os::unix::fs::symlink(real.join("fabric-ca-server"), dir.path().join("fabric-ca-server")).expect("symlink");
    net.set_env("FABRIC_CA_BIN_DIR", dir.path().to_str().expect("UTF-8 path"));
    Some((dir, log))
}

/// The recorded fabric-ca-client command lines (enrollments, registrations, revocations
/// among them) carry no password: none in a URL's user part, no `--id.secret`, no
/// bootstrap password.
fn no_secret_on_command_lines(log: &Path) {
    let lines = std::fs::read_to_string(log).expect("the recorded command lines");
    let lines: Vec<&str> = lines.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with("enroll")), "no enrollment recorded: {lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("register")), "no registration recorded: {lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("revoke")), "no revocation recorded: {lines:?}");
    for line in &lines {
        let userinfo = line.split_whitespace().any(|w| w.split_once("://").is_some_and(|(_, rest)| rest.contains('@')));
        assert!(
            !userinfo && !line.contains("secret") && !line.contains("adminpw"),
            "a secret on a command line: {line}"
        );
    }
    eprintln!("      {} fabric-ca-client command lines, none with a secret", lines.len());
}

/// One network at a time: two suites' networks at once would share two cores.
static ONE_NETWORK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn fabric_network_end_to_end() {
    let Some(fabric) = Fabric::find_or_skip("the Fabric suite (systests/fabric)") else {
        return;
    };
    let _one = ONE_NETWORK.lock().unwrap_or_else(|p| p.into_inner());
    let root = nanotrace_systests::repo_root();
    let server = chaincode_server(&root);
    let run_dir = std::env::var_os("NANOTRACE_FABRIC_E2E_RUN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".run/fabric-e2e"));
    let port_base: u16 = std::env::var("NANOTRACE_FABRIC_E2E_PORT_BASE")
        .ok()
        .map(|v| v.parse().expect("NANOTRACE_FABRIC_E2E_PORT_BASE is a port"))
        .unwrap_or(19050);
    eprintln!("[fabric] Fabric in {}, chaincode server {}", fabric.bin_dir.display(), server.display());

    let suite_start = Instant::now();
    // The guard exists before anything starts: whatever fails from here on, Drop tears down.
    let mut net = Network::new(fabric, &root, run_dir.clone(), port_base);
    // One Raft orderer by default; NANOTRACE_FABRIC_E2E_ORDERING=bft runs the suite on four
    // SmartBFT orderers, one per organisation (systests/fabric_chaos runs faults on those).
    let ordering = std::env::var("NANOTRACE_FABRIC_E2E_ORDERING").unwrap_or_else(|_| "raft".to_owned());
    net.set_env("NANOTRACE_FABRIC_ORDERING", &ordering);
    // NANOTRACE_FABRIC_E2E_HOSTS=1: each organisation a host of its own (network.sh up
    // --hosts, one network namespace per organisation).
    let hosts =
        std::env::var("NANOTRACE_FABRIC_E2E_HOSTS").is_ok_and(|v| v == "1") && net.on_hosts("the Fabric e2e suite");
    eprintln!(
        "[fabric] ordering: {ordering}; {}",
        if hosts { "one host per organisation" } else { "all on 127.0.0.1" }
    );
    // The chaincode server's port: the layout's first port for services beside the network.
    let cc_port = net.layout().service_port(0);
    // Every fabric-ca-client command line network.sh runs is recorded (a wrapper in front of
    // the real binary): no secret may be on one, where any user of the machine reads it.
    let ca_shim = ca_client_recorder(&mut net);
    let t = Instant::now();
    let up_script = net.up();
    let up_wall = t.elapsed();
    // The migration steps start the network with the last version before the write-once
    // layout (scripts/legacy-chaincode.sh builds it; scripts/test.sh passes it).
    // A partial run (NANOTRACE_FABRIC_E2E_STEPS) leaves the migration steps out.
    let mut report = Steps::from_env();
    let legacy = if report.partial() { None } else { legacy_chaincode_server() };
    let t = Instant::now();
    let deploy_script = net.deploy(CHAINCODE, cc_port, legacy.as_deref().unwrap_or(&server));
    let deploy_wall = t.elapsed();
    eprintln!(
        "[fabric] network up {up_wall:.1?}, nanotrace{} deployed with mutual TLS {deploy_wall:.1?}",
        if legacy.is_some() { " (the version before the write-once layout)" } else { "" }
    );

    let info = NetInfo::new(&net);
    let world = report.always("setup: Bootstrap by Admin@regulator, organisations, roles, alice's issuer key", || {
        steps::setup(&info)
    });
    let Some(world) = world else {
        panic!("setup failed: {:?}", report.failures());
    };
    // Sequence of the upgrade step (l): one more when the migration steps upgraded first.
    let mut upgrade_sequence = 2;
    if legacy.is_some() {
        let made = report
            .run("migration (1/2): the version before the write-once layout makes certificates in every state", || {
                migration::before(&world, &net)
            });
        report.run(
            "migration (2/2): upgrade to the write-once layout (sequence 2); every peer reads the old certificates as before, the new version changes them and issues new ones",
            || match &made {
                Some(legacy) => migration::after(&world, &net, &server, cc_port, legacy),
                None => panic!("the old version made no certificates"),
            },
        );
        upgrade_sequence = 3;
    }
    report.run("Apply → Approve → VALID → Suspend → Reinstate → Revoke → REVOKED, History", || {
        steps::lifecycle(&world)
    });
    report.run("refusals: the applicant cannot approve, the regulator cannot write", || steps::refusals(&world));
    report.run("key-level endorsement: a change without the Certifier's peer is invalidated", || {
        steps::key_level_policy(&world)
    });
    report.run("the manufacturer's UpdateSds commits: SUSPENDED until the certifier re-signs, then VALID", || {
        steps::sds_revision(&world)
    });
    let restarted = report.run("kill -9 of the chaincode server, restart from its env file", || {
        steps::kill_and_restart(&world, &net, &server, cc_port)
    });
    report.run("ApplyBatch of 100, ApproveBatch of 100 in one transaction", || steps::batch(&world));
    report.run("bad arguments: chaincode errors, nothing written", || steps::bad_arguments(&world));
    report.run("the nanotrace CLI with --network fabric --profile manufacturer-dave: apply, verify", || {
        steps::cli_apply_verify(&world, &net)
    });
    report.run("(a) the peer CLI applies, our Gateway client (dave's profile) reads it back byte for byte", || {
        client::peer_submits_client_reads(&world, &net)
    });
    report.run(
        "(b) our client applies and approves (alice's issuer signature), the peer CLI reads it back byte for byte",
        || client::client_submits_peer_reads(&world, &net),
    );
    report.run(
        "(c) nanotrace events --follow --checkpoint --json: commit order, SIGTERM + restart lose and repeat nothing",
        || client::events_follow(&world, &net),
    );
    report.run("(d) an unreachable gateway and expired deadlines: clear errors, bounded", || {
        client::unreachable_and_deadline(&world, &net)
    });
    report.run(
        "(e) Fabric's Go Gateway client applies, our client reads; our client approves, the Go client reads the same bytes",
        || go_client::go_client_interop(&world, &net),
    );
    report.run(
        "(e2) a partner's Node.js backend (Fabric's official Gateway client) applies and reads; a refusal gives its code and reason token",
        || node_client::node_client_interop(&world, &net),
    );
    report.run(
        "(f) nanotrace batch approve --file on a terminal: progress bar, summary, each failure's reason, the good ones issued",
        || batch_cli::batch_approve_cli(&world, &net),
    );
    report.run(
        "(g) idempotent applications: a repeat answers the recorded ID, a different one is CONFLICT, a race records one, batch apply twice",
        || client_ref::idempotent_applications(&world, &net),
    );
    report.run(
        "(h) members from the orgs' Fabric CAs: erin registered, enrolled (ours and fabric-ca-client), applies; carl (certifier, same way) approves; re-enrolled",
        || ca_members::ca_members(&world, &net),
    );
    report.run(
        "(i) network.sh remove: erin and carl revoked at their CAs, CRLs on the channel, carl's role revoked; refused by all three peers",
        || ca_members::member_removed(&world, &net),
    );
    report.run(
        "(j) the notifier follows the Regulator's peer: every decision once by webhook (against History) and by email",
        || notify::notifier_follows(&world, &net),
    );
    report.run(
        "(k) the console's browser-made signatures (WebCrypto r||s, either S) through the Gateway: committed, reads evaluated (again); another key's refused",
        || console::console_signatures_through_the_gateway(&world, &net),
    );
    report.run(
        "(l) chaincode upgrade: a new package, sequence + 1 on every peer, the server restarted; the stored certificates read the same, the new version issues and revokes",
        || upgrade::upgrade(&world, &net, &server, cc_port, upgrade_sequence),
    );
    report.run(
        "(m) network.sh rotate-tls certifier: the peer serves a new TLS certificate from its CA; transactions it endorses commit",
        || operations::rotate_tls(&world, &net),
    );
    report.run(
        "(m') network.sh rotate-orderer-tls: Raft, a renewed certificate for the same key (a new key refused, with the way out); BFT, a new key in the consenter mapping; blocks ordered after",
        || operations::rotate_orderer_tls(&world, &net),
    );
    report.run(
        "(n) network.sh backup/restore certifier: crypto material and CA database back on a wiped organisation; the CA knows who was registered before the backup, the peer rejoins and endorses",
        || operations::backup_restore(&world, &net),
    );
    report.run(
        "(o) a consignment of 1,000 items in every state and form: the verifier following the Regulator's peer and nanotrace verify --manifest answer each as its state calls for",
        || consignment::consignment(&world, &net),
    );
    report.run(
        "(p) approvals with their credentials: one bad proof refuses the batch and writes nothing; two approvals signed for one range, the loser refused, made again, no position given twice",
        || credentials::credentials_inline(&world, &net),
    );
    report.run(
        "(q) private data: fees and a quote between the certification body and the manufacturer in their collection, as transient data; the Regulator's peer holds hashes only, its members refused; an EN 16931 invoice, a camt.053 statement that pays it, the approval only then, a credit note",
        || billing::private_data(&world, &info.msp_id(peer::Org::Manufacturer)),
    );
    report.run(
        "(q') the manufacturer's notifier, as its member dave, follows the channel from nothing: (q)'s invoice, its payment and the credit note once each by webhook, found from the blocks' collection writes",
        || billing::billing_notifications(&world, &net, &info.msp_id(peer::Org::Manufacturer)),
    );
    report.run(
        "(q'') the console's finance writes: alice's browser signatures issue an invoice through the console's stages, its request as transient data only and its answer a receipt, so the block holds nothing of the invoice; the Manufacturer's peer reads it",
        || console::console_finance_through_the_gateway(&world, &net, &info.msp_id(peer::Org::Manufacturer)),
    );
    if let Some((_dir, log)) = &ca_shim {
        // It also asks that the run revoked something: left out of a partial run.
        report.run("no secret on any fabric-ca-client command line network.sh ran", || no_secret_on_command_lines(log));
    }
    report.always("nothing lost: every certificate in its expected status on all three peers", || {
        steps::nothing_lost(&world)
    });
    report.run(
        "a peer that dies mid-stream: events --follow exits 1 with a clear error (last: kills the Regulator's peer)",
        || client::peer_dies_mid_stream(&world, &net),
    );
    // What the real peers' READY announced, as the chaincode server logged it.
    let cc_log = std::fs::read_to_string(run_dir.join("logs/chaincode-nanotrace.log")).unwrap_or_default();
    let ready_line = cc_log.lines().find(|l| l.contains(" ready")).unwrap_or("(no READY line logged)").to_owned();
    let panics = cc_log.lines().filter(|l| l.contains("panicked")).count();
    let suite = suite_start.elapsed();

    let invokes = info.invoke_times.lock().expect("timings").clone();
    let failures = report.failures();
    if failures.is_empty() {
        let down = net.down(false);
        if let Some(mut child) = restarted {
            let _ = child.wait();
        }
        assert!(net.leftovers().is_empty(), "processes of the run left after down: {:?}", net.leftovers());
        assert!(!run_dir.exists(), "down removes the run folder");
        eprintln!("[fabric] down {down:.1?}; no process left");
    } else if let Some(mut child) = restarted {
        let _ = child.kill();
        let _ = child.wait();
    }
    eprintln!("[fabric] chaincode server: {}", ready_line.trim());
    eprintln!("[fabric] chaincode server log: {panics} panicked transaction(s)");
    eprintln!(
        "[fabric] timings: network up {:.1} s (script {up_script:.1} s), deploy {:.1} s (script {deploy_script:.1} s), \
         whole suite {:.1} s; {} committed invokes, median {:.0} ms (peer CLI start-up included)",
        up_wall.as_secs_f64(),
        deploy_wall.as_secs_f64(),
        suite.as_secs_f64(),
        invokes.len(),
        median_ms(&invokes)
    );
    let passed = report.results.iter().filter(|(_, _, r)| r.is_ok()).count();
    if !failures.is_empty() {
        net.dump_logs_before_failing(25);
        for failure in &failures {
            eprintln!("[fabric] FAILED {failure}");
        }
    }
    eprintln!("[fabric] steps: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "Fabric suite failures:\n{}", failures.join("\n"));
}

/// The Regulator's stack from `deploy/compose/compose.yaml` on a network of its own (run
/// folder `.run/fabric-stack`, ports from 14050): the chaincode as its container, the
/// verifier, notifier and console beside it (`stack.rs`).
#[test]
fn fabric_organisation_stack_in_containers() {
    const WHAT: &str = "the organisation's stack in containers (systests/fabric/stack.rs)";
    let Some(fabric) = Fabric::find_or_skip(WHAT) else {
        return;
    };
    if let Err(why) = nanotrace_testkit::compose::compose_works() {
        nanotrace_testkit::skip::skip(nanotrace_testkit::skip::CONTAINERS, WHAT, &why);
        return;
    }
    let _one = ONE_NETWORK.lock().unwrap_or_else(|p| p.into_inner());
    let root = nanotrace_systests::repo_root();
    let server = chaincode_server(&root);
    let tmp = tempfile::tempdir().expect("tempdir");
    // The services' user reads its configuration folder inside.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let t = Instant::now();
    let target = nanotrace_testkit::containers::target_dir_of(&server);
    let images = nanotrace_testkit::containers::build_images(
        &root,
        &target,
        &tmp.path().join("images"),
        &["chaincode", "verifier", "notify", "console"],
    );
    let version = images[0].0.rsplit(':').next().expect("a tag").to_owned();
    eprintln!("[stack] four images built ({:.1?}): {images:?}", t.elapsed());

    let run_dir = std::env::var_os("NANOTRACE_FABRIC_STACK_RUN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".run/fabric-stack"));
    // Ports from 14050: below Linux's ephemeral range (32768–60999), where they were until
    // a connection's local port took the console's (33353) while the stack started, and
    // apart from the other suites' (15050 is the next).
    let mut net = Network::new(fabric, &root, run_dir.clone(), 14050);
    net.up();
    let layout = net.layout();
    let ports = stack::Ports {
        chaincode: layout.service_port(0),
        verifier: layout.service_port(1),
        notify: layout.service_port(2),
        console: layout.service_port(3),
    };
    // The package points the peers at the container's published port; no process of the
    // script's: the stack runs the server.
    let address = format!("{}:{}", net.chaincode_host(), ports.chaincode);
    net.deploy_with(&[CHAINCODE, "--address", &address, "--tls"]);
    let t = Instant::now();
    let running = stack::Stack::start(&net, tmp.path(), &version, &ports);
    eprintln!("[stack] the Regulator's stack up and healthy ({:.1?})", t.elapsed());

    let info = NetInfo::new(&net);
    let world = steps::setup(&info);
    steps::lifecycle(&world);
    stack::walk(&world, &running);
    steps::nothing_lost(&world);

    let prefix = running.project.name.clone();
    drop(running);
    let left = nanotrace_testkit::containers::podman(&["ps", "--all", "--format", "{{.Names}}"]);
    let left = String::from_utf8_lossy(&left.stdout).lines().filter(|n| n.starts_with(&prefix)).count();
    assert_eq!(left, 0, "the stack's containers are removed by down");
    net.down(false);
    assert!(net.leftovers().is_empty(), "processes of the run left after down: {:?}", net.leftovers());
}
