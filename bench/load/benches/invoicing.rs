//! Invoices per second per certification body, numbered without gaps (issue 75), on the
//! embedded ledger (no harness: it prints its figures).
//!
//!     cargo bench -p nanotrace-bench --bench invoicing
//!     BENCH_INVOICES=1000 BENCH_THREADS=8 cargo bench -p nanotrace-bench --bench invoicing
//!
//! On the sample network in a fresh data directory: the admin registers the body's and the
//! manufacturer's billing details and grants a member of the body the finance role; the
//! body sets its fees; the manufacturer applies for `2 × N` certificates (in batches),
//! which the body quotes and the manufacturer accepts. Then, each figure one transaction
//! per document:
//!
//! 1. the anchor: `IssueQuote`, a private write of the same collection without a number;
//! 2. `IssueInvoice` for `N` applications, one after the other;
//! 3. `IssueInvoice` for the other `N` from `--threads` threads at once, all asking for
//!    the next number of the same body;
//!
//! and checks that the `2 × N` numbers are `INV-000001` … without a gap or a repeat.

mod common;

use anyhow::{ensure, Result};
use clap::Parser;
use common::{load_average, ms_per, per_sec, BenchArgs};
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, DataDir, ADMIN, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_embedded::devmsp::NodeType;
use nanotrace_model::{Application, IssueInvoiceRequest, Role};
use std::sync::Mutex;
use std::time::Instant;

/// The allocator of the `nanotrace` binary, whose embedded ledger this measures.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The body's finance member this benchmark enrolls.
const FINANCE: &str = "fiona@certifier";

/// Invoices per second per body, numbered without gaps. Every option also reads its
/// environment variable.
#[derive(Debug, Parser)]
#[command(name = "invoicing")]
struct Args {
    /// Invoices issued one after the other, and as many again from several threads.
    #[arg(long, value_name = "N", env = "BENCH_INVOICES", default_value_t = 300)]
    invoices: usize,
    /// Threads issuing at once in the concurrent round.
    #[arg(long, value_name = "N", env = "BENCH_THREADS", default_value_t = 4)]
    threads: usize,
    #[command(flatten)]
    common: BenchArgs,
}

fn application(n: usize) -> Result<Application> {
    let mut app = datadir::sample_application()?;
    app.batch = format!("BENCH-INV-{n:06}");
    Ok(app)
}

fn main() -> Result<()> {
    let Args { invoices, threads, common } = Args::parse();
    ensure!(invoices > 0 && threads > 0, "--invoices and --threads must be at least 1");
    let tmp = common.temp_dir()?;
    let dir = DataDir::open(&tmp.path().join("data"))?;
    dir.init_sample_network(datadir::now())?;
    dir.msp.enroll(FINANCE, CERTIFIER_MSP, NodeType::Client)?;
    let admin = dir.client(ADMIN)?;
    let manufacturer_msp = dir.msp_of(APPLICANT)?;
    admin.set_billing_details(CERTIFIER_MSP, nanotrace_testkit::sample_body_billing()).wait()?;
    admin.set_billing_details(&manufacturer_msp, nanotrace_testkit::sample_manufacturer_billing()).wait()?;
    admin.grant_role(dir.holder(FINANCE)?, Role::Finance).wait()?;
    let (applicant, certifier) = (dir.client(APPLICANT)?, dir.client(CERTIFIER)?);
    let mut schedule = nanotrace_testkit::sample_fee_schedule();
    schedule.payment_before_decision = false;
    certifier.set_fee_schedule(&manufacturer_msp, schedule).wait()?;

    println!(
        "NanoTrace invoices per second per body on the embedded ledger ({CERTIFIER_MSP} invoicing {manufacturer_msp})"
    );
    println!("  ledger:  {}", dir.ledger.path().display());
    println!("  sizes:   BENCH_INVOICES={invoices} (one after the other, and as many again) BENCH_THREADS={threads}");
    println!("  cpus:    {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
    println!("  load:    {} (1, 5, 15 min)", load_average());
    println!();

    let total = 2 * invoices;
    let mut ids = Vec::with_capacity(total);
    for chunk in (0..total).collect::<Vec<_>>().chunks(1000) {
        let apps = chunk.iter().map(|&n| application(n)).collect::<Result<Vec<_>>>()?;
        ids.extend(applicant.apply_batch(apps).wait()?.value);
    }
    // 1. The anchor: the quotes, one transaction each.
    let t = Instant::now();
    for id in &ids {
        certifier.issue_quote(id).wait()?;
    }
    let quote_time = t.elapsed();
    for id in &ids {
        applicant.accept_quote(id, CERTIFIER_MSP).wait()?;
    }
    let request = |id: &str| IssueInvoiceRequest { certificate_id: id.to_owned(), buyer_reference: None, note: None };

    // 2. Invoices one after the other.
    let finance = dir.client(FINANCE)?;
    let mut numbers = Vec::with_capacity(total);
    let t = Instant::now();
    for id in &ids[..invoices] {
        numbers.push(finance.issue_invoice(&request(id)).wait()?.value.number);
    }
    let serial_time = t.elapsed();

    // 3. The other half from several threads at once.
    let concurrent: Mutex<Vec<String>> = Mutex::new(Vec::with_capacity(invoices));
    let rest = &ids[invoices..];
    let per_thread = rest.len().div_ceil(threads);
    let t = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = rest
            .chunks(per_thread)
            .map(|chunk| {
                let concurrent = &concurrent;
                let finance = dir.client(FINANCE);
                scope.spawn(move || -> Result<()> {
                    let finance = finance?;
                    for id in chunk {
                        let number = finance.issue_invoice(&request(id)).wait()?.value.number;
                        concurrent.lock().map_err(|_| anyhow::anyhow!("a thread panicked"))?.push(number);
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            handle.join().map_err(|_| anyhow::anyhow!("an issuing thread panicked"))??;
        }
        Ok(())
    })?;
    let concurrent_time = t.elapsed();
    numbers.extend(concurrent.into_inner().map_err(|_| anyhow::anyhow!("a thread panicked"))?);

    // Gap-free: exactly INV-000001 … INV-<2N>, each once.
    let mut sorted = numbers.clone();
    sorted.sort();
    let expected: Vec<String> = (1..=total).map(|n| format!("INV-{n:06}")).collect();
    ensure!(sorted == expected, "the numbers are not INV-000001 … INV-{total:06} without a gap or a repeat");
    let listed = finance.invoices(CERTIFIER_MSP, &manufacturer_msp).wait()?;
    ensure!(listed.len() == total, "Invoices answers {} documents, {total} were issued", listed.len());

    println!("1. Anchor: IssueQuote, one transaction each (a private write without a number)");
    println!("   {:>8.1} tx/s   {:>6.2} ms/tx", per_sec(total, quote_time), ms_per(quote_time, total));
    println!("2. IssueInvoice, one after the other");
    println!(
        "   {:>8.1} invoices/s   {:>6.2} ms/invoice   ÷ anchor {:.2}",
        per_sec(invoices, serial_time),
        ms_per(serial_time, invoices),
        per_sec(invoices, serial_time) / per_sec(total, quote_time)
    );
    println!("3. IssueInvoice from {threads} threads at once, one body's sequence");
    println!(
        "   {:>8.1} invoices/s   {:>6.2} ms/invoice   ÷ anchor {:.2}",
        per_sec(invoices, concurrent_time),
        ms_per(concurrent_time, invoices),
        per_sec(invoices, concurrent_time) / per_sec(total, quote_time)
    );
    println!("   numbering: INV-000001 … INV-{total:06}, no gap, no repeat ({total} documents listed)");
    Ok(())
}
