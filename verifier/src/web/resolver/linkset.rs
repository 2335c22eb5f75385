//! The links the resolver knows for a product and its lots, as an RFC 9264 linkset in
//! the form GS1's resolver standard fixes (its linkset JSON schema, which requires
//! `anchor` and `itemDescription`): one context object per level of the GS1 Digital
//! Link URI, each with its `anchor`, its `itemDescription`, and its links by GS1 Web
//! Vocabulary link type (full URIs), each link with an `href` and a `title`. Every link
//! and description comes from an issued certificate ([`nanotrace_model::preferred_for_lot`]):
//! an application's data is never published.

use nanotrace_model::link::{digital_link, encode_component, page_url};
use nanotrace_model::{Certificate, SafetyDataSheet};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The GS1 Web Vocabulary namespace the resolver writes link types in (the one GS1's
/// linkset JSON-LD context maps the `gs1:` prefix to).
pub(crate) const GS1_VOC: &str = "https://gs1.org/voc/";

/// The other spellings of that namespace a request's `linkType` may use.
const GS1_VOC_ALIASES: [&str; 4] =
    ["https://gs1.org/voc/", "https://www.gs1.org/voc/", "https://ref.gs1.org/voc/", "http://gs1.org/voc/"];

/// GS1's JSON-LD context for linksets, named in a `Link` header of every linkset answer.
pub(crate) const LINKSET_CONTEXT: &str = "https://ref.gs1.org/standards/resolver/linkset-context";

/// The link types this resolver serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkType {
    /// `gs1:defaultLink`: where a plain scan goes.
    DefaultLink,
    /// `gs1:certificationInfo`: the certificate (its verification page, its JSON).
    CertificationInfo,
    /// `gs1:safetyInfo`: the safety data sheet the certificate covers.
    SafetyInfo,
}

impl LinkType {
    /// Every link type, in the order the linkset lists them.
    pub(crate) const ALL: [LinkType; 3] = [LinkType::DefaultLink, LinkType::CertificationInfo, LinkType::SafetyInfo];

    /// The term in the GS1 Web Vocabulary.
    pub(crate) fn term(self) -> &'static str {
        match self {
            LinkType::DefaultLink => "defaultLink",
            LinkType::CertificationInfo => "certificationInfo",
            LinkType::SafetyInfo => "safetyInfo",
        }
    }

    /// The link type's full URI, as linksets key it.
    pub(crate) fn uri(self) -> String {
        format!("{GS1_VOC}{}", self.term())
    }
}

/// The GS1 Web Vocabulary term a `linkType` value names (`gs1:pip`, or the full URI in
/// any of the namespace's spellings), whether or not this resolver serves it; `None`
/// for a value outside the GS1 namespace.
pub(crate) fn gs1_term(value: &str) -> Option<&str> {
    let term = value
        .strip_prefix("gs1:")
        .or_else(|| GS1_VOC_ALIASES.iter().find_map(|namespace| value.strip_prefix(namespace)))?;
    (!term.is_empty() && term.chars().all(|c| c.is_ascii_alphanumeric())).then_some(term)
}

/// One link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Link {
    /// The target.
    pub(crate) href: String,
    /// What a person is shown for it.
    pub(crate) title: String,
    /// The target's media type, when the resolver knows it.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub(crate) media_type: Option<&'static str>,
    /// The target's languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hreflang: Option<Vec<&'static str>>,
}

impl Link {
    /// A link with only an `href` and a `title` (as the default link must be).
    fn plain(href: String, title: String) -> Self {
        Link { href, title, media_type: None, hreflang: None }
    }

    /// A link to a page or document of this verifier, in English.
    fn ours(href: String, title: String, media_type: &'static str) -> Self {
        Link { href, title, media_type: Some(media_type), hreflang: Some(vec!["en"]) }
    }
}

/// The links of one level of a GS1 Digital Link URI (a link context object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The level's URI.
    pub(crate) anchor: String,
    /// What it is, for people (the linkset's `itemDescription`).
    pub(crate) item_description: String,
    /// Its links by type, in [`LinkType::ALL`]'s order; no type without links.
    pub(crate) links: Vec<(LinkType, Vec<Link>)>,
}

impl Entry {
    /// The links of `link_type` at this level.
    pub(crate) fn of(&self, link_type: LinkType) -> Option<&[Link]> {
        self.links.iter().find(|(t, _)| *t == link_type).map(|(_, links)| links.as_slice())
    }
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2 + self.links.len()))?;
        map.serialize_entry("anchor", &self.anchor)?;
        map.serialize_entry("itemDescription", &self.item_description)?;
        for (link_type, links) in &self.links {
            map.serialize_entry(&link_type.uri(), links)?;
        }
        map.end()
    }
}

