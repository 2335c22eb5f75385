//! The lifecycle in Chromium on a real Fabric network (skipped, loudly, without Fabric
//! binaries): one console per organisation beside its gateway peer, each with no
//! identity of its own. The Manufacturer's admin registers a member at the
//! organisation's Fabric CA (the registration signed in the admin's browser), the
//! member enrolls with a key made in their browser and applies; the certifier makes an
//! issuer key in the browser and hands its request code to the Regulator's governance
//! admin, who registers it in the Regulator's console; the certifier approves (every
//! read and every transaction signed in the browser, evaluated and endorsed by the
//! peers); the public verifier, following the Regulator's peer, shows VALID; the
//! certifier revokes; REVOKED. Screenshots `console-fabric-*` at 360 and 1280 px.

use serde_json::json;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nanotrace_client::{GatewayTransport, NanoTrace, Wait};
use nanotrace_fabric_gateway::ConnectionProfile;
use nanotrace_testkit::fabric::governance::{govern, msp_ids, Grants};
use nanotrace_testkit::fabric::network::{Fabric, Network};

use crate::browser::{fill_application, ConsoleSteps, Profile, CHROMIUM};
use crate::process::{key_traces, ConsoleProcess};
use nanotrace_testkit::fabric::verifier::VerifierProcess;

/// Below the ephemeral port range (32768–60999), where an outgoing connection could hold a
/// node's port.
const PORT_BASE: u16 = 32050;

/// A binary of the workspace beside this test's target folder.
fn workspace_bin(name: &str) -> PathBuf {
    nanotrace_testkit::bins::workspace_bin(name)
}

