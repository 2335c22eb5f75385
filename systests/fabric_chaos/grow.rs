//! The consortium grows under the steady load (issue 46): from the sample's three
//! organisations to six on the running channel, each joining through a configuration
//! update that a majority of the members' admins sign in turn (`network.sh add-org`,
//! `sign-update`, `submit-update`), while dave applies, alice approves and dave verifies
//! without pause:
//!
//! 1. a second certification body with a peer of its own (joins from the genesis block);
//! 2. a manufacturer without peers: its members use the governing regulator's gateway;
//! 3. a second regulator whose peer joins from a snapshot of the first regulator's peer.
//!
//! After each organisation with peers, `deploy` approves the chaincode anew: the new
//! organisation approves it and the default endorsement policy (a majority of the
//! organisations that run peers) counts it. Then the governing admin registers the three
//! in the contract, the new body's certifier gets his role and issuer key, the peer-less
//! manufacturer's member applies through another organisation's gateway, and the new body
//! approves. Afterwards the load's checks (`check`) run on all five peers: nothing
//! submitted during the changes is lost or duplicated, and every peer has the same chain.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use nanotrace_client::{IssuerSigner, Transport, Wait};
use nanotrace_model::*;
use nanotrace_testkit::fabric::node::{kill9, Node};
use nanotrace_testkit::fabric::process;

use crate::probe::{self, Probe};
use crate::{profile, Run};

/// The second certification body (a peer of its own).
const CERTIFIER2: &str = "name: certifier2\nmsp_id: Certifier2MSP\nregistered_name: Second Nano Certification Body\n\
kind: certifier\npeers: 1\nusers: [bob]\n";
/// A small manufacturer without peers.
const SMALLCO: &str = "name: smallco\nmsp_id: SmallCoMSP\nregistered_name: Small Nano Co\nkind: manufacturer\n\
company_prefixes: [\"4012345\"]\npeers: 0\nusers: [sam]\n";
/// A second regulator (another country's), with a peer of its own; on SmartBFT an orderer
/// too (`orderer: true`), which joins the consenter set.
fn regulator2(orderer: bool) -> String {
    format!(
        "name: regulator2\nmsp_id: Regulator2MSP\nregistered_name: Second National Regulator\n\
kind: regulator\npeers: 1\norderer: {orderer}\nusers: [rex]\n"
    )
}
/// A GTIN inside SmallCo's GS1 Company Prefix 4012345 (check digit 6).
const SMALLCO_GTIN: &str = "4012345000016";

/// Each step's name and seconds, for the report.
type Timings = Vec<(String, f64)>;

