//! `ledger check`, `ledger log`, `ledger backup` and `ledger restore`: the embedded
//! ledger itself.

use super::Ctx;
use anyhow::{bail, Context, Result};
use nanotrace::render;
use nanotrace_embedded::datadir::DataDir;
use nanotrace_ledger::Ledger;
use std::path::Path;
use std::process::ExitCode;

/// `ledger check`: the hash chain, each block's write set and the state against a
/// replay; exit code 1 when anything was tampered with.
pub(super) fn check(ctx: &Ctx, dir: &DataDir) -> Result<ExitCode> {
    let report = dir.ledger.check()?;
    let ok = report.is_ok();
    let problems: Vec<_> =
        report.problems.iter().map(|p| serde_json::json!({"block": p.block, "reason": p.reason})).collect();
    ctx.print(
        &serde_json::json!({
            "ok": ok, "height": report.height, "head_hash": report.head_hash,
            "entries_checked": report.entries_checked, "problems": problems,
        }),
        || {
            if ok {
                format!("Ledger OK: {} blocks, head {}\n", report.entries_checked, report.head_hash)
            } else {
                let mut s = format!("Ledger TAMPERED: {} problem(s)\n", report.problem_count);
                for p in &report.problems {
                    let block = p.block.map(|b| b.to_string()).unwrap_or_else(|| "-".into());
                    s.push_str(&format!("  block {block}: {}\n", p.reason));
                }
                s
            }
        },
    )?;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `ledger log --from --limit`: the transaction log, one line per block.
pub(super) fn log(ctx: &Ctx, dir: &DataDir, from: u64, limit: usize) -> Result<ExitCode> {
    let entries = dir.ledger.log_entries(from, limit)?;
    ctx.print(&entries, || {
        entries
            .iter()
            .map(|e| {
                format!(
                    "#{:<6} {}  {:<22} {:<16} {}\n",
                    e.block,
                    render::when(e.timestamp.seconds),
                    e.function,
                    e.creator_msp,
                    e.event.as_ref().map(|(n, _)| n.as_str()).unwrap_or("-")
                )
            })
            .collect()
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `ledger backup DEST`: the ledger copied as a follower (the data directory may be in use)
/// and every other file of the data directory beside it.
pub(super) fn backup(ctx: &Ctx, data_dir: &Path, dest: &Path) -> Result<ExitCode> {
    let ledger_dir = data_dir.join("ledger");
    if !ledger_dir.join("CURRENT").is_file() {
        bail!("{} holds no ledger: nothing to back up (--data-dir names the data directory)", data_dir.display());
    }
    if dest.exists() {
        bail!("{} exists: a backup goes into a new directory and never writes over anything", dest.display());
    }
    let scratch = tempfile::tempdir().context("cannot make a scratch directory for the follower")?;
    let follower = Ledger::open_follower(&ledger_dir, scratch.path())?;
    follower.catch_up()?;
    create_private_dir(dest)?;
    let report = follower.backup_to(&dest.join("ledger"))?;
    let files = copy_tree(data_dir, dest, Some("ledger"))?;
    ctx.print(
        &serde_json::json!({
            "backup": dest, "height": report.height, "head_hash": report.head_hash,
            "keys": report.keys, "bytes": report.bytes, "files": files, "check": "intact",
        }),
        || {
            format!(
                "Backed up {}: the ledger ({} blocks, head {}, {} keys) and {files} other files to {}; the copy's \
                 ledger check is intact.\nIt holds private keys: keep it where only your administrators can read it.\n",
                data_dir.display(),
                report.height,
                report.head_hash,
                report.keys,
                dest.display()
            )
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `ledger restore BACKUP`: the backup copied into a new data directory and checked.
pub(super) fn restore(ctx: &Ctx, backup: &Path, data_dir: &Path) -> Result<ExitCode> {
    if !backup.join("ledger").join("CURRENT").is_file() {
        bail!("{} is not a backup made by `nanotrace ledger backup`: it holds no ledger", backup.display());
    }
    let occupied = std::fs::read_dir(data_dir).map(|mut entries| entries.next().is_some()).unwrap_or(false);
    if occupied {
        bail!("{} is not empty: a restore goes into a new or empty data directory", data_dir.display());
    }
    create_private_dir(data_dir)?;
    let files = copy_tree(backup, data_dir, None)?;
    let dir = DataDir::open(data_dir)?;
    let report = dir.ledger.check()?;
    if !report.is_ok() {
        bail!(
            "the restored ledger does not check out ({} problem(s), first: {}): the backup is damaged",
            report.problem_count,
            report.first_bad.map(|p| p.reason).unwrap_or_default()
        );
    }
    ctx.print(
        &serde_json::json!({
            "data_dir": data_dir, "height": report.height, "head_hash": report.head_hash, "files": files, "check": "intact",
        }),
        || {
            format!(
                "Restored {} into {} ({files} files): {} blocks, head {}; ledger check intact. Compare the head with the \
                 one the backup printed.\n",
                backup.display(),
                data_dir.display(),
                report.height,
                report.head_hash
            )
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

/// A new directory only its owner can enter.
fn create_private_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).with_context(|| format!("cannot create {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {} to its owner", path.display()))?;
    }
    Ok(())
}

/// Copies every file and directory under `from` into `to` (permissions kept), leaving out
/// the top-level entry `skip`; the number of files copied. Anything but regular files and
/// directories (sockets, links) is refused rather than silently left out.
fn copy_tree(from: &Path, to: &Path, skip: Option<&str>) -> Result<u64> {
    let mut files = 0;
    for entry in std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        if skip.is_some_and(|s| entry.file_name() == s) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().with_context(|| format!("cannot read {}", source.display()))?;
        if kind.is_dir() {
            std::fs::create_dir_all(&target).with_context(|| format!("cannot create {}", target.display()))?;
            let permissions =
                entry.metadata().with_context(|| format!("cannot read {}", source.display()))?.permissions();
            std::fs::set_permissions(&target, permissions)
                .with_context(|| format!("cannot set the permissions of {}", target.display()))?;
            files += copy_tree(&source, &target, None)?;
        } else if kind.is_file() {
            std::fs::copy(&source, &target)
                .with_context(|| format!("cannot copy {} to {}", source.display(), target.display()))?;
            files += 1;
        } else {
            bail!("{} is neither a file nor a directory: not copied", source.display());
        }
    }
    Ok(files)
}
