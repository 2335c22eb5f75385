//! Batch submission from JSON-lines files: items go in chunks, one `ApplyBatch` /
//! `ApproveBatch` transaction per chunk. A chunk is atomic on the ledger; when one
//! fails, its items are retried one by one so that the good ones commit and each bad
//! one is reported with its line number and the contract's reason.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nanotrace_model::validate::limits::MAX_BATCH;
use nanotrace_model::{Application, ApproveRequest};
use nanotrace_peer_client::{ApiError, IssuerSigner, NanoTrace, Transport};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// What a batch did.
#[derive(Debug, Default, Serialize)]
pub struct BatchOutcome {
    /// (line number, certificate ID) of every committed item.
    pub committed: Vec<(usize, String)>,
    /// (line number, reason) of every refused item.
    pub failed: Vec<(usize, String)>,
    /// How many transactions were submitted (chunks, plus one per item retried alone).
    pub transactions: usize,
}

/// Why a batch stopped. A refused item is not an error: it is reported in
/// [`BatchOutcome::failed`] and the rest of the batch goes on.
#[derive(Debug)]
pub enum BatchError {
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not UTF-8.
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The length of its valid UTF-8 prefix, in bytes.
        valid_up_to: usize,
    },
    /// Lines that do not parse; nothing was submitted.
    Malformed {
        /// The file.
        path: PathBuf,
        /// (line number, parser's message) of every malformed line.
        lines: Vec<(usize, String)>,
    },
    /// A chunk size outside 1..=[`MAX_BATCH`].
    Chunk(usize),
    /// The ledger (not the contract) failed: the batch stops, since retrying each item
    /// alone would fail the same way. Items committed before stay committed.
    Ledger(ApiError),
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Read { path, .. } => write!(f, "cannot read {}", path.display()),
            BatchError::NotUtf8 { path, valid_up_to } => {
                write!(f, "{} is not valid UTF-8 (at byte {valid_up_to})", path.display())
            }
            BatchError::Malformed { path, lines } => {
                write!(f, "{} malformed line(s) in {}, nothing submitted:", lines.len(), path.display())?;
                lines.iter().try_for_each(|(line, e)| write!(f, "\n  line {line}: {e}"))
            }
            BatchError::Chunk(chunk) => write!(f, "--chunk must be between 1 and {MAX_BATCH}, got {chunk}"),
            BatchError::Ledger(e) => write!(f, "the ledger failed: {e}"),
        }
    }
}

impl std::error::Error for BatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BatchError::Read { source, .. } => Some(source),
            BatchError::Ledger(e) => Some(e),
            _ => None,
        }
    }
}

/// The non-blank, non-comment lines of a file with their 1-based numbers.
fn lines(path: &Path) -> Result<Vec<(usize, String)>, BatchError> {
    let text = std::fs::read(path).map_err(|source| BatchError::Read { path: path.to_path_buf(), source })?;
    let text = String::from_utf8(text)
        .map_err(|e| BatchError::NotUtf8 { path: path.to_path_buf(), valid_up_to: e.utf8_error().valid_up_to() })?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_owned()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect())
}

/// Parses every line with `parse`; any malformed line stops the batch before anything
/// is submitted, with every bad line named.
fn parse_lines<T>(path: &Path, parse: impl Fn(String) -> Result<T, String>) -> Result<Vec<(usize, T)>, BatchError> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (line, text) in lines(path)? {
        match parse(text) {
            Ok(item) => items.push((line, item)),
            Err(e) => errors.push((line, e)),
        }
    }
    if !errors.is_empty() {
        return Err(BatchError::Malformed { path: path.to_path_buf(), lines: errors });
    }
    Ok(items)
}

