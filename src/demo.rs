//! `nanotrace demo`: the whole certificate lifecycle on the embedded ledger, narrated.

use crate::render;
use nanotrace_client::ApiError;
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, DataDir, DataDirError, APPLICANT, CERTIFIER, CERTIFIER_MSP, INSPECTOR};
use nanotrace_embedded::devmsp::MspError;
use nanotrace_ledger::{CheckReport, LedgerError};
use nanotrace_model::Verdict;
use std::fmt;
use std::io::Write;
use std::path::Path;

/// Why the demo stopped. Each wrapped error reads as its own message.
#[derive(Debug)]
pub enum DemoError {
    /// The data directory could not be opened or the sample network set up.
    DataDir(DataDirError),
    /// The local identities could not be read.
    Msp(MspError),
    /// A transaction or query failed.
    Api(ApiError),
    /// The ledger could not be read for its check.
    Ledger(LedgerError),
    /// The QR code could not be drawn.
    Qr(qrcode::types::QrError),
    /// The narration could not be written.
    Output(std::io::Error),
    /// A step did not give the verdict it must give.
    WrongVerdict {
        /// The verdict the step must give.
        expected: Verdict,
        /// What the step was, for the message (e.g. `" after approval"`), or empty.
        after: &'static str,
        /// The verdict the ledger gave.
        got: Verdict,
    },
    /// The final ledger check found problems.
    LedgerCheck(Box<CheckReport>),
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::DataDir(e) => fmt::Display::fmt(e, f),
            DemoError::Msp(e) => fmt::Display::fmt(e, f),
            DemoError::Api(e) => fmt::Display::fmt(e, f),
            DemoError::Ledger(e) => fmt::Display::fmt(e, f),
            DemoError::Qr(e) => fmt::Display::fmt(e, f),
            DemoError::Output(e) => fmt::Display::fmt(e, f),
            DemoError::WrongVerdict { expected, after, got } => write!(f, "expected {expected}{after}, got {got}"),
            DemoError::LedgerCheck(report) => write!(f, "ledger check failed: {report:?}"),
        }
    }
}

impl std::error::Error for DemoError {
    // Transparent: the wrapped error's message is this one's, so its source comes next.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DemoError::DataDir(e) => std::error::Error::source(e),
            DemoError::Msp(e) => std::error::Error::source(e),
            DemoError::Api(e) => std::error::Error::source(e),
            DemoError::Ledger(e) => std::error::Error::source(e),
            DemoError::Qr(e) => std::error::Error::source(e),
            DemoError::Output(e) => std::error::Error::source(e),
            DemoError::WrongVerdict { .. } | DemoError::LedgerCheck(_) => None,
        }
    }
}

macro_rules! from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for DemoError {
            fn from(e: $ty) -> Self {
                DemoError::$variant(e)
            }
        }
    )*};
}
from!(
    DataDir(DataDirError),
    Msp(MspError),
    Api(ApiError),
    Ledger(LedgerError),
    Qr(qrcode::types::QrError),
    Output(std::io::Error)
);

/// Fails with [`DemoError::WrongVerdict`] unless `got` is `expected`.
fn expect(expected: Verdict, after: &'static str, got: Verdict) -> Result<(), DemoError> {
    if got == expected {
        Ok(())
    } else {
        Err(DemoError::WrongVerdict { expected, after, got })
    }
}

