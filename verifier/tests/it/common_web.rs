//! Test fixture for the web layer: certificates in every state, made by the real
//! contract on the in-memory ledger (real X.509 identities via rcgen, real Ed25519
//! issuer signatures), written into a real RocksDB cache.
#![allow(dead_code)]

pub use nanotrace_testkit::*;

use clap::Parser;
use nanotrace_model::*;
use nanotrace_verifier::cache::{Cache, CertificateRecord, SeenTx, Update};
use nanotrace_verifier::config::Config;
use nanotrace_verifier::state::{now, AppState, SyncState};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub const GTIN: &str = "4006381333931";
pub const PUBLIC_URL: &str = "https://verify.example.org";
pub const XSS_NAME: &str = "<script>alert(\"pwned\")</script> Sunscreen & 'Co'";
pub const SUSPEND_REASON: &str = "particle size outside the declared range in audit 2026-07";
pub const REVOKE_REASON: &str = "SDS falsified: hash does not match the filed document";
pub const REJECT_REASON: &str = "CAS number does not match the substance tested";
pub const MAX_STALENESS: u64 = 300;

/// The one script every page loads (the verifier's own, installing its service worker).
pub const APP_SCRIPT: &str = "<script src=\"/assets/app.js\" defer></script>";

/// `page` with the frame's own script and links (manifest, icon) taken out: what is left
/// must have no `<script` or `<link` from anywhere else.
pub fn without_frame(page: &str) -> String {
    page.replacen(APP_SCRIPT, "", 1).replacen("<link rel=\"manifest\" href=\"/manifest.webmanifest\">", "", 1).replacen(
        "<link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">",
        "",
        1,
    )
}
/// The seed of the key the fixture's verifier signs its status lists with.
pub const STATUS_KEY_SEED: [u8; 32] = [0x5a; 32];

/// The key ID of the fixture's (only) issuer, `Who::Certifier`.
pub fn issuer_key_id() -> String {
    issuer_key_id_of(Who::Certifier)
}

/// The contract fixture's world, recording each block's tx ID and time; the clock
/// advances 7 s per transaction.
struct Recorder {
    w: World,
    blocks: Vec<(String, i64)>,
}

impl Recorder {
    fn ok<Resp: DeserializeOwned>(&mut self, who: Who, function: &str, req: &impl Serialize) -> Resp {
        let arg = serde_json::to_vec(req).expect("encode");
        let (out, tx_id) =
            self.w.submit_tx(who, function, &[arg]).unwrap_or_else(|e| panic!("{function} by {who:?} failed: {e}"));
        self.blocks.push((tx_id, self.w.now));
        self.w.now += 7;
        serde_json::from_slice(&out).expect("decode")
    }

    fn apply(&mut self, app: Application) -> String {
        let ids: IdsResponse = self.ok(Who::Applicant, "Apply", &app);
        ids.certificate_ids[0].clone()
    }

    fn issue(&mut self, app: Application) -> String {
        let days = i64::from(app.requested_validity_days);
        let id = self.apply(app);
        let req = self.w.approval_for(Who::Certifier, &id, days);
        self.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
        id
    }

    fn renew(&mut self, id: &str) -> String {
        let next = nanotrace_model::ids::renewal_id(id, self.w.cert(id).version + 1);
        let req = self.w.renewal(Who::Certifier, id);
        let ids: IdsResponse = self.ok(Who::Certifier, "Renew", &req);
        assert_eq!(ids.certificate_ids, [id.to_owned(), next.clone()], "Renew answers [old, new]");
        next
    }

