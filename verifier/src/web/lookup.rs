//! Reading a verdict off the cache for a request, and answering with a rendered page or
//! JSON document that is reused while nothing it depends on changes.

use super::metrics::Metrics;
use super::rendered::{Hit, Kind, Rendered, RenderedMemo};
use super::Web;
use crate::cache::CertificateRecord;
use crate::state::{now, AppState, AsOf, Stamp, VerdictView};
use axum::http::header::HeaderValue;
use axum::http::StatusCode;
use axum::response::Response;
use nanotrace_model::{
    check_issuance, published_sds, DependencyFlag, IssuerKey, OrgRetirement, Organization, PublishedSds, Verdict,
    Verification,
};
use std::sync::Arc;

/// A verdict and what the pages and the API show with it, read off the cache.
pub(super) struct Lookup {
    pub(super) view: VerdictView,
    pub(super) issuers: Vec<IssuerKey>,
    /// The registered organisations, for their names.
    pub(super) organizations: Vec<Organization>,
    /// False when the cache could not be read (the verdict is then UNVERIFIABLE).
    pub(super) readable: bool,
}

impl Lookup {
    /// The verdict.
    pub(super) fn verdict(&self) -> Verdict {
        self.view.verification.verdict
    }

    /// The cached record, unless the verdict is UNVERIFIABLE: a stale record must not
    /// be shown as if it were current.
    pub(super) fn current(&self) -> Option<&CertificateRecord> {
        match self.verdict() {
            Verdict::Unverifiable => None,
            _ => self.view.cached.as_ref(),
        }
    }

    /// Supplier certificates not in force (none when UNVERIFIABLE).
    pub(super) fn flags(&self) -> &[DependencyFlag] {
        match self.verdict() {
            Verdict::Unverifiable => &[],
            _ => &self.view.verification.flags,
        }
    }

    /// The newer version (none when UNVERIFIABLE).
    pub(super) fn superseded_by(&self) -> Option<&str> {
        match self.verdict() {
            Verdict::Unverifiable => None,
            _ => self.view.verification.superseded_by.as_deref(),
        }
    }

    /// What of the current record's safety data sheet may be shown: only a revision its
    /// certifier signed is linked ([`nanotrace_model::published_sds`]); `None` when
    /// there is no current record.
    pub(super) fn sds(&self) -> Option<PublishedSds<'_>> {
        let cert = &self.current()?.certificate;
        // A VALID or EXPIRED verdict has checked the signature already.
        let signed = matches!(self.verdict(), Verdict::Valid | Verdict::Expired)
            || (cert.issuance.is_some() && check_issuance(cert, &self.issuers).is_ok());
        Some(published_sds(cert, signed, &self.issuers))
    }

    /// The trust-list entry of the key that signed the current record.
    pub(super) fn issuer_key(&self) -> Option<&IssuerKey> {
        let key_id = &self.current()?.certificate.issuance.as_ref()?.issuer_key_id;
        self.issuers.iter().find(|k| &k.key_id == key_id)
    }

    /// The registered name of the organisation `msp_id`, if it is registered.
    pub(super) fn org_name(&self, msp_id: &str) -> Option<&str> {
        self.organizations.iter().find(|o| o.msp_id == msp_id).map(|o| o.name.as_str())
    }

    /// When and why organisation `msp_id` was retired, if it was (a certification body
    /// whose accreditation was withdrawn, a manufacturer that left).
    pub(super) fn retirement(&self, msp_id: &str) -> Option<&OrgRetirement> {
        self.organizations.iter().find(|o| o.msp_id == msp_id).and_then(|o| o.retired.as_ref())
    }

    /// An organisation as the pages name it: `Registered Name (MSP ID)`, or the MSP ID
    /// alone when the ledger has no organisation of that ID.
    pub(super) fn org_label(&self, msp_id: &str) -> String {
        match self.org_name(msp_id) {
            Some(name) => format!("{name} ({msp_id})"),
            None => msp_id.to_owned(),
        }
    }

    /// The first second (from `at`, when it was read) at which time alone changes this
    /// answer's verdict: a VALID certificate's expiry. UNVERIFIABLE answers: `at` (never
    /// served once their second has passed, so that a verifier back in sync says so at
    /// once). The data's staleness limit is checked when a kept answer is served
    /// ([`kept`]).
    pub(super) fn changes_at(&self, at: i64) -> i64 {
        if !self.readable || self.verdict() == Verdict::Unverifiable {
            return at;
        }
        match self.view.cached.as_ref().and_then(|c| c.certificate.issuance.as_ref()) {
            Some(issuance) if self.verdict() == Verdict::Valid => issuance.valid_until.saturating_add(1),
            _ => i64::MAX,
        }
    }

    /// The HTTP status a verdict is served with.
    pub(super) fn status(&self) -> StatusCode {
        match self.verdict() {
            Verdict::Unknown => StatusCode::NOT_FOUND,
            Verdict::Unverifiable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::OK,
        }
    }
}

