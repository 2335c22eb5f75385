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
//!
//! When the stamp moved on but nothing the answer's verdict and text depend on did — the
//! second changed, or updates applied that touched neither this certificate nor the
//! trust list and organisations ([`crate::cache::Cache::unchanged_since`]), the cache is
//! fresh, and no time limit of the answer passed ([`Hit::Stale`]) — the answer kept is
//! served at once and rendered anew in the background (issue 49: the request that found
//! the answer out of date used to wait for its render, once per second per hot
//! certificate). Only where the answer says where its data comes from (`as_of`,
//! `checked_at`) is it then behind, by at most [`MAX_STALE_SECONDS`].

use super::i18n::Lang;
use crate::state::Stamp;
use axum::body::{Body, Bytes};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::Response;
use nanotrace_model::Verdict;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

/// Which representation of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// The oldest a kept answer served while it is rendered anew may be, in seconds: past it
/// (a render that does not finish, a cache that cannot be read) requests render again
/// themselves.
pub(super) const MAX_STALE_SECONDS: i64 = 2;

/// A kept answer with what it was rendered under.
#[derive(Debug)]
struct Entry {
    stamp: Stamp,
    /// The first second at which time alone could change its verdict (an expiry, the
    /// data's staleness limit): it is never served from that second on unless rendered
    /// again under it.
    changes_at: i64,
    rendered: Rendered,
}

/// A kept answer found for a request.
#[derive(Debug)]
pub(super) enum Hit {
    /// Rendered under the request's own stamp.
    Current(Rendered),
    /// Rendered under an earlier stamp with the same verdict and text, but an older
    /// `as_of`: serve it, and render it anew in the background.
    Stale(Rendered),
}

type Map = RwLock<HashMap<String, Entry>>;

#[derive(Default)]
pub(super) struct RenderedMemo {
    /// The pages, a map per language ([`Lang::index`]).
    pages: [Map; Lang::ALL.len()],
    api: Map,
    /// The answers being rendered anew in the background, so each has one render at a time.
    refreshing: Mutex<HashSet<(Kind, String)>>,
}

impl RenderedMemo {
    fn map(&self, kind: Kind) -> &Map {
        match kind {
            Kind::Page(lang) => &self.pages[lang.index()],
            Kind::Api => &self.api,
        }
    }

    /// The answer for `id` rendered under exactly `stamp`, or one rendered earlier within
    /// its time limits whose certificate, trust list and organisations are `unchanged`
    /// since the cache generation it was rendered under (a check that also says whether
    /// the cache is fresh now); `None` otherwise.
    pub(super) fn get(&self, kind: Kind, id: &str, stamp: Stamp, unchanged: impl FnOnce(u64) -> bool) -> Option<Hit> {
        let map = self.map(kind).read().unwrap_or_else(|p| p.into_inner());
        let entry = map.get(id)?;
        if entry.stamp == stamp {
            return Some(Hit::Current(entry.rendered.clone()));
        }
        let in_time = stamp.second < entry.changes_at
            && stamp.second >= entry.stamp.second
            && stamp.second - entry.stamp.second <= MAX_STALE_SECONDS;
        if in_time && unchanged(entry.stamp.cache) {
            return Some(Hit::Stale(entry.rendered.clone()));
        }
        None
    }

    /// Keeps `rendered`, computed between reading `before` and `after`, unless
    /// something changed in between; its verdict may change by time alone at `changes_at`.
    pub(super) fn put(&self, kind: Kind, id: &str, before: Stamp, after: Stamp, changes_at: i64, rendered: Rendered) {
        if before != after {
            return;
        }
        let mut map = self.map(kind).write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CAPACITY && !map.contains_key(id) {
            map.clear();
        }
        map.insert(id.to_owned(), Entry { stamp: before, changes_at, rendered });
    }

    /// Forgets the answer for `id` (its render anew found nothing to keep).
    pub(super) fn remove(&self, kind: Kind, id: &str) {
        self.map(kind).write().unwrap_or_else(|p| p.into_inner()).remove(id);
    }

    /// Marks the answer for `id` as being rendered anew: `None` if it already is. The
    /// mark is removed when the returned guard is dropped.
    pub(super) fn begin_refresh(self: &Arc<Self>, kind: Kind, id: &str) -> Option<Refreshing> {
        let mut refreshing = self.refreshing.lock().unwrap_or_else(|p| p.into_inner());
        refreshing.insert((kind, id.to_owned())).then(|| Refreshing { memo: self.clone(), kind, id: id.to_owned() })
    }
}

/// An answer being rendered anew ([`RenderedMemo::begin_refresh`]); dropped, it is not.
#[derive(Debug)]
pub(super) struct Refreshing {
    memo: Arc<RenderedMemo>,
    kind: Kind,
    id: String,
}

impl Drop for Refreshing {
    fn drop(&mut self) {
        let mut refreshing = self.memo.refreshing.lock().unwrap_or_else(|p| p.into_inner());
        refreshing.remove(&(self.kind, std::mem::take(&mut self.id)));
    }
}

