//! `nanotrace`: certificates for nanomaterial products on the embedded ledger or, with
//! `--network fabric --profile PATH`, on a Fabric network through its Gateway.
//!
//! The flags and subcommands are in `cli`; each command group runs in a module of
//! `commands`; text output comes from the library's `render` module.

mod cli;
mod commands;

use clap::Parser;
use std::process::ExitCode;

/// jemalloc (feature `jemalloc`, on by default): the embedded ledger's commits allocate
/// and free megabytes per batch; ~5 % less CPU per certificate than glibc's allocator
/// (docs/BENCHMARKS-HISTORY.md, "Where issue 28 ended"). `scripts/demo.sh` builds without
/// it: its C build is a minute of a newcomer's first build, for a demo that commits a
/// handful of blocks.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // A closed or broken stderr (a log reader that went away) must not stop a command:
    // the logging ignores it (nanotrace-startup), and the final error line does too.
    use std::io::Write;
    if let Err(e) = nanotrace_startup::init_logging(&cli.log, nanotrace_startup::LogFormat::Text) {
        let _ = writeln!(std::io::stderr(), "error: {}", nanotrace_startup::one_line(&e));
        return ExitCode::FAILURE;
    }
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {}", nanotrace_startup::one_line(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}
