//! The auditors' ledger view: the channel's transactions, newest first, each with its
//! block, time, creator organisation, function, the certificates it touched and a check
//! of its place in the ledger's hash chain (on the embedded ledger: the entry's hash
//! recomputed and linked to the one before it). Searchable by transaction ID,
//! certificate and product (GTIN).

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nanotrace_ledger::LogEntry;
use serde::Deserialize;

use super::layout::{message, page};
use super::{not_found, signed_in, Shared};

/// How many blocks a page shows, and how far back a search looks.
const PAGE: u64 = 50;
const SEARCH_DEPTH: u64 = 20_000;

/// `GET /ledger` query.
#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    /// Show blocks up to this one (default: the newest).
    #[serde(default)]
    before: Option<u64>,
    /// A transaction ID (or its first characters).
    #[serde(default)]
    tx: Option<String>,
    /// A certificate ID.
    #[serde(default)]
    certificate: Option<String>,
    /// A product's GTIN.
    #[serde(default)]
    gtin: Option<String>,
}

/// How many blocks a page shows on Fabric, and how far back a search looks there: each
/// block is a read the auditor's browser signs.
const FABRIC_PAGE: u64 = 10;
const FABRIC_SEARCH_DEPTH: u64 = 60;

/// The certificates a chaincode event's payload names.
fn event_certificates(payload: &[u8]) -> Vec<String> {
    serde_json::from_slice::<nanotrace_model::Event>(payload)
        .map(|e| e.certificate_ids.into_iter().chain(e.flagged).collect())
        .unwrap_or_default()
}

/// One transaction of a Fabric block, with whether its block's hashes check: its data
/// hash, and its link to the block before (`None` when that block is not on the page).
struct FabricRow {
    block: u64,
    tx: BlockTx,
    chain: Option<bool>,
}

type BlockTx = nanotrace_fabric_gateway::block::TxView;

/// The ledger view on Fabric: the channel's blocks from the peer's `qscc`, each a read
/// the auditor's browser signed (so the peer's own `Readers` policy decides), newest
/// first; every endorsement's signature checked against the certificate it names, every
/// block's data hash and its link to the block before recomputed.
async fn fabric_ledger(
    state: &super::AppState,
    who: &super::SignedIn,
    reader: &nanotrace_client::NanoTrace<crate::reads::Reads<'_>>,
    q: &LedgerQuery,
) -> Response {
    use nanotrace_fabric_gateway::{block, qscc};
    let Some(org) = state.ledger.fabric_org() else { return not_found() };
    let channel = org.stages.channel().as_bytes().to_vec();
    let failed = |e: String| message("The ledger could not answer", Some(who), &e).into_response();
    let reads = reader.transport();
    let info = match reads.ledger_query("GetChainInfo", std::slice::from_ref(&channel)).await {
        Ok(bytes) => match qscc::decode_chain_info(&bytes) {
            Ok(info) => info,
            Err(e) => return failed(e.to_string()),
        },
        Err(e) => return failed(e.to_string()),
    };
    let last = info.height.saturating_sub(1);
    let filter_tx = q.tx.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let filter_cert = q.certificate.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let filter_gtin = q.gtin.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let product_certs: Vec<String> = match filter_gtin {
        Some(gtin) => {
            reader.by_product(gtin, None).await.map(|c| c.into_iter().map(|c| c.id).collect()).unwrap_or_default()
        }
        None => Vec::new(),
    };
    let searching = filter_tx.is_some() || filter_cert.is_some() || filter_gtin.is_some();
    let top = q.before.unwrap_or(last).min(last);
    let depth = if searching { FABRIC_SEARCH_DEPTH } else { FABRIC_PAGE };
    let bottom = top.saturating_sub(depth - 1);
    let mut blocks = Vec::new();
    let mut error = None;
    for number in bottom..=top {
        let args = [channel.clone(), number.to_string().into_bytes()];
        match reads.ledger_query("GetBlockByNumber", &args).await {
            Ok(bytes) => match block::block_view(&bytes) {
                Ok(view) => blocks.push(view),
                Err(e) => error = Some(e.to_string()),
            },
            Err(e) => error = Some(e.to_string()),
        }
    }
    if let Some(e) = error {
        return failed(e);
    }
    let mut rows = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let link = i.checked_sub(1).and_then(|j| blocks.get(j)).map(|prev| prev.header_hash == b.previous_hash);
        let chain = match link {
            Some(linked) => Some(linked && b.data_hash_ok),
            None if !b.data_hash_ok => Some(false),
            None => None,
        };
        for tx in &b.transactions {
            let certs = tx.event.as_ref().map(|(_, p)| event_certificates(p)).unwrap_or_default();
            let keep = match (filter_tx, filter_cert, filter_gtin) {
                (Some(id), _, _) => tx.tx_id.starts_with(id),
                (_, Some(cert), _) => certs.iter().any(|c| c == cert),
                (_, _, Some(_)) => certs.iter().any(|c| product_certs.contains(c)),
                _ => true,
            };
            if keep {
                rows.push(FabricRow { block: b.number, tx: tx.clone(), chain });
            }
        }
    }
    rows.reverse();
    let body = html! {
        h1 { "Ledger" }
        p.muted { "Channel " (org.stages.channel()) ", height " (info.height) ", read from your organisation's peer with reads you signed. Newest first; each endorsement's signature is checked against the certificate it names, each block's data hash and its link to the block before are recomputed." }
        form.inline method="get" action="/ledger" {
            label { "Transaction ID" input name="tx" value=(filter_tx.unwrap_or("")); }
            label { "Certificate" input name="certificate" value=(filter_cert.unwrap_or("")); }
            label { "Product GTIN" input name="gtin" value=(filter_gtin.unwrap_or("")); }
            button type="submit" { "Search" }
        }
        @if searching { p.muted { "Searched blocks " (bottom) "–" (top) "." } }
        @if rows.is_empty() { p { "No transaction matches." } } @else { (fabric_table(&rows)) }
        @if bottom > 0 { a href={ "/ledger?before=" (bottom - 1) } { "Older blocks" } }
    };
    page("Ledger", Some(who), body).into_response()
}

