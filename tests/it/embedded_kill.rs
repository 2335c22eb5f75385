//! Issue 15, faults on the embedded ledger: `batch apply` killed with SIGKILL at random
//! points, again and again. After every kill `ledger check` passes and no application is
//! recorded twice; running the same file again completes it: at the end exactly one
//! certificate per line, none missing.
//!
//! Seeded (`NANOTRACE_CHAOS_SEED`, printed; random when unset). Size and kills:
//! `NANOTRACE_CHAOS_LINES` (default 5,000), `NANOTRACE_CHAOS_KILLS` (default 5),
//! `NANOTRACE_CHAOS_CHUNK` (default 100). `scripts/chaos/embedded-kill.sh` runs it with
//! more kills; docs/RELIABILITY.md records the figures.

use crate::support::*;
use nanotrace_client::Wait;
use nanotrace_model::CertificateStatus;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|e| panic!("{name}={v:?}: {e}")),
        Err(_) => default,
    }
}

/// Writes `lines` applications, the sample with lots `<prefix>-00001`, `-00002`, ...
pub(crate) fn write_applications(file: &Path, prefix: &str, lines: usize) {
    let mut text = String::new();
    for n in 1..=lines {
        let mut app = example_value();
        app["batch"] = format!("{prefix}-{n:05}").into();
        text.push_str(&serde_json::to_string(&app).expect("JSON"));
        text.push('\n');
    }
    std::fs::write(file, text).expect("write the batch file");
}

/// xorshift64*: enough for picking kill times, and replayable from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// Every PENDING certificate: lot (batch) → ID, read page by page with the typed API on
/// the data directory (no `nanotrace` process is running then). Panics on a lot recorded
/// twice (`seed` is named in the message).
pub(crate) fn recorded(data: &Path, seed: u64) -> BTreeMap<String, String> {
    let dir = nanotrace_embedded::datadir::DataDir::open(data).expect("open the data directory");
    let api = dir.client(CERTIFIER).expect("certifier client");
    let mut by_lot: BTreeMap<String, String> = BTreeMap::new();
    let mut bookmark = String::new();
    loop {
        let page = api.queue(CertificateStatus::Pending, 1000, &bookmark).wait().expect("ListByStatus");
        for cert in page.certificates {
            if let Some(first) = by_lot.insert(cert.application.batch.clone(), cert.id.clone()) {
                panic!("seed {seed}: lot {} recorded twice: {first} and {}", cert.application.batch, cert.id);
            }
        }
        if page.bookmark.is_empty() {
            return by_lot;
        }
        bookmark = page.bookmark;
    }
}