fn entry(run: &Run, name: &str, text: &str) -> PathBuf {
    let path = run.net.scratch().join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// `prepare-org` (the newcomer's host) and `propose-org` (the submitter's host), or both at
/// once with `add-org` (`at_once`: one machine), then signatures by `signers` in turn and
/// the submit by `submitter`; first
/// a submit with one signature too few, refused before anything is sent. An organisation
/// that joins the SmartBFT consenter set needs a majority of the ordering organisations'
/// admins as well: the last signer is the one that makes that majority.
pub(crate) fn join(
    run: &mut Run,
    name: &str,
    text: &str,
    signers: &[&str],
    submitter: &str,
    at_once: bool,
    timings: &mut Timings,
) {
    let entry = entry(run, name, text);
    // The newcomer prepares its definition on its host; the submitter's admin proposes the
    // update from it on its own. Or both at once, as on one machine (`add-org`).
    let (prepared, proposed) = if at_once {
        (0.0, run.net.add_org(&entry))
    } else {
        let (definition, prepared) = run.net.prepare_org(name, &entry);
        (prepared, run.net.propose_org(&definition, submitter))
    };
    let (update, need, orderers) =
        (proposed.file.clone(), proposed.signatures_needed, proposed.orderer_signatures_needed);
    timings.push((
        format!(
            "{name}: CA, identities, definition, update (channel configuration {} bytes with it)",
            proposed.config_bytes
        ),
        prepared + proposed.seconds,
    ));
    let count = |n: usize| u64::try_from(n).expect("a count");
    let short_of = if orderers == 0 {
        assert_eq!(need, count(signers.len() + 1), "{name}: the members' majority is the signers and the submitter");
        format!("it has {} member admins' signatures and needs {need},", need - 1)
    } else {
        assert_eq!(need, count(signers.len()), "{name}: the members' majority is all but the last signer");
        format!("it has {} ordering organisations' admins' signatures and needs {orderers},", orderers - 1)
    };
    let (last, first) = signers.split_last().expect("a signer");
    // What the first signer reads on its host before it signs: the newcomer's group, its CA
    // root by fingerprint, and nothing removed.
    let summary = run.net.inspect_update(&update, first.first().unwrap_or(last));
    assert!(summary.contains("+ adds group Application/"), "{name}: {summary}");
    assert!(summary.contains("CA root: ") && summary.contains("SHA-256 "), "{name}: {summary}");
    assert!(!summary.contains("- removes"), "{name}: {summary}");
    for org in first {
        run.net.sign_update(&update, org);
    }
    let short = run.net.submit_update(&update, submitter).expect_err("one signature short");
    assert!(short.contains(&short_of) && short.contains("Nothing was sent"), "{name}: {short}");
    let signed = run.net.sign_update(&update, last);
    assert_eq!(signed.len(), signers.len(), "{name}: each signer once: {signed:?}");
    let t = Instant::now();
    let submitted = run.net.submit_update(&update, submitter).unwrap_or_else(|e| panic!("{name}: {e}"));
    timings.push((format!("{name}: update signed by {} and submitted", need), submitted));
    eprintln!("[grow] {name} is a member ({:.1?})", t.elapsed());
}

/// A new sequence of the chaincode definition under the default policy of the consortium
/// as it now is, as separate hosts do it: each organisation that runs peers approves with
/// its own admin alone (`network.sh approve`), and one of them commits (`network.sh commit`)
/// once a majority has; a commit after the first approval alone is refused.
pub(crate) fn approve_anew(run: &Run, timings: &mut Timings, why: &str) {
    let consortium = nanotrace_topology::Consortium::load(&run.net.run_dir.join("consortium.yaml"))
        .unwrap_or_else(|e| panic!("the run's consortium: {e}"));
    let orgs: Vec<String> = consortium.peer_organizations().map(|o| o.name.clone()).collect();
    assert!(orgs.len() >= 3, "a majority of {} is more than one approval: {orgs:?}", orgs.len());
    let mut seconds = 0.0;
    for (i, org) in orgs.iter().enumerate() {
        let (approvals, took) = run.net.approve("nanotrace", org);
        seconds += took;
        assert_eq!(approvals as usize, i + 1, "{org}'s approval counted with those before it ({why})");
        if i == 0 {
            let refused = run.net.commit("nanotrace", org).expect_err("one approval is no majority");
            let need = orgs.len() / 2 + 1;
            assert!(
                refused.contains(&format!(
                    "has 1 approvals of the {} organisations that run peers and needs {need}",
                    orgs.len()
                )) && refused.contains("nothing was sent"),
                "{refused}"
            );
        }
    }
    let last = orgs.last().expect("three organisations at least");
    seconds += run.net.commit("nanotrace", last).unwrap_or_else(|e| panic!("commit by {last} ({why}): {e}"));
    let policy = std::fs::read_to_string(run.net.chaincode_dir("nanotrace").join("policy")).expect("the policy");
    eprintln!("[grow] nanotrace approved anew on each host, committed by {last} ({why}): {}", policy.trim());
    timings.push((format!("chaincode approved anew: {why}"), seconds));
}

/// Waits (60 s at most) until every peer of the grown network has committed block
/// `block`. Each governance write below is read by the next, which any two peers may
/// endorse: a peer that has not yet committed a registration refuses a write that needs
/// it (a CI run under load: SetCompanyPrefixes endorsed by both certification bodies'
/// peers a moment before they committed SmallCo's registration, NOT_FOUND).
fn committed_everywhere(run: &Run, block: u64) {
    for path in peer_profiles(run) {
        let probe = Probe::connect(&path);
        process::wait_until(Duration::from_secs(60), &format!("block {block} on {}'s peer", probe_name(&path)), || {
            probe.height().is_ok_and(|height| height > block)
        });
    }
}

/// A profile's name, for messages.
fn probe_name(path: &std::path::Path) -> String {
    path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned())
}

