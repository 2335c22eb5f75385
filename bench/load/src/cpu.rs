//! CPU time per process: `/proc/PID/stat` utime + stime of the network's processes and of
//! this generator, sampled around every cell and printed per transaction and per item.

use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Mutex;

use nanotrace_testkit::fabric::cpu::cpu_ticks;
pub(crate) use nanotrace_testkit::fabric::cpu::TICKS_PER_SECOND;

/// One reported cell: its CPU ticks per process.
#[derive(Debug)]
struct CpuRow {
    workload: String,
    inflight: usize,
    /// Transactions.
    tx: usize,
    /// Items per transaction (0 or 1: not a batch).
    items: usize,
    ticks: Vec<u64>,
}

/// The processes whose CPU time each cell records, and the cells recorded since the last
/// table. Without processes (no `--cpu-pids`) it samples and records nothing.
#[derive(Debug)]
pub(crate) struct CpuSampler {
    /// (name, pid); this generator first.
    processes: Vec<(String, u32)>,
    rows: Mutex<Vec<CpuRow>>,
}

impl CpuSampler {
    /// A sampler that records nothing.
    pub(crate) fn off() -> Self {
        CpuSampler { processes: Vec::new(), rows: Mutex::new(Vec::new()) }
    }

    /// This process (as `me`) and the processes of DIR/NAME.pid files (scripts/network.sh's
    /// pids/ folder), named `peer ORG`, `cc NAME` or the file's name.
    pub(crate) fn from_pids_dir(me: &str, dir: &Path) -> Result<Self> {
        let mut processes = vec![(me.to_owned(), std::process::id())];
        let entries = std::fs::read_dir(dir).with_context(|| format!("--cpu-pids {}", dir.display()))?;
        let mut found: Vec<(String, u32)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let file = e.file_name().to_string_lossy().strip_suffix(".pid")?.to_owned();
                let pid = std::fs::read_to_string(e.path()).ok()?.trim().parse().ok()?;
                Some((process_name(file), pid))
            })
            .collect();
        found.sort();
        processes.extend(found);
        Ok(CpuSampler { processes, rows: Mutex::new(Vec::new()) })
    }

    /// utime + stime of every process now, in clock ticks (empty when off).
    pub(crate) fn sample(&self) -> Vec<u64> {
        self.processes.iter().map(|(_, pid)| cpu_ticks(*pid)).collect()
    }

    /// Records a cell's ticks (`after - before` of two samples) for the next table.
    pub(crate) fn record(&self, workload: &str, inflight: usize, tx: usize, items: usize, ticks: Vec<u64>) {
        if ticks.is_empty() {
            return;
        }
        let row = CpuRow { workload: workload.to_owned(), inflight, tx, items, ticks };
        self.rows.lock().expect("CPU rows: a cell panicked while recording").push(row);
    }

    /// CPU milliseconds per transaction of every process, for every cell recorded since the
    /// last table (and µs per item for batch cells); then forgets them.
    pub(crate) fn print_table(&self) {
        let mut rows = self.rows.lock().expect("CPU rows: a cell panicked while recording");
        if self.processes.is_empty() || rows.is_empty() {
            return;
        }
        println!("\n### CPU time per transaction by process (ms, /proc utime + stime over each cell)\n");
        let names: Vec<&str> = self.processes.iter().map(|(n, _)| n.as_str()).collect();
        println!("| workload | in flight | tx | {} | total |", names.join(" | "));
        println!("| --- | ---: | ---: |{} ---: |", " ---: |".repeat(names.len()));
        for r in rows.iter() {
            let per_tx = |t: u64| t as f64 * 1000.0 / TICKS_PER_SECOND / r.tx.max(1) as f64;
            let cells: Vec<String> = r.ticks.iter().map(|t| format!("{:.2}", per_tx(*t))).collect();
            println!(
                "| {} | {} | {} | {} | {:.2} |",
                r.workload,
                r.inflight,
                r.tx,
                cells.join(" | "),
                per_tx(r.ticks.iter().sum())
            );
        }
        if rows.iter().any(|r| r.items > 1) {
            println!("\n### CPU time per item (certificate or key) by process (µs), batch cells\n");
            println!("| workload | in flight | items | {} | total |", names.join(" | "));
            println!("| --- | ---: | ---: |{} ---: |", " ---: |".repeat(names.len()));
            for r in rows.iter().filter(|r| r.items > 1) {
                let n = (r.tx * r.items).max(1) as f64;
                let per_item = |t: u64| t as f64 * 1e6 / TICKS_PER_SECOND / n;
                let cells: Vec<String> = r.ticks.iter().map(|t| format!("{:.0}", per_item(*t))).collect();
                println!(
                    "| {} | {} | {} | {} | {:.0} |",
                    r.workload,
                    r.inflight,
                    r.tx * r.items,
                    cells.join(" | "),
                    per_item(r.ticks.iter().sum())
                );
            }
        }
        rows.clear();
    }
}

/// peer0.certifier.nanotrace.test → `peer certifier`; chaincode-asset-go → `cc asset-go`.
fn process_name(file: String) -> String {
    match (file.strip_prefix("peer0."), file.strip_prefix("chaincode-")) {
        (Some(host), _) => format!("peer {}", host.split('.').next().unwrap_or(host)),
        (_, Some(cc)) => format!("cc {cc}"),
        _ => file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_are_named_by_role() {
        assert_eq!(process_name("peer0.certifier.nanotrace.test".into()), "peer certifier");
        assert_eq!(process_name("chaincode-asset-go".into()), "cc asset-go");
        assert_eq!(process_name("orderer".into()), "orderer");
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        let dir = std::env::temp_dir().join(format!("nanotrace-load-cpu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let sampler = CpuSampler::from_pids_dir("me", &dir).expect("reads the folder");
        std::fs::remove_dir_all(&dir).expect("cleans up");
        assert_eq!(sampler.processes.len(), 1);
        assert_eq!(sampler.sample().len(), 1);
        assert!(CpuSampler::off().sample().is_empty());
    }
}
