//! Batch submission from JSON-lines files: items go in chunks, one `ApplyBatch` /
//! `ApproveBatch` transaction per chunk. A chunk is atomic on the ledger; when one
//! fails, its items are retried one by one so that the good ones commit and each bad
//! one is reported with its line number and the contract's reason.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nanotrace_chaincode::api::{ApiError, IssuerSigner, NanoTrace, Transport};
use nanotrace_chaincode::model::{Application, ApproveRequest};
use nanotrace_chaincode::validate::limits::MAX_BATCH;
use serde::Serialize;
use std::path::Path;

/// What a batch did.
#[derive(Debug, Default, Serialize)]
pub struct BatchOutcome {
    /// (line number, certificate ID) of every committed item.
    pub committed: Vec<(usize, String)>,
    /// (line number, reason) of every refused item.
    pub failed: Vec<(usize, String)>,
    pub transactions: usize,
}

/// The non-blank, non-comment lines of a file with their 1-based numbers.
fn lines(path: &Path) -> Result<Vec<(usize, String)>> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(text).map_err(|e| {
        anyhow::anyhow!("{} is not valid UTF-8 (at byte {})", path.display(), e.utf8_error().valid_up_to())
    })?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_owned()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect())
}

/// Parses every line with `parse`; any malformed line stops the batch before anything
/// is submitted, with every bad line named.
fn parse_lines<T>(path: &Path, parse: impl Fn(String) -> Result<T, String>) -> Result<Vec<(usize, T)>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (line, text) in lines(path)? {
        match parse(text) {
            Ok(item) => items.push((line, item)),
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    if !errors.is_empty() {
        bail!(
            "{} malformed line(s) in {}, nothing submitted:\n  {}",
            errors.len(),
            path.display(),
            errors.join("\n  ")
        );
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

fn check_chunk(chunk: usize) -> Result<()> {
    if chunk == 0 || chunk > MAX_BATCH {
        bail!("--chunk must be between 1 and {MAX_BATCH}, got {chunk}");
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
) -> Result<BatchOutcome> {
    let mut outcome = BatchOutcome::default();
    for group in items.chunks(chunk) {
        let payload: Vec<I> = group.iter().map(|(_, item)| item.clone()).collect();
        outcome.transactions += 1;
        match batch(api, payload) {
            Ok(ids) => {
                outcome.committed.extend(group.iter().map(|(line, _)| *line).zip(ids));
            }
            Err(ApiError::Transport(e)) => bail!("the ledger failed: {e}"),
            Err(_) => {
                for (line, item) in group {
                    outcome.transactions += 1;
                    match single(api, item.clone()) {
                        Ok(id) => outcome.committed.push((*line, id)),
                        Err(ApiError::Transport(e)) => bail!("the ledger failed: {e}"),
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
) -> Result<BatchOutcome> {
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
) -> Result<BatchOutcome> {
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
    let now = crate::setup::now();
    // Sign each approval up front; an ID that cannot be read is reported, not fatal.
    let mut items: Vec<(usize, ApproveRequest)> = Vec::new();
    let mut outcome_failed = Vec::new();
    for (line, id) in ids {
        match api.prepare_approval(&id, signer, issuer_org, now, validity_days) {
            Ok(req) => items.push((line, req)),
            Err(ApiError::Transport(e)) => bail!("the ledger failed: {e}"),
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
