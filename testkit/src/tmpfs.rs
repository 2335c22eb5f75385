//! A small tmpfs for full-disk tests (issue 15): mounted with `mount -t tmpfs` (root or
//! CAP_SYS_ADMIN), filled with a filler file, unmounted lazily on drop, also when the test
//! fails. Where mounting is not permitted, [`Tmpfs::mount_or_skip`] records the skip
//! ([`crate::skip`]: a failure where the run requires `tmpfs`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs.
pub struct Tmpfs {
    /// Where it is mounted.
    pub path: PathBuf,
}

impl std::fmt::Debug for Tmpfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tmpfs").finish_non_exhaustive()
    }
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`mount -o size=`, e.g. `64m`) at `path`; the error says
    /// why this machine does not permit it.
    pub fn mount(path: &Path, size: &str) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(path).map_err(|e| format!("mkdir {}: {e}", path.display()))?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(path)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!("mount -t tmpfs failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(Tmpfs { path: path.to_path_buf() })
    }

    /// Mounts one, or says loudly on stderr why `test` cannot run here and answers `None`.
    pub fn mount_or_skip(path: &Path, size: &str, test: &str) -> Option<Tmpfs> {
        match Tmpfs::mount(path, size) {
            Ok(fs) => Some(fs),
            Err(why) => {
                let why = format!("a full disk needs a small tmpfs and {why} (run it as root or with CAP_SYS_ADMIN)");
                crate::skip::skip(crate::skip::TMPFS, test, &why);
                None
            }
        }
    }

    /// Free space, in KiB (`df`).
    pub fn available_kib(&self) -> u64 {
        let out = Command::new("df").args(["-k", "--output=avail"]).arg(&self.path).output().expect("df");
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines().nth(1).and_then(|l| l.trim().parse().ok()).expect("df output")
    }

    /// Writes the file `name` until `leave_kib` KiB remain (0: until a write fails for
    /// want of space); answers its path.
    pub fn fill(&self, name: &str, leave_kib: u64) -> PathBuf {
        let filler = self.path.join(name);
        let mut file = std::fs::File::create(&filler).expect("create the filler");
        let mut left = (leave_kib > 0).then(|| self.available_kib().saturating_sub(leave_kib) * 1024);
        let block = vec![0u8; 64 * 1024];
        loop {
            let n = left.map_or(block.len(), |l| l.min(block.len() as u64) as usize);
            if n == 0 || file.write_all(&block[..n]).is_err() {
                break;
            }
            left = left.map(|l| l - n as u64);
        }
        if leave_kib == 0 {
            // The last partial block too.
            while file.write_all(&block[..1]).is_ok() {}
        }
        let _ = file.sync_all();
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}
