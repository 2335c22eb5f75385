//! Load generator for a running NanoTrace Fabric network (driven by `scripts/bench/fabric.sh`).
//!
//! Everything goes through our Gateway client (endorse, submit, wait for the commit status;
//! evaluate). Two workloads, each optional:
//!
//! - **Asset A/B** (`--asset-go NAME --asset-rust NAME`): the asset-transfer contract served
//!   by Fabric's Go contract API (`bench/go-asset`) and by our runtime (`chaincode/asset`),
//!   deployed side by side on one channel. `CreateAsset`, `UpdateAsset` (submits) and
//!   `ReadAsset` (evaluates) at each in-flight level, the Go and the Rust chaincode one after
//!   the other in every cell, in alternating order, for `--rounds` rounds. Per cell: tx/s,
//!   endorsement latency p50/p99 (building and signing the proposal until the endorsed
//!   transaction is back) and commit latency p50/p99 (until the commit status). A summary
//!   pools the rounds and gives Rust / Go ratios.
//! - **NanoTrace** (`--nanotrace`): certificates applied and approved, the approvals carrying
//!   real Ed25519 signatures over each certificate's canonical bytes (checked by the
//!   chaincode): single transactions (`Apply` then `Approve` at each in-flight level) and
//!   batches (`ApplyBatch` then `ApproveBatch`, per `--batches SIZE:TXS`), with certificates
//!   committed per second end to end; then `Verify` evaluates/s on the issued certificates.
//!   The manufacturer applies through its own peer and the certifier lists the PENDING
//!   certificates on hers, so before listing the generator waits until her peer has
//!   committed the applies' last block (`qscc GetChainInfo`), and fails if any applied
//!   certificate is still not listed.
//!
//! - **Fabric's floor** (`--floor NAME --floor-batches N:TXS,...`): `CreateAssets` of the
//!   Rust asset contract (`chaincode/asset`), N new keys per transaction (one read and one
//!   write each, nothing else), at each `--batch-inflight` level: what the peers, the
//!   orderer and the chaincode spend per written key when the contract does next to
//!   nothing — the cost any contract pays per key on this network. `--floor-value-bytes B`
//!   pads each value (the asset's colour) with B bytes, to separate the cost per key from
//!   the cost per byte. With `--floor-protect` the cells run again after `ProtectAsset` has
//!   put a key-level endorsement policy on one key of the namespace (Fabric then looks up
//!   the metadata of every key the namespace writes).
//!
//! Every cell is bounded in count and in time (`--seconds`). Addresses come from the
//! connection profiles (`scripts/network.sh` writes them for 127.0.0.1).
//!
//! With `--cpu-pids DIR` (the run folder's `pids/`, one `NAME.pid` per process of the
//! network), the CPU time (`/proc/PID/stat` utime + stime) each process and this generator
//! used during each cell is printed at the end, per transaction and, for batches, per item
//! (certificate or key): where the machine's CPU goes, peer by peer, orderer, chaincode
//! servers, client.
//!
//! ```text
//! fabric_load --profiles RUN/profiles [--bootstrap] [--asset-go NAME] [--asset-rust NAME]
//!             [--rounds R] [--nanotrace] [--count N] [--eval-count N] [--seconds S]
//!             [--inflight 1,16,64,256] [--batches 100:40,1000:6] [--batch-inflight 1,4,16]
//!             [--floor NAME] [--floor-batches 1:200,100:20,1000:6] [--floor-value-bytes B]
//!             [--floor-protect] [--cpu-pids RUN/pids]
//! ```

use ed25519_dalek::SigningKey;
use nanotrace_model::{
    Application, ApproveRequest, Certificate, CertificatePage, CertificateStatus, ListByStatusRequest, OrgKind,
    RegisterIssuerKeyRequest, Role, DAY,
};
use nanotrace_peer_client::gateway::{ConnectionProfile, Contract, Deadlines, Gateway, GatewayTransport};
use nanotrace_peer_client::Wait;
use nanotrace_peer_client::{IssuerSigner, NanoTrace};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SAMPLE_APPLICATION: &str = include_str!("../../examples/application.json");

const USAGE: &str =
    "usage: fabric_load --profiles DIR [--bootstrap] [--asset-go NAME] [--asset-rust NAME] [--rounds R] \
[--nanotrace] [--count N] [--eval-count N] [--seconds S] [--inflight 1,16,64,256] [--batches 100:40,1000:6] \
[--batch-inflight 1,4,16] [--floor NAME] [--floor-batches 1:200,100:20,1000:6] [--floor-value-bytes B] [--floor-protect] [--cpu-pids RUN/pids]";

struct Options {
    profiles: PathBuf,
    bootstrap: bool,
    asset_go: Option<String>,
    asset_rust: Option<String>,
    rounds: usize,
    nanotrace: bool,
    count: usize,
    eval_count: usize,
    seconds: u64,
    inflight: Vec<usize>,
    batches: Vec<(usize, usize)>,
    batch_inflight: Vec<usize>,
    floor: Option<String>,
    floor_batches: Vec<(usize, usize)>,
    floor_value_bytes: usize,
    floor_protect: bool,
    cpu_pids: Option<PathBuf>,
}

