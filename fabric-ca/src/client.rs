//! The connection to one Fabric CA and the envelope of its answers.

use super::token::token;
use super::{CaError, CaMessage, Enrollment};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// A client of one Fabric CA server (and, with [`CaClient::with_ca_name`], one of the
/// CAs it hosts). Cheap to clone.
#[derive(Clone, Debug)]
pub struct CaClient {
    base: String,
    ca_name: String,
    http: reqwest::Client,
}

/// How a request authenticates.
pub(super) enum Auth<'a> {
    /// Not at all (`cainfo`).
    None,
    /// HTTP basic authentication with an enrollment ID and its one-time secret (`enroll`).
    Basic { id: &'a str, secret: &'a str },
    /// A token by an enrolled identity (everything else).
    Token(&'a Enrollment),
    /// A token signed elsewhere (by a key in its owner's browser): the header as made.
    Signed(&'a str),
}

/// Every answer of the CA: `{"success", "result", "errors", "messages"}`.
#[derive(Deserialize)]
struct Envelope {
    success: bool,
    #[serde(default)]
    result: Option<serde_json::Value>,
    #[serde(default)]
    errors: Vec<CaMessage>,
}

impl CaClient {
    /// A client of the CA at `url` (`https://host:port`, or `http://` for a CA without
    /// TLS), trusting `tls_root_pem` (PEM, one or more certificates: the CA's TLS root)
    /// for HTTPS; requests time out after 30 s.
    pub fn new(url: &str, tls_root_pem: Option<&[u8]>) -> Result<Self, CaError> {
        let parsed = url::Url::parse(url).map_err(|e| CaError::Settings(format!("CA URL {url:?}: {e}")))?;
        let https = match parsed.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(CaError::Settings(format!("CA URL {url:?}: scheme {other:?}, expected https or http")))
            }
        };
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none());
        if https {
            let pem = tls_root_pem
                .ok_or_else(|| CaError::Settings(format!("{url} is HTTPS: the CA's TLS root certificate is needed")))?;
            builder = builder.tls_backend_preconfigured(tls_config(pem)?);
        }
        let http = builder.build().map_err(|e| CaError::Settings(nanotrace_fabric_gateway::error_chain(&e)))?;
        Ok(CaClient { base: url.trim_end_matches('/').to_owned(), ca_name: String::new(), http })
    }

    /// The same server, asking for its CA named `name` (a server can host several).
    pub fn with_ca_name(mut self, name: impl Into<String>) -> Self {
        self.ca_name = name.into();
        self
    }

    /// The CA's URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// The CA name requests name (empty: the server's default CA).
    pub fn ca_name(&self) -> &str {
        &self.ca_name
    }

    /// Sends `body` to `path` (e.g. `/api/v1/register`, with its query) and reads the
    /// answer's `result`; a refusal carries the CA's codes and messages.
    pub(super) async fn call<T: DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Vec<u8>,
        auth: Auth<'_>,
    ) -> Result<T, CaError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method.clone(), &url);
        if !body.is_empty() {
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json");
        }
        request = match auth {
            Auth::None => request,
            Auth::Basic { id, secret } => request.basic_auth(id, Some(secret)),
            Auth::Token(who) => {
                let uri = url::Url::parse(&url).map(|u| request_uri(&u)).unwrap_or_else(|_| path.to_owned());
                let token =
                    token(&who.signing_identity()?, who.certificate_pem().as_bytes(), method.as_str(), &uri, &body)?;
                request.header(reqwest::header::AUTHORIZATION, token)
            }
            Auth::Signed(token) => request.header(reqwest::header::AUTHORIZATION, token),
        };
        let mut response = request.body(body).send().await.map_err(|e| unreachable(what, e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(CaError::Redirected { what: what.to_owned(), status: status.as_u16() });
        }
        let text = read_limited(what, &mut response).await?;
        // The result is read only on success: a refusal's `result` is `""`, not a T.
        let envelope: Envelope = match serde_json::from_slice(&text) {
            Ok(envelope) => envelope,
            Err(e) if status.is_success() => {
                return Err(CaError::BadAnswer { what: what.to_owned(), message: e.to_string() });
            }
            Err(_) => {
                let message = String::from_utf8_lossy(&text).chars().take(500).collect::<String>();
                return Err(CaError::Refused {
                    what: what.to_owned(),
                    status: status.as_u16(),
                    messages: vec![CaMessage { code: 0, message }],
                });
            }
        };
        if !(envelope.success && status.is_success()) {
            return Err(CaError::Refused { what: what.to_owned(), status: status.as_u16(), messages: envelope.errors });
        }
        match envelope.result {
            Some(result) if !result.is_null() => serde_json::from_value(result)
                .map_err(|e| CaError::BadAnswer { what: what.to_owned(), message: e.to_string() }),
            _ => Err(CaError::BadAnswer { what: what.to_owned(), message: "success without a result".to_owned() }),
        }
    }

    /// `{"caname": …}` plus `fields`, as JSON bytes.
    /// What a token signed elsewhere covers for `POST path` with `body` by the identity
    /// whose certificate is `cert_pem` (see [`super::token_payload`]).
    pub(super) fn payload_to_sign(&self, cert_pem: &[u8], path: &str, body: &[u8]) -> Result<Vec<u8>, CaError> {
        let url = url::Url::parse(&format!("{}{path}", self.url()))
            .map_err(|e| CaError::Settings(format!("CA URL {}: {e}", self.url())))?;
        Ok(super::token::token_payload(cert_pem, "POST", &request_uri(&url), body))
    }

    pub(super) fn body(&self, mut fields: serde_json::Map<String, serde_json::Value>) -> Vec<u8> {
        if !self.ca_name.is_empty() {
            fields.insert("caname".into(), self.ca_name.clone().into());
        }
        serde_json::Value::Object(fields).to_string().into_bytes()
    }
}

/// The largest answer read from a CA (1 MiB): an identity list or a CRL of thousands of
/// entries fits; a CA that sends more is refused before the rest is read.
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

/// The body of `response`, read chunk by chunk and refused as soon as it would exceed
/// [`MAX_ANSWER_BYTES`] (so an endless body is never held).
async fn read_limited(what: &str, response: &mut reqwest::Response) -> Result<Vec<u8>, CaError> {
    let too_large = || CaError::TooLarge { what: what.to_owned(), limit: MAX_ANSWER_BYTES };
    if response.content_length().is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(what, e))? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A transport failure, without the request's URL: error texts reach people (a member
/// enrolling in the console) who must not learn the CA's internal address.
fn unreachable(what: &str, e: reqwest::Error) -> CaError {
    CaError::Unreachable { what: what.to_owned(), message: nanotrace_fabric_gateway::error_chain(&e.without_url()) }
}

/// The request URI the server sees: the path and the query.
fn request_uri(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// A TLS client configuration (ring, TLS 1.2 and 1.3) trusting only the certificates
/// in `pem`.
fn tls_config(pem: &[u8]) -> Result<rustls::ClientConfig, CaError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| CaError::Settings(format!("the CA's TLS root: {e}")))?;
        roots.add(cert).map_err(|e| CaError::Settings(format!("the CA's TLS root: {e}")))?;
    }
    if roots.is_empty() {
        return Err(CaError::Settings("the CA's TLS root holds no certificate".to_owned()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CaError::Settings(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}
