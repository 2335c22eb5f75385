//! `nanotrace-plot`: the benchmarks' figures as SVG charts (`nanotrace-plot --help`).

use clap::Parser;
use nanotrace_plot::Options;

fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    for path in nanotrace_plot::run(&options)? {
        println!("wrote {}", path.display());
    }
    Ok(())
}
