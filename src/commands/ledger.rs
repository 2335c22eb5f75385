//! `ledger check` and `ledger log`: the embedded ledger itself.

use super::Ctx;
use anyhow::Result;
use nanotrace::render;
use nanotrace_embedded::datadir::DataDir;
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
