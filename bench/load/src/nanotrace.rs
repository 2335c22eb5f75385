//! The NanoTrace workload: Apply/Approve and ApplyBatch/ApproveBatch with Ed25519-signed
//! approvals, certificates committed end to end, then Verify evaluates. Every argument is
//! the model's request type, in JSON.

use crate::bench::Bench;
use crate::cell::{Call, CellResult};
use crate::client::{contract, evaluate_json, now, submit_json};
use crate::governance::Issuer;
use crate::options::CredentialMode;
use crate::report::{end_to_end, header};
use anyhow::{bail, Context, Result};
use nanotrace_client::{ApprovalSigning, CredentialTerms, GatewayTransport, NanoTrace};
use nanotrace_fabric_gateway::{block, qscc, Contract};
use nanotrace_model::{
    Application, ApplyBatchRequest, ApproveBatchRequest, ApproveRequest, Certificate, CertificateIdRequest,
    CertificatePage, CertificateStatus, Function, IdsResponse, ListByStatusRequest, DAY,
};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SAMPLE_APPLICATION: &str = include_str!("../../../examples/application.json");

/// `AttachCredential`s in flight with `--credentials attach`: as many as the typed client's
/// `record_credentials` kept in flight before issue 72 (16).
const ATTACH_INFLIGHT: usize = 16;

/// How long [`Approver::approvals`] waits for the certifier's peer to reach the applies' block.
const CATCH_UP: Duration = Duration::from_secs(120);

/// The sample application (`examples/application.json`, compiled in).
pub(crate) fn sample_application() -> Application {
    serde_json::from_str(SAMPLE_APPLICATION).expect("examples/application.json")
}

/// The sample application, for batch `tag`.
fn application(tag: &str) -> Application {
    Application { batch: tag.to_owned(), ..sample_application() }
}

/// The certificate IDs of an `Apply*`/`Approve*` response (none if it is not one).
fn ids_of(out: &[u8]) -> Vec<String> {
    serde_json::from_slice::<IdsResponse>(out).map(|r| r.certificate_ids).unwrap_or_default()
}

/// Every PENDING certificate, by ID (ListByStatus pages of 1,000, as the certifier).
async fn pending(alice: &Contract) -> Result<HashMap<String, Certificate>> {
    let mut all = HashMap::new();
    let mut bookmark = String::new();
    loop {
        let req = ListByStatusRequest { status: CertificateStatus::Pending, page_size: 1000, bookmark };
        let out = evaluate_json(alice, Function::ListByStatus, &req).await.context("ListByStatus")?.out;
        let page: CertificatePage = serde_json::from_slice(&out).context("ListByStatus page")?;
        all.extend(page.certificates.into_iter().map(|c| (c.id.clone(), c)));
        if page.bookmark.is_empty() {
            return Ok(all);
        }
        bookmark = page.bookmark;
    }
}

/// The channel's height (number of blocks) on the peer behind `qscc`, a contract for the
/// `qscc` system chaincode (`GetChainInfo`).
async fn height(qscc: &Contract) -> Result<u64> {
    Ok(qscc::chain_info(qscc).await.context("qscc GetChainInfo")?.height)
}

/// What the valid transactions of one function wrote in the chaincode's namespace, summed
/// over the blocks that hold them (read back from the ledger with `qscc GetBlockByNumber`).
#[derive(Debug, Default)]
struct Written {
    txs: usize,
    /// Certificates the transactions created or changed (their events name them).
    certs: usize,
    reads: usize,
    writes: usize,
    deletes: usize,
    metadata_writes: usize,
    value_bytes: usize,
    block_bytes: usize,
}

