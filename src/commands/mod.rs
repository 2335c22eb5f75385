//! The commands: [`run`] dispatches a parsed command line to the module of its group,
//! on the ledger `--network` names ([`backend::Backend`]: the embedded data directory,
//! or a Fabric Gateway as a connection profile says).
//! Every command prints through [`Ctx::print`] (JSON with `--json`, text otherwise) and
//! returns its exit code: 0 on success, 1 on an error, 2 for a verdict that is not VALID
//! (`verify`).

mod backend;
mod batch;
mod billing;
mod ca;
mod credential;
mod demo;
mod events;
mod invoicing;
mod ledger;
mod lifecycle;
mod manifest;
mod network;
mod queries;

use crate::cli::{
    CaCmd, Cli, Command, FeesCmd, IdentityCmd, InvoiceCmd, KeyCmd, LedgerCmd, NetworkArg, QuoteCmd, VcCmd,
};
use anyhow::{bail, Context, Result};
use backend::{Backend, Fabric};
use nanotrace_client::NanoTrace;
use nanotrace_embedded::datadir::DataDir;
use nanotrace_embedded::transport::EmbeddedTransport;
use serde::Serialize;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

/// The data directory when neither `--data-dir` nor `NANOTRACE_DATA_DIR` names one.
const DEFAULT_DATA_DIR: &str = "nanotrace-data";

