//! How every NanoTrace program starts and stops, written once: the CLI (`nanotrace`),
//! the verifier, the notifier, the console and the chaincode server.
//!
//! - [`logging`]: `tracing` to stderr under a filter (`--log`, `RUST_LOG` syntax), in
//!   text with colours only on a terminal (never escape codes in a file or a journal), or
//!   one JSON object a line; a broken stderr never stops a program.
//! - [`shutdown`]: a future that resolves on SIGTERM or SIGINT, its handlers installed at
//!   once so that a signal sent before it is awaited is not lost.
//! - [`one_line()`]: an error and its causes on one line, each cause once, for the last
//!   line a program prints.

pub mod logging;
pub mod one_line;
pub mod shutdown;

pub use logging::{filter_from_env, init_logging, LogFormat, LoggingError};
pub use one_line::one_line;
pub use shutdown::{shutdown_signal, SignalError};
