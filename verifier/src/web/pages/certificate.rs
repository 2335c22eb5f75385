//! The verification page's body: the verdict (word, colour, icon), how fresh it is, the
//! offline token check, the record (product, nanomaterial, certificate) and the audit
//! trail.

use super::layout::{capitalise, date, date_time, escape, search_form};
use super::TokenCheck;
use crate::state::AsOf;
use crate::web::i18n::{Arg, Lang};
use crate::web::lookup::Lookup;
use nanotrace_model::link::page_path;
use nanotrace_model::{Certificate, CertificateStatus, HistoryEntry, Verdict};
use std::fmt::Write;

/// How a verdict looks: CSS class and icon (SVG paths); its words are the messages
/// `verdict-…` and `headline-…`.
struct Look {
    class: &'static str,
    icon: &'static str,
}

const CIRCLE: &str = "<circle cx=\"24\" cy=\"24\" r=\"22\" fill=\"currentColor\"/>";

fn look(verdict: Verdict) -> Look {
    let (class, icon) = match verdict {
        Verdict::Valid => (
            "v-valid",
            "<path d=\"M13 25l7 7 15-16\" fill=\"none\" stroke=\"#fff\" stroke-width=\"5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Expired => (
            "v-expired",
            "<path d=\"M24 12v13l8 5\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Suspended => (
            "v-suspended",
            "<rect x=\"15.5\" y=\"14\" width=\"6\" height=\"20\" rx=\"1.5\" fill=\"#fff\"/><rect x=\"26.5\" y=\"14\" width=\"6\" height=\"20\" rx=\"1.5\" fill=\"#fff\"/>",
        ),
        Verdict::Revoked => (
            "v-revoked",
            "<path d=\"M16 16l16 16M32 16L16 32\" stroke=\"#fff\" stroke-width=\"5\" stroke-linecap=\"round\"/>",
        ),
        Verdict::Superseded => (
            "v-superseded",
            "<path d=\"M12 24h22M26 15l9 9-9 9\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Pending => (
            "v-pending",
            "<circle cx=\"14\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/><circle cx=\"24\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/><circle cx=\"34\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/>",
        ),
        Verdict::Rejected => (
            "v-rejected",
            "<circle cx=\"24\" cy=\"24\" r=\"12\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\"/><path d=\"M15.5 32.5l17-17\" stroke=\"#fff\" stroke-width=\"4.5\"/>",
        ),
        Verdict::Unknown => (
            "v-unknown",
            "<path d=\"M18 18.5a6 6 0 1 1 8.5 5.5c-1.6.8-2.5 2-2.5 3.8V30\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\"/><circle cx=\"24\" cy=\"36.5\" r=\"2.8\" fill=\"#fff\"/>",
        ),
        Verdict::Untrusted => (
            "v-untrusted",
            "<path d=\"M24 12v15\" stroke=\"#fff\" stroke-width=\"5\" stroke-linecap=\"round\"/><circle cx=\"24\" cy=\"35\" r=\"3\" fill=\"#fff\"/>",
        ),
        Verdict::Unverifiable => (
            "v-unverifiable",
            concat!(
                "<path d=\"M24 4L46 43H2z\" fill=\"currentColor\" stroke=\"currentColor\" stroke-width=\"2\" stroke-linejoin=\"round\"/>",
                "<path d=\"M24 17v13\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\"/>",
                "<circle cx=\"24\" cy=\"36.5\" r=\"2.8\" fill=\"#fff\"/>"
            ),
        ),
    };
    Look { class, icon }
}

fn icon_svg(verdict: Verdict, icon: &str) -> String {
    let circle = if verdict == Verdict::Unverifiable { "" } else { CIRCLE };
    format!("<svg viewBox=\"0 0 48 48\" aria-hidden=\"true\" focusable=\"false\">{circle}{icon}</svg>")
}

/// A `<dt>`/`<dd>` row labelled with the message `label`; `value` is HTML.
fn row(out: &mut String, lang: Lang, label: &str, value: &str) {
    let _ = write!(out, "<dt>{}</dt><dd>{value}</dd>", escape(&lang.t(label)));
}

