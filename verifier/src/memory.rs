//! The memory this process may use: the machine's (`MemTotal` in `/proc/meminfo`), or
//! less where a control group limits it — a container's limit, or a systemd unit's
//! `MemoryMax` — which sizes the rendered answers kept by default (`--answer-cache-mb 0`).
//!
//! Read from the kernel's own text files rather than through a crate: `sysinfo`'s
//! `cgroup_limits` reads only the root group's `memory.max` (a container's own limit, as
//! its cgroup namespace shows it, but not a unit's limit on a host), where the limit that
//! applies is the lowest along the process's own group and its ancestors
//! (`/proc/self/cgroup`). Cgroup v2, and v1's memory controller.

use std::path::Path;

/// The bytes of memory this process may use: the least of the machine's memory and every
/// memory limit on its control group and the groups above it. `None` when the machine's
/// memory cannot be read (not Linux).
pub fn usable_bytes() -> Option<u64> {
    usable_bytes_under(Path::new("/proc"), Path::new("/sys/fs/cgroup"))
}

/// [`usable_bytes`] with `/proc` and `/sys/fs/cgroup` at `proc` and `cgroup_root`.
pub(crate) fn usable_bytes_under(proc: &Path, cgroup_root: &Path) -> Option<u64> {
    let total = mem_total(&std::fs::read_to_string(proc.join("meminfo")).ok()?)?;
    let groups = std::fs::read_to_string(proc.join("self/cgroup")).unwrap_or_default();
    let limits = groups.lines().filter_map(|line| {
        // `hierarchy-ID:controllers:path`; v2's unified hierarchy is `0::path`.
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        if controllers.is_empty() {
            Some(lowest_limit(cgroup_root, path, "memory.max"))
        } else if controllers.split(',').any(|c| c == "memory") {
            Some(lowest_limit(&cgroup_root.join("memory"), path, "memory.limit_in_bytes"))
        } else {
            None
        }
    });
    Some(limits.flatten().fold(total, u64::min))
}

/// `MemTotal` of a `/proc/meminfo` text, in bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find_map(|line| line.strip_prefix("MemTotal:"))?;
    let kib = line.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
    kib.checked_mul(1024)
}

/// The lowest limit in the files `file` of group `path` under `root` and of the groups
/// above it: a child group cannot use more than its parent may.
fn lowest_limit(root: &Path, path: &str, file: &str) -> Option<u64> {
    let mut lowest: Option<u64> = None;
    let mut group = Path::new(path.trim_start_matches('/'));
    loop {
        if let Some(limit) = std::fs::read_to_string(root.join(group).join(file)).ok().as_deref().and_then(limit) {
            lowest = Some(lowest.map_or(limit, |l| l.min(limit)));
        }
        match group.parent() {
            Some(parent) => group = parent,
            None => return lowest,
        }
    }
}

/// A limit file's value: bytes, or `None` for `max` (v2: no limit) or anything unreadable.
/// (v1 writes no limit as a number near 2⁶³, which the machine's memory is below anyway.)
fn limit(text: &str) -> Option<u64> {
    text.trim().parse::<u64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const MEMINFO: &str = "MemTotal:       24576000 kB\nMemFree:        20000000 kB\n";

    fn machine(cgroup: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary folder");
        fs::create_dir_all(dir.path().join("proc/self")).expect("proc");
        fs::write(dir.path().join("proc/meminfo"), MEMINFO).expect("meminfo");
        fs::write(dir.path().join("proc/self/cgroup"), cgroup).expect("cgroup");
        dir
    }

    fn put(dir: &tempfile::TempDir, file: &str, text: &str) {
        let path = dir.path().join("sys").join(file);
        fs::create_dir_all(path.parent().expect("a parent")).expect("cgroup folders");
        fs::write(path, text).expect("a limit file");
    }

    fn usable(dir: &tempfile::TempDir) -> Option<u64> {
        usable_bytes_under(&dir.path().join("proc"), &dir.path().join("sys"))
    }

    #[test]
    fn without_a_limit_it_is_the_machines_memory() {
        let dir = machine("0::/user.slice/session-1.scope\n");
        put(&dir, "user.slice/session-1.scope/memory.max", "max\n");
        put(&dir, "user.slice/memory.max", "max\n");
        assert_eq!(usable(&dir), Some(24_576_000 * 1024));
    }

    #[test]
    fn the_lowest_limit_of_the_group_and_its_parents_applies() {
        let dir = machine("0::/system.slice/verifier.service\n");
        put(&dir, "system.slice/verifier.service/memory.max", "8589934592\n");
        put(&dir, "system.slice/memory.max", "2147483648\n");
        assert_eq!(usable(&dir), Some(2 << 30), "the parent's 2 GiB bounds the unit's 8 GiB");
        put(&dir, "system.slice/verifier.service/memory.max", "1073741824\n");
        assert_eq!(usable(&dir), Some(1 << 30), "then the unit's own 1 GiB");
    }

    #[test]
    fn a_container_sees_its_limit_at_the_root_of_its_namespace() {
        let dir = machine("0::/\n");
        put(&dir, "memory.max", "536870912\n");
        assert_eq!(usable(&dir), Some(512 << 20));
    }

    #[test]
    fn cgroup_v1_memory_limits_count_and_its_no_limit_sentinel_does_not() {
        let dir = machine("12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n");
        put(&dir, "memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");
        assert_eq!(usable(&dir), Some(24_576_000 * 1024));
        put(&dir, "memory/docker/abc/memory.limit_in_bytes", "4294967296\n");
        assert_eq!(usable(&dir), Some(4 << 30));
    }

    #[test]
    fn unreadable_files_give_the_machines_memory_or_nothing() {
        let dir = machine("garbage\n0::/gone\n");
        put(&dir, "gone/memory.max", "a lot\n");
        assert_eq!(usable(&dir), Some(24_576_000 * 1024), "a limit that is not a number is no limit");
        fs::write(dir.path().join("proc/meminfo"), "MemTotal: lots\n").expect("meminfo");
        assert_eq!(usable(&dir), None, "no machine memory: nothing to size by");
        fs::remove_file(dir.path().join("proc/meminfo")).expect("meminfo removed");
        assert_eq!(usable(&dir), None);
    }
}
