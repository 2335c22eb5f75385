//! Issue 70, part 4: two colluding organisations install a rogue chaincode package on
//! their own peers and forge governance and certificates — on the grown consortium (six
//! organisations that run peers, two of them manufacturers; on SmartBFT with a host per
//! organisation in `fabric_consortium_grows_on_bft_hosts`).
//!
//! A second manufacturer with a peer (BigCo) joins and is registered. Then the first
//! manufacturer and BigCo re-approve the committed definition of `nanotrace` for their
//! organisations with another package (`network.sh deploy --orgs`): the rogue server of
//! `nanotrace-rogue-chaincode`, which answers every function as the honest contract does
//! and has one more, `Forge`, that writes whatever it is told. Through BigCo's gateway,
//! with only the two colluders endorsing (Fabric's `endorsing_organizations`), they
//! forge, one transaction each: an ACTIVE certificate no certifier issued, a certifier
//! role for a manufacturer's member, an issuer key in a certification body's name, a GS1
//! prefix for themselves, a status base, a certifier's role moved to their key, and the
//! governance record's own policy. Expected, each asserted: the rogue peers endorsed (the
//! gateway reports a commit failure, not an endorsement refusal), every one is in a block
//! as `ENDORSEMENT_POLICY_FAILURE` on every peer (the validation code read from the
//! ledger with `qscc`), and nothing changed on any peer: organisations, issuer keys,
//! certificates and the member's roles read the same as before on each.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use nanotrace_client::Wait;
use nanotrace_fabric_gateway::{ConnectionProfile, Gateway, GatewayError, SubmitOptions, ValidationCode};
use nanotrace_model::*;
use nanotrace_rogue_chaincode::{ForgedWrite, Forgery, FORGE};
use nanotrace_shim::{create_composite_key, EndorsementPolicy};
use nanotrace_testkit::fabric::process;

use crate::probe::{self, Probe};
use crate::{profile, Run};

/// A second manufacturer, with a peer of its own: the first one's accomplice.
const BIGCO: &str = "name: bigco\nmsp_id: BigCoMSP\nregistered_name: Big Nano Co\nkind: manufacturer\n\
company_prefixes: [\"4098765\"]\npeers: 1\nusers: [ben]\n";

/// What every peer answers about governance and the certificates the forgeries aim at.
#[derive(Debug, PartialEq)]
struct Seen {
    organizations: Vec<Organization>,
    issuer_keys: Vec<IssuerKey>,
    forged_certificate: Option<String>,
    issued: Certificate,
}

fn seen(path: &std::path::Path, forged_id: &str, issued_id: &str) -> Seen {
    let client = probe::client(path);
    let forged_certificate = match client.get_certificate(forged_id).wait() {
        Ok(c) => Some(format!("{:?}", c.status)),
        Err(e) => {
            assert_eq!(e.code(), Some("NOT_FOUND"), "{}: {e}", path.display());
            None
        }
    };
    Seen {
        organizations: client.organizations().wait().expect("Organizations"),
        issuer_keys: client.issuer_keys().wait().expect("IssuerKeys"),
        forged_certificate,
        issued: client.get_certificate(issued_id).wait().expect("the issued certificate"),
    }
}

fn key(object_type: &str, attributes: &[&str]) -> String {
    create_composite_key(object_type, attributes).expect("a composite key")
}

fn write(key: String, value: serde_json::Result<serde_json::Value>) -> ForgedWrite {
    ForgedWrite { key, value: value.expect("a record as JSON").to_string() }
}

