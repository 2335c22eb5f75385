//! `batch apply` and `batch approve`: JSON-lines files in chunks, with a progress bar
//! on a terminal and a summary; exit code 1 when any item failed.

use super::Ctx;
use crate::cli::BatchCmd;
use anyhow::Result;
use nanotrace::batch;
use nanotrace_ledger::datadir::DataDir;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Runs a batch subcommand as the `--as` identity.
pub(super) fn run(ctx: &Ctx, dir: &DataDir, cmd: BatchCmd) -> Result<ExitCode> {
    let show = !ctx.json && std::io::stderr().is_terminal();
    let who = ctx.who()?.to_owned();
    let api = dir.client(&who)?;
    let outcome = match cmd {
        BatchCmd::Apply { file, chunk } => batch::apply_file(&api, &file, chunk, show)?,
        BatchCmd::Approve { file, chunk, signing } => {
            let signer = dir.signer(signing.key.as_deref().unwrap_or(&who))?;
            batch::approve_file(&api, &signer, &dir.msp_of(&who)?, &file, chunk, signing.valid_days, show)?
        }
    };
    ctx.print(&outcome, || {
        let mut s = format!(
            "Committed {} item(s) in {} transaction(s); {} failed\n",
            outcome.committed.len(),
            outcome.transactions,
            outcome.failed.len()
        );
        for (line, reason) in &outcome.failed {
            s.push_str(&format!("  line {line}: {reason}\n"));
        }
        s
    })?;
    Ok(if outcome.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