/// The new organisations in the contract: registered by the governing admin; bob (the
/// second body's member) a certifier with an issuer key and a status base. Each write is
/// on every peer before the next is sent ([`committed_everywhere`]). Returns bob's
/// signer.
fn govern_new_members(run: &Run) -> IssuerSigner {
    let admin = probe::client(&profile(&run.net, "regulator-admin"));
    let settled = |block: u64| committed_everywhere(run, block);
    settled(
        admin
            .register_organization("Certifier2MSP", "Second Nano Certification Body", OrgKind::Certifier)
            .wait()
            .expect("RegisterOrganization Certifier2MSP")
            .block_number,
    );
    let smallco = RegisterOrganizationRequest {
        msp_id: "SmallCoMSP".into(),
        name: "Small Nano Co".into(),
        kind: OrgKind::Manufacturer,
        without_peers: true,
        billing: None,
    };
    settled(
        admin
            .register_organization_with(&smallco)
            .wait()
            .expect("RegisterOrganization SmallCoMSP (without peers)")
            .block_number,
    );
    settled(
        admin
            .set_company_prefixes("SmallCoMSP", vec!["4012345".to_owned()])
            .wait()
            .expect("SetCompanyPrefixes")
            .block_number,
    );
    settled(
        admin
            .register_organization("Regulator2MSP", "Second National Regulator", OrgKind::Regulator)
            .wait()
            .expect("RegisterOrganization Regulator2MSP")
            .block_number,
    );
    let bob = probe::client(&profile(&run.net, "certifier2-bob"));
    let holder = bob.who_am_i().wait().expect("WhoAmI as bob").holder();
    settled(admin.grant_role(holder.clone(), Role::Certifier).wait().expect("GrantRole certifier to bob").block_number);
    let signer = IssuerSigner::new(ed25519_dalek::SigningKey::from_bytes(&[46; 32]));
    let now = nanotrace_model::clock::unix_now();
    settled(
        admin
            .register_issuer_key(&RegisterIssuerKeyRequest {
                public_key: signer.public_key_hex(),
                holder: holder.identity,
                valid_from: now - sample::ISSUER_KEY_BACKDATED,
                valid_until: now + sample::ISSUER_KEY_VALIDITY,
            })
            .wait()
            .expect("RegisterIssuerKey for bob")
            .block_number,
    );
    settled(
        admin
            .set_status_bases("Certifier2MSP", &[sample::STATUS_BASE.to_owned()])
            .wait()
            .expect("SetStatusBases Certifier2MSP")
            .block_number,
    );
    signer
}

/// Sam (the peer-less manufacturer, through the regulator's gateway) applies; bob (the
/// second body) approves. Returns the certificate's ID.
fn new_members_decide(run: &Run, bob_signer: &IssuerSigner) -> String {
    let sam = probe::client(&profile(&run.net, "smallco-sam"));
    let gateway = std::fs::read_to_string(profile(&run.net, "smallco-sam")).expect("sam's profile");
    assert!(gateway.contains("server_name: peer0.regulator."), "sam's gateway is the governing regulator's peer");
    let mut outside = nanotrace_testkit::sample_application("GROW-SAM-OUTSIDE");
    outside.gtin = Some("4006381333931".to_owned());
    let refused = sam.apply(&outside).wait().expect_err("a GTIN of another company's prefix");
    assert!(refused.is_refusal(), "refused by the contract: {refused}");
    let mut app = nanotrace_testkit::sample_application("GROW-SAM-1");
    app.gtin = Some(SMALLCO_GTIN.to_owned());
    let id = sam.apply(&app).wait().expect("sam applies through the regulator's gateway").value;
    let bob = probe::client(&profile(&run.net, "certifier2-bob"));
    process::wait_until(Duration::from_secs(30), "sam's application on bob's peer", || {
        bob.get_certificate(&id).wait().is_ok()
    });
    bob.approve(&id, bob_signer, "Certifier2MSP", nanotrace_model::clock::unix_now(), None)
        .wait()
        .expect("bob (the second body) approves");
    // Two SDS declarations through the regulator's gateway on another application of
    // sam's: the second commits too (the declaration's key names no peer of SmallCo's,
    // which has none; it stays under the chaincode policy).
    let mut app = nanotrace_testkit::sample_application("GROW-SAM-2");
    app.gtin = Some(SMALLCO_GTIN.to_owned());
    let second = sam.apply(&app).wait().expect("sam's second application").value;
    for declaration in 1..=2 {
        // Sam's gateway committed the previous transaction before answering: read there.
        let mut sds = sam.get_certificate(&second).wait().expect("GetCertificate").application.sds;
        sds.revision += 1;
        sds.sha256 = format!("{declaration}").repeat(64);
        let declared = sam
            .update_sds(&second, sds.clone())
            .wait()
            .unwrap_or_else(|e| panic!("sam's declaration {declaration}: {e}"));
        assert_eq!(declared.value.application.sds, sds, "declaration {declaration}");
    }
    id
}

