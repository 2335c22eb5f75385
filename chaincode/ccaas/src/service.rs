//! The chaincode service process around any [`Chaincode`]: logging, TLS from the
//! configuration, the listener, and a graceful stop on SIGTERM/SIGINT. The
//! `nanotrace-chaincode` binary runs the certificate contract with it; other contracts on
//! this runtime (the asset-transfer benchmark contract, `bench/asset`) run through the
//! same code, so they share the process model as well as the shim.

use crate::config::Config;
use crate::handler;
use crate::server::ChaincodeServer;
use nanotrace_shim::Chaincode;
use nanotrace_startup::{LogFormat, LoggingError};
use std::process::ExitCode;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tracing::{error, info, warn};

/// Logs to stderr in `format`, filtered by `RUST_LOG` (default `info`), as every
/// NanoTrace program does (`nanotrace-startup`).
pub fn init_logging(format: LogFormat) -> Result<(), LoggingError> {
    nanotrace_startup::init_logging(&nanotrace_startup::filter_from_env("info"), format)
}

/// Serves `chaincode` as `config` says until SIGTERM/SIGINT, then waits at most
/// `config.shutdown_grace_secs` for the transactions in flight. Returns the process exit
/// code: 0 after a clean stop, 2 for an unusable configuration, 1 when the server cannot
/// listen or fails. Call [`init_logging`] first.
pub async fn run(config: Config, chaincode: impl Chaincode) -> ExitCode {
    let stop = match nanotrace_startup::shutdown_signal() {
        Ok(stop) => stop,
        Err(e) => {
            error!(error = %e, "cannot listen for the stop signal");
            return ExitCode::FAILURE;
        }
    };
    let tls = match config.tls() {
        Ok(tls) => tls,
        Err(e) => {
            error!(error = %e, "invalid configuration");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(&config.chaincode_server_address).await {
        Ok(l) => l,
        Err(e) => {
            error!(address = config.chaincode_server_address, error = %e, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    let mut server = ChaincodeServer::new(config.chaincode_id.clone(), chaincode);
    if let Some(tls) = tls {
        server = server.with_tls(tls);
    }
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let serve = server.serve(listener, async {
        let _ = stop_rx.await;
    });
    tokio::pin!(serve);
    let result = tokio::select! {
        r = &mut serve => r,
        _ = stop => {
            let _ = stop_tx.send(());
            let grace = Duration::from_secs(config.shutdown_grace_secs);
            info!(?grace, "shutting down: no new connections; waiting for transactions in flight");
            // Peers keep their streams open while the chaincode runs: wait for the
            // transactions in flight, not for the streams to end.
            let deadline = tokio::time::Instant::now() + grace;
            loop {
                tokio::select! {
                    r = &mut serve => break r,
                    () = tokio::time::sleep(Duration::from_millis(20)) => {
                        let running = handler::in_flight();
                        if running == 0 {
                            info!("no transaction in flight");
                            break Ok(());
                        }
                        if tokio::time::Instant::now() >= deadline {
                            warn!(running, "transactions still in flight after the grace period; exiting");
                            break Ok(());
                        }
                    }
                }
            }
        }
    };
    match result {
        Ok(()) => {
            info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}
