//! Test fixture for the web layer: certificates in every state, made by the real
//! contract on the in-memory ledger (real X.509 identities via rcgen, real Ed25519
//! issuer signatures), written into a real RocksDB cache.
#![allow(dead_code)]

use clap::Parser;
use ed25519_dalek::{Signer, SigningKey};
use nanotrace_chaincode::memory::MemoryLedger;
use nanotrace_chaincode::model::*;
use nanotrace_chaincode::stub::{Creator, TxTimestamp};
use nanotrace_chaincode::CertificateContract;
use nanotrace_verifier::cache::{Cache, CachedCertificate, SeenTx, Update};
use nanotrace_verifier::config::Config;
use nanotrace_verifier::state::{now, AppState, SyncState};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub const GOV_MSP: &str = "RegulatorMSP";
pub const CERTIFIER_MSP: &str = "CertifierMSP";
pub const MANUFACTURER_MSP: &str = "ManufacturerMSP";
pub const DAY: i64 = 86_400;
pub const GTIN: &str = "4006381333931";
pub const PUBLIC_URL: &str = "https://verify.example.org";
pub const XSS_NAME: &str = "<script>alert(\"pwned\")</script> Sunscreen & 'Co'";
pub const SUSPEND_REASON: &str = "particle size outside the declared range in audit 2026-07";
pub const REVOKE_REASON: &str = "SDS falsified: hash does not match the filed document";
pub const REJECT_REASON: &str = "CAS number does not match the substance tested";
pub const MAX_STALENESS: u64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    Admin,
    Certifier,
    Applicant,
    Anyone,
}

fn spec(who: Who) -> (&'static str, &'static str, &'static str) {
    match who {
        Who::Admin => (GOV_MSP, "admin", "Admin@regulator"),
        Who::Certifier => (CERTIFIER_MSP, "client", "alice@certifier"),
        Who::Applicant => (MANUFACTURER_MSP, "client", "dave@manufacturer"),
        Who::Anyone => ("StrangerMSP", "client", "mallory@stranger"),
    }
}

fn make_cert(msp: &str, ou: &str, cn: &str) -> Vec<u8> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, msp.trim_end_matches("MSP").to_lowercase() + ".example.com");
    dn.push(DnType::OrganizationalUnitName, ou);
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    params.self_signed(&key).expect("cert").pem().into_bytes()
}

fn creator(who: Who) -> Creator {
    static CREATORS: OnceLock<BTreeMap<Who, Creator>> = OnceLock::new();
    let all = CREATORS.get_or_init(|| {
        [Who::Admin, Who::Certifier, Who::Applicant, Who::Anyone]
            .into_iter()
            .map(|w| {
                let (msp, ou, cn) = spec(w);
                (w, Creator { msp_id: msp.to_owned(), id_bytes: make_cert(msp, ou, cn) })
            })
            .collect()
    });
    all[&who].clone()
}

fn actor(who: Who) -> Actor {
    nanotrace_chaincode::identity::parse_creator(&creator(who)).expect("identity").actor()
}

pub fn issuer_signing_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

pub fn issuer_key_id() -> String {
    nanotrace_chaincode::model::issuer_key_id(issuer_signing_key().verifying_key().as_bytes())
}

pub fn application(product: &str, batch: &str, validity_days: u32, depends_on: Vec<String>) -> Application {
    Application {
        product_name: product.into(),
        product_description: "Mineral UV filter dispersion with nano titanium dioxide".into(),
        gtin: Some(GTIN.into()),
        batch: batch.into(),
        supplier: "Kronos Nano Pigments GmbH".into(),
        requested_validity_days: validity_days,
        nanomaterial: Nanomaterial {
            substance_name: "Titanium dioxide".into(),
            cas_number: "13463-67-7".into(),
            ec_number: Some("236-675-5".into()),
            particle_size: ParticleSizeDistribution {
                d10_nm: 18.0,
                d50_nm: 35.0,
                d90_nm: 80.0,
                fraction_1_100nm: 0.92,
            },
            shape: Shape::Rod,
            surface_treatment: "alumina".into(),
            vssa_m2_per_cm3: 210.0,
        },
        sds: SafetyDataSheet {
            url: "https://sds.example.com/tio2-rev3.pdf".into(),
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            revision: 3,
        },
        depends_on,
    }
}

