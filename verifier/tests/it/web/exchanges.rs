//! Every request the web tests send through [`send`](super::send), with the answer it
//! got, as one JSON line (`tests/openapi/check.py` reads them: method, URI, request
//! headers, status, headers, body in base64). Where `NANOTRACE_OPENAPI_EXCHANGES` names a
//! folder (`scripts/test.sh` sets it), each line is also appended to a file of this
//! process there, and after the tests every answer is checked against
//! `verifier/openapi.yaml` by openapi-core: the document cannot drift from what the
//! verifier answers.

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// The environment variable naming the folder of recorded exchanges.
pub const FOLDER_VAR: &str = "NANOTRACE_OPENAPI_EXCHANGES";

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect()
}

/// One exchange as a JSON line.
pub(super) fn line(
    method: &Method,
    uri: &Uri,
    request_headers: &HeaderMap,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> String {
    serde_json::json!({
        "method": method.as_str(),
        "uri": uri.to_string(),
        "request_headers": pairs(request_headers),
        "status": status.as_u16(),
        "headers": pairs(headers),
        "body_base64": data_encoding::BASE64.encode(body),
    })
    .to_string()
}

/// This process's file in the folder `NANOTRACE_OPENAPI_EXCHANGES` names, if it names one.
fn file() -> Option<&'static Mutex<std::fs::File>> {
    static FILE: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    FILE.get_or_init(|| {
        let folder = PathBuf::from(std::env::var_os(FOLDER_VAR).filter(|v| !v.is_empty())?);
        std::fs::create_dir_all(&folder).expect("the folder of recorded exchanges");
        let path = folder.join(format!("verifier-it-{}.jsonl", std::process::id()));
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("a file of exchanges");
        Some(Mutex::new(file))
    })
    .as_ref()
}

/// Appends `line` to this process's file of exchanges, when there is one.
pub(super) fn record(line: &str) {
    if let Some(file) = file() {
        let mut file = file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(format!("{line}\n").as_bytes()).expect("record an exchange");
    }
}
