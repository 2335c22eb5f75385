//! The network and its members: `init`, `identity`, `register-org`, `company-prefixes`,
//! `grant`, `ungrant` and `key` (the issuer trust list).

use super::backend::{write_key_file, Backend};
use super::Ctx;
use crate::cli::RoleArg;
use anyhow::{Context, Result};
use nanotrace::render;
use nanotrace_client::IssuerSigner;
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, DataDir};
use nanotrace_embedded::devmsp::NodeType;
use nanotrace_model::{RegisterIssuerKeyRequest, RegisterOrganizationRequest, Role};
use std::path::Path;
use std::process::ExitCode;

/// `init`: the sample network in a new data directory.
pub(super) fn init(ctx: &Ctx, dir: &DataDir) -> Result<ExitCode> {
    dir.init_sample_network_for(datadir::now(), &ctx.verify_url)?;
    let ids = dir.msp.list()?;
    ctx.print(&ids.iter().map(|i| (&i.name, &i.msp_id)).collect::<Vec<_>>(), || {
        let mut s = format!("Sample network created in {}\n", dir.path.display());
        for i in &ids {
            s.push_str(&format!("  {:<22} {}\n", i.name, i.msp_id));
        }
        s.push_str(&format!(
            "Try: {} --data-dir {} --as {} apply --file examples/application.json\n",
            render::self_command(),
            render::shell_path(&dir.path),
            datadir::APPLICANT
        ));
        s
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `identity create`: a new identity from its organisation's local CA.
pub(super) fn identity_create(ctx: &Ctx, dir: &DataDir, name: &str, msp: &str, admin: bool) -> Result<ExitCode> {
    let id = dir.msp.enroll(name, msp, if admin { NodeType::Admin } else { NodeType::Client })?;
    let actor = dir.actor(name)?;
    ctx.print(&actor, || format!("Created {} in {}\n  id: {}\n", id.name, id.msp_id, actor.id))?;
    Ok(ExitCode::SUCCESS)
}

/// `identity import`: a Fabric CA enrollment (a `nanotrace ca` wallet) as a local identity.
pub(super) fn identity_import(ctx: &Ctx, dir: &DataDir, name: &str, msp: &str, wallet: &Path) -> Result<ExitCode> {
    let enrollment = nanotrace::wallet::Wallet::at(wallet).enrollment()?;
    let id = dir.msp.import(name, msp, enrollment.certificate_pem(), enrollment.key_pem())?;
    let actor = dir.actor(name)?;
    ctx.print(&actor, || {
        format!("Imported {} into {} from the wallet {}\n  id: {}\n", id.name, id.msp_id, wallet.display(), actor.id)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `identity list`.
pub(super) fn identity_list(ctx: &Ctx, dir: &DataDir) -> Result<ExitCode> {
    let ids = dir.msp.list()?;
    ctx.print(
        &ids.iter().map(|i| serde_json::json!({"name": i.name, "msp_id": i.msp_id})).collect::<Vec<_>>(),
        || ids.iter().map(|i| format!("{:<24} {}\n", i.name, i.msp_id)).collect(),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `bootstrap`: the governance record, with the caller as the first admin.
pub(super) fn bootstrap(ctx: &Ctx, net: &Backend) -> Result<ExitCode> {
    let out = net.client(ctx)?.bootstrap().wait()?;
    ctx.print(&out.value, || format!("Bootstrapped by {} in tx {}\n", out.value.msp_id, out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `register-org` (admin).
pub(super) fn register_org(ctx: &Ctx, net: &Backend, req: RegisterOrganizationRequest) -> Result<ExitCode> {
    let out = net.client(ctx)?.register_organization_with(&req).wait()?;
    ctx.print(&out.value, || format!("Registered {} ({:?}) in tx {}\n", out.value.msp_id, out.value.kind, out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `retire-org` (admin).
pub(super) fn retire_org(ctx: &Ctx, net: &Backend, msp_id: &str, reason: &str) -> Result<ExitCode> {
    let out = net.client(ctx)?.retire_organization(msp_id, reason).wait()?;
    ctx.print(&out.value, || {
        format!("Retired {} in tx {}: its roles ended, its issuer keys retired\n", out.value.msp_id, out.tx_id)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `company-prefixes` (admin).
pub(super) fn company_prefixes(ctx: &Ctx, net: &Backend, msp_id: &str, prefixes: Vec<String>) -> Result<ExitCode> {
    let out = net.client(ctx)?.set_company_prefixes(msp_id, prefixes).wait()?;
    ctx.print(&out.value, || {
        let held = if out.value.company_prefixes.is_empty() {
            "none".to_owned()
        } else {
            out.value.company_prefixes.join(", ")
        };
        format!("{} holds the GS1 Company Prefixes {held} (tx {})\n", out.value.msp_id, out.tx_id)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `status-bases` (admin).
pub(super) fn status_bases(ctx: &Ctx, net: &Backend, msp_id: &str, urls: &[String]) -> Result<ExitCode> {
    let out = net.client(ctx)?.set_status_bases(msp_id, urls).wait()?;
    ctx.print(&out.value, || {
        let bases = &out.value.status_bases;
        let list = if bases.is_empty() { "none".to_owned() } else { bases.join(", ") };
        format!("Status bases of {}: {list} (tx {})\n", out.value.msp_id, out.tx_id)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `grant` (admin).
pub(super) fn grant(ctx: &Ctx, net: &Backend, identity: &str, role: RoleArg) -> Result<ExitCode> {
    let target = net.holder(identity)?;
    let out = net.client(ctx)?.grant_role(target, role_of(role)).wait()?;
    ctx.print(&out.value, || format!("Granted {} to {identity}\n", out.value.role.as_str()))?;
    Ok(ExitCode::SUCCESS)
}

/// `approve-key`: the caller's roles move to the key of `new` (or `key`).
pub(super) fn approve_key(ctx: &Ctx, net: &Backend, new: Option<&str>, key: Option<&str>) -> Result<ExitCode> {
    let key = match (new, key) {
        (_, Some(key)) => key.to_owned(),
        (Some(new), None) => net.holder(new)?.key,
        (None, None) => anyhow::bail!("name the new certificate's identity or --key"),
    };
    let out = net.client(ctx)?.approve_role_key(&key).wait()?;
    ctx.print(&out.value, || {
        let roles: Vec<&str> = out.value.iter().map(|g| g.role.as_str()).collect();
        format!("Roles {} now held by key {key} (tx {})\n", roles.join(", "), out.tx_id)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `ungrant` (admin).
pub(super) fn ungrant(ctx: &Ctx, net: &Backend, identity: &str, role: RoleArg) -> Result<ExitCode> {
    let target = net.actor(identity)?;
    let out = net.client(ctx)?.revoke_role(target, role_of(role)).wait()?;
    ctx.print(&out.value, || format!("Revoked {} from {identity}\n", out.value.role.as_str()))?;
    Ok(ExitCode::SUCCESS)
}

/// `key create`: a new Ed25519 issuer key for `holder`, registered on the trust list;
/// kept in the data directory, or (Fabric) written to `out`.
pub(super) fn key_create(ctx: &Ctx, net: &Backend, holder: &str, days: u32, out: Option<&Path>) -> Result<ExitCode> {
    let admin = net.client(ctx)?;
    let holder_actor = net.actor(holder)?;
    let key = match net {
        Backend::Embedded(_) if out.is_some() => {
            anyhow::bail!("--out is for --network fabric; the embedded ledger keeps issuer keys in its data directory")
        }
        Backend::Embedded(dir) => dir.msp.create_issuer_key(holder)?,
        Backend::Fabric(_) => {
            let out = out.context("--network fabric has no local key store: pass --out FILE for the new issuer key")?;
            let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
            write_key_file(out, &key)?;
            key
        }
    };
    let signer = IssuerSigner::new(key);
    let now = datadir::now();
    let out = admin
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: signer.public_key_hex(),
            holder: holder_actor,
            valid_from: now - 60,
            valid_until: now + i64::from(days) * 86_400,
        })
        .wait()?;
    ctx.print(&out.value, || format!("Registered issuer key {} for {holder}\n", out.value.key_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `key retire` (admin).
pub(super) fn key_retire(ctx: &Ctx, net: &Backend, key_id: &str, reason: &str) -> Result<ExitCode> {
    let out = net.client(ctx)?.retire_issuer_key(key_id, reason).wait()?;
    ctx.print(&out.value, || format!("Retired issuer key {}\n", out.value.key_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `key list`: the trust list (`--json` gives the file `verify --offline` reads).
pub(super) fn key_list(ctx: &Ctx, net: &Backend) -> Result<ExitCode> {
    let keys = net.reader(ctx)?.issuer_keys().wait()?;
    ctx.print(&keys, || render::issuer_keys(&keys))?;
    Ok(ExitCode::SUCCESS)
}

fn role_of(role: RoleArg) -> Role {
    match role {
        RoleArg::Admin => Role::Admin,
        RoleArg::Certifier => Role::Certifier,
        RoleArg::Auditor => Role::Auditor,
    }
}