/// Runs a parsed command line.
pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx { json: cli.json, identity: cli.identity.clone(), verify_url: cli.verify_url.clone() };
    if cli.network == NetworkArg::Fabric {
        if let Some(name) = embedded_only(&cli.command) {
            bail!("`nanotrace {name}` works on the embedded ledger only, not with --network fabric")
        }
        network::refuse_another_members_key(&cli.command)?;
    }
    // These run without opening (and so creating, or locking) the data directory.
    let data_dir = cli.data_dir.as_deref().unwrap_or(Path::new(DEFAULT_DATA_DIR));
    match &cli.command {
        Command::Ledger(LedgerCmd::Backup { dest }) => return ledger::backup(&ctx, data_dir, dest),
        Command::Ledger(LedgerCmd::Restore { backup }) => return ledger::restore(&ctx, backup, data_dir),
        Command::Demo => return demo::run(&ctx, cli.data_dir.as_deref()),
        Command::Ca(cmd) if !matches!(cmd, CaCmd::Remove { .. }) => return ca::run(&ctx, cmd),
        Command::Verify { offline: Some(token), trust_list: Some(trust_list), .. } => {
            return queries::verify_offline(&ctx, token, trust_list)
        }
        Command::Events { .. } if cli.network == NetworkArg::Embedded => bail!(
            "`nanotrace events` follows the chaincode events of a Fabric network: pass --network fabric --profile PATH \
             (on the embedded ledger, `nanotrace ledger log` prints the transaction log)"
        ),
        _ => {}
    }
    let net = match cli.network {
        NetworkArg::Embedded => Backend::Embedded(DataDir::open(data_dir)?),
        NetworkArg::Fabric => Backend::Fabric(Box::new(Fabric::load(cli.profile.as_deref())?)),
    };
    match cli.command {
        // Handled above, before any data directory is opened.
        Command::Demo => Ok(ExitCode::SUCCESS),
        Command::Ca(CaCmd::Remove { wallet, id, msp_id, reason, crl_out }) => {
            ca::remove(&ctx, &net, &wallet, &id, &msp_id, &reason, crl_out.as_deref())
        }
        Command::Ca(_) => Ok(ExitCode::SUCCESS),
        Command::Init => network::init(&ctx, net.dir()?),
        Command::Identity(IdentityCmd::Create { name, msp, admin }) => {
            network::identity_create(&ctx, net.dir()?, &name, &msp, admin)
        }
        Command::Identity(IdentityCmd::List) => network::identity_list(&ctx, net.dir()?),
        Command::Identity(IdentityCmd::Import { name, msp, wallet }) => {
            network::identity_import(&ctx, net.dir()?, &name, &msp, &wallet)
        }
        Command::Bootstrap => network::bootstrap(&ctx, &net),
        Command::RegisterOrg { msp_id, name, kind, without_peers } => {
            let req = nanotrace_model::RegisterOrganizationRequest {
                msp_id,
                name,
                kind: kind.into(),
                without_peers,
                billing: None,
            };
            network::register_org(&ctx, &net, req)
        }
        Command::CompanyPrefixes { msp_id, prefixes } => network::company_prefixes(&ctx, &net, &msp_id, prefixes),
        Command::RetireOrg { msp_id, reason } => network::retire_org(&ctx, &net, &msp_id, &reason),
        Command::StatusBases { msp_id, urls } => network::status_bases(&ctx, &net, &msp_id, &urls),
        Command::Grant { member, role } => network::grant(&ctx, &net, &member, role),
        Command::Ungrant { member, role } => network::ungrant(&ctx, &net, &member, role),
        Command::ApproveKey { new, key } => network::approve_key(&ctx, &net, new.as_deref(), key.as_deref()),
        Command::Key(KeyCmd::Create { holder, days }) => network::key_create(&ctx, &net, &holder, days),
        Command::Key(KeyCmd::Request { out }) => network::key_request(&ctx, &net, out.as_deref()),
        Command::Key(KeyCmd::Register { code, days }) => network::key_register(&ctx, &net, &code, days),
        Command::Key(KeyCmd::Retire { key_id, reason }) => network::key_retire(&ctx, &net, &key_id, &reason),
        Command::Key(KeyCmd::List) => network::key_list(&ctx, &net),
        Command::Fees(FeesCmd::Set { manufacturer_msp, file }) => billing::set(&ctx, &net, &manufacturer_msp, &file),
        Command::Fees(FeesCmd::Show { body_msp, manufacturer_msp }) => {
            billing::show(&ctx, &net, &body_msp, &manufacturer_msp)
        }
        Command::Quote(QuoteCmd::Issue { certificate_id }) => billing::issue(&ctx, &net, &certificate_id),
        Command::BillingDetails { msp_id, file } => invoicing::billing_details(&ctx, &net, &msp_id, &file),
        Command::Invoice(InvoiceCmd::Issue { certificate_id, buyer_reference, note }) => {
            let req = nanotrace_model::IssueInvoiceRequest { certificate_id, buyer_reference, note };
            invoicing::issue(&ctx, &net, &req)
        }
        Command::Invoice(InvoiceCmd::Credit { number, reason }) => invoicing::credit(&ctx, &net, &number, &reason),
        Command::Invoice(InvoiceCmd::List { body_msp, manufacturer_msp }) => {
            invoicing::list(&ctx, &net, &body_msp, &manufacturer_msp)
        }
        Command::Invoice(InvoiceCmd::Get { number, body_msp, manufacturer_msp, format, out }) => {
            invoicing::get(&ctx, &net, &number, &body_msp, &manufacturer_msp, format, &out)
        }
        Command::ImportStatement { file } => invoicing::import_statement(&ctx, &net, &file),
        Command::Quote(QuoteCmd::Accept { certificate_id, body_msp }) => {
            billing::accept(&ctx, &net, &certificate_id, &body_msp)
        }
        Command::Quote(QuoteCmd::Show { certificate_id, body_msp }) => {
            billing::quote(&ctx, &net, &certificate_id, &body_msp)
        }
        Command::Apply { file, client_ref } => lifecycle::apply(&ctx, &net, &file, client_ref),
        Command::Approve { id, signing } => lifecycle::approve(&ctx, &net, &id, &signing),
        Command::Reject { id, reason } => lifecycle::reject(&ctx, &net, &id, &reason),
        Command::Suspend { id, reason } => lifecycle::suspend(&ctx, &net, &id, &reason),
        Command::Reinstate { id, reason, key } => lifecycle::reinstate(&ctx, &net, &id, &reason, key.as_deref()),
        Command::Revoke { id, reason } => lifecycle::revoke(&ctx, &net, &id, &reason),
        Command::Renew { id, signing } => lifecycle::renew(&ctx, &net, &id, &signing),
        Command::UpdateSds { id, url, sha256, revision } => {
            lifecycle::update_sds(&ctx, &net, &id, url, sha256, revision)
        }
        Command::Verify { manifest: Some(manifest), csv, .. } => manifest::verify_manifest(&ctx, &net, &manifest, csv),
        Command::Verify { id, .. } => queries::verify(&ctx, &net, id),
        Command::Show { id } => queries::show(&ctx, &net, &id),
        Command::History { id } => queries::history(&ctx, &net, &id),
        Command::Qr { id } => queries::qr(&ctx, &net, &id),
        Command::Queue { status, page } => queries::queue(&ctx, &net, status, &page),
        Command::Mine { msp, page } => queries::mine(&ctx, &net, msp, &page),
        Command::Whoami { code } => queries::whoami(&ctx, &net, code),
        Command::Batch(cmd) => batch::run(&ctx, &net, cmd),
        Command::Events { follow: _, checkpoint, start_block } => {
            events::follow(&ctx, &net, checkpoint.as_deref(), start_block)
        }
        Command::Vc(VcCmd::Sign { id, key, new_position }) => {
            credential::sign(&ctx, &net, &id, key.as_deref(), new_position)
        }
        Command::Vc(VcCmd::Export { id, out }) => credential::export(&ctx, &net, &id, out.as_deref()),
        Command::Ledger(LedgerCmd::Check) => ledger::check(&ctx, net.dir()?),
        Command::Ledger(LedgerCmd::Log { from, limit }) => ledger::log(&ctx, net.dir()?, from, limit),
        Command::Ledger(LedgerCmd::Backup { .. } | LedgerCmd::Restore { .. }) => {
            unreachable!("answered before the data directory is opened")
        }
    }
}

