//! The console's configuration: flags with environment fallbacks, shown by `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the console runs.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// The embedded ledger's data directory (`nanotrace init` or `nanotrace demo`
    /// made it); the console serves every organisation whose CA is in it. Without it,
    /// the console serves one organisation on Fabric (`--fabric-gateway` and friends).
    #[arg(long, env = "NANOTRACE_CONSOLE_DATA_DIR", required_unless_present = "gateway")]
    pub data_dir: Option<PathBuf>,
    /// Where the console keeps its own state (invitations, issuer-key requests).
    /// Default: `console/` inside the data directory (required on Fabric).
    #[arg(long, env = "NANOTRACE_CONSOLE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// On Fabric: the organisation's gateway peer, its CA and its MSP.
    #[command(flatten)]
    pub fabric: FabricArgs,
    /// Address to listen on.
    #[arg(long, env = "NANOTRACE_CONSOLE_LISTEN", default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// The console's public base URL, as members reach it: enrollment links start with
    /// it, sign-in challenges name it, and an `https://` URL makes the session cookie
    /// `Secure`. Default: `http://` + the listen address.
    #[arg(long, env = "NANOTRACE_CONSOLE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The public verifier's base URL, for the verification links and QR codes of
    /// issued certificates, and the status lists Verifiable Credentials name.
    #[arg(long, env = "NANOTRACE_CONSOLE_VERIFIER_URL", default_value = "http://127.0.0.1:8080")]
    pub verifier_url: String,
    /// A session ends after this many seconds without a request.
    #[arg(long, env = "NANOTRACE_CONSOLE_SESSION_IDLE", default_value_t = 15 * 60)]
    pub session_idle_secs: u64,
    /// A session ends this many seconds after sign-in, however active.
    #[arg(long, env = "NANOTRACE_CONSOLE_SESSION_MAX", default_value_t = 8 * 3600)]
    pub session_max_secs: u64,
    /// A sign-in challenge may be answered for this many seconds (to the second). The
    /// console keeps nothing for a challenge it hands out: the challenge's ID is the
    /// challenge itself, sealed with a key the process draws at start (challenges handed
    /// out before a restart are void after it).
    #[arg(long, env = "NANOTRACE_CONSOLE_CHALLENGE_SECS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub challenge_secs: u64,
    /// Sign-in challenges answered (with a member's valid signature) and remembered
    /// until they expire, so that each is answered once, at most: past it, sign-in
    /// answers 503 until the first expires. Only members' signatures fill it.
    #[arg(long, env = "NANOTRACE_CONSOLE_MAX_ANSWERED_CHALLENGES", default_value_t = 4096,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_answered_challenges: u64,
    /// Requests per second allowed per client (sustained); more get 429 with
    /// Retry-After. A client is an IPv4 address or an IPv6 /64; behind a reverse proxy,
    /// name it with `--trusted-proxy`. 1 to 1,000,000,000.
    #[arg(long, env = "NANOTRACE_CONSOLE_RATE_PER_SEC", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub rate_per_sec: u64,
    /// Burst of requests allowed per client (at least 1).
    #[arg(long, env = "NANOTRACE_CONSOLE_RATE_BURST", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_burst: u32,
    /// A reverse proxy in front of the console: an address or a network (CIDR), repeated
    /// or comma-separated (env). Only for a request whose TCP peer is one of them is the
    /// client taken from `--forwarded-header` (the rightmost address there that is not
    /// itself a trusted proxy); from anyone else that header is ignored. Without it,
    /// every client behind a proxy is the proxy.
    #[arg(
        long = "trusted-proxy",
        env = "NANOTRACE_CONSOLE_TRUSTED_PROXY",
        value_delimiter = ',',
        value_name = "ADDRESS|CIDR"
    )]
    pub trusted_proxies: Vec<nanotrace_ratelimit::TrustedProxy>,
    /// The header the trusted proxies append the client's address to:
    /// `x-forwarded-for` or `forwarded` (RFC 7239). The other one is the client's to
    /// write and never read.
    #[arg(long, env = "NANOTRACE_CONSOLE_FORWARDED_HEADER", default_value = "x-forwarded-for")]
    pub forwarded_header: nanotrace_ratelimit::ForwardedHeader,
    /// An enrollment link is valid for this many hours.
    #[arg(long, env = "NANOTRACE_CONSOLE_INVITATION_HOURS", default_value_t = 72)]
    pub invitation_hours: u64,
    /// The SMTP server that emails enrollment links to invited members' addresses
    /// (without it, the admin passes the link on).
    #[command(flatten)]
    pub smtp: SmtpArgs,
}

