//! A certificate's answers rendered when the follower writes its record, stored in the
//! cache ([`crate::cache::Renderer`]), and served with one `pread` and their
//! freshness written anew (issue 76: a certificate's first ask as cheap as its
//! hundredth, without holding every answer in memory).
//!
//! Stored: the JSON answer and the page in English, the language a page is served in
//! when the reader's browser asks for none of the others — what a scanned label's first
//! ask gets. The pages in the other languages are rendered when asked for, as before,
//! and kept in memory: storing them too would triple the answers' bytes on disk (a page
//! is ~10 KB, the JSON ~3.3 KB) and their render time in the cache build, for the share
//! of readers whose browsers prefer German or French.
//!
//! An answer is rendered exactly as [`super::router`] renders it for a lookup made in the
//! same second (the tests compare them byte for byte), with a placeholder where its
//! freshness goes (block, sync time, age, `checked_at`): a lookup writes that part anew,
//! as for a kept answer ([`super::lookup::kept`]). It is served only
//! - while the cache is fresh (a stale cache answers UNVERIFIABLE, rendered as before);
//! - from the second it was rendered in (a clock set back renders anew) until the first
//!   second at which time alone changes its verdict (a VALID certificate's expiry);
//! - under the trust list, organisations and renderer it was rendered under (checked by
//!   the cache: [`crate::cache::Cache::stored_answers`]).
//!
//! Every write of a record writes its answers or deletes them, in the same batch, so no
//! answer of an older record is ever served; anything else (no answers stored yet, a
//! trust-list change not rendered again yet, a record read through on a miss) is
//! answered as before.
//!
//! The stored bytes: a format byte, the second rendered in and the first second not to
//! serve in (8 bytes each, big-endian), the verdict (its place in [`Verdict::ALL`]), the
//! number of answers; then each answer: its kind ([`tag`]), HTTP status (2 bytes), whether
//! it is a page without its frame (then its title, 4 bytes of length first: the frame,
//! the same for every page in a language, is not stored with each), where its freshness
//! lies (4 + 4 bytes), its length (4 bytes) and its body (a page's: inside `<main>`).

use super::i18n::Lang;
use super::lookup::{Answers, Lookup};
use super::metrics::Metrics;
use super::rendered::{Kind, Rendered};
use crate::cache::{Renderer, ToRender};
use crate::state::{AppState, AsOf, Judged};
use axum::http::StatusCode;
use nanotrace_model::{CertificateRecord, Verdict};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::sync::Arc;

/// The stored bytes' format.
const FORMAT: u8 = 1;

/// The answers stored for a certificate, in order.
const STORED: [Kind; 2] = [Kind::Api, Kind::Page(Lang::En)];

/// The kinds of answer stored, by their byte; `None` for the ones rendered when asked.
fn tag(kind: Kind) -> Option<u8> {
    STORED.iter().position(|k| *k == kind).and_then(|i| u8::try_from(i).ok())
}

/// Renders the answer of a kind on a certificate from its lookup, for answers served
/// under a public URL: the router's (which knows the pages and the API), given to
/// [`Prerender::with`] by `Prerender::new` in the router.
pub(super) type RenderKind = fn(&str, Kind, &str, &Lookup) -> Rendered;

/// Renders a certificate's answers for the cache, as the router renders them
/// (`Prerender::new`, in the router).
#[derive(Debug)]
pub struct Prerender {
    public_url: Arc<str>,
    identity: [u8; 16],
    render: RenderKind,
    /// The specimen certificate's answers, which every certificate's are compressed
    /// against ([`Renderer::dictionary`]).
    dictionary: Vec<u8>,
}

/// A certificate as a manufacturer and a certifier make one (its record and audit trail,
/// as the ledger holds them): its answers, rendered by this build, are the dictionary the
/// stored answers are compressed against — the names, labels and markup every
/// certificate's answers share. Not a certificate anyone holds: its ID is of no ledger.
const SPECIMEN: &str = include_str!("specimen.json");

impl Prerender {
    /// A renderer of the answers served under `public_url`, rendered by `render`.
    pub(super) fn with(public_url: &str, render: RenderKind) -> Self {
        let mut prerender =
            Prerender { public_url: public_url.into(), identity: [0; 16], render, dictionary: Vec::new() };
        prerender.dictionary = prerender.specimen().unwrap_or_else(|| {
            tracing::warn!(
                "the specimen certificate renders no answers: stored answers are compressed without a dictionary"
            );
            Vec::new()
        });
        prerender.identity = identity(public_url, &prerender.dictionary);
        prerender
    }