/// `SIZE:TXS,...` with 1 ≤ SIZE ≤ `max`.
fn batches(value: &str, flag: &str, max: usize) -> Result<Vec<(usize, usize)>, String> {
    value
        .split(',')
        .map(|cell| {
            let (size, txs) = cell.split_once(':').ok_or(format!("{flag}: SIZE:TXS,..."))?;
            let size: usize = size.trim().parse().map_err(|e| format!("{flag} size: {e}"))?;
            let txs: usize = txs.trim().parse().map_err(|e| format!("{flag} count: {e}"))?;
            if !(1..=max).contains(&size) {
                return Err(format!("{flag}: {size} per transaction; the contract takes 1 to {max}"));
            }
            Ok((size, txs))
        })
        .collect()
}

fn list(value: &str, flag: &str) -> Result<Vec<usize>, String> {
    value.split(',').map(|s| s.trim().parse::<usize>().map_err(|e| format!("{flag}: {e}"))).collect()
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        profiles: PathBuf::new(),
        bootstrap: false,
        asset_go: None,
        asset_rust: None,
        rounds: 2,
        nanotrace: false,
        count: 1000,
        eval_count: 2000,
        seconds: 30,
        inflight: vec![1, 16, 64, 256],
        batches: vec![(100, 40), (1000, 6)],
        batch_inflight: vec![1, 4, 16],
        floor: None,
        floor_batches: vec![(1, 200), (100, 20), (1000, 6)],
        floor_value_bytes: 0,
        floor_protect: false,
        cpu_pids: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--profiles" => o.profiles = PathBuf::from(val()?),
            "--bootstrap" => o.bootstrap = true,
            "--asset-go" => o.asset_go = Some(val()?),
            "--asset-rust" => o.asset_rust = Some(val()?),
            "--rounds" => o.rounds = val()?.parse().map_err(|e| format!("--rounds: {e}"))?,
            "--nanotrace" => o.nanotrace = true,
            "--cpu-pids" => o.cpu_pids = Some(PathBuf::from(val()?)),
            "--count" => o.count = val()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--eval-count" => o.eval_count = val()?.parse().map_err(|e| format!("--eval-count: {e}"))?,
            "--seconds" => o.seconds = val()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--inflight" => o.inflight = list(&val()?, "--inflight")?,
            "--batch-inflight" => o.batch_inflight = list(&val()?, "--batch-inflight")?,
            "--batches" => o.batches = batches(&val()?, "--batches", 1000)?,
            "--floor" => o.floor = Some(val()?),
            "--floor-batches" => o.floor_batches = batches(&val()?, "--floor-batches", 10_000)?,
            "--floor-protect" => o.floor_protect = true,
            "--floor-value-bytes" => {
                o.floor_value_bytes = val()?.parse().map_err(|e| format!("--floor-value-bytes: {e}"))?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if o.profiles.as_os_str().is_empty() {
        return Err(format!("--profiles DIR is required\n{USAGE}"));
    }
    if o.inflight.contains(&0) || o.batch_inflight.contains(&0) {
        return Err("in-flight levels must be at least 1".into());
    }
    if o.rounds == 0 {
        return Err("--rounds must be at least 1".into());
    }
    if !o.nanotrace && o.asset_go.is_none() && o.asset_rust.is_none() && o.floor.is_none() {
        return Err(format!("nothing to run: give --nanotrace, --asset-go/--asset-rust and/or --floor\n{USAGE}"));
    }
    Ok(o)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn connect_sync(profiles: &Path, name: &str) -> Result<NanoTrace<GatewayTransport>, String> {
    GatewayTransport::from_profile(profiles.join(name)).wait().map(NanoTrace::new).map_err(|e| format!("{name}: {e}"))
}

/// Governance as the e2e suite sets it up: Bootstrap by Admin@regulator, the three
/// organisations, alice the certifier.
fn bootstrap(profiles: &Path) -> Result<(), String> {
    let admin = connect_sync(profiles, "regulator-admin.yaml")?;
    let alice = connect_sync(profiles, "certifier-alice.yaml")?;
    let alice_id = alice.who_am_i().wait().map_err(|e| format!("WhoAmI alice: {e}"))?.identity;
    admin.bootstrap().wait().map_err(|e| format!("Bootstrap: {e}"))?;
    for (msp, name, kind) in [
        ("ManufacturerMSP", "SolarShield Cosmetics", OrgKind::Manufacturer),
        ("CertifierMSP", "NanoCert Certification Body", OrgKind::Certifier),
        ("RegulatorMSP", "EU Regulator", OrgKind::Regulator),
    ] {
        admin.register_organization(msp, name, kind).wait().map_err(|e| format!("RegisterOrganization {msp}: {e}"))?;
    }
    admin.grant_role(alice_id, Role::Certifier).wait().map_err(|e| format!("GrantRole certifier: {e}"))?;
    eprintln!("[load] governance bootstrapped (Bootstrap, RegisterOrganization x3, GrantRole certifier)");
    Ok(())
}

/// A fresh Ed25519 issuer key for alice, put on the trust list by Admin@regulator; and
/// alice's organisation (the issuer organisation of her approvals).
fn issuer_key(profiles: &Path) -> Result<(IssuerSigner, String), String> {
    let admin = connect_sync(profiles, "regulator-admin.yaml")?;
    let alice = connect_sync(profiles, "certifier-alice.yaml")?;
    let holder = alice.who_am_i().wait().map_err(|e| format!("WhoAmI alice: {e}"))?.identity;
    let signer = IssuerSigner::new(SigningKey::generate(&mut rand::rngs::OsRng));
    let t = now();
    admin
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: signer.public_key_hex(),
            holder: holder.clone(),
            valid_from: t - 3600,
            valid_until: t + 2 * 365 * DAY,
        })
        .wait()
        .map_err(|e| format!("RegisterIssuerKey: {e}"))?;
    eprintln!("[load] issuer key {} registered for alice", signer.key_id);
    Ok((signer, holder.msp_id))
}

