//! Webhooks signed as the Standard Webhooks specification says.
//!
//! Each request carries `webhook-id` (the notification's ID: the same for every attempt
//! and every re-send of one ledger event to one target, so a receiver drops repeats),
//! `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`:
//! `v1,` + base64 of HMAC-SHA256, keyed with the secret's bytes, over
//! `{id}.{timestamp}.{body}`. A secret is `whsec_` + base64 of 24 to 64 random bytes.

use data_encoding::BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// The prefix of a secret's text form.
pub const SECRET_PREFIX: &str = "whsec_";
/// How long one attempt may take, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// A webhook signing secret.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// Parses `whsec_` + base64.
    pub fn parse(text: &str) -> Result<Secret, String> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| format!("a webhook secret starts with {SECRET_PREFIX:?}"))?;
        let bytes = BASE64.decode(encoded.as_bytes()).map_err(|e| format!("the webhook secret is not base64: {e}"))?;
        if !(24..=64).contains(&bytes.len()) {
            return Err(format!("a webhook secret holds 24 to 64 bytes, this one {}", bytes.len()));
        }
        Ok(Secret(bytes))
    }

    /// A new random secret, in its text form.
    pub fn generate() -> String {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        format!("{SECRET_PREFIX}{}", BASE64.encode(&bytes))
    }

    /// The `webhook-signature` header value for `id`, `timestamp` and `body`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes keys of any length: this cannot fail.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts every key length"),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", BASE64.encode(&mac.finalize().into_bytes()))
    }
}

/// Why one attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The endpoint could not be reached (TLS included), or did not answer in time.
    #[error("cannot reach the endpoint {endpoint}: {message}")]
    Unreachable {
        /// The endpoint as [`shown`]: scheme, host and port, never the path.
        endpoint: String,
        /// Why not, with any URL in it [`redact_urls`]-ed.
        message: String,
    },
    /// The endpoint answered with a status other than 2xx (a redirect included: it is
    /// not followed).
    #[error("the endpoint answered HTTP {0}")]
    Status(u16),
}

/// What of a webhook URL may be shown (errors, logs, the dead-letter list): its scheme,
/// host and port. The user name, password, path and query may carry a token (chat
/// services put it in the path: `…/services/T000/B000/XXXX`) and become `/…`.
pub fn shown(url: &url::Url) -> String {
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("{}://{}{port}/…", url.scheme(), url.host_str().unwrap_or(""))
}

/// `text` with every http(s) URL in it cut down to what [`shown`] keeps: for texts from
/// libraries that quote the URL, and for errors stored before URLs were redacted.
pub fn redact_urls(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let next = |from: usize| {
        ["http://", "https://"].into_iter().filter_map(|s| lower[from..].find(s).map(|i| (from + i, s.len()))).min()
    };
    while let Some((start, scheme)) = next(rest) {
        // A quoted URL (parsers quote the input they refuse) runs to its closing quote,
        // spaces included; a bare one to the first space or bracket.
        let quote = text[..start].chars().next_back().filter(|c| matches!(c, '"' | '\'' | '`'));
        let end = match quote {
            Some(q) => text[start..].find(q),
            None => {
                text[start..].find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '"' | '\'' | '`'))
            }
        }
        .map_or(text.len(), |i| start + i);
        out.push_str(&text[rest..start]);
        match url::Url::parse(&text[start..end]) {
            Ok(url) => out.push_str(&shown(&url)),
            // Not a URL as far as `url` can tell: the scheme only.
            Err(_) => {
                out.push_str(&text[start..start + scheme]);
                out.push('…');
            }
        }
        rest = end;
    }
    out.push_str(&text[rest..]);
    out
}

/// Sends signed requests to one endpoint's trust roots.
#[derive(Debug, Clone)]
pub struct Sender {
    http: reqwest::Client,
}

impl Sender {
    /// A sender trusting the Mozilla root store and, when given, `extra_root` (PEM
    /// certificates): one webhook's own roots, trusted for that webhook only.
    pub fn new(extra_root: Option<&[u8]>) -> Result<Sender, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(pem) = extra_root {
            use rustls::pki_types::pem::PemObject;
            for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| format!("a webhook root certificate cannot be read: {e}"))?;
                roots.add(cert).map_err(|e| format!("a webhook root certificate cannot be used: {e}"))?;
            }
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("nanotrace-notify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot make the HTTP client: {e}"))?;
        Ok(Sender { http })
    }

    /// POSTs `body` to `url`, signed with `secret`, as message `id`, stamped `timestamp`.
    pub async fn send(
        &self,
        url: &url::Url,
        secret: &Secret,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let response = self
            .http
            .post(url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", secret.sign(id, timestamp, body))
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| WebhookError::Unreachable {
                endpoint: shown(url),
                message: redact_urls(&nanotrace_fabric_gateway::error_chain(&e.without_url())),
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(WebhookError::Status(status.as_u16()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_checked() {
        assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err(), "no prefix");
        assert!(Secret::parse("whsec_!!!").is_err(), "not base64");
        assert!(Secret::parse("whsec_AAAA").is_err(), "too short");
        let generated = Secret::generate();
        assert!(Secret::parse(&generated).is_ok(), "{generated}");
        assert_eq!(format!("{:?}", Secret::parse(&generated).expect("secret")), "Secret(..)", "never printed");
    }

    #[test]
    fn urls_are_shown_without_path_query_or_user() {
        let url =
            url::Url::parse("https://user:pw@hooks.example:8443/services/T000/B000/XXXX?token=YYYY").expect("url");
        assert_eq!(shown(&url), "https://hooks.example:8443/…");
        let text = "error sending request for url (http://127.0.0.1:9/services/T000/B000/XXXX?t=YYYY): \
                    client error; see HTTPS://user:pw@h.example/a/XXXX and http://[::1]/XXXX.";
        let redacted = redact_urls(text);
        assert_eq!(
            redacted,
            "error sending request for url (http://127.0.0.1:9/…): client error; see https://h.example/… and \
             http://[::1]/…"
        );
        assert_eq!(redact_urls("no URL here: HTTP 500"), "no URL here: HTTP 500");
        assert_eq!(redact_urls("broken http://"), "broken http://…");
    }
}
