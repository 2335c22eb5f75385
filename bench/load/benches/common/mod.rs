//! What the embedded-ledger benchmarks share: the options every one takes and the
//! temporary ledger folder they make, the process's CPU time, the load average and the
//! rates they print.

#![allow(dead_code)] // each benchmark uses its own part of this module

use anyhow::Context;
use std::path::PathBuf;
use std::time::Duration;

/// The options every embedded-ledger benchmark takes besides its own
/// (`#[command(flatten)]`).
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// The folder the temporary ledger goes in (default: the system's temp dir).
    #[arg(long, value_name = "DIR", env = "BENCH_DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// Passed by `cargo bench`; nothing to do.
    #[arg(long, hide = true)]
    bench: bool,
    /// Benchmark filters `cargo bench` passes on; these benchmarks have no parts to filter.
    #[arg(hide = true)]
    filters: Vec<String>,
}

impl BenchArgs {
    /// A new temporary folder in `--dir` (removed when dropped).
    pub(crate) fn temp_dir(&self) -> anyhow::Result<tempfile::TempDir> {
        let parent = self.dir.clone().unwrap_or_else(std::env::temp_dir);
        tempfile::Builder::new()
            .prefix("nanotrace-bench-")
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))
    }
}

/// Per second.
pub(crate) fn per_sec(count: usize, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64()
}

/// Milliseconds per item.
pub(crate) fn ms_per(d: Duration, count: usize) -> f64 {
    d.as_secs_f64() * 1000.0 / count as f64
}

/// CPU time of the calling thread (`/proc/thread-self/schedstat`, ns; zero where `/proc`
/// is not available) and of the whole process including threads that have ended
/// ([`process_cpu`]).
pub(crate) struct CpuTimes {
    pub(crate) main_thread: Duration,
    pub(crate) process: Duration,
}

impl CpuTimes {
    pub(crate) fn now() -> Self {
        let main_thread = std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
        CpuTimes { main_thread: Duration::from_nanos(main_thread), process: process_cpu() }
    }

    pub(crate) fn since(&self, earlier: &CpuTimes) -> CpuTimes {
        CpuTimes {
            main_thread: self.main_thread.saturating_sub(earlier.main_thread),
            process: self.process.saturating_sub(earlier.process),
        }
    }
}

/// User + system CPU time of the whole process, ended threads included (`getrusage(2)`,
/// microseconds); zero if the call fails. The workspace's one FFI call (no safe wrapper of
/// `getrusage` in the crates it already builds), allowed here alone.
#[allow(unsafe_code)]
pub(crate) fn process_cpu() -> Duration {
    // SAFETY: `getrusage` only writes the `rusage` it is given, which outlives the call;
    // an all-zero `rusage` is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_SELF is a valid `who`.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let micros = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    micros(usage.ru_utime) + micros(usage.ru_stime)
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` gives them.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}