/// The whole growth, under the load; returns the steps' times. On SmartBFT (`bft`) the
/// second regulator runs an orderer that joins the consenter set: its update is signed by
/// a majority of the ordering organisations too (the first certification body's admin).
pub(crate) fn grow(run: &mut Run, bft: bool) -> (Timings, String, IssuerSigner) {
    let mut timings = Timings::new();
    join(run, "certifier2", CERTIFIER2, &["regulator"], "manufacturer", false, &mut timings);
    timings.push(("certifier2: peer joined from the genesis block".into(), run.net.join_org("certifier2", None)));
    approve_anew(run, &mut timings, "certifier2 runs a peer");
    join(run, "smallco", SMALLCO, &["certifier2", "regulator"], "certifier", false, &mut timings);
    let signers: &[&str] = if bft { &["regulator", "certifier2", "certifier"] } else { &["regulator", "certifier2"] };
    join(run, "regulator2", &regulator2(bft), signers, "manufacturer", false, &mut timings);
    let (snapshot, block) = run.net.snapshot("regulator");
    let joined = run.net.join_org("regulator2", Some(&snapshot));
    let what = if bft { "orderer joined the consenter set, peer" } else { "peer" };
    timings.push((format!("regulator2: {what} joined from a snapshot at block {block}"), joined));
    approve_anew(run, &mut timings, "regulator2 runs a peer");
    let t = Instant::now();
    let bob_signer = govern_new_members(run);
    timings.push(("the new organisations registered in the contract".into(), t.elapsed().as_secs_f64()));
    let t = Instant::now();
    let id = new_members_decide(run, &bob_signer);
    timings.push(("sam applied, bob approved".into(), t.elapsed().as_secs_f64()));
    (timings, id, bob_signer)
}

/// Every peer of the grown network (the two new ones' members' profiles) verifies the
/// certificate the new members made as VALID, issued by the second body.
pub(crate) fn every_peer_agrees(net_profiles: &[PathBuf], id: &str) {
    for path in net_profiles {
        let probe = Probe::connect(path);
        let verdict = probe.api.verify(id).wait().unwrap_or_else(|e| panic!("Verify on {}: {e}", probe.name));
        assert_eq!(verdict.verdict, Verdict::Valid, "{}: {verdict:?}", probe.name);
        let cert = probe.api.get_certificate(id).wait().expect("GetCertificate");
        assert_eq!(cert.manufacturer_msp, "SmallCoMSP");
        assert_eq!(cert.issuance.map(|i| i.issuer_org), Some("Certifier2MSP".to_owned()), "{}", probe.name);
    }
}