/// The name of a command that needs the embedded ledger itself (its data directory,
/// local identities or key store), or `None` for one that also runs on Fabric.
fn embedded_only(command: &Command) -> Option<&'static str> {
    match command {
        Command::Demo => Some("demo"),
        Command::Init => Some("init"),
        Command::Identity(_) => Some("identity"),
        Command::Ledger(LedgerCmd::Check) => Some("ledger check"),
        Command::Ledger(LedgerCmd::Log { .. }) => Some("ledger log"),
        Command::Ledger(LedgerCmd::Backup { .. }) => Some("ledger backup"),
        Command::Ledger(LedgerCmd::Restore { .. }) => Some("ledger restore"),
        _ => None,
    }
}

/// What every command needs from the global flags.
struct Ctx {
    json: bool,
    identity: Option<String>,
    verify_url: String,
}

impl Ctx {
    /// The identity given with `--as` (or `NANOTRACE_IDENTITY`); transactions need one.
    fn who(&self) -> Result<&str> {
        self.identity
            .as_deref()
            .context("which identity? pass --as NAME or set NANOTRACE_IDENTITY (see `nanotrace identity list`)")
    }

    /// Prints `value` as JSON, or `text` for a person. A reader that went away (`| head`)
    /// is not an error: the output is simply cut short, and the exit code still counts.
    fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Result<()> {
        use std::io::Write;
        let out = if self.json { serde_json::to_string_pretty(value)? + "\n" } else { text() };
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("cannot write to stdout"),
        }
    }

    /// A reader identity: the one given, or the first local one (reads are public).
    fn reader(&self, dir: &DataDir) -> Result<NanoTrace<EmbeddedTransport>> {
        match &self.identity {
            Some(name) => Ok(dir.client(name)?),
            None => {
                let first =
                    dir.msp.list()?.into_iter().next().context("no local identities: run `nanotrace init` first")?;
                Ok(dir.client(&first.name)?)
            }
        }
    }
}

/// The bytes of `path`, or of stdin for `-`.
fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).context("cannot read stdin")?;
        Ok(buf)
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    }
}
