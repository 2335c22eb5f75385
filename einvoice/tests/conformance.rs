//! Conformance: every invoice the fixtures hold, rendered by this crate, is validated by
//! the official rules — CEN/TC 434's EN 16931 rules for UBL and OpenPeppol's BIS Billing
//! 3.0 rules, run by phive with Saxon-HE (`tests/einvoice`, built by
//! `scripts/einvoice-deps.sh`) — and must have no error. The same invoices as CII (the XML
//! of Factur-X) must pass CEN's EN 16931 rules for CII, and as Factur-X PDFs must be
//! PDF/A-3b by veraPDF's reading. Documents broken on purpose must fail with the rule they
//! break: proof that the validators are real.
//!
//! One JVM run validates every file (starting it and compiling the Schematron is most of
//! the time). Without the built harness these tests fail, saying how to build it, unless
//! `NANOTRACE_SKIP_EINVOICE_VALIDATOR=1` (then they say loudly that they skipped).

mod fixtures;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use nanotrace_testkit::einvoice_validator::{describe, validate, Report};

/// A document broken on purpose: its file name, the valid invoice it is made from and how
/// it is rendered, the text replaced and its replacement, and the rule that must report it.
struct Broken {
    name: &'static str,
    from: fn() -> nanotrace_einvoice::Invoice,
    render: Render,
    replace: &'static str,
    with: &'static str,
    rule: &'static str,
}

/// How an invoice is rendered for the validator.
type Render = fn(&nanotrace_einvoice::Invoice) -> Result<Vec<u8>, nanotrace_einvoice::Error>;

const UBL: Render = nanotrace_einvoice::Invoice::to_ubl;
const CII: Render = nanotrace_einvoice::Invoice::to_cii;
const PDF: Render = nanotrace_einvoice::Invoice::to_facturx_pdf;

/// The file name of a fixture's CII rendering.
fn cii_name(name: &str) -> String {
    format!("cii-{name}")
}

/// The file name of a fixture's Factur-X PDF.
fn pdf_name(name: &str) -> String {
    format!("facturx-{}", name.replace(".xml", ".pdf"))
}

/// The Factur-X PDF of an invoice long enough to run over several pages.
const LONG_PDF: &str = "facturx-long-invoice.pdf";

/// An invoice of sixty lines with long descriptions: several pages.
fn long_invoice() -> nanotrace_einvoice::Invoice {
    let mut invoice = fixtures::de_invoice();
    let template = invoice.lines[1].clone();
    invoice.lines = (1..=60)
        .map(|i| {
            let mut line = template.clone();
            line.id = i.to_string();
            line.description = Some(format!("Assessment day {i} on site, with its report and the report's review"));
            line
        })
        .collect();
    invoice
}

/// `bytes` with the first `replace` replaced by `with`, or `None` when it is not there.
fn replaced(bytes: &[u8], replace: &str, with: &str) -> Option<Vec<u8>> {
    let at = bytes.windows(replace.len()).position(|w| w == replace.as_bytes())?;
    Some([&bytes[..at], with.as_bytes(), &bytes[at + replace.len()..]].concat())
}