/// Reads the verdict on `id` (a well-formed ID) at `at` (Unix seconds) off the cache:
/// here when the cache's own tables can tell ([`lookup_stored`]), else in a blocking task
/// (a read of the ledger on a miss, or a cache that cannot be read, which gives
/// UNVERIFIABLE).
pub(super) async fn lookup(app: &AppState, id: &str, at: i64) -> Lookup {
    if let Some(found) = lookup_stored(app, id, at) {
        return found;
    }
    let app = app.clone();
    let id = id.to_owned();
    let read = {
        let id = id.clone();
        let app = app.clone();
        tokio::task::spawn_blocking(move || -> Result<Lookup, String> {
            let view = app.verdict(&id, at).map_err(|e| e.to_string())?;
            let issuers = app.cache.issuers().map_err(|e| e.to_string())?;
            let organizations = app.cache.organizations().map_err(|e| e.to_string())?;
            Ok(Lookup { view, issuers, organizations, readable: true })
        })
        .await
    };
    match read {
        Ok(Ok(found)) => found,
        Ok(Err(message)) => unverifiable(&app, &id, at, &message),
        Err(join) => unverifiable(&app, &id, at, &join.to_string()),
    }
}

/// [`lookup`] from what the cache itself holds — its memo, or a point read of its tables
/// ([`crate::state::AppState::stored_verdict`]) — made here, on the thread answering the
/// request, as nginx reads a file on its worker: the OS's page cache answers the hot
/// tables without I/O, and handing the read to a blocking task cost more than the read
/// (issue 76: a certificate's first ask ran at a fifth of nginx's files, most of it the
/// hand-over and the router). `None` when only the ledger can tell (a miss read through
/// on Fabric) or the cache cannot be read: [`lookup`]'s blocking task does that.
pub(super) fn lookup_stored(app: &AppState, id: &str, at: i64) -> Option<Lookup> {
    // The record first: when only the ledger can tell, the lists are not copied for nothing.
    let view = app.stored_verdict(id, at).ok()??;
    let (issuers, organizations) = (app.cache.issuers().ok()?, app.cache.organizations().ok()?);
    Some(Lookup { view, issuers, organizations, readable: true })
}

/// The UNVERIFIABLE answer when the cache cannot be read.
fn unverifiable(app: &AppState, id: &str, at: i64, message: &str) -> Lookup {
    tracing::error!(id, error = message, "cannot read the cache");
    Lookup {
        view: VerdictView {
            verification: Verification {
                certificate_id: id.to_owned(),
                verdict: Verdict::Unverifiable,
                reason: "cannot verify now: the verifier cannot read its copy of the ledger".to_owned(),
                since: None,
                checked_at: at,
                superseded_by: None,
                flags: Vec::new(),
                certificate: None,
            },
            cached: None,
            as_of: app.as_of(at),
        },
        issuers: Vec::new(),
        organizations: Vec::new(),
        readable: false,
    }
}

/// Renders the answer of a kind on a certificate from its lookup: the JSON document or
/// the page in a language (defined by the router, which knows the pages and the API).
pub(super) type Render = fn(&AppState, Kind, &str, &Lookup) -> Rendered;

/// Writes the freshness of the answer of a kind on a certificate (the bytes at
/// [`Rendered::fresh`]) for data `as_of`, checked at `at`: what [`Render`] writes there.
pub(super) type Freshen = fn(Kind, &str, &AsOf, i64) -> Vec<u8>;

/// The answer of a kind on a certificate the cache stored when it wrote the record, with
/// its freshness written anew, if there is one to serve now
/// ([`super::prerendered::stored`], given by the router).
pub(super) type Stored = fn(&AppState, &Answers, &Metrics, Kind, &str, i64) -> Option<Rendered>;

