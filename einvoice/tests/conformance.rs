//! Conformance: every invoice the fixtures hold, rendered by this crate, is validated by
//! the official rules — CEN/TC 434's EN 16931 rules for UBL and OpenPeppol's BIS Billing
//! 3.0 rules, run by phive with Saxon-HE (`tests/einvoice`, built by
//! `scripts/einvoice-deps.sh`) — and must have no error. Documents broken on purpose
//! must fail with the rule they break: proof that the validator is real.
//!
//! One JVM run validates every file (starting it and compiling the Schematron is most of
//! the time). Without the built harness these tests fail, saying how to build it, unless
//! `NANOTRACE_SKIP_EINVOICE_VALIDATOR=1` (then they say loudly that they skipped).

mod fixtures;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use serde::Deserialize;

/// The harness's folder: `tests/einvoice` of the repository.
fn harness() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/einvoice")
}

/// The environment variable that lets these tests skip when the harness is not built.
const SKIP_VAR: &str = "NANOTRACE_SKIP_EINVOICE_VALIDATOR";

/// One rule's finding.
#[derive(Debug, Clone, Deserialize)]
struct Issue {
    rule: String,
    message: Option<String>,
    location: Option<String>,
    ves: Option<String>,
}

/// The validator's verdict on one file (one JSON line).
#[derive(Debug, Clone, Deserialize)]
struct Report {
    file: String,
    root: Option<String>,
    ves: Vec<String>,
    valid: bool,
    errors: Vec<Issue>,
    warnings: Vec<Issue>,
}

impl Report {
    fn rules(&self) -> Vec<&str> {
        self.errors.iter().map(|e| e.rule.as_str()).collect()
    }
}

/// A document broken on purpose: its file name, the valid invoice it is made from, the
/// text replaced and its replacement, and the rule that must report it.
struct Broken {
    name: &'static str,
    from: fn() -> nanotrace_einvoice::Invoice,
    replace: &'static str,
    with: &'static str,
    rule: &'static str,
}

