//! Fuzz targets for NanoTrace (issue 15).
//!
//! Each target is a plain function `run(&[u8])` in its own module, so the same body runs
//! under libFuzzer (`fuzz_targets/*.rs`, through cargo-fuzz on a nightly toolchain) and
//! under the stable driver (`src/bin/nanotrace-fuzz.rs`, a seeded mutation loop over the
//! seed corpus). Without the `full` feature only `token` and `ccaas` build (no RocksDB).
//! A target fails by panicking: a property it checks was violated, or the
//! code under test panicked. `scripts/fuzz.sh TARGET SECONDS` chooses the engine.
//!
//! | target | what it feeds | properties beyond "no panic, no hang" |
//! |---|---|---|
//! | [`contract`] | function name and argument bytes, as any identity, into the contract's dispatch on the in-memory ledger | a refused call writes nothing; queries never write; answers are JSON; the same call on the same state gives the same answer and state (determinism) |
//! | [`token`] | the text of an offline token | a decoded token re-encodes to the same text; verification against the trust list never panics |
//! | [`ccaas`] | a sequence of peer messages into the CCaaS stream handler (the real contract behind it) | the stream ends, every transaction started ends, the handler answers each started transaction at most once |
//! | [`verifier`] | method, path, query, headers and body into the verifier's router (in process, `oneshot`) | no 500, security headers on every answer |
//! | [`batch`] | the bytes of a batch file into `batch apply` / `batch approve` on the in-memory ledger | a malformed file is refused with every bad line named and writes nothing; re-running a file that went through repeats every committed line and adds nothing |

#[cfg(feature = "full")]
pub mod batch;
pub mod ccaas;
#[cfg(feature = "full")]
pub mod contract;
pub mod mutate;
#[cfg(feature = "full")]
pub mod seeds;
pub mod token;
#[cfg(feature = "full")]
pub mod verifier;

/// A target's body: runs one input, panics on a finding.
pub type Target = fn(&[u8]);

/// Every target by name, for the stable driver.
pub const TARGETS: &[(&str, Target)] = &[
    #[cfg(feature = "full")]
    ("contract", contract::run),
    ("token", token::run),
    ("ccaas", ccaas::run),
    #[cfg(feature = "full")]
    ("verifier", verifier::run),
    #[cfg(feature = "full")]
    ("batch", batch::run),
];

/// A check of a target's seeds, run by the stable driver before it mutates them.
pub type SeedCheck = fn(&[u8]) -> Result<(), String>;

/// The targets whose seeds must pass a check first (a seed that fails it would make the
/// run explore only the refusal path).
pub const SEED_CHECKS: &[(&str, SeedCheck)] = &[("token", token::check_seed)];

/// The one current-thread tokio runtime (timers on) the async targets run their input on.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start a tokio runtime: {e}"))
    })
}

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
