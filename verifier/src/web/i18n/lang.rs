//! Which language a request is answered in, and the cookie that keeps a reader's choice.

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;

/// A language the public pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(in crate::web) enum Lang {
    #[default]
    En,
    De,
    Fr,
}

/// The cookie the language switch sets.
const COOKIE: &str = "nt-lang";

/// A year: the reader's choice outlives the visit.
const COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

impl Lang {
    /// Every language, English (the fallback) first.
    pub(in crate::web) const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Fr];

    /// Its BCP 47 tag (`en`, `de`, `fr`): the pages' `lang` attribute and the switch's value.
    pub(in crate::web) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
        }
    }

    /// Its place in [`Lang::ALL`].
    pub(in crate::web) fn index(self) -> usize {
        self as usize
    }

    /// The language of a tag the switch or the cookie carries (exactly a code).
    pub(in crate::web) fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// The language a request is answered in: its `lang` query parameter, else the
    /// cookie, else `Accept-Language`, else English.
    pub(in crate::web) fn of(query: Option<&str>, headers: &HeaderMap) -> Lang {
        query
            .and_then(chosen)
            .or_else(|| from_cookie(headers))
            .or_else(|| {
                let accept = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
                negotiate(accept)
            })
            .unwrap_or_default()
    }

    /// The language's own name, as the switch shows it.
    pub(in crate::web) fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
        }
    }
}

/// The `lang` parameter of a query string, if it names a language.
fn chosen(query: &str) -> Option<Lang> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "lang")
        .and_then(|(_, value)| Lang::from_code(&value))
}

/// The language the switch left in the cookie.
fn from_cookie(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|text| text.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| Lang::from_code(value.trim()))
}

/// The best of our languages for an `Accept-Language` value (RFC 9110 §12.5.4: its
/// q-values honoured, the earlier of equals first; `de-AT` is German), or `None` when
/// it names none of them.
fn negotiate(accept_language: &str) -> Option<Lang> {
    let mut ranked: Vec<(u16, Lang)> = accept_language
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let tag = parts.next()?.trim();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next()?;
            let lang = Lang::ALL.into_iter().find(|lang| primary.eq_ignore_ascii_case(lang.code()))?;
            // Thousandths, as the grammar allows no more; q=0 means "not this one".
            let quality = (quality.clamp(0.0, 1.0) * 1000.0).round() as u16;
            (quality > 0).then_some((quality, lang))
        })
        .collect();
    // Stable: among equal qualities the first listed wins.
    ranked.sort_by_key(|(quality, _)| std::cmp::Reverse(*quality));
    ranked.first().map(|(_, lang)| *lang)
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::of(parts.uri.query(), &parts.headers))
    }
}

/// Middleware: a request that chose a language with `?lang=` gets the cookie that keeps
/// the choice for the pages it opens next.
pub(in crate::web) async fn remember_choice(request: Request, next: Next) -> Response {
    let choice = request.uri().query().and_then(chosen);
    let mut response = next.run(request).await;
    if let Some(lang) = choice {
        let cookie = format!("{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax; HttpOnly", lang.code());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn accept_language_picks_the_best_language_we_have() {
        for (accept, lang) in [
            ("de-DE,de;q=0.9,en;q=0.8", Lang::De),
            ("de-AT", Lang::De),
            ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7", Lang::Fr),
            ("it-IT,it;q=0.9,fr;q=0.5", Lang::Fr),
            ("en-GB,de;q=0.5", Lang::En),
            ("en;q=0.1, de;q=0.9", Lang::De),
            ("de;q=0, fr;q=0.2", Lang::Fr),
            ("FR-be", Lang::Fr),
            ("pl,it", Lang::En),
            ("*", Lang::En),
            ("", Lang::En),
        ] {
            assert_eq!(Lang::of(None, &headers(&[("accept-language", accept)])), lang, "{accept}");
        }
        assert_eq!(Lang::of(None, &HeaderMap::new()), Lang::En);
    }

    #[test]
    fn the_switch_wins_then_the_cookie_then_the_browser() {
        let browser = headers(&[("accept-language", "de")]);
        assert_eq!(Lang::of(Some("lang=fr"), &browser), Lang::Fr);
        assert_eq!(Lang::of(Some("t=abc&lang=en"), &browser), Lang::En);
        assert_eq!(Lang::of(Some("lang=xx"), &browser), Lang::De, "an unknown code is ignored");
        let cookie = headers(&[("accept-language", "de"), ("cookie", "a=1; nt-lang=fr")]);
        assert_eq!(Lang::of(None, &cookie), Lang::Fr);
        assert_eq!(Lang::of(Some("lang=en"), &cookie), Lang::En);
        let bad_cookie = headers(&[("accept-language", "de"), ("cookie", "nt-lang=<script>")]);
        assert_eq!(Lang::of(None, &bad_cookie), Lang::De);
    }

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
            assert_eq!(Lang::ALL[lang.index()], lang);
        }
        assert_eq!(Lang::from_code("EN"), None);
    }
}
