//! `nanotrace ca`: members from an organisation's Fabric CA, with wallets
//! ([`nanotrace::wallet`]). The CA client is async; each command runs it on a
//! current-thread runtime of its own.

use super::backend::Backend;
use super::Ctx;
use crate::cli::CaCmd;
use anyhow::{bail, Context, Result};
use nanotrace::wallet::{CaSettings, Wallet};
use nanotrace_client::Wait;
use nanotrace_fabric_ca::{Attribute, CaClient, Registration, Revocation};
use nanotrace_model::{Actor, Role};
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;

/// Runs a `ca` subcommand.
pub(super) fn run(ctx: &Ctx, cmd: &CaCmd) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime for the CA client")?;
    runtime.block_on(async {
        match cmd {
            CaCmd::Enroll { url, tls_root, id, secret, ca_name, wallet } => {
                enroll(ctx, url, tls_root, id, secret, ca_name, wallet).await
            }
            CaCmd::Reenroll { wallet, new_key } => reenroll(ctx, wallet, *new_key).await,
            CaCmd::Register { wallet, id, identity_type, affiliation, secret, max_enrollments, attributes } => {
                let registration = Registration {
                    enrollment_id: id.clone(),
                    identity_type: identity_type.clone(),
                    secret: secret.clone().unwrap_or_default(),
                    max_enrollments: *max_enrollments,
                    affiliation: affiliation.clone(),
                    attributes: attributes.iter().map(|a| parse_attribute(a)).collect::<Result<_>>()?,
                };
                register(ctx, wallet, &registration).await
            }
            CaCmd::Revoke { wallet, id, serial, aki, reason, crl_out } => {
                let what = match (id, serial, aki) {
                    (Some(id), None, None) => {
                        Revocation::Identity { enrollment_id: id.clone(), reason: reason.clone() }
                    }
                    (None, Some(serial), Some(aki)) => {
                        Revocation::Certificate { serial: serial.clone(), aki: aki.clone(), reason: reason.clone() }
                    }
                    _ => bail!("name what to revoke: --id NAME, or --serial HEX with --aki HEX"),
                };
                revoke(ctx, wallet, &what, crl_out.as_deref()).await
            }
            CaCmd::Crl { wallet, out } => crl(ctx, wallet, out).await,
            CaCmd::List { wallet } => list(ctx, wallet).await,
            CaCmd::Profile { wallet, like, msp_id, out } => profile(ctx, wallet, like, msp_id.as_deref(), out),
            CaCmd::Remove { .. } => bail!("`ca remove` acts on the contract as well: it is run with a backend"),
        }
    })
}

/// `NAME=VALUE` or `NAME=VALUE:ecert`.
fn parse_attribute(text: &str) -> Result<Attribute> {
    let (name, value) = text.split_once('=').with_context(|| format!("--attr {text:?}: expected NAME=VALUE"))?;
    if name.is_empty() {
        bail!("--attr {text:?}: the attribute has no name");
    }
    let (value, ecert) = match value.strip_suffix(":ecert") {
        Some(value) => (value, true),
        None => (value, false),
    };
    Ok(Attribute { name: name.to_owned(), value: value.to_owned(), ecert })
}

/// What `enroll` and `reenroll` print.
#[derive(Serialize)]
struct Enrolled {
    enrollment_id: String,
    wallet: String,
    subject: String,
    serial: String,
    not_after: String,
}

fn enrolled(wallet: &Wallet, enrollment: &nanotrace_fabric_ca::Enrollment) -> Result<Enrolled> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(enrollment.certificate_pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("the issued certificate: {e}"))?;
    let cert = pem.parse_x509().map_err(|e| anyhow::anyhow!("the issued certificate: {e}"))?;
    Ok(Enrolled {
        enrollment_id: enrollment.enrollment_id.clone(),
        wallet: wallet.dir().display().to_string(),
        subject: cert.subject().to_string(),
        serial: enrollment.serial_and_aki()?.0,
        not_after: cert.validity().not_after.to_string(),
    })
}

