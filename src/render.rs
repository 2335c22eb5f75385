//! Human-readable output of certificates, verdicts, histories and pages.

use nanotrace_model::*;
use std::fmt::Write;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Unix seconds as an RFC 3339 UTC time.
pub fn when(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{seconds} (unix)"))
}

/// One line for a verdict: a mark (✔ valid, … pending, ✘ otherwise), the verdict, its
/// reason and since when.
pub fn verdict_line(v: &Verification) -> String {
    let mark = match v.verdict {
        Verdict::Valid => "✔",
        Verdict::Pending => "…",
        _ => "✘",
    };
    let mut line = format!("{mark} {} — {}", v.verdict, v.reason);
    if let Some(since) = v.since {
        let _ = write!(line, " (since {})", when(since));
    }
    line
}

/// The text of `nanotrace verify`: the verdict, when it was checked, a newer version
/// and any supplier warnings.
pub fn verification(v: &Verification) -> String {
    let mut out = format!(
        "Certificate {}\n  Verdict: {}\n  Checked: {}\n",
        v.certificate_id,
        verdict_line(v),
        when(v.checked_at)
    );
    if let Some(next) = &v.superseded_by {
        let _ = writeln!(out, "  Newer version: {next}");
    }
    for flag in &v.flags {
        let _ = writeln!(
            out,
            "  Warning: supplier certificate {} is {} since {}: {}",
            flag.supplier_certificate,
            flag.supplier_status,
            when(flag.since),
            flag.reason
        );
    }
    out
}

/// The text of `nanotrace show`: the full certificate record.
pub fn certificate(c: &Certificate) -> String {
    let a = &c.application;
    let n = &a.nanomaterial;
    let psd = &n.particle_size;
    let mut out = String::new();
    let _ = writeln!(out, "Certificate {} (version {})", c.id, c.version);
    let _ = writeln!(out, "  Status:        {} since {}", c.status, when(c.status_since));
    if let Some(reason) = &c.status_reason {
        let _ = writeln!(out, "  Reason:        {reason}");
    }
    let _ = writeln!(out, "  Product:       {}", a.product_name);
    if let Some(gtin) = &a.gtin {
        let _ = writeln!(out, "  GTIN / batch:  {gtin} / {}", a.batch);
    } else {
        let _ = writeln!(out, "  Batch:         {}", a.batch);
    }
    let _ = writeln!(out, "  Manufacturer:  {} (applied {})", c.manufacturer_msp, when(c.applied_at));
    let _ = writeln!(out, "  Supplier:      {}", a.supplier);
    let _ = writeln!(
        out,
        "  Substance:     {} (CAS {}{})",
        n.substance_name,
        n.cas_number,
        n.ec_number.as_ref().map(|ec| format!(", EC {ec}")).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "  Particles:     D10 {} nm, D50 {} nm, D90 {} nm; {:.1} % in 1–100 nm; VSSA {} m²/cm³; {:?}",
        psd.d10_nm,
        psd.d50_nm,
        psd.d90_nm,
        psd.fraction_1_100nm * 100.0,
        n.vssa_m2_per_cm3,
        n.shape
    );
    let _ = writeln!(
        out,
        "  EU definition: {} — {}",
        if c.assessment.is_nanomaterial { "nanomaterial" } else { "not a nanomaterial" },
        c.assessment.basis
    );
    let _ = writeln!(out, "  SDS:           rev {} {} (sha256 {})", a.sds.revision, a.sds.url, a.sds.sha256);
    if let Some(i) = &c.issuance {
        let _ =
            writeln!(out, "  Issued by:     {} with key {} on {}", i.issuer_org, i.issuer_key_id, when(i.issued_at));
        let _ = writeln!(out, "  Valid until:   {}", when(i.valid_until));
        let _ = writeln!(out, "  Digest:        {}", i.digest);
    }
    if let Some(prev) = &c.supersedes {
        let _ = writeln!(out, "  Supersedes:    {prev}");
    }
    if let Some(next) = &c.superseded_by {
        let _ = writeln!(out, "  Superseded by: {next}");
    }
    if c.resign_required {
        let _ = writeln!(out, "  Note:          data changed since signing; reinstating needs a fresh signature");
    }
    for flag in &c.flags {
        let _ = writeln!(
            out,
            "  Warning:       supplier certificate {} is {}: {}",
            flag.supplier_certificate, flag.supplier_status, flag.reason
        );
    }
    out
}

