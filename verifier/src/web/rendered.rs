//! Rendered answers, reused while nothing they depend on changes.
//!
//! A certificate's page (in each language) and JSON answer are functions of its ID and of the [`Stamp`]:
//! the follower's status, the cache's generation and the current second (the page
//! shows the data's age in seconds, and verdicts turn EXPIRED on the second). A hot
//! certificate is therefore rendered at most once per second and per update; every
//! other request for it is a map lookup and a reference-counted copy of the bytes.
//!
//! An answer is kept only if the stamp read before computing it equals the stamp read
//! after, so an answer that straddled an update (a revocation, say) is never reused.

use super::i18n::Lang;
use crate::state::Stamp;
use axum::body::{Body, Bytes};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::Response;
use nanotrace_model::Verdict;
use std::collections::HashMap;
use std::sync::RwLock;

/// Which representation of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `GET /c/{id}` without a token to check, in a language.
    Page(Lang),
    /// `GET /api/v1/certificates/{id}`.
    Api,
}

/// A finished answer; cloning it copies no bytes.
#[derive(Debug, Clone)]
pub(super) struct Rendered {
    pub(super) status: StatusCode,
    pub(super) content_type: HeaderValue,
    pub(super) body: Bytes,
    /// The body gzipped once (see [`Rendered::compressed`]) rather than by the
    /// compression layer on every request that accepts gzip.
    pub(super) gzipped: Option<Bytes>,
    /// For the verdict metrics, which count every answer served.
    pub(super) verdict: Verdict,
    /// A page's language (`Content-Language`, and `Vary` on what chose it); `None` for JSON.
    pub(super) lang: Option<Lang>,
}

impl Rendered {
    /// A page in `lang`.
    pub(super) fn page(lang: Lang, status: StatusCode, verdict: Verdict, body: String) -> Self {
        let mut page = Self::new(status, HeaderValue::from_static("text/html; charset=utf-8"), verdict, body.into());
        page.lang = Some(lang);
        page
    }

    pub(super) fn json(status: StatusCode, verdict: Verdict, body: Vec<u8>) -> Self {
        Self::new(status, HeaderValue::from_static("application/json"), verdict, body.into())
    }

    fn new(status: StatusCode, content_type: HeaderValue, verdict: Verdict, body: Bytes) -> Self {
        Rendered { status, content_type, gzipped: None, body, verdict, lang: None }
    }

    /// With the gzipped body made once, for an answer that will be reused.
    pub(super) fn compressed(mut self) -> Self {
        self.gzipped = gzip(&self.body);
        self
    }