/// The in-memory ledger with a clock, recording each block's tx ID and time.
struct World {
    ledger: MemoryLedger,
    now: i64,
    blocks: Vec<(String, i64)>,
}

impl World {
    fn ok<Resp: DeserializeOwned>(&mut self, who: Who, function: &str, req: &impl Serialize) -> Resp {
        let arg = serde_json::to_vec(req).expect("encode");
        let ts = TxTimestamp { seconds: self.now, nanos: 0 };
        let (out, tx_id) = self
            .ledger
            .execute(&creator(who), ts, |stub| CertificateContract.invoke(stub, function, &[arg]))
            .unwrap_or_else(|e| panic!("{function} by {who:?} failed: {e}"));
        self.blocks.push((tx_id, self.now));
        self.now += 7;
        serde_json::from_slice(&out).expect("decode")
    }

    fn query<Resp: DeserializeOwned>(&self, function: &str, args: &[Vec<u8>]) -> Resp {
        let ts = TxTimestamp { seconds: self.now, nanos: 0 };
        let out = self
            .ledger
            .evaluate(&creator(Who::Anyone), ts, |stub| CertificateContract.invoke(stub, function, args))
            .unwrap_or_else(|e| panic!("{function} failed: {e}"));
        serde_json::from_slice(&out).expect("decode")
    }

    fn cert(&self, id: &str) -> Certificate {
        let arg = serde_json::to_vec(&CertificateIdRequest { certificate_id: id.into() }).expect("encode");
        let ts = TxTimestamp { seconds: self.now, nanos: 0 };
        let out = self
            .ledger
            .evaluate(&creator(Who::Certifier), ts, |stub| CertificateContract.invoke(stub, "GetCertificate", &[arg]))
            .expect("GetCertificate");
        serde_json::from_slice(&out).expect("decode")
    }

    fn apply(&mut self, app: Application) -> String {
        let ids: IdsResponse = self.ok(Who::Applicant, "Apply", &app);
        ids.certificate_ids[0].clone()
    }

    fn sign(&self, cert: &Certificate, validity_days: i64) -> (String, i64, i64, String) {
        let key_id = issuer_key_id();
        let issued_at = self.now;
        let valid_until = self.now + validity_days * DAY;
        let terms = IssuanceTerms { issuer_org: CERTIFIER_MSP, issuer_key_id: &key_id, issued_at, valid_until };
        let canonical = CanonicalCertificate::for_certificate(cert, &terms);
        let signature = hex::encode(issuer_signing_key().sign(&canonical.signing_input()).to_bytes());
        (key_id, issued_at, valid_until, signature)
    }

    fn approve(&mut self, id: &str, validity_days: i64) {
        let (issuer_key_id, issued_at, valid_until, signature) = self.sign(&self.cert(id), validity_days);
        let req = ApproveRequest { certificate_id: id.into(), issuer_key_id, issued_at, valid_until, signature };
        self.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    }

    fn issue(&mut self, app: Application) -> String {
        let days = i64::from(app.requested_validity_days);
        let id = self.apply(app);
        self.approve(&id, days);
        id
    }

    fn renew(&mut self, id: &str) -> String {
        let mut next = self.cert(id);
        next.version += 1;
        next.supersedes = Some(next.id.clone());
        next.id = nanotrace_chaincode::ids::renewal_id(id, next.version);
        let (issuer_key_id, issued_at, valid_until, signature) = self.sign(&next, 365);
        let req = RenewRequest { certificate_id: id.into(), issuer_key_id, issued_at, valid_until, signature };
        let ids: IdsResponse = self.ok(Who::Certifier, "Renew", &req);
        assert_eq!(ids.certificate_ids, [id.to_owned(), next.id.clone()], "Renew answers [old, new]");
        next.id
    }