/// An RFC 9264 linkset document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Linkset {
    /// Its link context objects, most specific level first.
    pub(crate) linkset: Vec<Entry>,
}

/// The links of a lot: `cert` is the issued certificate of the lot a buyer should rely
/// on now ([`nanotrace_model::preferred_for_lot`]); `signed` whether its certifier's
/// signature vouches for the record as it stands ([`nanotrace_model::check_issuance`]);
/// `reviewed` the safety data sheet revision its certifier signed
/// ([`nanotrace_model::published_sds`]). Only what a certifier signed is published: a
/// record whose signature vouches for no revision (a record no certifier issued) links its
/// verification page alone — no safety data sheet, no credential, not its product name;
/// one whose manufacturer declared a revision since (suspended for the review) links the
/// revision signed and its product name, and no credential (it no longer matches).
pub(crate) fn lot_entry(
    root: &str,
    gtin14: &str,
    lot: &str,
    cert: &Certificate,
    signed: bool,
    reviewed: Option<&SafetyDataSheet>,
) -> Entry {
    let id = &cert.id;
    let page = page_url(root, id);
    let mut info = vec![
        Link::ours(page.clone(), format!("NanoTrace certificate {id}: its verdict now and its history"), "text/html"),
        Link::ours(
            format!("{root}/api/v1/certificates/{id}"),
            format!("NanoTrace certificate {id}: its verdict now, as JSON"),
            "application/json",
        ),
    ];
    // The W3C Verifiable Credential, once its certifier recorded one.
    if signed && cert.credential.is_some() {
        info.push(Link::ours(
            format!("{root}/api/v1/certificates/{id}/vc"),
            format!("NanoTrace certificate {id} as a W3C Verifiable Credential, signed by its certifier"),
            crate::web::credential::MEDIA_TYPE,
        ));
    }
    let mut links = vec![
        (LinkType::DefaultLink, vec![Link::plain(page, format!("Verify NanoTrace certificate {id}"))]),
        (LinkType::CertificationInfo, info),
    ];
    if let Some(sds) = reviewed.filter(|sds| sds.url.starts_with("https://") || sds.url.starts_with("http://")) {
        let title = format!("Safety data sheet, revision {} (SHA-256 {})", sds.revision, sds.sha256);
        links.push((LinkType::SafetyInfo, vec![Link::plain(sds.url.clone(), title)]));
    }
    let item_description = match reviewed {
        Some(_) => format!("{}, lot {lot}", cert.application.product_name),
        None => format!("GTIN {gtin14}, lot {lot}"),
    };
    Entry { anchor: digital_link(root, gtin14, Some(lot)), item_description, links }
}

/// The links of a product: its page of certificates (with `scanned_lot` when a lot
/// without certificates was asked for, so the page can say so), then the certificate to
/// rely on for each of its `lots`.
pub(crate) fn gtin_entry(root: &str, gtin14: &str, lots: &[(&str, &Certificate)], scanned_lot: Option<&str>) -> Entry {
    let mut page = format!("{root}/products/{gtin14}");
    if let Some(lot) = scanned_lot {
        page = format!("{page}?lot={}", encode_component(lot));
    }
    let title = format!("NanoTrace certificates of GTIN {gtin14}, by lot");
    let mut info = vec![Link::ours(page.clone(), title.clone(), "text/html")];
    info.extend(lots.iter().map(|(lot, cert)| {
        Link::ours(page_url(root, &cert.id), format!("NanoTrace certificate {} of lot {lot}", cert.id), "text/html")
    }));
    let item_description = match lots.first() {
        Some((_, cert)) => cert.application.product_name.clone(),
        None => format!("GTIN {gtin14}"),
    };
    Entry {
        anchor: digital_link(root, gtin14, None),
        item_description,
        links: vec![(LinkType::DefaultLink, vec![Link::plain(page, title)]), (LinkType::CertificationInfo, info)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_types_in_every_spelling() {
        for value in [
            "gs1:certificationInfo",
            "https://gs1.org/voc/certificationInfo",
            "https://www.gs1.org/voc/certificationInfo",
            "https://ref.gs1.org/voc/certificationInfo",
        ] {
            assert_eq!(gs1_term(value), Some("certificationInfo"), "{value}");
        }
        assert_eq!(gs1_term("gs1:pip"), Some("pip"));
        for value in ["schema:about", "gs1:", "https://example.org/voc/pip", "gs1:pip/../x", "certificationInfo"] {
            assert_eq!(gs1_term(value), None, "{value}");
        }
        assert_eq!(LinkType::SafetyInfo.uri(), "https://gs1.org/voc/safetyInfo");
    }
}
