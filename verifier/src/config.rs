//! Command-line flags, each with an environment fallback.

use clap::{Parser, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// `--answer-cache-mb 0` at most (and where the memory this process may use cannot be
/// read): a certificate's first ask costs little more than a kept answer now (issue 76),
/// and the verifier is to stay within 1 GB at 10⁷ certificates by default.
const DEFAULT_ANSWER_CACHE_BYTES: u64 = 256 << 20;

/// Which kind of ledger the verifier follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceKind {
    /// Follow an embedded NanoTrace ledger (`--data-dir`), read-only, beside its owner.
    Embedded,
    /// Follow a Fabric channel through the Gateway client (`--profile`).
    Fabric,
}

/// The service's configuration.
// The field docs are also the `--help` text, where `<listen>` is a placeholder, not HTML.
#[allow(rustdoc::invalid_html_tags)]
#[derive(Debug, Clone, Parser)]
#[command(name = "nanotrace-verifier", version, about = "The public NanoTrace verification service")]
pub struct Config {
    /// Where the certificates come from.
    #[arg(long, env = "NANOTRACE_VERIFIER_SOURCE", value_enum, default_value = "embedded")]
    pub source: SourceKind,
    /// Address to listen on.
    #[arg(long, env = "NANOTRACE_VERIFIER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The embedded ledger's data directory (`--source embedded`).
    #[arg(long, env = "NANOTRACE_DATA_DIR", default_value = "nanotrace-data")]
    pub data_dir: PathBuf,
    /// The connection profile to follow a Fabric channel with (`--source fabric`): its
    /// gateway peer, identity, channel and chaincode. Default: the Regulator's user
    /// `rita` of the network `scripts/network.sh up` starts, so the verifier reads the
    /// Regulator's own peer.
    #[arg(long, env = "NANOTRACE_PROFILE", default_value = ".run/fabric/profiles/regulator-rita.yaml")]
    pub profile: PathBuf,
    /// The verifier's own RocksDB cache directory. Default: STATE/nanotrace/verifier-cache,
    /// STATE being $XDG_STATE_HOME or ~/.local/state: outside any working tree, so a run
    /// never leaves a cache where it could be committed.
    #[arg(long, env = "NANOTRACE_VERIFIER_CACHE_DIR", default_value_os_t = default_cache_dir())]
    pub cache_dir: PathBuf,
    /// Public base URL of this service, used in QR codes (default: http://<listen>, or
    /// https://<listen> with --tls-cert).
    #[arg(long, env = "NANOTRACE_VERIFIER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM, leaf first; with --tls-key). Both
    /// files are read again on SIGHUP: new connections get the new certificate, open ones
    /// keep theirs, and a reload that fails changes nothing (logged). Without it the
    /// verifier speaks plain HTTP, for a TLS-terminating reverse proxy in front
    /// (docs/OPERATIONS.md).
    #[arg(long, env = "NANOTRACE_VERIFIER_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, SEC1 or PKCS#1).
    #[arg(long, env = "NANOTRACE_VERIFIER_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The operator's Ed25519 key (a file holding its hex seed, as `nanotrace key request
    /// --out` writes issuer keys) that signs the W3C Bitstring Status Lists this verifier
    /// publishes at /api/v1/status/{revocation,suspension}/{list}. Without it, none are
    /// published. Relying parties then trust this operator to publish the ledger's
    /// statuses: see verifier/README.md, "Verifiable Credentials".
    #[arg(long, env = "NANOTRACE_VERIFIER_STATUS_KEY", value_name = "FILE")]
    pub status_key: Option<PathBuf>,
    /// Memory for the certificates' rendered answers (pages and JSON) kept for reuse, in
    /// MiB: the least recently asked for go first. 0 (the default): a quarter of the memory
    /// this process may use — the machine's, or its container's or systemd unit's limit
    /// if lower — and at most 256 MiB, which keeps the process within 1 GB at 10⁷
    /// certificates. An answer counts its body (about 3 KB of JSON or 15 KB of page), and
    /// its gzipped body once a client that accepts gzip asked for it: about 3.5 KB per
    /// certificate keeps every JSON answer (5 KB where clients accept gzip). Only answers
    /// asked for take memory (docs/BENCHMARKS.md).
    #[arg(long, env = "NANOTRACE_VERIFIER_ANSWER_CACHE_MB", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=1_048_576))]
    pub answer_cache_mb: u64,
    /// Render every certificate's JSON answer and English page when the follower writes
    /// its record, and store them in the cache, so that a certificate's first ask is
    /// served with one read (about 4–5 KB more on disk per certificate). `false`: render
    /// each answer when first asked for, as before.
    #[arg(long, env = "NANOTRACE_VERIFIER_STORE_ANSWERS", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub store_answers: bool,
    /// Answer UNVERIFIABLE once the cache has not caught up with the ledger for this long.
    #[arg(long, env = "NANOTRACE_VERIFIER_MAX_STALENESS_SECS", default_value_t = 300)]
    pub max_staleness_secs: u64,
    /// How often to look for new blocks, in milliseconds.
    #[arg(long, env = "NANOTRACE_VERIFIER_POLL_MS", default_value_t = 200)]
    pub poll_ms: u64,
    /// Requests per second allowed per client (sustained; a client is an IPv4 address or
    /// an IPv6 /64); more get 429 with Retry-After. The probes (/healthz, /readyz) are not
    /// limited. Behind a reverse proxy every request comes from the proxy's IP: raise it
    /// there. 1 to 1,000,000,000.
    #[arg(long, env = "NANOTRACE_VERIFIER_RATE_PER_SEC", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub rate_per_sec: u64,
    /// Burst of requests allowed per client (at least 1).
    #[arg(long, env = "NANOTRACE_VERIFIER_RATE_BURST", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_burst: u32,
    /// Per-request timeout in seconds (reading the body included): 503 past it.
    #[arg(long, env = "NANOTRACE_VERIFIER_TIMEOUT_SECS", default_value_t = 10)]
    pub timeout_secs: u64,
    /// Seconds a client has to send a whole request head (request line and headers),
    /// counted from its first byte, or from the end of the previous answer on a kept-alive
    /// connection; then the connection is closed. Slow clients (slowloris) hold a
    /// connection no longer than this.
    #[arg(long, env = "NANOTRACE_VERIFIER_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Open connections at most. At the limit a new connection closes the one that has
    /// waited longest for a request (never one being answered), so idle or slow clients
    /// cannot lock real users out; when every connection is being answered, the new one
    /// gets 503. Capped below the process's open-file limit.
    #[arg(long, env = "NANOTRACE_VERIFIER_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Largest request body accepted, in bytes (413 past it).
    #[arg(long, env = "NANOTRACE_VERIFIER_MAX_BODY", default_value_t = 16 * 1024)]
    pub max_body_bytes: usize,
    /// Largest body of `POST /api/v1/verify`, in bytes (413 past it): a consignment's list
    /// of up to 1,000 items (a verification URL with its token is ~400 bytes).
    #[arg(long, env = "NANOTRACE_VERIFIER_MAX_LIST_BODY", default_value_t = 1024 * 1024)]
    pub max_list_bytes: usize,
    /// Bytes of request bodies held at once across all connections, from the first byte
    /// read until the answer is made (a body declaring its length holds it all before it
    /// is read). A request that finds them spent waits up to a second, then gets 503 with
    /// Retry-After; lookups, which have no body, are never held back. This memory comes
    /// on top of --answer-cache-mb. At least the largest body accepted (--max-list-bytes).
    #[arg(long, env = "NANOTRACE_VERIFIER_MAX_BODY_BYTES_IN_FLIGHT", default_value_t = 32 * 1024 * 1024)]
    pub max_body_bytes_in_flight: usize,
    /// Largest request head (request line and headers) accepted, in bytes: 431 and the
    /// connection closed past it (also past 100 header lines).
    #[arg(long, env = "NANOTRACE_VERIFIER_MAX_HEADER", default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,
    /// Certificate IDs without a certificate remembered at most (about 100 bytes each),
    /// so that floods of unknown IDs read neither the cache's disk nor the peer again; 0
    /// turns this off. An entry is dropped as soon as the follower applies its ID.
    #[arg(long, env = "NANOTRACE_VERIFIER_NEGATIVE_CACHE_SIZE", default_value_t = 65_536)]
    pub negative_cache_size: usize,
    /// Seconds an unknown ID is remembered at most.
    #[arg(long, env = "NANOTRACE_VERIFIER_NEGATIVE_CACHE_TTL_SECS", default_value_t = 60)]
    pub negative_cache_ttl_secs: u64,
    /// Threads serving HTTP connections, each with its own event loop (0: one per CPU).
    /// One thread accepts and hands each new connection to the next serving thread, so a
    /// request never crosses threads.
    #[arg(long, env = "NANOTRACE_VERIFIER_HTTP_THREADS", default_value_t = 0)]
    pub http_threads: usize,
    /// Log filter.
    #[arg(long, env = "NANOTRACE_LOG", default_value = "info")]
    pub log: String,
    /// Log as JSON lines.
    #[arg(long, env = "NANOTRACE_LOG_JSON", value_parser = clap::builder::BoolishValueParser::new())]
    pub log_json: bool,
}

