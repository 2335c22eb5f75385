//! Rendered answers, reused while nothing they depend on changes.
//!
//! A certificate's page (in each language) and JSON answer are functions of its record,
//! the trust list and the organisations, the cache's freshness, and the second asked in:
//! the verdict turns EXPIRED on the second, and the answer says where its data comes from
//! (`as_of`: block, sync time, age; `checked_at`). That last part — its *freshness* — is
//! the only text that moves while the ledger does not touch the certificate, so an answer
//! is kept with where its freshness lies ([`Rendered::fresh`]).
//!
//! A request finds the answer kept for its certificate ([`RenderedMemo::get`]):
//! - rendered under the request's own [`Stamp`] (follower status, cache generation,
//!   second): served as it is;
//! - rendered earlier ([`Hit::Earlier`]): served with its freshness written anew — when
//!   no update since touched the certificate, the trust list or the organisations, the
//!   cache is fresh, and no time limit of its verdict has passed
//!   ([`super::lookup::kept`]) — and kept so; otherwise rendered anew.
//!
//! An answer is kept only if the stamp read before computing it equals the stamp read
//! after, so an answer that straddled an update (a revocation, say) is never reused.
//!
//! The answers kept are bounded by bytes ([`RenderedMemo::new`], `--answer-cache-mb`),
//! least recently used first out, in shards so that requests on two cores seldom wait for
//! each other (issue 49: a map of 4,096 answers per kind that started over when full, and
//! answers good for two seconds, made lookups spread over 10,000 certificates render
//! most of their answers).

