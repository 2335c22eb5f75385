//! `batch apply` and `batch approve`: JSON-lines files in chunks, with a progress bar
//! on a terminal and a summary; exit code 1 when any item failed.

use super::backend::Backend;
use super::Ctx;
use crate::cli::BatchCmd;
use anyhow::Result;
use nanotrace::batch;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Runs a batch subcommand as the `--as` identity.
pub(super) fn run(ctx: &Ctx, net: &Backend, cmd: BatchCmd) -> Result<ExitCode> {
    let show = !ctx.json && std::io::stderr().is_terminal();
    let api = net.client(ctx)?;
    let outcome = match cmd {
        BatchCmd::Apply { file, chunk } => batch::apply_file(&api, &file, chunk, show)?,
        BatchCmd::Approve { file, chunk, signing } => {
            let signer = net.signer(ctx, signing.key.as_deref())?;
            batch::approve_file(&api, &signer, &net.msp(ctx)?, &file, chunk, signing.valid_days, show)?
        }
    };
    ctx.print(&outcome, || {
        let repeated = match outcome.repeated.len() {
            0 => String::new(),
            n => format!(
                " ({n} of them already recorded under their client reference: existing certificate, nothing new)"
            ),
        };
        let mut s = format!(
            "Committed {} item(s){repeated} in {} transaction(s); {} failed\n",
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
