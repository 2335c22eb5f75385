//! Invoicing from the command line (issue 75): an organisation's billing details
//! (`billing-details`), a body's invoices and credit notes (`invoice issue|credit|list|get`)
//! and its bank statements (`import-statement`). The typed client sends the private
//! requests as transient data; what they answer is the two parties' alone.

use super::backend::Backend;
use super::{read_input, Ctx};
use crate::cli::InvoiceFormat;
use anyhow::{bail, Context, Result};
use nanotrace_client::Wait;
use nanotrace_model::billing::{BillingDetails, InvoiceRecord, StatementImport};
use nanotrace_model::IssueInvoiceRequest;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// `billing-details MSP --file FILE` (admin).
pub(super) fn billing_details(ctx: &Ctx, net: &Backend, msp_id: &str, file: &Path) -> Result<ExitCode> {
    let bytes = read_input(file)?;
    let details: BillingDetails =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not valid billing details", file.display()))?;
    let out = net.client(ctx)?.set_billing_details(msp_id, details).wait()?;
    ctx.print(&out.value, || {
        let party = out.value.billing.as_ref().map(|b| b.party.legal_name.as_str()).unwrap_or("?");
        format!("Billing details of {msp_id}: {party} (tx {})\n", out.tx_id)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `invoice issue ID` (finance).
pub(super) fn issue(ctx: &Ctx, net: &Backend, req: &IssueInvoiceRequest) -> Result<ExitCode> {
    let out = net.client(ctx)?.issue_invoice(req).wait()?;
    ctx.print(&out.value, || format!("{}(tx {})\n", document_line(&out.value), out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `invoice credit NUMBER --reason R` (finance).
pub(super) fn credit(ctx: &Ctx, net: &Backend, number: &str, reason: &str) -> Result<ExitCode> {
    let out = net.client(ctx)?.issue_credit_note(number, reason).wait()?;
    ctx.print(&out.value, || format!("{}(tx {})\n", document_line(&out.value), out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `invoice list BODY MANUFACTURER`.
pub(super) fn list(ctx: &Ctx, net: &Backend, body_msp: &str, manufacturer_msp: &str) -> Result<ExitCode> {
    let records = net.client(ctx)?.invoices(body_msp, manufacturer_msp).wait()?;
    ctx.print(&records, || {
        if records.is_empty() {
            return format!("{body_msp} has invoiced {manufacturer_msp} nothing\n");
        }
        let outstanding: rust_decimal::Decimal = records.iter().map(InvoiceRecord::outstanding).sum();
        let mut text: String = records.iter().map(document_line).collect();
        text.push_str(&format!("Outstanding: {outstanding}\n"));
        text
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `invoice get NUMBER --body B --manufacturer M --format F --out FILE`.
pub(super) fn get(
    ctx: &Ctx,
    net: &Backend,
    number: &str,
    body_msp: &str,
    manufacturer_msp: &str,
    format: InvoiceFormat,
    out: &Path,
) -> Result<ExitCode> {
    let records = net.client(ctx)?.invoices(body_msp, manufacturer_msp).wait()?;
    let Some(record) = records.iter().find(|r| r.number == number) else {
        bail!("{body_msp} issued {manufacturer_msp} no document numbered {number}");
    };
    let bytes = match format {
        InvoiceFormat::Ubl => record.document.to_ubl(),
        InvoiceFormat::Cii => record.document.to_cii(),
        InvoiceFormat::Pdf => record.document.to_facturx_pdf(),
    }
    .with_context(|| format!("cannot write {number}"))?;
    if out == Path::new("-") {
        std::io::stdout().write_all(&bytes).context("cannot write to stdout")?;
    } else {
        std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
        if !ctx.json {
            eprintln!("Wrote {number} to {} ({} bytes)", out.display(), bytes.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `import-statement FILE` (finance).
pub(super) fn import_statement(ctx: &Ctx, net: &Backend, file: &Path) -> Result<ExitCode> {
    let bytes = read_input(file)?;
    let camt053 = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", file.display()))?;
    let out = net.client(ctx)?.import_statement(camt053).wait()?;
    ctx.print(&out.value, || format!("{}(tx {})\n", import_text(&out.value), out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// One line of an invoice or credit note: number, application, total, what is due.
fn document_line(r: &InvoiceRecord) -> String {
    let currency = &r.document.currency;
    let state = if r.is_credit_note() {
        "credit note".to_owned()
    } else if let Some(note) = &r.credited_by {
        format!("credited by {note}")
    } else if r.outstanding().is_zero() {
        "paid".to_owned()
    } else {
        format!(
            "{} {currency} outstanding, due {}",
            r.outstanding(),
            r.document.due_date.map(|d| d.to_string()).unwrap_or_default()
        )
    };
    let reference =
        r.document.payment_means.as_ref().map(|m| format!(", reference {}", m.creditor_reference.print_form()));
    format!(
        "{} {} for {} ({} → {}): {} {currency}{}; {state}\n",
        if r.is_credit_note() { "Credit note" } else { "Invoice" },
        r.number,
        r.certificate_id,
        r.body_msp,
        r.manufacturer_msp,
        r.totals.payable_amount,
        reference.unwrap_or_default()
    )
}

/// What a statement's import applied and reported.
fn import_text(import: &StatementImport) -> String {
    let mut text = format!(
        "Statement {}{}: {} payment(s) applied, {} reported, {} ignored\n",
        import.statement,
        if import.already_imported { " (imported before: nothing applied again)" } else { "" },
        import.payments.len(),
        import.reported.len(),
        import.ignored.len()
    );
    for p in &import.payments {
        text.push_str(&format!(
            "  {} {} → {} ({}): {:?}{}\n",
            p.entry,
            p.amount,
            p.invoice,
            p.certificate_id,
            p.kind,
            if p.difference.is_zero() { String::new() } else { format!(", difference {}", p.difference) }
        ));
    }
    for r in import.reported.iter().chain(&import.ignored) {
        text.push_str(&format!("  {}: {}\n", r.entry, r.reason));
    }
    text
}
