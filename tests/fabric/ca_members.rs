//! (h) Members from the Manufacturer's Fabric CA (issue 23): `network.sh up` starts one
//! `fabric-ca-server` per organisation, signing with the organisation's own CA key, so
//! what it issues chains to the root the channel already trusts. Through `nanotrace ca`:
//! the CA's admin enrolls into a wallet and registers erin; erin enrolls into hers (the
//! key made on her side, 0600) and gets a connection profile; erin applies through the
//! Gateway and alice approves; erin re-enrolls with a new key and applies again with the
//! same profile. frank, enrolled by Fabric CA's own `fabric-ca-client`, is accepted alike.

use crate::client::{client, profile};
use crate::network::Network;
use crate::steps::{application, World};
use nanotrace_model::*;
use nanotrace_peer_client::gateway::GatewayTransport;
use nanotrace_peer_client::NanoTrace;
use nanotrace_peer_client::Wait;
use std::path::Path;
use std::process::{Command, Stdio};

/// `nanotrace --json ARGS` (no inherited NANOTRACE_* settings): its JSON output.
fn nanotrace(args: &[&str]) -> serde_json::Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nanotrace"));
    for var in ["NANOTRACE_NETWORK", "NANOTRACE_PROFILE", "NANOTRACE_DATA_DIR", "NANOTRACE_IDENTITY"] {
        cmd.env_remove(var);
    }
    cmd.env_remove(crate::network::MARKER_VAR).arg("--json").args(args).stdin(Stdio::null());
    let out = cmd.output().expect("run nanotrace");
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

pub(crate) fn ca_members(w: &World, net: &Network) {
    std::fs::create_dir_all(net.scratch()).expect("scratch folder");
    let url = net.var("MANUFACTURER_CA_URL");
    let root = net.var("MANUFACTURER_CA_TLS_ROOT");
    let wallets = net.scratch().join("wallets");
    let (admin, erin) = (wallets.join("ca-admin"), wallets.join("erin"));
    let enroll = |id: &str, secret: &str, wallet: &Path| {
        nanotrace(&[
            "ca",
            "enroll",
            "--url",
            &url,
            "--tls-root",
            &root,
            "--id",
            id,
            "--secret",
            secret,
            "--wallet",
            s(wallet),
        ])
    };
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
    let cert = client(net, "regulator-rita").get_certificate(&id).wait().expect("GetCertificate");
    assert!(cert.applicant.id.contains("CN=erin"), "the applicant is erin: {:?}", cert.applicant);
    let alice = client(net, "certifier-alice");
    alice
        .approve(&id, &w.signer, &w.certifier_msp, crate::steps::now(), None)
        .wait()
        .expect("Approve erin's application");
    w.expect(&id, CertificateStatus::Active);

    // erin re-enrolls with a new key; the same profile (it names the wallet's files) works.
    let key_before = std::fs::read_to_string(erin.join("key.pem")).expect("key");
    nanotrace(&["ca", "reenroll", "--wallet", s(&erin), "--new-key"]);
    assert_ne!(std::fs::read_to_string(erin.join("key.pem")).expect("key"), key_before);
    // The contract names an identity by subject and issuer (`x509::<subject>::<issuer>`):
    // a re-enrolled certificate is the same identity, so roles granted to it remain.
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

/// (i) Removing a member for real: erin's certificates are revoked at the Manufacturer's
/// CA, and the CRL goes into ManufacturerMSP's definition on the channel
/// (`network.sh crl`): every peer then refuses her — an evaluate through each of the
/// three gateways, and an Apply — writing nothing, while other members go on.
pub(crate) fn member_removed(w: &World, net: &Network) {
    let wallets = net.scratch().join("wallets");
    let (admin, erin) = (wallets.join("ca-admin"), wallets.join("erin"));
    let erin_profile = net.scratch().join("manufacturer-erin.yaml");
    assert!(erin_profile.is_file(), "step (h) made erin's profile");
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

    let crl = net.scratch().join("manufacturer-crl.pem");
    let out = nanotrace(&[
        "ca",
        "revoke",
        "--wallet",
        s(&admin),
        "--id",
        "erin",
        "--reason",
        "cessationofoperation",
        "--crl-out",
        s(&crl),
    ]);
    assert!(!out["revoked"].as_array().expect("revoked").is_empty(), "{out}");
    net.crl("manufacturer", &crl);
    let height = w.height();

    for (g, p) in gateways.iter().zip(&profiles) {
        let e = api(p).who_am_i().wait().expect_err("a removed member's evaluate");
        assert!(e.is_identity_refused(), "through {g}: not an identity refusal: {e}");
    }
    let e =
        api(&erin_profile).apply(&application("LOT-E2E-CA-ERIN-REMOVED")).wait().expect_err("a removed member's Apply");
    assert!(e.is_identity_refused(), "Apply: not an identity refusal: {e}");
    assert_eq!(w.height(), height, "nothing written");
    let _ = erin;
    // Everyone else goes on.
    let dave = w.apply("LOT-E2E-AFTER-REMOVAL");
    assert_eq!(w.height(), height + 1);
    eprintln!(
        "      erin revoked at the CA, the CRL in ManufacturerMSP's definition: refused by all three peers \
         (identity), nothing written; dave applied {} after",
        dave.value
    );
}