    fn reason(&mut self, function: &str, id: &str, reason: &str) {
        self.ok::<Certificate>(
            Who::Certifier,
            function,
            &ReasonRequest { certificate_id: id.into(), reason: reason.into() },
        );
    }
}

/// The IDs of the certificates the fixture made, one per state.
#[derive(Debug, Clone)]
pub struct Ids {
    pub valid: String,
    pub expired: String,
    pub suspended: String,
    pub revoked: String,
    pub superseded: String,
    /// The renewal of `superseded` (VALID).
    pub renewed: String,
    pub pending: String,
    pub rejected: String,
    /// VALID, but depends on `suspended`.
    pub flagged: String,
    /// VALID, with markup in its product name.
    pub xss: String,
    /// Well formed, never issued.
    pub unknown: String,
}

impl Ids {
    pub fn all_known(&self) -> Vec<&str> {
        vec![
            &self.valid,
            &self.expired,
            &self.suspended,
            &self.revoked,
            &self.superseded,
            &self.renewed,
            &self.pending,
            &self.rejected,
            &self.flagged,
            &self.xss,
        ]
    }
}

struct Built {
    update: Update,
    ids: Ids,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let real_now = now();
        let mut w = World { ledger: MemoryLedger::new(), now: real_now - 100 * DAY, blocks: Vec::new() };
        w.ok::<Governance>(Who::Admin, "Bootstrap", &BootstrapRequest {});
        for (msp, name, kind) in [
            (GOV_MSP, "National Nanomaterial Regulator", OrgKind::Regulator),
            (CERTIFIER_MSP, "NanoCert Certification Body", OrgKind::Certifier),
            (MANUFACTURER_MSP, "Acme Nanomaterials", OrgKind::Manufacturer),
        ] {
            w.ok::<Organization>(
                Who::Admin,
                "RegisterOrganization",
                &RegisterOrganizationRequest { msp_id: msp.into(), name: name.into(), kind },
            );
        }
        w.ok::<RoleGrant>(
            Who::Admin,
            "GrantRole",
            &RoleRequest { identity: actor(Who::Certifier), role: Role::Certifier },
        );
        w.ok::<IssuerKey>(
            Who::Admin,
            "RegisterIssuerKey",
            &RegisterIssuerKeyRequest {
                public_key: hex::encode(issuer_signing_key().verifying_key().as_bytes()),
                holder: actor(Who::Certifier),
                valid_from: real_now - 200 * DAY,
                valid_until: real_now + 3650 * DAY,
            },
        );

        // Issued 100 days ago for 30 days: EXPIRED 70 days ago.
        let expired = w.issue(application("SolarShield SPF 30 (2025 stock)", "LOT-EXPIRED", 30, vec![]));

        w.now = real_now - 10 * DAY;
        let valid = w.issue(application("SolarShield Mineral Sunscreen SPF 50", "LOT-VALID", 365, vec![]));
        let suspended = w.issue(application("NanoWhite TiO2 Pigment P25", "LOT-SUSPENDED", 365, vec![]));
        let flagged = w.issue(application("SolarShield Kids SPF 50", "LOT-FLAGGED", 365, vec![suspended.clone()]));
        w.reason("Suspend", &suspended, SUSPEND_REASON);
        let revoked = w.issue(application("SolarShield Sport SPF 50", "LOT-REVOKED", 365, vec![]));
        w.reason("Revoke", &revoked, REVOKE_REASON);
        let superseded = w.issue(application("SolarShield Daily SPF 25", "LOT-RENEW", 365, vec![]));
        let renewed = w.renew(&superseded);
        let pending = w.apply(application("SolarShield Tinted SPF 40", "LOT-PENDING", 365, vec![]));
        let rejected = w.apply(application("SolarShield Ultra SPF 100", "LOT-REJECTED", 365, vec![]));
        w.reason("Reject", &rejected, REJECT_REASON);
        let xss = w.issue(application(XSS_NAME, "LOT-<b>XSS</b>", 365, vec![]));

        let ids = Ids {
            valid,
            expired,
            suspended,
            revoked,
            superseded,
            renewed,
            pending,
            rejected,
            flagged,
            xss,
            unknown: "NT-ZZZZZZZZZZZZ".into(),
        };

