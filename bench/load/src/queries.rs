//! The queries a busy ledger serves, timed on whatever the ledger holds (`--queries`):
//! every page of `ListByStatus ACTIVE` (as the certifier) and of `ListByApplicant` (as the
//! manufacturer), the approval queue (`ListByStatus PENDING`) after `--queue` more
//! applications are left waiting, and `History` of a certificate after
//! `--history-changes` suspensions and reinstatements. Each evaluate is timed alone (one
//! in flight), from the request to the decoded answer.

use crate::client::{contract, evaluate_json, submit_json};
use crate::report::ms;
use anyhow::{bail, ensure, Context, Result};
use nanotrace_fabric_gateway::Contract;
use nanotrace_model::{
    Application, ApplyBatchRequest, CertificateIdRequest, CertificatePage, CertificateStatus, Function, HistoryEntry,
    ListByApplicantRequest, ListByStatusRequest, ReasonRequest, ReinstateRequest,
};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Certificates per page: the contract's most.
const PAGE: u32 = 1000;
/// Evaluates of `History` timed, after the changes.
const HISTORY_READS: usize = 20;

/// One list walked page by page: each page's latency and the records it held.
struct Walk {
    label: String,
    pages: Vec<Duration>,
    records: usize,
    total: Duration,
}

impl Walk {
    fn row(&self) {
        let mut sorted = self.pages.clone();
        let first = sorted.first().map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0)).unwrap_or_else(|| "–".into());
        sorted.sort();
        let secs = self.total.as_secs_f64();
        let rate = if secs > 0.0 { self.records as f64 / secs } else { f64::NAN };
        println!(
            "| {} | {} | {} | {first} | {} | {} | {} | {secs:.1} | {rate:.0} |",
            self.label,
            self.records,
            self.pages.len(),
            ms(&sorted, 0.50),
            ms(&sorted, 0.99),
            ms(&sorted, 1.0),
        );
    }
}

/// Walks a paged list to its end: `request(bookmark)` is the request of the page after
/// `bookmark`.
async fn walk<R: Serialize>(
    label: String,
    c: &Contract,
    function: Function,
    request: impl Fn(String) -> R,
) -> Result<Walk> {
    let mut walk = Walk { label, pages: Vec::new(), records: 0, total: Duration::ZERO };
    let mut bookmark = String::new();
    let start = Instant::now();
    loop {
        let t = Instant::now();
        let out = evaluate_json(c, function, &request(bookmark)).await.with_context(|| walk.label.clone())?.out;
        let page: CertificatePage = serde_json::from_slice(&out).with_context(|| format!("{}: a page", walk.label))?;
        walk.pages.push(t.elapsed());
        walk.records += page.certificates.len();
        if page.bookmark.is_empty() {
            break;
        }
        bookmark = page.bookmark;
    }
    walk.total = start.elapsed();
    Ok(walk)
}

/// `ListByStatus status`, every page, as the certifier.
async fn by_status(alice: &Contract, status: CertificateStatus, label: &str) -> Result<Walk> {
    walk(label.to_owned(), alice, Function::ListByStatus, |bookmark| ListByStatusRequest {
        status,
        page_size: PAGE,
        bookmark,
    })
    .await
}

/// Leaves `count` more applications waiting in the approval queue (ApplyBatch of 1,000).
async fn queue_up(dave: &Contract, tag: u64, count: usize) -> Result<()> {
    let sample = crate::nanotrace::sample_application();
    for (chunk, start) in (0..count).step_by(PAGE as usize).enumerate() {
        let applications: Vec<Application> = (start..count.min(start + PAGE as usize))
            .map(|i| Application { batch: format!("Q{tag}-{chunk}-{i}"), ..sample.clone() })
            .collect();
        submit_json(dave, Function::ApplyBatch, &ApplyBatchRequest { applications })
            .await
            .context("ApplyBatch for the approval queue")?;
    }
    Ok(())
}

/// `History` of `id` timed [`HISTORY_READS`] times; the latencies, sorted, and the entries.
async fn history(c: &Contract, id: &str) -> Result<(Vec<Duration>, usize)> {
    let mut times = Vec::with_capacity(HISTORY_READS);
    let mut entries = 0;
    for _ in 0..HISTORY_READS {
        let t = Instant::now();
        let out = evaluate_json(c, Function::History, &CertificateIdRequest { certificate_id: id.to_owned() })
            .await
            .context("History")?
            .out;
        let trail: Vec<HistoryEntry> = serde_json::from_slice(&out).context("History's answer")?;
        times.push(t.elapsed());
        entries = trail.len();
    }
    times.sort();
    Ok((times, entries))
}

/// Runs the queries on the ledger as it is, then with the queue and the changes added.
pub(crate) async fn run(profiles: &std::path::Path, run_tag: u64, queue: usize, changes: usize) -> Result<()> {
    let alice = contract(profiles, "certifier-alice.yaml", None).await?;
    let dave = contract(profiles, "manufacturer-dave.yaml", None).await?;

    let active = by_status(&alice, CertificateStatus::Active, "ListByStatus ACTIVE (certifier)").await?;
    let Some(first) = first_id(&alice).await? else {
        bail!("no ACTIVE certificate on the ledger: nothing to query (load some first, e.g. --nanotrace)");
    };
    let mine = walk("ListByApplicant (the manufacturer's own)".into(), &dave, Function::ListByApplicant, |bookmark| {
        ListByApplicantRequest { msp_id: None, page_size: PAGE, bookmark }
    })
    .await?;
    queue_up(&dave, run_tag, queue).await?;
    let pending = by_status(&alice, CertificateStatus::Pending, "ListByStatus PENDING (the approval queue)").await?;
    ensure!(pending.records >= queue, "the approval queue lists {} of the {queue} left waiting", pending.records);

    let (short, short_entries) = history(&alice, &first).await?;
    for i in 0..changes {
        let id = first.clone();
        let reason = format!("scale queries: change {i}");
        if i % 2 == 0 {
            submit_json(&alice, Function::Suspend, &ReasonRequest { certificate_id: id, reason }).await
        } else {
            submit_json(&alice, Function::Reinstate, &ReinstateRequest { certificate_id: id, reason, resign: None })
                .await
        }
        .with_context(|| format!("change {i} of {first}"))?;
    }
    let (long, long_entries) = history(&alice, &first).await?;

    println!("\n### Queries over the whole ledger (pages of {PAGE}, one evaluate in flight)\n");
    println!("| list | records | pages | first page ms | page p50 ms | page p99 ms | slowest page ms | seconds | records/s |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for w in [&active, &mine, &pending] {
        w.row();
    }
    println!("\n| History of one certificate | entries | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: |");
    println!("| as issued | {short_entries} | {} | {} |", ms(&short, 0.50), ms(&short, 0.99));
    println!(
        "| after {changes} suspensions and reinstatements | {long_entries} | {} | {} |",
        ms(&long, 0.50),
        ms(&long, 0.99)
    );
    ensure!(
        long_entries >= short_entries + changes,
        "History lists {long_entries} entries after {changes} changes to {short_entries}"
    );
    Ok(())
}

/// The ID of the first ACTIVE certificate, if there is one.
async fn first_id(alice: &Contract) -> Result<Option<String>> {
    let req = ListByStatusRequest { status: CertificateStatus::Active, page_size: 1, bookmark: String::new() };
    let out = evaluate_json(alice, Function::ListByStatus, &req).await.context("ListByStatus ACTIVE")?.out;
    let page: CertificatePage = serde_json::from_slice(&out).context("ListByStatus page")?;
    Ok(page.certificates.into_iter().next().map(|c| c.id))
}
