//! Logging set up once per process.

use std::io::IsTerminal;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (coloured on a terminal only).
    #[default]
    Text,
    /// One JSON object a line, for a log collector.
    Json,
}

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// The filter is not `RUST_LOG` syntax.
    #[error("invalid --log filter {filter:?}: {source}")]
    Filter {
        /// The filter as given.
        filter: String,
        /// What the parser said.
        source: tracing_subscriber::filter::ParseError,
    },
    /// A global subscriber was already set (twice in one process).
    #[error("cannot set up logging: {0}")]
    Install(String),
}

/// Logs to stderr the events `filter` lets through (`RUST_LOG` syntax: `info`,
/// `nanotrace_verifier=debug,warn`), in `format`. Colours only when stderr is a terminal.
/// A closed or broken stderr (a log reader that went away) does not stop the program:
/// tracing-subscriber's own report of a failed write (an `eprintln!`, which would panic
/// then) is off.
pub fn init_logging(filter: &str, format: LogFormat) -> Result<(), LoggingError> {
    let env_filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|source| LoggingError::Filter { filter: filter.to_owned(), source })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .log_internal_errors(false);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    installed.map_err(|e| LoggingError::Install(e.to_string()))
}

/// The filter in `RUST_LOG`, or `default` when it is unset (the programs without a
/// `--log` flag of their own).
pub fn filter_from_env(default: &str) -> String {
    std::env::var("RUST_LOG").ok().filter(|f| !f.trim().is_empty()).unwrap_or_else(|| default.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_filter_is_refused_with_its_text() {
        let e = init_logging("=[", LogFormat::Text).expect_err("not a filter");
        assert!(e.to_string().starts_with("invalid --log filter \"=[\""), "{e}");
    }
}
