//! Batch submission from JSON-lines files: items go in chunks, one `ApplyBatch` /
//! `ApproveBatch` transaction per chunk. A chunk is atomic on the ledger; when one
//! fails, its items are retried one by one so that the good ones commit and each bad
//! one is reported with its line number and the contract's reason.
//!
//! Applications are idempotent: every line is submitted under a client reference
//! ([`Application::client_ref`]) — its own when it has one, otherwise one derived from
//! its content ([`derived_client_ref`]) — so running the same file again (after a crash,
//! a kill, a full disk or a timeout) repeats what was recorded, answered with the
//! existing certificate, and adds only what is missing.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nanotrace_client::nanotrace::approved_by;
use nanotrace_client::Wait;
use nanotrace_client::{ApiError, ApprovalSigning, CredentialTerms, NanoTrace, Transport};
use nanotrace_model::validate::limits::MAX_BATCH;
use nanotrace_model::{application_digest, Application, ApplyBatchRequest, Certificate, Function, IdsResponse};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// What a batch did. When the batch stopped early ([`BatchError::Ledger`],
/// [`BatchError::Identity`]) the error carries this report up to that point: every line
/// is then in exactly one of `committed`, `failed`, `unknown` and `not_committed`.
#[derive(Debug, Default, Serialize)]
pub struct BatchOutcome {
    /// (line number, certificate ID) of every committed item, repeated ones included.
    pub committed: Vec<(usize, String)>,
    /// Line numbers of the committed items that were on the ledger before this run
    /// (nothing new was recorded for them): an application an earlier submission under
    /// the same client reference had created, an approval already in force by the same
    /// issuer key with the same canonical digest ([`nanotrace_client::nanotrace::approved_by`]).
    pub repeated: Vec<usize>,
    /// (line number, reason) of every refused item.
    pub failed: Vec<(usize, String)>,
    /// Line numbers whose transaction was submitted but whose outcome is not known (the
    /// ledger failed before its commit status came back): each may or may not be on the
    /// ledger. Running the same file again settles them (a repeat, or submitted anew).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<usize>,
    /// Line numbers known not to be on the ledger because the batch stopped: never
    /// submitted, or refused by the ledger (not the contract) as a whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_committed: Vec<usize>,
    /// Why the batch stopped before its end, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// How many transactions were submitted (chunks, plus one per item retried alone).
    pub transactions: usize,
    /// `batch approve`: the credentials of the certificates it issued
    /// ([`crate::issued`]), recorded after the batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<crate::issued::Credentials>,
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
    /// alone would fail the same way. Items committed before stay committed; `partial`
    /// says which, and which are unknown or not committed.
    Ledger {
        /// The failure.
        error: ApiError,
        /// What the batch did up to the failure.
        partial: Box<BatchOutcome>,
    },
    /// A peer refused the caller's identity: the batch stops, since every item would be
    /// refused the same way. Items committed before stay committed (`partial`).
    Identity {
        /// The refusal.
        error: ApiError,
        /// What the batch did up to the refusal.
        partial: Box<BatchOutcome>,
    },
}

impl BatchError {
    /// What the batch did before it stopped, for the errors that stop a batch midway.
    pub fn partial(&self) -> Option<&BatchOutcome> {
        match self {
            BatchError::Ledger { partial, .. } | BatchError::Identity { partial, .. } => Some(partial),
            _ => None,
        }
    }
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
            BatchError::Ledger { error, .. } => write!(f, "the ledger failed: {error}"),
            BatchError::Identity { error, .. } => write!(f, "the peer refused this identity: {error}"),
        }
    }
}

impl std::error::Error for BatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BatchError::Read { source, .. } => Some(source),
            BatchError::Ledger { error, .. } | BatchError::Identity { error, .. } => Some(error),
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

impl BatchOutcome {
    /// Records the answer to the items on `lines`.
    fn record(&mut self, lines: impl Iterator<Item = usize>, answer: IdsResponse) {
        for (line, id) in lines.zip(answer.certificate_ids) {
            if answer.repeated.contains(&id) {
                self.repeated.push(line);
            }
            self.committed.push((line, id));
        }
    }

