//! Reads: `verify` (on the ledger, or `--offline` against a saved trust list), `show`,
//! `history`, `qr`, `queue`, `mine` and `whoami`.

use super::backend::Backend;
use super::Ctx;
use crate::cli::PageArgs;
use anyhow::{Context, Result};
use nanotrace::render;
use nanotrace_client::Wait;
use nanotrace_embedded::datadir;
use nanotrace_model::token::OfflineToken;
use nanotrace_model::{CertificateStatus, IssuerKey, Verdict};
use std::path::Path;
use std::process::ExitCode;

/// `verify ID`: the verdict; exit code 0 only for VALID, 2 for any other verdict.
pub(super) fn verify(ctx: &Ctx, net: &Backend, id: Option<String>) -> Result<ExitCode> {
    let id = id.context("a certificate ID is required")?;
    let v = net.reader(ctx)?.verify(&id).wait()?;
    ctx.print(&v, || render::verification(&v))?;
    // Scripts can rely on the exit code: 0 only for VALID.
    Ok(if v.verdict == Verdict::Valid { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// `verify --offline TOKEN --trust-list FILE`: checks an offline token (or a scanned URL
/// carrying one) against a saved trust list, with no ledger at all. Exit code 2 for an
/// authentic but expired certificate.
pub(super) fn verify_offline(ctx: &Ctx, token: &str, trust_list: &Path) -> Result<ExitCode> {
    let text = token.trim();
    let text = match text.split_once("t=") {
        Some((_, rest)) if text.contains("://") => rest.split('&').next().unwrap_or(rest),
        _ => text,
    };
    let bytes =
        std::fs::read(trust_list).with_context(|| format!("cannot read trust list {}", trust_list.display()))?;
    let keys: Vec<IssuerKey> = serde_json::from_slice(&bytes).with_context(|| {
        format!("{} is not a trust list (save one with `nanotrace key list --json`)", trust_list.display())
    })?;
    let checked = OfflineToken::decode(text).and_then(|t| t.verify(&keys, datadir::now())).context("token rejected")?;
    ctx.print(&checked, || {
        format!(
            "{} AUTHENTIC{} — certificate {} signed by {} with key {}\n  issued {}, valid until {}\n  \
             (offline: a revocation after issue cannot be seen without the ledger)\n",
            if checked.expired { "✘" } else { "✔" },
            if checked.expired { " but EXPIRED" } else { "" },
            checked.certificate_id,
            render::actor_name(&checked.issuer),
            checked.issuer_key_id,
            render::when(checked.issued_at),
            render::when(checked.valid_until)
        )
    })?;
    Ok(if checked.expired { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// `show ID`: the full certificate record.
pub(super) fn show(ctx: &Ctx, net: &Backend, id: &str) -> Result<ExitCode> {
    let c = net.reader(ctx)?.get_certificate(id).wait()?;
    ctx.print(&c, || render::certificate(&c))?;
    Ok(ExitCode::SUCCESS)
}

/// `history ID`: the audit trail, newest first.
pub(super) fn history(ctx: &Ctx, net: &Backend, id: &str) -> Result<ExitCode> {
    let h = net.reader(ctx)?.history(id).wait()?;
    ctx.print(&h, || render::history(id, &h))?;
    Ok(ExitCode::SUCCESS)
}

/// `qr ID`: the QR code of the verification URL (with its offline token once issued).
pub(super) fn qr(ctx: &Ctx, net: &Backend, id: &str) -> Result<ExitCode> {
    nanotrace_model::validate::certificate_id("certificate ID", id)?;
    let cert = net.reader(ctx)?.get_certificate(id).wait()?;
    let url = render::verification_url(&ctx.verify_url, &cert);
    let qr = render::qr(&url)?;
    ctx.print(&serde_json::json!({"url": url}), || format!("{qr}\n{url}\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// The contract's bookmark from `--bookmark`. Bookmarks are ledger keys, which hold NUL
/// separators no shell argument can carry, so the CLI prints and takes them hex-encoded.
fn bookmark_arg(arg: &str) -> Result<String> {
    let bytes = hex::decode(arg.trim())
        .map_err(|e| anyhow::anyhow!("--bookmark: not a bookmark this CLI printed (hex expected): {e}"))?;
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("--bookmark: not a bookmark this CLI printed (not UTF-8 once decoded)"))
}

/// `queue [--status]`: certificates by status (certifier, admin, auditor).
pub(super) fn queue(ctx: &Ctx, net: &Backend, status: CertificateStatus, page: &PageArgs) -> Result<ExitCode> {
    let mut p = net.client(ctx)?.queue(status, page.page_size, &bookmark_arg(&page.bookmark)?).wait()?;
    p.bookmark = hex::encode(p.bookmark.as_bytes());
    ctx.print(&p, || render::page(&format!("{status} certificates"), &p))?;
    Ok(ExitCode::SUCCESS)
}

/// `mine [--msp]`: an organisation's certificates.
pub(super) fn mine(ctx: &Ctx, net: &Backend, msp: Option<String>, page: &PageArgs) -> Result<ExitCode> {
    let mut p = net.client(ctx)?.mine(msp, page.page_size, &bookmark_arg(&page.bookmark)?).wait()?;
    p.bookmark = hex::encode(p.bookmark.as_bytes());
    ctx.print(&p, || render::page("Certificates of the organisation", &p))?;
    Ok(ExitCode::SUCCESS)
}

/// `whoami`: identity, roles and organisation as the contract sees them; with `code`,
/// only the caller's role request code (for an admin's `grant CODE ROLE`).
pub(super) fn whoami(ctx: &Ctx, net: &Backend, code: bool) -> Result<ExitCode> {
    let w = net.client(ctx)?.who_am_i().wait()?;
    if code {
        let code = nanotrace_model::member_request::RoleRequest { holder: w.holder() }.code();
        ctx.print(&serde_json::json!({ "code": code }), || format!("{code}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    ctx.print(&w, || {
        format!(
            "{}\n  key: {}\n  roles: {}{}\n  organisation: {}\n",
            w.identity,
            w.key,
            if w.roles.is_empty() {
                "none".into()
            } else {
                w.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
            },
            if w.roles_of_other_key.is_empty() {
                String::new()
            } else {
                format!(
                    "\n  held by another key of this identity: {} (that key approves this one with approve-key, or an admin grants them again)",
                    w.roles_of_other_key.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
                )
            },
            w.organization
                .as_ref()
                .map(|o| format!("{} ({:?})", o.name, o.kind))
                .unwrap_or_else(|| "not registered".into())
        )
    })?;
    Ok(ExitCode::SUCCESS)
}