    fn reason(&mut self, function: &str, id: &str, reason: &str) {
        self.ok::<Certificate>(Who::Certifier, function, &World::reason(id, reason));
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
        let mut w = Recorder { w: World { now: real_now - 100 * DAY, ..World::empty() }, blocks: Vec::new() };
        w.ok::<Governance>(Who::Admin, "Bootstrap", &BootstrapRequest {});
        for org in nanotrace_model::sample::ORGANIZATIONS {
            w.ok::<Organization>(
                Who::Admin,
                "RegisterOrganization",
                &RegisterOrganizationRequest {
                    msp_id: org.msp_id.into(),
                    name: org.name.into(),
                    kind: org.kind,
                    without_peers: false,
                    billing: None,
                },
            );
            if !org.company_prefixes.is_empty() {
                let prefixes = org.company_prefixes.iter().map(|p| p.to_string()).collect();
                w.ok::<Organization>(
                    Who::Admin,
                    "SetCompanyPrefixes",
                    &SetCompanyPrefixesRequest { msp_id: org.msp_id.into(), prefixes },
                );
            }
        }
        w.ok::<RoleGrant>(Who::Admin, "GrantRole", &grant(Who::Certifier, Role::Certifier));
        w.ok::<IssuerKey>(
            Who::Admin,
            "RegisterIssuerKey",
            &RegisterIssuerKeyRequest {
                public_key: hex::encode(issuer_signing_key(Who::Certifier).verifying_key().as_bytes()),
                holder: actor(Who::Certifier),
                valid_from: real_now - 200 * DAY,
                valid_until: real_now + 3650 * DAY,
            },
        );

        // Issued 100 days ago for 30 days: EXPIRED 70 days ago.
        let expired = w.issue(application("SolarShield SPF 30 (2025 stock)", "LOT-EXPIRED", 30, vec![]));

        w.w.now = real_now - 10 * DAY;
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
            w.w.ledger.events().iter().map(|e| (e.block, (e.name.clone(), e.payload.clone()))).collect();
        let txs = w
            .blocks
            .iter()
            .enumerate()
            .map(|(i, (tx_id, at))| {
                let block = i as u64 + 1;
                let event = events.get(&block);
                SeenTx {
                    block,
                    tx_index: 0,
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
                let req = CertificateIdRequest { certificate_id: id.into() };
                let history = w.w.evaluate(Who::Unknown, "History", &req).expect("History");
                CertificateRecord { certificate: w.w.cert(id), history }
            })
            .collect();
        let issuers: Vec<IssuerKey> = w.w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("IssuerKeys");
        let organizations: Vec<nanotrace_model::Organization> =
            w.w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("Organizations");
        Built {
            update: Update {
                txs,
                certificates,
                issuers: Some(issuers),
                organizations: Some(organizations),
                start_at: None,
            },
            ids,
        }
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
        Self::built(false)
    }

    /// [`Fixture::new`] with every certificate's answers rendered as the records were
    /// written and stored in the cache, as `nanotrace-verifier serve` does.
    pub fn with_stored_answers() -> Self {
        Self::built(true)
    }

    fn built(store_answers: bool) -> Self {
        let built = built();
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Arc::new(Cache::open(&dir.path().join("cache")).expect("open cache"));
        if store_answers {
            cache.render_answers_with(Arc::new(nanotrace_verifier::web::Prerender::new(PUBLIC_URL)));
        }
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
            s.source_height = checkpoint.block_number;
            s.checkpoint = checkpoint;
            s.synced_at = synced_at;
            s.ready = ready;
        });
        AppState {
            cache: cache.clone(),
            sync,
            max_staleness: Duration::from_secs(MAX_STALENESS),
            public_url: PUBLIC_URL.into(),
            status_key: Some(Arc::new(ed25519_dalek::SigningKey::from_bytes(&STATUS_KEY_SEED))),
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
        nanotrace_model::token::OfflineToken::for_certificate(&cached.certificate)
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

/// The defaults, with the rate limit out of the way (tests share one bucket in-process,
/// and on an idle machine a test's tight loop goes well past 10,000 requests per second;
/// the rate limit has its own test with its own settings).
pub fn config() -> Config {
    let mut config = Config::try_parse_from(["nanotrace-verifier"]).expect("default config");
    config.public_url = Some(PUBLIC_URL.into());
    config.rate_per_sec = 1_000_000_000;
    config.rate_burst = u32::MAX;
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
        Self::serve(listener, state, config)
    }

    /// [`Server::start`] on `addr`: a verifier back at the address one stopped had (the
    /// same origin to a browser, whose service worker and saved data belong to it).
    pub async fn start_on(
        addr: SocketAddr,
        state: nanotrace_verifier::state::AppState,
        config: nanotrace_verifier::config::Config,
    ) -> Server {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind the same address again");
        Self::serve(listener, state, config)
    }

    /// [`Server::start`] with the state's public URL set to the server's own address,
    /// so the links it writes (the GS1 resolver's redirects) lead back to it.
    pub async fn start_at_own_url(
        mut state: nanotrace_verifier::state::AppState,
        config: nanotrace_verifier::config::Config,
    ) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        state.public_url = format!("http://{}", listener.local_addr().expect("addr")).into();
        Self::serve(listener, state, config)
    }

    fn serve(
        listener: tokio::net::TcpListener,
        state: nanotrace_verifier::state::AppState,
        config: nanotrace_verifier::config::Config,
    ) -> Server {
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            nanotrace_verifier::web::serve(listener, state, &config, None, async {
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

/// A governed world of the contract whose certification body also has this fixture's
/// verifier ([`PUBLIC_URL`]) as a status base, so its credentials can name its lists.
pub fn world_with_verifier_base() -> World {
    let mut w = World::governed();
    let bases = SetStatusBasesRequest {
        msp_id: CERTIFIER_MSP.into(),
        status_bases: vec![STATUS_BASE.into(), PUBLIC_URL.into()],
    };
    w.ok::<Organization>(Who::Admin, "SetStatusBases", &bases);
    w
}

/// The update that brings a cache to `ids` as `w` holds them now: their records with
/// their histories (a cache keeps the newer of two records), the trust list and the
/// organisations.
pub fn update_of(w: &World, ids: &[&String]) -> Update {
    let certificates = ids
        .iter()
        .map(|id| {
            let req = CertificateIdRequest { certificate_id: (*id).clone() };
            let history = w.evaluate(Who::Unknown, "History", &req).expect("History");
            CertificateRecord { certificate: w.cert(id), history }
        })
        .collect();
    let issuers: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("IssuerKeys");
    let organizations: Vec<Organization> =
        w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("Organizations");
    Update { txs: vec![], certificates, issuers: Some(issuers), organizations: Some(organizations), start_at: None }
}
