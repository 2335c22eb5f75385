//! `nanotrace-topology`: checks a consortium file and gives it to scripts.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use nanotrace_topology::{shell, Consortium};

/// The consortium file of a NanoTrace Fabric network: checked, and given to
/// scripts/network.sh as bash declarations.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The consortium file (YAML; format: topology/README.md). Without it, the sample
    /// consortium (network/consortium.yaml as built in).
    #[arg(long, env = "NANOTRACE_FABRIC_CONSORTIUM", global = true)]
    consortium: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checks the file; prints each organisation's name, MSP ID and kind.
    Check,
    /// Prints the bash declarations scripts/network.sh evaluates (ORGS, ORG_MSP, …).
    Bash,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let consortium = match &cli.consortium {
        Some(path) => Consortium::load(path).context("the consortium file")?,
        None => Consortium::sample(),
    };
    match cli.command {
        Command::Check => {
            for org in &consortium.organizations {
                let governs = if org.governs { ", governs" } else { "" };
                println!("{} {} ({:?}{governs}, {} peer(s))", org.name, org.msp_id, org.kind, org.peers);
            }
        }
        Command::Bash => print!("{}", shell::declarations(&consortium)),
    }
    Ok(())
}