    /// Orders every list by line number.
    fn sort(&mut self) {
        self.committed.sort();
        self.repeated.sort_unstable();
        self.failed.sort();
        self.unknown.sort_unstable();
        self.not_committed.sort_unstable();
    }

    /// Ends the batch at `error`, a ledger failure or a refused identity, met by the
    /// transaction of `in_flight`; `rest` were never submitted. The error carries this
    /// report: what committed before stays committed, the lines in flight are unknown if
    /// the transaction may have committed and not committed otherwise.
    fn stop(mut self, error: ApiError, in_flight: &[usize], rest: impl Iterator<Item = usize>) -> BatchError {
        if error.may_have_committed() {
            self.unknown.extend_from_slice(in_flight);
        } else {
            self.not_committed.extend_from_slice(in_flight);
        }
        self.not_committed.extend(rest);
        self.sort();
        if error.is_identity_refused() {
            self.stopped = Some(format!("the peer refused this identity: {error}"));
            BatchError::Identity { error, partial: Box::new(self) }
        } else {
            self.stopped = Some(format!("the ledger failed: {error}"));
            BatchError::Ledger { error, partial: Box::new(self) }
        }
    }
}

/// Whether `e` stops the whole batch (a retry of each item alone would fail the same way).
fn stops_batch(e: &ApiError) -> bool {
    e.is_ledger_failure() || e.is_identity_refused()
}

/// Runs items in chunks through `batch`, falling back to `single` for failed chunks.
/// Starts from `outcome` (items settled before submission, e.g. repeats).
fn run<I: Clone, T: Transport>(
    mut outcome: BatchOutcome,
    items: Vec<(usize, I)>,
    chunk: usize,
    bar: &ProgressBar,
    api: &NanoTrace<T>,
    batch: impl Fn(&NanoTrace<T>, Vec<I>) -> Result<IdsResponse, ApiError>,
    single: impl Fn(&NanoTrace<T>, I) -> Result<IdsResponse, ApiError>,
) -> Result<BatchOutcome, BatchError> {
    let groups: Vec<&[(usize, I)]> = items.chunks(chunk).collect();
    let lines_from = |g: usize| groups[g..].iter().flat_map(|group| group.iter().map(|(line, _)| *line));
    for (g, group) in groups.iter().enumerate() {
        let payload: Vec<I> = group.iter().map(|(_, item)| item.clone()).collect();
        let lines: Vec<usize> = group.iter().map(|(line, _)| *line).collect();
        outcome.transactions += 1;
        match batch(api, payload) {
            Ok(answer) => outcome.record(lines.iter().copied(), answer),
            Err(e) if stops_batch(&e) => {
                bar.finish_and_clear();
                return Err(outcome.stop(e, &lines, lines_from(g + 1)));
            }
            Err(_) => {
                for (i, (line, item)) in group.iter().enumerate() {
                    outcome.transactions += 1;
                    match single(api, item.clone()) {
                        Ok(answer) => outcome.record(std::iter::once(*line), answer),
                        Err(e) if stops_batch(&e) => {
                            bar.finish_and_clear();
                            let rest = lines[i + 1..].iter().copied().chain(lines_from(g + 1));
                            return Err(outcome.stop(e, &[*line], rest));
                        }
                        Err(e) => outcome.failed.push((*line, e.to_string())),
                    }
                }
            }
        }
        bar.inc(group.len() as u64);
    }
    bar.finish_and_clear();
    outcome.sort();
    Ok(outcome)
}

/// Prefix of the client references [`derived_client_ref`] gives lines that carry none.
pub const DERIVED_REF_PREFIX: &str = "auto:";

/// The client reference of an application line that carries none: `auto:`, the first 32
/// hex digits (128 bits) of the SHA-256 of the application's canonical JSON (the model's
/// [`application_digest`], so whitespace and key order in the line do not matter), `:`
/// and `occurrence`, which counts identical applications in the file from 1.
///
/// It depends on what the line says, not on where it stands: inserting, removing,
/// reordering or correcting other lines leaves it unchanged, so a re-run of an edited
/// file repeats what was recorded and adds only what is new (a reference from the file's
/// hash and the line number would make every line new after any edit and duplicate
/// them all). The occurrence keeps identical lines distinct, each one application as
/// it is without references. References are per manufacturer organisation, so the same
/// application in another file of the same organisation is a repeat too.
pub fn derived_client_ref(application: &Application, occurrence: usize) -> String {
    let mut bare = application.clone();
    bare.client_ref = None;
    let digest = application_digest(&bare);
    format!("{DERIVED_REF_PREFIX}{}:{occurrence}", &digest[..32])
}

