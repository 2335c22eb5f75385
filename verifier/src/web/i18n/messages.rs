//! The messages of the public pages: one Fluent bundle per language, built once from
//! `verifier/locales/<lang>.ftl` (compiled into the binary).

use super::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;

/// The translation files, in [`Lang::ALL`]'s order.
const SOURCES: [&str; 3] = [
    include_str!("../../../locales/en.ftl"),
    include_str!("../../../locales/de.ftl"),
    include_str!("../../../locales/fr.ftl"),
];

/// Every language's bundle, in [`Lang::ALL`]'s order.
static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> =
    LazyLock::new(|| Lang::ALL.iter().map(|lang| bundle(*lang, SOURCES[lang.index()])).collect());

/// A language's bundle. A file that does not parse is a build defect the unit tests
/// catch; what does parse is kept.
fn bundle(lang: Lang, source: &str) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
        tracing::error!(lang = lang.code(), ?errors, "a translation file has errors");
        partial
    });
    let tag = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // The pages are left-to-right only: no bidi isolation marks around arguments.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = lang.code(), ?errors, "a translation file defines a message twice");
    }
    bundle
}

/// An argument of a message: text or a number.
#[derive(Debug, Clone, Copy)]
pub(in crate::web) enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl Lang {
    /// The message `id` in this language (plain text: escape it for HTML).
    pub(in crate::web) fn t(self, id: &str) -> String {
        self.t_with(id, &[])
    }

    /// The message `id` with its arguments. A message missing from this language falls
    /// back to English; one missing from English too is its ID (both are defects the
    /// unit tests catch).
    pub(in crate::web) fn t_with(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        format(self, id, args).or_else(|| format(Lang::En, id, args)).unwrap_or_else(|| {
            tracing::error!(id, "no such message");
            id.to_owned()
        })
    }
}

fn format(lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
    let bundle = BUNDLES.get(lang.index())?;
    let pattern = bundle.get_message(id)?.value()?;
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        let value = match value {
            Arg::Text(text) => FluentValue::from(*text),
            Arg::Number(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, value);
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors).into_owned();
    if !errors.is_empty() {
        tracing::error!(lang = lang.code(), id, ?errors, "a message did not format");
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The message IDs of a translation file (a message starts a line: `id = …`).
    fn messages(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter_map(|line| line.split_once(" ="))
            .map(|(id, _)| id)
            .filter(|id| id.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_language_has_every_message_and_no_other() {
        let english = messages(SOURCES[0]);
        assert!(english.len() > 200, "{english:?}");
        for lang in Lang::ALL {
            let source = SOURCES[lang.index()];
            if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
                panic!("{}.ftl does not parse: {errors:?}", lang.code());
            }
            let these = messages(source);
            let missing: Vec<_> = english.difference(&these).collect();
            let extra: Vec<_> = these.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                lang.code()
            );
        }
    }

    /// Every variable any message uses.
    const VARIABLES: [&str; 32] = [
        "id",
        "reason",
        "newer",
        "issuer",
        "count",
        "n",
        "verdict",
        "key",
        "issued",
        "until",
        "certificate",
        "status",
        "since",
        "d50",
        "d10",
        "d90",
        "share",
        "time",
        "date",
        "holder",
        "org",
        "lot",
        "what",
        "gtin",
        "product",
        "type",
        "asked",
        "available",
        "file",
        "valid",
        "not_valid",
        "errors",
    ];

    #[test]
    fn every_message_formats_without_errors_in_every_language() {
        let mut args = FluentArgs::new();
        for name in VARIABLES.iter().chain(&["message"]) {
            args.set(*name, format!("<{name}>"));
        }
        for lang in Lang::ALL {
            let bundle = &BUNDLES[lang.index()];
            for id in messages(SOURCES[lang.index()]) {
                let message =
                    bundle.get_message(&id).unwrap_or_else(|| panic!("{}: {id} is not in the bundle", lang.code()));
                let pattern = message.value().unwrap_or_else(|| panic!("{}: {id} has no value", lang.code()));
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{}: {id}: {errors:?}", lang.code());
                assert!(!text.trim().is_empty(), "{}: {id} is empty", lang.code());
                // The same variables in every language: a translation drops no value.
                let english = BUNDLES[0]
                    .get_message(&id)
                    .and_then(|m| m.value())
                    .map(|p| BUNDLES[0].format_pattern(p, Some(&args), &mut Vec::new()).into_owned());
                for name in VARIABLES {
                    let marker = format!("<{name}>");
                    assert_eq!(
                        text.contains(&marker),
                        english.as_deref().is_some_and(|e| e.contains(&marker)),
                        "{}: {id} and English differ in {{ ${name} }}",
                        lang.code()
                    );
                }
            }
        }
    }

    #[test]
    fn messages_take_their_arguments_and_fall_back_to_english() {
        assert_eq!(Lang::De.t("verdict-VALID"), "GÜLTIG");
        assert_eq!(Lang::Fr.t("verdict-REVOKED"), "RÉVOQUÉ");
        assert_eq!(Lang::En.t("verdict-REVOKED"), "REVOKED");
        assert_eq!(Lang::De.t_with("reason-revoked", &[("reason", "Fälschung".into())]), "Widerrufen: Fälschung");
        assert_eq!(Lang::Fr.t_with("age-seconds", &[("n", 5i64.into())]), "synchronisé il y a 5 s");
        assert_eq!(Lang::De.t("no-such-message"), "no-such-message");
        // Plural forms by each language's rules (French counts 0 and 1 as one).
        assert_eq!(Lang::Fr.t_with("count-valid", &[("n", 1i64.into())]), "1 valide");
        assert_eq!(Lang::Fr.t_with("count-valid", &[("n", 0i64.into())]), "0 valide");
        assert_eq!(Lang::Fr.t_with("count-valid", &[("n", 2i64.into())]), "2 valides");
        assert_eq!(Lang::En.t_with("count-of", &[("n", 1i64.into())]), "of 1 item");
        assert_eq!(Lang::En.t_with("count-of", &[("n", 5i64.into())]), "of 5 items");
    }
}
