//! Contract throughput on the embedded ledger (no harness: it prints its figures).
//!
//!     cargo bench -p nanotrace-bench --bench throughput
//!     BENCH_SINGLE=300 BENCH_BATCHES=3 BENCH_BATCH_SIZE=1000 cargo bench -p nanotrace-bench --bench throughput
//!     BENCH_DIR=/dev/shm cargo bench -p nanotrace-bench --bench throughput     # ledger on tmpfs
//!     cargo bench -p nanotrace-bench --bench throughput -- --single 20 --batches 1 --batch-size 100
//!
//! Runs the typed API (`NanoTrace` over `EmbeddedTransport`) on the sample network in a
//! fresh temporary data directory (under `--dir`/`BENCH_DIR`, default the system temp dir):
//!
//! 1. single: `--single`/`BENCH_SINGLE` applications, then as many approvals, one
//!    transaction each;
//! 2. batched: `--batches`/`BENCH_BATCHES` rounds of one `ApplyBatch` of
//!    `--batch-size`/`BENCH_BATCH_SIZE` applications and one `ApproveBatch` of their
//!    approvals (signed client-side with `prepare_approvals`, which reads each certificate
//!    first, on several threads);
//! 3. a probe of the storage underneath: the latency of `fsync` (`File::sync_data`) of a
//!    small write in the same directory, since every embedded commit is one
//!    synchronous (fsync'd) RocksDB write batch.

mod common;

use anyhow::{ensure, Context, Result};
use common::{load_average, ms_per, per_sec, process_cpu, BenchArgs, CpuTimes};

