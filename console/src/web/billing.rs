//! `GET /billing`: paid certification for a member of a manufacturer or of a
//! certification body — per counterparty, the fee schedule in force, the invoices and
//! credit notes with their state and downloads, and what is outstanding in all. Every
//! figure is an answer of the contract to a read made as the member (the two parties
//! alone may read a pair's billing); a refusal is shown where the figures would be.
//!
//! Also here: the quotes card of a certificate's page and the payment states of the
//! approval queue, both read the same way.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nanotrace_client::{ApiError, NanoTrace, Transport};
use nanotrace_model::billing::{FeeSchedules, InvoiceRecord, PrivateAnswer, PrivateReceipt, Quote, StatementImport};
use nanotrace_model::{Certificate, CertificateStatus, ErrorCode, OrgKind};
use serde::Deserialize;

use super::dates::date;
use super::finance::{finance_card, statement_report};
use super::layout::page;
use super::reads::page_or_sign;
use super::{not_found, now, signed_in, Shared};
use crate::actions::Viewer;
use crate::billing::{
    counterparties, outstanding_by_currency, payment_state, read_pair, DocumentState, InvoiceFormat, PairBilling,
    PaymentState,
};

/// Whether `viewer` has billing to see: a member of a manufacturer or of a
/// certification body.
pub fn bills(viewer: &Viewer) -> bool {
    matches!(viewer.org_kind(), Some(OrgKind::Manufacturer | OrgKind::Certifier))
}

/// `GET /billing` query: the statement import whose report to show (the transaction
/// that imported it, committed in this session).
#[derive(Debug, Default, Deserialize)]
pub struct BillingQuery {
    #[serde(default)]
    statement: Option<String>,
}

/// `GET /billing`.
pub async fn billing(State(state): State<Shared>, headers: HeaderMap, Query(query): Query<BillingQuery>) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    if !bills(&who.viewer) {
        return not_found();
    }
    // The receipt the contract answered this session's import with, if it is kept: the
    // report itself is read, as the member, from the body's books where it says.
    let receipt = query
        .statement
        .as_deref()
        .and_then(|tx_id| state.receipts.get(&who.session.key, tx_id))
        .and_then(|bytes| serde_json::from_slice::<PrivateReceipt>(&bytes).ok());
    let reader = who.reader(&state);
    let report = match &receipt {
        Some(receipt) => match reader.private_answer(receipt).await {
            Ok(PrivateAnswer::Statement(report)) => Some(report),
            _ => None,
        },
        None => None,
    };
    let response = match reader.organizations().await {
        Ok(organizations) => {
            let mut pairs = Vec::new();
            for counterparty in counterparties(who.viewer.msp_id(), who.viewer.org_kind(), &organizations) {
                pairs.push(read_pair(&reader, counterparty).await);
            }
            page("Billing", Some(&who), billing_body(&who.viewer, &pairs, report.as_ref())).into_response()
        }
        Err(e) => super::layout::message("The ledger could not answer", Some(&who), &e.to_string()).into_response(),
    };
    page_or_sign(&state, &who, reader.transport(), response)
}

fn billing_body(viewer: &Viewer, pairs: &[PairBilling], report: Option<&StatementImport>) -> Markup {
    let is_body = viewer.org_kind() == Some(OrgKind::Certifier);
    let all: Vec<&InvoiceRecord> = pairs.iter().filter_map(|p| p.invoices.as_ref().ok()).flatten().collect();
    let total = outstanding_by_currency(all.iter().copied());
    html! {
        h1 { "Billing" }
        p.muted {
            @if is_body { "What " (viewer.msp_id()) " charges each manufacturer: fees, invoices, payments." }
            @else { "What each certification body charges " (viewer.msp_id()) ": fees, invoices, payments." }
            " Only the two organisations of a pair can read its billing; invoices are issued and statements imported by the body's finance."
        }
        @if let Some(report) = report { (statement_report(report)) }
        section.card.outstanding #outstanding-total {
            h2 { "Outstanding" }
            @if total.is_empty() { p.amount { "Nothing outstanding" } }
            @else { @for (currency, amount) in &total { p.amount { (amount) " " (currency) } } }
        }
        @if pairs.is_empty() {
            p.muted { @if is_body { "No manufacturer is registered." } @else { "No certification body is registered." } }
        }
        @if viewer.is_finance() { (finance_card(viewer, &all)) }
        @for p in pairs { (pair_card(p)) }
    }
}