/// Regulator2's peer (joined from a snapshot) has the chain head rita's peer has, and the
/// same certificates, byte for byte.
pub(crate) fn snapshot_peer_agrees(run: &Run, certificates: &[String]) {
    let rita = Probe::connect(&profile(&run.net, "regulator-rita"));
    let rex = Probe::connect(&profile(&run.net, "regulator2-rex"));
    process::wait_until(
        Duration::from_secs(60),
        "regulator2's peer at rita's peer's height",
        || matches!((rita.chain_info(), rex.chain_info()), (Ok(a), Ok(b)) if a.height == b.height),
    );
    let (a, b) = (rita.chain_info().expect("rita's chain"), rex.chain_info().expect("rex's chain"));
    assert_eq!(
        (a.height, &a.current_block_hash, &a.previous_block_hash),
        (b.height, &b.current_block_hash, &b.previous_block_hash),
        "regulator2's peer has another chain than the regulator's"
    );
    let read = |p: &Probe, id: &str| {
        let arg = serde_json::to_vec(&CertificateIdRequest { certificate_id: id.to_owned() }).expect("JSON");
        p.api.transport().evaluate(Function::GetCertificate.name(), &[arg]).wait()
    };
    for id in certificates {
        let (ours, theirs) = (read(&rita, id).expect("on rita's peer"), read(&rex, id).expect("on rex's peer"));
        assert_eq!(ours, theirs, "{id}: the two regulators' peers hold other bytes");
    }
    eprintln!(
        "[grow] regulator2's peer (from a snapshot): the same head at height {} and the same {} certificates",
        a.height,
        certificates.len()
    );
}

/// The first certification body loses its accreditation, after the load: the governing
/// admin retires it in the contract (`RetireOrganization`), and then its MSP leaves the
/// channel (`network.sh remove-org`, signed by a majority of the six, one short refused).
/// Alice decides nothing more; what she issued stays VALID on every remaining peer, its
/// issuer shown as retired. Returns the steps' times.
pub(crate) fn retire_first_body(run: &mut Run, issued: &[String], alice_signer: &IssuerSigner) -> Timings {
    let mut timings = Timings::new();
    let admin = probe::client(&profile(&run.net, "regulator-admin"));
    let t = Instant::now();
    let retired = admin
        .retire_organization("CertifierMSP", "accreditation withdrawn by the national accreditation body")
        .wait()
        .expect("RetireOrganization CertifierMSP");
    timings.push(("certifier retired in the contract".into(), t.elapsed().as_secs_f64()));
    assert!(retired.value.retired.is_some());
    let alice = probe::client(&profile(&run.net, "certifier-alice"));
    let dave = probe::client(&profile(&run.net, "manufacturer-dave"));
    let id = dave.apply(&nanotrace_testkit::sample_application("GROW-AFTER-RETIREMENT")).wait().expect("apply").value;
    process::wait_until(Duration::from_secs(30), "the application on alice's peer", || {
        alice.get_certificate(&id).wait().is_ok()
    });
    let refused = alice
        .approve(&id, alice_signer, "CertifierMSP", nanotrace_model::clock::unix_now(), None)
        .wait()
        .expect_err("a retired body's certifier decides nothing");
    assert!(refused.to_string().contains("[role.certifier]"), "{refused}");

    let some = issued.first().expect("alice issued certificates under the load");
    // Its MSP leaves the channel: six members, four signatures (three and the submitter's);
    // on SmartBFT its orderer leaves the consenter set by the same update, which three of
    // the five ordering organisations' admins sign (among the four).
    let removal = run.net.remove_org("certifier", "regulator");
    assert_eq!(removal.signatures_needed, 4, "a majority of six");
    let consenters = if run.net.run_file().ordering == nanotrace_topology::layout::Ordering::Bft { 3 } else { 0 };
    assert_eq!(removal.orderer_signatures_needed, consenters, "a majority of the five ordering organisations");
    let summary = run.net.inspect_update(&removal.file, "regulator");
    assert!(summary.contains("- removes group Application/CertifierMSP"), "{summary}");
    assert!(!summary.contains("+ adds group"), "{summary}");
    for org in ["regulator", "certifier2"] {
        run.net.sign_update(&removal.file, org);
    }
    let short = run.net.submit_update(&removal.file, "manufacturer").expect_err("one signature short");
    assert!(short.contains("it has 3 member admins' signatures and needs 4,"), "{short}");
    run.net.sign_update(&removal.file, "regulator2");
    let submitted = run.net.submit_update(&removal.file, "manufacturer").expect("the certifier leaves");
    timings.push((
        format!("certifier left the channel (configuration {} bytes without it)", removal.config_bytes),
        removal.seconds + submitted,
    ));
    assert!(!profile_path(run, "certifier-alice").exists(), "its profiles are gone");
    // The chaincode definition still counts the leaver's peer: status says so until the
    // others approve a new sequence under the shrunk consortium's policy.
    let definition = || {
        let status = run.net.status();
        status.lines().find(|l| l.trim_start().starts_with("nanotrace:")).map(str::to_owned).unwrap_or(status)
    };
    let stale = definition();
    assert!(stale.contains("definition stale") && stale.contains("names CertifierMSP"), "{stale}");
    approve_anew(run, &mut timings, "the certifier left");
    let current = definition();
    assert!(current.contains("definition current"), "{current}");
    for name in ["manufacturer-dave", "regulator-rita", "certifier2-bob", "regulator2-rex"] {
        let probe = Probe::connect(&profile(&run.net, name));
        let orgs = probe.api.organizations().wait().expect("Organizations");
        assert!(orgs.iter().any(|o| o.msp_id == "CertifierMSP" && o.retired.is_some()), "{name}");
        let verdict = probe.api.verify(some).wait().unwrap_or_else(|e| panic!("Verify on {name}: {e}"));
        assert_eq!(verdict.verdict, Verdict::Valid, "{name}: issued before the retirement");
    }
    timings
}

