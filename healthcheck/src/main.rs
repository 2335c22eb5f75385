//! `nanotrace-healthcheck`: the health check of the container images (docs/CONTAINERS.md).
//! Exit status 0 when healthy, 1 (with the reason on stderr) when not.

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(version, about = "Health check of a NanoTrace container: exit 0 when the service answers, 1 when not")]
struct Cli {
    /// Seconds to wait for the connection and the answer.
    #[arg(long, env = "NANOTRACE_HEALTHCHECK_TIMEOUT", default_value_t = 3)]
    timeout: u64,
    #[command(subcommand)]
    check: Check,
}

#[derive(Subcommand)]
enum Check {
    /// Healthy when something accepts a TCP connection at ADDR (the chaincode server).
    Tcp { addr: String },
    /// Healthy when an HTTP GET of PATH at ADDR answers 200 (verifier, console, notifier).
    Http {
        addr: String,
        #[arg(default_value = "/healthz")]
        path: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let timeout = Duration::from_secs(cli.timeout);
    let result = match &cli.check {
        Check::Tcp { addr } => nanotrace_healthcheck::tcp(addr, timeout),
        Check::Http { addr, path } => nanotrace_healthcheck::http(addr, path, timeout),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unhealthy: {e}");
            ExitCode::FAILURE
        }
    }
}
