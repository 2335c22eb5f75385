//! The verification page's body: the verdict (word, colour, icon), how fresh it is, the
//! offline token check, the record (product, nanomaterial, certificate) and the audit
//! trail.

use super::layout::{capitalise, date, date_time, escape, SEARCH_FORM};
use super::TokenCheck;
use crate::web::lookup::Lookup;
use nanotrace_model::{Certificate, HistoryEntry, Verdict};
use std::fmt::Write;

/// How a verdict looks: CSS class, headline and icon (SVG paths).
struct Look {
    class: &'static str,
    headline: &'static str,
    icon: &'static str,
}

const CIRCLE: &str = "<circle cx=\"24\" cy=\"24\" r=\"22\" fill=\"currentColor\"/>";

fn look(verdict: Verdict) -> Look {
    let (class, headline, icon) = match verdict {
        Verdict::Valid => (
            "v-valid",
            "This certificate is valid and in force.",
            "<path d=\"M13 25l7 7 15-16\" fill=\"none\" stroke=\"#fff\" stroke-width=\"5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Expired => (
            "v-expired",
            "Do not accept: this certificate has expired.",
            "<path d=\"M24 12v13l8 5\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Suspended => (
            "v-suspended",
            "Do not accept: this certificate is suspended.",
            "<rect x=\"15.5\" y=\"14\" width=\"6\" height=\"20\" rx=\"1.5\" fill=\"#fff\"/><rect x=\"26.5\" y=\"14\" width=\"6\" height=\"20\" rx=\"1.5\" fill=\"#fff\"/>",
        ),
        Verdict::Revoked => (
            "v-revoked",
            "Do not accept: this certificate has been revoked.",
            "<path d=\"M16 16l16 16M32 16L16 32\" stroke=\"#fff\" stroke-width=\"5\" stroke-linecap=\"round\"/>",
        ),
        Verdict::Superseded => (
            "v-superseded",
            "Replaced by a newer version: check the current one.",
            "<path d=\"M12 24h22M26 15l9 9-9 9\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Pending => (
            "v-pending",
            "Not a certificate yet: the application awaits a decision.",
            "<circle cx=\"14\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/><circle cx=\"24\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/><circle cx=\"34\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/>",
        ),
        Verdict::Rejected => (
            "v-rejected",
            "Do not accept: the application was rejected.",
            "<circle cx=\"24\" cy=\"24\" r=\"12\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\"/><path d=\"M15.5 32.5l17-17\" stroke=\"#fff\" stroke-width=\"4.5\"/>",
        ),
        Verdict::Unknown => (
            "v-unknown",
            "No such certificate is recorded. The ID may be mistyped, or the label counterfeit.",
            "<path d=\"M18 18.5a6 6 0 1 1 8.5 5.5c-1.6.8-2.5 2-2.5 3.8V30\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\"/><circle cx=\"24\" cy=\"36.5\" r=\"2.8\" fill=\"#fff\"/>",
        ),
        Verdict::Unverifiable => (
            "v-unverifiable",
            "Cannot verify right now. Do not rely on this certificate until it can be checked.",
            "",
        ),
    };
    let icon: &'static str = match verdict {
        Verdict::Unverifiable => concat!(
            "<path d=\"M24 4L46 43H2z\" fill=\"currentColor\" stroke=\"currentColor\" stroke-width=\"2\" stroke-linejoin=\"round\"/>",
            "<path d=\"M24 17v13\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\"/>",
            "<circle cx=\"24\" cy=\"36.5\" r=\"2.8\" fill=\"#fff\"/>"
        ),
        _ => icon,
    };
    Look { class, headline, icon }
}

fn icon_svg(verdict: Verdict, icon: &str) -> String {
    let circle = if verdict == Verdict::Unverifiable { "" } else { CIRCLE };
    format!("<svg viewBox=\"0 0 48 48\" aria-hidden=\"true\" focusable=\"false\">{circle}{icon}</svg>")
}

/// A `<dt>`/`<dd>` row; `value` is HTML.
fn row(out: &mut String, label: &str, value: &str) {
    let _ = write!(out, "<dt>{}</dt><dd>{value}</dd>", escape(label));
}