/// [`Written`] by the VALID transactions of `function` in blocks `from..=to` of the peer
/// behind `qscc`, in namespace `namespace`; blocks holding none of them are not counted.
async fn written(qscc: &Contract, namespace: &str, function: Function, from: u64, to: u64) -> Result<Written> {
    let mut w = Written::default();
    for number in from..=to {
        let bytes = qscc::block(qscc, number).await.with_context(|| format!("qscc GetBlockByNumber {number}"))?;
        let view = block::block_view(&bytes).with_context(|| format!("block {number}"))?;
        let mut counted = false;
        for tx in view.transactions.iter().filter(|t| t.function == function.name() && t.validation.0 == 0) {
            counted = true;
            w.txs += 1;
            if let Some((_, payload)) = &tx.event {
                let event: nanotrace_model::Event =
                    serde_json::from_slice(payload).with_context(|| format!("the event of {}", tx.tx_id))?;
                w.certs += event.certificate_ids.len();
            }
            for set in tx.rwsets.iter().filter(|s| s.namespace == namespace) {
                w.reads += set.reads;
                w.writes += set.writes;
                w.deletes += set.deletes;
                w.metadata_writes += set.metadata_writes;
                w.value_bytes += set.value_bytes;
            }
        }
        if counted {
            w.block_bytes += bytes.len();
        }
    }
    Ok(w)
}

impl Written {
    /// Reads, writes, deletes, written keys, metadata writes, value bytes and block bytes
    /// per certificate the transactions named.
    fn per_certificate(&self) -> [f64; 7] {
        let per = |n: usize| n as f64 / self.certs.max(1) as f64;
        [
            per(self.reads),
            per(self.writes),
            per(self.deletes),
            per(self.writes + self.deletes),
            per(self.metadata_writes),
            per(self.value_bytes),
            per(self.block_bytes),
        ]
    }
}

/// Prints a row of the table of what a certificate writes.
fn written_row(label: &str, txs: usize, certs: usize, per: [f64; 7]) {
    println!(
        "| {label} | {txs} | {certs} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} |",
        per[0], per[1], per[2], per[3], per[4], per[5], per[6]
    );
}

/// CPU time (µs, every process together) per certificate of a cell, over the
/// certificates its valid transactions named.
fn cpu_per_certificate(r: &CellResult, certs: usize) -> f64 {
    r.cpu.iter().sum::<u64>() as f64 / crate::cpu::TICKS_PER_SECOND * 1e6 / certs.max(1) as f64
}