/// The console on Fabric: one organisation, beside its gateway peer. The console holds
/// no identity of its own: every proposal, transaction, read and CA registration it
/// passes on is signed in a member's browser.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FabricArgs {
    /// The organisation's gateway peer, `host:port` (serves the console's members on
    /// Fabric instead of an embedded ledger).
    #[arg(
        id = "gateway",
        long = "fabric-gateway",
        env = "NANOTRACE_CONSOLE_FABRIC_GATEWAY",
        conflicts_with = "data_dir"
    )]
    pub gateway: Option<String>,
    /// The gateway peer's TLS CA certificate (PEM); without it, plaintext.
    #[arg(long = "fabric-tls-ca", env = "NANOTRACE_CONSOLE_FABRIC_TLS_CA")]
    pub tls_ca: Option<PathBuf>,
    /// The host name the gateway peer's TLS certificate names (default: the address's).
    #[arg(long = "fabric-server-name", env = "NANOTRACE_CONSOLE_FABRIC_SERVER_NAME")]
    pub server_name: Option<String>,
    /// The channel.
    #[arg(long = "fabric-channel", env = "NANOTRACE_CONSOLE_FABRIC_CHANNEL", default_value = "nanotrace")]
    pub channel: String,
    /// The chaincode name.
    #[arg(long = "fabric-chaincode", env = "NANOTRACE_CONSOLE_FABRIC_CHAINCODE", default_value = "nanotrace")]
    pub chaincode: String,
    /// The organisation's MSP ID (the only organisation whose members sign in here).
    #[arg(long = "fabric-msp-id", env = "NANOTRACE_CONSOLE_FABRIC_MSP_ID", requires = "gateway")]
    pub msp_id: Option<String>,
    /// The organisation's MSP folder (`cacerts/`, `intermediatecerts/`, `crls/`), read
    /// at every sign-in: the channel's definition of who its members are.
    #[arg(long = "fabric-msp-dir", env = "NANOTRACE_CONSOLE_FABRIC_MSP_DIR", requires = "gateway")]
    pub msp_dir: Option<PathBuf>,
    /// The organisation's Fabric CA, `https://host:port`: members are registered there
    /// (by their admin's browser signature) and enroll there.
    #[arg(long = "fabric-ca-url", env = "NANOTRACE_CONSOLE_FABRIC_CA_URL", requires = "gateway")]
    pub ca_url: Option<String>,
    /// The CA's name on its server (`--caname`; empty: the server's default CA).
    #[arg(long = "fabric-ca-name", env = "NANOTRACE_CONSOLE_FABRIC_CA_NAME", default_value = "")]
    pub ca_name: String,
    /// The CA's TLS root certificate (PEM).
    #[arg(long = "fabric-ca-tls-root", env = "NANOTRACE_CONSOLE_FABRIC_CA_TLS_ROOT")]
    pub ca_tls_root: Option<PathBuf>,
}

/// SMTP settings (the notifier's mailer: STARTTLS, implicit TLS, AUTH).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SmtpArgs {
    /// SMTP server host name.
    #[arg(long = "smtp-host", env = "NANOTRACE_CONSOLE_SMTP_HOST")]
    pub host: Option<String>,
    /// SMTP port (default by `--smtp-tls`: 587, 465 or 25).
    #[arg(long = "smtp-port", env = "NANOTRACE_CONSOLE_SMTP_PORT")]
    pub port: Option<u16>,
    /// `starttls`, `implicit` or `none`.
    #[arg(long = "smtp-tls", env = "NANOTRACE_CONSOLE_SMTP_TLS", default_value = "starttls")]
    pub tls: String,
    /// An extra trust root (PEM) for the server's certificate.
    #[arg(long = "smtp-root-certificate", env = "NANOTRACE_CONSOLE_SMTP_ROOT_CERTIFICATE")]
    pub root_certificate: Option<PathBuf>,
    /// User name for SMTP AUTH.
    #[arg(long = "smtp-username", env = "NANOTRACE_CONSOLE_SMTP_USERNAME")]
    pub username: Option<String>,
    /// The environment variable holding the SMTP password.
    #[arg(long = "smtp-password-env", env = "NANOTRACE_CONSOLE_SMTP_PASSWORD_ENV")]
    pub password_env: Option<String>,
    /// The sender address.
    #[arg(
        long = "smtp-from",
        env = "NANOTRACE_CONSOLE_SMTP_FROM",
        default_value = "NanoTrace console <console@nanotrace.invalid>"
    )]
    pub from: String,
}