fn cert_link(id: &str) -> String {
    let id = escape(id);
    format!("<a href=\"/c/{id}\" class=\"mono\">{id}</a>")
}

/// The body of the page on `id`, with the token check when a QR code was scanned.
pub(super) fn render_certificate(found: &Lookup, check: Option<&TokenCheck>, id: &str) -> String {
    let v = &found.view.verification;
    let look = look(v.verdict);
    let mut out = String::with_capacity(8 * 1024);

    // The verdict: word, colour and icon.
    let _ = write!(
        out,
        "<section class=\"verdict {}\" role=\"status\">{}<h1 class=\"word\">{}</h1><div class=\"text\"><p class=\"headline\">{}</p><p class=\"reason\">{}</p>",
        look.class,
        icon_svg(v.verdict, look.icon),
        v.verdict.as_str(),
        escape(look.headline),
        escape(&capitalise(&v.reason)),
    );
    if let Some(since) = v.since {
        let label = match v.verdict {
            Verdict::Valid => "Issued",
            Verdict::Expired => "Expired",
            Verdict::Pending => "Applied",
            Verdict::Suspended => "Suspended since",
            Verdict::Revoked => "Revoked",
            Verdict::Rejected => "Rejected",
            Verdict::Superseded => "Replaced",
            _ => "Since",
        };
        let _ = write!(out, "<p class=\"since\">{label} {}</p>", escape(&date_time(since)));
    }
    out.push_str("</div></section>");

    // How fresh the answer is.
    let as_of = &found.view.as_of;
    let _ = write!(
        out,
        "<p class=\"fresh\">Certificate <span class=\"mono\">{}</span> · ledger block {} · {} · checked {}</p>",
        escape(id),
        as_of.block,
        escape(&super::layout::age_text(as_of)),
        escape(&date_time(v.checked_at)),
    );

    if let Some(check) = check {
        render_token_check(&mut out, check, v.verdict, found);
    }

    if let Some(newer) = found.superseded_by() {
        let _ = write!(
            out,
            "<div class=\"note info\"><b>A newer version replaces this certificate</b>Check the current version: {}</div>",
            cert_link(newer)
        );
    }
    for flag in found.flags() {
        let _ = write!(
            out,
            "<div class=\"note warn\"><b>Supplier certificate not in force</b>This product depends on {} which is {} since {}: {}</div>",
            cert_link(&flag.supplier_certificate),
            flag.supplier_status.as_str(),
            escape(&date(flag.since)),
            escape(&flag.reason)
        );
    }

    match (v.verdict, found.current(), found.view.cached.as_ref()) {
        (Verdict::Unverifiable, _, Some(stale)) => {
            let a = &stale.certificate.application;
            let _ = write!(out, "<section class=\"card\"><h2>Last known product (status not confirmed)</h2><dl>");
            row(&mut out, "Product", &escape(&a.product_name));
            if let Some(gtin) = &a.gtin {
                row(&mut out, "GTIN", &format!("<span class=\"mono\">{}</span>", escape(gtin)));
            }
            row(&mut out, "Batch", &escape(&a.batch));
            out.push_str("</dl></section>");
        }
        (_, Some(current), _) => {
            render_record(&mut out, &current.certificate, found);
            render_history(&mut out, &current.history, found);
        }
        _ => {
            if v.verdict == Verdict::Unknown {
                let _ = write!(
                    out,
                    "<section class=\"card\"><h2>Check again</h2><p>Compare the ID with the label. A certificate that the \
                     ledger does not know must not be accepted.</p>{SEARCH_FORM}</section>"
                );
            }
        }
    }

    let id_html = escape(id);
    let _ = write!(out, "<p class=\"links\"><a href=\"/api/v1/certificates/{id_html}\">JSON</a>");
    if found.current().is_some_and(|c| c.certificate.issuance.is_some()) {
        let _ = write!(
            out,
            "<a href=\"/qr/{id_html}.svg\">QR code (SVG)</a><a href=\"/qr/{id_html}.png\">QR code (PNG)</a>"
        );
    }
    if found.current().is_some_and(|c| c.certificate.credential.is_some()) {
        let _ = write!(out, "<a href=\"/api/v1/certificates/{id_html}/vc\">Verifiable Credential</a>");
    }
    out.push_str("<a href=\"/\">Verify another</a></p>");
    out
}

