//! Why a consortium file was refused.

use std::path::PathBuf;

/// Why a consortium could not be read or is not one a network can be made of.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a consortium in YAML (an unknown field, a missing one, a wrong type).
    #[error("{origin}: {source}")]
    Parse {
        /// The file (or where the text came from).
        origin: String,
        /// The parser's message, with the line and column.
        source: yaml_serde::Error,
    },
    /// The consortium's private data collections cannot be defined (docs/PRIVATE-DATA.md).
    #[error("private data collections: {0}")]
    Collections(String),
    /// A value is refused: the field and why.
    #[error("{origin}: {field}: {message}")]
    Invalid {
        /// The file (or where the text came from).
        origin: String,
        /// The field, e.g. `organizations[2].msp_id`.
        field: String,
        /// Why.
        message: String,
    },
}