/// How answers are rendered and kept: shared by the router and the hot path.
#[derive(Clone)]
pub(super) struct Answers {
    pub(super) memo: Arc<RenderedMemo>,
    /// Which answers were asked for before: a stored one is kept from its second ask on.
    pub(super) doorkeeper: Arc<super::doorkeeper::Doorkeeper>,
    pub(super) render: Render,
    pub(super) freshen: Freshen,
    pub(super) stored: Stored,
}

/// The kept answer of kind `kind` on `id`, good now (`at`): the one rendered under the
/// current stamp, or one rendered earlier with its freshness written anew, when no update
/// since touched the certificate, the trust list or the organisations
/// ([`crate::cache::Cache::unchanged_since`]), the cache is fresh, and no time limit of
/// its verdict passed ([`Lookup::changes_at`]). That one is kept in its place. `None`:
/// it must be rendered.
pub(super) fn kept(
    app: &AppState,
    answers: &Answers,
    metrics: &Metrics,
    kind: Kind,
    id: &str,
    at: i64,
) -> Option<Rendered> {
    let stamp = app.stamp(at);
    let earlier = match answers.memo.get(kind, id, stamp)? {
        Hit::Current(rendered) => return Some(rendered),
        Hit::Earlier(earlier) => earlier,
    };
    // A clock set back, or a time limit reached: render.
    if at < earlier.second || at >= earlier.changes_at {
        return None;
    }
    // Where the data comes from, read BEFORE the check that nothing changed (as a verdict
    // reads its freshness before its record): the answer is then at least that fresh.
    let as_of = app.as_of(at);
    if !app.fresh_at(at) || !app.cache.unchanged_since(id, earlier.generation) {
        return None;
    }
    let rendered = earlier.rendered.freshened(&(answers.freshen)(kind, id, &as_of, at))?;
    answers.memo.put(kind, id, stamp, app.stamp(at), earlier.changes_at, rendered.clone());
    metrics.answered_freshened.inc();
    Some(rendered)
}

/// The answer of kind `kind` on certificate `id` (a well-formed ID) now: a kept one
/// ([`kept`]), else one the cache stored ([`Answers::stored`]), else looked up
/// and rendered by `web.answers.render`, and kept.
pub(super) async fn answer(web: &Web, kind: Kind, id: &str, accept_encoding: Option<&HeaderValue>) -> Response {
    let at = now();
    let ready = kept(&web.app, &web.answers, &web.metrics, kind, id, at)
        .or_else(|| (web.answers.stored)(&web.app, &web.answers, &web.metrics, kind, id, at));
    if let Some(hit) = ready {
        web.metrics.verdict(hit.verdict);
        return hit.response(accept_encoding);
    }
    let before = web.app.stamp(at);
    let found = lookup(&web.app, id, at).await;
    let answer = render_and_keep(&web.app, &web.answers, kind, id, at, before, &found);
    web.metrics.verdict(answer.verdict);
    answer.response(accept_encoding)
}

/// Renders the answer of kind `kind` on `id` from `found` (read at `at`, after the stamp
/// `before` was taken) and keeps it for reuse unless it is UNKNOWN or unreadable.
pub(super) fn render_and_keep(
    app: &AppState,
    answers: &Answers,
    kind: Kind,
    id: &str,
    at: i64,
    before: Stamp,
    found: &Lookup,
) -> Rendered {
    // An UNKNOWN answer is not kept: floods of distinct unknown IDs would fill the memo
    // with answers nobody asks for again and push out the certificates people do ask for
    // (that an ID is unknown is told by the cache's filters and negative cache instead).
    let keep = found.readable && answer_kept(found.verdict());
    let answer = (answers.render)(app, kind, id, found);
    if keep {
        answers.memo.put(kind, id, before, app.stamp(at), found.changes_at(at), answer.clone());
    } else if !found.readable {
        // What was kept may no longer hold. A readable UNKNOWN has nothing kept to drop
        // (certificates never vanish), so a flood of unknown IDs takes no shard lock here.
        answers.memo.remove(kind, id);
    }
    answer
}

/// Whether an answer with this verdict is kept for reuse (see [`answer`]).
fn answer_kept(verdict: Verdict) -> bool {
    verdict != Verdict::Unknown
}

/// Runs a blocking cache read.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f).await.map_err(|e| e.to_string())?
}
