//! The service units in `deploy/systemd`: `systemd-analyze verify` finds nothing to say
//! about any of them (a warning fails, as a mistyped hardening option shows), their shared
//! hardening drop-in applies (`systemd-analyze security --offline` rates each unit's
//! exposure "OK", at most 2.0 of 10), and every variable their environment files set is one
//! the binary reads (named `[env: …]` in its `--help`).

use nanotrace_testkit::skip;
use std::path::{Path, PathBuf};
use std::process::Command;

const UNITS: [&str; 4] = ["nanotrace-verifier", "nanotrace-chaincode", "nanotrace-console", "nanotrace-notify"];

/// `deploy/systemd` copied into `dir` with the binaries' install path replaced by this
/// build's, so `verify` finds executables.
fn installed_copy(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/systemd");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_nanotrace")).parent().expect("the binaries' folder").to_owned();
    let units = dir.join("units");
    std::fs::create_dir_all(units.join("nanotrace-.service.d")).expect("mkdir");
    for name in UNITS {
        let text = std::fs::read_to_string(source.join(format!("{name}.service"))).expect("unit");
        let text = text.replace("/usr/local/bin/", &format!("{}/", bin_dir.display()));
        std::fs::write(units.join(format!("{name}.service")), text).expect("write");
        assert!(bin_dir.join(name).is_file(), "no {name} binary in {}: build the workspace", bin_dir.display());
    }
    std::fs::copy(
        source.join("nanotrace-.service.d/hardening.conf"),
        units.join("nanotrace-.service.d/hardening.conf"),
    )
    .expect("drop-in");
    units
}

fn analyze(units: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("systemd-analyze").current_dir(units).args(args).output().expect("systemd-analyze");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_service_units_verify_and_are_hardened() {
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        skip::skip(skip::SYSTEMD, "the service units' checks", "no systemd-analyze (Debian: apt-get install systemd)");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let units = installed_copy(tmp.path());
    let files: Vec<String> = UNITS.iter().map(|n| format!("./{n}.service")).collect();
    let mut args = vec!["verify", "--man=no"];
    args.extend(files.iter().map(String::as_str));
    let (ok, _, stderr) = analyze(&units, &args);
    assert!(ok && stderr.trim().is_empty(), "systemd-analyze verify: {stderr}");

    // The check is strict: a mistyped option in the shared drop-in is reported.
    let dropin = units.join("nanotrace-.service.d/hardening.conf");
    let good = std::fs::read_to_string(&dropin).expect("drop-in");
    std::fs::write(&dropin, good.replace("NoNewPrivileges=yes", "NoNewPrivilegs=yes")).expect("write");
    let (_, _, stderr) = analyze(&units, &["verify", "--man=no", "./nanotrace-verifier.service"]);
    assert!(stderr.contains("Unknown key"), "a typo went unnoticed: {stderr}");
    std::fs::write(&dropin, good).expect("write");

    for name in UNITS {
        let (_, stdout, stderr) = analyze(&units, &["security", "--offline=true", &format!("./{name}.service")]);
        let line = stdout
            .lines()
            .find(|l| l.contains("Overall exposure level"))
            .unwrap_or_else(|| panic!("{name}: no exposure level: {stdout}{stderr}"));
        let level: f64 = line
            .split(':')
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name}: {line}"));
        assert!(level <= 2.0, "{name} is exposed at {level} (of 10): {line}");
        assert!(stdout.contains("DynamicUser="), "{name}: {stdout}");
    }
}

#[test]
fn every_environment_file_variable_is_read_by_its_binary() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/systemd");
    for (service, binary, help) in crate::support::SERVICES {
        let file = format!("{service}.env");
        let env = std::fs::read_to_string(source.join(&file)).expect("env file");
        let names: Vec<String> = env
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains('='))
            .filter_map(|l| l.split('=').next())
            .map(str::to_owned)
            .collect();
        crate::support::assert_reads_env(&file, binary, &crate::support::help_text(binary, help), &names);
    }
}
