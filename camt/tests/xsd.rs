//! The valid fixtures validated against the official ISO 20022 camt.053.001.08 schema by a
//! validator this project does not write (`tests/xsd.sh`: the JDK's javax.xml.validation,
//! or xmllint). Needs the schema (fetched once, cached) and java or xmllint; set
//! `NANOTRACE_SKIP_CAMT_XSD=1` to skip where neither can be had.

use std::path::{Path, PathBuf};
use std::process::Command;

fn skipped() -> bool {
    if std::env::var("NANOTRACE_SKIP_CAMT_XSD").as_deref() == Ok("1") {
        eprintln!("NANOTRACE_SKIP_CAMT_XSD=1: the camt.053 schema check is skipped");
        return true;
    }
    false
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xsd.sh")
}

fn validate(files: &[PathBuf]) -> (bool, String) {
    let output = Command::new("bash")
        .arg(script())
        .arg("validate")
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script().display()));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_conforms_to_the_official_schema() {
    if skipped() {
        return;
    }
    let files = fixtures();
    assert!(files.len() >= 9, "{files:?}");
    let (ok, text) = validate(&files);
    assert!(
        ok,
        "the fixtures do not validate against camt.053.001.08.xsd, or the schema or a validator could not be \
         had (set NANOTRACE_SKIP_CAMT_XSD=1 to skip):\n{text}"
    );
    for file in &files {
        assert!(text.contains(&format!("{} validates", file.display())), "{text}");
    }
}

#[test]
fn the_validator_refuses_what_the_schema_refuses() {
    if skipped() {
        return;
    }
    // A negative amount and an element out of order: the schema forbids both, so a check
    // that passed them would be checking nothing.
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paid_in_full.xml"))
        .expect("the fixture");
    let dir = std::env::temp_dir().join(format!("nanotrace-camt-xsd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let negative = dir.join("negative.xml");
    std::fs::write(&negative, source.replacen(">250.00<", ">-250.00<", 1)).expect("written");
    let reordered = dir.join("reordered.xml");
    std::fs::write(
        &reordered,
        source.replacen("<NtryRef>NTRY-0001</NtryRef>\n", "", 1).replacen(
            "</CdtDbtInd>\n        <Sts>",
            "</CdtDbtInd>\n        <NtryRef>NTRY-0001</NtryRef>\n        <Sts>",
            1,
        ),
    )
    .expect("written");
    for file in [&negative, &reordered] {
        let (ok, text) = validate(std::slice::from_ref(file));
        let name = file.display().to_string();
        assert!(!ok, "{name} should not validate:\n{text}");
        // Refused by the validator, not for want of a schema or a validator.
        assert!(text.contains(&name) && !text.contains(&format!("{name} validates")), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
