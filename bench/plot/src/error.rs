//! What can go wrong, each error naming its file (and line) or its chart.

use std::io;
use std::path::PathBuf;

/// An error of reading the figures, drawing a chart or writing the SVG files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A figures file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The header line names an unknown column, lacks one or names one twice.
    #[error("{}:{line}: header: {message}", path.display())]
    Header {
        /// The file.
        path: PathBuf,
        /// The header's line, from 1.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// A cell that is not what its column holds: not a number, an unknown phase or server, …
    #[error("{}:{line}: column `{column}`: {message}", path.display())]
    Cell {
        /// The file.
        path: PathBuf,
        /// The row's line, from 1.
        line: u64,
        /// The column's name in the header.
        column: String,
        /// What is wrong with the cell.
        message: String,
    },
    /// A row as a whole: a wrong number of cells, a repeat of an earlier row, bytes that are
    /// not UTF-8.
    #[error("{}:{line}: {message}", path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// The row's line, from 1.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// A chart without a single point to draw.
    #[error("{chart}: no figures to draw ({hint})")]
    Empty {
        /// The chart's file name.
        chart: String,
        /// Which columns it draws.
        hint: String,
    },
    /// The drawing library refused to draw.
    #[error("{chart}: drawing failed: {message}")]
    Draw {
        /// The chart's file name.
        chart: String,
        /// The library's error.
        message: String,
    },
    /// An output file could not be written (the files of this run already written are removed).
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}