/// Gives every application that carries no client reference its derived one
/// ([`derived_client_ref`]); an explicit reference used by two lines is an error naming
/// both (nothing is submitted).
fn assign_client_refs(path: &Path, items: &mut [(usize, Application)]) -> Result<(), BatchError> {
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (line, app) in items.iter_mut() {
        let reference = match &app.client_ref {
            Some(explicit) => explicit.clone(),
            None => {
                let count = occurrences.entry(derived_client_ref(app, 0)).or_insert(0);
                *count += 1;
                let derived = derived_client_ref(app, *count);
                app.client_ref = Some(derived.clone());
                derived
            }
        };
        if let Some(first) = used.insert(reference.clone(), *line) {
            errors.push((*line, format!("client_ref {reference:?} is also the reference of line {first}")));
        }
    }
    if !errors.is_empty() {
        return Err(BatchError::Malformed { path: path.to_path_buf(), lines: errors });
    }
    Ok(())
}

/// Applies for every application in a JSON-lines file, each under its client
/// reference (its own, or [`derived_client_ref`]): running the same file again answers
/// what is recorded with the existing certificates ([`BatchOutcome::repeated`]) and
/// applies for the rest. A malformed line stops the batch before anything is submitted.
pub fn apply_file<T: Transport>(
    api: &NanoTrace<T>,
    path: &Path,
    chunk: usize,
    show_progress: bool,
) -> Result<BatchOutcome, BatchError> {
    check_chunk(chunk)?;
    let mut items = parse_lines(path, |text| serde_json::from_str::<Application>(&text).map_err(|e| e.to_string()))?;
    assign_client_refs(path, &mut items)?;
    let bar = progress(items.len(), show_progress, "applying");
    run(
        BatchOutcome::default(),
        items,
        chunk,
        &bar,
        api,
        |api, applications| {
            api.submit::<_, IdsResponse>(Function::ApplyBatch, &ApplyBatchRequest { applications })
                .wait()
                .map(|s| s.value)
        },
        |api, app| api.submit::<_, IdsResponse>(Function::Apply, &app).wait().map(|s| s.value),
    )
}