use super::i18n::Lang;
use crate::state::Stamp;
use axum::body::{Body, Bytes};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::Response;
use nanotrace_model::Verdict;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

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
    /// The body gzipped, made by the first request that accepts gzip and shared by every
    /// clone (rather than by the compression layer on every request).
    gzipped: Arc<OnceLock<Option<Bytes>>>,
    /// Where in `body` the answer says how fresh its data is (`as_of`, `checked_at`): the
    /// bytes [`Rendered::freshened`] writes anew. `None`: only ever served as rendered.
    pub(super) fresh: Option<Range<usize>>,
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

    /// An answer of `kind` with `body`.
    pub(super) fn of_kind(kind: Kind, status: StatusCode, verdict: Verdict, body: Vec<u8>) -> Self {
        match kind {
            Kind::Api => Self::json(status, verdict, body),
            Kind::Page(lang) => {
                let mut page =
                    Self::new(status, HeaderValue::from_static("text/html; charset=utf-8"), verdict, body.into());
                page.lang = Some(lang);
                page
            }
        }
    }

    fn new(status: StatusCode, content_type: HeaderValue, verdict: Verdict, body: Bytes) -> Self {
        Rendered { status, content_type, gzipped: Arc::default(), body, fresh: None, verdict, lang: None }
    }

    /// With its freshness at `range` of the body.
    pub(super) fn with_fresh(mut self, range: Range<usize>) -> Self {
        self.fresh = (range.start <= range.end && range.end <= self.body.len()).then_some(range);
        self
    }

    /// This answer with `fresh` in place of its freshness; `None` if it has none.
    pub(super) fn freshened(&self, fresh: &[u8]) -> Option<Rendered> {
        let range = self.fresh.clone()?;
        let mut body = Vec::with_capacity(self.body.len() - range.len() + fresh.len());
        body.extend_from_slice(&self.body[..range.start]);
        body.extend_from_slice(fresh);
        body.extend_from_slice(&self.body[range.end..]);
        Some(Rendered {
            body: body.into(),
            gzipped: Arc::default(),
            fresh: Some(range.start..range.start + fresh.len()),
            ..self.clone()
        })
    }

    /// The bytes this answer holds: its body, and its gzipped body once a request made it.
    /// (Counting half the body again for a gzip that clients who do not accept gzip never
    /// make kept a third fewer answers than the memory given holds.)
    fn bytes(&self) -> usize {
        self.body.len() + self.gzipped_len()
    }

    /// The gzipped body's bytes; 0 until a request that accepts gzip made it.
    fn gzipped_len(&self) -> usize {
        self.gzipped.get().and_then(Option::as_ref).map_or(0, Bytes::len)
    }

    /// The answer as a response: gzipped when the request's `Accept-Encoding` allows it.
    pub(super) fn response(&self, accept_encoding: Option<&HeaderValue>) -> Response {
        let gzipped =
            if accepts_gzip(accept_encoding) { self.gzipped.get_or_init(|| gzip(&self.body)).clone() } else { None };
        let (body, encoded) = match gzipped {
            Some(gzipped) => (gzipped, true),
            None => (self.body.clone(), false),
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        match self.lang {
            Some(lang) => super::headers::set_language_headers(headers, lang),
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

/// The shards the answers kept are split into, by certificate ID.
const SHARDS: usize = 16;

/// What an answer kept costs besides its bytes (its entry, key and map slot), for the
/// memory bound.
const ENTRY_OVERHEAD: usize = 256;

/// A kept answer with what it was rendered under.
#[derive(Debug)]
struct Entry {
    stamp: Stamp,
    /// The first second at which time alone changes its verdict (a VALID certificate's
    /// expiry; the second it was rendered in for one that must not outlive it): never
    /// served from that second on.
    changes_at: i64,
    rendered: Rendered,
    /// The bytes it counts for in its shard.
    size: usize,
    /// Whether `size` counts the gzipped body: made after the answer was kept, by the
    /// first request that accepts gzip, and counted by the next lookup that finds it.
    gzip_counted: bool,
}

/// A kept answer found for a request.
#[derive(Debug)]
pub(super) enum Hit {
    /// Rendered under the request's own stamp.
    Current(Rendered),
    /// Rendered under an earlier stamp: still the answer if nothing it depends on changed
    /// since `generation`, no later than `changes_at`, with its freshness written anew.
    Earlier(Earlier),
}

/// An answer rendered under an earlier stamp ([`Hit::Earlier`]).
#[derive(Debug)]
pub(super) struct Earlier {
    pub(super) rendered: Rendered,
    /// The cache generation it was rendered under.
    pub(super) generation: u64,
    /// The second it was rendered in.
    pub(super) second: i64,
    /// The first second it must not be served in.
    pub(super) changes_at: i64,
}

/// One shard: its answers, least recently used first out, and their bytes.
struct Shard {
    answers: lru::LruCache<(Kind, String), Entry>,
    bytes: usize,
}

pub(super) struct RenderedMemo {
    shards: Vec<Mutex<Shard>>,
    /// Bytes each shard may hold.
    shard_budget: usize,
}

impl Default for RenderedMemo {
    fn default() -> Self {
        Self::new(DEFAULT_BYTES)
    }
}

/// The answers kept by default: 256 MiB (`--answer-cache-mb`).
pub(super) const DEFAULT_BYTES: usize = 256 << 20;

impl RenderedMemo {
    /// Keeps at most about `bytes` of answers.
    pub(super) fn new(bytes: usize) -> Self {
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard { answers: lru::LruCache::unbounded(), bytes: 0 })).collect();
        RenderedMemo { shards, shard_budget: bytes / SHARDS }
    }

    fn shard(&self, id: &str) -> &Mutex<Shard> {
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(id);
        &self.shards[(hash % SHARDS as u64) as usize]
    }

    /// The answer kept for `id`: current under `stamp`, or rendered earlier.
    pub(super) fn get(&self, kind: Kind, id: &str, stamp: Stamp) -> Option<Hit> {
        let mut shard = self.shard(id).lock().unwrap_or_else(|p| p.into_inner());
        let entry = shard.answers.get_mut(&(kind, id.to_owned()))?;
        let hit = if entry.stamp == stamp {
            Hit::Current(entry.rendered.clone())
        } else {
            Hit::Earlier(Earlier {
                rendered: entry.rendered.clone(),
                generation: entry.stamp.cache,
                second: entry.stamp.second,
                changes_at: entry.changes_at,
            })
        };
        let gzipped = if entry.gzip_counted { 0 } else { entry.rendered.gzipped_len() };
        if gzipped > 0 {
            entry.size += gzipped;
            entry.gzip_counted = true;
            shard.bytes += gzipped;
            // The answer just asked for is the most recently used: the others go first.
            self.evict(&mut shard);
        }
        Some(hit)
    }

    /// Drops the least recently asked answers until the shard is within its budget.
    fn evict(&self, shard: &mut Shard) {
        while shard.bytes > self.shard_budget {
            let Some((_, old)) = shard.answers.pop_lru() else { break };
            shard.bytes -= old.size;
        }
    }

    /// Keeps `rendered`, computed between reading `before` and `after`, unless
    /// something changed in between; its verdict may change by time alone at `changes_at`.
    pub(super) fn put(&self, kind: Kind, id: &str, before: Stamp, after: Stamp, changes_at: i64, rendered: Rendered) {
        if before != after {
            return;
        }
        let size = rendered.bytes() + id.len() + ENTRY_OVERHEAD;
        if size > self.shard_budget {
            return;
        }
        let gzip_counted = rendered.gzipped_len() > 0;
        let mut shard = self.shard(id).lock().unwrap_or_else(|p| p.into_inner());
        let entry = Entry { stamp: before, changes_at, rendered, size, gzip_counted };
        if let Some(old) = shard.answers.put((kind, id.to_owned()), entry) {
            shard.bytes -= old.size;
        }
        shard.bytes += size;
        self.evict(&mut shard);
    }

    /// Forgets the answer for `id`.
    pub(super) fn remove(&self, kind: Kind, id: &str) {
        let mut shard = self.shard(id).lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = shard.answers.pop(&(kind, id.to_owned())) {
            shard.bytes -= old.size;
        }
    }

    /// The bytes it keeps at most.
    pub(super) fn limit(&self) -> usize {
        self.shard_budget * SHARDS
    }

    /// How many answers are kept, and their bytes.
    pub(super) fn usage(&self) -> (usize, usize) {
        self.shards.iter().fold((0, 0), |(n, b), shard| {
            let shard = shard.lock().unwrap_or_else(|p| p.into_inner());
            (n + shard.answers.len(), b + shard.bytes)
        })
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

    fn current(hit: Option<Hit>) -> Option<Bytes> {
        match hit {
            Some(Hit::Current(r)) => Some(r.body),
            _ => None,
        }
    }

    fn earlier(hit: Option<Hit>) -> Option<Earlier> {
        match hit {
            Some(Hit::Earlier(e)) => Some(e),
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
        assert_eq!(current(memo.get(page, "NT-A", s)), Some(Bytes::from("a")));
        assert!(memo.get(Kind::Api, "NT-A", s).is_none(), "kinds are kept apart");
        assert!(memo.get(Kind::Page(Lang::De), "NT-A", s).is_none(), "languages are kept apart");
        assert!(memo.get(page, "NT-B", s).is_none());
        // Another generation, follower status or second: found as rendered earlier, with
        // what it was rendered under, for the caller to judge.
        for other in [stamp(1, 2, 100), stamp(2, 1, 100), stamp(1, 1, 101)] {
            let found = earlier(memo.get(page, "NT-A", other)).expect("rendered earlier");
            assert_eq!((found.generation, found.second, found.changes_at), (1, 100, LATER), "{other:?}");
            assert_eq!(found.rendered.body, Bytes::from("a"));
        }
        // Forgotten: nothing.
        memo.remove(page, "NT-A");
        assert!(memo.get(page, "NT-A", s).is_none());
    }

    #[test]
    fn an_answer_that_straddled_a_change_is_not_kept() {
        let memo = RenderedMemo::default();
        memo.put(Kind::Api, "NT-A", stamp(1, 1, 100), stamp(1, 2, 100), LATER, answer("old"));
        assert!(memo.get(Kind::Api, "NT-A", stamp(1, 1, 100)).is_none());
        assert!(memo.get(Kind::Api, "NT-A", stamp(1, 2, 100)).is_none());
    }

    #[test]
    fn a_freshened_answer_has_only_its_freshness_written_anew() {
        let kept = answer("<p>VALID</p><p class=fresh>block 7, 3 s ago</p><footer>").with_fresh(12..47);
        assert_eq!(&kept.body[12..47], b"<p class=fresh>block 7, 3 s ago</p>");
        let fresh = kept.freshened(b"<p class=fresh>block 12, 0 s ago</p>").expect("it has a freshness");
        assert_eq!(fresh.body, Bytes::from("<p>VALID</p><p class=fresh>block 12, 0 s ago</p><footer>"));
        assert_eq!(fresh.fresh, Some(12..48), "where the new one lies");
        assert_eq!((fresh.status, fresh.verdict, fresh.lang), (kept.status, kept.verdict, kept.lang));
        let again = fresh.freshened(b"<p class=fresh>x</p>").expect("again");
        assert_eq!(again.body, Bytes::from("<p>VALID</p><p class=fresh>x</p><footer>"));
        // An answer without one, or with a range outside its body, is not freshened.
        assert!(answer("plain").freshened(b"x").is_none());
        assert!(answer("short").with_fresh(2..10).freshened(b"x").is_none());
    }

    #[test]
    fn the_memo_is_bounded_by_bytes_and_keeps_the_most_recently_asked() {
        // 16 shards of 64 KiB; answers of 4 KiB (and their entries' 256 bytes): 15 a shard.
        let memo = RenderedMemo::new(SHARDS * 64 * 1024);
        let s = stamp(0, 0, 0);
        let body = "x".repeat(4096);
        memo.put(Kind::Api, "NT-HOT", s, s, LATER, answer(&body));
        for i in 0..2_000 {
            memo.put(Kind::Api, &format!("NT-{i}"), s, s, LATER, answer(&body));
            // The hot one is asked for all along.
            assert!(memo.get(Kind::Api, "NT-HOT", s).is_some(), "the hot answer was pushed out at {i}");
        }
        let (count, bytes) = memo.usage();
        assert!(bytes <= SHARDS * 64 * 1024, "{bytes} bytes kept");
        assert!((SHARDS * 12..=SHARDS * 15).contains(&count), "{count} answers kept");
        assert!(memo.get(Kind::Api, "NT-1999", s).is_some(), "the newest is kept");
        assert!(memo.get(Kind::Api, "NT-0", s).is_none(), "the oldest went first");
        // Replacing an answer counts its bytes once; removing it gives them back.
        memo.put(Kind::Api, "NT-1999", s, s, LATER, answer(&body));
        memo.remove(Kind::Api, "NT-1999");
        memo.remove(Kind::Api, "NT-HOT");
        assert_eq!(memo.usage().0, count - 2);
        // An answer larger than a shard is not kept.
        memo.put(Kind::Api, "NT-BIG", s, s, LATER, answer(&"x".repeat(128 * 1024)));
        assert!(memo.get(Kind::Api, "NT-BIG", s).is_none());
    }

    #[test]
    fn a_gzipped_body_is_counted_once_a_request_made_it() {
        let memo = RenderedMemo::default();
        let s = stamp(0, 0, 0);
        let body = "<p>VALID</p>".repeat(300);
        memo.put(Kind::Api, "NT-A", s, s, LATER, answer(&body));
        let (_, plain) = memo.usage();
        assert_eq!(plain, body.len() + "NT-A".len() + ENTRY_OVERHEAD, "only the body, until a gzip is made");
        // Served to a client that does not accept gzip: still the body alone.
        current(memo.get(Kind::Api, "NT-A", s));
        assert_eq!(memo.usage().1, plain);
        // A request that accepts gzip makes it; the next lookup counts it, and only once.
        let Some(Hit::Current(kept)) = memo.get(Kind::Api, "NT-A", s) else { panic!("kept") };
        kept.response(Some(&HeaderValue::from_static("gzip")));
        let gzipped = kept.gzipped_len();
        assert!(gzipped > 0 && gzipped < body.len(), "{gzipped} bytes gzipped");
        memo.get(Kind::Api, "NT-A", s);
        memo.get(Kind::Api, "NT-A", s);
        assert_eq!(memo.usage().1, plain + gzipped);
        memo.remove(Kind::Api, "NT-A");
        assert_eq!(memo.usage(), (0, 0), "removing it gives back all it counted");
    }

    #[test]
    fn answers_grown_by_their_gzip_push_the_least_recently_asked_out() {
        // One shard's budget holds four bodies alone; their gzips make room for fewer.
        let body: String = (0..3000).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
        let one = body.len() + "NT-0".len() + ENTRY_OVERHEAD;
        let memo = RenderedMemo::new(SHARDS * (4 * one + 16));
        let s = stamp(0, 0, 0);
        // Four IDs of one shard.
        let ids: Vec<String> = (0..)
            .map(|i| format!("NT-{i}"))
            .filter(|id| std::ptr::eq(memo.shard(id), memo.shard("NT-0")))
            .take(4)
            .collect();
        for id in &ids {
            memo.put(Kind::Api, id, s, s, LATER, answer(&body));
        }
        assert_eq!(memo.usage().0, 4, "the bodies alone fit");
        let gzip = HeaderValue::from_static("gzip");
        for id in &ids[1..] {
            let Some(Hit::Current(kept)) = memo.get(Kind::Api, id, s) else { panic!("{id} kept") };
            kept.response(Some(&gzip));
            memo.get(Kind::Api, id, s);
        }
        assert!(memo.usage().1 <= 4 * one + 16, "{} bytes over the budget", memo.usage().1);
        assert!(memo.get(Kind::Api, &ids[0], s).is_none(), "the least recently asked went");
        assert!(ids[1..].iter().all(|id| memo.get(Kind::Api, id, s).is_some()), "the ones asked stay");
    }

    #[test]
    fn a_compressed_answer_is_served_gzipped_to_who_accepts_it() {
        let body = "<p>VALID</p>".repeat(100);
        let r = Rendered::page(Lang::En, StatusCode::OK, Verdict::Valid, body.clone());
        assert!(r.gzipped.get().is_none(), "made by the first request that accepts gzip");
        let gzip = HeaderValue::from_static("gzip");
        let response = r.clone().response(Some(&gzip));
        assert_eq!(response.headers().get(header::CONTENT_ENCODING), Some(&HeaderValue::from_static("gzip")));
        let gzipped = r.gzipped.get().cloned().flatten().unwrap_or_default();
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
