//! The stable fuzzing engine and corpus tools for the NanoTrace fuzz targets.
//!
//! `nanotrace-fuzz run TARGET --seconds N` mutates the target's seed corpus with a seeded
//! generator (no coverage feedback; see `nanotrace_fuzz::mutate`) and calls the target's
//! function until the time is up, printing executions as it goes. A panic anywhere
//! (even one the code under test catches, as libFuzzer's panic hook would see it) or an
//! execution longer than `--timeout` stops the run: the input is saved under
//! `--artifacts` and the exit code is 1. `replay` runs saved inputs; `seeds` writes the
//! seed corpora.

use clap::{Parser, Subcommand};
use nanotrace_fuzz::mutate::{mutate, parse_dict, Rng};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Parser)]
#[command(about = "Stable fuzzing engine for the NanoTrace fuzz targets (libFuzzer is used when nightly is available)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fuzzes one target for a bounded time.
    Run {
        /// contract, token, ccaas, verifier or batch.
        target: String,
        /// How long to run.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// The generator's seed (default: from the clock; printed either way).
        #[arg(long, env = "NANOTRACE_FUZZ_SEED")]
        seed: Option<u64>,
        /// The seed corpus directory (default: fuzz/corpus/TARGET).
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// A libFuzzer-format dictionary (default: fuzz/dict/TARGET.dict when present).
        #[arg(long)]
        dict: Option<PathBuf>,
        /// Where a crashing or hanging input is saved.
        #[arg(long, default_value = "fuzz/artifacts")]
        artifacts: PathBuf,
        /// Longest input tried, in bytes.
        #[arg(long, default_value_t = 65_536)]
        max_len: usize,
        /// An execution longer than this (seconds) is a hang.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Runs saved inputs through a target and reports each.
    Replay {
        /// The target.
        target: String,
        /// Input files.
        files: Vec<PathBuf>,
    },
    /// Writes the seed corpora (DIR/TARGET/NAME).
    Seeds {
        /// The corpus directory, e.g. fuzz/corpus.
        dir: PathBuf,
    },
}

/// Set by the panic hook: a panic happened during the current execution.
static PANICKED: AtomicBool = AtomicBool::new(false);
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        PANICKED.store(true, Ordering::SeqCst);
        let text = format!("{info}\n{}", std::backtrace::Backtrace::force_capture());
        *LAST_PANIC.lock().unwrap_or_else(|p| p.into_inner()) = text;
    }));
}

fn load_dir(dir: &Path) -> Vec<Vec<u8>> {
    load_named(dir).into_iter().map(|(_, bytes)| bytes).collect()
}

/// The files of `dir` with their paths, sorted by name.
fn load_named(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files.into_iter().filter_map(|p| std::fs::read(&p).ok().map(|bytes| (p, bytes))).collect()
}

fn save(dir: &Path, kind: &str, input: &[u8]) -> PathBuf {
    let name = format!("{kind}-{}", hex::encode(&Sha256::digest(input)[..10]));
    let path = dir.join(name);
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, input)) {
        eprintln!("cannot save {}: {e}", path.display());
    }
    path
}