fn broken() -> Vec<Broken> {
    vec![
        // The total with VAT one cent off: BT-112 ≠ BT-109 + BT-110.
        Broken {
            name: "broken-total-with-vat.xml",
            from: fixtures::de_invoice,
            replace: r#"<cbc:TaxInclusiveAmount currencyID="EUR">4179.31</cbc:TaxInclusiveAmount>"#,
            with: r#"<cbc:TaxInclusiveAmount currencyID="EUR">4179.32</cbc:TaxInclusiveAmount>"#,
            rule: "BR-CO-15",
        },
        // The sum of the lines not the lines' sum: BT-106 ≠ Σ BT-131.
        Broken {
            name: "broken-line-sum.xml",
            from: fixtures::nl_invoice,
            replace: r#"<cbc:LineExtensionAmount currencyID="EUR">3247.05</cbc:LineExtensionAmount>"#,
            with: r#"<cbc:LineExtensionAmount currencyID="EUR">3247.50</cbc:LineExtensionAmount>"#,
            rule: "BR-CO-10",
        },
        // The VAT of the standard-rate breakdown miscomputed: BT-117 ≠ BT-116 × BT-119 / 100.
        Broken {
            name: "broken-vat-amount.xml",
            from: fixtures::se_invoice,
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
            replace: "<cbc:BuyerReference>Inkoop 2026-88</cbc:BuyerReference>",
            with: "",
            rule: "PEPPOL-EN16931-R003",
        },
        // An exempt breakdown without its reason.
        Broken {
            name: "broken-exemption-reason.xml",
            from: fixtures::de_invoice,
            replace: "<cbc:TaxExemptionReasonCode>VATEX-EU-132</cbc:TaxExemptionReasonCode>\n        <cbc:TaxExemptionReason>Exempt under Article 132 of Council Directive 2006/112/EC</cbc:TaxExemptionReason>",
            with: "",
            rule: "BR-E-10",
        },
        // Elements out of the UBL schema's order: the XML Schema layer refuses it.
        Broken {
            name: "broken-element-order.xml",
            from: fixtures::canary_invoice,
            replace: "<cbc:ID>CNC-2026-8</cbc:ID>\n  <cbc:IssueDate>2026-07-01</cbc:IssueDate>",
            with: "<cbc:IssueDate>2026-07-01</cbc:IssueDate>\n  <cbc:ID>CNC-2026-8</cbc:ID>",
            rule: "xsd",
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
    let target = harness().join("target");
    let classpath_file = target.join("classpath.txt");
    let classes = target.join("classes");
    let built = classes.join("org/nanotrace/einvoice/Validate.class").is_file();
    let classpath = std::fs::read_to_string(&classpath_file).ok().filter(|_| built);
    let Some(classpath) = classpath else {
        if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
            eprintln!(
                "\n{bar}\n*** SKIPPED: EN 16931 / Peppol conformance of the rendered invoices ***\n\
                 *** {SKIP_VAR}=1 and the harness is not built ({}) ***\n{bar}\n",
                classpath_file.display(),
                bar = "#".repeat(80)
            );
            return None;
        }
        panic!(
            "the EN 16931 validator is not built ({} missing): run scripts/einvoice-deps.sh \
             (or set {SKIP_VAR}=1 to skip these tests)",
            if built { classpath_file.display() } else { classes.display() }
        );
    };
    if let Some(missing) = classpath.trim().split(':').find(|jar| !Path::new(jar).is_file()) {
        panic!("the validator's class path names {missing}, which is gone: run scripts/einvoice-deps.sh");
    }

    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut files = Vec::new();
    for (name, invoice) in fixtures::all() {
        let path = dir.path().join(name);
        std::fs::write(&path, invoice.to_ubl().expect("a valid fixture renders")).expect("write");
        files.push(path);
    }
    for b in broken() {
        let xml = String::from_utf8((b.from)().to_ubl().expect("renders")).expect("UTF-8");
        assert!(xml.contains(b.replace), "{}: the text to break is not in the document:\n{}", b.name, b.replace);
        let path = dir.path().join(b.name);
        std::fs::write(&path, xml.replacen(b.replace, b.with, 1)).expect("write");
        files.push(path);
    }

    let java = std::env::var_os("JAVA_HOME").map(|home| PathBuf::from(home).join("bin/java"));
    let java = java.filter(|j| j.is_file()).unwrap_or_else(|| PathBuf::from("java"));
    let started = Instant::now();
    let output = Command::new(&java)
        .arg("-cp")
        .arg(format!("{}:{}", classes.display(), classpath.trim()))
        .arg("org.nanotrace.einvoice.Validate")
        .args(&files)
        .output()
        .unwrap_or_else(|e| {
            panic!("{} could not be run ({e}): is Java installed (scripts/prereqs.sh --tests)?", java.display())
        });
    eprintln!("the validator checked {} files in {:.1} s", files.len(), started.elapsed().as_secs_f64());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Exit 1 is "some file has an error" (the broken ones do); anything else is a failure
    // of the validator itself.
    assert_eq!(
        output.status.code(),
        Some(1),
        "the validator failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let reports: BTreeMap<String, Report> = stdout
        .lines()
        .map(|line| serde_json::from_str::<Report>(line).unwrap_or_else(|e| panic!("{e}: {line}\nstderr:\n{stderr}")))
        .map(|r| {
            let name = Path::new(&r.file).file_name().expect("a file name").to_string_lossy().into_owned();
            (name, r)
        })
        .collect();
    assert_eq!(reports.len(), files.len(), "one report per file:\n{stdout}\nstderr:\n{stderr}");
    Some(reports)
}

fn describe(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|i| {
            format!(
                "  [{}] {} at {} ({})",
                i.rule,
                i.message.as_deref().unwrap_or(""),
                i.location.as_deref().unwrap_or("?"),
                i.ves.as_deref().unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
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