fn fabric_table(rows: &[FabricRow]) -> Markup {
    html! {
        div.scroll {
            table.ledger {
                thead { tr { th { "Block" } th { "Time" } th { "Transaction" } th { "Creator" } th { "Endorsed by" } th { "Function" } th { "Certificates" } th { "Chain" } } }
                tbody {
                    @for r in rows {
                        @let tx = &r.tx;
                        tr {
                            td data-label="Block" { (r.block) }
                            td data-label="Time" { (super::pages::date(tx.timestamp)) }
                            td.mono data-label="Transaction" {
                                @if tx.tx_id.is_empty() { (tx.kind) }
                                @else { a href={ "/ledger?tx=" (tx.tx_id) } { (tx.tx_id[..12.min(tx.tx_id.len())]) "…" } }
                            }
                            td data-label="Creator" { (tx.creator_msp) }
                            td data-label="Endorsed by" {
                                @for e in &tx.endorsements {
                                    @if e.signature_ok { span.ok { (e.msp_id) " ✓" } } @else { span.bad { (e.msp_id) " ✗ signature" } } br;
                                }
                            }
                            td data-label="Function" {
                                (tx.function) br;
                                @if tx.validation.is_valid() { span.ok { "VALID" } } @else { span.bad { (tx.validation.name()) } }
                            }
                            td data-label="Certificates" {
                                @for id in tx.event.as_ref().map(|(_, p)| event_certificates(p)).unwrap_or_default() { a.mono href={ "/certificates/" (id) } { (id) } " " }
                            }
                            td data-label="Chain" {
                                @match r.chain { Some(true) => { span.ok { "✓ linked" } }, Some(false) => { span.bad { "✗ broken" } }, None => { span.muted { "—" } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The certificates an entry's event names.
fn touched(entry: &LogEntry) -> Vec<String> {
    let Some((_, payload)) = &entry.event else { return Vec::new() };
    serde_json::from_slice::<nanotrace_model::Event>(payload)
        .map(|e| e.certificate_ids.into_iter().chain(e.flagged).collect())
        .unwrap_or_default()
}

/// Whether `entry` hashes to its stored hash and links to `previous` (the entry of the
/// block before, when at hand).
fn chained(entry: &LogEntry, previous: Option<&LogEntry>) -> bool {
    let own = entry.compute_hash().is_ok_and(|h| h == entry.hash);
    let link = match previous {
        Some(prev) => prev.hash == entry.prev_hash,
        None => entry.block > 1 || entry.prev_hash == nanotrace_ledger::GENESIS_PREV_HASH,
    };
    own && link
}

fn table(entries: &[(LogEntry, bool)]) -> Markup {
    html! {
        div.scroll {
            table.ledger {
                thead { tr { th { "Block" } th { "Time" } th { "Transaction" } th { "Creator" } th { "Function" } th { "Certificates" } th { "Chain" } } }
                tbody {
                    @for (e, ok) in entries {
                        tr {
                            // data-label: each cell's column name, shown beside it where the
                            // table is stacked into one card per transaction (phones).
                            td data-label="Block" { (e.block) }
                            td data-label="Time" { (super::pages::date(e.timestamp.seconds)) }
                            td.mono data-label="Transaction" { a href={ "/ledger?tx=" (e.tx_id) } { (e.tx_id[..16.min(e.tx_id.len())]) "…" } }
                            td data-label="Creator" { (e.creator_msp) }
                            td data-label="Function" { (e.function) }
                            td data-label="Certificates" { @for id in touched(e) { a.mono href={ "/certificates/" (id) } { (id) } " " } }
                            td data-label="Chain" { @if *ok { span.ok { "✓ intact" } } @else { span.bad { "✗ broken" } } }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /ledger`: auditors only.
pub async fn ledger(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<LedgerQuery>) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    if !who.viewer.is_auditor() {
        return not_found();
    }
    let Some(data) = state.ledger.data() else {
        let reader = who.reader(&state);
        let response = fabric_ledger(&state, &who, &reader, &q).await;
        return super::reads::page_or_sign(&state, &who, reader.transport(), response);
    };
    let ledger = &data.ledger;
    let height = match ledger.height() {
        Ok(h) => h,
        Err(e) => return message("The ledger could not answer", Some(&who), &e.to_string()).into_response(),
    };
    let filter_tx = q.tx.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let filter_cert = q.certificate.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let filter_gtin = q.gtin.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let product_certs: Vec<String> = match filter_gtin {
        Some(gtin) => who
            .reader(&state)
            .by_product(gtin, None)
            .await
            .map(|c| c.into_iter().map(|c| c.id).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let searching = filter_tx.is_some() || filter_cert.is_some() || filter_gtin.is_some();
    let top = q.before.unwrap_or(height).min(height);
    let bottom = if searching { top.saturating_sub(SEARCH_DEPTH) + 1 } else { top.saturating_sub(PAGE) + 1 };
    let entries = match ledger
        .log_entries(bottom.saturating_sub(1).max(1), (top + 1 - bottom.saturating_sub(1).max(1)) as usize)
    {
        Ok(e) => e,
        Err(e) => return message("The ledger could not answer", Some(&who), &e.to_string()).into_response(),
    };
    let mut rows: Vec<(LogEntry, bool)> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        if entry.block < bottom {
            continue;
        }
        let previous = i.checked_sub(1).and_then(|j| entries.get(j));
        let keep = match (filter_tx, filter_cert, filter_gtin) {
            (Some(tx), _, _) => entry.tx_id.starts_with(tx),
            (_, Some(cert), _) => touched(entry).iter().any(|c| c == cert),
            (_, _, Some(_)) => touched(entry).iter().any(|c| product_certs.contains(c)),
            _ => true,
        };
        if keep {
            rows.push((entry.clone(), chained(entry, previous)));
        }
    }
    rows.reverse();
    let body = html! {
        h1 { "Ledger" }
        p.muted { "Height " (height) ". Every transaction of the channel, newest first; the chain column recomputes each entry's hash and its link to the block before." }
        form.inline method="get" action="/ledger" {
            label { "Transaction ID" input name="tx" value=(filter_tx.unwrap_or("")); }
            label { "Certificate" input name="certificate" value=(filter_cert.unwrap_or("")); }
            label { "Product GTIN" input name="gtin" value=(filter_gtin.unwrap_or("")); }
            button type="submit" { "Search" }
        }
        @if rows.is_empty() { p { "No transaction matches." } } @else { (table(&rows)) }
        @if !searching && bottom > 1 { a href={ "/ledger?before=" (bottom - 1) } { "Older blocks" } }
    };
    page("Ledger", Some(&who), body).into_response()
}
