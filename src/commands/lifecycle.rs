//! A certificate's lifecycle: `apply`, `approve`, `reject`, `suspend`, `reinstate`,
//! `revoke`, `renew` and `update-sds`.

use super::backend::Backend;
use super::{read_input, Ctx};
use crate::cli::Signing;
use anyhow::{Context, Result};
use nanotrace_client::Wait;
use nanotrace_embedded::datadir;
use nanotrace_model::{Application, Function, IdsResponse, SafetyDataSheet};
use std::path::Path;
use std::process::ExitCode;

/// `apply --file FILE` (manufacturer): one application as JSON, `-` for stdin.
pub(super) fn apply(ctx: &Ctx, net: &Backend, file: &Path, client_ref: Option<String>) -> Result<ExitCode> {
    let bytes = read_input(file)?;
    let mut application: Application =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not a valid application", file.display()))?;
    if client_ref.is_some() {
        application.client_ref = client_ref;
    }
    let out = net.client(ctx)?.submit::<_, IdsResponse>(Function::Apply, &application).wait()?;
    let id = out.value.certificate_ids.first().cloned().context("the contract answered no certificate ID")?;
    let repeated = out.value.repeated.contains(&id);
    let json = serde_json::json!({
        "certificate_id": id,
        "tx_id": out.tx_id,
        "client_ref": application.client_ref,
        "repeated": repeated,
    });
    ctx.print(&json, || match (&application.client_ref, repeated) {
        (Some(reference), true) => format!(
            "Already applied under client reference {reference}: {id} (nothing new recorded; tx {})\n",
            out.tx_id
        ),
        _ => format!("Applied: {id} (PENDING) in tx {}\n", out.tx_id),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `approve ID` (certifier), signed with `--key` or the caller's own issuer key.
pub(super) fn approve(ctx: &Ctx, net: &Backend, id: &str, signing: &Signing) -> Result<ExitCode> {
    let signer = net.signer(ctx, signing.key.as_deref())?;
    let out = net.client(ctx)?.approve(id, &signer, &net.msp(ctx)?, datadir::now(), signing.valid_days).wait()?;
    ctx.print(&serde_json::json!({"certificate_id": id, "tx_id": out.tx_id}), || {
        format!("Approved {id} in tx {}\n", out.tx_id)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `reject ID --reason` (certifier).
pub(super) fn reject(ctx: &Ctx, net: &Backend, id: &str, reason: &str) -> Result<ExitCode> {
    let out = net.client(ctx)?.reject(id, reason).wait()?;
    ctx.print(&out.value, || format!("Rejected {id} in tx {}\n", out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `suspend ID --reason` (certifier of the issuing organisation).
pub(super) fn suspend(ctx: &Ctx, net: &Backend, id: &str, reason: &str) -> Result<ExitCode> {
    let out = net.client(ctx)?.suspend(id, reason).wait()?;
    ctx.print(&out.value, || format!("Suspended {id} in tx {}\n", out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `reinstate ID --reason [--key]` (certifier).
pub(super) fn reinstate(ctx: &Ctx, net: &Backend, id: &str, reason: &str, key: Option<&str>) -> Result<ExitCode> {
    // A key named with --key must load; without one, the caller's own key is used
    // when it has one (a reinstatement needs a signature only after an SDS update).
    let signer = net.optional_signer(ctx, key)?;
    let out = net.client(ctx)?.reinstate(id, reason, signer.as_ref()).wait()?;
    ctx.print(&out.value, || format!("Reinstated {id} in tx {}\n", out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `revoke ID --reason` (certifier of the issuing organisation).
pub(super) fn revoke(ctx: &Ctx, net: &Backend, id: &str, reason: &str) -> Result<ExitCode> {
    let out = net.client(ctx)?.revoke(id, reason).wait()?;
    ctx.print(&out.value, || format!("Revoked {id} in tx {}\n", out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `renew ID` (certifier): a new version that supersedes the certificate.
pub(super) fn renew(ctx: &Ctx, net: &Backend, id: &str, signing: &Signing) -> Result<ExitCode> {
    let signer = net.signer(ctx, signing.key.as_deref())?;
    let out = net.client(ctx)?.renew(id, &signer, &net.msp(ctx)?, datadir::now(), signing.valid_days).wait()?;
    let new_id = out.value.get(1).cloned().unwrap_or_default();
    ctx.print(&serde_json::json!({"superseded": id, "certificate_id": new_id, "tx_id": out.tx_id}), || {
        format!("Renewed {id} as {new_id} in tx {}\n", out.tx_id)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `update-sds ID --url --sha256 --revision` (manufacturer).
pub(super) fn update_sds(
    ctx: &Ctx,
    net: &Backend,
    id: &str,
    url: String,
    sha256: String,
    revision: u32,
) -> Result<ExitCode> {
    let out = net.client(ctx)?.update_sds(id, SafetyDataSheet { url, sha256, revision }).wait()?;
    ctx.print(&out.value, || format!("Recorded SDS revision {revision} for {id}; status {}\n", out.value.status))?;
    Ok(ExitCode::SUCCESS)
}
