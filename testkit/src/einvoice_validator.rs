//! The official e-invoice validators run on files: CEN's EN 16931 rules (UBL and CII),
//! OpenPeppol's BIS Billing 3.0 rules and veraPDF's PDF/A-3 checks, through the Maven
//! harness in `tests/einvoice` (built by `scripts/einvoice-deps.sh`), in one JVM run.
//!
//! Used by `nanotrace-einvoice`'s conformance tests (the crate's own renderings) and by
//! the tests that validate what the ledger issued (the CLI's `invoice get`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;

/// The environment variable that lets the tests skip when the harness is not built.
pub const SKIP_VAR: &str = "NANOTRACE_SKIP_EINVOICE_VALIDATOR";

/// The harness's folder: `tests/einvoice` of the repository.
pub fn harness() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/einvoice")
}

/// One rule's finding.
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    /// The rule (`BR-CO-15`, a veraPDF clause …).
    pub rule: String,
    /// What it says.
    pub message: Option<String>,
    /// Where in the document.
    pub location: Option<String>,
    /// The rule set it belongs to.
    pub ves: Option<String>,
}

/// The validator's verdict on one file (one JSON line).
#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    /// The file validated.
    pub file: String,
    /// Its XML root element (none for a PDF).
    pub root: Option<String>,
    /// The rule sets applied.
    pub ves: Vec<String>,
    /// No error.
    pub valid: bool,
    /// The errors.
    pub errors: Vec<Issue>,
    /// The warnings.
    pub warnings: Vec<Issue>,
}

impl Report {
    /// The rules its errors name.
    pub fn rules(&self) -> Vec<&str> {
        self.errors.iter().map(|e| e.rule.as_str()).collect()
    }
}

/// Findings as lines, for an assertion's message.
pub fn describe(issues: &[Issue]) -> String {
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

/// What one run of the validator answered.
#[derive(Debug)]
pub struct Validated {
    /// The validator's exit code: 0 every file valid, 1 some file has an error.
    pub exit_code: Option<i32>,
    /// The reports, by file name.
    pub reports: BTreeMap<String, Report>,
}

/// Validates `files` (UBL or CII XML, Factur-X PDF, told apart by the harness) in one JVM
/// run. `None` when the harness is not built and [`SKIP_VAR`]`=1` (said loudly); a panic
/// saying how to build it otherwise, or when the validator itself fails.
pub fn validate(files: &[PathBuf]) -> Option<Validated> {
    let target = harness().join("target");
    let classpath_file = target.join("classpath.txt");
    let classes = target.join("classes");
    let built = classes.join("org/nanotrace/einvoice/Validate.class").is_file();
    let classpath = std::fs::read_to_string(&classpath_file).ok().filter(|_| built);
    let Some(classpath) = classpath else {
        if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
            eprintln!(
                "\n{bar}\n*** SKIPPED: EN 16931 / Peppol / PDF/A conformance ***\n\
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
    let java = std::env::var_os("JAVA_HOME").map(|home| PathBuf::from(home).join("bin/java"));
    let java = java.filter(|j| j.is_file()).unwrap_or_else(|| PathBuf::from("java"));
    let started = Instant::now();
    let output = Command::new(&java)
        .arg("-cp")
        .arg(format!("{}:{}", classes.display(), classpath.trim()))
        .arg("org.nanotrace.einvoice.Validate")
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!("{} could not be run ({e}): is Java installed (scripts/prereqs.sh --tests)?", java.display())
        });
    eprintln!("the validator checked {} files in {:.1} s", files.len(), started.elapsed().as_secs_f64());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Exit 0 or 1 is a verdict; anything else is a failure of the validator itself.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
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
    Some(Validated { exit_code: output.status.code(), reports })
}