/// On SmartBFT, after the first body left with its orderer: four consenters (the ordering
/// organisation's, the manufacturer's, the regulator's and regulator2's), a quorum of
/// three. The manufacturer's orderer is killed: dave's application can only commit if
/// regulator2's orderer, which joined the consenter set under the load, orders with the
/// other two. Returns the steps' times.
pub(crate) fn new_consenter_orders(run: &Run) -> Timings {
    let (pid, _) = Node::named(&run.net.run_dir, "orderer-manufacturer");
    kill9(pid);
    // If the killed orderer led, the others first change view (heartbeat 4 s, view change
    // 5 s, longer on a loaded machine): the commit status is asked again for the same
    // transaction (the BFT load's fate retries) rather than given up after one deadline.
    // Twice the load's retries: CI once saw the commit status still unknown after four
    // deadlines of 15 s; the diagnosis below says where it stood if it happens again.
    let dave = probe::client_with(&profile(&run.net, "manufacturer-dave"), 2 * run.fate_retries + 1);
    let t = Instant::now();
    let id = match dave.apply(&nanotrace_testkit::sample_application("GROW-NEW-CONSENTER")).wait() {
        Ok(applied) => applied.value,
        Err(e) => panic!(
            "dave's application, ordered by three of the four consenters, regulator2's among them, after {:.0?}: {e}\n{}",
            t.elapsed(),
            ordering_diagnosis(run)
        ),
    };
    let took = t.elapsed().as_secs_f64();
    let rex = probe::client(&profile(&run.net, "regulator2-rex"));
    process::wait_until(Duration::from_secs(30), "dave's application on rex's peer", || {
        rex.get_certificate(&id).wait().is_ok_and(|c| c.status == CertificateStatus::Pending)
    });
    eprintln!("[grow] the manufacturer's orderer killed: {id} ordered by orderer0, the regulator's and regulator2's ({took:.1} s)");
    vec![("an application ordered with regulator2's orderer in the quorum of three".into(), took)]
}