/// Fabric's floor for the same keys and bytes, measured now: for each batch cell, a
/// `CreateAssets` cell shaped like its ApplyBatch (the keys it wrote per transaction, values
/// of its bytes per key) and one like its ApproveBatch, on the asset contract `floor`;
/// prints the certificate's CPU, the floor's and their ratio.
///
/// With `--floor-protect`, also the floor for the same keys, bytes **and key-level
/// policies**: `ProtectAssets` sets as many policies per transaction as the ApproveBatch
/// did (metadata writes, on keys the ApplyBatch-like cell created, as an approval sets them
/// on the records its applications wrote), and the two `CreateAssets` cells run again in
/// the namespace that now has policies (the validator then looks up the metadata of every
/// key written); that floor is the three cells together.
async fn against_floor(b: &Bench, floor: &str, shapes: &[(&EndToEnd, Written, Written)]) -> Result<()> {
    let c = crate::client::contract(&b.options.profiles, "manufacturer-dave.yaml", Some(floor)).await?;
    // Per shape: the plain floor, and the floor with the same key-level policies.
    let mut floors: Vec<(f64, Option<f64>)> = Vec::new();
    println!("\n### Fabric's floor for the same keys and bytes per transaction (CreateAssets on '{floor}')\n");
    header();
    for (s, applied, approved) in shapes {
        let shaped = |w: &Written, function: &str| -> Result<(usize, usize)> {
            let keys = w.writes + w.deletes;
            if w.txs == 0 || keys == 0 {
                bail!("no valid {function} in the cell '{}': nothing to compare", s.label);
            }
            Ok((keys.div_ceil(w.txs).min(10_000), w.value_bytes / keys))
        };
        let shapes_of = [
            (applied, "ApplyBatch", shaped(applied, "ApplyBatch")?),
            (approved, "ApproveBatch", shaped(approved, "ApproveBatch")?),
        ];
        // CreateAssets cells like the two functions, in this namespace as it is now.
        let contract = &c;
        let creates = |pass: &'static str, label: &'static str| {
            let shapes_of = &shapes_of;
            async move {
                let mut us = 0.0;
                for (w, function, (per_tx, bytes)) in shapes_of {
                    let workload = format!("floor like {function} ({per_tx} keys/tx, ~{bytes} B values{label})");
                    let prefix = format!("m{}{pass}-{function}-{}", b.run_tag, s.k);
                    let color = Arc::new(crate::floor::colour(*bytes));
                    let r =
                        crate::floor::cell(b, contract, &workload, &prefix, (*per_tx, w.txs.max(2), s.k), &color).await;
                    if r.ok == 0 {
                        bail!("{workload}: no transaction committed");
                    }
                    // The floor's CPU for the keys this function wrote per certificate.
                    let keys = w.writes + w.deletes;
                    us += cpu_per_certificate(&r, r.ok * per_tx) * keys as f64 / w.certs.max(1) as f64;
                }
                Ok::<f64, anyhow::Error>(us)
            }
        };
        let plain = creates("", "").await?;
        let with_policies = if b.options.floor_protect && approved.metadata_writes > 0 {
            // ProtectAssets on the keys of the ApplyBatch-like cell's transactions, as many
            // per transaction as the ApproveBatch set.
            let (apply_per_tx, _) = shapes_of[0].2;
            let per_tx = approved.metadata_writes.div_ceil(approved.txs).min(apply_per_tx);
            let txs = applied.txs.max(2).min(approved.txs.max(2));
            let workload = format!("floor: key-level policies like ApproveBatch ({per_tx} keys/tx, ProtectAssets)");
            let (run_tag, k) = (b.run_tag, s.k);
            let cc = c.clone();
            let r = b
                .cell(txs, k, move |i| {
                    let c = cc.clone();
                    async move {
                        let prefix = format!("m{run_tag}-ApplyBatch-{k}-{apply_per_tx}-{k}-{i}-");
                        crate::client::submit(
                            &c,
                            "ProtectAssets",
                            crate::client::strings(&[
                                &prefix,
                                &per_tx.to_string(),
                                nanotrace_model::sample::MANUFACTURER_MSP,
                            ]),
                        )
                        .await
                    }
                })
                .await;
            b.report(&workload, k, per_tx, &r);
            if r.ok == 0 {
                bail!("{workload}: no transaction committed");
            }
            let policies =
                cpu_per_certificate(&r, r.ok * per_tx) * approved.metadata_writes as f64 / approved.certs.max(1) as f64;
            let again = creates("p", ", namespace with key-level policies").await?;
            Some(again + policies)
        } else {
            None
        };
        floors.push((plain, with_policies));
    }
    println!(
        "\n### A certificate against Fabric's floor (CPU per certificate applied + approved, every process, µs)\n"
    );
    println!(
        "| cell | certificate | floor, same keys and bytes | ratio | floor, same keys, bytes and key-level policies | ratio |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for ((s, applied, approved), (plain, with_policies)) in shapes.iter().zip(&floors) {
        // With `--credentials attach`, the credentials' transactions too (their keys are
        // not in the floor: the ratio is against the floor of the approval's keys alone).
        let attach_us = s.attach.as_ref().map_or(0.0, |a| cpu_per_certificate(a, approved.certs));
        let cert_us =
            cpu_per_certificate(&s.apply, applied.certs) + cpu_per_certificate(&s.approve, approved.certs) + attach_us;
        let policies = match with_policies {
            Some(p) => format!("{p:.0} | {:.2}×", cert_us / p.max(1.0)),
            None => "– (`--floor-protect`) | –".to_owned(),
        };
        println!(
            "| {}, {} in flight | {cert_us:.0} | {plain:.0} | {:.2}× | {policies} |",
            s.label,
            s.k,
            cert_us / plain.max(1.0)
        );
    }
    Ok(())
}