/// The flags of the console of `org` (`manufacturer`, `certifier`, `regulator`), from the
/// network's typed run file.
fn console_args(net: &Network, org: &str, verifier_url: &str) -> Vec<OsString> {
    let entry = net.run_file().organization(org).unwrap_or_else(|| panic!("{org} in network.json"));
    let peer = entry.peer.as_ref().unwrap_or_else(|| panic!("{org} runs a peer"));
    // …/peerOrganizations/<domain>/users/Admin@<domain>/msp → …/peerOrganizations/<domain>/msp
    let org_msp = entry.admin_msp.ancestors().nth(3).expect("the organisation's folder").join("msp");
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    [
        ("--fabric-gateway", peer.address.clone()),
        ("--fabric-tls-ca", path(&peer.tls_ca)),
        ("--fabric-server-name", peer.server_name.clone()),
        ("--fabric-msp-id", entry.msp_id.clone()),
        ("--fabric-msp-dir", path(&org_msp)),
        ("--fabric-ca-url", entry.ca.url.clone()),
        ("--fabric-ca-name", format!("ca-{org}")),
        ("--fabric-ca-tls-root", path(&entry.ca.tls_root)),
        ("--verifier-url", verifier_url.to_owned()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [OsString::from(flag), OsString::from(value)])
    .collect()
}

/// The certificate and key files of `<org>-<user>`'s connection profile.
fn key_files(net: &Network, name: &str) -> (String, PathBuf, PathBuf) {
    let profile = ConnectionProfile::load(net.run_dir.join(format!("profiles/{name}.yaml"))).expect("profile");
    (profile.identity.msp_id, profile.identity.cert, profile.identity.key)
}

fn client(net: &Network, name: &str) -> NanoTrace<GatewayTransport> {
    let path = net.run_dir.join(format!("profiles/{name}.yaml"));
    NanoTrace::new(GatewayTransport::from_profile(path).wait().unwrap_or_else(|e| panic!("connect as {name}: {e}")))
}

#[test]
fn on_fabric_the_lifecycle_in_chromium_admin_registers_member_enrolls_applies_certifier_approves_and_revokes() {
    let Some(fabric) = Fabric::find_or_skip("the members' console on Fabric in Chromium") else {
        return;
    };
    assert!(Path::new(CHROMIUM).exists(), "{CHROMIUM} is missing: install Debian's chromium");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned();
    let run_dir = std::env::var_os("NANOTRACE_CONSOLE_FABRIC_RUN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".run/console-fabric"));
    let t = Instant::now();
    let mut net = Network::new(fabric, &root, run_dir, PORT_BASE);
    net.up();
    net.deploy("nanotrace", net.layout().service_port(0), &workspace_bin("nanotrace-chaincode"));
    // Governance as the sample network has it: the organisations registered, Alice a
    // certifier. (Her issuer key for this test is made in her browser below.)
    let alice_holder = client(&net, "certifier-alice").who_am_i().wait().expect("WhoAmI").holder();
    let rita_holder = client(&net, "regulator-rita").who_am_i().wait().expect("WhoAmI").holder();
    let grants = Grants { certifier: &alice_holder, auditor: Some(&rita_holder), label: "console on fabric" };
    govern(&client(&net, "regulator-admin"), &msp_ids(|v| net.var(v)), &grants);
    eprintln!("[console-fabric] network up, chaincode deployed, governance set up in {:.1?}", t.elapsed());

    let scratch = net.scratch().to_owned();
    let verifier_dir = scratch.join("console-verifier");
    let _ = std::fs::remove_dir_all(&verifier_dir);
    std::fs::create_dir_all(&verifier_dir).expect("verifier dir");
    let verifier = VerifierProcess::start(
        &workspace_bin("nanotrace-verifier"),
        &net.run_dir.join("profiles/regulator-rita.yaml"),
        &verifier_dir.join("cache"),
        &verifier_dir.join("verifier.log"),
        &["--poll-ms", "100"],
    );
    let consoles: Vec<ConsoleProcess> = ["manufacturer", "certifier", "regulator"]
        .iter()
        .map(|org| ConsoleProcess::fabric(&console_args(&net, org, &verifier.url())))
        .collect();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(refusals(&net, &consoles[0].url));
    runtime.block_on(lifecycle(&net, &consoles, &verifier));

    // No member's private key reached a console: not in its logs, not in its memory.
    for (console, profile) in consoles.iter().zip(["manufacturer-admin", "certifier-alice", "regulator-admin"]) {
        let (_, cert, key) = key_files(&net, profile);
        let pem = std::fs::read_to_string(&key).expect("key file");
        let logs = console.logs();
        let mut needles: Vec<(String, Vec<u8>)> =
            key_traces(&pem).into_iter().map(|(w, b)| (format!("{profile} {w}"), b)).collect();
        for (what, bytes) in &needles {
            if let Ok(text) = std::str::from_utf8(bytes) {
                assert!(!logs.contains(text), "{what} is in the console's logs");
            }
        }
        let body: String =
            std::fs::read_to_string(&cert).expect("cert").lines().filter(|l| !l.starts_with("-----")).collect();
        needles.push(("control".into(), body.as_bytes()[..48].to_vec()));
        let needles: Vec<(&str, Vec<u8>)> = needles.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        assert_eq!(console.memory_holds(&needles), vec!["control".to_owned()], "{profile}: only the certificate");
        assert!(logs.contains("signed in"), "{profile}'s console logs its sign-ins");
    }
    drop(consoles);
    drop(verifier);
    net.down(false);
}

/// The console's security tests (`security.rs`) again on Fabric, where sign-in checks
/// the organisation's MSP folder and transactions go to the gateway peer: a certificate of
/// another organisation's Fabric CA, or a member's certificate with another key, signs in
/// nowhere; a challenge is answered once; a transaction without the CSRF token, or with
/// another, is refused before anything is proposed.
async fn refusals(net: &Network, manufacturer: &str) {
    use p256::pkcs8::DecodePrivateKey as _;
    let member = |profile: &str, msp_id: &str, key: Option<p256::ecdsa::SigningKey>| {
        let (_, cert, key_file) = key_files(net, profile);
        let cert = std::fs::read_to_string(cert).expect("certificate");
        let key = key.unwrap_or_else(|| {
            let pem = std::fs::read_to_string(key_file).expect("key file");
            p256::SecretKey::from_pkcs8_pem(&pem).expect("a PKCS#8 P-256 key").into()
        });
        crate::support::Member::new(manufacturer, msp_id, &cert, key)
    };
    let random = || Some(p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    let err = member("certifier-alice", "ManufacturerMSP", None).sign_in().await.expect_err("another org's CA");
    assert!(err.contains("not issued by a CA of ManufacturerMSP"), "{err}");
    let err = member("manufacturer-dave", "ManufacturerMSP", random()).sign_in().await.expect_err("another key");
    assert!(err.contains("does not match your certificate"), "{err}");

    let dave = member("manufacturer-dave", "ManufacturerMSP", None);
    let c = dave
        .post_with("/api/signin/challenge", &json!({ "msp_id": "ManufacturerMSP", "cert_pem": dave.cert_pem }), None)
        .await;
    let body = dave.challenge_answer(&c.json);
    let signed_in = dave.post_with("/api/signin", &body, None).await;
    assert!(signed_in.ok(), "dave signs in: {}", signed_in.error());
    assert_eq!(dave.post_with("/api/signin", &body, None).await.status, 403, "the same answer again");

    let mut dave = member("manufacturer-dave", "ManufacturerMSP", None);
    dave.sign_in().await.expect("dave signs in");
    let form = crate::support::apply_form("CSRF on Fabric", "LOT-CSRF-FABRIC");
    let none = dave.post_with("/api/tx/apply", &form, None).await;
    let wrong = dave.post_with("/api/tx/apply", &form, Some("not-the-token")).await;
    assert_eq!((none.status.as_u16(), wrong.status.as_u16()), (403, 403), "{} / {}", none.error(), wrong.error());
    let proposed = dave.propose("/api/tx/apply", &form).await;
    assert!(proposed.ok() && proposed.json["tx_id"].is_string(), "with the token it is proposed: {}", proposed.error());
    eprintln!("[console-fabric] refused: another CA's certificate, another key, a replayed challenge, a missing or wrong CSRF token");
}

/// POSTs `body` to `path` from `profile`'s page as the console's script does; the status.
async fn post_status(profile: &Profile, path: &str, body: &str) -> String {
    profile
        .eval(&format!(
            "fetch({path:?}, {{ method: 'POST', credentials: 'same-origin', headers: {{ 'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content }}, body: {body:?} }}).then(r => String(r.status))"
        ))
        .await
}

/// Issue 44: an invitation cancelled (or lapsed) in the console is withdrawn at the
/// organisation's Fabric CA too, by a revocation the admin's browser signs, so its secret
/// no longer enrolls there with `fabric-ca-client` either. Frank's invitation is
/// cancelled with the Cancel button (cancel and revocation in one go); Grace's by a bare
/// cancel, after which the Members page offers "Withdraw at the CA".
async fn withdrawn_invitations(net: &Network, admin: &Profile, base: &str) {
    let root = std::fs::read(net.var("MANUFACTURER_CA_TLS_ROOT")).expect("the CA's TLS root");
    let ca = nanotrace_fabric_ca::CaClient::new(&net.var("MANUFACTURER_CA_URL"), Some(&root))
        .expect("a CA client")
        .with_ca_name("ca-manufacturer");
    let secret = |link: &str| link.rsplit_once('#').expect("the secret in the link's fragment").1.to_owned();
    let row = |name: &str, text: &str| {
        format!("[...document.querySelectorAll('ul.list li')].some(li => li.textContent.includes('{name} ') && li.textContent.includes('{text}'))")
    };
    let frank = secret(&admin.invite(base, "frank@manufacturer").await);
    let grace = secret(&admin.invite(base, "grace@manufacturer").await);
    admin.goto(&format!("{base}/members")).await;
    admin
        .wait_for("frank's Cancel button", "document.querySelector(\"[data-cancel-invitation='frank@manufacturer']\")")
        .await;
    admin.click("[data-cancel-invitation='frank@manufacturer']").await;
    admin.wait_for("frank withdrawn at the CA", &row("frank@manufacturer", "registration revoked at the CA")).await;

    // A bare cancel (the browser never signs the revocation) leaves the registration;
    // the page says so and offers to withdraw it. Nothing is withdrawn twice, and an open
    // invitation is not withdrawn.
    assert_eq!(
        post_status(admin, "/api/members/withdrawal", r#"{"name":"grace@manufacturer"}"#).await,
        "400",
        "an open invitation"
    );
    assert_eq!(post_status(admin, "/api/members/cancel", r#"{"name":"grace@manufacturer"}"#).await, "200");
    admin.goto(&format!("{base}/members")).await;
    admin.wait_for("grace still registered", &row("grace@manufacturer", "still registered at the CA")).await;
    admin.screenshots("console-fabric-02b-withdraw-at-the-ca").await;
    // A withdrawal signed by no key of the admin's is refused by the CA, and its stage is
    // spent: sent again it is unknown. Grace stays "still registered".
    let request_id = admin
        .eval(
            "fetch('/api/members/withdrawal', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content }, body: JSON.stringify({ name: 'grace@manufacturer' }) }).then(r => r.json()).then(j => j.request_id)",
        )
        .await;
    let forged = format!(r#"{{"request_id":"{request_id}","signature":"{}AQ=="}}"#, "AQEB".repeat(21));
    assert_eq!(post_status(admin, "/api/members/withdraw", &forged).await, "502", "a signature of another key");
    assert_eq!(post_status(admin, "/api/members/withdraw", &forged).await, "409", "a spent stage, replayed");
    admin.goto(&format!("{base}/members")).await;
    admin.wait_for("grace still registered", &row("grace@manufacturer", "still registered at the CA")).await;
    admin.click("[data-withdraw-invitation='grace@manufacturer']").await;
    admin.wait_for("grace withdrawn at the CA", &row("grace@manufacturer", "registration revoked at the CA")).await;
    assert_eq!(
        post_status(admin, "/api/members/withdrawal", r#"{"name":"grace@manufacturer"}"#).await,
        "400",
        "withdrawn already"
    );

    for (name, secret) in [("frank@manufacturer", &frank), ("grace@manufacturer", &grace)] {
        match ca.enroll(name, secret).await {
            Err(nanotrace_fabric_ca::CaError::Refused { .. }) => {}
            other => panic!("{name}'s secret still enrolls at the CA after the withdrawal: {other:?}"),
        }
    }
    eprintln!("[console-fabric] frank's and grace's cancelled invitations revoked at ca-manufacturer; their secrets enroll nowhere");
}

async fn lifecycle(net: &Network, consoles: &[ConsoleProcess], verifier: &VerifierProcess) {
    let (manufacturer, certifier, regulator) = (&consoles[0].url, &consoles[1].url, &consoles[2].url);
    let shots = "console-fabric";
    let welcome = "document.querySelector('h1') && document.querySelector('h1').textContent.includes('Welcome')";

    // The Manufacturer's admin imports the key file the organisation's CA issued.
    let admin = Profile::launch(manufacturer).await;
    let (msp, cert, key) = key_files(net, "manufacturer-admin");
    admin.import_key_files(&msp, &cert, &key).await;
    admin.wait_for("the admin's home page", welcome).await;
    admin.screenshots(&format!("{shots}-01-admin-home")).await;

    // … and registers a member at the CA: the registration is signed in the browser.
    let link = admin.invite(manufacturer, "erin@manufacturer").await;
    admin.screenshots(&format!("{shots}-02-members")).await;

    // Erin enrolls at the Manufacturer's CA with a key made in her browser.
    let erin = Profile::launch(&link).await;
    erin.wait_for("the enroll page", "document.getElementById('enroll')").await;
    erin.click("#enroll").await;
    erin.wait_for(
        "erin's home page",
        "document.querySelector('.who') && document.querySelector('.who').textContent.includes('erin@manufacturer')",
    )
    .await;
    erin.wait_for("the applicant's cards", "document.querySelector('a.card[href=\"/apply\"]')").await;
    // A member who is no organisation admin registers nobody, whatever she sends.
    for (path, body) in [
        ("/api/members", r#"{"name":"mallory@manufacturer"}"#),
        ("/api/members/register", r#"{"request_id":"x","signature":"AA=="}"#),
        ("/api/members/withdrawal", r#"{"name":"erin@manufacturer"}"#),
        ("/api/members/withdraw", r#"{"request_id":"x","signature":"AA=="}"#),
    ] {
        assert_eq!(post_status(&erin, path, body).await, "404", "a client member's POST {path}");
    }
    withdrawn_invitations(net, &admin, manufacturer).await;

    // She applies with an SDS file (the form's reads, then the transaction, signed by her).
    erin.goto(&format!("{manufacturer}/apply")).await;
    // The form once the page's reads are signed (until then the page reloads itself).
    erin.wait_for(
        "the application form",
        "document.querySelector('form[data-tx=apply]') && !document.getElementById('sign-reads')",
    )
    .await;
    let sds = net.scratch().join("console-sds.pdf");
    std::fs::write(&sds, b"%PDF-1.4 safety data sheet, console on Fabric\n").expect("sds");
    fill_application(&erin, "Fabric SolarShield <i>SPF 30</i>", &sds).await;
    erin.click("form[data-tx=apply] button[type=submit]").await;
    erin.wait_for("the new certificate's page", "location.pathname.startsWith('/certificates/NT-') && document.querySelector('h1') && document.querySelector('h1').textContent.includes('SolarShield')").await;
    let id = erin.eval("location.pathname.split('/')[2]").await;
    assert_eq!(erin.eval("document.querySelector('h1').textContent").await, "Fabric SolarShield <i>SPF 30</i>");
    assert!(erin.eval("document.body.textContent").await.contains("verdict PENDING"), "pending after applying");
    erin.screenshots(&format!("{shots}-03-certificate-pending")).await;

    // Alice, in the certifier's console, makes an issuer key in her browser; its request
    // code goes to the Regulator's governance admin.
    let alice = Profile::launch(certifier).await;
    let (msp, cert, key) = key_files(net, "certifier-alice");
    alice.import_key_files(&msp, &cert, &key).await;
    alice.wait_for("alice's home", welcome).await;
    alice.goto(&format!("{certifier}/keys")).await;
    alice.wait_for("the keys page", "document.getElementById('create-issuer-key')").await;
    alice.click("#create-issuer-key").await;
    alice
        .wait_for(
            "the issuer key",
            "(document.getElementById('issuer-key-status').dataset.keyId || '').startsWith('ik-')",
        )
        .await;
    let key_id = alice.eval("document.getElementById('issuer-key-status').dataset.keyId").await;
    alice.goto(&format!("{certifier}/keys")).await;
    alice.wait_for("the request code", &format!("document.querySelector(\"[data-key-request='{key_id}']\")")).await;
    let code = alice.eval(&format!("document.querySelector(\"[data-key-request='{key_id}']\").textContent")).await;
    alice.screenshots(&format!("{shots}-04-issuer-key")).await;

    let regulator_admin = Profile::launch(regulator).await;
    let (msp, cert, key) = key_files(net, "regulator-admin");
    regulator_admin.import_key_files(&msp, &cert, &key).await;
    regulator_admin.wait_for("the regulator admin's home", welcome).await;
    regulator_admin.goto(&format!("{regulator}/keys")).await;
    regulator_admin.wait_for("the code form", "document.querySelector('form[data-tx=register-key-code]')").await;
    regulator_admin.type_into("form[data-tx=register-key-code] [name=code]", &code).await;
    regulator_admin.click("form[data-tx=register-key-code] button[type=submit]").await;
    regulator_admin
        .wait_for("the trust list with the key", &format!("location.pathname === '/keys' && document.querySelector('h1') && document.body.textContent.includes('{key_id} · ')"))
        .await;
    regulator_admin.screenshots(&format!("{shots}-05-trust-list")).await;

    // Alice approves from her queue: the issuer key signs in her browser.
    alice.goto(&format!("{certifier}/queue")).await;
    alice.wait_for("the queue", &format!("document.querySelector(\"a[href='/certificates/{id}']\")")).await;
    alice.screenshots(&format!("{shots}-06-queue")).await;
    alice.click(&format!("a[href='/certificates/{id}']")).await;
    alice.wait_for("the detail page", "document.querySelector('form[data-tx=approve]')").await;
    alice.click("form[data-tx=approve] button[type=submit]").await;
    alice.wait_for("VALID", "document.body.textContent.includes('verdict VALID')").await;
    alice.screenshots(&format!("{shots}-07-approved")).await;

    // The public verifier, following the Regulator's peer, shows it VALID.
    let public = Profile::launch(&format!("{}/c/{id}", verifier.url())).await;
    public
        .wait_for("VALID on the verifier", "document.body && document.body.textContent.includes('valid and in force')")
        .await;
    public.screenshots(&format!("{shots}-08-verifier-valid")).await;

    // Alice revokes it with a reason; the verifier says REVOKED; Erin sees it.
    alice.type_into("form[data-tx=revoke] [name=reason]", "SDS withdrawn by the supplier").await;
    alice.click("form[data-tx=revoke] button[type=submit]").await;
    alice.wait_for("REVOKED", "document.body.textContent.includes('verdict REVOKED')").await;
    public.goto(&format!("{}/c/{id}", verifier.url())).await;
    public.wait_for("REVOKED on the verifier", "document.body && document.body.textContent.includes('REVOKED')").await;
    public.screenshots(&format!("{shots}-09-verifier-revoked")).await;
    erin.goto(&format!("{manufacturer}/certificates/{id}")).await;
    erin.wait_for("erin's page says REVOKED", "document.body.textContent.includes('verdict REVOKED')").await;
    erin.screenshots(&format!("{shots}-10-revoked")).await;

    // Rita, the Regulator's auditor, reads the channel's blocks in the ledger view: the
    // certificate's three transactions, each endorsed with signatures that check, VALID,
    // in blocks whose hashes link.
    let rita = Profile::launch(regulator).await;
    let (msp, cert, key) = key_files(net, "regulator-rita");
    rita.import_key_files(&msp, &cert, &key).await;
    rita.wait_for("rita's home", "document.querySelector('a[href=\"/ledger\"]')").await;
    rita.goto(&format!("{regulator}/ledger?certificate={id}")).await;
    rita.wait_for("the ledger view", "document.querySelectorAll('table.ledger tbody tr').length === 3").await;
    let functions = rita
        .eval("[...document.querySelectorAll('td[data-label=Function]')].map(td => td.textContent).join(',')")
        .await;
    assert_eq!(functions, "RevokeVALID,ApproveVALID,ApplyVALID", "newest first, each VALID");
    assert_eq!(rita.eval("document.querySelectorAll('table.ledger .bad').length").await, "0", "nothing broken");
    let endorsed = rita
        .eval("[...document.querySelectorAll('td[data-label=\"Endorsed by\"]')].map(td => td.querySelectorAll('.ok').length).join(',')")
        .await;
    assert!(endorsed.split(',').all(|n| n.parse::<u32>().unwrap_or(0) >= 2), "each endorsed by two peers: {endorsed}");
    let linked = rita.eval("document.querySelectorAll('td[data-label=Chain] .ok').length").await;
    assert!(linked.parse::<u32>().unwrap_or(0) >= 1, "blocks linked to the block before: {linked}");
    rita.screenshots(&format!("{shots}-11-ledger")).await;
    let cut = rita
        .eval_at_width(
            360,
            "[...document.querySelectorAll('table.ledger td')].filter(td => td.getBoundingClientRect().right > window.innerWidth + 0.5).length",
        )
        .await;
    assert_eq!(cut, "0", "ledger cells beyond a 360 px screen");

    for p in [admin, erin, alice, regulator_admin, public, rita] {
        p.close().await;
    }
}