fn broken() -> Vec<Broken> {
    vec![
        // The total with VAT one cent off: BT-112 ≠ BT-109 + BT-110.
        Broken {
            name: "broken-total-with-vat.xml",
            from: fixtures::de_invoice,
            render: UBL,
            replace: r#"<cbc:TaxInclusiveAmount currencyID="EUR">4179.31</cbc:TaxInclusiveAmount>"#,
            with: r#"<cbc:TaxInclusiveAmount currencyID="EUR">4179.32</cbc:TaxInclusiveAmount>"#,
            rule: "BR-CO-15",
        },
        // The sum of the lines not the lines' sum: BT-106 ≠ Σ BT-131.
        Broken {
            name: "broken-line-sum.xml",
            from: fixtures::nl_invoice,
            render: UBL,
            replace: r#"<cbc:LineExtensionAmount currencyID="EUR">3247.05</cbc:LineExtensionAmount>"#,
            with: r#"<cbc:LineExtensionAmount currencyID="EUR">3247.50</cbc:LineExtensionAmount>"#,
            rule: "BR-CO-10",
        },
        // The VAT of the standard-rate breakdown miscomputed: BT-117 ≠ BT-116 × BT-119 / 100.
        Broken {
            name: "broken-vat-amount.xml",
            from: fixtures::se_invoice,
            render: UBL,
            replace: r#"<cbc:TaxAmount currencyID="SEK">9425.00</cbc:TaxAmount>
      <cac:TaxCategory>"#,
            with: r#"<cbc:TaxAmount currencyID="SEK">9424.00</cbc:TaxAmount>
      <cac:TaxCategory>"#,
            rule: "BR-S-09",
        },
        // No buyer reference and no order reference: a Peppol rule.
        Broken {
            name: "broken-no-buyer-reference.xml",
            from: fixtures::nl_invoice,
            render: UBL,
            replace: "<cbc:BuyerReference>Inkoop 2026-88</cbc:BuyerReference>",
            with: "",
            rule: "PEPPOL-EN16931-R003",
        },
        // An exempt breakdown without its reason.
        Broken {
            name: "broken-exemption-reason.xml",
            from: fixtures::de_invoice,
            render: UBL,
            replace: "<cbc:TaxExemptionReasonCode>VATEX-EU-132</cbc:TaxExemptionReasonCode>\n        <cbc:TaxExemptionReason>Exempt under Article 132 of Council Directive 2006/112/EC</cbc:TaxExemptionReason>",
            with: "",
            rule: "BR-E-10",
        },
        // Elements out of the UBL schema's order: the XML Schema layer refuses it.
        Broken {
            name: "broken-element-order.xml",
            from: fixtures::canary_invoice,
            render: UBL,
            replace: "<cbc:ID>CNC-2026-8</cbc:ID>\n  <cbc:IssueDate>2026-07-01</cbc:IssueDate>",
            with: "<cbc:IssueDate>2026-07-01</cbc:IssueDate>\n  <cbc:ID>CNC-2026-8</cbc:ID>",
            rule: "xsd",
        },
        // CII: the total with VAT one cent off.
        Broken {
            name: "broken-cii-total-with-vat.xml",
            from: fixtures::de_invoice,
            render: CII,
            replace: "<ram:GrandTotalAmount>4179.31</ram:GrandTotalAmount>",
            with: "<ram:GrandTotalAmount>4179.32</ram:GrandTotalAmount>",
            rule: "BR-CO-15",
        },
        // CII: the sum of the lines not the lines' sum.
        Broken {
            name: "broken-cii-line-sum.xml",
            from: fixtures::de_invoice,
            render: CII,
            replace: "<ram:LineTotalAmount>3548.75</ram:LineTotalAmount>",
            with: "<ram:LineTotalAmount>3548.57</ram:LineTotalAmount>",
            rule: "BR-CO-10",
        },
        // CII: a credit note without its type code (BT-3), which EN 16931 requires (the CII
        // D16B schema itself makes it optional).
        Broken {
            name: "broken-cii-no-type-code.xml",
            from: fixtures::de_credit_note,
            render: CII,
            replace: "<ram:TypeCode>381</ram:TypeCode>",
            with: "",
            rule: "BR-04",
        },
        // PDF: the Factur-X XMP properties no longer described by an extension schema (the
        // described namespace changed, same length so no offset moves): PDF/A forbids XMP
        // properties no schema describes.
        Broken {
            name: "broken-facturx-xmp-schema.pdf",
            from: fixtures::nl_invoice,
            render: PDF,
            replace: "invoice:1p0#</pdfaSchema:namespaceURI>",
            with: "invoice:1p9#</pdfaSchema:namespaceURI>",
            rule: "6.6.2.3.1-1",
        },
        // PDF: the XMP claims PDF/A-2 (same length): not the part the file conforms to.
        Broken {
            name: "broken-facturx-pdfa-part.pdf",
            from: fixtures::de_credit_note,
            render: PDF,
            replace: "<pdfaid:part>3</pdfaid:part>",
            with: "<pdfaid:part>2</pdfaid:part>",
            rule: "6.6.4-2",
        },
    ]
}

/// The validator's reports by file name, from one run over every file; `None` when the
/// harness is not built and the skip was asked for.
fn reports() -> Option<&'static BTreeMap<String, Report>> {
    static REPORTS: OnceLock<Option<BTreeMap<String, Report>>> = OnceLock::new();
    REPORTS.get_or_init(run_validator).as_ref()
}

