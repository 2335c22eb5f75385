//! Pages and API answers made from reads the member's browser signs (Fabric; see
//! [`crate::reads`]). A handler runs; if its reads had misses, what it made is replaced
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
use crate::reads::Reads;
use crate::stage::ReadKey;

/// The most reads one page may ask the member to sign at once.
pub const MAX_READS: usize = 64;

/// The misses of `reads` as proposals for the member of `who` to sign: `[{tx_id,
/// sign}]`, each waiting (for this session) for its signature.
fn proposals(state: &super::AppState, who: &SignedIn, misses: &[ReadKey]) -> Result<Vec<Value>, Failure> {
    let org = state.ledger.fabric_org().ok_or_else(|| {
        Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "reading", "a read missed on the embedded ledger")
    })?;
    let identity = crate::ledger::identity(&who.session.member).map_err(super::failure::api_failure)?;
    let mut out = Vec::new();
    for (chaincode, function, args) in misses.iter().take(MAX_READS) {
        let unsigned = if chaincode.is_empty() {
            let parsed = nanotrace_model::Function::from_name(function).ok_or_else(|| {
                Failure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "reading",
                    format!("{function} is no contract function"),
                )
            })?;
            org.stages.propose_read(&identity, parsed, args)
        } else {
            org.stages.propose_ledger_read(&identity, function, args)
        }
        .map_err(Failure::from)?;
        out.push(json!({ "tx_id": unsigned.tx_id(), "sign": b64(unsigned.to_sign()), "function": function }));
        let tx_id = unsigned.tx_id().to_owned();
        org.pending_reads.insert(&tx_id, &who.session.key, unsigned, String::new());
    }
    Ok(out)
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
    let Some(org) = state.ledger.fabric_org() else {
        return Err(Failure::new(StatusCode::NOT_FOUND, "reading", "not found"));
    };
    if body.reads.len() > MAX_READS {
        return Err(Failure::new(StatusCode::BAD_REQUEST, "reading", format!("at most {MAX_READS} reads at once")));
    }
    let mut signed = Vec::new();
    for read in &body.reads {
        let sig = signature(&read.signature)?;
        let pending = org.pending_reads.take(&who.session.key, &read.tx_id, |_| true).map_err(Failure::from)?;
        signed.push(pending.stage.signed(sig));
    }
    for read in &signed {
        let answer = org.stages.evaluate(read).await.map_err(|e| match e {
            crate::stage::StageError::Api(api) => api,
            other => nanotrace_client::ApiError::Request(other.to_string()),
        });
        state.ledger.reads.put(&who.session.key, read.key(), answer);
    }
    Ok(Json(json!({ "answered": signed.len() })))
}