impl SmtpArgs {
    /// The mailer these settings describe; `None` without `--smtp-host`.
    pub fn mailer(&self) -> Result<Option<nanotrace_notify::email::Mailer>, String> {
        let Some(host) = &self.host else { return Ok(None) };
        let tls = match self.tls.as_str() {
            "starttls" => nanotrace_notify::config::SmtpTls::Starttls,
            "implicit" => nanotrace_notify::config::SmtpTls::Implicit,
            "none" => nanotrace_notify::config::SmtpTls::None,
            other => return Err(format!("--smtp-tls {other:?}: use starttls, implicit or none")),
        };
        let smtp = nanotrace_notify::config::Smtp {
            host: host.clone(),
            port: self.port,
            tls,
            tls_name: None,
            root_certificate: self.root_certificate.clone(),
            username: self.username.clone(),
            password_env: self.password_env.clone(),
            from: self.from.clone(),
            allow_plaintext_auth: false,
        };
        nanotrace_notify::email::Mailer::new(&smtp).map(Some).map_err(|e| e.to_string())
    }
}

impl Config {
    /// A configuration with the defaults, for `data_dir` (tests and `nanotrace demo`).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: Some(data_dir.into()),
            state_dir: None,
            fabric: FabricArgs { channel: "nanotrace".into(), chaincode: "nanotrace".into(), ..FabricArgs::default() },
            listen: SocketAddr::from(([127, 0, 0, 1], 8090)),
            public_url: None,
            verifier_url: "http://127.0.0.1:8080".into(),
            session_idle_secs: 15 * 60,
            session_max_secs: 8 * 3600,
            challenge_secs: 120,
            max_answered_challenges: 4096,
            rate_per_sec: 20,
            rate_burst: 200,
            trusted_proxies: Vec::new(),
            forwarded_header: nanotrace_ratelimit::ForwardedHeader::default(),
            invitation_hours: 72,
            smtp: SmtpArgs {
                tls: "starttls".into(),
                from: "NanoTrace console <console@nanotrace.invalid>".into(),
                ..SmtpArgs::default()
            },
        }
    }

    /// Where the console's own files are (`None`: on Fabric without `--state-dir`).
    pub fn state_dir(&self) -> Option<PathBuf> {
        self.state_dir.clone().or_else(|| self.data_dir.as_ref().map(|d| d.join("console")))
    }

    /// The public base URL without a trailing slash, given the address actually bound.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }

    /// How long challenges and sessions live, and how many answered challenges are
    /// remembered at most.
    pub fn session_limits(&self) -> crate::session::Limits {
        crate::session::Limits {
            idle: Duration::from_secs(self.session_idle_secs),
            absolute: Duration::from_secs(self.session_max_secs),
            challenge: Duration::from_secs(self.challenge_secs.max(1)),
            max_answered: usize::try_from(self.max_answered_challenges.max(1)).unwrap_or(usize::MAX),
        }
    }

    /// The per-client rate limit, its clients found behind the trusted proxies.
    pub fn limiter(&self) -> nanotrace_ratelimit::PerClient {
        let clients = nanotrace_ratelimit::ClientAddress::new(self.trusted_proxies.clone(), self.forwarded_header);
        nanotrace_ratelimit::PerClient::behind(self.rate_per_sec, self.rate_burst, clients)
    }
}

#[cfg(test)]
mod tests {
    use super::Config;
    use clap::Parser as _;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Cli::try_parse_from(["nanotrace-console", "--data-dir", "data"].iter().chain(args)).map(|c| c.config)
    }

    #[test]
    fn trusted_proxies_are_repeated_or_comma_separated_and_anything_else_is_refused() {
        let config = parse(&["--trusted-proxy", "127.0.0.1,10.0.0.0/8", "--trusted-proxy", "::1"]).expect("parses");
        let proxies: Vec<String> = config.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(proxies, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        assert_eq!(config.forwarded_header, nanotrace_ratelimit::ForwardedHeader::XForwardedFor);
        let forwarded = parse(&["--forwarded-header", "forwarded"]).expect("parses");
        assert_eq!(forwarded.forwarded_header, nanotrace_ratelimit::ForwardedHeader::Forwarded);
        assert!(parse(&[]).expect("parses").trusted_proxies.is_empty(), "no proxy is trusted by default");
        let bad = parse(&["--trusted-proxy", "proxy.example"]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(bad.contains("neither an IP address nor a network"), "{bad}");
        assert!(parse(&["--forwarded-header", "x-real-ip"]).is_err());
    }
}
