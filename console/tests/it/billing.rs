//! The billing pages (issue 75) on a data directory where the certification body
//! charges the manufacturer its sample fees, payment before a decision: three
//! applications quoted and accepted; two invoiced by the body's finance member, one of
//! them paid by an imported camt.053 statement. Over HTTP: the manufacturer's page lists
//! both invoices and what is outstanding, the downloads are the document's UBL bytes and
//! a PDF, the approval queue says which application is paid, another manufacturer's
//! member sees no invoice and gets the contract's refusal for one; in Chromium: the page
//! at a phone's width and a desktop's, nothing wider than the screen.
//!
//! The body's finance in the console: the finance member issues the third application's
//! invoice, credits the open one and imports the statement that pays the new invoice,
//! each a transaction signed with the member's own key (over HTTP as WebCrypto signs, and
//! in Chromium by the page's script), the requests carried as the proposals' transient
//! data; bad input is refused with the contract's words and writes nothing; a body's
//! member without the finance role sees no form and the contract refuses their POST.

use std::path::Path;

use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{DataDir, CERTIFIER_MSP, MANUFACTURER_MSP};
use nanotrace_model::billing::InvoiceRecord;
use nanotrace_model::IssueInvoiceRequest;
use nanotrace_testkit::datadir::{FINANCE, OTHER_MAKER, OTHER_MAKER_MSP};
use serde_json::json;

use crate::browser::{ConsoleSteps, Profile, CHROMIUM};
use crate::support::*;

/// The sample body's account (`examples/billing-details-body.json`).
const IBAN: &str = "DE89370400440532013000";

/// What the set-up made.
struct Billed {
    /// Invoiced and paid.
    paid: String,
    /// Invoiced, nothing paid.
    open: String,
    /// Quoted and accepted, not invoiced.
    quoted: String,
    /// The UBL of the open invoice (INV-000002) as the contract wrote it.
    open_ubl: Vec<u8>,
}

/// The sample network with billing: see the module's doc.
fn billed_network(data: &Path) -> Billed {
    let dir: DataDir = nanotrace_testkit::datadir::billing_network(data);
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let applicant = dir.client(APPLICANT).expect("applicant");
    let finance = dir.client(FINANCE).expect("finance");
    let mut ids = Vec::new();
    for lot in ["LOT-PAID", "LOT-OPEN", "LOT-QUOTED"] {
        let id = applicant.apply(&nanotrace_testkit::sample_application(lot)).wait().expect("apply").value;
        certifier.issue_quote(&id).wait().expect("quote");
        applicant.accept_quote(&id, CERTIFIER_MSP).wait().expect("accept");
        ids.push(id);
    }
    let invoice = |id: &str| {
        let req = IssueInvoiceRequest { certificate_id: id.to_owned(), buyer_reference: None, note: None };
        finance.issue_invoice(&req).wait().expect("invoice").value
    };
    let paid = invoice(&ids[0]);
    let open = invoice(&ids[1]);
    let reference =
        serde_json::to_value(&paid.document.payment_means.as_ref().expect("payment means").creditor_reference)
            .expect("JSON")
            .as_str()
            .expect("a reference")
            .to_owned();
    let statement = nanotrace_testkit::camt053_statement("STMT-1", IBAN, &[("1737.40", &reference)]);
    let import = finance.import_statement(statement).wait().expect("import").value;
    assert_eq!(import.payments.len(), 1, "the statement paid one invoice: {import:?}");
    Billed {
        paid: ids[0].clone(),
        open: ids[1].clone(),
        quoted: ids[2].clone(),
        open_ubl: open.document.to_ubl().expect("UBL"),
    }
}

async fn billed_console() -> (Harness, Billed) {
    let dir = tempfile::tempdir().expect("tempdir");
    let billed = billed_network(dir.path());
    (Harness::on(dir).await, billed)
}