    /// The specimen certificate's answers, as stored ([`SPECIMEN`]).
    fn specimen(&self) -> Option<Vec<u8>> {
        let record: CertificateRecord = serde_json::from_str(SPECIMEN).ok()?;
        let at = record.certificate.status_since;
        self.render(&ToRender { record: &record, authenticity: Some(&Ok(())), issuers: &[], organizations: &[], at })
    }
}

/// What the answers depend on besides the data: the stored format, the public URL, the
/// dictionary they are compressed against, and this build of the verifier (its templates
/// and messages) — told by the version and the executable's size and time, so that a new
/// build renders every answer anew rather than serve another build's pages. Unknown (no
/// executable to look at): this process's start, so that nothing stored by another is
/// taken.
fn identity(public_url: &str, dictionary: &[u8]) -> [u8; 16] {
    let mut hash = Sha256::new();
    hash.update([FORMAT]);
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    hash.update([0]);
    hash.update(public_url.as_bytes());
    hash.update([0]);
    hash.update(Sha256::digest(dictionary));
    let build = std::env::current_exe().and_then(std::fs::metadata).and_then(|m| Ok((m.len(), m.modified()?)));
    match build {
        Ok((len, modified)) => {
            hash.update(len.to_be_bytes());
            let since = modified.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            hash.update(since.as_nanos().to_be_bytes());
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell this build apart: stored answers are rendered anew");
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            hash.update(now.as_nanos().to_be_bytes());
        }
    }
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&hash.finalize()[..16]);
    digest
}

/// The freshness a stored answer is rendered with: replaced whenever it is served.
fn placeholder() -> AsOf {
    AsOf { block: 0, tx_id: String::new(), block_time: 0, synced_at: None, age_seconds: None }
}

impl Renderer for Prerender {
    fn identity(&self) -> [u8; 16] {
        self.identity
    }

    fn dictionary(&self) -> &[u8] {
        &self.dictionary
    }

    fn render(&self, what: &ToRender<'_>) -> Option<Vec<u8>> {
        let id = what.record.certificate.id.as_str();
        let view = Judged {
            id,
            cached: Some(what.record.clone()),
            authenticity: what.authenticity.cloned(),
            stale: None,
            as_of: placeholder(),
            now: what.at,
        }
        .view();
        let found =
            Lookup { view, issuers: what.issuers.to_vec(), organizations: what.organizations.to_vec(), readable: true };
        // What is never kept is never stored either (an ACTIVE record without issuance).
        if matches!(found.verdict(), Verdict::Unknown | Verdict::Unverifiable) {
            return None;
        }
        let mut out = Vec::with_capacity(16 * 1024);
        out.push(FORMAT);
        out.extend_from_slice(&what.at.to_be_bytes());
        out.extend_from_slice(&found.changes_at(what.at).to_be_bytes());
        out.push(u8::try_from(Verdict::ALL.iter().position(|v| *v == found.verdict())?).ok()?);
        out.push(u8::try_from(STORED.len()).ok()?);
        for (i, kind) in STORED.into_iter().enumerate() {
            let rendered = (self.render)(&self.public_url, kind, id, &found);
            let fresh = rendered.fresh.clone()?;
            if rendered.status == StatusCode::INTERNAL_SERVER_ERROR {
                return None;
            }
            out.push(u8::try_from(i).ok()?);
            out.extend_from_slice(&rendered.status.as_u16().to_be_bytes());
            // A page without its frame, which is the same for every page in its language.
            let (title, content, offset) = match rendered.lang.and_then(|lang| unframe(lang, &rendered.body)) {
                Some((title, inner)) => (Some(title), inner, rendered.body.len() - inner.len() - frame_tail(&rendered)),
                None => (None, &rendered.body[..], 0),
            };
            let fresh = fresh.start.checked_sub(offset)?..fresh.end.checked_sub(offset)?;
            if fresh.end > content.len() {
                return None;
            }
            match title {
                Some(title) => {
                    out.push(FRAMED);
                    out.extend_from_slice(&u32::try_from(title.len()).ok()?.to_be_bytes());
                    out.extend_from_slice(title);
                }
                None => out.push(WHOLE),
            }
            out.extend_from_slice(&u32::try_from(fresh.start).ok()?.to_be_bytes());
            out.extend_from_slice(&u32::try_from(fresh.end).ok()?.to_be_bytes());
            out.extend_from_slice(&u32::try_from(content.len()).ok()?.to_be_bytes());
            out.extend_from_slice(content);
        }
        Some(out)
    }
}

/// An answer stored as rendered.
const WHOLE: u8 = 0;
/// A page stored without its frame ([`frame`]): its title, then what is inside `<main>`.
const FRAMED: u8 = 1;

/// The frame of every page in a language, around a title and a body: what comes before
/// the title, between the title and the body, and after the body — ~6.6 of a page's
/// ~9.3 KB (its styles), stored once rather than with every certificate.
struct Frame {
    head: String,
    middle: String,
    tail: String,
}

