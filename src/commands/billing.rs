//! Paid certification from the command line (issue 75): a certification body's fee
//! schedule for a manufacturer (`fees set`, `fees show`) and its quote for an application
//! (`quote issue`, `quote accept`, `quote show`). The typed client sends the private
//! requests as transient data; what they answer is the two parties' alone.

use super::backend::Backend;
use super::{read_input, Ctx};
use anyhow::{Context, Result};
use nanotrace_client::Wait;
use nanotrace_model::billing::{FeeSchedule, Quote};
use std::path::Path;
use std::process::ExitCode;

/// `fees set MANUFACTURER --file FILE` (certifier): the caller's body's fees for a
/// manufacturer, as JSON (`-` = stdin; `examples/fee-schedule.json` is one).
pub(super) fn set(ctx: &Ctx, net: &Backend, manufacturer_msp: &str, file: &Path) -> Result<ExitCode> {
    let bytes = read_input(file)?;
    let schedule: FeeSchedule =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not a valid fee schedule", file.display()))?;
    let out = net.client(ctx)?.set_fee_schedule(manufacturer_msp, schedule).wait()?;
    ctx.print(&out.value, || {
        let v = &out.value;
        format!(
            "Fees of {} for {manufacturer_msp}: {} fee(s) in {}, in force from {} (tx {})\n",
            v.set_by.msp_id,
            v.schedule.fees.len(),
            v.schedule.currency,
            nanotrace::render::when(v.effective_from),
            out.tx_id
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `fees show BODY MANUFACTURER`: every version of a body's fees for a manufacturer.
pub(super) fn show(ctx: &Ctx, net: &Backend, body_msp: &str, manufacturer_msp: &str) -> Result<ExitCode> {
    let schedules = net.client(ctx)?.fee_schedules(body_msp, manufacturer_msp).wait()?;
    ctx.print(&schedules, || {
        if schedules.versions.is_empty() {
            return format!("{body_msp} has set no fees for {manufacturer_msp}\n");
        }
        let mut text = String::new();
        for v in &schedules.versions {
            text.push_str(&format!(
                "From {} ({}, payment {} a decision):\n",
                nanotrace::render::when(v.effective_from),
                v.schedule.currency,
                if v.schedule.payment_before_decision { "before" } else { "not needed before" }
            ));
            for fee in &v.schedule.fees {
                text.push_str(&format!(
                    "  {:<14} {} × {} {} ({}), VAT {}\n",
                    fee.id,
                    fee.quantity,
                    fee.unit_price,
                    v.schedule.currency,
                    fee.name,
                    fee.vat.code()
                ));
            }
        }
        text
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `quote issue ID` (certifier): the caller's body quotes a pending application.
pub(super) fn issue(ctx: &Ctx, net: &Backend, id: &str) -> Result<ExitCode> {
    let out = net.client(ctx)?.issue_quote(id).wait()?;
    ctx.print(&out.value, || format!("{}(tx {})\n", quote_text(&out.value), out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `quote accept ID --body MSP` (a member of the applicant).
pub(super) fn accept(ctx: &Ctx, net: &Backend, id: &str, body_msp: &str) -> Result<ExitCode> {
    let out = net.client(ctx)?.accept_quote(id, body_msp).wait()?;
    ctx.print(&out.value, || format!("{}(tx {})\n", quote_text(&out.value), out.tx_id))?;
    Ok(ExitCode::SUCCESS)
}

/// `quote show ID --body MSP`.
pub(super) fn quote(ctx: &Ctx, net: &Backend, id: &str, body_msp: &str) -> Result<ExitCode> {
    let quote = net.client(ctx)?.get_quote(id, body_msp).wait()?;
    ctx.print(&quote, || quote_text(&quote))?;
    Ok(ExitCode::SUCCESS)
}

fn quote_text(q: &Quote) -> String {
    let accepted = match &q.accepted {
        Some(a) => format!("accepted by {} at {}", nanotrace::render::actor_name(&a.by), nanotrace::render::when(a.at)),
        None => "not accepted yet".to_owned(),
    };
    format!(
        "Quote of {} for {} ({}): {} {} net, {} VAT, {} {} due{}; {accepted}\n",
        q.body_msp,
        q.certificate_id,
        q.manufacturer_msp,
        q.totals.line_extension_amount,
        q.currency,
        q.totals.vat_amount,
        q.totals.payable_amount,
        q.currency,
        if q.payment_before_decision { ", before a decision" } else { "" }
    )
}