/// Deadlines long enough for transactions of 1,000 certificates on a loaded machine.
const LONG: Deadlines = Deadlines {
    evaluate: Duration::from_secs(60),
    endorse: Duration::from_secs(120),
    submit: Duration::from_secs(30),
    commit_status: Duration::from_secs(180),
};

async fn contract(profiles: &Path, file: &str, chaincode: Option<&str>) -> Result<Contract, String> {
    let profile = ConnectionProfile::load(profiles.join(file)).map_err(|e| format!("{file}: {e}"))?;
    let id = profile.signing_identity().map_err(|e| e.to_string())?;
    let opts = profile.connect_options().map_err(|e| e.to_string())?;
    let gateway = Gateway::connect(id, opts).await.map_err(|e| e.to_string())?;
    Ok(gateway.network(profile.channel.clone()).contract(chaincode.unwrap_or(&profile.chaincode).to_owned()))
}

/// One call's result: the chaincode's payload, and for a submit how long the endorsement
/// took and the block it committed in (on the submitting gateway's peer).
struct Call {
    out: Vec<u8>,
    endorse: Option<Duration>,
    block: Option<u64>,
}

/// Endorse, submit, wait for the commit status (as `Contract::submit`), timing the endorsement.
async fn submit(c: &Contract, function: &str, args: Vec<Vec<u8>>) -> Result<Call, String> {
    let t = Instant::now();
    let tx =
        c.new_proposal(function).arguments(args).deadlines(LONG).build().endorse().await.map_err(|e| e.to_string())?;
    let endorse = t.elapsed();
    let out = tx.result().to_vec();
    let status = tx.submit().await.map_err(|e| e.to_string())?.status().await.map_err(|e| e.to_string())?;
    if !status.successful() {
        return Err(format!("transaction {} committed invalid: {}", status.transaction_id, status.code));
    }
    Ok(Call { out, endorse: Some(endorse), block: Some(status.block_number) })
}

async fn evaluate(c: &Contract, function: &str, args: Vec<Vec<u8>>) -> Result<Call, String> {
    let out =
        c.new_proposal(function).arguments(args).deadlines(LONG).build().evaluate().await.map_err(|e| e.to_string())?;
    Ok(Call { out, endorse: None, block: None })
}

// ---------------------------------------------------------------------------------------
// CPU time per process

/// The processes whose CPU time each cell records: (name, pid); this generator first.
static PROCESSES: OnceLock<Vec<(String, u32)>> = OnceLock::new();
/// One reported cell: workload, in flight, transactions, items per transaction (0: not a
/// batch), CPU ticks per process.
type CpuRow = (String, usize, usize, usize, Vec<u64>);
/// The cells reported since the last CPU table.
static CPU_ROWS: Mutex<Vec<CpuRow>> = Mutex::new(Vec::new());
/// Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// Reads DIR/NAME.pid files (scripts/network.sh's pids/ folder).
fn processes(dir: &Path) -> Result<Vec<(String, u32)>, String> {
    let mut out = vec![("fabric_load".to_owned(), std::process::id())];
    let entries = std::fs::read_dir(dir).map_err(|e| format!("--cpu-pids {}: {e}", dir.display()))?;
    let mut found: Vec<(String, u32)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().strip_suffix(".pid")?.to_owned();
            // peer0.certifier.nanotrace.test → peer certifier; chaincode-asset-go → cc asset-go.
            let name = match (file.strip_prefix("peer0."), file.strip_prefix("chaincode-")) {
                (Some(host), _) => format!("peer {}", host.split('.').next().unwrap_or(host)),
                (_, Some(cc)) => format!("cc {cc}"),
                _ => file,
            };
            let pid = std::fs::read_to_string(e.path()).ok()?.trim().parse().ok()?;
            Some((name, pid))
        })
        .collect();
    found.sort();
    out.extend(found);
    Ok(out)
}

