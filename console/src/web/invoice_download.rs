//! `GET /billing/{body}/{manufacturer}/{number}/{ubl|pdf}`: an invoice or credit note as
//! a file. The pair's invoices are read as the member (the contract answers the two
//! parties only), the document of that number is written as UBL XML or as the Factur-X
//! PDF, and sent with its media type and a file name. A refused read is the contract's
//! refusal, shown as the console shows refusals: never anyone else's document.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::layout::message;
use super::reads::page_or_sign;
use super::{not_found, signed_in, Shared, SignedIn};
use crate::billing::{DownloadError, InvoiceFormat};
use crate::ledger::reads::DOWNLOAD_ANSWER_AGE;
use nanotrace_model::ErrorCode;

/// `GET /billing/{body}/{manufacturer}/{number}/{format}`.
pub async fn invoice(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((body, manufacturer, number, format)): Path<(String, String, String, String)>,
) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    let Some(format) = InvoiceFormat::from_segment(&format) else { return not_found() };
    // A download follows the page that listed the invoice: its answer is reused.
    let reader = who.reader_within(&state, DOWNLOAD_ANSWER_AGE);
    let response = match document(&reader, &body, &manufacturer, &number, format).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, format.content_type().to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", format.file_name(&number))),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => refused(&who, &e),
    };
    page_or_sign(&state, &who, reader.transport(), response)
}

async fn document(
    reader: &nanotrace_client::NanoTrace<crate::ledger::reads::Reads<'_>>,
    body: &str,
    manufacturer: &str,
    number: &str,
    format: InvoiceFormat,
) -> Result<Vec<u8>, DownloadError> {
    let records = reader.invoices(body, manufacturer).await?;
    let record = records.iter().find(|r| r.number == number).ok_or_else(|| DownloadError::NoSuchDocument {
        body: body.to_owned(),
        manufacturer: manufacturer.to_owned(),
        number: number.to_owned(),
    })?;
    format.render(record)
}

/// The page a failed download answers, with its status: the contract's refusal (403
/// for `UNAUTHORIZED`, 404 for `NOT_FOUND`, 409 otherwise), a document not there (404),
/// the ledger or the writer failing (502, 500).
fn refused(who: &SignedIn, e: &DownloadError) -> Response {
    let (status, title) = match e {
        DownloadError::Read(api) if api.is_refusal() => match api.contract_code() {
            Some(ErrorCode::Unauthorized) => (StatusCode::FORBIDDEN, "The contract refused"),
            Some(ErrorCode::NotFound) => (StatusCode::NOT_FOUND, "Not found"),
            _ => (StatusCode::CONFLICT, "The contract refused"),
        },
        DownloadError::Read(_) => (StatusCode::BAD_GATEWAY, "The ledger could not answer"),
        DownloadError::NoSuchDocument { .. } => (StatusCode::NOT_FOUND, "Not found"),
        DownloadError::Render { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "The invoice could not be written"),
    };
    (status, message(title, Some(who), &e.to_string())).into_response()
}
