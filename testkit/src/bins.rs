//! The workspace's binaries a test runs: built by `cargo build --workspace` into the
//! target folder of the test executable (`target/<profile>/deps/<test>` →
//! `target/<profile>/<name>`), or named by an environment variable.

use std::path::{Path, PathBuf};

/// `name` in this test executable's target folder, if it is built there.
pub fn built(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent().and_then(Path::parent)?.join(name);
    path.is_file().then_some(path)
}

/// `name` in this test executable's target folder; fails the test with how to build it
/// when it is not there.
pub fn workspace_bin(name: &str) -> PathBuf {
    built(name).unwrap_or_else(|| panic!("no {name} beside this test: run `cargo build --workspace` first"))
}

/// The binary the environment variable `var` names, or else [`workspace_bin`]`(name)`.
pub fn named_or_workspace_bin(var: &str, name: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(path.is_file(), "{var} names {}, which is no file", path.display());
            path
        }
        None => workspace_bin(name),
    }
}