/// utime + stime of `pid` in clock ticks (0 when it cannot be read).
fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // The command name (field 2) may contain spaces; the fields after it are plain.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return 0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime field 15.
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(14) + field(15)
}

fn cpu_sample() -> Vec<u64> {
    PROCESSES.get().map(|ps| ps.iter().map(|(_, pid)| cpu_ticks(*pid)).collect()).unwrap_or_default()
}

/// CPU milliseconds per transaction of every process, for every cell reported so far.
fn print_cpu_table() {
    let Some(ps) = PROCESSES.get() else { return };
    let mut rows = CPU_ROWS.lock().expect("cpu rows");
    if rows.is_empty() {
        return;
    }
    println!("\n### CPU time per transaction by process (ms, /proc utime + stime over each cell)\n");
    let names: Vec<&str> = ps.iter().map(|(n, _)| n.as_str()).collect();
    println!("| workload | in flight | tx | {} | total |", names.join(" | "));
    println!("| --- | ---: | ---: |{} ---: |", " ---: |".repeat(names.len()));
    for (workload, k, tx, _, ticks) in rows.iter() {
        let per_tx = |t: u64| t as f64 * 1000.0 / TICKS_PER_SECOND / (*tx).max(1) as f64;
        let cells: Vec<String> = ticks.iter().map(|t| format!("{:.2}", per_tx(*t))).collect();
        println!("| {workload} | {k} | {tx} | {} | {:.2} |", cells.join(" | "), per_tx(ticks.iter().sum()));
    }
    if rows.iter().any(|r| r.3 > 1) {
        println!("\n### CPU time per item (certificate or key) by process (µs), batch cells\n");
        println!("| workload | in flight | items | {} | total |", names.join(" | "));
        println!("| --- | ---: | ---: |{} ---: |", " ---: |".repeat(names.len()));
        for (workload, k, tx, items, ticks) in rows.iter().filter(|r| r.3 > 1) {
            let n = (tx * items).max(1) as f64;
            let per_item = |t: u64| t as f64 * 1e6 / TICKS_PER_SECOND / n;
            let cells: Vec<String> = ticks.iter().map(|t| format!("{:.0}", per_item(*t))).collect();
            println!(
                "| {workload} | {k} | {} | {} | {:.0} |",
                tx * items,
                cells.join(" | "),
                per_item(ticks.iter().sum())
            );
        }
    }
    rows.clear();
}

#[derive(Default)]
struct CellResult {
    ok: usize,
    failed: usize,
    elapsed: Duration,
    /// Whole-call latencies (commit latency for submits), sorted.
    latencies: Vec<Duration>,
    /// Endorsement latencies of the submits, sorted.
    endorse: Vec<Duration>,
    first_error: Option<String>,
    outputs: Vec<Vec<u8>>,
    /// The highest block a submit of the cell committed in (0 if none).
    last_block: u64,
    /// CPU ticks each probed process used during the cell.
    cpu: Vec<u64>,
}

impl CellResult {
    fn tps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Pools several runs of the same cell: counts and times add up, latencies merge.
    fn pool<'a>(runs: impl IntoIterator<Item = &'a CellResult>) -> CellResult {
        let mut all = CellResult::default();
        for r in runs {
            all.ok += r.ok;
            all.failed += r.failed;
            all.elapsed += r.elapsed;
            all.latencies.extend_from_slice(&r.latencies);
            all.endorse.extend_from_slice(&r.endorse);
        }
        all.latencies.sort();
        all.endorse.sort();
        all
    }
}

/// Runs `count` calls of `make(i)` with `inflight` workers, stopping early after `limit`.
async fn run_cell<F, Fut>(count: usize, inflight: usize, limit: Duration, make: F) -> CellResult
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Call, String>> + Send,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let shared = Arc::new(Mutex::new(CellResult::default()));
    let cpu_before = cpu_sample();
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
                    Ok(call) => {
                        s.ok += 1;
                        s.latencies.push(dt);
                        s.endorse.extend(call.endorse);
                        s.outputs.push(call.out);
                        s.last_block = s.last_block.max(call.block.unwrap_or(0));
                    }
                    Err(e) => {
                        s.failed += 1;
                        s.first_error.get_or_insert(e);
                    }
                }
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    let mut r = std::mem::take(&mut *shared.lock().expect("results"));
    r.elapsed = start.elapsed();
    r.cpu = cpu_sample().iter().zip(&cpu_before).map(|(after, before)| after.saturating_sub(*before)).collect();
    r.latencies.sort();
    r.endorse.sort();
    r
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx].as_secs_f64() * 1000.0
}

