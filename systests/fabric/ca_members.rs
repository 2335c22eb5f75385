//! (h) Members from the organisations' Fabric CAs (issue 23): `network.sh up` starts one
//! `fabric-ca-server` per organisation, which issued every node and user of the network.
//! Through `nanotrace ca`: the Manufacturer CA's registrar enrolls into a wallet and
//! registers erin; erin enrolls into hers (the key made on her side, 0600) and gets a
//! connection profile; erin applies through the Gateway; carl, registered and enrolled the
//! same way at the Certifier's CA and given the certifier role and an issuer key by the
//! contract's admin, approves; erin re-enrolls with a new key and applies again with the
//! same profile. frank, enrolled by Fabric CA's own `fabric-ca-client`, is accepted alike.

use crate::client::{client, profile};
use crate::network::Network;
use crate::steps::{application, World};
use nanotrace_client::GatewayTransport;
use nanotrace_client::Wait;
use nanotrace_client::{IssuerSigner, NanoTrace};
use nanotrace_model::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// `nanotrace --json ARGS` (no inherited NANOTRACE_* settings), as it ran.
pub(crate) fn nanotrace_output(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(nanotrace_systests::nanotrace_cli());
    for var in ["NANOTRACE_NETWORK", "NANOTRACE_PROFILE", "NANOTRACE_DATA_DIR", "NANOTRACE_IDENTITY"] {
        cmd.env_remove(var);
    }
    cmd.env_remove(crate::network::MARKER_VAR).arg("--json").args(args).stdin(Stdio::null());
    cmd.output().expect("run nanotrace")
}

