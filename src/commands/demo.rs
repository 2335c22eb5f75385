//! `demo`: the whole lifecycle, narrated, on a fresh embedded ledger.

use super::Ctx;
use anyhow::Result;
use nanotrace_embedded::datadir;
use std::path::Path;
use std::process::ExitCode;

/// Runs the demo in `data_dir`, or in a new directory under the system's temporary
/// directory (`TMPDIR`), which is left there for exploring.
pub(super) fn run(ctx: &Ctx, data_dir: Option<&Path>) -> Result<ExitCode> {
    let dir = match data_dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("nanotrace-demo-{}-{}", std::process::id(), datadir::now())),
    };
    let mut stdout = std::io::stdout();
    nanotrace::demo::run(&dir, &ctx.verify_url, &mut stdout)?;
    Ok(ExitCode::SUCCESS)
}
