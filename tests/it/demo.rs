//! `nanotrace demo`: the narrated lifecycle, in a given or a temporary data directory.

use crate::support::*;
use std::path::{Path, PathBuf};

fn check_demo_output(r: &Run) -> (String, PathBuf) {
    assert_eq!(r.code, 0, "demo failed:\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert_no_panic(r);
    let out = &r.stdout;
    let valid = out.find("VALID").expect("demo never says VALID");
    let suspended = out.find("SUSPENDED").expect("demo never says SUSPENDED");
    let revoked = out.find("REVOKED").expect("demo never says REVOKED");
    assert!(valid < suspended && suspended < revoked, "VALID, SUSPENDED, REVOKED out of order:\n{out}");
    assert!(out.contains("hash chain intact"), "{out}");
    let explore = out.lines().find(|l| l.starts_with("Explore further:")).expect("no `Explore further` line");
    let id = explore.rsplit(' ').next().expect("a word in the line").to_owned();
    assert!(is_certificate_id(&id), "bad certificate ID {id:?} in {explore:?}");
    assert!(out.contains(&format!("http://127.0.0.1:8080/c/{id}")), "no verification URL for {id}:\n{out}");
    // `<full path of this binary> --data-dir <absolute dir> verify <id>`: a command
    // that works as printed, from any directory, without `nanotrace` on the PATH.
    let (program, rest) = explore
        .strip_prefix("Explore further: ")
        .and_then(|line| line.split_once(" --data-dir "))
        .expect("cannot find the program and --data-dir in the `Explore further` line");
    assert!(Path::new(program).is_absolute() && Path::new(program).exists(), "{program:?} is not the binary");
    let dir = rest
        .strip_suffix(&format!(" verify {id}"))
        .expect("cannot find the data directory in the `Explore further` line");
    (id, PathBuf::from(dir))
}

#[test]
fn demo_runs_the_lifecycle_in_the_given_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let mut cmd = command();
    cmd.arg("demo").arg("--data-dir").arg(&data);
    let r = run_cmd(cmd);
    let (id, dir) = check_demo_output(&r);
    assert_eq!(dir, data);
    // The data directory is left for exploring, as the output says.
    assert_verdict(&data, &id, "REVOKED");
    assert!(height(&data) > 0);
}

#[test]
fn demo_without_data_dir_uses_a_temporary_directory() {
    // std::env::temp_dir() honours TMPDIR: point it at our own temporary directory.
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = command();
    cmd.arg("demo").env("TMPDIR", tmp.path()).current_dir(tmp.path());
    let r = run_cmd(cmd);
    let (id, dir) = check_demo_output(&r);
    assert!(
        dir.starts_with(tmp.path()),
        "demo data dir {} is not under TMPDIR {}",
        dir.display(),
        tmp.path().display()
    );
    assert!(dir.join("ledger").is_dir(), "no ledger in {}", dir.display());
    assert!(!tmp.path().join("nanotrace-data").exists(), "demo wrote the default data dir");
    assert_verdict(&dir, &id, "REVOKED");
    std::fs::remove_dir_all(&dir).unwrap();
}
