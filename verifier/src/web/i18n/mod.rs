//! The public pages in the reader's language: English, German and French.
//!
//! [`Lang`] is the language a request gets — the `?lang=` of the page's language switch,
//! else the `nt-lang` cookie that switch leaves, else the browser's `Accept-Language`,
//! else English — and [`Lang::t`] a message of `verifier/locales/<lang>.ftl` (Project
//! Fluent) in it. Every language has every message: a unit test compares the files, and
//! the browser test renders each language and looks for English left over.
//!
//! The JSON API, the CSV reports and the ledger's own words (a certifier's reason, a
//! product's name) are not translated: programs branch on them, and a certifier's words
//! are what the certifier recorded.

mod lang;
mod messages;

pub(super) use lang::{remember_choice, Lang};
pub(super) use messages::Arg;