fn refusal(e: &ApiError) -> Markup {
    html! { p.bad.refusal { @if e.is_refusal() { "The contract refused: " } (e) } }
}

fn pair_card(p: &PairBilling) -> Markup {
    let c = &p.counterparty;
    html! {
        section.card.pair data-pair=(c.msp_id) {
            h2 { (c.name) " · " (c.msp_id) @if c.retired { " (retired)" } }
            h3 { "Fee schedule" }
            @match &p.schedules {
                Ok(schedules) => (schedule_summary(schedules)),
                Err(e) => (refusal(e)),
            }
            h3 { "Invoices and credit notes" }
            @match &p.invoices {
                Ok(records) if records.is_empty() => { p.muted { "No invoice yet." } },
                Ok(records) => {
                    (invoice_table(records))
                    @let due = outstanding_by_currency(records);
                    p.pair-total {
                        "Outstanding with " (c.msp_id) ": "
                        @if due.is_empty() { "nothing" }
                        @else { @for (i, (currency, amount)) in due.iter().enumerate() { @if i > 0 { ", " } b { (amount) " " (currency) } } }
                    }
                },
                Err(e) => (refusal(e)),
            }
        }
    }
}

fn schedule_summary(schedules: &FeeSchedules) -> Markup {
    let at = now();
    let Some(version) = schedules.in_force_at(at) else {
        return match schedules.versions.first() {
            Some(next) => {
                html! { p.muted { "No fee schedule in force yet; one applies from " (date(next.effective_from)) "." } }
            }
            None => html! { p.muted { "No fee schedule set." } },
        };
    };
    let s = &version.schedule;
    let currency = s.currency.code();
    let later = schedules.versions.iter().filter(|v| v.effective_from > at).count();
    html! {
        ul.fees {
            @for fee in &s.fees {
                li { span.mono { (fee.id) } " " (fee.name) ": " (fee.quantity) " × " (fee.unit_price) " " (currency) }
            }
        }
        p {
            @match s.totals() {
                Ok(t) => { "Per application " b { (t.payable_amount) " " (currency) } " (" (t.tax_exclusive_amount) " net + " (t.vat_amount) " VAT)" },
                Err(e) => { span.bad { "The fees do not add up: " (e) } },
            }
            " · " @if s.payment_before_decision { b { "payment before a decision" } } @else { "decision before payment" }
        }
        p.muted {
            "In force since " (date(version.effective_from)) ", set by " (version.set_by.msp_id)
            @if later > 0 { " · " (later) " later version(s) set" }
        }
    }
}

/// The route of `record`'s download in `format`.
pub fn download_href(record: &InvoiceRecord, format: InvoiceFormat) -> String {
    format!("/billing/{}/{}/{}/{}", record.body_msp, record.manufacturer_msp, record.number, format.segment())
}

