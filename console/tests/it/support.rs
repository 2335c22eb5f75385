//! A console in this process on a fresh sample network, and members that speak its API
//! with their own keys, signing as WebCrypto signs.

use std::net::IpAddr;
use std::path::Path;

use data_encoding::BASE64;
use nanotrace_console::web::Console;
use nanotrace_console::Config;
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::DecodePrivateKey as _;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) use nanotrace_embedded::datadir::{ADMIN, APPLICANT, CERTIFIER, INSPECTOR};

pub(crate) struct Harness {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) url: String,
    /// The console's state (its sessions, its registry), to await what it holds.
    pub(crate) state: nanotrace_console::web::Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Harness {
    pub(crate) async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A console on a fresh sample network with `configure` applied to its defaults.
    pub(crate) async fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(nanotrace_testkit::datadir::sample_network(dir.path()));
        Self::configured(dir, configure).await
    }

    pub(crate) async fn on(dir: tempfile::TempDir) -> Self {
        Self::configured(dir, |_| {}).await
    }

    /// A console on `dir` with `configure` applied to its defaults.
    pub(crate) async fn configured(dir: tempfile::TempDir, configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::new(dir.path());
        configure(&mut config);
        config.listen = "127.0.0.1:0".parse().expect("addr");
        let console = Console::bind(config).await.expect("bind");
        let url = format!("http://{}", console.local_addr().expect("addr"));
        let state = console.state().clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            console
                .serve(async {
                    let _ = rx.await;
                })
                .await
                .expect("serve");
        });
        Harness { dir, url, state, shutdown: Some(tx), task: Some(task) }
    }

    pub(crate) fn member(&self, name: &str) -> Member {
        Member::from_files(&self.url, &self.dir.path().join("identities").join(name))
    }

    /// The data directory's identity `name`, signed in.
    pub(crate) async fn signed_in(&self, name: &str) -> Member {
        let mut member = self.member(name);
        member.sign_in().await.unwrap_or_else(|e| panic!("{name} signs in: {e}"));
        member
    }

    /// The ledger's height, read beside the console (which owns the database) as a
    /// read-only follower.
    pub(crate) fn height(&self) -> u64 {
        let scratch = tempfile::tempdir().expect("scratch");
        let ledger =
            nanotrace_ledger::Ledger::open_follower(&self.dir.path().join("ledger"), scratch.path()).expect("follower");
        ledger.catch_up().expect("catch up");
        ledger.height().expect("height")
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A member with a P-256 key, as the browser holds it.
pub(crate) struct Member {
    pub(crate) base: String,
    pub(crate) msp_id: String,
    pub(crate) cert_pem: String,
    pub(crate) key: p256::ecdsa::SigningKey,
    pub(crate) cookie: Option<String>,
    pub(crate) csrf: Option<String>,
    http: reqwest::Client,
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) json: Value,
}

impl Reply {
    pub(crate) fn ok(&self) -> bool {
        self.status.is_success()
    }
    pub(crate) fn error(&self) -> String {
        format!(
            "{} {}: {}",
            self.status,
            self.json["stage"].as_str().unwrap_or(""),
            self.json["message"].as_str().unwrap_or("")
        )
    }
}

/// r ‖ s, base64: what `crypto.subtle.sign({name: "ECDSA", hash: "SHA-256"}, …)` gives.
pub(crate) fn webcrypto_signature(key: &p256::ecdsa::SigningKey, bytes: &[u8]) -> String {
    let sig: p256::ecdsa::Signature = key.sign(bytes);
    BASE64.encode(&sig.to_bytes())
}

impl Member {
    pub(crate) fn from_files(base: &str, dir: &Path) -> Self {
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("identity file");
        let key = p256::SecretKey::from_pkcs8_pem(&read("key.pem")).expect("pkcs8 key");
        Member::new(base, read("msp_id").trim(), &read("cert.pem"), key.into())
    }

    pub(crate) fn new(base: &str, msp_id: &str, cert_pem: &str, key: p256::ecdsa::SigningKey) -> Self {
        // reqwest is built with `rustls-no-provider` in this workspace (the CA client's).
        let _ = rustls::crypto::ring::default_provider().install_default();
        Member {
            base: base.to_owned(),
            msp_id: msp_id.to_owned(),
            cert_pem: cert_pem.to_owned(),
            key,
            cookie: None,
            csrf: None,
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        }
    }

    pub(crate) fn sign(&self, b64: &str) -> String {
        webcrypto_signature(&self.key, &BASE64.decode(b64.as_bytes()).expect("base64 to sign"))
    }