/// Where ordering and delivery stood: each peer's height, and the last lines of the
/// remaining orderers' consensus logs and of the manufacturer's peer's block delivery.
fn ordering_diagnosis(run: &Run) -> String {
    let mut out = String::from("diagnosis:\n");
    for name in ["manufacturer-dave", "regulator-rita", "certifier2-bob", "regulator2-rex"] {
        let height =
            Probe::connect(&profile(&run.net, name)).height().map_or_else(|e| e.to_string(), |h| h.to_string());
        out.push_str(&format!("  height on {name}'s peer: {height}\n"));
    }
    let logs = [
        ("orderer0.log", &["smartbft", "view", "leader", "sync"][..]),
        ("orderer-regulator.log", &["smartbft", "view", "leader", "sync"][..]),
        ("orderer-regulator2.log", &["smartbft", "view", "leader", "sync"][..]),
        ("peer0.manufacturer.nanotrace.test.log", &["retry", "censorship", "deliverblocks", "refreshed endpoints"][..]),
    ];
    for (file, words) in logs {
        let text = std::fs::read_to_string(run.net.run_dir.join("logs").join(file)).unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| {
                (l.contains("WARN") || l.contains("ERRO") || l.contains("INFO")) && {
                    let lower = l.to_lowercase();
                    words.iter().any(|w| lower.contains(w))
                }
            })
            .collect();
        out.push_str(&format!("  {file}, its last {} such lines:\n", lines.len().min(12)));
        for line in &lines[lines.len().saturating_sub(12)..] {
            out.push_str(&format!("    {}\n", line.chars().take(300).collect::<String>()));
        }
    }
    out
}

fn profile_path(run: &Run, name: &str) -> PathBuf {
    run.net.run_dir.join(format!("profiles/{name}.yaml"))
}

/// The profiles whose gateway is each of the grown network's five peers.
pub(crate) fn peer_profiles(run: &Run) -> Vec<PathBuf> {
    ["manufacturer-dave", "certifier-alice", "regulator-rita", "certifier2-bob", "regulator2-rex"]
        .iter()
        .map(|name| profile(&run.net, name))
        .collect()
}

/// The committed submits' latency (median and 95th percentile, ms) per operation in
/// phases `phases` of the load: the same load on three and on six organisations, side by
/// side in one run (a report, not a bound: docs/CONSORTIUM.md has the figures).
pub(crate) fn latency_by_phase(records: &[crate::load::Record], phases: &[(usize, &str)]) -> String {
    let mut out = String::new();
    for (phase, name) in phases {
        for (op, is_apply) in [("apply", true), ("approve", false)] {
            let mut ms: Vec<f64> = records
                .iter()
                .filter(|r| r.phase == *phase && r.outcome.kind() == "committed")
                .filter(|r| matches!(r.op, crate::load::Op::Apply { .. }) == is_apply)
                .map(|r| r.took.as_secs_f64() * 1000.0)
                .collect();
            if ms.is_empty() {
                continue;
            }
            ms.sort_by(f64::total_cmp);
            let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
            out.push_str(&format!(
                "\n[grow]   {name}: {op} committed {} times, median {:.0} ms, p95 {:.0} ms",
                ms.len(),
                at(0.5),
                at(0.95)
            ));
        }
    }
    out
}

/// The network's CPU time (every process of the run folder: orderers, peers, the chaincode
/// server, CAs) per committed submit in phases `phases` (phase, name, index of the CPU
/// sample that starts it in `marks`; the next sample ends it): on three and on six
/// organisations side by side in one run (a report, not a bound: docs/CONSORTIUM.md).
pub(crate) fn cpu_by_phase(
    records: &[crate::load::Record],
    phases: &[(usize, &str, usize)],
    marks: &[std::collections::BTreeMap<u32, u64>],
) -> String {
    let mut out = String::new();
    for (phase, name, mark) in phases {
        let (Some(before), Some(after)) = (marks.get(*mark), marks.get(mark + 1)) else { continue };
        let committed = records.iter().filter(|r| r.phase == *phase && r.outcome.kind() == "committed").count();
        let seconds = nanotrace_testkit::fabric::cpu::seconds_between(before, after);
        out.push_str(&format!(
            "\n[grow]   {name}: the network's processes used {seconds:.1} CPU s for {committed} committed submits: {:.1} ms each",
            seconds * 1000.0 / committed.max(1) as f64
        ));
    }
    out
}

/// The timings as report lines.
pub(crate) fn report(timings: &Timings) -> String {
    timings.iter().map(|(what, s)| format!("\n[grow]   {s:>6.1} s  {what}")).collect()
}