/// `nanotrace --json ARGS` (no inherited NANOTRACE_* settings): its JSON output.
pub(crate) fn nanotrace(args: &[&str]) -> serde_json::Value {
    let out = nanotrace_output(args);
    assert!(
        out.status.success(),
        "nanotrace {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `nanotrace ca enroll` of `id` with `secret` at the CA of organisation `org`
/// (`MANUFACTURER`, `CERTIFIER`, … as network.env names it) into a new `wallet`.
pub(crate) fn enroll_at(net: &Network, org: &str, id: &str, secret: &str, wallet: &Path) -> serde_json::Value {
    let (url, root) = (net.var(&format!("{org}_CA_URL")), net.var(&format!("{org}_CA_TLS_ROOT")));
    let mut args = vec!["ca", "enroll", "--url", &url, "--tls-root", &root];
    args.extend(["--id", id, "--secret", secret, "--wallet", s(wallet)]);
    nanotrace(&args)
}

pub(crate) fn ca_members(w: &World, net: &Network) {
    std::fs::create_dir_all(net.scratch()).expect("scratch folder");
    let url = net.var("MANUFACTURER_CA_URL");
    let root = net.var("MANUFACTURER_CA_TLS_ROOT");
    let wallets = net.scratch().join("wallets");
    let (admin, erin) = (wallets.join("ca-admin"), wallets.join("erin"));
    let enroll = |id: &str, secret: &str, wallet: &Path| enroll_at(net, "MANUFACTURER", id, secret, wallet);
    enroll("admin", "adminpw", &admin);
    let registered = nanotrace(&["ca", "register", "--wallet", s(&admin), "--id", "erin"]);
    let secret = registered["secret"].as_str().expect("erin's secret").to_owned();
    let enrolled = enroll("erin", &secret, &erin);
    assert!(enrolled["subject"].as_str().unwrap_or_default().contains("OU=client"), "{enrolled}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(erin.join("key.pem")).expect("erin's key").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let erin_profile = net.scratch().join("manufacturer-erin.yaml");
    let like = profile(net, "manufacturer-dave");
    nanotrace(&["ca", "profile", "--wallet", s(&erin), "--like", s(&like), "--out", s(&erin_profile)]);
    let erin_api = || {
        NanoTrace::new(
            GatewayTransport::from_profile(&erin_profile).wait().unwrap_or_else(|e| panic!("connect as erin: {e}")),
        )
    };

    // erin, a member of the Manufacturer by her CA-issued certificate, applies; alice approves.
    let who = erin_api().who_am_i().wait().expect("WhoAmI as erin");
    assert_eq!(who.identity.msp_id, "ManufacturerMSP");
    assert!(who.identity.id.contains("CN=erin"), "{:?}", who.identity);
    let applied = erin_api().apply(&application("LOT-E2E-CA-ERIN-1")).wait().expect("Apply as erin");
    let id = applied.value;
    w.expect(&id, CertificateStatus::Pending);
    let rita = client(net, "regulator-rita");
    crate::steps::wait_visible(&rita, &id);
    let cert = rita.get_certificate(&id).wait().expect("GetCertificate");
    assert!(cert.applicant.id.contains("CN=erin"), "the applicant is erin: {:?}", cert.applicant);
    // carl: a certifier member from the Certifier's CA, enrolled the same way.
    let carl_profile = enrolled_member(net, "CERTIFIER", "carl", "certifier-alice");
    let carl = NanoTrace::new(
        GatewayTransport::from_profile(&carl_profile).wait().unwrap_or_else(|e| panic!("connect as carl: {e}")),
    );
    let carl_holder = carl.who_am_i().wait().expect("WhoAmI as carl").holder();
    let carl_actor = carl_holder.identity.clone();
    let admin_api = client(net, "regulator-admin");
    admin_api.grant_role(carl_holder, Role::Certifier).wait().expect("GrantRole certifier to carl");
    let carl_key = IssuerSigner::new(ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng));
    let now = crate::steps::now();
    let registered = admin_api
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: carl_key.public_key_hex(),
            holder: carl_actor.clone(),
            valid_from: now - 60,
            valid_until: now + 86_400,
        })
        .wait()
        .expect("RegisterIssuerKey for carl");
    assert_eq!(carl.who_am_i().wait().expect("WhoAmI as carl").roles, vec![Role::Certifier]);
    crate::steps::wait_visible(&carl, &id);
    // The key is committed on the admin's peer; carl's gateway peer may be a block behind.
    crate::steps::wait_issuer_key_visible(&carl, &registered.value.key_id);
    carl.approve(&id, &carl_key, &w.certifier_msp, now, None).wait().expect("carl approves erin's application");
    w.expect(&id, CertificateStatus::Active);
    roles_follow_keys(w, net, &carl_profile, &carl_key, &erin_api());

    // erin re-enrolls with a new key; the same profile (it names the wallet's files) works.
    let key_before = std::fs::read_to_string(erin.join("key.pem")).expect("key");
    nanotrace(&["ca", "reenroll", "--wallet", s(&erin), "--new-key"]);
    assert_ne!(std::fs::read_to_string(erin.join("key.pem")).expect("key"), key_before);
    // The contract names an identity by subject and issuer (`x509::<subject>::<issuer>`):
    // a re-enrolled certificate is the same identity (roles, which erin has none of, stay
    // with the old key until it approves the new one: `roles_follow_keys`).
    assert_eq!(erin_api().who_am_i().wait().expect("WhoAmI after re-enrolling").identity, who.identity);
    let again = erin_api().apply(&application("LOT-E2E-CA-ERIN-2")).wait().expect("Apply as erin after re-enrolling");
    w.expect(&again.value, CertificateStatus::Pending);
    let v = client(net, "regulator-rita").verify(&id).wait().expect("Verify");
    assert_eq!(v.verdict, Verdict::Valid);

    // The peers accept an enrollment by Fabric CA's own client alike: frank, registered
    // through `nanotrace ca`, enrolls with `fabric-ca-client` and applies with its files.
    let frank = nanotrace(&["ca", "register", "--wallet", s(&admin), "--id", "frank"]);
    let secret = frank["secret"].as_str().expect("frank's secret");
    let bin = nanotrace_testkit::fabric_ca::bin_dir().expect("network.sh up built Fabric CA");
    let home = net.scratch().join("fabric-ca-client-frank");
    let out = Command::new(bin.join("fabric-ca-client"))
        .args(["enroll", "-u", &url.replace("https://", &format!("https://frank:{secret}@")), "--tls.certfiles", &root])
        .arg("--home")
        .arg(&home)
        .env_remove(crate::network::MARKER_VAR)
        .output()
        .expect("run fabric-ca-client");
    assert!(out.status.success(), "fabric-ca-client enroll: {}", String::from_utf8_lossy(&out.stderr));
    let key = std::fs::read_dir(home.join("msp/keystore"))
        .expect("frank's keystore")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("_sk"))
        .expect("frank's key");
    let template = std::fs::read_to_string(&like).expect("dave's profile");
    let frank_profile: String = template
        .lines()
        .map(|line| match line.trim_start().split_once(": ") {
            Some(("cert", _)) => format!("  cert: {}", home.join("msp/signcerts/cert.pem").display()),
            Some(("key", _)) => format!("  key: {}", key.display()),
            Some(("msp_dir", _)) => format!("  msp_dir: {}", home.join("msp").display()),
            Some(("user", _)) => "  user: frank".to_owned(),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let frank_path = net.scratch().join("manufacturer-frank.yaml");
    std::fs::write(&frank_path, frank_profile).expect("frank's profile");
    let frank_api = NanoTrace::new(
        GatewayTransport::from_profile(&frank_path).wait().unwrap_or_else(|e| panic!("connect as frank: {e}")),
    );
    let franks = frank_api
        .apply(&application("LOT-E2E-CA-FRANK"))
        .wait()
        .expect("Apply as frank (fabric-ca-client's enrollment)");
    w.expect(&franks.value, CertificateStatus::Pending);
    assert!(frank_api.who_am_i().wait().expect("WhoAmI").identity.id.contains("CN=frank"));
    eprintln!("      frank (enrolled by fabric-ca-client) applied {}", franks.value);
    eprintln!(
        "      erin registered and enrolled at {url}; applied {id} (approved: VALID) and, re-enrolled with a new key, {}",
        again.value
    );
}

/// Roles are held by keys (issue 44): carl re-enrolls at the Certifier's CA with a new key
/// (a certificate the CA's registrar could equally issue under his name). The new
/// certificate is carl's identity and holds none of his roles — the contract refuses its
/// approval with `[role.key]` at endorsement — until his old key approves it
/// (`ApproveRoleKey`); then it approves and the old key is refused.
fn roles_follow_keys(
    w: &World,
    net: &Network,
    carl_profile: &Path,
    carl_key: &IssuerSigner,
    erin: &NanoTrace<GatewayTransport>,
) {
    let old_profile = reenrolled_with_a_new_key(net, "carl", carl_profile);
    let api = |p: &Path| {
        NanoTrace::new(
            GatewayTransport::from_profile(p).wait().unwrap_or_else(|e| panic!("connect {}: {e}", p.display())),
        )
    };
    let (new, old) = (api(carl_profile), api(&old_profile));
    let me = new.who_am_i().wait().expect("WhoAmI with the new key");
    let before = old.who_am_i().wait().expect("WhoAmI with the old key");
    assert_eq!(me.identity, before.identity, "the same identity");
    assert_ne!(me.key, before.key, "another key");
    assert_eq!((me.roles.clone(), me.roles_of_other_key.clone()), (vec![], vec![Role::Certifier]));

    let pending = erin.apply(&application("LOT-E2E-CA-ERIN-KEYS")).wait().expect("Apply as erin").value;
    w.expect(&pending, CertificateStatus::Pending);
    crate::steps::wait_visible(&new, &pending);
    let now = crate::steps::now();
    match new.approve(&pending, carl_key, &w.certifier_msp, now, None).wait() {
        Err(e) if e.code() == Some("UNAUTHORIZED") && e.to_string().contains("[role.key]") => {}
        other => panic!("the new key approves before the old one handed it the role: {other:?}"),
    }
    let moved = old.approve_role_key(&me.key).wait().expect("ApproveRoleKey by the old key").value;
    assert_eq!(moved.iter().map(|g| g.role).collect::<Vec<_>>(), vec![Role::Certifier]);
    crate::steps::wait_until_roles(&new, &[Role::Certifier]);
    new.approve(&pending, carl_key, &w.certifier_msp, now, None).wait().expect("the new key approves");
    w.expect(&pending, CertificateStatus::Active);
    match old.suspend(&pending, "old key").wait() {
        Err(e) if e.code() == Some("UNAUTHORIZED") && e.to_string().contains("[role.key]") => {}
        other => panic!("the old key still acts: {other:?}"),
    }
    eprintln!("      carl re-enrolled with a new key: refused until his old key approved it, then approved {pending}");
}

/// Re-enrolls NAME's wallet (made by [`enrolled_member`]) at its CA with a new key, as the
/// organisation's CA could issue another certificate under NAME; `profile` (NAME's) then
/// acts with the new key. Keeps the old wallet; answers a profile acting with the old key.
pub(crate) fn reenrolled_with_a_new_key(net: &Network, name: &str, profile: &Path) -> std::path::PathBuf {
    let wallets = net.scratch().join("wallets");
    let (wallet, old_wallet) = (wallets.join(name), wallets.join(format!("{name}-old")));
    std::fs::create_dir_all(&old_wallet).expect("old wallet");
    for entry in std::fs::read_dir(&wallet).expect("the member's wallet") {
        let path = entry.expect("wallet entry").path();
        if path.is_file() {
            std::fs::copy(&path, old_wallet.join(path.file_name().expect("file name"))).expect("copy the wallet");
        }
    }
    let old_profile = net.scratch().join(format!("{name}-old.yaml"));
    nanotrace(&["ca", "profile", "--wallet", s(&old_wallet), "--like", s(profile), "--out", s(&old_profile)]);
    nanotrace(&["ca", "reenroll", "--wallet", s(&wallet), "--new-key"]);
    old_profile
}

/// Registers NAME at the CA of organisation ORG (`MANUFACTURER`, `CERTIFIER`, … as
/// network.env names it) as that CA's registrar, enrolls NAME into its own wallet and
/// writes its connection profile (settings of profile `like`); returns the profile.
pub(crate) fn enrolled_member(net: &Network, org: &str, name: &str, like: &str) -> std::path::PathBuf {
    let wallets = net.scratch().join("wallets");
    let registrar = wallets.join(format!("ca-admin-{}", org.to_lowercase()));
    let wallet = wallets.join(name);
    let enroll = |id: &str, secret: &str, wallet: &Path| enroll_at(net, org, id, secret, wallet);
    if !registrar.join("cert.pem").is_file() {
        enroll("admin", "adminpw", &registrar);
    }
    let registered = nanotrace(&["ca", "register", "--wallet", s(&registrar), "--id", name]);
    enroll(name, registered["secret"].as_str().expect("the one-time secret"), &wallet);
    let out = net.scratch().join(format!("{}-{name}.yaml", org.to_lowercase()));
    nanotrace(&["ca", "profile", "--wallet", s(&wallet), "--like", s(&profile(net, like)), "--out", s(&out)]);
    out
}

/// A copy of profile `like` (another organisation's peer as gateway) acting as the
/// identity of profile `who`.
fn with_identity(like: &Path, who: &Path, out: &Path) {
    let identity = |text: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| !l.starts_with("identity:"))
            .skip(1)
            .take_while(|l| l.starts_with(' '))
            .map(str::to_owned)
            .collect()
    };
    let who_text = std::fs::read_to_string(who).expect("the member's profile");
    let mut lines: Vec<String> = Vec::new();
    let mut skipping = false;
    for line in std::fs::read_to_string(like).expect("the template profile").lines() {
        if skipping && line.starts_with(' ') {
            continue;
        }
        skipping = false;
        lines.push(line.to_owned());
        if line.starts_with("identity:") {
            lines.extend(identity(&who_text));
            skipping = true;
        }
    }
    std::fs::write(out, lines.join("\n") + "\n").expect("write the profile");
}

