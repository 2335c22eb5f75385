//! CPU time of a network's processes: `/proc/PID/stat` utime + stime, of one process or of
//! every process a run folder's `pids/` names (`scripts/network.sh` writes one `NAME.pid`
//! per node). The load bench's per-transaction table and the growth test's per-phase
//! figures read it.

use std::collections::BTreeMap;
use std::path::Path;

/// Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux).
pub const TICKS_PER_SECOND: f64 = 100.0;

/// utime + stime of `pid` in clock ticks (0 when it cannot be read: the process is gone).
pub fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // The command name (field 2) may contain spaces; the fields after it are plain.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return 0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime field 15.
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(14) + field(15)
}

/// The CPU ticks of every process of the run folder `run_dir` now, by pid.
pub fn run_ticks(run_dir: &Path) -> BTreeMap<u32, u64> {
    let Ok(entries) = std::fs::read_dir(run_dir.join("pids")) else { return BTreeMap::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok()?.trim().parse::<u32>().ok())
        .map(|pid| (pid, cpu_ticks(pid)))
        .collect()
}

/// The CPU seconds the run's processes used between two samples of [`run_ticks`]: for a
/// process in both, the difference; for one started in between, all of its time (one
/// that ended in between is not counted after its last sample).
pub fn seconds_between(before: &BTreeMap<u32, u64>, after: &BTreeMap<u32, u64>) -> f64 {
    let ticks: u64 = after.iter().map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or(0))).sum();
    ticks as f64 / TICKS_PER_SECOND
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_uses_cpu_and_a_run_folder_is_read_by_pid() {
        let mut spent = 0u64;
        for i in 0..20_000_000u64 {
            spent = spent.wrapping_add(i * i);
        }
        assert!(spent > 0);
        let me = std::process::id();
        assert!(cpu_ticks(me) > 0, "this busy process has used CPU time");
        assert_eq!(cpu_ticks(u32::MAX), 0, "no such process");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("pids")).expect("pids");
        std::fs::write(dir.path().join("pids/me.pid"), format!("{me}\n")).expect("pid file");
        let before = BTreeMap::from([(me, 0)]);
        let after = run_ticks(dir.path());
        assert_eq!(after.keys().copied().collect::<Vec<_>>(), [me]);
        assert!(seconds_between(&before, &after) > 0.0);
        assert_eq!(seconds_between(&after, &after), 0.0);
    }
}
