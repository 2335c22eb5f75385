//! One cell of a table: `count` calls with `inflight` workers, bounded in time, and what
//! they measured.

use crate::cpu::CpuSampler;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One call's result: the chaincode's payload, and for a submit how long the endorsement
/// took and the block it committed in (on the submitting gateway's peer).
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) out: Vec<u8>,
    pub(crate) endorse: Option<Duration>,
    pub(crate) block: Option<u64>,
}

/// What a cell measured.
#[derive(Debug, Default)]
pub(crate) struct CellResult {
    pub(crate) ok: usize,
    pub(crate) failed: usize,
    pub(crate) elapsed: Duration,
    /// Whole-call latencies (commit latency for submits), sorted.
    pub(crate) latencies: Vec<Duration>,
    /// Endorsement latencies of the submits, sorted.
    pub(crate) endorse: Vec<Duration>,
    pub(crate) first_error: Option<String>,
    pub(crate) outputs: Vec<Vec<u8>>,
    /// The highest block a submit of the cell committed in (0 if none).
    pub(crate) last_block: u64,
    /// CPU ticks each probed process used during the cell.
    pub(crate) cpu: Vec<u64>,
}

impl CellResult {
    /// Successful calls per second.
    pub(crate) fn tps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Pools several runs of the same cell: counts and times add up, latencies merge.
    pub(crate) fn pool<'a>(runs: impl IntoIterator<Item = &'a CellResult>) -> CellResult {
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

/// Runs `count` calls of `make(i)` with `inflight` workers, stopping early after `limit`;
/// `cpu` is sampled before and after.
pub(crate) async fn run<F, Fut>(cpu: &CpuSampler, count: usize, inflight: usize, limit: Duration, make: F) -> CellResult
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<Call>> + Send,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let shared = Arc::new(Mutex::new(CellResult::default()));
    let cpu_before = cpu.sample();
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
                let mut s = shared.lock().expect("cell results: a worker panicked");
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
                        s.first_error.get_or_insert(format!("{e:#}"));
                    }
                }
            }
        }));
    }
    for w in workers {
        // A worker that panicked has recorded what it finished; the cell reports the rest.
        let _ = w.await;
    }
    let mut r = std::mem::take(&mut *shared.lock().expect("cell results: a worker panicked"));
    r.elapsed = start.elapsed();
    r.cpu = cpu.sample().iter().zip(&cpu_before).map(|(after, before)| after.saturating_sub(*before)).collect();
    r.latencies.sort();
    r.endorse.sort();
    r
}
