//! `nanotrace demo`: the whole certificate lifecycle on the embedded ledger, narrated.

use crate::render;
use crate::setup::{self, DataDir, APPLICANT, CERTIFIER, CERTIFIER_MSP, INSPECTOR};
use anyhow::{ensure, Result};
use nanotrace_chaincode::model::Verdict;
use std::io::Write;
use std::path::Path;

/// Runs the demo in `data_dir`, writing to `out`. `verify_base` is the verification
/// service's base URL, for the QR code.
pub fn run(data_dir: &Path, verify_base: &str, out: &mut dyn Write) -> Result<String> {
    let dir = DataDir::open(data_dir)?;
    let now = setup::now();
    writeln!(out, "NanoTrace demo — embedded ledger in {}\n", data_dir.display())?;

    writeln!(out, "1. A sample network: a regulator (governance), a certification body, a manufacturer")?;
    if dir.is_initialized()? {
        writeln!(out, "   reusing the network already in this data directory")?;
    } else {
        dir.init_sample_network(now)?;
    }
    let signer = dir.signer(CERTIFIER)?;
    writeln!(
        out,
        "   identities: {}",
        dir.msp.list()?.iter().map(|i| format!("{} ({})", i.name, i.msp_id)).collect::<Vec<_>>().join(", ")
    )?;
    writeln!(out, "   issuer key of {CERTIFIER}: {}\n", signer.key_id)?;

    let applicant = dir.client(APPLICANT)?;
    let certifier = dir.client(CERTIFIER)?;
    let public = dir.client(INSPECTOR)?;

    let application = setup::sample_application()?;
    writeln!(out, "2. {APPLICANT} applies for \"{}\" (batch {})", application.product_name, application.batch)?;
    let applied = applicant.apply(&application)?;
    let id = applied.value;
    let cert = public.get_certificate(&id)?;
    writeln!(out, "   → {id}, {} (tx {})", cert.status, short(&applied.tx_id))?;
    writeln!(out, "   EU definition: {}\n", cert.assessment.basis)?;

    writeln!(out, "3. {CERTIFIER} approves it, signing its canonical bytes with {}", signer.key_id)?;
    let approved = certifier.approve(&id, &signer, CERTIFIER_MSP, setup::now(), None)?;
    writeln!(out, "   committed in tx {}\n", short(&approved.tx_id))?;
    write!(out, "{}", indent(&render::certificate(&public.get_certificate(&id)?)))?;

    let url = render::verification_url(verify_base, &public.get_certificate(&id)?);
    let v = public.verify(&id)?;
    ensure!(v.verdict == Verdict::Valid, "expected VALID after approval, got {}", v.verdict);
    writeln!(out, "\n4. Anyone verifies it: {}", render::verdict_line(&v))?;
    writeln!(out, "   Scan to verify (the URL carries a signed token that also checks offline):\n   {url}")?;
    write!(out, "{}", indent(&render::qr(&url)?))?;

    writeln!(out, "\n5. {CERTIFIER} suspends it while a lab audit is pending")?;
    certifier.suspend(&id, "lab audit pending")?;
    let v = public.verify(&id)?;
    ensure!(v.verdict == Verdict::Suspended, "expected SUSPENDED, got {}", v.verdict);
    writeln!(out, "   {}", render::verdict_line(&v))?;

    writeln!(out, "\n6. The audit passes: {CERTIFIER} reinstates it")?;
    certifier.reinstate(&id, "lab audit passed", Some(&signer))?;
    let v = public.verify(&id)?;
    ensure!(v.verdict == Verdict::Valid, "expected VALID, got {}", v.verdict);
    writeln!(out, "   {}", render::verdict_line(&v))?;

    writeln!(out, "\n7. Contamination is found: {CERTIFIER} revokes it (final)")?;
    certifier.revoke(&id, "batch contaminated with unreported agglomerates")?;
    let v = public.verify(&id)?;
    ensure!(v.verdict == Verdict::Revoked, "expected REVOKED, got {}", v.verdict);
    writeln!(out, "   {}", render::verdict_line(&v))?;

    writeln!(out, "\n8. The audit trail")?;
    write!(out, "{}", indent(&render::history(&id, &public.history(&id)?)))?;

    let report = dir.ledger.check()?;
    ensure!(report.is_ok(), "ledger check failed: {report:?}");
    writeln!(out, "\n9. Ledger check: {} blocks, hash chain intact", report.entries_checked)?;
    writeln!(out, "\nExplore further: nanotrace --data-dir {} verify {id}", data_dir.display())?;
    Ok(id)
}

fn short(tx_id: &str) -> &str {
    tx_id.get(..16).unwrap_or(tx_id)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("   {l}\n")).collect()
}
