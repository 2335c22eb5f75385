//! `nanotrace-chaincode`: the NanoTrace certificate contract as a Fabric chaincode
//! service. Configure with the CHAINCODE_* environment variables (see `--help`).

use clap::Parser;
use nanotrace_ccaas::config::{Config, LogFormat};
use nanotrace_ccaas::{handler, CertificateChaincode, ChaincodeServer};
use std::process::ExitCode;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tracing::{error, info, warn};
use tracing_subscriber::EnvFilter;

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => info!("SIGINT received"),
                    _ = term.recv() => info!("SIGTERM received"),
                }
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM; SIGINT only");
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    init_logging(config.log_format);
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
    let mut server = ChaincodeServer::new(config.chaincode_id.clone(), CertificateChaincode::default());
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
        () = shutdown_signal() => {
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
