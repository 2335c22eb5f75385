//! A certificate's lifecycle: `apply`, `approve`, `reject`, `suspend`, `reinstate`,
//! `revoke`, `renew` and `update-sds`.

use super::backend::Backend;
use super::{read_input, Ctx};
use crate::cli::Signing;
use anyhow::{Context, Result};
use nanotrace::issued::{self, Credentials};
use nanotrace_client::{ApprovalSigning, Wait};
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
    let client = net.client(ctx)?;
    let msp = net.msp(ctx)?;
    // One transaction: the approval carries the certificate's credential.
    let terms = client.credential_terms(&msp, &ctx.verify_url).wait()?;
    let approval = ApprovalSigning { signer: &signer, issuer_org: &msp, validity_days: signing.valid_days };
    let out = client.approve_with_credential(id, &approval, datadir::now(), terms.as_ref()).wait()?;
    let credentials = match &terms {
        Some(terms) => Credentials::under(terms, 1),
        None => Credentials::no_status_base(&msp),
    };
    ctx.print(&serde_json::json!({"certificate_id": id, "tx_id": out.tx_id, "credential": credentials}), || {
        format!("Approved {id} in tx {}\n{}\n", out.tx_id, credentials.line())
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
    let client = net.client(ctx)?;
    // Re-signed after a new SDS revision, its credential no longer proves it: the
    // reinstatement carries the new one.
    let terms = match &signer {
        Some(_) => client.credential_terms(&net.msp(ctx)?, &ctx.verify_url).wait()?,
        None => None,
    };
    let (out, carried) =
        client.reinstate_with_credential(id, reason, signer.as_ref(), datadir::now(), terms.as_ref()).wait()?;
    let credentials = match (&signer, out.value.issuance.as_ref(), &terms) {
        (_, _, Some(terms)) if carried => Some(Credentials::under(terms, 1)),
        // A certificate that lacks a current credential otherwise (issued before): recorded now.
        (Some(signer), Some(issuance), _) if issuance.issuer_key_id == signer.key_id => {
            Some(credential_of(ctx, &client, id, signer, &issuance.issuer_org, "reinstated", &out.tx_id)?)
        }
        _ => None,
    };
    let mut json = serde_json::to_value(&out.value)?;
    if let (Some(credentials), Some(object)) = (&credentials, json.as_object_mut()) {
        object.insert("credential".into(), serde_json::to_value(credentials)?);
    }
    ctx.print(&json, || {
        let line = credentials.as_ref().filter(|c| c.recorded > 0).map(|c| format!("{}\n", c.line()));
        format!("Reinstated {id} in tx {}\n{}", out.tx_id, line.unwrap_or_default())
    })?;
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
    let client = net.client(ctx)?;
    let msp = net.msp(ctx)?;
    // One transaction: the renewal carries the new version's credential.
    let terms = client.credential_terms(&msp, &ctx.verify_url).wait()?;
    let renewal = ApprovalSigning { signer: &signer, issuer_org: &msp, validity_days: signing.valid_days };
    let out = client.renew_with_credential(id, &renewal, datadir::now(), terms.as_ref()).wait()?;
    let new_id = out.value.get(1).cloned().context("the contract answered no new certificate ID")?;
    let credentials = match &terms {
        Some(terms) => Credentials::under(terms, 1),
        None => Credentials::no_status_base(&msp),
    };
    let json =
        serde_json::json!({"superseded": id, "certificate_id": new_id, "tx_id": out.tx_id, "credential": credentials});
    ctx.print(&json, || format!("Renewed {id} as {new_id} in tx {}\n{}\n", out.tx_id, credentials.line()))?;
    Ok(ExitCode::SUCCESS)
}

/// Records the credential of `id`, just issued (`done`: "approved", "renewed") in
/// `tx_id` with `signer`'s key; a failure says the issuance stands and how to finish.
fn credential_of(
    ctx: &Ctx,
    client: &super::backend::Api,
    id: &str,
    signer: &nanotrace_client::IssuerSigner,
    msp: &str,
    done: &str,
    tx_id: &str,
) -> Result<Credentials> {
    issued::record(client, &[id.to_owned()], signer, msp, &ctx.verify_url, datadir::now()).wait().with_context(|| {
        format!(
            "{done} {id} in tx {tx_id}, but its credential was not recorded: record it with `nanotrace vc sign {id}`"
        )
    })
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