#[test]
fn batch_apply_killed_at_random_points_then_completed() {
    let lines = env_or("NANOTRACE_CHAOS_LINES", 5_000) as usize;
    let kills = env_or("NANOTRACE_CHAOS_KILLS", 5);
    let chunk = env_or("NANOTRACE_CHAOS_CHUNK", 100).to_string();
    let seed = env_or(
        "NANOTRACE_CHAOS_SEED",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1),
    )
    .max(1);
    eprintln!("embedded kill test: seed {seed} (NANOTRACE_CHAOS_SEED={seed} replays the kill times), {lines} lines, chunk {chunk}, {kills} kills");
    let mut rng = Rng(seed);
    let start = Instant::now();

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init(&data);
    let file = tmp.path().join("apps.jsonl");
    write_applications(&file, "LOT-KILL", lines);
    let batch_args = |json: bool| {
        let mut cmd = command();
        cmd.arg("--data-dir").arg(&data).args(["--as", APPLICANT]);
        if json {
            cmd.arg("--json");
        }
        cmd.args(["batch", "apply", "--file", file.to_str().unwrap(), "--chunk", &chunk]);
        cmd
    };

    // Each run first repeats the chunks recorded before (one transaction each), then
    // records new ones. The ledger logs every commit (NANOTRACE_LOG=nanotrace_ledger=debug,
    // on stderr): a cycle waits for the repeats and a random number of new commits, then
    // a random 0-150 ms more (inside the next chunk's transaction, its RocksDB write, or
    // between two), and sends SIGKILL. The random count leaves work for later cycles.
    let chunk_size: usize = chunk.parse().unwrap();
    let (mut killed_mid_run, mut progress) = (0, Vec::new());
    for cycle in 1..=kills {
        let before = progress.last().copied().unwrap_or(0);
        let remaining = (lines - before).div_ceil(chunk_size) as u64;
        let left = kills - cycle + 1;
        let new_commits = rng.between(0, remaining.saturating_sub(1) / (left + 1));
        let wait_for = (before / chunk_size) as u64 + new_commits;
        let extra = rng.between(0, 150);
        let mut cmd = batch_args(false);
        cmd.env("NANOTRACE_LOG", "nanotrace_ledger=debug").stdout(Stdio::null()).stderr(Stdio::piped());
        let t = Instant::now();
        let mut child = cmd.spawn().expect("spawn nanotrace");
        // Drain stderr to its end in a thread (a closed pipe would fail the process's
        // own logging), reporting each commit.
        let stderr = child.stderr.take().expect("stderr");
        let (commits, committed) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("transaction committed") {
                    let _ = commits.send(());
                }
            }
        });
        let mut seen = 0u64;
        while seen < wait_for && committed.recv().is_ok() {
            seen += 1;
        }
        std::thread::sleep(Duration::from_millis(extra));
        let finished = child.try_wait().expect("try_wait");
        match finished {
            Some(status) => assert!(status.success(), "seed {seed}: cycle {cycle}: batch apply failed: {status}"),
            None => {
                child.kill().expect("SIGKILL");
                child.wait().expect("reap");
                killed_mid_run += 1;
            }
        }
        reader.join().expect("stderr reader");
        let ran = t.elapsed();
        let check = Instant::now();
        let h = height(&data); // asserts `ledger check` passes
        let checked = check.elapsed();
        let count = recorded(&data, seed).len();
        assert!(count <= lines, "seed {seed}: {count} certificates for {lines} lines");
        assert!(count >= before, "seed {seed}: certificates lost: {before} before, {count} now");
        if lines % chunk_size == 0 {
            assert_eq!(count % chunk_size, 0, "seed {seed}: a chunk (one transaction) was recorded in part");
        }
        eprintln!(
            "cycle {cycle}: {} after {seen} commits + {extra} ms (ran {:.2} s); ledger check OK in {:.2} s at height {h}; {count}/{lines} recorded, no duplicates",
            if finished.is_some() { "finished" } else { "SIGKILL" },
            ran.as_secs_f64(),
            checked.as_secs_f64()
        );
        progress.push(count);
    }
    assert!(killed_mid_run > 0 || lines <= chunk_size, "seed {seed}: no kill landed while batch apply ran");

    // The same file again, to the end.
    let t = Instant::now();
    let r = run_cmd(batch_args(true));
    assert_eq!(r.code, 0, "seed {seed}: the completing run failed: {}", r.stderr);
    let summary = r.json();
    let committed = summary["committed"].as_array().expect("committed");
    let repeated = summary["repeated"].as_array().expect("repeated").len();
    let before = progress.last().copied().unwrap_or(0);
    assert_eq!(committed.len(), lines, "seed {seed}");
    assert_eq!(repeated, before, "seed {seed}: every line recorded before the last run is a repeat");
    let by_lot = recorded(&data, seed);
    assert_eq!(by_lot.len(), lines, "seed {seed}: certificates missing");
    for (i, c) in committed.iter().enumerate() {
        let lot = format!("LOT-KILL-{:05}", i + 1);
        assert_eq!(c[0].as_u64(), Some(i as u64 + 1), "seed {seed}");
        assert_eq!(
            c[1].as_str(),
            by_lot.get(&lot).map(String::as_str),
            "seed {seed}: line {} answered another ID",
            i + 1
        );
    }
    height(&data);
    eprintln!(
        "completing run: {lines} lines ({repeated} repeats) in {:.2} s; {killed_mid_run}/{kills} kills landed mid-run; progress after each kill {progress:?}; total {:.1} s",
        t.elapsed().as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
}

/// Regression (found by the test above, which first stopped reading the log): a log reader
/// that goes away must not kill `batch apply`; it used to panic (exit 101) on the broken
/// stderr pipe in the middle of the batch.
#[test]
fn batch_apply_survives_a_closed_log_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init(&data);
    let file = tmp.path().join("apps.jsonl");
    write_applications(&file, "LOT-PIPE", 300);
    let mut cmd = command();
    cmd.arg("--data-dir").arg(&data).args(["--as", APPLICANT, "--json", "batch", "apply", "--chunk", "10"]);
    cmd.arg("--file").arg(&file).env("NANOTRACE_LOG", "nanotrace_ledger=debug");
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn nanotrace");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut first = String::new();
    stderr.read_line(&mut first).expect("first log line");
    drop(stderr);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "batch apply died when its log pipe closed");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["committed"].as_array().map(Vec::len), Some(300), "{summary}");
    assert_eq!(recorded(&data, 0).len(), 300);
}