fn progress(total: usize, show: bool, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(total as u64),
        if show { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
    );
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

fn check_chunk(chunk: usize) -> Result<(), BatchError> {
    if chunk == 0 || chunk > MAX_BATCH {
        return Err(BatchError::Chunk(chunk));
    }
    Ok(())
}

/// Runs items in chunks through `batch`, falling back to `single` for failed chunks.
fn run<I: Clone, T: Transport>(
    items: Vec<(usize, I)>,
    chunk: usize,
    bar: &ProgressBar,
    api: &NanoTrace<T>,
    batch: impl Fn(&NanoTrace<T>, Vec<I>) -> Result<Vec<String>, ApiError>,
    single: impl Fn(&NanoTrace<T>, I) -> Result<String, ApiError>,
) -> Result<BatchOutcome, BatchError> {
    let mut outcome = BatchOutcome::default();
    for group in items.chunks(chunk) {
        let payload: Vec<I> = group.iter().map(|(_, item)| item.clone()).collect();
        outcome.transactions += 1;
        match batch(api, payload) {
            Ok(ids) => {
                outcome.committed.extend(group.iter().map(|(line, _)| *line).zip(ids));
            }
            Err(e) if e.is_ledger_failure() => return Err(BatchError::Ledger(e)),
            Err(_) => {
                for (line, item) in group {
                    outcome.transactions += 1;
                    match single(api, item.clone()) {
                        Ok(id) => outcome.committed.push((*line, id)),
                        Err(e) if e.is_ledger_failure() => return Err(BatchError::Ledger(e)),
                        Err(e) => outcome.failed.push((*line, e.to_string())),
                    }
                }
            }
        }
        bar.inc(group.len() as u64);
    }
    bar.finish_and_clear();
    Ok(outcome)
}

/// Applies for every application in a JSON-lines file. A malformed line stops the
/// batch before anything is submitted.
pub fn apply_file<T: Transport>(
    api: &NanoTrace<T>,
    path: &Path,
    chunk: usize,
    show_progress: bool,
) -> Result<BatchOutcome, BatchError> {
    check_chunk(chunk)?;
    let items = parse_lines(path, |text| serde_json::from_str::<Application>(&text).map_err(|e| e.to_string()))?;
    let bar = progress(items.len(), show_progress, "applying");
    run(
        items,
        chunk,
        &bar,
        api,
        |api, apps| api.apply_batch(apps).map(|s| s.value),
        |api, app| api.apply(&app).map(|s| s.value),
    )
}

/// Approves every certificate ID in a file (one ID per line, or JSON lines with a
/// `certificate_id` field), signing each with `signer`.
pub fn approve_file<T: Transport>(
    api: &NanoTrace<T>,
    signer: &IssuerSigner,
    issuer_org: &str,
    path: &Path,
    chunk: usize,
    validity_days: Option<u32>,
    show_progress: bool,
) -> Result<BatchOutcome, BatchError> {
    check_chunk(chunk)?;
    #[derive(serde::Deserialize)]
    struct Line {
        certificate_id: String,
    }
    let ids = parse_lines(path, |text| {
        if text.starts_with('{') {
            serde_json::from_str::<Line>(&text).map(|l| l.certificate_id).map_err(|e| e.to_string())
        } else {
            Ok(text)
        }
    })?;
    let bar = progress(ids.len(), show_progress, "approving");
    let now = nanotrace_ledger::datadir::now();
    // Sign each approval up front; an ID that cannot be read is reported, not fatal.
    let mut items: Vec<(usize, ApproveRequest)> = Vec::new();
    let mut outcome_failed = Vec::new();
    for (line, id) in ids {
        match api.prepare_approval(&id, signer, issuer_org, now, validity_days) {
            Ok(req) => items.push((line, req)),
            Err(e) if e.is_ledger_failure() => return Err(BatchError::Ledger(e)),
            Err(e) => {
                outcome_failed.push((line, format!("{id}: {e}")));
                bar.inc(1);
            }
        }
    }
    let mut outcome = run(
        items,
        chunk,
        &bar,
        api,
        |api, reqs| api.approve_batch(reqs).map(|s| s.value),
        |api, req| {
            let id = req.certificate_id.clone();
            api.approve_batch(vec![req]).map(|_| id)
        },
    )?;
    outcome.failed.extend(outcome_failed);
    outcome.failed.sort();
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_before() {
        let path = PathBuf::from("apps.jsonl");
        let e = BatchError::Malformed {
            path: path.clone(),
            lines: vec![(3, "EOF while parsing".into()), (7, "expected value".into())],
        };
        assert_eq!(
            e.to_string(),
            "2 malformed line(s) in apps.jsonl, nothing submitted:\n  line 3: EOF while parsing\n  line 7: expected value"
        );
        assert_eq!(BatchError::Chunk(0).to_string(), format!("--chunk must be between 1 and {MAX_BATCH}, got 0"));
        let e = BatchError::NotUtf8 { path, valid_up_to: 12 };
        assert_eq!(e.to_string(), "apps.jsonl is not valid UTF-8 (at byte 12)");
    }

    #[test]
    fn a_ledger_failure_stops_the_batch_and_a_refusal_does_not() {
        use nanotrace_model::Function;
        use std::cell::Cell;

        /// A transport whose contract refuses every batch and every second single item,
        /// or whose ledger fails on everything.
        struct Flaky {
            down: bool,
            calls: Cell<usize>,
        }
        impl Transport for Flaky {
            fn submit(&self, function: &str, _args: &[Vec<u8>]) -> Result<(Vec<u8>, String), ApiError> {
                if self.down {
                    return Err(ApiError::Endorse { tx_id: None, message: "disk full".into() });
                }
                if function == Function::ApplyBatch.name() {
                    return Err(ApiError::from_contract_message("VALIDATION: one item is bad", None));
                }
                let n = self.calls.get();
                self.calls.set(n + 1);
                if n % 2 == 1 {
                    return Err(ApiError::from_contract_message("VALIDATION: gtin: bad check digit", None));
                }
                let ids = serde_json::json!({ "certificate_ids": [format!("NT-{n:012}")] });
                Ok((ids.to_string().into_bytes(), format!("tx{n}")))
            }
            fn evaluate(&self, _function: &str, _args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
                Err(ApiError::Evaluate { message: "not used".into() })
            }
        }

        let dir = std::env::temp_dir().join(format!("nanotrace-batch-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("apps.jsonl");
        let app = serde_json::to_string(&nanotrace_ledger::datadir::sample_application().unwrap()).unwrap();
        std::fs::write(&file, format!("# three\n{app}\n\n{app}\n{app}\n")).unwrap();

        let api = NanoTrace::new(Flaky { down: false, calls: Cell::new(0) });
        let outcome = apply_file(&api, &file, 10, false).unwrap();
        assert_eq!(outcome.committed.iter().map(|(line, _)| *line).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.failed[0].0, 4);
        assert!(outcome.failed[0].1.starts_with("VALIDATION: gtin"), "{:?}", outcome.failed);
        assert_eq!(outcome.transactions, 4, "one batch, then each of its three items alone");

        let api = NanoTrace::new(Flaky { down: true, calls: Cell::new(0) });
        let e = apply_file(&api, &file, 10, false).unwrap_err();
        assert!(matches!(e, BatchError::Ledger(_)), "{e:?}");
        assert_eq!(e.to_string(), "the ledger failed: endorsement failed: disk full");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