/// Runs the demo in `data_dir`, writing to `out`. `verify_base` is the verification
/// service's base URL, for the QR code.
pub fn run(data_dir: &Path, verify_base: &str, out: &mut dyn Write) -> Result<String, DemoError> {
    let dir = DataDir::open(data_dir)?;
    let now = datadir::now();
    writeln!(out, "NanoTrace demo — embedded ledger in {}\n", data_dir.display())?;

    writeln!(out, "1. A sample network: a regulator (governance), a certification body, a manufacturer")?;
    if dir.is_initialized()? {
        writeln!(out, "   reusing the network already in this data directory")?;
    } else {
        dir.init_sample_network_for(now, verify_base)?;
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

    let application = datadir::sample_application()?;
    writeln!(out, "2. {APPLICANT} applies for \"{}\" (batch {})", application.product_name, application.batch)?;
    let applied = applicant.apply(&application).wait()?;
    let id = applied.value;
    let cert = public.get_certificate(&id).wait()?;
    writeln!(out, "   → {id}, {} (tx {})", cert.status, short(&applied.tx_id))?;
    writeln!(out, "   EU definition: {}\n", cert.assessment.basis)?;

    writeln!(out, "3. {CERTIFIER} approves it, signing its canonical bytes with {}", signer.key_id)?;
    // One transaction: the approval carries the certificate's credential.
    let terms = certifier.credential_terms(CERTIFIER_MSP, verify_base).wait()?;
    let signing = nanotrace_client::ApprovalSigning { signer: &signer, issuer_org: CERTIFIER_MSP, validity_days: None };
    let approved = certifier.approve_with_credential(&id, &signing, datadir::now(), terms.as_ref()).wait()?;
    writeln!(out, "   committed in tx {}", short(&approved.tx_id))?;
    let credentials = match &terms {
        Some(terms) => crate::issued::Credentials::under(terms, 1),
        None => crate::issued::Credentials::no_status_base(CERTIFIER_MSP),
    };
    writeln!(out, "   its W3C Verifiable Credential, signed with the same key: {}\n", credentials.line())?;
    write!(out, "{}", indent(&render::certificate(&public.get_certificate(&id).wait()?)))?;

    let url = render::verification_url(verify_base, &public.get_certificate(&id).wait()?);
    let v = public.verify(&id).wait()?;
    expect(Verdict::Valid, " after approval", v.verdict)?;
    writeln!(out, "\n4. Anyone verifies it: {}", render::verdict_line(&v))?;
    writeln!(out, "   Scan to verify (the URL carries a signed token that also checks offline):\n   {url}")?;
    write!(out, "{}", indent(&render::qr(&url)?))?;

    writeln!(out, "\n5. {CERTIFIER} suspends it while a lab audit is pending")?;
    certifier.suspend(&id, "lab audit pending").wait()?;
    let v = public.verify(&id).wait()?;
    expect(Verdict::Suspended, "", v.verdict)?;
    writeln!(out, "   {}", render::verdict_line(&v))?;

    writeln!(out, "\n6. The audit passes: {CERTIFIER} reinstates it")?;
    certifier.reinstate(&id, "lab audit passed", Some(&signer)).wait()?;
    let v = public.verify(&id).wait()?;
    expect(Verdict::Valid, "", v.verdict)?;
    writeln!(out, "   {}", render::verdict_line(&v))?;

    writeln!(out, "\n7. Contamination is found: {CERTIFIER} revokes it (final)")?;
    certifier.revoke(&id, "batch contaminated with unreported agglomerates").wait()?;
    let v = public.verify(&id).wait()?;
    expect(Verdict::Revoked, "", v.verdict)?;
    writeln!(out, "   {}", render::verdict_line(&v))?;

    writeln!(out, "\n8. The audit trail")?;
    write!(out, "{}", indent(&render::history(&id, &public.history(&id).wait()?)))?;

    let report = dir.ledger.check()?;
    if !report.is_ok() {
        return Err(DemoError::LedgerCheck(Box::new(report)));
    }
    writeln!(out, "\n9. Ledger check: {} blocks, hash chain intact", report.entries_checked)?;
    writeln!(
        out,
        "\nExplore further: {} --data-dir {} verify {id}",
        render::self_command(),
        render::shell_path(data_dir)
    )?;
    Ok(id)
}

fn short(tx_id: &str) -> &str {
    tx_id.get(..16).unwrap_or(tx_id)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("   {l}\n")).collect()
}