/// A person-friendly name for an actor: the certificate's common name and MSP.
pub fn actor_name(actor: &Actor) -> String {
    match common_name(actor) {
        Some(cn) => format!("{cn} ({})", actor.msp_id),
        None => actor.msp_id.clone(),
    }
}

/// The common name of an actor's certificate (its Fabric-style ID `x509::CN=name,…::CN=issuer`).
pub fn common_name(actor: &Actor) -> Option<&str> {
    let subject = actor.id.strip_prefix("x509::").and_then(|rest| rest.split("::").next()).unwrap_or(&actor.id);
    subject.split(',').find_map(|part| part.strip_prefix("CN="))
}

/// The text of `nanotrace history`: the audit trail of certificate `id`, newest first.
pub fn history(id: &str, entries: &[HistoryEntry]) -> String {
    let mut out = format!("History of {id} (newest first)\n");
    for e in entries {
        let _ = write!(
            out,
            "  {}  {:<18} {:<10} by {}",
            when(e.timestamp),
            format!("{:?}", e.action),
            e.status.as_str(),
            actor_name(&e.actor)
        );
        if let Some(reason) = &e.reason {
            let _ = write!(out, " — {reason}");
        }
        let _ = writeln!(out, "\n      tx {}", e.tx_id);
    }
    out
}

/// A page of certificates under `title`, with the bookmark of the next page if any.
pub fn page(title: &str, page: &CertificatePage) -> String {
    let mut out = format!("{title}: {} certificate(s)\n", page.certificates.len());
    for c in &page.certificates {
        let _ = writeln!(
            out,
            "  {}  {:<10} {}  {} / {}",
            c.id,
            c.status.as_str(),
            when(c.status_since),
            c.application.product_name,
            c.application.batch
        );
    }
    if !page.bookmark.is_empty() {
        let _ = writeln!(out, "  more: pass --bookmark {}", page.bookmark);
    }
    out
}

/// The text of `nanotrace key list`: the issuer trust list.
pub fn issuer_keys(keys: &[IssuerKey]) -> String {
    let mut out = format!("Issuer trust list: {} key(s)\n", keys.len());
    for k in keys {
        let state = match (&k.retired_at, &k.retired_reason) {
            (Some(at), reason) => format!("retired {} ({})", when(*at), reason.clone().unwrap_or_default()),
            (None, _) => format!("valid {} to {}", when(k.valid_from), when(k.valid_until)),
        };
        let _ = writeln!(out, "  {}  {}  holder {}  {}", k.key_id, k.public_key, k.holder.msp_id, state);
    }
    out
}

/// The verification URL of a certificate, with its offline token once issued.
pub fn verification_url(base: &str, cert: &Certificate) -> String {
    nanotrace_model::link::verification_url(base, cert)
}

/// A QR code for `text` drawn with Unicode half blocks (two modules per character row).
pub fn qr(text: &str) -> Result<String, qrcode::types::QrError> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)?;
    Ok(code.render::<Dense1x2>().dark_color(Dense1x2::Light).light_color(Dense1x2::Dark).quiet_zone(true).build())
}

/// The command that runs this `nanotrace` binary, as the user can type it: the full
/// path of the running executable (nothing puts `nanotrace` on the PATH unless the
/// user installs it), quoted for a POSIX shell when needed.
pub fn self_command() -> String {
    match std::env::current_exe() {
        Ok(path) => shell_word(&path.display().to_string()),
        Err(_) => "nanotrace".to_owned(),
    }
}

/// `path` made absolute (for a command printed to be run from anywhere) and quoted.
pub fn shell_path(path: &std::path::Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    shell_word(&absolute.display().to_string())
}

/// `word` as one POSIX shell word: unchanged when it holds only safe characters,
/// otherwise in single quotes.
pub fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+@:,=".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
