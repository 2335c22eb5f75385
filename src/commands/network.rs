//! The network and its members: `init`, `identity`, `register-org`, `company-prefixes`,
//! `grant`, `ungrant` and `key` (the issuer trust list).

use super::backend::{write_key_file, Api, Backend};
use super::Ctx;
use crate::cli::{Command, KeyCmd, RoleArg};
use anyhow::{bail, Context, Result};
use nanotrace::render;
use nanotrace_client::IssuerSigner;
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, DataDir};
use nanotrace_embedded::devmsp::NodeType;
use nanotrace_model::member_request::{KeyRequest, RoleRequest};
use nanotrace_model::{Actor, RegisterIssuerKeyRequest, RegisterOrganizationRequest, Role, RoleHolder};
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

/// On Fabric, the commands that would need another member's private key are refused
/// before anything is read or contacted: a key for a certifier is made by the certifier
/// (`key request`), and a member is named to `grant`/`ungrant` by its role request code,
/// not by its connection profile (which is its private key).
pub(super) fn refuse_another_members_key(command: &Command) -> Result<()> {
    match command {
        Command::Key(KeyCmd::Create { .. }) => bail!(
            "`nanotrace key create` makes a key for another member, which on Fabric would put its private key in \
             your hands: the certifier runs `nanotrace key request --out FILE` on its own host and hands you the \
             code it prints; you register it with `nanotrace key register CODE`"
        ),
        Command::Grant { member, .. } | Command::Ungrant { member, .. } => {
            RoleRequest::from_code(member).map(drop).map_err(|e| {
                anyhow::anyhow!(
                    "with --network fabric a member is named by its role request code, which `nanotrace whoami \
                     --code` prints on the member's own host (a connection profile holds its private key): {e}"
                )
            })
        }
        _ => Ok(()),
    }
}

/// The member `member` names: a role request code; on the embedded ledger also a local
/// identity's name (which no code is: a name has an `@` or decodes to no request).
fn role_holder(net: &Backend, member: &str) -> Result<RoleHolder> {
    match (RoleRequest::from_code(member), net) {
        (Ok(request), _) => Ok(request.holder),
        (Err(_), Backend::Embedded(_)) => net.holder(member),
        (Err(e), Backend::Fabric(_)) => Err(e.into()),
    }
}

/// `grant` (admin).
pub(super) fn grant(ctx: &Ctx, net: &Backend, member: &str, role: RoleArg) -> Result<ExitCode> {
    let target = role_holder(net, member)?;
    let name = target.identity.to_string();
    let out = net.client(ctx)?.grant_role(target, role_of(role)).wait()?;
    ctx.print(&out.value, || format!("Granted {} to {name}\n", out.value.role.as_str()))?;
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
pub(super) fn ungrant(ctx: &Ctx, net: &Backend, member: &str, role: RoleArg) -> Result<ExitCode> {
    let target = role_holder(net, member)?.identity;
    let name = target.to_string();
    let out = net.client(ctx)?.revoke_role(target, role_of(role)).wait()?;
    ctx.print(&out.value, || format!("Revoked {} from {name}\n", out.value.role.as_str()))?;
    Ok(ExitCode::SUCCESS)
}

/// `key create` (embedded ledger; refused on Fabric by [`refuse_another_members_key`]):
/// a new Ed25519 issuer key for the local identity `holder`, kept in the data directory and
/// registered on the trust list.
pub(super) fn key_create(ctx: &Ctx, net: &Backend, holder: &str, days: u32) -> Result<ExitCode> {
    let admin = net.client(ctx)?;
    let holder_actor = net.actor(holder)?;
    let key = net.dir()?.msp.create_issuer_key(holder)?;
    register_key(ctx, &admin, IssuerSigner::new(key).public_key_hex(), holder_actor, days)
}

/// Registers `public_key` (hex) for `holder`, valid `days` from now.
fn register_key(ctx: &Ctx, admin: &Api, public_key: String, holder: Actor, days: u32) -> Result<ExitCode> {
    let now = datadir::now();
    let name = holder.to_string();
    let out = admin
        .register_issuer_key(&RegisterIssuerKeyRequest {
            public_key,
            holder,
            valid_from: now - 60,
            valid_until: now + i64::from(days) * 86_400,
        })
        .wait()?;
    ctx.print(&out.value, || format!("Registered issuer key {} for {name}\n", out.value.key_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `key request`: the caller's own new issuer key (kept in the data directory, or written
/// to `out` on Fabric) and its request code, for an admin's `key register`.
pub(super) fn key_request(ctx: &Ctx, net: &Backend, out: Option<&Path>) -> Result<ExitCode> {
    let me = net.client(ctx)?.who_am_i().wait()?;
    let key = match net {
        Backend::Embedded(_) if out.is_some() => {
            bail!("--out is for --network fabric; the embedded ledger keeps issuer keys in its data directory")
        }
        Backend::Embedded(dir) => dir.msp.create_issuer_key(ctx.who()?)?,
        Backend::Fabric(_) => {
            let out =
                out.context("--network fabric has no local key store: pass --out FILE for your new issuer key")?;
            let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
            write_key_file(out, &key)?;
            key
        }
    };
    let name = render::common_name(&me.identity).unwrap_or(&me.identity.id).to_owned();
    let request = KeyRequest::new(key.verifying_key().as_bytes(), me.identity, name, datadir::now());
    let code = request.code();
    ctx.print(&serde_json::json!({ "key_id": request.key_id, "code": code }), || {
        format!(
            "Issuer key {} made; hand this request code to a governance admin (`nanotrace key register CODE`):\n{code}\n",
            request.key_id
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `key register` (admin): the key of a certifier's request code.
pub(super) fn key_register(ctx: &Ctx, net: &Backend, code: &str, days: u32) -> Result<ExitCode> {
    let request = KeyRequest::from_code(code)?;
    register_key(ctx, &net.client(ctx)?, request.public_key, request.holder, days)
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
        RoleArg::Finance => Role::Finance,
    }
}