fn ms(sorted: &[Duration], p: f64) -> String {
    if sorted.is_empty() {
        "–".into()
    } else {
        format!("{:.1}", pct(sorted, p))
    }
}

fn header() {
    println!("| workload | in flight | ok | failed | seconds | tx/s | certs/s | endorse p50 ms | endorse p99 ms | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
}

fn report(workload: &str, inflight: usize, per_tx: usize, r: &CellResult) {
    let certs = if per_tx > 0 { format!("{:.0}", r.tps() * per_tx as f64) } else { "–".into() };
    println!(
        "| {workload} | {inflight} | {} | {} | {:.1} | {:.1} | {certs} | {} | {} | {} | {} |",
        r.ok,
        r.failed,
        r.elapsed.as_secs_f64(),
        r.tps(),
        ms(&r.endorse, 0.50),
        ms(&r.endorse, 0.99),
        ms(&r.latencies, 0.50),
        ms(&r.latencies, 0.99),
    );
    if let Some(e) = &r.first_error {
        eprintln!("[load] {workload} @{inflight}: first error: {e}");
    }
    if !r.cpu.is_empty() {
        CPU_ROWS.lock().expect("cpu rows").push((workload.to_owned(), inflight, r.ok, per_tx, r.cpu.clone()));
    }
}

fn strings(args: &[&str]) -> Vec<Vec<u8>> {
    args.iter().map(|s| s.as_bytes().to_vec()).collect()
}

// ---------------------------------------------------------------------------------------
// Asset A/B

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum AssetOp {
    Create,
    Update,
    Read,
}

impl AssetOp {
    fn name(self) -> &'static str {
        match self {
            AssetOp::Create => "CreateAsset",
            AssetOp::Update => "UpdateAsset",
            AssetOp::Read => "ReadAsset (evaluate)",
        }
    }
}

