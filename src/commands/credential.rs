//! `vc sign` and `vc export`: a certificate's W3C Verifiable Credential
//! ([`nanotrace_model::credential`]), signed by the certifier's own issuer key on this
//! machine and recorded on the ledger; exported as the ledger records it.

use super::backend::Backend;
use super::Ctx;
use anyhow::{bail, Context, Result};
use nanotrace_client::Wait;
use nanotrace_model::credential;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// `vc sign ID [--key K] [--new-position]`: signs the credential and records its proof
/// (`AttachCredential`); with `--new-position`, after moving the certificate to a new
/// status-list position (the old one retired).
pub(super) fn sign(ctx: &Ctx, net: &Backend, id: &str, key: Option<&str>, new_position: bool) -> Result<ExitCode> {
    nanotrace_model::validate::certificate_id("certificate ID", id)?;
    let signer = net.signer(ctx, key)?;
    let client = net.client(ctx)?;
    let cert = client.get_certificate(id).wait()?;
    let Some(issuance) = &cert.issuance else {
        bail!("certificate {id} is {} and has never been issued: it has no credential", cert.status.as_str());
    };
    if issuance.issuer_key_id != signer.key_id {
        bail!(
            "certificate {id} was issued with key {}; this key is {}: only the key that signed the issuance signs its \
             credential",
            issuance.issuer_key_id,
            signer.key_id
        );
    }
    let now = nanotrace_embedded::datadir::now();
    credential::issuing_key(&cert, &client.issuer_keys().wait()?, now)?;
    let organizations = client.organizations().wait()?;
    let issuer_name = credential::issuer_name(&organizations, &issuance.issuer_org).to_owned();
    let (cert, retired) = match (new_position, cert.status_index) {
        (true, Some(old)) => (client.new_status_position(&cert, &ctx.verify_url, now).wait()?.value, Some(old)),
        (true, None) => bail!(
            "certificate {id} has no status-list position to move: sign its credential without --new-position, \
             which gives it its first"
        ),
        (false, _) => (cert, None),
    };
    let out = client.attach_credential(&cert, &signer.key, &issuer_name, &ctx.verify_url, now).wait()?;
    let index = out.value.status_index;
    ctx.print(
        &serde_json::json!({
            "certificate_id": id, "status_base": ctx.verify_url, "status_index": index, "created": now,
            "retired_status_index": retired, "tx_id": out.tx_id
        }),
        || {
            let given = match retired {
                Some(old) => format!(" (moved from position {old}, now revoked)"),
                None if cert.status_index.is_none() => " (given to it now)".to_owned(),
                None => String::new(),
            };
            format!(
                "Recorded the credential of {id} (status lists under {}, position {}{given}); tx {}\n",
                ctx.verify_url,
                index.map_or_else(|| "none".to_owned(), |i| i.to_string()),
                out.tx_id
            )
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `vc export ID [--out FILE]`: the credential the ledger records.
pub(super) fn export(ctx: &Ctx, net: &Backend, id: &str, out: Option<&Path>) -> Result<ExitCode> {
    nanotrace_model::validate::certificate_id("certificate ID", id)?;
    let reader = net.reader(ctx)?;
    let cert = reader.get_certificate(id).wait()?;
    let vc = credential::recorded(&cert, &reader.issuer_keys().wait()?, &reader.organizations().wait()?, None)?;
    let text = serde_json::to_string_pretty(&vc)? + "\n";
    match out {
        None => ctx.print(&vc, || text.clone())?,
        Some(path) => {
            let mut file =
                std::fs::OpenOptions::new().write(true).create_new(true).open(path).with_context(|| {
                    format!("cannot create {} (an existing file is never replaced)", path.display())
                })?;
            file.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote the credential of {id} to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