/// The frame of the pages in `lang` (made once).
fn frame(lang: Lang) -> Option<&'static Frame> {
    static FRAMES: [std::sync::OnceLock<Option<Frame>>; Lang::ALL.len()] =
        [const { std::sync::OnceLock::new() }; Lang::ALL.len()];
    FRAMES
        .get(lang.index())?
        .get_or_init(|| {
            const TITLE: &str = "\u{1}title\u{1}";
            const BODY: &str = "\u{1}body\u{1}";
            let page = super::pages::layout(lang, TITLE, BODY, "");
            let (head, rest) = page.split_once(TITLE)?;
            let (middle, tail) = rest.split_once(BODY)?;
            Some(Frame { head: head.to_owned(), middle: middle.to_owned(), tail: tail.to_owned() })
        })
        .as_ref()
}

/// The (escaped) title and the inside of `page` in `lang`, if it is framed as every page
/// in that language is.
fn unframe(lang: Lang, page: &[u8]) -> Option<(&[u8], &[u8])> {
    let frame = frame(lang)?;
    let rest = page.strip_prefix(frame.head.as_bytes())?.strip_suffix(frame.tail.as_bytes())?;
    let at = rest.windows(frame.middle.len()).position(|w| w == frame.middle.as_bytes())?;
    Some((&rest[..at], &rest[at + frame.middle.len()..]))
}

/// The length of the frame after a page's inside (0 for an answer that is not a page).
fn frame_tail(rendered: &Rendered) -> usize {
    rendered.lang.and_then(frame).map_or(0, |f| f.tail.len())
}

/// Reads big-endian numbers off the stored bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<usize> {
        usize::try_from(u32::from_be_bytes(self.take(4)?.try_into().ok()?)).ok()
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// One stored answer, its freshness written anew.
struct Found {
    status: StatusCode,
    verdict: Verdict,
    body: Vec<u8>,
    fresh: Range<usize>,
    changes_at: i64,
}

/// The stored answer of kind `tag` (a page: in `lang`) in `bytes` if it may be served at
/// `at`, with its freshness replaced by `fresh()`; `None` if not (or if the bytes do not
/// read).
fn read(bytes: &[u8], tag: u8, lang: Option<Lang>, at: i64, fresh: impl FnOnce() -> Vec<u8>) -> Option<Found> {
    let mut r = Reader(bytes);
    if r.u8()? != FORMAT {
        return None;
    }
    let (second, changes_at) = (r.i64()?, r.i64()?);
    if at < second || at >= changes_at {
        return None;
    }
    let verdict = *Verdict::ALL.get(usize::from(r.u8()?))?;
    for _ in 0..r.u8()? {
        let (kind, status, framing) = (r.u8()?, r.u16()?, r.u8()?);
        let title = match framing {
            FRAMED => {
                let len = r.u32()?;
                Some(r.take(len)?)
            }
            WHOLE => None,
            _ => return None,
        };
        let (start, end, len) = (r.u32()?, r.u32()?, r.u32()?);
        let content = r.take(len)?;
        if kind != tag {
            continue;
        }
        if start > end || end > content.len() {
            return None;
        }
        let frame = match title {
            Some(title) => Some((frame(lang?)?, title)),
            None => None,
        };
        let fresh = fresh();
        // Exactly its length: a body whose capacity is its length becomes the response's
        // bytes without another allocation (`Bytes::from(Vec)`).
        let framing = frame.map_or(0, |(f, title)| f.head.len() + title.len() + f.middle.len() + f.tail.len());
        let mut body = Vec::with_capacity(framing + content.len() - (end - start) + fresh.len());
        if let Some((frame, title)) = frame {
            body.extend_from_slice(frame.head.as_bytes());
            body.extend_from_slice(title);
            body.extend_from_slice(frame.middle.as_bytes());
        }
        let offset = body.len();
        body.extend_from_slice(&content[..start]);
        body.extend_from_slice(&fresh);
        body.extend_from_slice(&content[end..]);
        if let Some((frame, _)) = frame {
            body.extend_from_slice(frame.tail.as_bytes());
        }
        let status = StatusCode::from_u16(status).ok()?;
        let fresh = offset + start..offset + start + fresh.len();
        return Some(Found { status, verdict, body, fresh, changes_at });
    }
    None
}

