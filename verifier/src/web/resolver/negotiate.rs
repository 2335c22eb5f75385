//! What a request asks the resolver for: a link of a type (the `linkType` parameter),
//! the linkset, or the default link; and which of several links its `Accept` header
//! prefers.

use super::linkset::{gs1_term, Link};

/// The media type of a linkset (RFC 9264).
pub(crate) const LINKSET_JSON: &str = "application/linkset+json";

/// What the request wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wanted {
    /// The linkset itself, with no redirect, served as this media type.
    Linkset(&'static str),
    /// A redirect to the link of this GS1 term (`defaultLink` when none was asked for).
    Term(String),
    /// A `linkType` outside the GS1 namespace: no link of that type exists here.
    Foreign(String),
}

/// Reads the request: `link_type` is the `linkType` query parameter, `accept` the
/// `Accept` header.
pub(crate) fn wanted(link_type: Option<&str>, accept: Option<&str>) -> Wanted {
    match link_type {
        // `all` is the name GS1's resolver standard used before 1.0 for `linkset`.
        Some("linkset" | "all") => Wanted::Linkset(LINKSET_JSON),
        Some(value) => match gs1_term(value) {
            Some(term) => Wanted::Term(term.to_owned()),
            None => Wanted::Foreign(value.to_owned()),
        },
        None => {
            let accept = Accept::parse(accept);
            if accept.exact(LINKSET_JSON) > 0.0 {
                Wanted::Linkset(LINKSET_JSON)
            } else if accept.exact("application/json") > accept.quality("text/html") {
                Wanted::Linkset("application/json")
            } else {
                Wanted::Term("defaultLink".to_owned())
            }
        }
    }
}

/// The link of `links` the client prefers by media type (the first among equals; links
/// without a media type count as acceptable to anyone).
pub(crate) fn preferred<'a>(links: &'a [Link], accept: Option<&str>) -> Option<&'a Link> {
    let accept = Accept::parse(accept);
    let mut best: Option<(&Link, f32)> = None;
    for link in links {
        let q = link.media_type.map_or(1.0, |t| accept.quality(t));
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((link, q));
        }
    }
    best.map(|(link, _)| link)
}

/// An `Accept` header's media ranges with their weights.
struct Accept(Vec<(String, f32)>);

impl Accept {
    /// The ranges of `header`; none (accept anything) without one. Ranges that do not
    /// parse are left out.
    fn parse(header: Option<&str>) -> Self {
        let Some(header) = header else { return Accept(Vec::new()) };
        let ranges = header
            .split(',')
            .filter_map(|part| {
                let mut params = part.split(';');
                let range = params.next()?.trim().to_ascii_lowercase();
                if !range.contains('/') {
                    return None;
                }
                let q = params
                    .filter_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.trim().parse::<f32>().ok()))
                    .next()
                    .unwrap_or(1.0)
                    .clamp(0.0, 1.0);
                Some((range, q))
            })
            .collect();
        Accept(ranges)
    }

    /// The weight of `media_type` by the most specific range that matches it (1 with no
    /// header, 0 when nothing matches).
    fn quality(&self, media_type: &str) -> f32 {
        if self.0.is_empty() {
            return 1.0;
        }
        let main = media_type.split('/').next().unwrap_or(media_type);
        let mut best: Option<(u8, f32)> = None;
        for (range, q) in &self.0 {
            let specificity = if range == media_type {
                3
            } else if range.strip_suffix("/*") == Some(main) {
                2
            } else if range == "*/*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, *q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    }

    /// The weight the header gives `media_type` by name (not through a wildcard).
    fn exact(&self, media_type: &str) -> f32 {
        self.0.iter().find(|(range, _)| range == media_type).map_or(0.0, |(_, q)| *q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";

    #[test]
    fn what_a_request_wants() {
        assert_eq!(wanted(None, None), Wanted::Term("defaultLink".into()));
        assert_eq!(wanted(None, Some(BROWSER)), Wanted::Term("defaultLink".into()));
        assert_eq!(wanted(None, Some("*/*")), Wanted::Term("defaultLink".into()));
        assert_eq!(wanted(None, Some("application/linkset+json")), Wanted::Linkset(LINKSET_JSON));
        assert_eq!(wanted(None, Some("application/json")), Wanted::Linkset("application/json"));
        assert_eq!(wanted(None, Some("text/html, application/json;q=0.5")), Wanted::Term("defaultLink".into()));
        assert_eq!(wanted(None, Some("application/linkset+json;q=0")), Wanted::Term("defaultLink".into()));
        assert_eq!(wanted(Some("linkset"), Some(BROWSER)), Wanted::Linkset(LINKSET_JSON));
        assert_eq!(wanted(Some("all"), None), Wanted::Linkset(LINKSET_JSON));
        assert_eq!(wanted(Some("gs1:safetyInfo"), None), Wanted::Term("safetyInfo".into()));
        assert_eq!(wanted(Some("schema:about"), None), Wanted::Foreign("schema:about".into()));
    }

    #[test]
    fn the_preferred_link() {
        let link = |t: &'static str| Link { href: t.into(), title: t.into(), media_type: Some(t), hreflang: None };
        let links = [link("text/html"), link("application/json")];
        assert_eq!(preferred(&links, None).map(|l| l.href.as_str()), Some("text/html"));
        assert_eq!(preferred(&links, Some(BROWSER)).map(|l| l.href.as_str()), Some("text/html"));
        assert_eq!(preferred(&links, Some("application/json")).map(|l| l.href.as_str()), Some("application/json"));
        assert_eq!(
            preferred(&links, Some("application/*;q=0.9, text/html;q=0.1")).map(|l| l.href.as_str()),
            Some("application/json")
        );
        // Nothing acceptable: still the first (a 406 would strand a person with a label).
        assert_eq!(preferred(&links, Some("image/png")).map(|l| l.href.as_str()), Some("text/html"));
    }
}
