//! Load generator for a running NanoTrace Fabric network (driven by `scripts/bench/fabric.sh`).
//!
//! Through our Gateway client: submissions/s and commit latency p50/p99 (submit = endorse +
//! order + wait for the commit status) at 1, 16, 64 and 256 transactions in flight, for
//! `Apply` (one certificate per transaction) and `ApplyBatch` (100 per transaction), and
//! `Verify` evaluates/s; optionally the Go asset chaincode (`CreateAsset` / `ReadAsset`) on
//! the same network for comparison. Every cell is bounded in count and in time.
//!
//! ```text
//! fabric_load --profiles RUN/profiles [--bootstrap] [--count N] [--batch-count N]
//!             [--eval-count N] [--seconds S] [--inflight 1,16,64,256] [--asset NAME]
//! ```

use nanotrace_model::{Application, OrgKind, Role};
use nanotrace_peer_client::gateway::{ConnectionProfile, Contract, Gateway, GatewayTransport};
use nanotrace_peer_client::NanoTrace;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SAMPLE_APPLICATION: &str = include_str!("../../examples/application.json");

struct Options {
    profiles: PathBuf,
    bootstrap: bool,
    count: usize,
    batch_count: usize,
    eval_count: usize,
    seconds: u64,
    inflight: Vec<usize>,
    asset: Option<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        profiles: PathBuf::new(),
        bootstrap: false,
        count: 1000,
        batch_count: 40,
        eval_count: 2000,
        seconds: 30,
        inflight: vec![1, 16, 64, 256],
        asset: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--profiles" => o.profiles = PathBuf::from(val()?),
            "--bootstrap" => o.bootstrap = true,
            "--count" => o.count = val()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--batch-count" => o.batch_count = val()?.parse().map_err(|e| format!("--batch-count: {e}"))?,
            "--eval-count" => o.eval_count = val()?.parse().map_err(|e| format!("--eval-count: {e}"))?,
            "--seconds" => o.seconds = val()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--inflight" => {
                o.inflight = val()?
                    .split(',')
                    .map(|s| s.trim().parse::<usize>().map_err(|e| format!("--inflight: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--asset" => o.asset = Some(val()?),
            "-h" | "--help" => {
                println!("usage: fabric_load --profiles DIR [--bootstrap] [--count N] [--batch-count N] [--eval-count N] [--seconds S] [--inflight 1,16,64,256] [--asset NAME]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.profiles.as_os_str().is_empty() {
        return Err("--profiles DIR is required".into());
    }
    Ok(o)
}

/// Governance as the e2e suite sets it up: Bootstrap by Admin@regulator, the three
/// organisations, alice the certifier.
fn bootstrap(profiles: &Path) -> Result<(), String> {
    let connect = |name: &str| {
        GatewayTransport::from_profile(profiles.join(name)).map(NanoTrace::new).map_err(|e| format!("{name}: {e}"))
    };
    let admin = connect("regulator-admin.yaml")?;
    let alice = connect("certifier-alice.yaml")?;
    let alice_id = alice.who_am_i().map_err(|e| format!("WhoAmI alice: {e}"))?.identity;
    admin.bootstrap().map_err(|e| format!("Bootstrap: {e}"))?;
    for (msp, name, kind) in [
        ("ManufacturerMSP", "SolarShield Cosmetics", OrgKind::Manufacturer),
        ("CertifierMSP", "NanoCert Certification Body", OrgKind::Certifier),
        ("RegulatorMSP", "EU Regulator", OrgKind::Regulator),
    ] {
        admin.register_organization(msp, name, kind).map_err(|e| format!("RegisterOrganization {msp}: {e}"))?;
    }
    admin.grant_role(alice_id, Role::Certifier).map_err(|e| format!("GrantRole certifier: {e}"))?;
    eprintln!("[load] governance bootstrapped (Bootstrap, RegisterOrganization x3, GrantRole certifier)");
    Ok(())
}

async fn contract(profiles: &Path, file: &str, chaincode: Option<&str>) -> Result<Contract, String> {
    let profile = ConnectionProfile::load(profiles.join(file)).map_err(|e| format!("{file}: {e}"))?;
    let id = profile.signing_identity().map_err(|e| e.to_string())?;
    let opts = profile.connect_options().map_err(|e| e.to_string())?;
    let gateway = Gateway::connect(id, opts).await.map_err(|e| e.to_string())?;
    Ok(gateway.network(profile.channel.clone()).contract(chaincode.unwrap_or(&profile.chaincode).to_owned()))
}

struct CellResult {
    ok: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    first_error: Option<String>,
    outputs: Vec<Vec<u8>>,
}

/// Runs `count` calls of `make(i)` with `inflight` workers, stopping early after `limit`.
async fn run_cell<F, Fut>(count: usize, inflight: usize, limit: Duration, make: F) -> CellResult
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>> + Send,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let shared = Arc::new(Mutex::new((Vec::new(), 0usize, None::<String>, Vec::new())));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..inflight.min(count.max(1)) {
        let (make, next, shared) = (make.clone(), next.clone(), shared.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count || start.elapsed() >= limit {
                    break;
                }
                let t = Instant::now();
                let r = make(i).await;
                let dt = t.elapsed();
                let mut s = shared.lock().expect("results");
                match r {
                    Ok(out) => {
                        s.0.push(dt);
                        s.3.push(out);
                    }
                    Err(e) => {
                        s.1 += 1;
                        s.2.get_or_insert(e);
                    }
                }
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    let elapsed = start.elapsed();
    let (mut latencies, failed, first_error, outputs) = std::mem::take(&mut *shared.lock().expect("results"));
    latencies.sort();
    CellResult { ok: latencies.len(), failed, elapsed, latencies, first_error, outputs }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx].as_secs_f64() * 1000.0
}

fn report(workload: &str, inflight: usize, per_tx: usize, r: &CellResult) {
    let secs = r.elapsed.as_secs_f64();
    let tps = r.ok as f64 / secs;
    println!(
        "| {workload:<24} | {inflight:>4} | {:>6} | {:>4} | {:>6.1} | {:>7.1} | {:>8.0} | {:>8.1} | {:>6.1} |",
        r.ok,
        r.failed,
        secs,
        tps,
        tps * per_tx as f64,
        pct(&r.latencies, 0.50),
        pct(&r.latencies, 0.99),
    );
    if let Some(e) = &r.first_error {
        eprintln!("[load] {workload} @{inflight}: first error: {e}");
    }
}

fn header() {
    println!("| workload                 | in flight | ok | failed | seconds | tx/s | certs/s | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
}

fn application(tag: &str) -> Application {
    let mut app: Application = serde_json::from_str(SAMPLE_APPLICATION).expect("examples/application.json");
    app.batch = tag.to_owned();
    app
}

fn ids_of(out: &[u8]) -> Vec<String> {
    serde_json::from_slice::<serde_json::Value>(out)
        .ok()
        .and_then(|v| v.get("certificate_ids").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

async fn run(o: Options) -> Result<(), String> {
    let limit = Duration::from_secs(o.seconds);
    let dave = contract(&o.profiles, "manufacturer-dave.yaml", None).await?;
    let rita = contract(&o.profiles, "regulator-rita.yaml", None).await?;
    let run_tag = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut cert_ids: Vec<String> = Vec::new();
    println!("\nNanoTrace (Rust chaincode) through the Rust Gateway client; count per cell {} (batched {}), at most {} s per cell\n", o.count, o.batch_count, o.seconds);
    header();
    for &k in &o.inflight {
        let c = dave.clone();
        let r = run_cell(o.count, k, limit, move |i| {
            let c = c.clone();
            async move {
                let arg =
                    serde_json::to_vec(&application(&format!("L{run_tag}-{k}-{i}"))).map_err(|e| e.to_string())?;
                c.submit("Apply", &[arg]).await.map(|s| s.result).map_err(|e| e.to_string())
            }
        })
        .await;
        report("Apply", k, 1, &r);
        cert_ids.extend(r.outputs.iter().flat_map(|o| ids_of(o)));
    }
    for &k in &o.inflight {
        let c = dave.clone();
        let r = run_cell(o.batch_count, k, limit, move |i| {
            let c = c.clone();
            async move {
                let apps: Vec<Application> =
                    (0..100).map(|j| application(&format!("B{run_tag}-{k}-{i}-{j}"))).collect();
                let arg =
                    serde_json::to_vec(&serde_json::json!({ "applications": apps })).map_err(|e| e.to_string())?;
                c.submit("ApplyBatch", &[arg]).await.map(|s| s.result).map_err(|e| e.to_string())
            }
        })
        .await;
        report("ApplyBatch (100/tx)", k, 100, &r);
    }
    if cert_ids.is_empty() {
        return Err("no certificate applied: cannot measure Verify".into());
    }
    let ids = Arc::new(cert_ids);
    for &k in &o.inflight {
        let (c, ids) = (rita.clone(), ids.clone());
        let r = run_cell(o.eval_count, k, limit, move |i| {
            let (c, ids) = (c.clone(), ids.clone());
            async move {
                let arg = serde_json::to_vec(&serde_json::json!({ "certificate_id": ids[i % ids.len()] }))
                    .map_err(|e| e.to_string())?;
                c.evaluate("Verify", &[arg]).await.map(|_| Vec::new()).map_err(|e| e.to_string())
            }
        })
        .await;
        report("Verify (evaluate)", k, 1, &r);
    }

    if let Some(asset) = &o.asset {
        let user = contract(&o.profiles, "manufacturer-dave.yaml", Some(asset)).await?;
        println!("\nGo asset-transfer chaincode '{asset}' (same network, same client)\n");
        header();
        for &k in &o.inflight {
            let c = user.clone();
            let r = run_cell(o.count, k, limit, move |i| {
                let c = c.clone();
                async move {
                    let args: Vec<Vec<u8>> =
                        [format!("a{run_tag}-{k}-{i}"), "blue".into(), "5".into(), "dave".into(), "300".into()]
                            .into_iter()
                            .map(String::into_bytes)
                            .collect();
                    c.submit("CreateAsset", &args).await.map(|_| Vec::new()).map_err(|e| e.to_string())
                }
            })
            .await;
            report("CreateAsset", k, 1, &r);
        }
        let c0 = user.clone();
        let created = run_cell(1, 1, limit, move |_| {
            let c = c0.clone();
            async move {
                let args: Vec<Vec<u8>> =
                    ["read-me", "red", "1", "dave", "1"].iter().map(|s| s.as_bytes().to_vec()).collect();
                c.submit("CreateAsset", &args).await.map(|_| Vec::new()).map_err(|e| e.to_string())
            }
        })
        .await;
        if created.ok == 1 {
            for &k in &o.inflight {
                let c = user.clone();
                let r = run_cell(o.eval_count, k, limit, move |_| {
                    let c = c.clone();
                    async move { c.evaluate("ReadAsset", &[b"read-me".to_vec()]).await.map_err(|e| e.to_string()) }
                })
                .await;
                report("ReadAsset (evaluate)", k, 1, &r);
            }
        } else {
            eprintln!("[load] CreateAsset read-me failed: {:?}", created.first_error);
        }
    }
    Ok(())
}

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("fabric_load: {e}");
            std::process::exit(2);
        }
    };
    if o.bootstrap {
        if let Err(e) = bootstrap(&o.profiles) {
            eprintln!("fabric_load: governance: {e}");
            std::process::exit(1);
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = rt.block_on(run(o)) {
        eprintln!("fabric_load: {e}");
        std::process::exit(1);
    }
}
