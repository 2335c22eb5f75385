//! `batch apply` and `batch approve`: JSON-lines files in chunks, with a progress bar
//! on a terminal and a summary; exit code 1 when any item failed or the batch stopped.
//!
//! A batch that stops on a ledger failure or a refused identity still prints its report
//! in the usual format (text, or JSON with `--json`): what committed, what failed, what
//! is unknown and what was not committed; then the error, on stderr, on one line.

use super::backend::Backend;
use super::Ctx;
use crate::cli::BatchCmd;
use anyhow::Result;
use nanotrace::batch::{self, BatchOutcome};
use nanotrace::issued;
use nanotrace_client::Wait;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Runs a batch subcommand as the `--as` identity.
pub(super) fn run(ctx: &Ctx, net: &Backend, cmd: BatchCmd) -> Result<ExitCode> {
    let show = !ctx.json && std::io::stderr().is_terminal();
    let api = net.client(ctx)?;
    let result = match cmd {
        BatchCmd::Apply { file, chunk } => batch::apply_file(&api, &file, chunk, show),
        BatchCmd::Approve { file, chunk, signing } => {
            let signer = net.signer(ctx, signing.key.as_deref())?;
            let msp = net.msp(ctx)?;
            // Every certificate the batch issues carries its credential in its approval's
            // transaction.
            let terms = api.credential_terms(&msp, &ctx.verify_url).wait()?;
            let signing_terms = nanotrace_client::ApprovalSigning {
                signer: &signer,
                issuer_org: &msp,
                validity_days: signing.valid_days,
            };
            let mut outcome = match batch::approve_file(&api, &signing_terms, terms.as_ref(), &file, chunk, show) {
                Ok(outcome) => outcome,
                Err(e) => return stopped(ctx, e),
            };
            // Those found issued already (a re-run) get theirs recorded if they lack one.
            let found: Vec<String> = outcome
                .committed
                .iter()
                .filter(|(line, _)| outcome.repeated.contains(line))
                .map(|(_, id)| id.clone())
                .collect();
            let issued_now = outcome.committed.len() - found.len();
            let now = nanotrace_embedded::datadir::now();
            let credentials = match &terms {
                None => Ok(issued::Credentials::no_status_base(&msp)),
                Some(_) if found.is_empty() => Ok(issued::Credentials::default()),
                Some(_) => issued::record(&api, &found, &signer, &msp, &ctx.verify_url, now).wait(),
            };
            match credentials {
                Ok(_) if outcome.committed.is_empty() => {}
                Ok(mut credentials) => {
                    if let Some(terms) = &terms {
                        credentials = issued::Credentials::under(terms, issued_now + credentials.recorded);
                    }
                    outcome.credentials = Some(credentials)
                }
                Err(e) => {
                    report(ctx, &outcome)?;
                    return Err(anyhow::Error::new(e).context(
                        "the approvals above stand, but their credentials were not all recorded: run the batch again \
                         (it records what is missing), or `nanotrace vc sign ID`",
                    ));
                }
            }
            Ok(outcome)
        }
    };
    match result {
        Ok(outcome) => {
            report(ctx, &outcome)?;
            Ok(if outcome.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Err(e) => stopped(ctx, e),
    }
}

/// A batch that stopped: what it did, then the error.
fn stopped(ctx: &Ctx, e: batch::BatchError) -> Result<ExitCode> {
    if let Some(partial) = e.partial() {
        report(ctx, partial)?;
    }
    Err(e.into())
}

/// Prints what the batch did: the summary line, then one line per failed item and, for
/// a batch that stopped, the lines whose outcome is unknown or that did not commit.
fn report(ctx: &Ctx, outcome: &BatchOutcome) -> Result<()> {
    ctx.print(outcome, || {
        let repeated = match outcome.repeated.len() {
            0 => String::new(),
            n => format!(" ({n} of them already on the ledger before this run: nothing new recorded)"),
        };
        let mut s = format!(
            "Committed {} item(s){repeated} in {} transaction(s); {} failed",
            outcome.committed.len(),
            outcome.transactions,
            outcome.failed.len()
        );
        if outcome.stopped.is_some() {
            s.push_str(&format!("; {} unknown; {} not committed", outcome.unknown.len(), outcome.not_committed.len()));
        }
        s.push('\n');
        if let Some(credentials) = &outcome.credentials {
            s.push_str(&credentials.line());
            s.push('\n');
        }
        for (line, reason) in &outcome.failed {
            s.push_str(&format!("  line {line}: {reason}\n"));
        }
        if let Some(why) = &outcome.stopped {
            s.push_str(&format!("Stopped: {why}\n"));
            s.push_str(&format!("  committed lines: {}\n", lines(outcome.committed.iter().map(|(l, _)| *l))));
            if !outcome.unknown.is_empty() {
                s.push_str(&format!(
                    "  unknown (submitted; may or may not have committed): lines {}\n",
                    lines(outcome.unknown.iter().copied())
                ));
            }
            if !outcome.not_committed.is_empty() {
                s.push_str(&format!("  not committed: lines {}\n", lines(outcome.not_committed.iter().copied())));
            }
            s.push_str("  Run the same file again to finish: committed items are answered as repeats.\n");
        }
        s
    })
}

/// Line numbers as ranges: `2-5, 9, 11-12`; `none` for none.
fn lines(numbers: impl Iterator<Item = usize>) -> String {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for n in numbers {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => ranges.push((n, n)),
        }
    }
    if ranges.is_empty() {
        return "none".into();
    }
    ranges.iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_numbers_read_as_ranges() {
        assert_eq!(super::lines([].into_iter()), "none");
        assert_eq!(super::lines([3].into_iter()), "3");
        assert_eq!(super::lines([2, 3, 4, 5, 9, 11, 12].into_iter()), "2-5, 9, 11-12");
    }
}