/// The certifier's approvals of `ids`, each signed over the certificate's canonical bytes
/// (read from the ledger) with alice's issuer key, issued now for the requested validity.
struct Approver {
    alice: Contract,
    /// `qscc` through alice's gateway: the height of the peer her evaluates run on.
    alice_qscc: Contract,
    issuer: Arc<Issuer>,
    /// Alice's typed client (the credentials' paths: what the CLI and the console run).
    client: Arc<NanoTrace<GatewayTransport>>,
    /// What the credentials name (`--credentials inline` or `attach`).
    terms: Option<Arc<CredentialTerms>>,
}

impl Approver {
    /// The applies of `ids` committed up to block `last_block` as dave's gateway peer
    /// reported it. Alice's evaluates run on another peer (her organisation's), which
    /// commits the same blocks a little later: listing before it has `last_block` misses
    /// the certificates of the blocks it has not committed yet — and, since each page is
    /// its own evaluate and IDs are hash-ordered, a block committed between two pages
    /// leaves out only its IDs before that page boundary. So wait for her peer's height
    /// first; after that every applied certificate must be listed.
    async fn approvals(
        &self,
        ids: &[String],
        last_block: u64,
    ) -> Result<(Vec<ApproveRequest>, Vec<Certificate>, Duration)> {
        let t = Instant::now();
        let first = height(&self.alice_qscc).await?;
        let mut at = first;
        while at <= last_block {
            if t.elapsed() > CATCH_UP {
                bail!(
                    "the certifier's peer is still at height {at} after {} s; the applies committed in block {last_block}",
                    CATCH_UP.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            at = height(&self.alice_qscc).await?;
        }
        if first <= last_block {
            eprintln!(
                "[load] certifier's peer at height {first}, applies committed up to block {last_block}: waited {} ms for it",
                t.elapsed().as_millis()
            );
        }
        let certs = pending(&self.alice).await?;
        let issued_at = now();
        let missing = ids.iter().filter(|id| !certs.contains_key(*id)).count();
        if missing > 0 {
            bail!(
                "{missing} of {} applied certificates are not listed PENDING by the certifier's peer at height {at} \
                 (the applies committed up to block {last_block})",
                ids.len()
            );
        }
        let (signer, org) = (&self.issuer.signer, &self.issuer.org);
        let in_order: Vec<Certificate> = ids.iter().filter_map(|id| certs.get(id)).cloned().collect();
        let approvals = in_order
            .iter()
            .map(|cert| {
                let valid_until = issued_at + i64::from(cert.application.requested_validity_days) * DAY;
                ApproveRequest {
                    certificate_id: cert.id.clone(),
                    issuer_key_id: signer.key_id.clone(),
                    issued_at,
                    valid_until,
                    signature: signer.sign_issuance(cert, org, issued_at, valid_until),
                    credential: None,
                }
            })
            .collect();
        Ok((approvals, in_order, t.elapsed()))
    }

    /// The approval cell of `certs`, `size` per transaction (`Approve` for 1, else
    /// `ApproveBatch`), `k` in flight: the prepared `approvals` as they are, or with
    /// `--credentials inline` each transaction carrying its certificates' credentials
    /// (the typed client's `approve_certificates`: the transaction ID fixed, its positions
    /// asked, the credentials signed for them, submitted; signed again under a new ID if
    /// another approval took them). The signing is inside the cell, as a client does it.
    async fn approve(
        &self,
        b: &Bench,
        approvals: Vec<ApproveRequest>,
        certs: Vec<Certificate>,
        size: usize,
        k: usize,
    ) -> Result<CellResult> {
        let function = if size == 1 { Function::Approve } else { Function::ApproveBatch };
        let Some(terms) = self.terms.clone().filter(|_| b.options.credentials == CredentialMode::Inline) else {
            return Ok(if size == 1 {
                submit_each(b, &self.alice, function, approvals, k).await
            } else {
                let batches = approvals.chunks(size).map(|c| ApproveBatchRequest { approvals: c.to_vec() }).collect();
                submit_each(b, &self.alice, function, batches, k).await
            });
        };
        let chunks: Arc<Vec<Vec<Certificate>>> = Arc::new(certs.chunks(size).map(<[_]>::to_vec).collect());
        let (client, issuer, issued_at) = (self.client.clone(), self.issuer.clone(), now());
        Ok(b.cell(chunks.len(), k, move |i| {
            let (client, issuer, terms, chunks) = (client.clone(), issuer.clone(), terms.clone(), chunks.clone());
            async move {
                let signing = ApprovalSigning { signer: &issuer.signer, issuer_org: &issuer.org, validity_days: None };
                let done = client.approve_certificates(&chunks[i], &signing, issued_at, Some(&terms)).await?;
                let ids = IdsResponse { certificate_ids: done.value, repeated: Vec::new() };
                Ok(Call { out: serde_json::to_vec(&ids)?, endorse: None, block: Some(done.block_number) })
            }
        })
        .await)
    }

    /// With `--credentials attach`: the credential of each of `ids` (issued) recorded
    /// after the approvals, one `AttachCredential` each (the certificate read, its
    /// credential signed), [`ATTACH_INFLIGHT`] in flight — the second transaction per
    /// certificate that clients made before issue 72. `None` in the other modes.
    async fn attach(&self, b: &Bench, ids: Vec<String>) -> Option<CellResult> {
        let terms = self.terms.clone().filter(|_| b.options.credentials == CredentialMode::Attach)?;
        let (client, issuer, ids) = (self.client.clone(), self.issuer.clone(), Arc::new(ids));
        let r = b
            .cell(ids.len(), ATTACH_INFLIGHT, move |i| {
                let (client, issuer, terms, ids) = (client.clone(), issuer.clone(), terms.clone(), ids.clone());
                async move {
                    let cert = client.get_certificate(&ids[i]).await?;
                    let key = &issuer.signer.key;
                    let done =
                        client.attach_credential(&cert, key, &terms.issuer_name, &terms.status_base, now()).await?;
                    Ok(Call { out: Vec::new(), endorse: None, block: Some(done.block_number) })
                }
            })
            .await;
        b.report("AttachCredential (after the approvals)", ATTACH_INFLIGHT, 1, &r);
        Some(r)
    }
}

/// An apply cell, the approve cell after it and the client's read + sign time between them.
struct EndToEnd {
    label: String,
    k: usize,
    certs: usize,
    apply: CellResult,
    approve: CellResult,
    /// The credentials recorded after the approvals (`--credentials attach`).
    attach: Option<CellResult>,
    prep: Duration,
    /// The blocks from the apply cell's first to the approve cell's last.
    blocks: (u64, u64),
}

/// Runs the workload with `issuer`'s key on the trust list.
pub(crate) async fn run(b: &Bench, issuer: Issuer) -> Result<()> {
    let o = &b.options;
    let dave = contract(&o.profiles, "manufacturer-dave.yaml", None).await?;
    let alice = contract(&o.profiles, "certifier-alice.yaml", None).await?;
    let rita = contract(&o.profiles, "regulator-rita.yaml", None).await?;
    let alice_qscc = contract(&o.profiles, "certifier-alice.yaml", Some("qscc")).await?;
    let client = Arc::new(NanoTrace::new(GatewayTransport::new(alice.clone())));
    let terms = match o.credentials.status_base() {
        Some(base) => Some(Arc::new(
            client
                .credential_terms(&issuer.org, base)
                .await
                .context("Organizations")?
                .context("the certification body has no status base: its credentials cannot be recorded")?,
        )),
        None => None,
    };
    let approver = Approver { alice: alice.clone(), alice_qscc, issuer: Arc::new(issuer), client, terms };
    let mut issued: Vec<String> = Vec::new();
    let mut e2e: Vec<EndToEnd> = Vec::new();

    println!(
        "\n## NanoTrace (Rust chaincode): {} per single cell, batches {:?} (size, transactions), at most {} s per cell\n",
        o.count, o.batches, o.seconds
    );
    header();
    for &k in &o.inflight {
        let step = single(b, &dave, &approver, k).await?;
        issued.extend(step.approve.outputs.iter().flat_map(|o| ids_of(o)));
        e2e.push(step);
    }
    for &(size, txs) in &o.batches {
        for &k in &o.batch_inflight {
            let step = batch(b, &dave, &approver, size, txs, k).await?;
            issued.extend(step.approve.outputs.iter().flat_map(|o| ids_of(o)));
            e2e.push(step);
        }
    }
    println!("\n### Certificates committed end to end (applied + approved, each approval Ed25519-signed and checked by the chaincode)\n");
    println!("| transactions | in flight | certificates issued | apply s | approve s | certificates/s | client read + sign s (not in the rate) |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for s in &e2e {
        end_to_end(&s.label, s.k, s.certs, &s.apply, &s.approve, s.attach.as_ref(), s.prep);
    }

    // What a certificate costs Fabric in keys and bytes, from the blocks themselves: each
    // cell's valid Apply*/Approve* transactions (the peer behind alice's gateway).
    println!("\n### What a certificate writes, read from the blocks (chaincode namespace, per certificate)\n");
    println!(
        "| cell | transactions | certificates | reads | writes | deletes | written keys | metadata writes (key-level policies) | value bytes | block bytes |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut shapes: Vec<(&EndToEnd, Written, Written)> = Vec::new();
    for s in &e2e {
        let (from, to) = s.blocks;
        let (apply_fn, approve_fn) = if s.label == "single" {
            (Function::Apply, Function::Approve)
        } else {
            (Function::ApplyBatch, Function::ApproveBatch)
        };
        let ns = approver.alice.chaincode_name();
        let applied = written(&approver.alice_qscc, ns, apply_fn, from, to).await?;
        let approved = written(&approver.alice_qscc, ns, approve_fn, from, to).await?;
        let (a, b) = (applied.per_certificate(), approved.per_certificate());
        let both: [f64; 7] = std::array::from_fn(|i| a[i] + b[i]);
        let label = format!("{}, {} in flight", s.label, s.k);
        written_row(&format!("{label}: {}", apply_fn.name()), applied.txs, applied.certs, a);
        written_row(&format!("{label}: {}", approve_fn.name()), approved.txs, approved.certs, b);
        written_row(
            &format!("{label}: a certificate applied and approved"),
            applied.txs + approved.txs,
            approved.certs,
            both,
        );
        if s.label != "single" {
            shapes.push((s, applied, approved));
        }
    }
    if let (Some(floor), false) = (&o.floor, shapes.is_empty()) {
        against_floor(b, floor, &shapes).await?;
    }

    if issued.is_empty() {
        bail!("no certificate issued: cannot measure Verify");
    }
    println!();
    header();
    let ids = Arc::new(issued);
    for &k in &o.inflight {
        let (c, ids) = (rita.clone(), ids.clone());
        let r = b
            .cell(o.eval_count, k, move |i| {
                let (c, req) = (c.clone(), CertificateIdRequest { certificate_id: ids[i % ids.len()].clone() });
                async move { evaluate_json(&c, Function::Verify, &req).await }
            })
            .await;
        b.report("Verify (evaluate)", k, 0, &r);
    }
    Ok(())
}

/// What the approval cells' names say of the credentials.
fn credentials_label(b: &Bench) -> &'static str {
    match b.options.credentials {
        CredentialMode::None => "",
        CredentialMode::Inline => ", credentials in the same transaction",
        CredentialMode::Attach => ", credentials after",
    }
}

/// A cell submitting each of `requests` as `function`, one per transaction, at `k` in flight.
async fn submit_each<R>(b: &Bench, c: &Contract, function: Function, requests: Vec<R>, k: usize) -> CellResult
where
    R: Serialize + Send + Sync + 'static,
{
    let (c, requests) = (c.clone(), Arc::new(requests));
    b.cell(requests.len(), k, move |i| {
        let (c, requests) = (c.clone(), requests.clone());
        async move { submit_json(&c, function, &requests[i]).await }
    })
    .await
}

/// `Apply` then `Approve`, one certificate per transaction, at `k` in flight.
async fn single(b: &Bench, dave: &Contract, approver: &Approver, k: usize) -> Result<EndToEnd> {
    let first_block = height(&approver.alice_qscc).await?;
    let (c, run_tag) = (dave.clone(), b.run_tag);
    let apply = b
        .cell(b.options.count, k, move |i| {
            let (c, app) = (c.clone(), application(&format!("L{run_tag}-{k}-{i}")));
            async move { submit_json(&c, Function::Apply, &app).await }
        })
        .await;
    b.report("Apply", k, 1, &apply);
    let ids: Vec<String> = apply.outputs.iter().flat_map(|o| ids_of(o)).collect();
    let (approvals, in_order, prep) = approver.approvals(&ids, apply.last_block).await?;
    let approve = approver.approve(b, approvals, in_order, 1, k).await?;
    b.report(&format!("Approve (Ed25519{})", credentials_label(b)), k, 1, &approve);
    let issued: Vec<String> = approve.outputs.iter().flat_map(|o| ids_of(o)).collect();
    let certs = issued.len();
    let attach = approver.attach(b, issued).await;
    let last = attach.as_ref().map_or(approve.last_block, |a| a.last_block.max(approve.last_block));
    let blocks = (first_block, last);
    Ok(EndToEnd { label: "single".into(), k, certs, apply, approve, attach, prep, blocks })
}

/// `ApplyBatch` then `ApproveBatch` of `size` certificates per transaction, `txs`
/// transactions, at `k` in flight.
async fn batch(b: &Bench, dave: &Contract, approver: &Approver, size: usize, txs: usize, k: usize) -> Result<EndToEnd> {
    let first_block = height(&approver.alice_qscc).await?;
    let (c, run_tag) = (dave.clone(), b.run_tag);
    let apply = b
        .cell(txs, k, move |i| {
            let c = c.clone();
            async move {
                let applications = (0..size).map(|j| application(&format!("B{run_tag}-{size}-{k}-{i}-{j}"))).collect();
                submit_json(&c, Function::ApplyBatch, &ApplyBatchRequest { applications }).await
            }
        })
        .await;
    b.report(&format!("ApplyBatch ({size}/tx)"), k, size, &apply);
    let ids: Vec<String> = apply.outputs.iter().flat_map(|o| ids_of(o)).collect();
    let (approvals, in_order, prep) = approver.approvals(&ids, apply.last_block).await?;
    let approve = approver.approve(b, approvals, in_order, size, k).await?;
    b.report(&format!("ApproveBatch ({size}/tx, Ed25519{})", credentials_label(b)), k, size, &approve);
    let issued: Vec<String> = approve.outputs.iter().flat_map(|o| ids_of(o)).collect();
    let certs = issued.len();
    let attach = approver.attach(b, issued).await;
    let last = attach.as_ref().map_or(approve.last_block, |a| a.last_block.max(approve.last_block));
    let blocks = (first_block, last);
    Ok(EndToEnd { label: format!("batch of {size}"), k, certs, apply, approve, attach, prep, blocks })
}
