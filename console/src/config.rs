//! The console's configuration: flags with environment fallbacks, shown by `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the console runs.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// The embedded ledger's data directory (`nanotrace init` or `nanotrace demo`
    /// made it); the console serves every organisation whose CA is in it.
    #[arg(long, env = "NANOTRACE_CONSOLE_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Where the console keeps its own state (invitations, issuer-key requests).
    /// Default: `console/` inside the data directory.
    #[arg(long, env = "NANOTRACE_CONSOLE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "NANOTRACE_CONSOLE_LISTEN", default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// The console's public base URL, as members reach it: enrollment links start with
    /// it, sign-in challenges name it, and an `https://` URL makes the session cookie
    /// `Secure`. Default: `http://` + the listen address.
    #[arg(long, env = "NANOTRACE_CONSOLE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The public verifier's base URL, for the verification links and QR codes of
    /// issued certificates.
    #[arg(long, env = "NANOTRACE_CONSOLE_VERIFIER_URL", default_value = "http://127.0.0.1:8080")]
    pub verifier_url: String,
    /// A session ends after this many seconds without a request.
    #[arg(long, env = "NANOTRACE_CONSOLE_SESSION_IDLE", default_value_t = 15 * 60)]
    pub session_idle_secs: u64,
    /// A session ends this many seconds after sign-in, however active.
    #[arg(long, env = "NANOTRACE_CONSOLE_SESSION_MAX", default_value_t = 8 * 3600)]
    pub session_max_secs: u64,
    /// An enrollment link is valid for this many hours.
    #[arg(long, env = "NANOTRACE_CONSOLE_INVITATION_HOURS", default_value_t = 72)]
    pub invitation_hours: u64,
}

impl Config {
    /// A configuration with the defaults, for `data_dir` (tests and `nanotrace demo`).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            state_dir: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8090)),
            public_url: None,
            verifier_url: "http://127.0.0.1:8080".into(),
            session_idle_secs: 15 * 60,
            session_max_secs: 8 * 3600,
            invitation_hours: 72,
        }
    }

    /// Where the console's own files are.
    pub fn state_dir(&self) -> PathBuf {
        self.state_dir.clone().unwrap_or_else(|| self.data_dir.join("console"))
    }

    /// The public base URL without a trailing slash, given the address actually bound.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }

    /// Idle and absolute session lifetimes.
    pub fn session_limits(&self) -> (Duration, Duration) {
        (Duration::from_secs(self.session_idle_secs), Duration::from_secs(self.session_max_secs))
    }
}