/// The answer of kind `kind` on `id` at `at` from the cache's stored answers, kept in
/// memory as a rendered one is once it is asked for again; `None` when there is none to
/// serve (see the module docs).
pub(super) fn stored(
    app: &AppState,
    answers: &Answers,
    metrics: &Metrics,
    kind: Kind,
    id: &str,
    at: i64,
) -> Option<Rendered> {
    let tag = tag(kind)?;
    let lang = match kind {
        Kind::Page(lang) => Some(lang),
        Kind::Api => None,
    };
    // The stamp, then the freshness, then the answers: what is kept under the stamp is at
    // least as fresh as it says (the order of [`super::lookup::render_and_keep`]).
    let before = app.stamp(at);
    if !app.fresh_at(at) {
        return None;
    }
    let as_of = app.as_of(at);
    let fresh = || (answers.freshen)(kind, id, &as_of, at);
    let found = match app.cache.stored_answers(id, |bytes| read(bytes, tag, lang, at, fresh)) {
        Ok(found) => found?,
        Err(e) => {
            // Answered as before, which reports what it finds.
            tracing::debug!(id, error = %e, "cannot read stored answers");
            return None;
        }
    };
    let rendered = Rendered::of_kind(kind, found.status, found.verdict, found.body).with_fresh(found.fresh);
    // Kept in memory from its second ask on ([`super::doorkeeper`]).
    if answers.doorkeeper.asked_before(kind, id) {
        answers.memo.put(kind, id, before, app.stamp(at), found.changes_at, rendered.clone());
    }
    metrics.answered_prerendered.inc();
    Some(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_do_not_read_are_not_served() {
        let fresh = || b"F".to_vec();
        assert!(read(b"", 0, None, 100, fresh).is_none());
        assert!(read(&[FORMAT + 1; 40], 0, None, 100, fresh).is_none());
        let mut one = vec![FORMAT];
        one.extend_from_slice(&100i64.to_be_bytes());
        one.extend_from_slice(&200i64.to_be_bytes());
        one.extend_from_slice(&[0, 1, 0]);
        one.extend_from_slice(&200u16.to_be_bytes());
        one.push(WHOLE);
        for n in [1u32, 2, 3] {
            one.extend_from_slice(&n.to_be_bytes());
        }
        one.extend_from_slice(b"aXb");
        let found = read(&one, 0, None, 150, fresh).expect("it reads");
        assert_eq!((found.body.as_slice(), found.fresh.clone(), found.verdict), (&b"aFb"[..], 1..2, Verdict::Valid));
        assert!(read(&one, 1, None, 150, fresh).is_none(), "no answer of that kind");
        assert!(read(&one, 0, None, 99, fresh).is_none(), "before it was rendered");
        assert!(read(&one, 0, None, 200, fresh).is_none(), "from its verdict's time limit on");
        assert!(read(&one[..one.len() - 1], 0, None, 150, fresh).is_none(), "cut short");
        let mut bad = one.clone();
        bad[17] = 200;
        assert!(read(&bad, 0, None, 150, fresh).is_none(), "no such verdict");
    }

    #[test]
    fn a_page_is_stored_without_its_frame_and_served_with_it() {
        for lang in Lang::ALL {
            let page = super::super::pages::layout(lang, "VALID — NT-A & <b>", "<p>inside</p>", "");
            let (title, inside) = unframe(lang, page.as_bytes()).expect("framed");
            assert_eq!((title, inside), (&b"VALID \xe2\x80\x94 NT-A &amp; &lt;b&gt;"[..], &b"<p>inside</p>"[..]));
            let f = frame(lang).expect("a frame");
            assert!(f.middle.len() > 4096, "the styles are in the frame");
            assert_eq!(
                [f.head.as_bytes(), title, f.middle.as_bytes(), inside, f.tail.as_bytes()].concat(),
                page.as_bytes()
            );
        }
        assert!(unframe(Lang::En, b"<p>not a page</p>").is_none());
    }

    #[test]
    fn the_specimen_s_answers_are_the_dictionary_the_same_at_every_start() {
        let (a, b) = (Prerender::new("https://verify.example"), Prerender::new("https://verify.example"));
        let dictionary = a.dictionary();
        assert!(dictionary.len() > 4096, "the JSON and the page's inside: {} bytes", dictionary.len());
        let has = |needle: &[u8]| dictionary.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"\"certificate_id\":\"NT-SPECIMENAAAA\"") && has(b"SolarShield"), "the specimen's answers");
        // Answers stored by one start are read back by the next against the same bytes.
        assert_eq!((dictionary, a.identity()), (b.dictionary(), b.identity()));
        assert_ne!(a.identity(), Prerender::new("https://other.example").identity());
    }

    #[test]
    fn only_the_json_and_the_english_page_are_stored() {
        assert_eq!(tag(Kind::Api), Some(0));
        assert_eq!(tag(Kind::Page(Lang::En)), Some(1));
        assert_eq!(tag(Kind::Page(Lang::De)), None);
        assert_eq!(tag(Kind::Page(Lang::Fr)), None);
    }
}