/// The text of `html` with its tags taken out and its spaces collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The part of `html` from the element with `id` to the end of its section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("#{id} in the page"));
    let rest = &html[start..];
    let rest = &rest[rest.find('>').map_or(0, |i| i + 1)..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manufacturer_sees_its_invoices_and_what_is_outstanding_and_downloads_them() {
    let (h, billed) = billed_console().await;
    let dave = h.signed_in(APPLICANT).await;
    let (status, _, page) = dave.get("/billing").await;
    assert_eq!(status, 200, "{page}");
    let all = text(&page);
    assert!(page.contains(&format!("data-pair=\"{CERTIFIER_MSP}\"")), "the body is a counterparty: {all}");
    assert!(page.contains("data-invoice=\"INV-000001\"") && page.contains("data-invoice=\"INV-000002\""), "{all}");
    assert_eq!(text(section(&page, "outstanding-total")), "Outstanding 1737.40 EUR", "the open invoice only");
    let paid_row =
        text(page.split("data-invoice=\"INV-000001\"").nth(1).and_then(|r| r.split("</tr>").next()).expect("row"));
    assert!(
        paid_row.contains(&billed.paid) && paid_row.contains("1737.40 EUR") && paid_row.contains("paid"),
        "{paid_row}"
    );
    let open_row =
        text(page.split("data-invoice=\"INV-000002\"").nth(1).and_then(|r| r.split("</tr>").next()).expect("row"));
    assert!(open_row.contains(&billed.open) && open_row.contains("1737.40 EUR outstanding, due"), "{open_row}");
    assert!(
        all.contains("Per application 1737.40 EUR (1460.00 net + 277.40 VAT) · payment before a decision"),
        "{all}"
    );
    assert!(!page.contains(&format!("/certificates/{}", billed.quoted)), "no invoice for the application not invoiced");

    // The downloads: the document's own UBL bytes; a Factur-X PDF; each with its file name.
    let base = format!("/billing/{CERTIFIER_MSP}/{MANUFACTURER_MSP}/INV-000002");
    let ubl = dave.get_bytes(&format!("{base}/ubl")).await;
    assert_eq!(ubl.0, 200);
    assert_eq!(ubl.1.get("content-type").and_then(|v| v.to_str().ok()), Some("application/xml"));
    assert_eq!(
        ubl.1.get("content-disposition").and_then(|v| v.to_str().ok()),
        Some("attachment; filename=\"INV-000002.xml\"")
    );
    assert_eq!(ubl.2, billed.open_ubl, "the UBL the invoice's document writes");
    let pdf = dave.get_bytes(&format!("{base}/pdf")).await;
    assert_eq!(pdf.0, 200);
    assert_eq!(pdf.1.get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
    assert!(pdf.2.starts_with(b"%PDF"), "a PDF");
    assert_eq!(
        pdf.1.get("content-disposition").and_then(|v| v.to_str().ok()),
        Some("attachment; filename=\"INV-000002.pdf\"")
    );
    let (status, _, missing) = dave.get(&format!("/billing/{CERTIFIER_MSP}/{MANUFACTURER_MSP}/INV-000009/ubl")).await;
    assert_eq!(status, 404, "{missing}");
    let (status, _, _) = dave.get(&format!("{base}/cii")).await;
    assert_eq!(status, 404, "no such format");

    // The application's own page shows its quote and whether it is paid.
    let (_, _, cert) = dave.get(&format!("/certificates/{}", billed.open)).await;
    let quotes = text(section(&cert, "quotes"));
    assert!(
        quotes.contains("CertifierMSP : 1737.40 EUR")
            && quotes.contains("accepted")
            && quotes.contains("awaiting payment"),
        "{quotes}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_certifiers_queue_says_which_application_is_paid_and_the_body_sees_every_manufacturer() {
    let (h, billed) = billed_console().await;
    let alice = h.signed_in(CERTIFIER).await;
    let (status, _, queue) = alice.get("/queue").await;
    assert_eq!(status, 200, "{queue}");
    let row = |id: &str| {
        text(queue.split(&format!("/certificates/{id}\"")).nth(1).and_then(|r| r.split("</li>").next()).expect("row"))
    };
    assert!(row(&billed.paid).contains("paid (INV-000001)"), "{}", row(&billed.paid));
    assert!(
        row(&billed.open).contains("awaiting payment (1737.40 EUR outstanding on INV-000002)"),
        "{}",
        row(&billed.open)
    );
    assert!(row(&billed.quoted).contains("awaiting payment (not invoiced yet)"), "{}", row(&billed.quoted));
    let (status, _, page) = alice.get("/billing").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&format!("data-pair=\"{MANUFACTURER_MSP}\"")), "{page}");
    assert!(page.contains(&format!("data-pair=\"{OTHER_MAKER_MSP}\"")), "every manufacturer is a counterparty");
    assert_eq!(text(section(&page, "outstanding-total")), "Outstanding 1737.40 EUR");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_manufacturers_member_sees_no_invoice_and_gets_the_contracts_refusal() {
    let (h, _) = billed_console().await;
    let oscar = h.signed_in(OTHER_MAKER).await;
    let (status, _, page) = oscar.get("/billing").await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("INV-0000"), "no one else's invoice: {page}");
    assert_eq!(text(section(&page, "outstanding-total")), "Outstanding Nothing outstanding");
    assert!(text(&page).contains("No fee schedule set."), "{page}");
    for format in ["ubl", "pdf"] {
        let (status, headers, refused) =
            oscar.get_bytes(&format!("/billing/{CERTIFIER_MSP}/{MANUFACTURER_MSP}/INV-000001/{format}")).await;
        let refused = String::from_utf8_lossy(&refused).into_owned();
        assert_eq!(status, 403, "{refused}");
        assert!(headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html")));
        assert!(refused.contains("billing.party") && refused.contains("The contract refused"), "{refused}");
        assert!(!refused.contains("%PDF") && !refused.contains("<Invoice"), "no document");
    }
    // A regulator's member has no billing: the page does not exist for them.
    let inspector = h.signed_in(INSPECTOR).await;
    let (status, _, _) = inspector.get("/billing").await;
    assert_eq!(status, 404);
    let (status, _, refused) =
        inspector.get(&format!("/billing/{CERTIFIER_MSP}/{MANUFACTURER_MSP}/INV-000001/ubl")).await;
    assert_eq!(status, 403, "{refused}");
    // Signed out: to the sign-in page.
    let anonymous = h.member(APPLICANT);
    let (status, _, _) = anonymous.get("/billing").await;
    assert_eq!(status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_billing_page_in_chromium_at_a_phones_width_and_a_desktops() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium (scripts/prereqs.sh --tests does)"
    );
    let (h, billed) = billed_console().await;
    let ids = h.dir.path().join("identities");
    let dave = Profile::launch(&h.url).await;
    dave.import_key(MANUFACTURER_MSP, &ids.join(APPLICANT)).await;
    dave.wait_for("dave's home", "document.querySelector('a[href=\"/billing\"]')").await;
    dave.goto(&format!("{}/billing", h.url)).await;
    dave.wait_for("the billing page", "document.querySelectorAll('tr[data-invoice]').length === 2").await;
    assert_eq!(dave.eval("document.querySelector('#outstanding-total .amount').textContent").await, "1737.40 EUR");
    // Nothing is wider than a phone's screen: the table is stacked into one card per document.
    let wide = "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).length";
    assert_eq!(dave.eval_at_width(360, wide).await, "0", "elements beyond a 360 px screen");
    assert_eq!(dave.eval_at_width(390, wide).await, "0", "elements beyond a 390 px screen");
    assert_eq!(dave.eval("document.documentElement.scrollWidth <= window.innerWidth").await, "true");
    dave.screenshots("console-15-billing").await;
    dave.goto(&format!("{}/certificates/{}", h.url, billed.open)).await;
    dave.wait_for("the quote", "document.querySelector('#quotes .quote')").await;
    dave.close().await;

    let alice = Profile::launch(&h.url).await;
    alice.import_key(CERTIFIER_MSP, &ids.join(CERTIFIER)).await;
    alice.wait_for("alice's home", "document.querySelector('a[href=\"/queue\"]')").await;
    alice.goto(&format!("{}/queue", h.url)).await;
    alice.wait_for("the payment states", "document.querySelectorAll('.pay').length === 3").await;
    alice.screenshots("console-16-queue-payments").await;
    alice.close().await;
}

/// The invoices and credit notes between the body and the manufacturer, read as `name`
/// through the console's own ledger.
async fn invoices_as(h: &Harness, name: &str) -> Vec<InvoiceRecord> {
    let member = h.member(name);
    let now = nanotrace_model::clock::unix_now();
    let msp = h.state.ledger.org_msp(&member.msp_id).expect("membership");
    let member = msp.member(&member.cert_pem, now).expect("a member");
    let reader = h.state.ledger.reader("test", &member, &[], std::time::Duration::ZERO);
    reader.invoices(CERTIFIER_MSP, MANUFACTURER_MSP).await.expect("the pair's invoices")
}

/// The creditor reference printed on `record` (what a payment quotes).
fn reference(record: &InvoiceRecord) -> String {
    let means = record.document.payment_means.as_ref().expect("payment means");
    serde_json::to_value(&means.creditor_reference).expect("JSON").as_str().expect("a reference").to_owned()
}

fn number<'a>(records: &'a [InvoiceRecord], n: &str) -> &'a InvoiceRecord {
    records.iter().find(|r| r.number == n).unwrap_or_else(|| panic!("{n} on the ledger"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finance_issues_credits_and_imports_through_the_signing_stages_and_no_one_else_may() {
    let (h, billed) = billed_console().await;
    let invoice = json!({ "certificate_id": billed.quoted });

    // A body's member without the finance role: no form, and the contract refuses the
    // proposal at endorsement (403, its words), nothing written.
    let alice = h.signed_in(CERTIFIER).await;
    let (_, _, page) = alice.get("/billing").await;
    assert!(!page.contains("id=\"finance\"") && !page.contains("data-tx=\"issue-invoice\""), "no finance form");
    let height = h.height();
    let refused = alice.transact("/api/tx/issue-invoice", &invoice).await.expect_err("not finance");
    assert_eq!(refused.status, 403, "{}", refused.error());
    assert!(refused.error().contains("UNAUTHORIZED") && refused.error().contains("finance"), "{}", refused.error());
    let statement = nanotrace_testkit::camt053_statement("STMT-X", IBAN, &[("1.00", "RF18INV000001")]);
    let refused =
        alice.transact("/api/tx/import-statement", &json!({ "camt053": statement })).await.expect_err("not finance");
    assert_eq!(refused.status, 403, "{}", refused.error());
    // A manufacturer's member is not offered the route at all.
    let dave = h.signed_in(APPLICANT).await;
    assert_eq!(dave.propose("/api/tx/issue-invoice", &invoice).await.status, 404);
    assert_eq!(h.height(), height, "nothing written");

    // The finance member sees the forms; bad input is refused in words, nothing written.
    let fiona = h.signed_in(FINANCE).await;
    let (_, _, page) = fiona.get("/billing").await;
    assert!(page.contains("id=\"finance\""), "the finance forms");
    assert!(page.contains("<option value=\"INV-000002\""), "the open invoice may be credited");
    let bad = |what: &str, r: Result<serde_json::Value, crate::support::Reply>| {
        let r = r.expect_err(what);
        (r.status.as_u16(), r.error())
    };
    let (status, e) = bad("no application", fiona.transact("/api/tx/issue-invoice", &json!({})).await);
    assert!(status == 400 && e.contains("certificate_id: is required"), "{e}");
    let (status, e) = bad(
        "invoiced already",
        fiona.transact("/api/tx/issue-invoice", &json!({ "certificate_id": billed.paid })).await,
    );
    assert!(status == 409 && e.contains("ALREADY_EXISTS") && e.contains("INV-000001"), "{e}");
    let (status, e) = bad(
        "not a statement",
        fiona.transact("/api/tx/import-statement", &json!({ "camt053": "<html><body>a web page</body></html>" })).await,
    );
    assert!(status == 409 && e.contains("not a camt.053 statement"), "{e}");
    let other = nanotrace_testkit::camt053_statement("STMT-O", "GB82WEST12345698765432", &[("1.00", "RF18INV000001")]);
    let (status, e) =
        bad("another account", fiona.transact("/api/tx/import-statement", &json!({ "camt053": other })).await);
    assert!(status == 409 && e.contains("another account"), "{e}");
    let (status, e) = bad("no statement", fiona.transact("/api/tx/import-statement", &json!({})).await);
    assert!(status == 400 && e.contains("camt.053"), "{e}");
    assert_eq!(h.height(), height, "nothing written by bad input");

    // The application's page offers its accepted quote for invoicing: to the finance
    // member only, and only while it has no invoice.
    let offer = format!("name=\"certificate_id\" value=\"{}\"", billed.quoted);
    let (_, _, page) = fiona.get(&format!("/certificates/{}", billed.quoted)).await;
    let quotes = section(&page, "quotes");
    assert!(quotes.contains("id=\"invoice-quote\"") && quotes.contains(&offer), "{quotes}");
    let (_, _, page) = alice.get(&format!("/certificates/{}", billed.quoted)).await;
    assert!(!page.contains("id=\"invoice-quote\""), "the certifier invoices nothing");
    let (_, _, page) = fiona.get(&format!("/certificates/{}", billed.paid)).await;
    assert!(!page.contains("id=\"invoice-quote\""), "an invoiced quote is not offered again");

    // Issue, credit, import: each signed by fiona's key, the request in transient data.
    let issued = fiona.transact("/api/tx/issue-invoice", &invoice).await.map_err(|e| e.error()).expect("issue");
    assert_eq!(issued["done"], "/billing");
    let (_, _, page) = fiona.get(&format!("/certificates/{}", billed.quoted)).await;
    assert!(!page.contains("id=\"invoice-quote\""), "invoiced now");
    let credit = json!({ "invoice_number": "INV-000002", "reason": "application withdrawn" });
    fiona.transact("/api/tx/issue-credit-note", &credit).await.map_err(|e| e.error()).expect("credit");
    let records = invoices_as(&h, FINANCE).await;
    let new = number(&records, "INV-000003");
    assert_eq!(new.certificate_id, billed.quoted);
    new.document.validate().expect("a valid EN 16931 invoice");
    assert_eq!(number(&records, "INV-000002").credited_by.as_deref(), Some("INV-000004"));
    assert!(number(&records, "INV-000004").is_credit_note());
    let statement = nanotrace_testkit::camt053_statement("STMT-2", IBAN, &[("1737.40", &reference(new))]);
    let form = json!({ "camt053": statement });
    let imported = fiona.transact("/api/tx/import-statement", &form).await.map_err(|e| e.error()).expect("import");
    let done = imported["done"].as_str().expect("done").to_owned();
    assert_eq!(done, format!("/billing?statement={}", imported["tx_id"].as_str().expect("tx")));
    let (_, _, page) = fiona.get(&done).await;
    let report = text(section(&page, "statement-report"));
    assert!(report.contains("1 payment(s) applied · 0 reported, not applied"), "{report}");
    let payment =
        text(page.split("data-payment=\"INV-000003\"").nth(1).and_then(|r| r.split("</tr>").next()).expect("row"));
    assert!(payment.contains(&billed.quoted) && payment.contains("1737.40") && payment.contains("paid"), "{payment}");
    // The report is this session's: another session of the same member does not get it.
    let again_fiona = h.signed_in(FINANCE).await;
    let (_, _, elsewhere) = again_fiona.get(&done).await;
    assert!(!elsewhere.contains("statement-report"), "no report for another session");
    let records = invoices_as(&h, FINANCE).await;
    assert!(number(&records, "INV-000003").is_settled(), "the statement paid it");
    let (_, _, page) = fiona.get("/billing").await;
    let row =
        text(page.split("data-invoice=\"INV-000003\"").nth(1).and_then(|r| r.split("</tr>").next()).expect("row"));
    assert!(row.contains("paid"), "{row}");

    // The same statement again: idempotent, said so, nothing applied twice.
    let again = fiona.transact("/api/tx/import-statement", &form).await.map_err(|e| e.error()).expect("again");
    let (_, _, page) = fiona.get(again["done"].as_str().expect("done")).await;
    assert!(text(section(&page, "statement-report")).contains("imported before"), "{page}");
    let paid_once = invoices_as(&h, FINANCE).await;
    assert_eq!(number(&paid_once, "INV-000003").payments.len(), 1, "applied once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_finance_member_issues_credits_and_imports_in_chromium_with_the_key_in_the_browser() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium (scripts/prereqs.sh --tests does)"
    );
    let (h, billed) = billed_console().await;
    let ids = h.dir.path().join("identities");
    let wide = "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).length";
    let fiona = Profile::launch(&h.url).await;
    fiona.import_key(CERTIFIER_MSP, &ids.join(FINANCE)).await;
    fiona.wait_for("fiona's home", "document.querySelector('a[href=\"/billing\"]')").await;
    fiona.goto(&format!("{}/billing", h.url)).await;
    fiona.wait_for("the finance forms", "document.querySelector('#finance #import-statement')").await;
    assert_eq!(fiona.eval_at_width(360, wide).await, "0", "elements beyond a 360 px screen");
    fiona.screenshots("console-17-finance").await;

    // The invoice of the accepted quote, from the application's page, signed in the
    // browser. (The /billing form that takes an application's ID posts the same route:
    // `finance_issues_credits_and_imports_through_the_signing_stages_and_no_one_else_may`.)
    fiona.goto(&format!("{}/certificates/{}", h.url, billed.quoted)).await;
    fiona.wait_for("the quote to invoice", "document.querySelector('#quotes #invoice-quote')").await;
    assert_eq!(fiona.eval_at_width(360, wide).await, "0", "elements beyond a 360 px screen");
    fiona.screenshots("console-19-invoice-quote").await;
    fiona.type_into("#invoice-quote [name=note]", "issued from the application's page").await;
    fiona.click("#invoice-quote button[type=submit]").await;
    fiona.wait_for("the new invoice", "document.querySelector('tr[data-invoice=\"INV-000003\"]')").await;
    // The open invoice credited.
    fiona.eval("document.querySelector('#issue-credit-note select').value = 'INV-000002'").await;
    fiona.type_into("#issue-credit-note [name=reason]", "application withdrawn").await;
    fiona.click("#issue-credit-note button[type=submit]").await;
    fiona.wait_for("the credit note", "document.querySelector('tr[data-invoice=\"INV-000004\"]')").await;
    let credited = fiona.eval("document.querySelector('tr[data-invoice=\"INV-000002\"] .state').textContent").await;
    assert!(credited.contains("INV-000004"), "{credited}");

    // A file that is no statement: the contract's words on the page, nothing written.
    let height = h.height();
    let junk = h.dir.path().join("not-a-statement.xml");
    std::fs::write(&junk, "<html><body>a web page</body></html>").expect("file");
    fiona.choose_file("#import-statement input[type=file]", &junk).await;
    fiona.click("#import-statement button[type=submit]").await;
    fiona
        .wait_for(
            "the refusal",
            "document.getElementById('tx-status').textContent.includes('not a camt.053 statement')",
        )
        .await;
    assert_eq!(h.height(), height, "nothing written");

    // The bank's statement that pays the new invoice: the report, and the invoice paid.
    let records = invoices_as(&h, FINANCE).await;
    let statement = nanotrace_testkit::camt053_statement(
        "STMT-2",
        IBAN,
        &[("1737.40", &reference(number(&records, "INV-000003"))), ("99.00", "RF18ABCDEF")],
    );
    let file = h.dir.path().join("camt053-STMT-2.xml");
    std::fs::write(&file, statement).expect("file");
    fiona.choose_file("#import-statement input[type=file]", &file).await;
    fiona.click("#import-statement button[type=submit]").await;
    fiona.wait_for("the report", "document.getElementById('statement-report')").await;
    let paid = fiona.eval("document.querySelector('tr[data-payment=\"INV-000003\"]').textContent").await;
    assert!(paid.contains("1737.40") && paid.contains("paid"), "{paid}");
    let reported = fiona.eval("document.getElementById('reported').textContent").await;
    assert!(reported.contains("99.00 EUR"), "the payment that matches nothing is reported: {reported}");
    fiona.wait_for("the invoice paid", "document.querySelector('tr[data-invoice=\"INV-000003\"] .st-paid')").await;
    assert_eq!(fiona.eval_at_width(360, wide).await, "0", "elements beyond a 360 px screen");
    fiona.screenshots("console-18-statement-imported").await;
    fiona.close().await;

    // On the ledger: the invoice is a valid EN 16931 document, paid once by that entry.
    let records = invoices_as(&h, FINANCE).await;
    let invoice = number(&records, "INV-000003");
    invoice.document.validate().expect("a valid EN 16931 invoice");
    assert_eq!(invoice.document.note.as_deref(), Some("issued from the application's page"));
    assert!(invoice.is_settled() && invoice.payments.len() == 1, "{:?}", invoice.payments);
    assert_eq!(number(&records, "INV-000002").credited_by.as_deref(), Some("INV-000004"));
}