/// The chaincodes under comparison: (label, contract).
type Sides = Vec<(&'static str, Contract)>;

async fn asset_ab(o: &Options, run_tag: u64, limit: Duration) -> Result<(), String> {
    let mut sides: Sides = Vec::new();
    if let Some(name) = &o.asset_go {
        sides.push(("Go", contract(&o.profiles, "manufacturer-dave.yaml", Some(name)).await?));
    }
    if let Some(name) = &o.asset_rust {
        sides.push(("Rust", contract(&o.profiles, "manufacturer-dave.yaml", Some(name)).await?));
    }
    println!(
        "\n## Asset-transfer A/B: {} ({} rounds, {} per submit cell, {} per evaluate cell, at most {} s per cell)\n",
        sides.iter().map(|(l, c)| format!("{l} = '{}'", c.chaincode_name())).collect::<Vec<_>>().join(", "),
        o.rounds,
        o.count,
        o.eval_count,
        o.seconds
    );
    header();
    let mut results: HashMap<(AssetOp, usize, &'static str), Vec<CellResult>> = HashMap::new();
    for round in 0..o.rounds {
        // The IDs each side created at each level this round (updated and read afterwards).
        let mut created: HashMap<(&'static str, usize), Arc<Vec<String>>> = HashMap::new();
        for op in [AssetOp::Create, AssetOp::Update, AssetOp::Read] {
            for (level, &k) in o.inflight.iter().enumerate() {
                // Alternate which side goes first, by round and level.
                let order: Vec<usize> = if (round + level) % 2 == 0 {
                    (0..sides.len()).collect()
                } else {
                    (0..sides.len()).rev().collect()
                };
                for s in order {
                    let (label, c) = (sides[s].0, sides[s].1.clone());
                    let r = match op {
                        AssetOp::Create => {
                            let prefix = format!("{}{run_tag}-r{round}-k{k}-", label.to_lowercase());
                            let r = run_cell(o.count, k, limit, move |i| {
                                let (c, id) = (c.clone(), format!("{prefix}{i}"));
                                async move {
                                    submit(&c, "CreateAsset", strings(&[&id, "blue", "5", "dave", "300"]))
                                        .await
                                        .map(|call| Call { out: id.into_bytes(), ..call })
                                }
                            })
                            .await;
                            let ids = r.outputs.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
                            created.insert((label, k), Arc::new(ids));
                            r
                        }
                        AssetOp::Update | AssetOp::Read => {
                            let ids = created.get(&(label, k)).cloned().unwrap_or_default();
                            if ids.is_empty() {
                                eprintln!("[load] {label} {} @{k}: no asset created at this level", op.name());
                                continue;
                            }
                            // Updates: each asset at most once per cell (no MVCC conflicts).
                            let count = if op == AssetOp::Update { o.count.min(ids.len()) } else { o.eval_count };
                            run_cell(count, k, limit, move |i| {
                                let (c, id) = (c.clone(), ids[i % ids.len()].clone());
                                async move {
                                    if op == AssetOp::Update {
                                        submit(&c, "UpdateAsset", strings(&[&id, "red", "7", "erin", "450"])).await
                                    } else {
                                        evaluate(&c, "ReadAsset", vec![id.into_bytes()]).await
                                    }
                                }
                            })
                            .await
                        }
                    };
                    report(&format!("{label} {} (round {})", op.name(), round + 1), k, 0, &r);
                    results.entry((op, k, label)).or_default().push(r);
                }
            }
        }
    }
    if sides.len() == 2 {
        println!(
            "\n### Summary, all rounds pooled (Rust / Go: > 1 means Rust is faster for tx/s, slower for latency)\n"
        );
        println!("| workload | in flight | Go tx/s | Rust tx/s | Rust / Go tx/s | Go endorse p50 / p99 ms | Rust endorse p50 / p99 ms | Rust / Go endorse p50 | Go p50 / p99 ms | Rust p50 / p99 ms | failed Go / Rust |");
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for op in [AssetOp::Create, AssetOp::Update, AssetOp::Read] {
            for &k in &o.inflight {
                let pooled = |label| CellResult::pool(results.get(&(op, k, label)).into_iter().flatten());
                let (g, r) = (pooled("Go"), pooled("Rust"));
                let lat = |v: &[Duration]| format!("{} / {}", ms(v, 0.5), ms(v, 0.99));
                let ratio =
                    |a: f64, b: f64| if b > 0.0 && a.is_finite() { format!("{:.2}", a / b) } else { "–".into() };
                println!(
                    "| {} | {k} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {} / {} |",
                    op.name(),
                    g.tps(),
                    r.tps(),
                    ratio(r.tps(), g.tps()),
                    lat(&g.endorse),
                    lat(&r.endorse),
                    if g.endorse.is_empty() { "–".into() } else { ratio(pct(&r.endorse, 0.5), pct(&g.endorse, 0.5)) },
                    lat(&g.latencies),
                    lat(&r.latencies),
                    g.failed,
                    r.failed,
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Fabric's floor: N trivial keys per transaction

async fn floor(o: &Options, name: &str, run_tag: u64, limit: Duration) -> Result<(), String> {
    let c = contract(&o.profiles, "manufacturer-dave.yaml", Some(name)).await?;
    let color = Arc::new(if o.floor_value_bytes == 0 { "blue".to_owned() } else { "b".repeat(o.floor_value_bytes) });
    println!(
        "\n## Fabric's floor: CreateAssets on '{name}' (N new keys per transaction, one read + one write each, \
         values of about {} bytes), batches {:?} (size, transactions), at most {} s per cell\n",
        88 + color.len(),
        o.floor_batches,
        o.seconds
    );
    header();
    let mut first_key: Option<String> = None;
    for protected in [false, true] {
        if protected {
            if !o.floor_protect {
                break;
            }
            let Some(id) = first_key.take() else { return Err("--floor-protect: no asset was created".into()) };
            submit(&c, "ProtectAsset", strings(&[&id, "ManufacturerMSP"])).await?;
            eprintln!("[load] key-level endorsement policy set on {id}: the namespace now has one");
        }
        let pass = if protected { "p" } else { "" };
        let label = if protected { ", namespace with a key-level policy" } else { "" };
        for &(size, txs) in &o.floor_batches {
            for &k in &o.batch_inflight {
                let (c, color) = (c.clone(), color.clone());
                let r = run_cell(txs, k, limit, move |i| {
                    let (c, color) = (c.clone(), color.clone());
                    async move {
                        let prefix = format!("f{run_tag}{pass}-{size}-{k}-{i}-");
                        let n = size.to_string();
                        submit(&c, "CreateAssets", strings(&[&prefix, &n, &color, "5", "dave", "300"])).await
                    }
                })
                .await;
                if r.ok > 0 && first_key.is_none() {
                    first_key = Some(format!("f{run_tag}{pass}-{size}-{k}-0-0"));
                }
                report(&format!("CreateAssets ({size} keys/tx{label})"), k, size, &r);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// NanoTrace

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

/// Every PENDING certificate, by ID (ListByStatus pages of 1,000, as the certifier).
async fn pending(alice: &Contract) -> Result<HashMap<String, Certificate>, String> {
    let mut all = HashMap::new();
    let mut bookmark = String::new();
    loop {
        let req = ListByStatusRequest { status: CertificateStatus::Pending, page_size: 1000, bookmark };
        let arg = serde_json::to_vec(&req).map_err(|e| e.to_string())?;
        let out = evaluate(alice, "ListByStatus", vec![arg]).await.map_err(|e| format!("ListByStatus: {e}"))?.out;
        let page: CertificatePage = serde_json::from_slice(&out).map_err(|e| format!("ListByStatus page: {e}"))?;
        all.extend(page.certificates.into_iter().map(|c| (c.id.clone(), c)));
        if page.bookmark.is_empty() {
            return Ok(all);
        }
        bookmark = page.bookmark;
    }
}

/// The channel's height (number of blocks) on the peer behind `qscc`, a contract for the
/// `qscc` system chaincode (`GetChainInfo`).
async fn height(qscc: &Contract) -> Result<u64, String> {
    nanotrace_peer_client::gateway::qscc::chain_info(qscc).await.map(|info| info.height).map_err(|e| e.to_string())
}

/// How long [`Approver::approvals`] waits for the certifier's peer to reach the applies' block.
const CATCH_UP: Duration = Duration::from_secs(120);

/// The certifier's approvals of `ids`, each signed over the certificate's canonical bytes
/// (read from the ledger) with alice's issuer key, issued now for the requested validity.
struct Approver {
    alice: Contract,
    /// `qscc` through alice's gateway: the height of the peer her evaluates run on.
    alice_qscc: Contract,
    signer: IssuerSigner,
    org: String,
}

impl Approver {
    /// The applies of `ids` committed up to block `last_block` as dave's gateway peer
    /// reported it. Alice's evaluates run on another peer (her organisation's), which
    /// commits the same blocks a little later: listing before it has `last_block` misses
    /// the certificates of the blocks it has not committed yet — and, since each page is
    /// its own evaluate and IDs are hash-ordered, a block committed between two pages
    /// leaves out only its IDs before that page boundary. So wait for her peer's height
    /// first; after that every applied certificate must be listed.
    async fn approvals(&self, ids: &[String], last_block: u64) -> Result<(Vec<ApproveRequest>, Duration), String> {
        let t = Instant::now();
        let first = height(&self.alice_qscc).await?;
        let mut at = first;
        while at <= last_block {
            if t.elapsed() > CATCH_UP {
                return Err(format!(
                    "the certifier's peer is still at height {at} after {} s; the applies committed in block {last_block}",
                    CATCH_UP.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            at = height(&self.alice_qscc).await?;
        }
        if first <= last_block {
            eprintln!(
                "[load] certifier's peer at height {first}, applies committed up to block {last_block}: waited {} ms for it",
                t.elapsed().as_millis()
            );
        }
        let certs = pending(&self.alice).await?;
        let issued_at = now();
        let missing = ids.iter().filter(|id| !certs.contains_key(*id)).count();
        if missing > 0 {
            return Err(format!(
                "{missing} of {} applied certificates are not listed PENDING by the certifier's peer at height {at} \
                 (the applies committed up to block {last_block})",
                ids.len()
            ));
        }
        let approvals = ids
            .iter()
            .filter_map(|id| certs.get(id))
            .map(|cert| {
                let valid_until = issued_at + i64::from(cert.application.requested_validity_days) * DAY;
                ApproveRequest {
                    certificate_id: cert.id.clone(),
                    issuer_key_id: self.signer.key_id.clone(),
                    issued_at,
                    valid_until,
                    signature: self.signer.sign_issuance(cert, &self.org, issued_at, valid_until),
                }
            })
            .collect();
        Ok((approvals, t.elapsed()))
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

/// Certificates committed per second over an apply cell and the approve cell that follows.
fn end_to_end(label: &str, k: usize, certs: usize, apply: &CellResult, approve: &CellResult, prep: Duration) {
    let secs = apply.elapsed.as_secs_f64() + approve.elapsed.as_secs_f64();
    println!(
        "| {label} | {k} | {certs} | {:.1} | {:.1} | {:.0} | {:.1} |",
        apply.elapsed.as_secs_f64(),
        approve.elapsed.as_secs_f64(),
        certs as f64 / secs.max(1e-9),
        prep.as_secs_f64(),
    );
}

async fn nanotrace(
    o: &Options,
    (signer, org): (IssuerSigner, String),
    run_tag: u64,
    limit: Duration,
) -> Result<(), String> {
    let dave = contract(&o.profiles, "manufacturer-dave.yaml", None).await?;
    let alice = contract(&o.profiles, "certifier-alice.yaml", None).await?;
    let rita = contract(&o.profiles, "regulator-rita.yaml", None).await?;
    let alice_qscc = contract(&o.profiles, "certifier-alice.yaml", Some("qscc")).await?;
    let approver = Approver { alice: alice.clone(), alice_qscc, signer, org };
    let mut issued: Vec<String> = Vec::new();
    let mut e2e: Vec<(String, usize, usize, CellResult, CellResult, Duration)> = Vec::new();

    println!(
        "\n## NanoTrace (Rust chaincode): {} per single cell, batches {:?} (size, transactions), at most {} s per cell\n",
        o.count, o.batches, o.seconds
    );
    header();
    for &k in &o.inflight {
        let c = dave.clone();
        let apply = run_cell(o.count, k, limit, move |i| {
            let c = c.clone();
            async move { submit(&c, "Apply", vec![json(&application(&format!("L{run_tag}-{k}-{i}")))?]).await }
        })
        .await;
        report("Apply", k, 1, &apply);
        let ids: Vec<String> = apply.outputs.iter().flat_map(|o| ids_of(o)).collect();
        let (approvals, prep) = approver.approvals(&ids, apply.last_block).await?;
        let approvals = Arc::new(approvals);
        let c = alice.clone();
        let approve = run_cell(approvals.len(), k, limit, move |i| {
            let (c, approvals) = (c.clone(), approvals.clone());
            async move { submit(&c, "Approve", vec![json(&approvals[i])?]).await }
        })
        .await;
        report("Approve (Ed25519)", k, 1, &approve);
        let done: Vec<String> = approve.outputs.iter().flat_map(|o| ids_of(o)).collect();
        e2e.push(("single".into(), k, done.len(), apply, approve, prep));
        issued.extend(done);
    }
    for &(size, txs) in &o.batches {
        for &k in &o.batch_inflight {
            let c = dave.clone();
            let apply = run_cell(txs, k, limit, move |i| {
                let c = c.clone();
                async move {
                    let applications: Vec<Application> =
                        (0..size).map(|j| application(&format!("B{run_tag}-{size}-{k}-{i}-{j}"))).collect();
                    submit(&c, "ApplyBatch", vec![json(&serde_json::json!({ "applications": applications }))?]).await
                }
            })
            .await;
            report(&format!("ApplyBatch ({size}/tx)"), k, size, &apply);
            let ids: Vec<String> = apply.outputs.iter().flat_map(|o| ids_of(o)).collect();
            let (approvals, prep) = approver.approvals(&ids, apply.last_block).await?;
            let chunks: Arc<Vec<Vec<ApproveRequest>>> = Arc::new(approvals.chunks(size).map(<[_]>::to_vec).collect());
            let c = alice.clone();
            let approve =
                run_cell(chunks.len(), k, limit, move |i| {
                    let (c, chunks) = (c.clone(), chunks.clone());
                    async move {
                        submit(&c, "ApproveBatch", vec![json(&serde_json::json!({ "approvals": chunks[i] }))?]).await
                    }
                })
                .await;
            report(&format!("ApproveBatch ({size}/tx, Ed25519)"), k, size, &approve);
            let done: Vec<String> = approve.outputs.iter().flat_map(|o| ids_of(o)).collect();
            e2e.push((format!("batch of {size}"), k, done.len(), apply, approve, prep));
            issued.extend(done);
        }
    }
    println!("\n### Certificates committed end to end (applied + approved, each approval Ed25519-signed and checked by the chaincode)\n");
    println!("| transactions | in flight | certificates issued | apply s | approve s | certificates/s | client read + sign s (not in the rate) |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (label, k, certs, apply, approve, prep) in &e2e {
        end_to_end(label, *k, *certs, apply, approve, *prep);
    }

    if issued.is_empty() {
        return Err("no certificate issued: cannot measure Verify".into());
    }
    println!();
    header();
    let ids = Arc::new(issued);
    for &k in &o.inflight {
        let (c, ids) = (rita.clone(), ids.clone());
        let r = run_cell(o.eval_count, k, limit, move |i| {
            let (c, ids) = (c.clone(), ids.clone());
            async move {
                evaluate(&c, "Verify", vec![json(&serde_json::json!({ "certificate_id": ids[i % ids.len()] }))?]).await
            }
        })
        .await;
        report("Verify (evaluate)", k, 0, &r);
    }
    Ok(())
}

async fn run(o: Options, issuer: Option<(IssuerSigner, String)>) -> Result<(), String> {
    let limit = Duration::from_secs(o.seconds);
    let run_tag = now().unsigned_abs();
    if o.asset_go.is_some() || o.asset_rust.is_some() {
        asset_ab(&o, run_tag, limit).await?;
        print_cpu_table();
    }
    if let Some(name) = &o.floor {
        floor(&o, name, run_tag, limit).await?;
        print_cpu_table();
    }
    if let Some(issuer) = issuer {
        nanotrace(&o, issuer, run_tag, limit).await?;
        print_cpu_table();
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
    if let Some(dir) = &o.cpu_pids {
        match processes(dir) {
            Ok(ps) => {
                let _ = PROCESSES.set(ps);
            }
            Err(e) => {
                eprintln!("fabric_load: {e}");
                std::process::exit(2);
            }
        }
    }
    if o.bootstrap {
        if let Err(e) = bootstrap(&o.profiles) {
            eprintln!("fabric_load: governance: {e}");
            std::process::exit(1);
        }
    }
    // The typed client (GatewayTransport) blocks on its own runtime: use it before ours.
    let issuer = match o.nanotrace.then(|| issuer_key(&o.profiles)).transpose() {
        Ok(issuer) => issuer,
        Err(e) => {
            eprintln!("fabric_load: issuer key: {e}");
            std::process::exit(1);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = rt.block_on(run(o, issuer)) {
        eprintln!("fabric_load: {e}");
        std::process::exit(1);
    }
}
