//! `vc export`: a certificate's W3C Verifiable Credential, issued by the certifier's own
//! issuer key on this machine ([`nanotrace_model::credential`]).

use super::backend::Backend;
use super::Ctx;
use anyhow::{bail, Context, Result};
use nanotrace_model::credential;
use nanotrace_peer_client::Wait;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// `vc export ID [--key K] [--out FILE]`.
pub(super) fn export(ctx: &Ctx, net: &Backend, id: &str, key: Option<&str>, out: Option<&Path>) -> Result<ExitCode> {
    nanotrace_model::validate::certificate_id("certificate ID", id)?;
    let signer = net.signer(ctx, key)?;
    let reader = net.reader(ctx)?;
    let cert = reader.get_certificate(id).wait()?;
    let Some(issuance) = &cert.issuance else {
        bail!("certificate {id} is {} and has never been issued: it has no credential", cert.status.as_str());
    };
    if issuance.issuer_key_id != signer.key_id {
        bail!(
            "certificate {id} was issued with key {}; this key is {}: only the key that signed the issuance issues its \
             credential",
            issuance.issuer_key_id,
            signer.key_id
        );
    }
    let now = nanotrace_embedded::datadir::now();
    let trusted = reader.issuer_keys().wait()?;
    credential::issuing_key(&cert, &trusted, now)?;
    let organizations = reader.organizations().wait()?;
    let issuer_name = credential::issuer_name(&organizations, &issuance.issuer_org);
    let vc = credential::sign(&cert, &signer.key, issuer_name, &ctx.verify_url, now)?;
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
