//! The command line: every flag also read from an environment variable.

use clap::Parser;
use std::path::PathBuf;

/// Draws the benchmarks' figures as SVG curves for docs/BENCHMARKS.md.
///
/// Reads verifier-scale.tsv and ledger-scale.tsv from the data folder (tab-separated, a
/// header line, `#` comments, an empty cell for a figure not measured) and writes
/// verifier-rps.svg, verifier-p99.svg, verifier-rss.svg, ledger-cost.svg, cache-build.svg
/// and bytes-per-cert.svg into the output folder: all of them, or none if any input is bad.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "nanotrace-plot", version)]
pub struct Options {
    /// The folder holding verifier-scale.tsv and ledger-scale.tsv
    #[arg(long, value_name = "DIR", env = "NANOTRACE_PLOT_DATA", default_value = "docs/bench")]
    pub data: PathBuf,
    /// The folder the SVG files are written to (created if missing)
    #[arg(long, value_name = "DIR", env = "NANOTRACE_PLOT_OUT", default_value = "docs/bench")]
    pub out: PathBuf,
    /// The machine the figures were measured on, named under every chart's title
    #[arg(long, value_name = "TEXT", env = "NANOTRACE_PLOT_MACHINE", default_value = "2 vCPUs, 23 GiB")]
    pub machine: String,
}
