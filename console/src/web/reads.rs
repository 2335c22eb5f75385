//! Pages and API answers made from reads the member's browser signs (Fabric; see
//! [`crate::ledger::reads`]). A handler runs; if its reads had misses, what it made is replaced
//! by the proposals to sign: a page becomes a short page whose script signs them, posts
//! the signatures to `POST /api/reads` and loads the page again; an API answer becomes
//! `428 Precondition Required` with the same list, which the script signs before it
//! repeats the request. On the embedded ledger there are never misses.

use super::extract::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::Member;
use super::failure::Failure;
use super::layout::page;
use super::wire::{b64, signature};
use super::{Shared, SignedIn};
use crate::ledger::reads::Reads;
use crate::ledger::stage::ReadKey;

/// The most reads one page may ask the member to sign at once.
pub const MAX_READS: usize = 64;

/// The misses of `reads` as proposals for the member of `who` to sign: `[{tx_id,
/// sign, function}]`, each waiting (for this session) for its signature.
fn proposals(state: &super::AppState, who: &SignedIn, misses: &[ReadKey]) -> Result<Vec<Value>, Failure> {
    let reads = state.ledger.reads_to_sign(&who.session.key, &who.session.member, misses, MAX_READS)?;
    Ok(reads.iter().map(|r| json!({ "tx_id": r.tx_id, "sign": b64(&r.to_sign), "function": r.function })).collect())
}

/// `response` as made, or — if `reads` missed — the page that has the member's browser
/// sign the reads and come back.
pub fn page_or_sign(state: &super::AppState, who: &SignedIn, reads: &Reads<'_>, response: Response) -> Response {
    let misses = reads.misses();
    if misses.is_empty() {
        return response;
    }
    match proposals(state, who, &misses) {
        Ok(list) => {
            let body = html! {
                h1 { "Reading the ledger as you" }
                p.muted { "Your organisation's peer answers only reads you sign: your browser signs " (list.len()) " read(s) for this page, then the page appears." }
                div #sign-reads data-reads=(Value::Array(list).to_string()) {}
            };
            page("Reading the ledger", Some(who), body).into_response()
        }
        Err(f) => f.into_response(),
    }
}

/// `result` as made, or — if `reads` missed — `428` with the reads to sign.
pub fn answer_or_sign(
    state: &super::AppState,
    who: &SignedIn,
    reads: &Reads<'_>,
    result: Result<Response, Failure>,
) -> Result<Response, Failure> {
    let misses = reads.misses();
    if misses.is_empty() {
        return result;
    }
    let list = proposals(state, who, &misses)?;
    Ok((StatusCode::PRECONDITION_REQUIRED, Json(json!({ "reads": list }))).into_response())
}

/// One signed read.
#[derive(Debug, Deserialize)]
pub struct SignedReadBody {
    tx_id: String,
    signature: String,
}

/// `POST /api/reads` body.
#[derive(Debug, Deserialize)]
pub struct ReadsBody {
    reads: Vec<SignedReadBody>,
}

/// Evaluates the reads the member signed, as the member, at the gateway peer; keeps
/// the answers (refusals included: the page shows them) for the session.
pub async fn submit(
    State(state): State<Shared>,
    Member(who): Member,
    Json(body): Json<ReadsBody>,
) -> Result<Json<Value>, Failure> {
    if body.reads.len() > MAX_READS {
        return Err(Failure::new(StatusCode::BAD_REQUEST, "reading", format!("at most {MAX_READS} reads at once")));
    }
    let mut signatures = Vec::new();
    for read in body.reads {
        signatures.push((read.tx_id, signature(&read.signature)?));
    }
    match state.ledger.answer_reads(&who.session.key, signatures).await {
        Some(answered) => Ok(Json(json!({ "answered": answered? }))),
        None => Err(Failure::new(StatusCode::NOT_FOUND, "reading", "not found")),
    }
}