    /// The answer as a response: gzipped when the request's `Accept-Encoding` allows it.
    pub(super) fn response(&self, accept_encoding: Option<&HeaderValue>) -> Response {
        let (body, encoded) = match &self.gzipped {
            Some(gzipped) if accepts_gzip(accept_encoding) => (gzipped.clone(), true),
            _ => (self.body.clone(), false),
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        match self.lang {
            Some(lang) => super::pages::set_language_headers(headers, lang),
            None => {
                headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
        }
        if encoded {
            // The compression layer leaves responses that already have an encoding alone.
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response
    }
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::fast());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// Whether an `Accept-Encoding` value allows gzip (`gzip` or `*`, not with `q=0`).
pub(super) fn accepts_gzip(accept_encoding: Option<&HeaderValue>) -> bool {
    let Some(text) = accept_encoding.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    text.split(',').any(|item| {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let refused = parts
            .any(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

/// At most this many answers per kind are kept (≤ ~30 MB of pages and JSON); past it
/// the map starts over. Entries are only good for a second anyway, so this only has to
/// hold the certificates being asked for within one second.
const CAPACITY: usize = 4_096;

#[derive(Default)]
pub(super) struct RenderedMemo {
    /// The pages, a map per language ([`Lang::index`]).
    pages: [RwLock<HashMap<String, (Stamp, Rendered)>>; Lang::ALL.len()],
    api: RwLock<HashMap<String, (Stamp, Rendered)>>,
}

impl RenderedMemo {
    fn map(&self, kind: Kind) -> &RwLock<HashMap<String, (Stamp, Rendered)>> {
        match kind {
            Kind::Page(lang) => &self.pages[lang.index()],
            Kind::Api => &self.api,
        }
    }

    /// The answer for `id` rendered under exactly `stamp`, if there is one.
    pub(super) fn get(&self, kind: Kind, id: &str, stamp: Stamp) -> Option<Rendered> {
        let map = self.map(kind).read().unwrap_or_else(|p| p.into_inner());
        match map.get(id) {
            Some((at, rendered)) if *at == stamp => Some(rendered.clone()),
            _ => None,
        }
    }

    /// Keeps `rendered`, computed between reading `before` and `after`, unless
    /// something changed in between.
    pub(super) fn put(&self, kind: Kind, id: &str, before: Stamp, after: Stamp, rendered: Rendered) {
        if before != after {
            return;
        }
        let mut map = self.map(kind).write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CAPACITY && !map.contains_key(id) {
            map.clear();
        }
        map.insert(id.to_owned(), (before, rendered));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(sync: u64, cache: u64, second: i64) -> Stamp {
        Stamp { sync, cache, second }
    }

    fn answer(body: &str) -> Rendered {
        Rendered::page(Lang::En, StatusCode::OK, Verdict::Valid, body.to_owned())
    }

    #[test]
    fn answers_are_reused_only_under_the_same_stamp() {
        let memo = RenderedMemo::default();
        let s = stamp(1, 1, 100);
        let page = Kind::Page(Lang::En);
        memo.put(page, "NT-A", s, s, answer("a"));
        assert_eq!(memo.get(page, "NT-A", s).map(|r| r.body.clone()), Some(Bytes::from("a")));
        assert!(memo.get(Kind::Api, "NT-A", s).is_none(), "kinds are kept apart");
        assert!(memo.get(Kind::Page(Lang::De), "NT-A", s).is_none(), "languages are kept apart");
        assert!(memo.get(page, "NT-B", s).is_none());
        for other in [stamp(2, 1, 100), stamp(1, 2, 100), stamp(1, 1, 101)] {
            assert!(memo.get(page, "NT-A", other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn an_answer_that_straddled_a_change_is_not_kept() {
        let memo = RenderedMemo::default();
        memo.put(Kind::Api, "NT-A", stamp(1, 1, 100), stamp(1, 2, 100), answer("old"));
        assert!(memo.get(Kind::Api, "NT-A", stamp(1, 1, 100)).is_none());
        assert!(memo.get(Kind::Api, "NT-A", stamp(1, 2, 100)).is_none());
    }

    #[test]
    fn the_memo_is_bounded() {
        let memo = RenderedMemo::default();
        let s = stamp(0, 0, 0);
        for i in 0..CAPACITY + 10 {
            memo.put(Kind::Page(Lang::En), &format!("NT-{i}"), s, s, answer("x"));
        }
        assert!(memo.pages[0].read().map(|m| m.len()).unwrap_or(usize::MAX) <= CAPACITY);
        assert!(memo.get(Kind::Page(Lang::En), &format!("NT-{}", CAPACITY + 9), s).is_some());
    }

    #[test]
    fn a_compressed_answer_is_served_gzipped_to_who_accepts_it() {
        let body = "<p>VALID</p>".repeat(100);
        let r = Rendered::page(Lang::En, StatusCode::OK, Verdict::Valid, body.clone()).compressed();
        let gzip = HeaderValue::from_static("gzip");
        let response = r.response(Some(&gzip));
        assert_eq!(response.headers().get(header::CONTENT_ENCODING), Some(&HeaderValue::from_static("gzip")));
        let gzipped = r.gzipped.clone().unwrap_or_default();
        let mut plain = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut plain).ok();
        assert_eq!(plain, body);
        assert!(r.response(None).headers().get(header::CONTENT_ENCODING).is_none());
    }

    #[test]
    fn gzip_is_chosen_from_accept_encoding() {
        let value = |v: &'static str| Some(HeaderValue::from_static(v));
        for yes in ["gzip", "deflate, gzip;q=0.5", "br, *", "GZIP", "gzip;q=1.0"] {
            assert!(accepts_gzip(value(yes).as_ref()), "{yes}");
        }
        for no in ["", "deflate", "br, gzip;q=0", "gzip; q=0.0", "identity"] {
            assert!(!accepts_gzip(value(no).as_ref()), "{no}");
        }
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn the_response_carries_status_type_and_body() {
        let r = Rendered::json(StatusCode::NOT_FOUND, Verdict::Unknown, b"{}".to_vec());
        let response = r.response(None);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
    }
}