fn cert_link(id: &str) -> String {
    let id = escape(id);
    format!("<a href=\"{}\" class=\"mono\">{id}</a>", page_path(&id))
}

fn mono(text: &str) -> String {
    format!("<span class=\"mono\">{}</span>", escape(text))
}

/// The message `id` as HTML: its text escaped, with `html` (name, markup) put in for the
/// arguments of those names (a link, say) and `text` as plain arguments.
fn t_html(lang: Lang, id: &str, text: &[(&str, Arg<'_>)], html: &[(&str, &str)]) -> String {
    let markers: Vec<String> = (0..html.len()).map(|i| format!("\u{E000}{i}\u{E001}")).collect();
    let mut args: Vec<(&str, Arg<'_>)> = Vec::with_capacity(text.len() + html.len());
    args.extend(text.iter().copied());
    for ((name, _), marker) in html.iter().zip(&markers) {
        args.push((name, Arg::Text(marker)));
    }
    let mut out = escape(&lang.t_with(id, &args));
    for ((_, markup), marker) in html.iter().zip(&markers) {
        out = out.replace(marker.as_str(), markup);
    }
    out
}

/// A verdict's word in `lang` (`VALID`, `GÜLTIG`, `VALIDE`…).
pub(in crate::web) fn verdict_word(lang: Lang, verdict: Verdict) -> String {
    lang.t(&format!("verdict-{}", verdict.as_str()))
}

/// A record status's word in `lang`.
fn status_word(lang: Lang, status: CertificateStatus) -> String {
    lang.t(&format!("status-{}", status.as_str()))
}

/// Why the verdict is what it is, in `lang`: from the verdict and the record, as the
/// model's own reason says it in English (a certifier's reason is quoted as recorded).
fn reason(lang: Lang, found: &Lookup) -> String {
    let v = &found.view.verification;
    let cert = found.current().map(|c| &c.certificate);
    let recorded = || cert.and_then(|c| c.status_reason.as_deref()).unwrap_or_default();
    match v.verdict {
        // The English reason names the follower's error, in its own (English) words.
        Verdict::Unverifiable if lang == Lang::En => capitalise(&v.reason),
        Verdict::Unverifiable => match found.view.as_of.age_seconds {
            None => lang.t("reason-unverifiable-never"),
            Some(age) => lang.t_with("reason-unverifiable-old", &[("n", age.into())]),
        },
        // The English reason names what does not check out, in the model's words.
        Verdict::Untrusted if lang == Lang::En => capitalise(&v.reason),
        Verdict::Untrusted => lang.t("reason-untrusted"),
        Verdict::Unknown if cert.is_some() => lang.t("reason-corrupt"),
        Verdict::Unknown => lang.t_with("reason-unknown", &[("id", v.certificate_id.as_str().into())]),
        Verdict::Pending => lang.t("reason-pending"),
        Verdict::Rejected => lang.t_with("reason-rejected", &[("reason", recorded().into())]),
        Verdict::Revoked => lang.t_with("reason-revoked", &[("reason", recorded().into())]),
        Verdict::Suspended => lang.t_with("reason-suspended", &[("reason", recorded().into())]),
        Verdict::Superseded => match &v.superseded_by {
            Some(newer) => lang.t_with("reason-superseded", &[("newer", newer.into())]),
            None => lang.t("reason-superseded-unnamed"),
        },
        Verdict::Expired => lang.t("reason-expired"),
        Verdict::Valid => {
            let issuer = cert.and_then(|c| c.issuance.as_ref()).map_or("", |i| i.issuer_org.as_str());
            match v.flags.len() {
                0 => lang.t_with("reason-valid", &[("issuer", issuer.into())]),
                count => lang.t_with("reason-valid-flags", &[("issuer", issuer.into()), ("count", count.into())]),
            }
        }
    }
}

/// The paragraph of the page on `id` in `lang` that says how fresh its data is: the
/// certificate, the block, the data's age, when it was checked (`at`).
pub(in crate::web) fn freshness(lang: Lang, id: &str, as_of: &AsOf, at: i64) -> String {
    format!(
        "<p class=\"fresh\">{} <span class=\"mono\">{}</span> · {} · {} · {}</p>",
        escape(&lang.t("fresh-certificate")),
        escape(id),
        escape(&lang.t_with("fresh-block", &[("n", as_of.block.to_string().as_str().into())])),
        escape(&super::layout::age_text(lang, as_of)),
        escape(&lang.t_with("fresh-checked", &[("time", date_time(at).as_str().into())])),
    )
}

/// The body of the page on `id` in `lang`, with the token check when a QR code was
/// scanned; and where in it its freshness lies ([`freshness`]).
pub(super) fn render_certificate(
    lang: Lang,
    found: &Lookup,
    check: Option<&TokenCheck>,
    id: &str,
) -> (String, std::ops::Range<usize>) {
    let v = &found.view.verification;
    let look = look(v.verdict);
    // A page is 10–15 KB: room for it at once, not grown twice.
    let mut out = String::with_capacity(16 * 1024);

    // The verdict: word, colour and icon.
    let _ = write!(
        out,
        "<section class=\"verdict {}\" role=\"status\">{}<h1 class=\"word\">{}</h1><div class=\"text\"><p class=\"headline\">{}</p><p class=\"reason\">{}</p>",
        look.class,
        icon_svg(v.verdict, look.icon),
        escape(&verdict_word(lang, v.verdict)),
        escape(&lang.t(&format!("headline-{}", v.verdict.as_str()))),
        escape(&reason(lang, found)),
    );
    if let Some(since) = v.since {
        let label = match v.verdict {
            Verdict::Valid
            | Verdict::Expired
            | Verdict::Pending
            | Verdict::Suspended
            | Verdict::Revoked
            | Verdict::Rejected
            | Verdict::Superseded => lang.t(&format!("since-{}", v.verdict.as_str())),
            _ => lang.t("since-other"),
        };
        let _ = write!(out, "<p class=\"since\">{} {}</p>", escape(&label), escape(&date_time(since)));
    }
    out.push_str("</div></section>");

    // How fresh the answer is.
    let start = out.len();
    out.push_str(&freshness(lang, id, &found.view.as_of, v.checked_at));
    let fresh = start..out.len();

    if let Some(check) = check {
        render_token_check(&mut out, lang, check, v.verdict, found);
    }

    if let Some(newer) = found.superseded_by() {
        let _ = write!(
            out,
            "<div class=\"note info\"><b>{}</b>{} {}</div>",
            escape(&lang.t("note-superseded-title")),
            escape(&lang.t("note-superseded-body")),
            cert_link(newer)
        );
    }
    for flag in found.flags() {
        let status = status_word(lang, flag.supplier_status);
        let since = date(flag.since);
        let _ = write!(
            out,
            "<div class=\"note warn\"><b>{}</b>{}</div>",
            escape(&lang.t("note-supplier-title")),
            t_html(
                lang,
                "note-supplier-body",
                &[
                    ("status", status.as_str().into()),
                    ("since", since.as_str().into()),
                    ("reason", flag.reason.as_str().into())
                ],
                &[("certificate", &cert_link(&flag.supplier_certificate))],
            ),
        );
    }

    match (v.verdict, found.current(), found.view.cached.as_ref()) {
        (Verdict::Unverifiable, _, Some(stale)) => {
            let a = &stale.certificate.application;
            let _ = write!(out, "<section class=\"card\"><h2>{}</h2><dl>", escape(&lang.t("card-last-known")));
            row(&mut out, lang, "row-product", &escape(&a.product_name));
            if let Some(gtin) = &a.gtin {
                row(&mut out, lang, "row-gtin", &mono(gtin));
            }
            row(&mut out, lang, "row-batch", &escape(&a.batch));
            out.push_str("</dl></section>");
        }
        (_, Some(current), _) => {
            render_record(&mut out, lang, &current.certificate, found);
            render_history(&mut out, lang, &current.history, found);
        }
        _ => {
            if v.verdict == Verdict::Unknown {
                let _ = write!(
                    out,
                    "<section class=\"card\"><h2>{}</h2><p>{}</p>{}</section>",
                    escape(&lang.t("card-check-again")),
                    escape(&lang.t("check-again-body")),
                    search_form(lang),
                );
            }
        }
    }

    let id_html = escape(id);
    let _ = write!(out, "<p class=\"links\"><a href=\"/api/v1/certificates/{id_html}\">JSON</a>");
    if found.current().is_some_and(|c| c.certificate.issuance.is_some()) {
        let _ = write!(
            out,
            "<a href=\"/qr/{id_html}.svg\">{}</a><a href=\"/qr/{id_html}.png\">{}</a>",
            escape(&lang.t("link-qr-svg")),
            escape(&lang.t("link-qr-png")),
        );
    }
    if found.current().is_some_and(|c| c.certificate.credential.is_some()) {
        let _ = write!(out, "<a href=\"/api/v1/certificates/{id_html}/vc\">{}</a>", escape(&lang.t("link-vc")));
    }
    let _ = write!(out, "<a href=\"/\">{}</a></p>", escape(&lang.t("link-verify-another")));
    (out, fresh)
}

fn render_token_check(out: &mut String, lang: Lang, check: &TokenCheck, verdict: Verdict, found: &Lookup) {
    match check {
        TokenCheck::Authentic { offline, same_data } => {
            let (class, title) = match same_data {
                Some(false) => ("warn", lang.t("token-older")),
                // Green only when the certificate is also in force: a genuine label of a
                // revoked certificate must not look reassuring.
                _ if verdict == Verdict::Valid => ("ok", lang.t("token-authentic")),
                _ => (
                    "info",
                    lang.t_with(
                        "token-authentic-not-valid",
                        &[("verdict", verdict_word(lang, verdict).as_str().into())],
                    ),
                ),
            };
            let issuer = found.org_label(&offline.issuer.msp_id);
            let (issued, until) = (date(offline.issued_at), date(offline.valid_until));
            let body = t_html(
                lang,
                if offline.expired { "token-signed-expired" } else { "token-signed" },
                &[
                    ("issuer", issuer.as_str().into()),
                    ("issued", issued.as_str().into()),
                    ("until", until.as_str().into()),
                ],
                &[("key", &mono(&offline.issuer_key_id))],
            );
            let _ = write!(out, "<div class=\"note {class}\"><b>{}</b>{body}</div>", escape(&title));
        }
        TokenCheck::OtherCertificate(other) => {
            let _ = write!(
                out,
                "<div class=\"note bad\"><b>{}</b>{}</div>",
                escape(&lang.t("token-other-title")),
                t_html(lang, "token-other-body", &[], &[("certificate", &cert_link(other))]),
            );
        }
        TokenCheck::Failed(reason) => {
            // The checker's own words are English: shown on the English page only.
            let detail = match lang {
                Lang::En => format!("{}. ", capitalise(reason)),
                _ => String::new(),
            };
            let _ = write!(
                out,
                "<div class=\"note bad\"><b>{}</b>{}{}</div>",
                escape(&lang.t("token-failed-title")),
                escape(&detail),
                escape(&lang.t("token-failed-body")),
            );
        }
    }
}

fn render_record(out: &mut String, lang: Lang, cert: &Certificate, found: &Lookup) {
    let a = &cert.application;
    let n = &a.nanomaterial;

    let _ = write!(out, "<section class=\"card\"><h2>{}</h2><dl>", escape(&lang.t("card-product")));
    row(out, lang, "row-product", &escape(&a.product_name));
    if let Some(gtin) = &a.gtin {
        row(out, lang, "row-gtin", &mono(gtin));
    }
    row(out, lang, "row-batch-lot", &escape(&a.batch));
    row(out, lang, "row-manufacturer", &escape(&found.org_label(&cert.manufacturer_msp)));
    row(out, lang, "row-supplier", &escape(&a.supplier));
    if !a.product_description.is_empty() {
        row(out, lang, "row-description", &escape(&a.product_description));
    }
    out.push_str("</dl></section>");

    let _ = write!(out, "<section class=\"card\"><h2>{}</h2><dl>", escape(&lang.t("card-nanomaterial")));
    row(out, lang, "row-substance", &escape(&n.substance_name));
    row(out, lang, "row-cas", &mono(&n.cas_number));
    if let Some(ec) = &n.ec_number {
        row(out, lang, "row-ec", &mono(ec));
    }
    let outcome = lang.t(if cert.assessment.is_nanomaterial { "eu-nanomaterial" } else { "eu-not-nanomaterial" });
    row(
        out,
        lang,
        "row-eu-definition",
        &format!(
            "<strong>{}</strong> <span class=\"muted\">— {}</span>",
            escape(&outcome),
            escape(&cert.assessment.basis)
        ),
    );
    let psd = &n.particle_size;
    let (d10, d50, d90, share) = (
        psd.d10_nm.to_string(),
        psd.d50_nm.to_string(),
        psd.d90_nm.to_string(),
        format!("{:.0}", psd.fraction_1_100nm * 100.0),
    );
    row(
        out,
        lang,
        "row-particle-size",
        &escape(&lang.t_with(
            "particle-size",
            &[
                ("d10", d10.as_str().into()),
                ("d50", d50.as_str().into()),
                ("d90", d90.as_str().into()),
                ("share", share.as_str().into()),
            ],
        )),
    );
    let shape = lang.t(&format!("shape-{:?}", n.shape));
    let treatment = if n.surface_treatment.is_empty() { lang.t("untreated") } else { n.surface_treatment.clone() };
    row(out, lang, "row-shape", &escape(&format!("{shape}, {treatment}")));
    out.push_str("</dl></section>");

    let _ = write!(out, "<section class=\"card\"><h2>{}</h2><dl>", escape(&lang.t("card-certificate")));
    row(
        out,
        lang,
        "row-id",
        &format!("{} {}", mono(&cert.id), escape(&lang.t_with("version", &[("n", i64::from(cert.version).into())]))),
    );
    let mut status = lang.t_with(
        "status-since",
        &[
            ("status", status_word(lang, cert.status).as_str().into()),
            ("time", date_time(cert.status_since).as_str().into()),
        ],
    );
    if let Some(reason) = &cert.status_reason {
        let _ = write!(status, ": {reason}");
    }
    if let (Verdict::Expired, Some(issuance)) = (found.verdict(), &cert.issuance) {
        let _ = write!(
            status,
            " {}",
            lang.t_with("validity-ended", &[("date", date(issuance.valid_until).as_str().into())])
        );
    }
    row(out, lang, "row-record-status", &escape(&status));
    match &cert.issuance {
        Some(issuance) => {
            // A body retired since keeps what it issued before: the certificate reads as it
            // did, and the issuer's accreditation shows as withdrawn.
            let issuer = match found.retirement(&issuance.issuer_org) {
                Some(retired) => lang.t_with(
                    "issuer-withdrawn",
                    &[
                        ("issuer", found.org_label(&issuance.issuer_org).as_str().into()),
                        ("date", date(retired.at).as_str().into()),
                        ("reason", retired.reason.as_str().into()),
                    ],
                ),
                None => found.org_label(&issuance.issuer_org),
            };
            row(out, lang, "row-issuer", &escape(&issuer));
            let key_state = match found.issuer_key() {
                Some(key) if key.retired_at.is_some() => {
                    let retired = key.retired_at.map(date).unwrap_or_default();
                    match key.retired_reason.as_deref() {
                        Some(why) => {
                            lang.t_with("key-retired-why", &[("date", retired.as_str().into()), ("reason", why.into())])
                        }
                        None => lang.t_with("key-retired", &[("date", retired.as_str().into())]),
                    }
                }
                Some(key) => {
                    lang.t_with("key-held", &[("holder", found.org_label(&key.holder.msp_id).as_str().into())])
                }
                None => lang.t("key-not-trusted"),
            };
            row(
                out,
                lang,
                "row-issuer-key",
                &format!("{} <span class=\"muted\">{}</span>", mono(&issuance.issuer_key_id), escape(&key_state)),
            );
            row(out, lang, "row-issued", &escape(&date_time(issuance.issued_at)));
            row(out, lang, "row-valid-until", &escape(&date_time(issuance.valid_until)));
        }
        None => row(out, lang, "row-issued", &escape(&lang.t("not-issued"))),
    }
    row(out, lang, "row-applied", &escape(&date_time(cert.applied_at)));
    render_sds(out, lang, found);
    if let Some(previous) = &cert.supersedes {
        row(out, lang, "row-replaces", &cert_link(previous));
    }
    if let Some(next) = &cert.superseded_by {
        row(out, lang, "row-replaced-by", &cert_link(next));
    }
    if !a.depends_on.is_empty() {
        let links: Vec<String> = a.depends_on.iter().map(|d| cert_link(d)).collect();
        row(out, lang, "row-depends-on", &links.join(" "));
    }
    if cert.resign_required {
        row(out, lang, "row-note", &escape(&lang.t("resign-required")));
    }
    out.push_str("</dl></section>");
}

/// The safety data sheet row: the revision a certifier signed, linked, and a revision the
/// manufacturer declared since, by its number alone (issue 71: the verifier's name must
/// not carry a link no certifier reviewed).
fn render_sds(out: &mut String, lang: Lang, found: &Lookup) {
    let Some(sds) = found.sds() else { return };
    let mut cell = String::new();
    if let Some(reviewed) = sds.reviewed {
        let revision = lang.t_with("sds-revision", &[("n", i64::from(reviewed.revision).into())]);
        // The contract admits only http(s) URLs; link nothing else all the same.
        if reviewed.url.starts_with("https://") || reviewed.url.starts_with("http://") {
            let _ = write!(
                cell,
                "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
                escape(&reviewed.url),
                escape(&revision)
            );
        } else {
            let _ = write!(cell, "{} {}", escape(&revision), mono(&reviewed.url));
        }
        let _ = write!(cell, "<br>{}", mono(&format!("sha256 {}", reviewed.sha256)));
    }
    if let Some(n) = sds.awaiting_review {
        if !cell.is_empty() {
            cell.push_str("<br>");
        }
        cell.push_str(&escape(&lang.t_with("sds-unreviewed", &[("n", i64::from(n).into())])));
    }
    row(out, lang, "row-sds", &cell);
}

const MAX_HISTORY_SHOWN: usize = 20;

fn render_history(out: &mut String, lang: Lang, history: &[HistoryEntry], found: &Lookup) {
    if history.is_empty() {
        return;
    }
    let _ = write!(out, "<section class=\"card\"><h2>{}</h2><ol class=\"hist\">", escape(&lang.t("card-history")));
    for entry in history.iter().take(MAX_HISTORY_SHOWN) {
        let _ = write!(
            out,
            "<li><time>{}</time><strong>{}</strong> → {} <span class=\"muted\">{}</span>",
            escape(&date_time(entry.timestamp)),
            escape(&lang.t(&format!("action-{:?}", entry.action))),
            escape(&status_word(lang, entry.status)),
            escape(&lang.t_with("history-by", &[("org", found.org_label(&entry.actor.msp_id).as_str().into())])),
        );
        if let Some(reason) = &entry.reason {
            let _ = write!(out, "<br>{}", escape(reason));
        }
        out.push_str("</li>");
    }
    if history.len() > MAX_HISTORY_SHOWN {
        let _ = write!(
            out,
            "<li class=\"muted\">{}</li>",
            escape(&lang.t_with("history-more", &[("n", (history.len() - MAX_HISTORY_SHOWN).into())]))
        );
    }
    out.push_str("</ol></section>");
}
