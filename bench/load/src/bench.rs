//! What every workload shares: the options, the CPU sampler, the time limit of a cell and
//! the tag that keeps this run's keys apart from an earlier run's on the same ledger.

use crate::cell::{self, Call, CellResult};
use crate::cpu::CpuSampler;
use crate::options::Options;
use crate::report;
use std::future::Future;
use std::time::Duration;

/// A run of the generator.
#[derive(Debug)]
pub(crate) struct Bench {
    pub(crate) options: Options,
    pub(crate) cpu: CpuSampler,
    /// At most this long per cell (`--seconds`).
    pub(crate) limit: Duration,
    /// Unix seconds at the start, in every key and batch name this run creates.
    pub(crate) run_tag: u64,
}

impl Bench {
    /// Runs a cell of `count` calls of `make(i)` at `inflight` workers (see [`cell::run`]).
    pub(crate) async fn cell<F, Fut>(&self, count: usize, inflight: usize, make: F) -> CellResult
    where
        F: Fn(usize) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<Call>> + Send,
    {
        cell::run(&self.cpu, count, inflight, self.limit, make).await
    }

    /// Prints a cell's row ([`report::row`]) and records its CPU time for the next table.
    pub(crate) fn report(&self, workload: &str, inflight: usize, per_tx: usize, r: &CellResult) {
        report::row(workload, inflight, per_tx, r);
        self.cpu.record(workload, inflight, r.ok, per_tx, r.cpu.clone());
    }
}