fn render_token_check(out: &mut String, check: &TokenCheck, verdict: Verdict, found: &Lookup) {
    match check {
        TokenCheck::Authentic { offline, same_data } => {
            let not_valid;
            let (class, title) = match same_data {
                Some(false) => (
                    "warn",
                    "The QR code is authentic but older than the ledger's record (the certificate was re-signed)",
                ),
                // Green only when the certificate is also in force: a genuine label of a
                // revoked certificate must not look reassuring.
                _ if verdict == Verdict::Valid => ("ok", "The QR code's signature is authentic"),
                _ => {
                    not_valid = format!("The QR code's signature is authentic, but the certificate is {verdict}");
                    ("info", not_valid.as_str())
                }
            };
            let _ = write!(
                out,
                "<div class=\"note {class}\"><b>{}</b>Signed by {} with key <span class=\"mono\">{}</span>, issued {}, valid until {}{}. \
                 A signature proves the certificate was issued; the verdict above says whether it is still in force.</div>",
                escape(title),
                escape(&found.org_label(&offline.issuer.msp_id)),
                escape(&offline.issuer_key_id),
                escape(&date(offline.issued_at)),
                escape(&date(offline.valid_until)),
                if offline.expired { " (expired)" } else { "" },
            );
        }
        TokenCheck::OtherCertificate(other) => {
            let _ = write!(
                out,
                "<div class=\"note bad\"><b>The QR code does not belong to this certificate</b>Its signed token is for {}. \
                 The label may have been tampered with.</div>",
                cert_link(other)
            );
        }
        TokenCheck::Failed(reason) => {
            let _ = write!(
                out,
                "<div class=\"note bad\"><b>The QR code's signature does not check out</b>{}. The label may be forged or altered.</div>",
                escape(&capitalise(reason))
            );
        }
    }
}