fn invoice_table(records: &[InvoiceRecord]) -> Markup {
    html! {
        div.scroll {
            table.invoices {
                thead { tr { th { "Number" } th { "Application" } th { "Date" } th.num { "Total" } th { "State" } th { "Download" } } }
                tbody {
                    @for r in records {
                        @let st = DocumentState::of(r, records);
                        tr data-invoice=(r.number) {
                            td.mono data-label="Number" { (r.number) @if r.is_credit_note() { br; span.muted { "credit note" } } }
                            td data-label="Application" { a.mono href={ "/certificates/" (r.certificate_id) } { (r.certificate_id) } }
                            td data-label="Date" { (r.document.issue_date.to_string()) }
                            td.num data-label="Total" { (r.totals.payable_amount) " " (r.document.currency.code()) }
                            td data-label="State" { span class={ "state st-" (st.class()) } { (st) } }
                            td data-label="Download" {
                                span.downloads {
                                    a href=(download_href(r, InvoiceFormat::Ubl)) download=(InvoiceFormat::Ubl.file_name(&r.number)) { "UBL XML" }
                                    " · "
                                    a href=(download_href(r, InvoiceFormat::FacturX)) download=(InvoiceFormat::FacturX.file_name(&r.number)) { "Factur-X PDF" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The quotes of `cert` the member may read: a manufacturer's member reads every
/// body's, a body's member their own body's. Empty markup for anyone else.
pub async fn quotes_card<T: Transport>(reader: &NanoTrace<T>, viewer: &Viewer, cert: &Certificate) -> Markup {
    let bodies: Vec<String> = match viewer.org_kind() {
        Some(OrgKind::Certifier) => vec![viewer.msp_id().to_owned()],
        Some(OrgKind::Manufacturer) if cert.manufacturer_msp == viewer.msp_id() => match reader.organizations().await {
            Ok(orgs) => orgs.into_iter().filter(|o| o.kind == OrgKind::Certifier).map(|o| o.msp_id).collect(),
            Err(e) => return html! { section.card { h2 { "Quotes" } (refusal(&e)) } },
        },
        _ => return html! {},
    };
    // The body's finance invoices an accepted quote from here, once.
    let invoicing = viewer.is_finance();
    let mut quotes: Vec<(Quote, Option<PaymentState>, bool)> = Vec::new();
    let mut errors = Vec::new();
    for body in &bodies {
        match reader.get_quote(&cert.id, body).await {
            Ok(quote) => {
                let invoice_it = invoicing && quote.accepted.is_some();
                let invoices = if quote.payment_before_decision || invoice_it {
                    reader.invoices(&quote.body_msp, &quote.manufacturer_msp).await.ok()
                } else {
                    None
                };
                let paid = match (&invoices, quote.payment_before_decision) {
                    (Some(invoices), true) => payment_state(&quote, invoices),
                    _ => None,
                };
                let invoiceable = invoice_it
                    && invoices
                        .is_some_and(|all| !all.iter().any(|r| r.certificate_id == cert.id && !r.is_credit_note()));
                quotes.push((quote, paid, invoiceable));
            }
            Err(e) if e.contract_code() == Some(ErrorCode::NotFound) => {}
            Err(e) => errors.push(e),
        }
    }
    html! {
        section.card #quotes {
            h2 { "Quotes" }
            @if quotes.is_empty() && errors.is_empty() { p.muted { "No quote yet." } }
            @for (q, paid, invoiceable) in &quotes {
                p.quote data-body=(q.body_msp) {
                    b { (q.body_msp) } ": " b { (q.totals.payable_amount) " " (q.currency.code()) }
                    " (" (q.totals.tax_exclusive_amount) " net + " (q.totals.vat_amount) " VAT) · "
                    @if q.payment_before_decision { "payment before a decision" } @else { "decision before payment" }
                    " · "
                    @match &q.accepted {
                        Some(a) => { "accepted " (date(a.at)) " by " (a.by.msp_id) },
                        None => { "not accepted yet" },
                    }
                    @if let Some(paid) = paid { " · " span class={ "pay pay-" (paid.class()) } { (paid) } }
                }
                @if *invoiceable {
                    form.grid #invoice-quote data-tx="issue-invoice" {
                        input type="hidden" name="certificate_id" value=(cert.id);
                        label { "Buyer reference (optional: the application's ID if empty)" input name="buyer_reference" autocomplete="off"; }
                        label { "Note printed on the invoice (optional)" input name="note" autocomplete="off"; }
                        div { button type="submit" { "Invoice this quote" } }
                    }
                }
            }
            @for e in &errors { (refusal(e)) }
        }
    }
}

/// The payment states of the pending `certs` for the certifier's body: only where the
/// body's quote asks for payment before a decision. The pair's fee schedules are read
/// first, so that applications of a manufacturer whose schedules never ask for it cost
/// no read of their quote.
pub async fn queue_payments<T: Transport>(
    reader: &NanoTrace<T>,
    viewer: &Viewer,
    certs: &[Certificate],
) -> HashMap<String, PaymentState> {
    let mut states = HashMap::new();
    if !viewer.is_certifier() || viewer.org_kind() != Some(OrgKind::Certifier) {
        return states;
    }
    let body = viewer.msp_id();
    let mut by_manufacturer: HashMap<&str, Option<Vec<InvoiceRecord>>> = HashMap::new();
    for cert in certs.iter().filter(|c| c.status == CertificateStatus::Pending) {
        let maker = cert.manufacturer_msp.as_str();
        if !by_manufacturer.contains_key(maker) {
            let asks = reader
                .fee_schedules(body, maker)
                .await
                .is_ok_and(|s| s.versions.iter().any(|v| v.schedule.payment_before_decision));
            let invoices = if asks { reader.invoices(body, maker).await.ok() } else { None };
            by_manufacturer.insert(maker, invoices);
        }
        let Some(Some(invoices)) = by_manufacturer.get(maker) else { continue };
        if let Ok(quote) = reader.get_quote(&cert.id, body).await {
            if let Some(paid) = payment_state(&quote, invoices) {
                states.insert(cert.id.clone(), paid);
            }
        }
    }
    states
}
