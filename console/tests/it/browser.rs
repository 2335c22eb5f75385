//! The whole lifecycle in a real browser: Debian's Chromium, headless, driven over the
//! DevTools protocol (chromiumoxide). Every key is made or imported by the page's own
//! script in the browser; this test only clicks, types and chooses files, as a person
//! would. Screenshots at 360 px and 1280 px are kept in `target/screenshots/`
//! ([`screenshot_dir`]).

use std::path::Path;
use std::time::Duration;

pub(crate) use nanotrace_testkit::browser::{screenshot_dir, Profile, CHROMIUM};

use crate::process::{key_traces, ConsoleProcess};
use crate::support::*;

/// Tries to export the member key this profile's IndexedDB holds.
const EXPORT_JS: &str = "(async () => { const db = await new Promise(r => { const q = indexedDB.open('nanotrace-console', 1); q.onsuccess = () => r(q.result); }); const m = await new Promise(r => { const q = db.transaction('keys').objectStore('keys').get('member'); q.onsuccess = () => r(q.result); }); try { await crypto.subtle.exportKey('pkcs8', m.key); return 'exported'; } catch (e) { return 'refused: ' + e.name; } })()";

/// What a person does on the console's own pages, in a browser profile.
pub(crate) trait ConsoleSteps {
    /// Signs in by importing the key files of `identity` (a data directory's
    /// `identities/NAME`) on the sign-in page, as a member with a key file does.
    async fn import_key(&self, msp_id: &str, identity: &Path);
    /// Signs in by importing the certificate file `cert` and the PKCS#8 key file `key`.
    async fn import_key_files(&self, msp_id: &str, cert: &Path, key: &Path);
    /// On the Members page of the console at `base`, invites `name` as an admin does;
    /// returns the enrollment link the page shows.
    async fn invite(&self, base: &str, name: &str) -> String;
}

impl ConsoleSteps for Profile {
    /// Signs in by importing the key files of `identity` (a data directory's
    /// `identities/NAME`) on the sign-in page, as a member with a key file does.
    async fn import_key(&self, msp_id: &str, identity: &Path) {
        self.import_key_files(msp_id, &identity.join("cert.pem"), &identity.join("key.pem")).await;
    }