impl std::fmt::Debug for RenderedMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedMemo").finish_non_exhaustive()
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

    /// Never an answer that changed since the generation it was rendered under.
    fn changed(_: u64) -> bool {
        false
    }

    fn current(hit: Option<Hit>) -> Option<Bytes> {
        match hit {
            Some(Hit::Current(r)) => Some(r.body),
            _ => None,
        }
    }

    fn stale(hit: Option<Hit>) -> Option<Bytes> {
        match hit {
            Some(Hit::Stale(r)) => Some(r.body),
            _ => None,
        }
    }

    /// No time limit of its own.
    const LATER: i64 = i64::MAX;

    #[test]
    fn answers_are_current_only_under_the_same_stamp() {
        let memo = RenderedMemo::default();
        let s = stamp(1, 1, 100);
        let page = Kind::Page(Lang::En);
        memo.put(page, "NT-A", s, s, LATER, answer("a"));
        assert_eq!(current(memo.get(page, "NT-A", s, changed)), Some(Bytes::from("a")));
        assert!(memo.get(Kind::Api, "NT-A", s, changed).is_none(), "kinds are kept apart");
        assert!(memo.get(Kind::Page(Lang::De), "NT-A", s, changed).is_none(), "languages are kept apart");
        assert!(memo.get(page, "NT-B", s, changed).is_none());
        // A new generation whose updates may have touched it: rendered again first.
        assert!(memo.get(page, "NT-A", stamp(1, 2, 100), changed).is_none());
        // Another second or follower status, same generation: served as kept, marked
        // stale — while the check says nothing changed (and the cache is fresh).
        for other in [stamp(2, 1, 100), stamp(1, 1, 101)] {
            assert_eq!(stale(memo.get(page, "NT-A", other, |g| g == 1)), Some(Bytes::from("a")), "{other:?}");
            assert!(memo.get(page, "NT-A", other, changed).is_none(), "{other:?}");
        }
    }

    #[test]
    fn a_kept_answer_is_served_while_rendered_anew_only_within_its_limits() {
        let memo = RenderedMemo::default();
        let page = Kind::Page(Lang::En);
        memo.put(page, "NT-A", stamp(1, 1, 100), stamp(1, 1, 100), 103, answer("a"));
        // Updates since that did not touch it (the cache says so for generation 1).
        let untouched = |g: u64| g == 1;
        assert!(stale(memo.get(page, "NT-A", stamp(5, 4, 101), untouched)).is_some());
        assert!(memo.get(page, "NT-A", stamp(5, 4, 101), changed).is_none(), "touched since");
        assert!(stale(memo.get(page, "NT-A", stamp(1, 1, 100 + MAX_STALE_SECONDS), untouched)).is_some());
        // Its verdict could change by time alone from second 103: never served then.
        memo.put(page, "NT-B", stamp(1, 1, 102), stamp(1, 1, 102), 103, answer("b"));
        assert!(stale(memo.get(page, "NT-B", stamp(1, 1, 102), untouched)).is_none());
        assert!(current(memo.get(page, "NT-B", stamp(1, 1, 102), untouched)).is_some());
        assert!(memo.get(page, "NT-B", stamp(2, 1, 103), untouched).is_none(), "at its time limit");
        // Older than MAX_STALE_SECONDS, or from a later second (a clock set back): not served.
        assert!(memo.get(page, "NT-A", stamp(1, 1, 101 + MAX_STALE_SECONDS), untouched).is_none());
        assert!(memo.get(page, "NT-A", stamp(2, 1, 99), untouched).is_none());
        // Forgotten: nothing.
        memo.remove(page, "NT-A");
        assert!(memo.get(page, "NT-A", stamp(1, 1, 100), untouched).is_none());
    }

    #[test]
    fn one_render_anew_at_a_time_per_answer() {
        let memo = Arc::new(RenderedMemo::default());
        let first = memo.begin_refresh(Kind::Api, "NT-A");
        assert!(first.is_some());
        assert!(memo.begin_refresh(Kind::Api, "NT-A").is_none(), "already being rendered");
        assert!(memo.begin_refresh(Kind::Page(Lang::En), "NT-A").is_some(), "another kind");
        assert!(memo.begin_refresh(Kind::Api, "NT-B").is_some(), "another certificate");
        drop(first);
        assert!(memo.begin_refresh(Kind::Api, "NT-A").is_some(), "done: may be rendered again");
    }

    #[test]
    fn an_answer_that_straddled_a_change_is_not_kept() {
        let memo = RenderedMemo::default();
        memo.put(Kind::Api, "NT-A", stamp(1, 1, 100), stamp(1, 2, 100), LATER, answer("old"));
        assert!(memo.get(Kind::Api, "NT-A", stamp(1, 1, 100), changed).is_none());
        assert!(memo.get(Kind::Api, "NT-A", stamp(1, 2, 100), changed).is_none());
    }

    #[test]
    fn the_memo_is_bounded() {
        let memo = RenderedMemo::default();
        let s = stamp(0, 0, 0);
        for i in 0..CAPACITY + 10 {
            memo.put(Kind::Page(Lang::En), &format!("NT-{i}"), s, s, LATER, answer("x"));
        }
        assert!(memo.pages[0].read().map(|m| m.len()).unwrap_or(usize::MAX) <= CAPACITY);
        assert!(memo.get(Kind::Page(Lang::En), &format!("NT-{}", CAPACITY + 9), s, changed).is_some());
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
