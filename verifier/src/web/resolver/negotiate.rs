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

/// Which of several links of one type (at one level) answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice<'a> {
    /// This one: the client prefers it by media type, or it comes first among links that
    /// differ in their attributes.
    One(&'a Link),
    /// None can be told apart: the best match has a twin, a link with the same media type
    /// and languages that the client accepts as much. GS1's resolver standard asks for
    /// the list of that type's links with 300 (Multiple Choices) then.
    Ambiguous,
}

/// The link of `links` the client prefers by media type (links without a media type
/// count as acceptable to anyone; among equally acceptable links with different
/// attributes, the first), or [`Choice::Ambiguous`] when the best match has a twin.
/// `None` for no links.
pub(crate) fn choose<'a>(links: &'a [Link], accept: Option<&str>) -> Option<Choice<'a>> {
    let accept = Accept::parse(accept);
    let quality = |link: &Link| link.media_type.map_or(1.0, |t| accept.quality(t));
    let mut best: Option<(&Link, f32)> = None;
    for link in links {
        let q = quality(link);
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((link, q));
        }
    }
    let (chosen, q) = best?;
    let twin = links.iter().any(|other| {
        !std::ptr::eq(other, chosen)
            && quality(other) == q
            && other.media_type == chosen.media_type
            && other.hreflang == chosen.hreflang
    });
    Some(if twin { Choice::Ambiguous } else { Choice::One(chosen) })
}

/// Whether the client would rather read JSON than HTML (a 300's list of links).
pub(crate) fn prefers_json(accept: Option<&str>) -> bool {
    let accept = Accept::parse(accept);
    accept.exact(LINKSET_JSON).max(accept.exact("application/json")) > accept.quality("text/html")
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
        let chosen = |accept| match choose(&links, accept) {
            Some(Choice::One(link)) => Some(link.href.as_str()),
            other => panic!("{accept:?}: {other:?}"),
        };
        assert_eq!(chosen(None), Some("text/html"));
        assert_eq!(chosen(Some(BROWSER)), Some("text/html"));
        assert_eq!(chosen(Some("application/json")), Some("application/json"));
        assert_eq!(chosen(Some("application/*;q=0.9, text/html;q=0.1")), Some("application/json"));
        // Nothing acceptable: still the first (a 406 would strand a person with a label).
        assert_eq!(chosen(Some("image/png")), Some("text/html"));
        assert_eq!(choose(&[], None), None);
    }

    #[test]
    fn twins_cannot_be_chosen_between() {
        let link = |href: &str, t: &'static str, lang: &'static str| Link {
            href: href.into(),
            title: href.into(),
            media_type: Some(t),
            hreflang: Some(vec![lang]),
        };
        let twins = [link("a", "text/html", "en"), link("b", "text/html", "en"), link("c", "application/json", "en")];
        for accept in [None, Some(BROWSER), Some("text/html")] {
            assert_eq!(choose(&twins, accept), Some(Choice::Ambiguous), "{accept:?}");
        }
        // The JSON link has no twin: asked for, it is chosen.
        assert_eq!(choose(&twins, Some("application/json")), Some(Choice::One(&twins[2])));
        // Another language is another attribute.
        let languages = [link("a", "text/html", "en"), link("b", "text/html", "de")];
        assert_eq!(choose(&languages, None), Some(Choice::One(&languages[0])));
        assert!(prefers_json(Some("application/linkset+json")) && prefers_json(Some("application/json")));
        assert!(!prefers_json(None) && !prefers_json(Some(BROWSER)));
    }
}