/// BigCo joins with its peer, approves the chaincode and is registered in the contract;
/// then the attack. Returns the steps' times.
pub(crate) fn collude(run: &mut Run, issued_id: &str, timings: &mut Vec<(String, f64)>) {
    // BigCo: a member (4 of the 7 members' admins sign), its peer, its approval, its record.
    // On one machine, in one command (`add-org`).
    let signers = ["regulator", "certifier2", "regulator2"];
    crate::grow::join(run, "bigco", BIGCO, &signers, "manufacturer", true, timings);
    timings.push(("bigco: peer joined from the genesis block".into(), run.net.join_org("bigco", None)));
    crate::grow::approve_anew(run, timings, "bigco runs a peer");
    let admin = probe::client(&profile(&run.net, "regulator-admin"));
    admin
        .register_organization("BigCoMSP", "Big Nano Co", OrgKind::Manufacturer)
        .wait()
        .expect("RegisterOrganization BigCoMSP");
    let governing = run.net.var("REGULATOR_MSP_ID");
    let guarded = EndorsementPolicy::qualified_majority(
        &governing,
        ["ManufacturerMSP", "CertifierMSP", "Certifier2MSP", "Regulator2MSP", "BigCoMSP"],
    );
    eprintln!("[rogue] six organisations run peers; governance keys need {guarded}");

    // The colluders' peers switch to the rogue package (their own approval each).
    let t = Instant::now();
    let rogue = nanotrace_testkit::bins::named_or_workspace_bin("NANOTRACE_ROGUE_BIN", "nanotrace-rogue-chaincode");
    let address = format!("{}:{}", run.net.chaincode_host(), run.net.layout().service_port(1));
    let rogue = rogue.to_str().expect("UTF-8 path");
    run.net.deploy_with(&[
        "nanotrace",
        "--orgs",
        "manufacturer,bigco",
        "--label",
        "nanotrace-rogue",
        "--address",
        &address,
        "--tls",
        "--server",
        rogue,
    ]);
    timings
        .push(("manufacturer and bigco switched their peers to the rogue package".into(), t.elapsed().as_secs_f64()));

    // What the forgeries aim at, as the honest contract wrote it.
    let peers: Vec<PathBuf> =
        crate::grow::peer_profiles(run).into_iter().chain([profile(&run.net, "bigco-ben")]).collect();
    let forged_id = nanotrace_model::ids::certificate_id("forged by two colluding organisations", 0);
    let forged_id = forged_id.as_str();
    let before: Vec<Seen> = peers.iter().map(|p| seen(p, forged_id, issued_id)).collect();
    let dave = probe::client(&profile(&run.net, "manufacturer-dave")).who_am_i().wait().expect("WhoAmI as dave");
    assert!(dave.roles.is_empty(), "dave holds no role: {:?}", dave.roles);
    let organizations = &before[0].organizations;
    let org = |msp: &str| organizations.iter().find(|o| o.msp_id == msp).cloned().expect("registered");
    let alice_key = before[0]
        .issuer_keys
        .iter()
        .find(|k| k.holder.msp_id == "CertifierMSP" && k.retired_at.is_none())
        .cloned()
        .expect("alice's issuer key");

    let now = nanotrace_model::clock::unix_now();
    let mut certificate = before[0].issued.clone();
    certificate.id = forged_id.to_owned();
    let grant = RoleGrant {
        identity: dave.identity.clone(),
        role: Role::Certifier,
        granted_by: dave.identity.clone(),
        granted_at: now,
        key: Some(dave.key.clone()),
        key_source: Some(RoleKeySource::Granted),
    };
    let forged_public = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    let forged_key = IssuerKey {
        key_id: issuer_key_id(&hex::decode(forged_public).expect("hex")),
        public_key: forged_public.to_owned(),
        holder: dave.identity.clone(),
        valid_from: now - 3600,
        valid_until: now + 3600,
        registered_at: now,
        retired_at: None,
        retired_reason: None,
    };
    let mut prefixes = org("ManufacturerMSP");
    prefixes.company_prefixes.push("4000001".to_owned());
    let mut bases = org("CertifierMSP");
    bases.status_bases.push("https://rogue.example/status/".to_owned());
    let alice_role = key("role", &[&alice_key.holder.msp_id, &alice_key.holder.id, Role::Certifier.as_str()]);
    let moved = RoleGrant { key: Some(dave.key.clone()), ..grant.clone() };
    let colluders = EndorsementPolicy::all_of(["ManufacturerMSP", "BigCoMSP"], nanotrace_shim::PolicyRole::Peer);
    let forgeries: Vec<(&str, Forgery)> = vec![
        (
            "an ACTIVE certificate no certifier issued",
            Forgery {
                writes: vec![write(key("cert", &[forged_id]), serde_json::to_value(&certificate))],
                policies: vec![],
            },
        ),
        (
            "a certifier role for a manufacturer's member",
            Forgery {
                writes: vec![write(
                    key("role", &[&dave.identity.msp_id, &dave.identity.id, "certifier"]),
                    serde_json::to_value(&grant),
                )],
                policies: vec![],
            },
        ),
        (
            "an issuer key for that member",
            Forgery {
                writes: vec![write(key("ikey", &[&forged_key.key_id]), serde_json::to_value(&forged_key))],
                policies: vec![],
            },
        ),
        (
            "a GS1 Company Prefix for the first manufacturer",
            Forgery {
                writes: vec![write(key("org", &["ManufacturerMSP"]), serde_json::to_value(&prefixes))],
                policies: vec![],
            },
        ),
        (
            "a status base for the certification body",
            Forgery {
                writes: vec![write(key("org", &["CertifierMSP"]), serde_json::to_value(&bases))],
                policies: vec![],
            },
        ),
        (
            "alice's certifier role moved to dave's key",
            Forgery {
                writes: vec![write(
                    alice_role,
                    serde_json::to_value(RoleGrant { identity: alice_key.holder.clone(), ..moved }),
                )],
                policies: vec![],
            },
        ),
        (
            "the governance record's policy set to the two colluders",
            Forgery { writes: vec![], policies: vec![("governance".to_owned(), colluders)] },
        ),
    ];

    // Through BigCo's gateway, endorsed by the two colluders only.
    let ben = profile(&run.net, "bigco-ben");
    let loaded = ConnectionProfile::load(&ben).expect("ben's profile");
    let options = loaded.connect_options().expect("ben's gateway").deadlines(probe::deadlines());
    let gateway =
        Gateway::connect(loaded.signing_identity().expect("ben's identity"), options).wait().expect("connect as ben");
    let contract = gateway.network(loaded.channel.clone()).contract(loaded.chaincode.clone());
    let submit = SubmitOptions {
        endorsing_organizations: vec!["ManufacturerMSP".into(), "BigCoMSP".into()],
        ..SubmitOptions::default()
    };
    let probes: Vec<Probe> = peers.iter().map(|p| Probe::connect(p)).collect();
    for (what, forgery) in &forgeries {
        let arg = serde_json::to_vec(forgery).expect("json");
        let result = contract.submit_with(FORGE, &[arg], &submit).wait();
        let tx_id = match result {
            Err(GatewayError::Commit { tx_id, code, block_number }) => {
                assert_eq!(code, ValidationCode::ENDORSEMENT_POLICY_FAILURE, "{what}: {tx_id} in block {block_number}");
                tx_id
            }
            Err(other) => panic!("{what}: the rogue peers should have endorsed it; the gateway said {other}"),
            Ok(done) => panic!("{what}: committed as VALID in block {}", done.block_number),
        };
        for probe in &probes {
            process::wait_until(Duration::from_secs(30), &format!("{what}: {tx_id} on {}", probe.name), || {
                probe.on_ledger(&tx_id).is_some()
            });
            let on_ledger = probe.on_ledger(&tx_id).expect("on the ledger");
            assert_eq!(
                ValidationCode(on_ledger.code),
                ValidationCode::ENDORSEMENT_POLICY_FAILURE,
                "{what}: {tx_id} on {}",
                probe.name
            );
        }
        eprintln!("[rogue] {what}: endorsed by the colluders, invalidated at commit ({tx_id})");
    }

    // Nothing changed on any peer.
    for (path, was) in peers.iter().zip(&before) {
        assert_eq!(&seen(path, forged_id, issued_id), was, "{}", path.display());
    }
    let dave_after = probe::client(&profile(&run.net, "manufacturer-dave")).who_am_i().wait().expect("WhoAmI");
    assert!(dave_after.roles.is_empty(), "dave holds no role after the forgeries: {:?}", dave_after.roles);
    let forged = probe::client(&profile(&run.net, "regulator-rita")).verify(forged_id).wait().expect("Verify");
    assert_eq!(forged.verdict, Verdict::Unknown, "no forged certificate to verify: {forged:?}");
    timings.push((format!("{} forgeries by two colluding organisations, each invalidated", forgeries.len()), 0.0));
}
