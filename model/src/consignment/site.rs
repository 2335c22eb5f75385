//! Which site an item's URL names (issue 71). A consignment check answers for one
//! verifier: its public base URL's origin (scheme, host and port) is its own site. A
//! verification URL (`…/c/NT-…`) of any other origin is another site's page — whatever it
//! shows is not this verifier's answer — so the item is `foreign_site`, never `valid`. A
//! GS1 Digital Link URI names its product by its GS1 keys on any host (a brand's own
//! resolver, GS1's), so it is checked by them, and the report names the host that is not
//! this verifier's.

use url::{Origin, Url};

/// This verifier's own site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnSite {
    origin: Origin,
    shown: String,
}

impl OwnSite {
    /// The site of the public base URL `public_url` (`https://verify.example.org`). A URL
    /// that cannot be read has no site any item's URL is on.
    pub fn new(public_url: &str) -> OwnSite {
        let origin = Url::parse(public_url).map_or_else(|_| Origin::new_opaque(), |url| url.origin());
        let shown = if origin.is_tuple() { origin.ascii_serialization() } else { public_url.to_owned() };
        OwnSite { origin, shown }
    }

    /// The other site `origin` is, as `scheme://host[:port]`; `None` when it is this one.
    /// (An opaque origin equals no other.)
    pub fn other(&self, origin: &Origin) -> Option<String> {
        (*origin != self.origin).then(|| origin.ascii_serialization())
    }

    /// This site, as `scheme://host[:port]`.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Origin {
        Url::parse(url).expect("URL").origin()
    }

    #[test]
    fn a_site_is_its_scheme_host_and_port() {
        let own = OwnSite::new("https://verify.example.org/verifier");
        assert_eq!(own.shown(), "https://verify.example.org");
        for same in
            ["https://verify.example.org/c/NT-A", "https://VERIFY.example.org:443/x", "https://u:p@verify.example.org/"]
        {
            assert_eq!(own.other(&origin(same)), None, "{same}");
        }
        for (other, shown) in [
            ("https://evil.example/c/NT-A", "https://evil.example"),
            ("https://verify.example.org@evil.example/c/NT-A", "https://evil.example"),
            ("http://verify.example.org/c/NT-A", "http://verify.example.org"),
            ("https://verify.example.org:8443/c/NT-A", "https://verify.example.org:8443"),
            ("https://verify.example.org.evil.example/c/NT-A", "https://verify.example.org.evil.example"),
        ] {
            assert_eq!(own.other(&origin(other)).as_deref(), Some(shown), "{other}");
        }
        // A public URL that cannot be read is no site: every URL is another's.
        let none = OwnSite::new("not a URL");
        assert_eq!(none.other(&origin("https://verify.example.org/")).as_deref(), Some("https://verify.example.org"));
    }
}