    pub(crate) async fn post_with(&self, path: &str, body: &Value, csrf: Option<&str>) -> Reply {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("nt_session={c}"));
        }
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let json = resp.json().await.unwrap_or(Value::Null);
        Reply { status, json }
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_with(path, body, self.csrf.as_deref()).await
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("nt_session={c}"));
        }
        let resp = req.send().await.expect("request");
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.text().await.expect("body"))
    }

    /// `GET path`: the status, the headers and the body's bytes (a download).
    pub(crate) async fn get_bytes(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("nt_session={c}"));
        }
        let resp = req.send().await.expect("request");
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.bytes().await.expect("body").to_vec())
    }

    /// What the page sends to `/api/signin` for `challenge`: its signature and, on Fabric,
    /// the signed read of who the member is that the peer answers.
    pub(crate) fn challenge_answer(&self, challenge: &Value) -> Value {
        let signature = self.sign(challenge["challenge"].as_str().expect("a challenge"));
        let read = challenge["read"].as_str().map(|r| self.sign(r));
        json!({ "challenge_id": challenge["challenge_id"], "signature": signature, "read_signature": read })
    }

    /// Challenge, signature, session; keeps the cookie and the page's CSRF token.
    pub(crate) async fn sign_in(&mut self) -> Result<reqwest::header::HeaderMap, String> {
        let c = self
            .post_with("/api/signin/challenge", &json!({ "msp_id": self.msp_id, "cert_pem": self.cert_pem }), None)
            .await;
        if !c.ok() {
            return Err(c.error());
        }
        let resp = self
            .http
            .post(format!("{}/api/signin", self.base))
            .json(&self.challenge_answer(&c.json))
            .send()
            .await
            .expect("sign in");
        let headers = resp.headers().clone();
        if !resp.status().is_success() {
            return Err(format!("{} {}", resp.status(), resp.text().await.unwrap_or_default()));
        }
        let cookie = headers.get("set-cookie").and_then(|v| v.to_str().ok()).expect("set-cookie");
        let value = cookie.split(';').next().and_then(|p| p.strip_prefix("nt_session=")).expect("session cookie");
        self.cookie = Some(value.to_owned());
        let (_, _, home) = self.get("/").await;
        self.csrf =
            home.split("name=\"csrf-token\" content=\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned);
        assert!(self.csrf.is_some(), "the signed-in page carries the CSRF token");
        Ok(headers)
    }

    /// Proposes `action` with `form`; returns the proposal reply.
    pub(crate) async fn propose(&self, path: &str, form: &Value) -> Reply {
        self.post(path, form).await
    }

    /// The three stages; the committed reply or the first refusal.
    pub(crate) async fn transact(&self, path: &str, form: &Value) -> Result<Value, Reply> {
        let p = self.propose(path, form).await;
        if !p.ok() {
            return Err(p);
        }
        let tx_id = p.json["tx_id"].as_str().expect("tx_id").to_owned();
        let e = self
            .post(
                "/api/endorse",
                &json!({ "tx_id": tx_id, "signature": self.sign(p.json["sign"].as_str().expect("sign")) }),
            )
            .await;
        if !e.ok() {
            return Err(e);
        }
        let c = self
            .post(
                "/api/commit",
                &json!({ "tx_id": tx_id, "signature": self.sign(e.json["sign"].as_str().expect("sign")) }),
            )
            .await;
        if !c.ok() {
            return Err(c);
        }
        Ok(c.json)
    }
}

/// The sample application as the apply form's fields.
pub(crate) fn apply_form(product: &str, lot: &str) -> Value {
    json!({
        "product_name": product,
        "product_description": "Broad-spectrum sunscreen lotion with nano titanium dioxide as UV filter.",
        "gtin": "4006381333931",
        "batch": lot,
        "supplier": "Kronos Nano Pigments GmbH",
        "requested_validity_days": "365",
        "substance_name": "Titanium dioxide",
        "cas_number": "13463-67-7",
        "ec_number": "236-675-5",
        "d10_nm": "18", "d50_nm": "35", "d90_nm": "80",
        "fraction_1_100nm_percent": "92",
        "shape": "rod",
        "surface_treatment": "alumina, simethicone",
        "vssa_m2_per_cm3": "210",
        "sds_url": "https://sds.example.com/solarshield/tio2-nano-rev3.pdf",
        "sds_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "sds_revision": "3"
    })
}

/// The ID of the certificate a committed Apply went to.
pub(crate) fn certificate_of(committed: &Value) -> String {
    committed["done"]
        .as_str()
        .and_then(|d| d.strip_prefix("/certificates/"))
        .expect("done page of a certificate")
        .to_owned()
}

/// Enrolls with the link secret `secret` as a browser does (a new key, the request's
/// bytes signed): the key, the signed request's body and the console's answer to it.
pub(crate) async fn try_enroll(base: &str, secret: &str) -> (p256::ecdsa::SigningKey, Value, Reply) {
    use p256::pkcs8::EncodePublicKey as _;
    let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let spki = BASE64.encode(key.verifying_key().to_public_key_der().expect("spki").as_bytes());
    let anonymous = Member::new(base, "", "", key.clone());
    let request = anonymous.post("/api/enroll/request", &json!({ "secret": secret, "public_key": spki })).await;
    assert!(request.ok(), "{}", request.error());
    let signature = anonymous.sign(request.json["sign"].as_str().expect("tbs"));
    let body = json!({ "secret": secret, "public_key": spki, "signature": signature });
    let reply = anonymous.post("/api/enroll", &body).await;
    (key, body, reply)
}

/// An HTTP client whose connections come from `ip` (any 127.x.y.z reaches the console
/// on 127.0.0.1): another client, as the console's per-client limits see it.
pub(crate) fn client_from(ip: [u8; 4]) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().local_address(IpAddr::from(ip)).build().expect("client")
}

/// POSTs `body` to `path`; the status, the `Retry-After` header and the JSON answer
/// (`Null` when the answer is not JSON).
pub(crate) async fn post(client: &reqwest::Client, url: &str, body: &Value) -> (u16, Option<String>, Value) {
    let resp = client.post(url).json(body).send().await.expect("request");
    let status = resp.status().as_u16();
    let retry = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, retry, resp.json().await.unwrap_or(Value::Null))
}

pub(crate) fn challenge_body(m: &Member) -> Value {
    json!({ "msp_id": m.msp_id, "cert_pem": m.cert_pem })
}