    /// Signs in by importing the certificate file `cert` and the PKCS#8 key file `key`.
    async fn import_key_files(&self, msp_id: &str, cert: &Path, key: &Path) {
        self.wait_for("the sign-in page", "document.getElementById('import')").await;
        // A click that lands before the page is ready (a loaded machine) opens nothing:
        // click again while the section is closed.
        for _ in 0..20 {
            if self.try_eval("document.getElementById('import').open").await.as_deref() == Some("true") {
                break;
            }
            self.click("#import summary").await;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        self.wait_for("the import form", "document.getElementById('import').open && document.querySelector('#import-form button').offsetParent !== null").await;
        self.page
            .evaluate(format!("document.querySelector('#import-form select').value = {msp_id:?}"))
            .await
            .expect("organisation");
        self.choose_file("#import-form [name=cert]", cert).await;
        self.choose_file("#import-form [name=key]", key).await;
        self.click("#import-form button").await;
    }

    /// On the Members page of the console at `base`, invites `name` as an admin does;
    /// returns the enrollment link the page shows.
    async fn invite(&self, base: &str, name: &str) -> String {
        self.goto(&format!("{base}/members")).await;
        self.type_into("#invite-form [name=name]", name).await;
        self.click("#invite-form button").await;
        self.wait_for(
            &format!("{name}'s link"),
            "document.getElementById('invite-link').textContent.includes('/enroll#')",
        )
        .await;
        self.eval("document.getElementById('invite-link').textContent").await
    }
}

pub(crate) async fn fill_application(p: &Profile, product: &str, sds: &Path) {
    for (name, value) in [
        ("product_name", product),
        ("batch", "LOT-2026-B1"),
        ("supplier", "Kronos Nano Pigments GmbH"),
        ("substance_name", "Titanium dioxide"),
        ("cas_number", "13463-67-7"),
        ("d10_nm", "18"),
        ("d50_nm", "35"),
        ("d90_nm", "80"),
        ("fraction_1_100nm_percent", "92"),
        ("vssa_m2_per_cm3", "210"),
        ("sds_url", "https://sds.example.com/tio2-rev3.pdf"),
    ] {
        p.type_into(&format!("[name={name}]"), value).await;
    }
    p.choose_file("input[data-sha256-into]", sds).await;
    p.wait_for("the SDS hash", "document.querySelector('[name=sds_sha256]').value.length === 64").await;
}

#[tokio::test]
async fn the_lifecycle_in_chromium_admin_invites_member_enrolls_applies_certifier_approves_and_revokes() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium (scripts/prereqs.sh --tests does)"
    );
    let h = ConsoleProcess::serve();
    let ids = h.dir.path().join("identities");
    let shots = "console";

    // The regulator's admin imports their key file and signs in.
    let admin = Profile::launch(&h.url).await;
    admin.wait_for("the sign-in page", "document.getElementById('import')").await;
    admin.screenshots(&format!("{shots}-01-sign-in")).await;
    admin.import_key("RegulatorMSP", &ids.join(ADMIN)).await;
    admin
        .wait_for(
            "the admin's home page",
            "document.querySelector('h1') && document.querySelector('h1').textContent.includes('Welcome')",
        )
        .await;
    admin.screenshots(&format!("{shots}-02-admin-home")).await;

    // The admin invites a regulator member; the invitation page shows the link.
    let link = admin.invite(&h.url, "ivan@regulator").await;
    admin.screenshots(&format!("{shots}-03-members")).await;

    // The member opens the link in their own browser: key made there, enrolled, signed in.
    let ivan = Profile::launch(&link).await;
    ivan.wait_for("the enroll page", "document.getElementById('enroll')").await;
    ivan.screenshots(&format!("{shots}-04-enroll")).await;
    ivan.click("#enroll").await;
    ivan.wait_for(
        "ivan's home page",
        "document.querySelector('.who') && document.querySelector('.who').textContent.includes('ivan@regulator')",
    )
    .await;
    assert!(ivan.eval("document.getElementById('export-key-row').hidden").await == "true", "no export button");
    let exported = ivan.eval(EXPORT_JS).await;
    assert!(exported.starts_with("refused"), "the enrolled key cannot be exported: {exported}");
    ivan.close().await;

    // A member who chooses an exportable key gets the export button, and the key exports.
    let link = admin.invite(&h.url, "judy@regulator").await;
    let judy = Profile::launch(&link).await;
    judy.wait_for("the enroll page", "document.getElementById('enroll')").await;
    judy.click("#enroll-exportable").await;
    judy.click("#enroll").await;
    judy.wait_for(
        "the export button",
        "document.getElementById('export-key-row') && !document.getElementById('export-key-row').hidden",
    )
    .await;
    let exported = judy.eval(EXPORT_JS).await;
    assert_eq!(exported, "exported", "a key made exportable exports");
    judy.close().await;

    // The manufacturer's applicant imports their key and applies with an SDS file.
    let dave = Profile::launch(&h.url).await;
    dave.import_key("ManufacturerMSP", &ids.join(APPLICANT)).await;
    dave.wait_for(
        "dave's home page",
        "document.querySelector('.who') && document.querySelector('.who').textContent.includes('dave@manufacturer')",
    )
    .await;
    dave.goto(&format!("{}/apply", h.url)).await;
    let sds = h.dir.path().join("sds-rev3.pdf");
    std::fs::write(&sds, b"%PDF-1.4 safety data sheet for nano-TiO2, revision 3\n").expect("sds");
    fill_application(&dave, "SolarShield <b>SPF 50</b>", &sds).await;
    dave.screenshots(&format!("{shots}-05-apply")).await;
    dave.click("form[data-tx=apply] button[type=submit]").await;
    dave.wait_for("the new certificate's page", "location.pathname.startsWith('/certificates/NT-')").await;
    dave.wait_for("the page", "document.querySelector('h1')").await;
    let id = dave.eval("location.pathname.split('/')[2]").await;
    let title = dave.eval("document.querySelector('h1').textContent").await;
    assert_eq!(title, "SolarShield <b>SPF 50</b>", "markup in a product name is text");
    let sha = dave.eval("Array.from(document.querySelectorAll('dd.mono')).map(e => e.textContent).join(' ')").await;
    let expected = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&sds).expect("sds")));
    assert!(sha.contains(&expected), "the browser hashed the SDS file: {sha}");
    dave.screenshots(&format!("{shots}-06-certificate-pending")).await;

    // The certifier, in another profile, imports their key and creates an issuer key.
    let alice = Profile::launch(&h.url).await;
    alice.import_key("CertifierMSP", &ids.join(CERTIFIER)).await;
    alice
        .wait_for(
            "alice's home",
            "document.querySelector('.who') && document.querySelector('.who').textContent.includes('alice@certifier')",
        )
        .await;
    alice.goto(&format!("{}/keys", h.url)).await;
    alice.click("#create-issuer-key").await;
    alice
        .wait_for(
            "the issuer key",
            "(document.getElementById('issuer-key-status').dataset.keyId || '').startsWith('ik-')",
        )
        .await;
    let key_id = alice.eval("document.getElementById('issuer-key-status').dataset.keyId").await;

    // The admin registers it.
    admin.goto(&format!("{}/keys", h.url)).await;
    admin.click(&format!("button[data-register-key='{key_id}']")).await;
    admin.wait_for("the trust list", &format!("document.body.textContent.includes('{key_id}') && !document.querySelector(\"button[data-register-key='{key_id}']\")")).await;
    admin.screenshots(&format!("{shots}-07-issuer-keys")).await;

    // The certifier approves from the queue: the issuer key signs in the browser.
    alice.goto(&format!("{}/queue", h.url)).await;
    alice.screenshots(&format!("{shots}-08-queue")).await;
    alice.click(&format!("a[href='/certificates/{id}']")).await;
    alice.wait_for("the detail page", "document.querySelector('form[data-tx=approve]')").await;
    alice.screenshots(&format!("{shots}-09-review")).await;
    alice.click("form[data-tx=approve] button[type=submit]").await;
    alice.wait_for("VALID", "document.body.textContent.includes('verdict VALID')").await;
    // The approval carried the credential (issue 72): one transaction, already on the ledger.
    alice
        .wait_for(
            "the credential recorded by the approval",
            "document.body.textContent.includes('A credential is on the ledger')",
        )
        .await;
    alice.screenshots(&format!("{shots}-10-approved")).await;

    // The certifier signs the certificate's W3C Verifiable Credential with the same
    // browser key; a third party's library verifies what the page shows.
    alice.click(&format!("button[data-credential='{id}']")).await;
    alice.wait_for("the signed credential", "!document.getElementById('credential-json').hidden").await;
    // … and records it on the ledger (AttachCredential, signed by the member key).
    alice
        .wait_for(
            "the credential recorded",
            "document.getElementById('tx-status').textContent.includes('recorded on the ledger (transaction')",
        )
        .await;
    alice.screenshots(&format!("{shots}-10b-credential")).await;
    let text = alice.eval("document.getElementById('credential-json').textContent").await;
    let vc: serde_json::Value = serde_json::from_str(&text).expect("the page shows JSON");
    assert_eq!(vc["credentialSubject"]["certificateId"], id.as_str());
    assert_eq!(alice.eval("document.getElementById('credential-download').download").await, format!("{id}.vc.json"));
    if let Some(verdict) = crate::credential::third_party(&vc, &screenshot_dir(), "the browser-signed credential") {
        assert_eq!(verdict["verified"], true, "{verdict}");
        assert_eq!(verdict["mutationsVerified"], serde_json::json!([]), "{verdict}");
    }

    // Then revokes it with a reason.
    alice.type_into("form[data-tx=revoke] [name=reason]", "SDS revision withdrawn by the supplier").await;
    alice.click("form[data-tx=revoke] button[type=submit]").await;
    alice.wait_for("REVOKED", "document.body.textContent.includes('verdict REVOKED')").await;

    // The applicant sees it.
    dave.goto(&format!("{}/certificates/{id}", h.url)).await;
    dave.wait_for("the revoked page", "document.body.textContent.includes('REVOKED')").await;
    dave.screenshots(&format!("{shots}-11-revoked")).await;
    dave.goto(&format!("{}/certificates", h.url)).await;
    dave.wait_for("my certificates", &format!("document.body.textContent.includes('{id}')")).await;
    dave.screenshots(&format!("{shots}-13-my-certificates")).await;
    admin.goto(&format!("{}/roles", h.url)).await;
    admin.wait_for("the roles page", "document.querySelectorAll('select[name=identity] option').length >= 4").await;
    admin.screenshots(&format!("{shots}-14-roles")).await;

    // The regulator's inspector audits the ledger: every transaction (apply, the approval
    // that carried its credential, the credential signed again on its page, revoke), chain
    // checked.
    let inspector = Profile::launch(&h.url).await;
    inspector.import_key("RegulatorMSP", &ids.join(INSPECTOR)).await;
    inspector.wait_for("the inspector's home", "document.querySelector('a[href=\"/ledger\"]')").await;
    inspector.goto(&format!("{}/ledger?certificate={id}", h.url)).await;
    inspector.wait_for("the ledger view", "document.querySelectorAll('table.ledger tbody tr').length === 4").await;
    let functions = inspector
        .eval("[...document.querySelectorAll('td[data-label=Function]')].map(td => td.textContent.replace('VALID', '')).join(',')")
        .await;
    assert_eq!(
        functions, "Revoke,AttachCredential,Approve,Apply",
        "approving recorded the credential in the same transaction"
    );
    assert_eq!(inspector.eval("document.querySelectorAll('.bad').length").await, "0", "no broken link in the chain");
    inspector.screenshots(&format!("{shots}-12-ledger")).await;
    // On a phone every column of every transaction is on screen (stacked), none cut off.
    let cut = inspector
        .eval_at_width(
            360,
            "[...document.querySelectorAll('table.ledger td')].filter(td => td.getBoundingClientRect().right > window.innerWidth + 0.5).length",
        )
        .await;
    assert_eq!(cut, "0", "ledger cells beyond a 360 px screen");
    for p in [admin, dave, alice, inspector] {
        p.close().await;
    }

    // No member's private key reached the console: not in its logs, not in its memory.
    // (The control: the certificates members signed in with are there, so the scan sees
    // what the console received.)
    let logs = h.logs();
    let mut needles = Vec::new();
    for name in [ADMIN, APPLICANT, CERTIFIER] {
        let pem = std::fs::read_to_string(ids.join(name).join("key.pem")).expect("key file");
        for (what, bytes) in key_traces(&pem) {
            if let Ok(text) = std::str::from_utf8(&bytes) {
                assert!(!logs.contains(text), "{name}'s key ({what}) is in the console's logs");
            }
            needles.push((format!("{name} {what}"), bytes));
        }
    }
    let cert = std::fs::read_to_string(ids.join(APPLICANT).join("cert.pem")).expect("cert");
    let control: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    needles.push(("control".into(), control.as_bytes()[..48].to_vec()));
    let needles: Vec<(&str, Vec<u8>)> = needles.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    assert_eq!(h.memory_holds(&needles), vec!["control".to_owned()], "only the certificate, never a key");
    assert!(logs.contains("transaction committed") && logs.contains("signed in"), "the logs say what happened");
}