        let events: BTreeMap<u64, (String, Vec<u8>)> =
            w.ledger.events().iter().map(|e| (e.block, (e.name.clone(), e.payload.clone()))).collect();
        let txs = w
            .blocks
            .iter()
            .enumerate()
            .map(|(i, (tx_id, at))| {
                let block = i as u64 + 1;
                let event = events.get(&block);
                SeenTx {
                    block,
                    tx_id: tx_id.clone(),
                    timestamp: *at,
                    event_name: event.map(|(name, _)| name.clone()),
                    event: event.and_then(|(_, payload)| serde_json::from_slice(payload).ok()),
                }
            })
            .collect();
        let certificates = ids
            .all_known()
            .into_iter()
            .map(|id| {
                let arg = serde_json::to_vec(&CertificateIdRequest { certificate_id: id.into() }).expect("encode");
                CachedCertificate { certificate: w.cert(id), history: w.query("History", &[arg]) }
            })
            .collect();
        let issuers: Vec<IssuerKey> = w.query("IssuerKeys", &[]);
        Built { update: Update { txs, certificates, issuers: Some(issuers) }, ids }
    })
}

/// A fresh cache holding the fixture, and states over it.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub cache: Arc<Cache>,
    /// Synced just now and ready.
    pub state: AppState,
    pub ids: Ids,
    pub trust_list: Vec<IssuerKey>,
}

impl Fixture {
    pub fn new() -> Self {
        let built = built();
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Arc::new(Cache::open(&dir.path().join("cache")).expect("open cache"));
        cache.apply(&built.update).expect("apply");
        let state = Self::state_over(&cache, Some(now()), true);
        Fixture {
            dir,
            cache,
            state,
            ids: built.ids.clone(),
            trust_list: built.update.issuers.clone().unwrap_or_default(),
        }
    }

    /// A state over this cache whose last sync was at `synced_at`.
    pub fn state_over(cache: &Arc<Cache>, synced_at: Option<i64>, ready: bool) -> AppState {
        let sync = Arc::new(SyncState::default());
        let checkpoint = cache.checkpoint().expect("checkpoint");
        sync.update(|s| {
            s.source_height = checkpoint.block;
            s.checkpoint = checkpoint;
            s.synced_at = synced_at;
            s.ready = ready;
        });
        AppState {
            cache: cache.clone(),
            sync,
            max_staleness: Duration::from_secs(MAX_STALENESS),
            public_url: PUBLIC_URL.to_owned(),
        }
    }

    /// The same cache, last synced an hour ago (beyond the staleness limit), with the
    /// follower failing.
    pub fn stale_state(&self) -> AppState {
        let state = Self::state_over(&self.cache, Some(now() - 3600), true);
        state.sync.update(|s| s.last_error = Some("connection refused".into()));
        state
    }

    pub fn token(&self, id: &str) -> String {
        let cached = self.cache.certificate(id).expect("read").expect("known");
        nanotrace_chaincode::token::OfflineToken::for_certificate(&cached.certificate)
            .expect("issued")
            .encode()
            .expect("encode")
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// The defaults, with a generous rate limit (tests share one bucket in-process).
pub fn config() -> Config {
    let mut config = Config::try_parse_from(["nanotrace-verifier"]).expect("default config");
    config.public_url = Some(PUBLIC_URL.into());
    config.rate_per_sec = 10_000;
    config.rate_burst = 10_000;
    config.max_staleness_secs = MAX_STALENESS;
    config
}

/// `serve` on 127.0.0.1:0 in this process, stopped through its shutdown future.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub async fn start(
        state: nanotrace_verifier::state::AppState,
        config: nanotrace_verifier::config::Config,
    ) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            nanotrace_verifier::web::serve(listener, state, &config, async {
                let _ = stopped.await;
            })
            .await
        });
        Server { addr, stop: Some(stop), task }
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(Duration::from_secs(20), self.task).await;
        result.expect("serve stops after shutdown").expect("join").expect("serve result");
    }
}