/// Runs one input; `Err` with the panic text when it panicked.
fn execute(target: fn(&[u8]), input: &[u8]) -> Result<(), String> {
    PANICKED.store(false, Ordering::SeqCst);
    let caught = std::panic::catch_unwind(|| target(input)).is_err();
    if caught || PANICKED.load(Ordering::SeqCst) {
        return Err(LAST_PANIC.lock().unwrap_or_else(|p| p.into_inner()).clone());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn fuzz(
    name: &str,
    target: fn(&[u8]),
    seconds: u64,
    seed: Option<u64>,
    corpus: Option<PathBuf>,
    dict: Option<PathBuf>,
    artifacts: PathBuf,
    max_len: usize,
    timeout: u64,
) -> ExitCode {
    let seed = seed.unwrap_or_else(|| {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
            ^ u64::from(std::process::id())
    });
    let corpus_dir = corpus.unwrap_or_else(|| PathBuf::from("fuzz/corpus").join(name));
    if let Some((_, check)) = nanotrace_fuzz::SEED_CHECKS.iter().find(|(n, _)| *n == name) {
        for (path, seed) in load_named(&corpus_dir) {
            if let Err(e) = check(&seed) {
                eprintln!("seed {} of target {name} is not a valid starting point: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        println!("{name}: every seed in {} passed its check", corpus_dir.display());
    }
    let mut corpus = load_dir(&corpus_dir);
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let dict_path = dict.unwrap_or_else(|| PathBuf::from(format!("fuzz/dict/{name}.dict")));
    let dict = std::fs::read_to_string(&dict_path).map(|t| parse_dict(&t)).unwrap_or_default();
    let artifacts = artifacts.join(name);
    println!(
        "*** ENGINE: stable mutation driver (no coverage feedback) — target {name}, seed {seed}, {} s, corpus {} input(s) from {}, dictionary {} word(s) ***",
        seconds,
        corpus.len(),
        corpus_dir.display(),
        dict.len()
    );

    // Watchdog: an execution running longer than `timeout` is a hang.
    let started_ms = Arc::new(AtomicU64::new(0));
    let current: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    {
        let (started_ms, current, artifacts, name) =
            (started_ms.clone(), current.clone(), artifacts.clone(), name.to_owned());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let at = started_ms.load(Ordering::SeqCst);
            if at != 0 && now_ms().saturating_sub(at) > timeout * 1000 {
                let input = current.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let path = save(&artifacts, "timeout", &input);
                eprintln!("==== HANG: {name}: one execution ran over {timeout} s; input saved to {}", path.display());
                std::process::exit(1);
            }
        });
    }

    // The seeds themselves first.
    let begin = Instant::now();
    let deadline = begin + Duration::from_secs(seconds);
    let mut execs: u64 = 0;
    let mut rng = Rng::new(seed);
    let mut last: Vec<u8> = corpus[0].clone();
    let mut next_report = begin + Duration::from_secs(10);
    let seeds = corpus.clone();
    let mut queue = seeds.into_iter();
    loop {
        let input = match queue.next() {
            Some(seed_input) => seed_input,
            None => {
                if Instant::now() >= deadline {
                    break;
                }
                // Mostly a corpus input, sometimes the previous mutant again (deeper chains).
                let base = if rng.one_in(4) { last.clone() } else { corpus[rng.below(corpus.len())].clone() };
                mutate(&mut rng, &base, &corpus, &dict, max_len)
            }
        };
        *current.lock().unwrap_or_else(|p| p.into_inner()) = input.clone();
        started_ms.store(now_ms(), Ordering::SeqCst);
        let outcome = execute(target, &input);
        started_ms.store(0, Ordering::SeqCst);
        execs += 1;
        if let Err(text) = outcome {
            let path = save(&artifacts, "crash", &input);
            eprintln!("==== CRASH in {name} after {execs} executions (seed {seed}): {text}");
            eprintln!(
                "==== input saved to {} ({} bytes); reproduce: nanotrace-fuzz replay {name} {}",
                path.display(),
                input.len(),
                path.display()
            );
            println!(
                "engine=stable target={name} seed={seed} execs={execs} secs={:.0} result=CRASH",
                begin.elapsed().as_secs_f64()
            );
            return ExitCode::FAILURE;
        }
        last = input;
        if Instant::now() >= next_report {
            let secs = begin.elapsed().as_secs_f64();
            println!("#{execs} execs in {secs:.0} s ({:.0}/s)", execs as f64 / secs);
            next_report += Duration::from_secs(10);
        }
    }
    let secs = begin.elapsed().as_secs_f64();
    println!(
        "engine=stable target={name} seed={seed} execs={execs} secs={secs:.0} execs_per_sec={:.0} corpus={} result=OK",
        execs as f64 / secs.max(0.001),
        corpus.len()
    );
    ExitCode::SUCCESS
}

/// Milliseconds since the first call, plus one (0 means "not running").
fn now_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    install_panic_hook();
    match cli.command {
        Command::Run { target, seconds, seed, corpus, dict, artifacts, max_len, timeout } => {
            let Some(f) = nanotrace_fuzz::target(&target) else {
                eprintln!("unknown target {target:?}; known: {}", names());
                return ExitCode::from(2);
            };
            fuzz(&target, f, seconds, seed, corpus, dict, artifacts, max_len, timeout)
        }
        Command::Replay { target, files } => {
            let Some(f) = nanotrace_fuzz::target(&target) else {
                eprintln!("unknown target {target:?}; known: {}", names());
                return ExitCode::from(2);
            };
            let mut failed = 0;
            for file in &files {
                let input = match std::fs::read(file) {
                    Ok(input) => input,
                    Err(e) => {
                        eprintln!("{}: {e}", file.display());
                        failed += 1;
                        continue;
                    }
                };
                match execute(f, &input) {
                    Ok(()) => println!("{}: ok", file.display()),
                    Err(text) => {
                        failed += 1;
                        println!("{}: CRASH: {text}", file.display());
                    }
                }
            }
            if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Seeds { dir } => {
            for (target, name, bytes) in nanotrace_fuzz::seeds::all() {
                let path = dir.join(target).join(name);
                if let Err(e) = std::fs::create_dir_all(dir.join(target)).and_then(|()| std::fs::write(&path, bytes)) {
                    eprintln!("{}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!("{}", path.display());
            }
            ExitCode::SUCCESS
        }
    }
}

fn names() -> String {
    nanotrace_fuzz::TARGETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}
