//! Writing: all six SVG files from good input; none at all, and an error naming the file
//! and line with a non-zero exit, when one input is bad.

use nanotrace_plot::figures::{LEDGER_FILE, VERIFIER_FILE};
use nanotrace_plot::{run, Error, Options};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHARTS: [&str; 6] = [
    "verifier-rps.svg",
    "verifier-p99.svg",
    "verifier-rss.svg",
    "ledger-cost.svg",
    "cache-build.svg",
    "bytes-per-cert.svg",
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// A data folder with the files of tests/data, the ledger's made bad on its last line.
fn data_with_a_bad_ledger_file(dir: &Path) -> (PathBuf, u64) {
    let data = dir.join("data");
    fs::create_dir(&data).expect("data folder");
    fs::copy(fixture().join(VERIFIER_FILE), data.join(VERIFIER_FILE)).expect("copied");
    let mut ledger = fs::read_to_string(fixture().join(LEDGER_FILE)).expect("tests/data reads");
    ledger.push_str("10000000\t4000\tfast\t1.4\t5000\t1.5\n");
    let line = ledger.lines().count() as u64;
    fs::write(data.join(LEDGER_FILE), ledger).expect("written");
    (data, line)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("a folder")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn good_input_writes_all_six_charts_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out/charts");
    let options = Options { data: fixture(), out: out.clone(), machine: "2 vCPUs, 23 GiB".to_owned() };
    let written = run(&options).unwrap();
    assert_eq!(written, CHARTS.map(|c| out.join(c)));
    let mut expected = CHARTS.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(files_in(&out), expected, "no temporary file is left");
    for chart in CHARTS {
        let svg = fs::read_to_string(out.join(chart)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<polyline") && svg.contains("2 vCPUs, 23 GiB"), "{chart}");
    }
}

#[test]
fn one_bad_input_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let (data, line) = data_with_a_bad_ledger_file(dir.path());
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("verifier-rps.svg"), "an earlier run's chart").unwrap();

    let error = run(&Options { data: data.clone(), out: out.clone(), machine: "m".to_owned() }).unwrap_err();
    assert!(
        matches!(&error, Error::Cell { path, line: l, column, .. }
            if *path == data.join(LEDGER_FILE) && *l == line && column == "cpu_ms_per_cert"),
        "{error:?}"
    );
    // The good verifier file's charts were not written either, and the earlier file stands.
    assert_eq!(files_in(&out), ["verifier-rps.svg"]);
    assert_eq!(fs::read_to_string(out.join("verifier-rps.svg")).unwrap(), "an earlier run's chart");

    // A folder that does not exist yet is not even created.
    let fresh = dir.path().join("fresh");
    assert!(run(&Options { data, out: fresh.clone(), machine: "m".to_owned() }).is_err());
    assert!(!fresh.exists());
}

#[test]
fn the_binary_exits_non_zero_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (data, line) = data_with_a_bad_ledger_file(dir.path());
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_nanotrace-plot"))
        .arg("--data")
        .arg(&data)
        .env("NANOTRACE_PLOT_OUT", &out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected =
        format!("{}:{line}: column `cpu_ms_per_cert`: `fast` is not a number", data.join(LEDGER_FILE).display());
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(!out.exists());

    // The environment's folders, the flags' fallbacks: a good run writes there.
    let output = Command::new(env!("CARGO_BIN_EXE_nanotrace-plot"))
        .env("NANOTRACE_PLOT_DATA", fixture())
        .env("NANOTRACE_PLOT_OUT", &out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(files_in(&out).len(), CHARTS.len());
}

#[test]
fn help_documents_every_flag_and_its_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_nanotrace-plot")).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for text in ["--data", "NANOTRACE_PLOT_DATA", "--out", "NANOTRACE_PLOT_OUT", "--machine", "NANOTRACE_PLOT_MACHINE"]
    {
        assert!(help.contains(text), "{text} not in {help}");
    }
}