fn render_record(out: &mut String, cert: &Certificate, found: &Lookup) {
    let a = &cert.application;
    let n = &a.nanomaterial;

    out.push_str("<section class=\"card\"><h2>Product</h2><dl>");
    row(out, "Product", &escape(&a.product_name));
    if let Some(gtin) = &a.gtin {
        row(out, "GTIN", &format!("<span class=\"mono\">{}</span>", escape(gtin)));
    }
    row(out, "Batch / lot", &escape(&a.batch));
    row(out, "Manufacturer", &escape(&found.org_label(&cert.manufacturer_msp)));
    row(out, "Supplier", &escape(&a.supplier));
    if !a.product_description.is_empty() {
        row(out, "Description", &escape(&a.product_description));
    }
    out.push_str("</dl></section>");

    out.push_str("<section class=\"card\"><h2>Nanomaterial</h2><dl>");
    row(out, "Substance", &escape(&n.substance_name));
    row(out, "CAS number", &format!("<span class=\"mono\">{}</span>", escape(&n.cas_number)));
    if let Some(ec) = &n.ec_number {
        row(out, "EC number", &format!("<span class=\"mono\">{}</span>", escape(ec)));
    }
    let outcome = if cert.assessment.is_nanomaterial { "Nanomaterial" } else { "Not a nanomaterial" };
    row(
        out,
        "EU definition",
        &format!("<strong>{outcome}</strong> <span class=\"muted\">— {}</span>", escape(&cert.assessment.basis)),
    );
    let psd = &n.particle_size;
    row(
        out,
        "Particle size",
        &escape(&format!(
            "D50 {} nm (D10 {} – D90 {} nm), {:.0} % in 1–100 nm",
            psd.d50_nm,
            psd.d10_nm,
            psd.d90_nm,
            psd.fraction_1_100nm * 100.0
        )),
    );
    let shape = format!("{:?}", n.shape).to_lowercase();
    let treatment = if n.surface_treatment.is_empty() { "untreated".to_owned() } else { n.surface_treatment.clone() };
    row(out, "Shape / surface", &escape(&format!("{shape}, {treatment}")));
    out.push_str("</dl></section>");

    out.push_str("<section class=\"card\"><h2>Certificate</h2><dl>");
    row(out, "ID", &format!("<span class=\"mono\">{}</span> (version {})", escape(&cert.id), cert.version));
    let mut status = format!("{} since {}", cert.status.as_str(), date_time(cert.status_since));
    if let Some(reason) = &cert.status_reason {
        let _ = write!(status, ": {reason}");
    }
    if let (Verdict::Expired, Some(issuance)) = (found.verdict(), &cert.issuance) {
        let _ = write!(status, " (validity ended {})", date(issuance.valid_until));
    }
    row(out, "Record status", &escape(&status));
    match &cert.issuance {
        Some(issuance) => {
            // A body retired since keeps what it issued before: the certificate reads as it
            // did, and the issuer's accreditation shows as withdrawn.
            let issuer = match found.retirement(&issuance.issuer_org) {
                Some(retired) => format!(
                    "{} — accreditation withdrawn on {} ({})",
                    found.org_label(&issuance.issuer_org),
                    date(retired.at),
                    retired.reason
                ),
                None => found.org_label(&issuance.issuer_org),
            };
            row(out, "Issuer", &escape(&issuer));
            let key_state = match found.issuer_key() {
                Some(key) if key.retired_at.is_some() => format!(
                    "on the trust list, retired {}{}",
                    key.retired_at.map(date).unwrap_or_default(),
                    key.retired_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                ),
                Some(key) => format!("on the trust list (held by {})", found.org_label(&key.holder.msp_id)),
                None => "NOT on the trust list".to_owned(),
            };
            row(
                out,
                "Issuer key",
                &format!(
                    "<span class=\"mono\">{}</span> <span class=\"muted\">{}</span>",
                    escape(&issuance.issuer_key_id),
                    escape(&key_state)
                ),
            );
            row(out, "Issued", &escape(&date_time(issuance.issued_at)));
            row(out, "Valid until", &escape(&date_time(issuance.valid_until)));
        }
        None => row(out, "Issued", "not issued"),
    }
    row(out, "Applied", &escape(&date_time(cert.applied_at)));
    // The contract admits only http(s) URLs; link nothing else all the same.
    let revision = if a.sds.url.starts_with("https://") || a.sds.url.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">revision {}</a>",
            escape(&a.sds.url),
            a.sds.revision
        )
    } else {
        format!("revision {} <span class=\"mono\">{}</span>", a.sds.revision, escape(&a.sds.url))
    };
    row(
        out,
        "Safety data sheet",
        &format!("{revision}<br><span class=\"mono\">sha256 {}</span>", escape(&a.sds.sha256)),
    );
    if let Some(previous) = &cert.supersedes {
        row(out, "Replaces", &cert_link(previous));
    }
    if let Some(next) = &cert.superseded_by {
        row(out, "Replaced by", &cert_link(next));
    }
    if !a.depends_on.is_empty() {
        let links: Vec<String> = a.depends_on.iter().map(|d| cert_link(d)).collect();
        row(out, "Depends on", &links.join(" "));
    }
    if cert.resign_required {
        row(out, "Note", "the data changed since signing (new SDS revision); it needs a fresh signature");
    }
    out.push_str("</dl></section>");
}

const MAX_HISTORY_SHOWN: usize = 20;

fn render_history(out: &mut String, history: &[HistoryEntry], found: &Lookup) {
    if history.is_empty() {
        return;
    }
    out.push_str("<section class=\"card\"><h2>History (newest first)</h2><ol class=\"hist\">");
    for entry in history.iter().take(MAX_HISTORY_SHOWN) {
        let action = format!("{:?}", entry.action);
        let _ = write!(
            out,
            "<li><time>{}</time><strong>{}</strong> → {} <span class=\"muted\">by {}</span>",
            escape(&date_time(entry.timestamp)),
            escape(&action),
            entry.status.as_str(),
            escape(&found.org_label(&entry.actor.msp_id))
        );
        if let Some(reason) = &entry.reason {
            let _ = write!(out, "<br>{}", escape(reason));
        }
        out.push_str("</li>");
    }
    if history.len() > MAX_HISTORY_SHOWN {
        let _ = write!(
            out,
            "<li class=\"muted\">and {} earlier entries (see the JSON API)</li>",
            history.len() - MAX_HISTORY_SHOWN
        );
    }
    out.push_str("</ol></section>");
}
