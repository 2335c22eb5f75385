//! The auditors' ledger view: the channel's transactions, newest first, each with its
//! block, time, creator organisation, function, the certificates it touched and a check
//! of its place in the ledger's hash chain (on the embedded ledger: the entry's hash
//! recomputed and linked to the one before it). Searchable by transaction ID,
//! certificate and product (GTIN).

use crate::ledger::history::{TxPage, TxQuery};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{message, page};
use super::{not_found, signed_in, Shared};

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

/// `GET /ledger`: auditors only.
pub async fn ledger(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<LedgerQuery>) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    if !who.viewer.is_auditor() {
        return not_found();
    }
    let reader = who.reader(&state);
    let filled = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let (tx, certificate, gtin) = (filled(&q.tx), filled(&q.certificate), filled(&q.gtin));
    let product_certificates = match &gtin {
        Some(gtin) => {
            Some(reader.by_product(gtin, None).await.map(|c| c.into_iter().map(|c| c.id).collect()).unwrap_or_default())
        }
        None => None,
    };
    let query = TxQuery { before: q.before, tx: tx.clone(), certificate: certificate.clone(), product_certificates };
    let response = match state.ledger.transactions(reader.transport(), &query).await {
        Ok(found) => {
            let body = html! {
                h1 { "Ledger" }
                p.muted { (found.about) }
                form.inline method="get" action="/ledger" {
                    label { "Transaction ID" input name="tx" value=(tx.as_deref().unwrap_or("")); }
                    label { "Certificate" input name="certificate" value=(certificate.as_deref().unwrap_or("")); }
                    label { "Product GTIN" input name="gtin" value=(gtin.as_deref().unwrap_or("")); }
                    button type="submit" { "Search" }
                }
                @if let Some((bottom, top)) = found.searched { p.muted { "Searched blocks " (bottom) "–" (top) "." } }
                @if found.rows.is_empty() { p { "No transaction matches." } } @else { (table(&found)) }
                @if let Some(older) = found.older_than { a href={ "/ledger?before=" (older - 1) } { "Older blocks" } }
            };
            page("Ledger", Some(&who), body).into_response()
        }
        Err(e) => message("The ledger could not answer", Some(&who), &e).into_response(),
    };
    super::reads::page_or_sign(&state, &who, reader.transport(), response)
}

fn table(found: &TxPage) -> Markup {
    let endorsements = found.shows_endorsements();
    html! {
        div.scroll {
            table.ledger {
                thead { tr {
                    th { "Block" } th { "Time" } th { "Transaction" } th { "Creator" }
                    @if endorsements { th { "Endorsed by" } }
                    th { "Function" } th { "Certificates" } th { "Chain" }
                } }
                tbody {
                    @for tx in &found.rows {
                        tr {
                            // data-label: each cell's column name, shown beside it where the
                            // table is stacked into one card per transaction (phones).
                            td data-label="Block" { (tx.block) }
                            td data-label="Time" { (super::dates::date(tx.timestamp)) }
                            td.mono data-label="Transaction" {
                                @if tx.tx_id.is_empty() { (tx.kind) }
                                @else { a href={ "/ledger?tx=" (tx.tx_id) } { (short(&tx.tx_id, if endorsements { 12 } else { 16 })) "…" } }
                            }
                            td data-label="Creator" { (tx.creator_msp) }
                            @if endorsements {
                                td data-label="Endorsed by" {
                                    @for e in tx.endorsements.iter().flatten() {
                                        @if e.signature_ok { span.ok { (e.msp_id) " ✓" } } @else { span.bad { (e.msp_id) " ✗ signature" } } br;
                                    }
                                }
                            }
                            td data-label="Function" {
                                (tx.function)
                                @if let Some((valid, code)) = &tx.validation {
                                    br;
                                    @if *valid { span.ok { "VALID" } } @else { span.bad { (code) } }
                                }
                            }
                            td data-label="Certificates" { @for id in &tx.certificates { a.mono href={ "/certificates/" (id) } { (id) } " " } }
                            td data-label="Chain" {
                                @match tx.chain {
                                    Some(true) => { span.ok { "✓ " (found.chain_word) } },
                                    Some(false) => { span.bad { "✗ broken" } },
                                    None => { span.muted { "—" } },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The first `n` characters of an ID (IDs are ASCII hex).
fn short(id: &str, n: usize) -> &str {
    id.get(..n.min(id.len())).unwrap_or(id)
}
