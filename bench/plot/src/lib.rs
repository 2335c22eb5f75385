//! `nanotrace-plot`: the benchmarks' figures (`docs/bench/*.tsv`) drawn as the SVG curves of
//! docs/BENCHMARKS.md — requests/s, p99 and memory of the verifier, CPU, cache build rate
//! and bytes per certificate of the embedded ledger, against the ledger's size on a
//! logarithmic axis. `scripts/bench/plot.sh` runs it.
//!
//! The modules, one noun each: [`table`] (the file format), [`figures`] (the typed rows),
//! [`series`] (a curve), [`chart`] (drawing one chart), [`catalogue`] (the six charts),
//! [`output`] (writing all files or none), [`options`] (the command line), [`error`].
//!
//! Why each dependency is here:
//! - `plotters` (without default features; `svg_backend`, `line_series`, `point_series`):
//!   line and point charts with a logarithmic axis (its log coordinates need no feature),
//!   drawn by its SVG backend into a string. No font feature: the SVG backend writes text
//!   as `<text>` elements that the browser sets, so no font is read, bundled or linked.
//! - `csv`: the tab-separated files, with comment lines and the line of every record for
//!   errors; `serde`: each row deserialised by its column names, phases and servers as
//!   enums, an empty cell as `None`.
//! - `clap`: the flags, each with an environment variable as fallback, in `--help`.
//! - `thiserror`: [`Error`], every variant naming its file and line or its chart.
//! - `anyhow`: `main.rs` only, to print the error and exit non-zero.

pub mod catalogue;
pub mod chart;
pub mod error;
pub mod figures;
pub mod options;
pub mod output;
pub mod series;
pub mod table;

pub use chart::Chart;
pub use error::Error;
pub use figures::Figures;
pub use options::Options;
pub use output::Svg;

use std::path::PathBuf;

/// Every chart of `figures` rendered in memory, none written yet.
pub fn render(figures: &Figures, machine: &str) -> Result<Vec<Svg>, Error> {
    catalogue::charts(figures, machine)
        .iter()
        .map(|chart| Ok(Svg { file_name: chart.file_name.to_owned(), text: chart.render()? }))
        .collect()
}

/// Reads the figures of `options.data`, renders every chart and writes them all into
/// `options.out`; nothing is written if an input is bad. Returns the files written.
pub fn run(options: &Options) -> Result<Vec<PathBuf>, Error> {
    let figures = Figures::load(&options.data)?;
    let files = render(&figures, &options.machine)?;
    output::write_all(&options.out, &files)
}