/// (i) Removing a member for real, in one command (`network.sh remove ORG NAME`): the
/// member's contract roles are revoked by the contract's admin, its certificates at the
/// organisation's CA, and the CRL goes into the organisation's MSP definition on the
/// channel. erin (no roles) is then refused by every peer — an evaluate through each of
/// the three gateways, and an Apply — writing nothing, while other members go on; carl
/// (a certifier) loses his role, so the contract refuses him an issuer key even from the
/// admin, and his approvals are refused like erin's Apply.
pub(crate) fn member_removed(w: &World, net: &Network) {
    let erin_profile = net.scratch().join("manufacturer-erin.yaml");
    let carl_profile = net.scratch().join("certifier-carl.yaml");
    assert!(erin_profile.is_file() && carl_profile.is_file(), "step (h) made erin's and carl's profiles");
    let gateways = ["manufacturer-dave", "certifier-alice", "regulator-rita"];
    let profiles: Vec<std::path::PathBuf> = gateways
        .iter()
        .map(|g| {
            let out = net.scratch().join(format!("erin-via-{g}.yaml"));
            with_identity(&profile(net, g), &erin_profile, &out);
            out
        })
        .collect();
    let api =
        |p: &Path| NanoTrace::new(GatewayTransport::from_profile(p).wait().unwrap_or_else(|e| panic!("connect: {e}")));
    for p in &profiles {
        api(p).who_am_i().wait().unwrap_or_else(|e| panic!("erin through {}: {e}", p.display()));
    }
    let carl = api(&carl_profile).who_am_i().wait().expect("WhoAmI as carl");
    assert_eq!(carl.roles, vec![Role::Certifier], "carl is a certifier before his removal");
    let height = w.height();

    let cli = nanotrace_systests::nanotrace_cli();
    let cli = cli.as_path();
    let report = net.remove("manufacturer", "erin", cli);
    assert!(report.contains("removed"), "{report}");
    // Only the configuration block: erin held no contract role.
    assert_eq!(w.height(), height + 1, "one configuration block, nothing else written");
    let height = w.height();

    for (g, p) in gateways.iter().zip(&profiles) {
        let e = api(p).who_am_i().wait().expect_err("a removed member's evaluate");
        assert!(e.is_identity_refused(), "through {g}: not an identity refusal: {e}");
    }
    let e =
        api(&erin_profile).apply(&application("LOT-E2E-CA-ERIN-REMOVED")).wait().expect_err("a removed member's Apply");
    assert!(e.is_identity_refused(), "Apply: not an identity refusal: {e}");
    assert_eq!(w.height(), height, "nothing written");

    // carl: his certifier role goes with him (RevokeRole, then the configuration block).
    net.remove("certifier", "carl", cli);
    assert_eq!(w.height(), height + 2, "RevokeRole and the configuration block");
    let e = api(&carl_profile).who_am_i().wait().expect_err("a removed certifier's evaluate");
    assert!(e.is_identity_refused(), "carl: not an identity refusal: {e}");
    let now = crate::steps::now();
    let key = IssuerSigner::new(ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng));
    let refused = client(net, "regulator-admin")
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: key.public_key_hex(),
            holder: carl.identity.clone(),
            valid_from: now - 60,
            valid_until: now + 86_400,
        })
        .wait()
        .expect_err("an issuer key for a removed certifier");
    assert!(refused.to_string().contains("does not hold the certifier role"), "{refused}");
    let height = w.height();

    // Everyone else goes on: dave applies, alice approves.
    let dave = w.apply("LOT-E2E-AFTER-REMOVAL");
    w.approve(&dave.value);
    assert_eq!(w.height(), height + 2);
    eprintln!(
        "      erin removed (CA revocation + CRL on the channel): refused by all three peers (identity), nothing \
         written; carl removed with his certifier role revoked; dave applied and alice approved {} after",
        dave.value
    );
}