/// Approves every certificate ID in a file (one ID per line, or JSON lines with a
/// `certificate_id` field), signing each with `signing`'s key, one transaction per chunk
/// that carries each certificate's credential under `credentials`
/// ([`NanoTrace::approve_certificates`]; none without). A certificate already in force
/// by this issuer key with the same canonical digest (a re-run after a stop) is a
/// repeat ([`BatchOutcome::repeated`]), not a failure.
pub fn approve_file<T: Transport>(
    api: &NanoTrace<T>,
    signing: &ApprovalSigning<'_>,
    credentials: Option<&CredentialTerms>,
    path: &Path,
    chunk: usize,
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
    let (signer, issuer_org) = (signing.signer, signing.issuer_org);
    // Read each certificate up front; an ID that cannot be read is reported, not fatal.
    // Each chunk's approvals and credentials are signed when it is submitted.
    let mut items: Vec<(usize, Certificate)> = Vec::new();
    let mut settled = BatchOutcome::default();
    for (i, (line, id)) in ids.iter().enumerate() {
        match api.get_certificate(id).wait() {
            Ok(cert) if approved_by(&cert, signer, issuer_org) => {
                settled.committed.push((*line, id.clone()));
                settled.repeated.push(*line);
                bar.inc(1);
            }
            Ok(cert) => items.push((*line, cert)),
            Err(e) if stops_batch(&e) => {
                bar.finish_and_clear();
                // Nothing of this run was submitted yet.
                let rest = items.iter().map(|(l, _)| *l).chain(ids[i + 1..].iter().map(|(l, _)| *l));
                return Err(settled.stop(e, &[*line], rest));
            }
            Err(e) => {
                settled.failed.push((*line, format!("{id}: {e}")));
                bar.inc(1);
            }
        }
    }
    run(
        settled,
        items,
        chunk,
        &bar,
        api,
        |api, certs| {
            let now = nanotrace_embedded::datadir::now();
            api.approve_certificates(&certs, signing, now, credentials).wait().map(|s| IdsResponse::new(s.value))
        },
        |api, cert| {
            let now = nanotrace_embedded::datadir::now();
            api.approve_certificates(&[cert], signing, now, credentials).wait().map(|s| IdsResponse::new(s.value))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_client::Submitted;
    use std::sync::atomic::{AtomicUsize, Ordering};

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
    fn derived_references_follow_content_not_position() {
        let app = nanotrace_embedded::datadir::sample_application().unwrap();
        let first = derived_client_ref(&app, 1);
        assert_eq!(first.len(), DERIVED_REF_PREFIX.len() + 32 + 2, "{first}");
        nanotrace_model::validate::client_ref("client_ref", &first).unwrap();
        let max = derived_client_ref(&app, usize::MAX);
        nanotrace_model::validate::client_ref("client_ref", &max).unwrap();
        // The same application with its keys in another order and an explicit reference
        // that the derivation ignores: the same reference.
        let mut value = serde_json::to_value(&app).unwrap();
        value["client_ref"] = "ignored".into();
        let reordered: Application = serde_json::from_str(&format!(
            "{{\"client_ref\":\"ignored\",{}",
            &serde_json::to_string(&value).unwrap()[1..].replace(",\"client_ref\":\"ignored\"", "")
        ))
        .unwrap();
        assert_eq!(derived_client_ref(&reordered, 1), first);
        assert_ne!(derived_client_ref(&app, 2), first);
        let mut other = app.clone();
        other.batch.push('X');
        assert_ne!(derived_client_ref(&other, 1)[..37], first[..37]);
    }

    /// A ledger that commits `ok` transactions, then fails with `failure`.
    struct Dies {
        ok: usize,
        failure: fn(String) -> ApiError,
        calls: AtomicUsize,
    }
    impl Transport for Dies {
        async fn submit(&self, _function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if n >= self.ok {
                return Err((self.failure)(format!("tx{n}")));
            }
            let req: ApplyBatchRequest = serde_json::from_slice(&args[0]).unwrap();
            let ids: Vec<String> = (0..req.applications.len()).map(|i| format!("NT-{n:06}{i:06}")).collect();
            let value = serde_json::json!({ "certificate_ids": ids }).to_string().into_bytes();
            Ok(Submitted { value, tx_id: format!("tx{n}"), block_number: n as u64 })
        }
        async fn evaluate(&self, _function: &str, _args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
            Err(ApiError::Evaluate { message: "not used".into(), grpc: None })
        }
    }

    /// Issue 22: a batch that stops midway reports every line: committed before the
    /// failure, unknown when the failing transaction may have committed, not committed
    /// when it certainly did not, and every line never submitted.
    #[test]
    fn a_stopped_batch_reports_committed_unknown_and_not_committed_lines() {
        let dir = tempfile_dir("stopped");
        let file = dir.join("apps.jsonl");
        let app = serde_json::to_string(&nanotrace_embedded::datadir::sample_application().unwrap()).unwrap();
        // Lines 1..=7, chunks of 2: (1,2) (3,4) (5,6) (7).
        std::fs::write(&file, vec![app; 7].join("\n")).unwrap();
        let unknown = |tx: String| ApiError::CommitStatus { tx_id: tx, message: "orderer gone".into(), grpc: None };
        let api = NanoTrace::new(Dies { ok: 2, failure: unknown, calls: Default::default() });
        let e = apply_file(&api, &file, 2, false).unwrap_err();
        let p = e.partial().unwrap();
        assert_eq!(p.committed.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert_eq!(p.unknown, vec![5, 6]);
        assert_eq!(p.not_committed, vec![7]);
        assert!(p.failed.is_empty());
        assert_eq!(p.stopped.as_deref(), Some(e.to_string().as_str()));
        assert!(e.to_string().contains("commit status of transaction tx2 is unknown"), "{e}");

        let invalid =
            |tx: String| ApiError::Commit { tx_id: Some(tx), code: "LEDGER".into(), message: "ENOSPC".into() };
        let api = NanoTrace::new(Dies { ok: 1, failure: invalid, calls: Default::default() });
        let p = apply_file(&api, &file, 2, false)
            .unwrap_err()
            .partial()
            .map(|p| (p.committed.len(), p.unknown.clone(), p.not_committed.clone(), p.transactions));
        assert_eq!(p, Some((2, vec![], vec![3, 4, 5, 6, 7], 2)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nanotrace-batch-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_ledger_failure_or_a_refused_identity_stops_the_batch_and_a_refusal_does_not() {
        use nanotrace_model::Function;

        /// A transport whose contract refuses every batch and every second single item,
        /// or whose ledger fails on everything, or whose peer refuses the identity.
        struct Flaky {
            down: bool,
            refused: bool,
            calls: AtomicUsize,
        }
        impl Transport for Flaky {
            async fn submit(&self, function: &str, _args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
                if self.down {
                    return Err(ApiError::Endorse { tx_id: None, message: "disk full".into(), grpc: None });
                }
                if self.refused {
                    self.calls.fetch_add(1, Ordering::SeqCst);
                    return Err(ApiError::Identity { tx_id: None, message: "access denied".into(), grpc: None });
                }
                if function == Function::ApplyBatch.name() {
                    return Err(ApiError::from_contract_message("VALIDATION: one item is bad", None));
                }
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                if n % 2 == 1 {
                    return Err(ApiError::from_contract_message("VALIDATION: gtin: bad check digit", None));
                }
                let ids = serde_json::json!({ "certificate_ids": [format!("NT-{n:012}")] });
                Ok(Submitted { value: ids.to_string().into_bytes(), tx_id: format!("tx{n}"), block_number: n as u64 })
            }
            async fn evaluate(&self, _function: &str, _args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
                Err(ApiError::Evaluate { message: "not used".into(), grpc: None })
            }
        }

        let dir = std::env::temp_dir().join(format!("nanotrace-batch-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("apps.jsonl");
        let app = serde_json::to_string(&nanotrace_embedded::datadir::sample_application().unwrap()).unwrap();
        std::fs::write(&file, format!("# three\n{app}\n\n{app}\n{app}\n")).unwrap();

        let api = NanoTrace::new(Flaky { down: false, refused: false, calls: AtomicUsize::new(0) });
        let outcome = apply_file(&api, &file, 10, false).unwrap();
        assert_eq!(outcome.committed.iter().map(|(line, _)| *line).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.failed[0].0, 4);
        assert!(outcome.failed[0].1.starts_with("VALIDATION: gtin"), "{:?}", outcome.failed);
        assert_eq!(outcome.transactions, 4, "one batch, then each of its three items alone");

        let api = NanoTrace::new(Flaky { down: true, refused: false, calls: AtomicUsize::new(0) });
        let e = apply_file(&api, &file, 10, false).unwrap_err();
        assert!(matches!(e, BatchError::Ledger { .. }), "{e:?}");
        assert_eq!(e.to_string(), "the ledger failed: endorsement failed: disk full");
        // Endorsement failed: nothing of the chunk is on the ledger.
        let partial = e.partial().unwrap();
        assert_eq!(partial.not_committed, vec![2, 4, 5]);
        assert!(partial.committed.is_empty() && partial.unknown.is_empty());

        // A refused identity stops the batch at its first call: no item-by-item retry.
        let api = NanoTrace::new(Flaky { down: false, refused: true, calls: AtomicUsize::new(0) });
        let e = apply_file(&api, &file, 10, false).unwrap_err();
        assert!(matches!(e, BatchError::Identity { .. }), "{e:?}");
        assert_eq!(e.to_string(), "the peer refused this identity: access denied");
        assert_eq!(api.transport().calls.load(Ordering::SeqCst), 1);
        assert_eq!(e.partial().unwrap().not_committed, vec![2, 4, 5]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
