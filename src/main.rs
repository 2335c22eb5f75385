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
    let filter =
        tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // A closed or broken stderr (a log reader that went away) must not stop a command:
    // tracing-subscriber reports its own write errors with `eprintln!`, which panics then,
    // so that report is off, and the final error line ignores a failed write too.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours for a terminal only: not as escape codes in a log file or a journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .log_internal_errors(false)
        .init();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line: each cause once (a context often repeats its
/// source's text).
fn one_line(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain().map(|c| c.to_string()) {
        if !message.contains(&cause) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&cause);
        }
    }
    message
}