impl Config {
    /// `--http-threads`, with 0 resolved to the number of CPUs.
    pub fn http_threads(&self) -> usize {
        match self.http_threads {
            0 => std::thread::available_parallelism().map(usize::from).unwrap_or(1),
            n => n,
        }
    }

    /// `--answer-cache-mb` in bytes, with 0 resolved to a quarter of the memory this process
    /// may use ([`crate::memory::usable_bytes`]), at most 256 MiB (and 256 MiB where that
    /// cannot be read).
    pub fn answer_cache_bytes(&self) -> u64 {
        match self.answer_cache_mb {
            0 => crate::memory::usable_bytes()
                .map_or(DEFAULT_ANSWER_CACHE_BYTES, |bytes| (bytes / 4).min(DEFAULT_ANSWER_CACHE_BYTES)),
            mb => mb << 20,
        }
    }

    /// `--public-url` without a trailing slash, or `http(s)://<listen>`.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.tls_cert.is_some() => format!("https://{}", self.listen),
            None => format!("http://{}", self.listen),
        }
    }
}

/// `$XDG_STATE_HOME/nanotrace/verifier-cache`, else `$HOME/.local/state/…`, else the
/// system's temporary directory's (a user without a home).
fn default_cache_dir() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    state.join("nanotrace").join("verifier-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Config::try_parse_from(std::iter::once("nanotrace-verifier").chain(args.iter().copied()))
    }

    #[test]
    fn answers_get_a_quarter_of_the_usable_memory_at_most_256_mib_unless_told_how_much() {
        let usable = crate::memory::usable_bytes().expect("this machine's memory is readable");
        let expected = (usable / 4).min(256 << 20);
        let default = parse(&[]).expect("the defaults parse");
        assert_eq!(default.answer_cache_bytes(), expected);
        assert_eq!(parse(&["--answer-cache-mb", "0"]).expect("0 parses").answer_cache_bytes(), expected);
        assert_eq!(parse(&["--answer-cache-mb", "64"]).expect("64 parses").answer_cache_bytes(), 64 << 20);
        // More than the default, when told.
        assert_eq!(parse(&["--answer-cache-mb", "6144"]).expect("6144 parses").answer_cache_bytes(), 6144 << 20);
        for bad in ["-1", "lots", "1048577", ""] {
            let error = parse(&[&format!("--answer-cache-mb={bad}")]).expect_err(bad);
            assert!(error.to_string().contains("--answer-cache-mb"), "{bad}: {error}");
        }
    }
}
