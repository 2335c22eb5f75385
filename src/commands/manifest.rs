//! `verify --manifest FILE`: a consignment check from the command line (issue 48), the
//! same items and report as the verifier's `POST /api/v1/verify` with a list
//! ([`nanotrace_model::consignment`]), read off the ledger this command is pointed at
//! (embedded, or a Fabric gateway) instead of a verifier's cache.

use super::backend::{Api, Backend};
use super::Ctx;
use anyhow::{bail, Context, Result};
use nanotrace_client::Wait;
use nanotrace_embedded::datadir;
use nanotrace_model::consignment::{self, csv_format, ConsignmentRequest, ItemReport, Outcome, Source, MAX_ITEMS};
use nanotrace_model::{Certificate, IssuerKey, Verification};
use std::path::Path;
use std::process::ExitCode;

/// The ledger as a consignment check reads it.
struct Ledger<'a>(&'a Api);

impl Source for Ledger<'_> {
    fn verification(&self, id: &str, _at: i64) -> Result<Verification, String> {
        self.0.verify(id).wait().map_err(|e| format!("the ledger cannot be read: {e}"))
    }

    fn lot_certificates(&self, gtin: &str, lot: &str) -> Result<Vec<Certificate>, String> {
        let mut out = Vec::new();
        for form in nanotrace_model::link::gtin_forms(gtin) {
            out.extend(
                self.0.by_product(&form, Some(lot)).wait().map_err(|e| format!("the ledger cannot be read: {e}"))?,
            );
        }
        Ok(out)
    }

    fn issuers(&self) -> Result<Vec<IssuerKey>, String> {
        self.0.issuer_keys().wait().map_err(|e| format!("the trust list cannot be read: {e}"))
    }

    fn staleness(&self, _at: i64) -> Option<String> {
        None
    }
}

/// The items of a manifest: a JSON list (`{"items": [...]}`, for a `.json` file) or CSV
/// (one item per record, an optional `item` header; a plain list of lines is CSV too).
fn read_items(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the manifest {}", path.display()))?;
    let items = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        serde_json::from_slice::<ConsignmentRequest>(&bytes)
            .with_context(|| format!("{} is not {{\"items\": [\"…\", …]}}", path.display()))?
            .items
    } else {
        csv_format::read_items(&bytes).with_context(|| format!("{} is not a CSV list", path.display()))?
    };
    if items.is_empty() {
        bail!("the manifest {} lists no items", path.display());
    }
    if items.len() > MAX_ITEMS {
        bail!(
            "the manifest {} lists {} items: at most {MAX_ITEMS} in one check, split it",
            path.display(),
            items.len()
        );
    }
    Ok(items)
}

fn line(item: &ItemReport) -> String {
    let mark = match item.outcome {
        Outcome::Valid => "✔",
        Outcome::NotValid => "✘",
        Outcome::Error => "?",
        Outcome::ForeignSite => "!",
    };
    let verdict = match item.outcome {
        Outcome::ForeignSite => "OTHER SITE",
        _ => item.verdict.map_or("-", |v| v.as_str()),
    };
    let id = item.certificate_id.as_deref().unwrap_or("-");
    format!("{:>4} {mark} {verdict:<12} {id:<16} {}\n       {}\n", item.index + 1, item.input, item.reason)
}

/// Checks every item of `manifest`; prints the report (text, `--json`, or CSV with
/// `csv`). Exit code 0 only when every item is VALID, 2 otherwise.
pub(super) fn verify_manifest(ctx: &Ctx, net: &Backend, manifest: &Path, csv: bool) -> Result<ExitCode> {
    let items = read_items(manifest)?;
    let api = net.reader(ctx)?;
    // The verifier whose verification URLs are this network's (`--verify-url`).
    let site = consignment::OwnSite::new(&ctx.verify_url);
    let report = consignment::check(&Ledger(&api), &site, &items, datadir::now(), None);
    if csv {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&csv_format::write_report(&report.items)).context("cannot write to stdout")?;
    } else {
        ctx.print(&report, || {
            let s = &report.summary;
            let mut text: String = report.items.iter().map(line).collect();
            text.push_str(&format!(
                "{} items: {} valid, {} not valid, {} could not be checked",
                s.total, s.valid, s.not_valid, s.errors
            ));
            if s.foreign_site > 0 {
                text.push_str(&format!(", {} of another site", s.foreign_site));
            }
            text.push('\n');
            text
        })?;
    }
    Ok(if report.summary.valid == report.summary.total { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
