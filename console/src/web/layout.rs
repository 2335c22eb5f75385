//! The frame every page shares (navigation by role, the CSRF token for the script),
//! and the two assets: the page script (`assets/console.js`, the only JavaScript, where
//! keys are made and used) and the stylesheet.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::SignedIn;

const SCRIPT: &str = include_str!("../../assets/console.js");
const STYLE: &str = include_str!("../../assets/console.css");

/// `GET /assets/console.js`.
pub async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], SCRIPT)
        .into_response()
}

/// `GET /assets/console.css`.
pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], STYLE).into_response()
}

/// A whole page: `title`, the member (if signed in) for the navigation, and `body`.
pub fn page(title: &str, who: Option<&SignedIn>, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(who) = who { meta name="csrf-token" content=(who.session.csrf); }
                title { (title) " · NanoTrace console" }
                link rel="stylesheet" href="/assets/console.css";
                script src="/assets/console.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "NanoTrace" span { " console" } }
                    @if let Some(who) = who {
                        nav {
                            @if who.viewer.is_applicant() {
                                a href="/certificates" { "My certificates" }
                                a href="/apply" { "Apply" }
                            }
                            @if who.viewer.is_certifier() { a href="/queue" { "Approval queue" } }
                            @if who.viewer.is_auditor() { a href="/certificates" { "Certificates" } a href="/ledger" { "Ledger" } }
                            @if super::billing::bills(&who.viewer) { a href="/billing" { "Billing" } }
                            @if who.viewer.is_certifier() || who.viewer.is_governor() { a href="/keys" { "Issuer keys" } }
                            @if who.viewer.is_governor() { a href="/roles" { "Roles" } }
                            @if who.viewer.is_org_admin() { a href="/members" { "Members" } }
                        }
                        div.who {
                            span.mono { (who.viewer.name) } " · " (who.viewer.msp_id())
                            button.link type="button" data-signout { "Sign out" }
                        }
                    }
                }
                main {
                    (body)
                    div #tx-status .status hidden aria-live="polite" {}
                }
            }
        }
    };
    Html(markup.into_string())
}

/// A short message page (errors, empty states).
pub fn message(title: &str, who: Option<&SignedIn>, text: &str) -> Html<String> {
    page(title, who, html! { h1 { (title) } p { (text) } })
}

/// Raw markup that is known not to hold user text (an SVG made by the QR encoder).
pub fn trusted(svg: String) -> Markup {
    PreEscaped(svg)
}
