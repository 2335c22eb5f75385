//! The signal to stop: SIGTERM (a service manager, a container runtime) or SIGINT
//! (Ctrl-C).

use std::future::Future;

/// A signal handler could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("cannot install the {signal} handler: {source}")]
pub struct SignalError {
    /// `SIGTERM` or `SIGINT`.
    pub signal: &'static str,
    /// What the system said.
    pub source: std::io::Error,
}

/// A future that resolves, with the signal's name, on SIGTERM or SIGINT. The handlers
/// are installed when this is called, not when the future is first polled, so a signal
/// that arrives in between is not lost. Call it inside a Tokio runtime.
pub fn shutdown_signal() -> Result<impl Future<Output = &'static str> + Send + 'static, SignalError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(|source| SignalError { signal: "SIGTERM", source })?;
    let mut int = signal(SignalKind::interrupt()).map_err(|source| SignalError { signal: "SIGINT", source })?;
    Ok(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutting down");
        name
    })
}

#[cfg(test)]
mod tests {
    use super::shutdown_signal;

    #[test]
    fn a_signal_sent_before_the_future_is_awaited_is_not_lost() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime.block_on(async {
            let stop = shutdown_signal().expect("handlers installed");
            // SIGINT to this very process (kill(1): the standard library has no raise(3)),
            // before anything awaits the future.
            let status = std::process::Command::new("kill")
                .args(["-INT", &std::process::id().to_string()])
                .status()
                .expect("kill runs");
            assert!(status.success());
            let name = tokio::time::timeout(std::time::Duration::from_secs(10), stop).await.expect("resolved");
            assert_eq!(name, "SIGINT");
        });
    }
}