/// The allocator of the `nanotrace` binary, whose embedded ledger this measures.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
use clap::Parser;
use nanotrace_client::{ApprovalSigning, Wait};
use nanotrace_embedded::datadir::{self, DataDir, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_model::{Application, Verdict};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// Contract throughput on the embedded ledger: single transactions, then batches, then a
/// probe of the storage's fsync latency. Every option also reads its environment variable.
#[derive(Debug, Parser)]
#[command(name = "throughput")]
struct Args {
    /// Applications, then as many approvals, one transaction each.
    #[arg(long, value_name = "N", env = "BENCH_SINGLE", default_value_t = 300)]
    single: usize,
    /// Rounds of one ApplyBatch and one ApproveBatch.
    #[arg(long, value_name = "N", env = "BENCH_BATCHES", default_value_t = 3)]
    batches: usize,
    /// Certificates per batch (1 to 1000, the contract's limit).
    #[arg(long, value_name = "N", env = "BENCH_BATCH_SIZE", default_value_t = 1000)]
    batch_size: usize,
    #[command(flatten)]
    common: BenchArgs,
}

fn application(kind: &str, n: usize) -> Result<Application> {
    let mut app = datadir::sample_application()?;
    app.batch = format!("BENCH-{kind}-{n:06}");
    Ok(app)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Median and 99th percentile of one-transaction latencies, in ms.
fn latency(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    (percentile(&samples, 0.5), percentile(&samples, 0.99))
}

/// Average latency of writing 256 bytes and `fsync`ing them in `dir`.
fn fsync_probe(dir: &Path, rounds: usize) -> Result<Duration> {
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path)?;
    let block = [0x5au8; 256];
    let start = Instant::now();
    for _ in 0..rounds {
        file.write_all(&block)?;
        file.sync_data()?;
    }
    let elapsed = start.elapsed();
    std::fs::remove_file(&path)?;
    Ok(elapsed / rounds as u32)
}

fn main() -> Result<()> {
    let Args { single, batches, batch_size, common } = Args::parse();
    ensure!(single > 0 && batches > 0, "--single (BENCH_SINGLE) and --batches (BENCH_BATCHES) must be positive");
    ensure!(
        (1..=1000).contains(&batch_size),
        "--batch-size (BENCH_BATCH_SIZE) must be 1..=1000 (the contract's batch limit)"
    );
    let tmp = common.temp_dir()?;

    let dir = DataDir::open(&tmp.path().join("data"))?;
    dir.init_sample_network(datadir::now())?;
    let applicant = dir.client(APPLICANT)?;
    let certifier = dir.client(CERTIFIER)?;
    let signer = dir.signer(CERTIFIER)?;
    let start_height = dir.ledger.height()?;

    println!("NanoTrace contract throughput on the embedded ledger");
    println!("  ledger:  {}", dir.ledger.path().display());
    println!("  sizes:   BENCH_SINGLE={single} BENCH_BATCHES={batches} BENCH_BATCH_SIZE={batch_size}");
    println!("  cpus:    {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
    println!("  load:    {} (1, 5, 15 min)", load_average());
    println!();

    // 1. One transaction per application, then per approval.
    let mut ids = Vec::with_capacity(single);
    let mut apply_lat = Vec::with_capacity(single);
    let t = Instant::now();
    for i in 0..single {
        let app = application("S", i)?;
        let t1 = Instant::now();
        ids.push(applicant.apply(&app).wait()?.value);
        apply_lat.push(t1.elapsed());
    }
    let apply_time = t.elapsed();
    let mut approve_lat = Vec::with_capacity(single);
    let t = Instant::now();
    for id in &ids {
        let t1 = Instant::now();
        certifier.approve(id, &signer, CERTIFIER_MSP, datadir::now(), None).wait()?;
        approve_lat.push(t1.elapsed());
    }
    let approve_time = t.elapsed();
    let single_total = apply_time + approve_time;
    let (apply_p50, apply_p99) = latency(apply_lat);
    let (approve_p50, approve_p99) = latency(approve_lat);

    println!("1. Single transactions ({single} Apply, then {single} Approve; one block each)");
    println!(
        "   Apply:    {:>8.1} tx/s   {:>6.2} ms/tx avg   p50 {:.2} ms   p99 {:.2} ms",
        per_sec(single, apply_time),
        ms_per(apply_time, single),
        apply_p50,
        apply_p99
    );
    println!(
        "   Approve:  {:>8.1} tx/s   {:>6.2} ms/tx avg   p50 {:.2} ms   p99 {:.2} ms  (incl. the read + Ed25519 signature)",
        per_sec(single, approve_time),
        ms_per(approve_time, single),
        approve_p50,
        approve_p99
    );
    println!(
        "   Together: {:>8.1} tx/s   {:>6.2} ms/tx avg   {} transactions in {:.2} s",
        per_sec(2 * single, single_total),
        ms_per(single_total, 2 * single),
        2 * single,
        single_total.as_secs_f64()
    );
    println!();

    // 2. Batches.
    let mut apply_batch_time = Duration::ZERO;
    let mut prepare_time = Duration::ZERO;
    let mut approve_batch_time = Duration::ZERO;
    // Every issued certificate is a credential: after each ApproveBatch, the certifier
    // signs and records each certificate's credential (one AttachCredential each).
    let mut credential_time = Duration::ZERO;
    let mut credential_cpu = CpuTimes { main_thread: Duration::ZERO, process: Duration::ZERO };
    // The process's CPU while the client reads and signs (its threads, and whatever
    // RocksDB does in the background meanwhile): the certifier's side, which in the
    // product runs in the certifier's browser (the console) or CLI, not in the ledger.
    let mut client_cpu = Duration::ZERO;
    let mut last_ids = Vec::new();
    let cpu_before = CpuTimes::now();
    for b in 0..batches {
        let apps = (0..batch_size).map(|i| application(&format!("B{b}"), i)).collect::<Result<Vec<_>>>()?;
        let t = Instant::now();
        let batch_ids = applicant.apply_batch(apps).wait()?.value;
        apply_batch_time += t.elapsed();
        ensure!(batch_ids.len() == batch_size, "ApplyBatch returned {} IDs", batch_ids.len());

        let t = Instant::now();
        let client_before = CpuTimes::now();
        let approvals = certifier.prepare_approvals(&batch_ids, &signer, CERTIFIER_MSP, datadir::now(), None).wait()?;
        client_cpu += CpuTimes::now().since(&client_before).process;
        prepare_time += t.elapsed();
        let t = Instant::now();
        let approved = certifier.approve_batch(approvals).wait()?.value;
        approve_batch_time += t.elapsed();
        ensure!(approved.len() == batch_size, "ApproveBatch returned {} IDs", approved.len());
        let t = Instant::now();
        let credential_before = CpuTimes::now();
        let status_base = nanotrace_model::sample::STATUS_BASE;
        let recorded = certifier.record_credentials(&batch_ids, &signer.key, status_base, datadir::now()).wait()?;
        credential_time += t.elapsed();
        let spent = CpuTimes::now().since(&credential_before);
        credential_cpu.main_thread += spent.main_thread;
        credential_cpu.process += spent.process;
        ensure!(recorded.len() == batch_size, "{} credentials recorded", recorded.len());
        last_ids = batch_ids;
    }
    // The credentials are measured on their own: their CPU is not the batches'.
    let cpu = CpuTimes::now().since(&cpu_before).since(&credential_cpu);
    let certs = batches * batch_size;
    let approve_total = prepare_time + approve_batch_time;
    let batch_total = apply_batch_time + approve_total;
    println!("2. Batches ({batches} × ApplyBatch of {batch_size}, then ApproveBatch of {batch_size})");
    println!(
        "   ApplyBatch:   {:>8.1} certificates/s   {:>8.1} ms/tx avg",
        per_sec(certs, apply_batch_time),
        ms_per(apply_batch_time, batches)
    );
    println!(
        "   ApproveBatch: {:>8.1} certificates/s   {:>8.1} ms/tx avg   (+ {:.1} ms per batch to read and sign {batch_size} certificates client-side)",
        per_sec(certs, approve_batch_time),
        ms_per(approve_batch_time, batches),
        ms_per(prepare_time, batches)
    );
    println!(
        "   Credentials:  {:>8.1} certificates/s   {:>8.3} ms per certificate, {:.3} ms CPU in the whole process   (read, sign eddsa-jcs-2022, one AttachCredential each; not in the figures below)",
        per_sec(certs, credential_time),
        ms_per(credential_time, certs),
        ms_per(credential_cpu.process, certs)
    );
    println!(
        "   Together:     {:>8.1} certificates applied+approved/s   {:.3} ms per certificate   {} transactions in {:.2} s ({:.1} ms/tx avg)",
        per_sec(certs, batch_total),
        ms_per(batch_total, certs),
        2 * batches,
        batch_total.as_secs_f64(),
        ms_per(batch_total, 2 * batches)
    );
    println!(
        "   CPU:          {:.3} ms per certificate on the timed thread, {:.3} ms in the whole process (incl. worker threads and RocksDB's background flush/compaction); load average {}",
        cpu.main_thread.as_secs_f64() * 1000.0 / certs as f64,
        cpu.process.as_secs_f64() * 1000.0 / certs as f64,
        load_average()
    );
    // The certifier's Ed25519 signatures alone, measured apart (after the timed part, on
    // the last batch's certificates, one thread): the work of the certifier's own
    // machine — the browser through the console, or the CLI — not of the ledger's host.
    let signed = certifier.get_certificates(&last_ids).wait()?;
    let sign_before = process_cpu();
    let issued_at = datadir::now();
    let signatures: usize =
        signed.iter().map(|cert| signer.sign_issuance(cert, CERTIFIER_MSP, issued_at, issued_at + 86_400).len()).sum();
    let sign_cpu = process_cpu().saturating_sub(sign_before);
    ensure!(signatures == 128 * signed.len(), "{signatures} hex digits of signatures");
    println!(
        "                 of the whole process: {:.3} ms per certificate while the client read and signed, {:.3} ms the rest (the contract, the ledger, RocksDB)",
        ms_per(client_cpu, certs),
        ms_per(cpu.process.saturating_sub(client_cpu), certs),
    );
    println!(
        "                 the certifier's Ed25519 signature alone: {:.3} ms per certificate (measured apart); the ledger's host without it: {:.3} ms per certificate",
        ms_per(sign_cpu, signed.len()),
        ms_per(cpu.process, certs) - ms_per(sign_cpu, signed.len()),
    );
    println!(
        "   Speed-up over single transactions: {:.1}× (certificates applied+approved per second)",
        per_sec(certs, batch_total) / per_sec(single, single_total)
    );
    println!();

    // 2b. One transaction per decision, credentials included (issue 72): the same batches,
    // each ApproveBatch carrying every certificate's credential, signed for the positions
    // `StatusPositions` names for the transaction ID fixed first.
    let terms = certifier
        .credential_terms(CERTIFIER_MSP, nanotrace_model::sample::STATUS_BASE)
        .wait()?
        .context("the sample certification body has a status base")?;
    let signing = ApprovalSigning { signer: &signer, issuer_org: CERTIFIER_MSP, validity_days: None };
    let mut one_apply = Duration::ZERO;
    let mut one_prepare = Duration::ZERO;
    let mut one_approve = Duration::ZERO;
    let one_cpu_before = CpuTimes::now();
    let mut one_ids = Vec::new();
    for b in 0..batches {
        let apps = (0..batch_size).map(|i| application(&format!("C{b}"), i)).collect::<Result<Vec<_>>>()?;
        let t = Instant::now();
        let batch_ids = applicant.apply_batch(apps).wait()?.value;
        one_apply += t.elapsed();
        let t = Instant::now();
        let certs = certifier.get_certificates(&batch_ids).wait()?;
        one_prepare += t.elapsed();
        let t = Instant::now();
        let approved = certifier.approve_certificates(&certs, &signing, datadir::now(), Some(&terms)).wait()?.value;
        one_approve += t.elapsed();
        ensure!(approved.len() == batch_size, "ApproveBatch returned {} IDs", approved.len());
        one_ids = batch_ids;
    }
    let one_cpu = CpuTimes::now().since(&one_cpu_before);
    let one_total = one_apply + one_prepare + one_approve;
    println!("2b. One transaction per decision ({batches} × ApplyBatch of {batch_size}, then ApproveBatch of {batch_size} carrying every credential)");
    println!(
        "   ApproveBatch with credentials: {:>8.1} certificates/s   {:>8.1} ms/batch (StatusPositions, sign approvals + credentials, submit)   + {:.1} ms per batch to read",
        per_sec(certs, one_approve),
        ms_per(one_approve, batches),
        ms_per(one_prepare, batches)
    );
    println!(
        "   Together:     {:>8.1} certificates applied+approved+credentialed/s   {:.3} ms per certificate   ({:.2}× the batches above without credentials; they and their credentials took {:.3} ms)",
        per_sec(certs, one_total),
        ms_per(one_total, certs),
        ms_per(one_total, certs) / ms_per(batch_total, certs),
        ms_per(batch_total + credential_time, certs)
    );
    println!(
        "   CPU:          {:.3} ms per certificate on the timed thread, {:.3} ms in the whole process",
        one_cpu.main_thread.as_secs_f64() * 1000.0 / certs as f64,
        one_cpu.process.as_secs_f64() * 1000.0 / certs as f64,
    );
    // What a credential cannot cost less than, measured apart (after the timed part, on the
    // last batch's certificates, one thread): its proof's Ed25519 signature (by the
    // certifier) and its strict check (by the contract) — the position needs none of its
    // own, the approval's signature binds it — and its canonical bytes written twice (the
    // certifier's side and the contract's).
    let issued = certifier.get_certificates(&one_ids).wait()?;
    let public = signer.key.verifying_key();
    let mut messages = Vec::with_capacity(issued.len());
    let bytes_before = process_cpu();
    for cert in &issued {
        let proof = cert.credential.as_ref().context("issued with its credential")?;
        for _ in 0..2 {
            messages.push(nanotrace_model::credential::signing_input(
                cert,
                public.as_bytes(),
                &terms.issuer_name,
                &proof.status_base,
                proof.created,
            )?);
        }
    }
    let bytes_cpu = process_cpu().saturating_sub(bytes_before);
    // The same bytes the way they were made before (the document built as a `Value`, then
    // canonicalised by `serde_json_canonicalizer`), once per certificate, checked equal.
    let built_before = process_cpu();
    for (cert, written) in issued.iter().zip(messages.iter().step_by(2)) {
        let proof = cert.credential.as_ref().context("issued with its credential")?;
        let document =
            nanotrace_model::credential::unsigned(cert, public.as_bytes(), &terms.issuer_name, &proof.status_base)?;
        let options = nanotrace_model::credential::proof_options(&document, public.as_bytes(), proof.created)?;
        ensure!(nanotrace_model::credential::hash_data(&document, &options)? == *written, "{}: other bytes", cert.id);
    }
    let built_cpu = process_cpu().saturating_sub(built_before);
    let crypto_before = process_cpu();
    let mut checked = 0usize;
    for (cert, message) in issued.iter().zip(messages.iter().step_by(2)) {
        ensure!(
            cert.issuance.as_ref().and_then(|i| i.status_position).is_some(),
            "{}: its approval's signature binds no position",
            cert.id
        );
        let proof = ed25519_dalek::Signer::sign(&signer.key, message);
        checked += usize::from(public.verify_strict(message, &proof).is_ok());
    }
    let crypto_cpu = process_cpu().saturating_sub(crypto_before);
    ensure!(checked == issued.len(), "{checked} of {} credential signatures verified", issued.len());
    let without = ms_per(cpu.process, certs);
    let floor = without + ms_per(crypto_cpu, issued.len());
    println!(
        "   Apart:        the credential's Ed25519 signature + strict check {:.3} ms per certificate, its canonical bytes written twice {:.3} ms (built as a Value and canonicalised: {:.3} ms each time)",
        ms_per(crypto_cpu, issued.len()),
        ms_per(bytes_cpu, issued.len()),
        ms_per(built_cpu, issued.len()),
    );
    println!(
        "                 CPU floor with credentials = the batches' CPU without ({without:.3} ms) + those signatures: {floor:.3} ms per certificate, {:.2}× without; measured {:.2}× ({:.3} ms)",
        floor / without,
        ms_per(one_cpu.process, certs) / without,
        ms_per(one_cpu.process, certs),
    );
    println!();

    // Sanity: everything committed, the chain checks, certificates verify.
    let height = dir.ledger.height()?;
    ensure!(
        height == start_height + 2 * single as u64 + 4 * batches as u64 + (batches * batch_size) as u64,
        "unexpected height {height} (started at {start_height})"
    );
    for id in ids.first().into_iter().chain(last_ids.last()).chain(one_ids.last()) {
        let v = certifier.verify(id).wait()?;
        ensure!(v.verdict == Verdict::Valid, "{id} is {}", v.verdict);
    }
    if let Some(id) = one_ids.last() {
        let cert = certifier.get_certificate(id).wait()?;
        ensure!(cert.credential.is_some(), "{id} was issued without its credential");
    }
    let t = Instant::now();
    let report = dir.ledger.check()?;
    ensure!(report.is_ok(), "ledger check failed: {:?}", report.first_bad);
    println!(
        "   ledger check: {} blocks, {} state keys, OK in {:.2} s",
        report.entries_checked,
        report.state_keys_checked,
        t.elapsed().as_secs_f64()
    );

    // 3. The storage underneath.
    let fsync = fsync_probe(tmp.path(), 200)?;
    println!();
    println!("3. Storage probe in the same directory: write 256 B + fsync (File::sync_data)");
    println!(
        "   {:.3} ms per fsync on average ({:.0} fsyncs/s); single Apply p50 was {:.2} ms",
        fsync.as_secs_f64() * 1000.0,
        1.0 / fsync.as_secs_f64(),
        apply_p50
    );
    Ok(())
}