fn print_enrolled(ctx: &Ctx, verb: &str, out: &Enrolled) -> Result<ExitCode> {
    ctx.print(out, || {
        format!(
            "{verb} {} into {}\n  certificate: {} (serial {}), valid until {}\n  the private key never left this machine (key.pem, mode 0600)\n",
            out.enrollment_id, out.wallet, out.subject, out.serial, out.not_after
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn enroll(
    ctx: &Ctx,
    url: &str,
    tls_root: &Path,
    id: &str,
    secret: &str,
    ca_name: &str,
    dir: &Path,
) -> Result<ExitCode> {
    let wallet = Wallet::at(dir);
    if wallet.exists() {
        bail!("{} already holds a wallet; choose another folder (a wallet is never overwritten)", dir.display());
    }
    let root = std::fs::read_to_string(tls_root)
        .with_context(|| format!("cannot read the CA's TLS root {}", tls_root.display()))?;
    let client = CaClient::new(url, Some(root.as_bytes()))?.with_ca_name(ca_name);
    let enrollment = client.enroll(id, secret).await?;
    let settings = CaSettings { url: url.to_owned(), ca_name: ca_name.to_owned(), enrollment_id: id.to_owned() };
    wallet.create(&settings, &root, &enrollment)?;
    print_enrolled(ctx, "Enrolled", &enrolled(&wallet, &enrollment)?)
}

async fn reenroll(ctx: &Ctx, dir: &Path, new_key: bool) -> Result<ExitCode> {
    let wallet = Wallet::at(dir);
    let renewed = wallet.client()?.reenroll(&wallet.enrollment()?, new_key).await?;
    wallet.store(&renewed)?;
    print_enrolled(
        ctx,
        if new_key { "Re-enrolled with a new key" } else { "Re-enrolled" },
        &enrolled(&wallet, &renewed)?,
    )
}

async fn register(ctx: &Ctx, dir: &Path, registration: &Registration) -> Result<ExitCode> {
    let wallet = Wallet::at(dir);
    let secret = wallet.client()?.register(&wallet.enrollment()?, registration).await?;
    #[derive(Serialize)]
    struct Registered<'a> {
        enrollment_id: &'a str,
        secret: &'a str,
    }
    let out = Registered { enrollment_id: &registration.enrollment_id, secret: &secret };
    ctx.print(&out, || {
        format!(
            "Registered {} (type {}). Its one-time enrollment secret: {secret}\n  Give it to {} alone; they enroll with `nanotrace ca enroll --id {} …`.\n",
            registration.enrollment_id, registration.identity_type, registration.enrollment_id, registration.enrollment_id
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

fn write_crl(path: &Path, pem: &str) -> Result<()> {
    std::fs::write(path, pem).with_context(|| format!("cannot write the CRL to {}", path.display()))
}

async fn revoke(ctx: &Ctx, dir: &Path, what: &Revocation, crl_out: Option<&Path>) -> Result<ExitCode> {
    let wallet = Wallet::at(dir);
    let revoked = wallet.client()?.revoke(&wallet.enrollment()?, what, crl_out.is_some()).await?;
    if let (Some(path), Some(crl)) = (crl_out, &revoked.crl_pem) {
        write_crl(path, crl)?;
    }
    #[derive(Serialize)]
    struct Out {
        revoked: Vec<(String, String)>,
        crl: Option<String>,
    }
    let out = Out {
        revoked: revoked.certificates.iter().map(|c| (c.serial.clone(), c.aki.clone())).collect(),
        crl: crl_out.map(|p| p.display().to_string()),
    };
    ctx.print(&out, || {
        let mut s = format!("Revoked {} certificate(s)\n", out.revoked.len());
        for (serial, aki) in &out.revoked {
            s.push_str(&format!("  serial {serial} (AKI {aki})\n"));
        }
        if let Some(path) = &out.crl {
            s.push_str(&format!(
                "CRL written to {path}: the organisation's MSP definition needs it for peers to refuse them\n"
            ));
        }
        s
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn crl(ctx: &Ctx, dir: &Path, out: &Path) -> Result<ExitCode> {
    let wallet = Wallet::at(dir);
    let pem = wallet.client()?.gencrl(&wallet.enrollment()?).await?;
    write_crl(out, &pem)?;
    ctx.print(&serde_json::json!({ "crl": out.display().to_string() }), || {
        format!("CRL written to {}\n", out.display())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn list(ctx: &Ctx, dir: &Path) -> Result<ExitCode> {
    let wallet = Wallet::at(dir);
    let identities = wallet.client()?.identities(&wallet.enrollment()?).await?;
    #[derive(Serialize)]
    struct Row<'a> {
        enrollment_id: &'a str,
        identity_type: &'a str,
        affiliation: &'a str,
        max_enrollments: i64,
        attributes: Vec<String>,
    }
    let rows: Vec<Row<'_>> = identities
        .iter()
        .map(|i| Row {
            enrollment_id: &i.enrollment_id,
            identity_type: &i.identity_type,
            affiliation: &i.affiliation,
            max_enrollments: i.max_enrollments,
            attributes: i.attributes.iter().map(|a| format!("{}={}", a.name, a.value)).collect(),
        })
        .collect();
    ctx.print(&rows, || {
        rows.iter().map(|r| format!("{:<24} {:<8} {}\n", r.enrollment_id, r.identity_type, r.affiliation)).collect()
    })?;
    Ok(ExitCode::SUCCESS)
}

fn profile(ctx: &Ctx, dir: &Path, like: &Path, msp_id: Option<&str>, out: &Path) -> Result<ExitCode> {
    if out.exists() {
        bail!("{} exists; a profile is never overwritten", out.display());
    }
    let template = nanotrace_fabric_gateway::ConnectionProfile::load(like)?;
    let msp = msp_id.unwrap_or(&template.identity.msp_id).to_owned();
    let yaml = Wallet::at(dir).profile_yaml(&template, &msp)?;
    // The result must read back as a profile.
    nanotrace_fabric_gateway::ConnectionProfile::from_yaml(&yaml)?;
    std::fs::write(out, &yaml).with_context(|| format!("cannot write {}", out.display()))?;
    ctx.print(&serde_json::json!({ "profile": out.display().to_string(), "msp_id": msp }), || {
        format!(
            "Profile written to {} (as {msp}); use it with --network fabric --profile {}\n",
            out.display(),
            out.display()
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `ca remove`: the member's contract roles (as the backend's identity, the contract's
/// admin), then its certificates at the CA (as the wallet's registrar), then the CRL.
pub(super) fn remove(
    ctx: &Ctx,
    net: &Backend,
    dir: &Path,
    id: &str,
    msp_id: &str,
    reason: &str,
    crl_out: Option<&Path>,
) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime for the CA client")?;
    let wallet = Wallet::at(dir);
    let (ca, registrar) = (wallet.client()?, wallet.enrollment()?);

    // 1. The identities the contract knows the member by: one per distinct subject and
    // issuer among the certificates the CA issued to it.
    let pems = runtime
        .block_on(ca.certificates(&registrar, id))
        .with_context(|| format!("cannot list the certificates of {id} at {}", ca.url()))?;
    if pems.is_empty() {
        bail!(
            "{} has issued no certificate to {id:?} (or the wallet's registrar may not see it): nothing done",
            ca.url()
        );
    }
    let mut actors: Vec<Actor> = Vec::new();
    for pem in pems {
        let creator = nanotrace_shim::Creator { msp_id: msp_id.to_owned(), id_bytes: pem.into_bytes() };
        let identity = nanotrace_chaincode::identity::parse_creator(&creator)
            .with_context(|| format!("a certificate the CA issued to {id}"))?;
        if !actors.contains(&identity.actor()) {
            actors.push(identity.actor());
        }
    }

    // 2. Every role those identities hold; a refusal stops before the CA is touched.
    let admin = net.client(ctx)?;
    let mut roles_revoked: Vec<(String, &'static str)> = Vec::new();
    for actor in &actors {
        for role in Role::ALL {
            match admin.revoke_role(actor.clone(), role).wait() {
                Ok(_) => roles_revoked.push((actor.id.clone(), role.as_str())),
                Err(e) if e.contract_code() == Some(nanotrace_model::ErrorCode::NotFound) => {}
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!(
                        "revoking the {} role of {id} failed: nothing was revoked at the CA; fix this and run again",
                        role.as_str()
                    )))
                }
            }
        }
    }

    // 3. The member at the CA, and the CRL.
    let revocation = Revocation::Identity { enrollment_id: id.to_owned(), reason: reason.to_owned() };
    // Fabric CA answers a revoked identity's revocation with no certificate revoked.
    let certificates: Vec<String> = runtime
        .block_on(ca.revoke(&registrar, &revocation, false))
        .with_context(|| format!("revoking {id} at {} failed", ca.url()))?
        .certificates
        .into_iter()
        .map(|c| c.serial)
        .collect();
    let already = certificates.is_empty();
    let crl = runtime.block_on(ca.gencrl(&registrar)).context("the CA's CRL")?;
    if let Some(path) = crl_out {
        write_crl(path, &crl)?;
    }

    #[derive(Serialize)]
    struct Out<'a> {
        removed: &'a str,
        msp_id: &'a str,
        identities: Vec<&'a str>,
        roles_revoked: Vec<serde_json::Value>,
        certificates_revoked: Vec<String>,
        already_revoked: bool,
        crl: Option<String>,
    }
    let out = Out {
        removed: id,
        msp_id,
        identities: actors.iter().map(|a| a.id.as_str()).collect(),
        roles_revoked: roles_revoked
            .iter()
            .map(|(identity, role)| serde_json::json!({ "identity": identity, "role": role }))
            .collect(),
        certificates_revoked: certificates,
        already_revoked: already,
        crl: crl_out.map(|p| p.display().to_string()),
    };
    ctx.print(&out, || {
        let mut s = format!("Removed {id} of {msp_id}\n");
        if roles_revoked.is_empty() {
            s.push_str("  contract roles: none held\n");
        }
        for (identity, role) in &roles_revoked {
            s.push_str(&format!("  contract role {role} revoked from {identity}\n"));
        }
        if already {
            s.push_str("  at the CA: already revoked\n");
        } else {
            s.push_str(&format!("  at the CA: {} certificate(s) revoked\n", out.certificates_revoked.len()));
        }
        match &out.crl {
            Some(path) => s.push_str(&format!(
                "  CRL written to {path}: put it into {msp_id}'s MSP definition on the channel for peers to refuse \
                 {id} (scripts/network.sh crl)\n"
            )),
            None => s.push_str(&format!(
                "  peers refuse {id} once the CA's CRL is in {msp_id}'s MSP definition on the channel (--crl-out)\n"
            )),
        }
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