fn run_validator() -> Option<BTreeMap<String, Report>> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut files = Vec::new();
    for (name, invoice) in fixtures::all() {
        let path = dir.path().join(name);
        std::fs::write(&path, invoice.to_ubl().expect("a valid fixture renders")).expect("write");
        files.push(path);
    }
    for (name, invoice) in fixtures::all() {
        let path = dir.path().join(cii_name(name));
        std::fs::write(&path, invoice.to_cii().expect("a valid fixture renders as CII")).expect("write");
        files.push(path);
        let path = dir.path().join(pdf_name(name));
        std::fs::write(&path, invoice.to_facturx_pdf().expect("a valid fixture renders as PDF")).expect("write");
        files.push(path);
    }
    let path = dir.path().join(LONG_PDF);
    std::fs::write(&path, long_invoice().to_facturx_pdf().expect("a long invoice renders")).expect("write");
    files.push(path);
    for b in broken() {
        let document = (b.render)(&(b.from)()).expect("renders");
        let broken = replaced(&document, b.replace, b.with)
            .unwrap_or_else(|| panic!("{}: the text to break is not in the document:\n{}", b.name, b.replace));
        let path = dir.path().join(b.name);
        std::fs::write(&path, broken).expect("write");
        files.push(path);
    }

    let validated = validate(&files)?;
    // Some file has an error: the broken ones do.
    assert_eq!(validated.exit_code, Some(1), "the broken documents are refused");
    Some(validated.reports)
}

#[test]
fn every_invoice_rendered_passes_the_en16931_and_peppol_rules() {
    let Some(reports) = reports() else { return };
    let mut failures = Vec::new();
    for (name, invoice) in fixtures::all() {
        let report = &reports[name];
        let credit_note = matches!(invoice.kind, nanotrace_einvoice::InvoiceKind::CreditNote { .. });
        assert_eq!(report.root.as_deref(), Some(if credit_note { "CreditNote" } else { "Invoice" }), "{name}");
        // Both rule sets ran: CEN's EN 16931 artefacts and Peppol BIS Billing 3.0's.
        assert_eq!(report.ves.len(), 2, "{name}: {:?}", report.ves);
        assert!(report.ves.iter().any(|v| v.starts_with("eu.cen.en16931:")), "{name}: {:?}", report.ves);
        assert!(report.ves.iter().any(|v| v.starts_with("eu.peppol.bis3:")), "{name}: {:?}", report.ves);
        if !report.valid || !report.errors.is_empty() {
            failures.push(format!("{name}:\n{}", describe(&report.errors)));
        }
        if !report.warnings.is_empty() {
            eprintln!("{name}: warnings\n{}", describe(&report.warnings));
        }
    }
    assert!(failures.is_empty(), "invoices the rules refuse:\n{}", failures.join("\n"));
}

#[test]
fn every_invoice_as_cii_passes_the_en16931_cii_rules() {
    let Some(reports) = reports() else { return };
    let mut failures = Vec::new();
    for (name, _) in fixtures::all() {
        let name = cii_name(name);
        let report = &reports[&name];
        assert_eq!(report.root.as_deref(), Some("CrossIndustryInvoice"), "{name}");
        // CEN's EN 16931 artefacts for CII (XML Schema and Schematron).
        assert_eq!(report.ves.len(), 1, "{name}: {:?}", report.ves);
        assert!(report.ves[0].starts_with("eu.cen.en16931:cii:"), "{name}: {:?}", report.ves);
        if !report.valid || !report.errors.is_empty() {
            failures.push(format!("{name}:\n{}", describe(&report.errors)));
        }
        if !report.warnings.is_empty() {
            eprintln!("{name}: warnings\n{}", describe(&report.warnings));
        }
    }
    assert!(failures.is_empty(), "CII invoices the rules refuse:\n{}", failures.join("\n"));
}

#[test]
fn every_facturx_pdf_is_pdf_a_3b() {
    let Some(reports) = reports() else { return };
    let mut failures = Vec::new();
    let names = fixtures::all().into_iter().map(|(name, _)| pdf_name(name));
    for name in names.chain([LONG_PDF.to_owned()]) {
        let report = &reports[&name];
        assert_eq!(report.root.as_deref(), Some("PDF"), "{name}");
        assert_eq!(report.ves, ["org.verapdf:3b"], "{name}");
        if !report.valid || !report.errors.is_empty() {
            failures.push(format!("{name}:\n{}", describe(&report.errors)));
        }
    }
    assert!(failures.is_empty(), "PDFs veraPDF refuses as PDF/A-3b:\n{}", failures.join("\n"));
}

#[test]
fn broken_documents_are_refused_with_the_rule_they_break() {
    let Some(reports) = reports() else { return };
    for b in broken() {
        let report = &reports[b.name];
        assert!(!report.valid, "{}: the validator accepted a broken document", b.name);
        assert!(
            report.rules().contains(&b.rule),
            "{}: {} expected among the errors:\n{}",
            b.name,
            b.rule,
            describe(&report.errors)
        );
    }
}
