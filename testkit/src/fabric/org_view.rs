//! One organisation's view of a run folder: the commands of an organisation's own host run
//! in a mount namespace of their own (`unshare --mount`) in which every **other**
//! organisation's private key file reads as empty (`/dev/null` bound over it). A command
//! that signs with, or even reads, another organisation's key then fails, as it would on
//! that organisation's own machine; public files (certificates, the consortium, the
//! update being signed) stay readable, as they would be handed over.
//!
//! The run folder keeps every organisation's material apart by path, which is what makes
//! the view exact: `crypto/peerOrganizations/<org>.<domain>/…`,
//! `crypto/ordererOrganizations/<org>.<domain>/…` (its nodes' and users' keystores and
//! TLS keys) and `nodes/ca-<org>/…` (its CA's keys).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether this machine lets a test make mount namespaces (root, util-linux's `unshare`).
pub fn available() -> Result<(), String> {
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .output()
        .map_err(|e| format!("cannot run util-linux's unshare: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`unshare --mount` failed (mount namespaces need root): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The organisation a file of the run folder belongs to, by its path; `None` for what
/// belongs to none (chaincode servers, logs, updates).
pub fn owner(run_dir: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(run_dir).ok()?;
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    match parts.as_slice() {
        ["crypto", "peerOrganizations" | "ordererOrganizations", folder, ..] => {
            folder.split_once('.').map(|(org, _)| org.to_owned())
        }
        ["nodes", node, ..] => node.strip_prefix("ca-").map(str::to_owned),
        _ => None,
    }
}

/// Whether `file` holds a private key: a keystore's file, a `*.key` or `*_sk`, or PEM
/// text of a private key.
fn is_private_key(file: &Path) -> bool {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let in_keystore = file.parent().and_then(Path::file_name).is_some_and(|d| d == "keystore");
    in_keystore
        || name.ends_with(".key")
        || name.ends_with("_sk")
        || std::fs::read(file).is_ok_and(|bytes| bytes.windows(11).any(|w| w == b"PRIVATE KEY"))
}

/// Every private key file of the run folder that belongs to an organisation other than
/// `org`.
pub fn others_keys(run_dir: &Path, org: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![run_dir.join("crypto"), run_dir.join("nodes")];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                // A CA's folder, or the organisations' crypto; not the peers' ledgers.
                let ledger = dir == run_dir.join("nodes") && owner(run_dir, &path).is_none();
                if !ledger {
                    todo.push(path);
                }
            } else if kind.is_file() && owner(run_dir, &path).is_some_and(|o| o != org) && is_private_key(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `command` (a program and its arguments) as organisation `org` runs it on its own
/// host: in its network namespace `netns` when the network has hosts, and in a mount
/// namespace where the files listed in `list` (written here, one path a line:
/// [`others_keys`]) read as empty.
pub fn wrap(command: &Command, run_dir: &Path, org: &str, netns: Option<&str>, list: &Path) -> Command {
    let hidden = others_keys(run_dir, org);
    let text: String = hidden.iter().map(|p| format!("{}\n", p.display())).collect();
    std::fs::write(list, text).unwrap_or_else(|e| panic!("writing {}: {e}", list.display()));
    let mut wrapped = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, "unshare"]);
            c
        }
        None => Command::new("unshare"),
    };
    wrapped.args(["--mount", "--propagation", "private", "--", "bash", "-c"]).arg(
        r#"set -e; list=$1; shift
        while IFS= read -r f; do mount --bind /dev/null "$f"; done <"$list"
        exec "$@""#,
    );
    wrapped.arg("_").arg(list).arg(command.get_program()).args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(v) => wrapped.env(key, v),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_belong_to_the_organisation_their_path_names() {
        let run = Path::new("/r");
        let of = |p: &str| owner(run, &run.join(p));
        assert_eq!(
            of("crypto/peerOrganizations/certifier.nanotrace.test/users/Admin@x/msp/keystore/k_sk").as_deref(),
            Some("certifier")
        );
        assert_eq!(
            of("crypto/ordererOrganizations/orderer.nanotrace.test/orderers/o/tls/server.key").as_deref(),
            Some("orderer")
        );
        assert_eq!(of("nodes/ca-regulator2/msp/keystore/x_sk").as_deref(), Some("regulator2"));
        assert_eq!(of("nodes/peer0.certifier.nanotrace.test/ledgersData/x"), None);
        assert_eq!(of("chaincode/nanotrace/tls/server.key"), None);
        assert_eq!(owner(run, Path::new("/elsewhere/crypto/peerOrganizations/a.b/k")), None);
    }

    #[test]
    fn another_organisations_keys_are_listed_and_ones_own_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path();
        let write = |p: &str, text: &str| {
            let path = run.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("crypto/peerOrganizations/a.test/users/Admin@a.test/msp/keystore/priv_sk", "x");
        write("crypto/peerOrganizations/a.test/users/Admin@a.test/msp/signcerts/cert.pem", "CERTIFICATE");
        write("crypto/peerOrganizations/b.test/peers/peer0.b.test/tls/server.key", "x");
        write("crypto/peerOrganizations/b.test/peers/peer0.b.test/tls/server.crt", "CERTIFICATE");
        write("nodes/ca-b/tls-cert.pem", "-----BEGIN EC PRIVATE KEY-----");
        write("nodes/peer0.b.test/ledger/x.key", "x");
        let names = |org: &str| -> Vec<String> {
            others_keys(run, org).iter().map(|p| p.strip_prefix(run).unwrap().display().to_string()).collect()
        };
        assert_eq!(
            names("a"),
            ["crypto/peerOrganizations/b.test/peers/peer0.b.test/tls/server.key", "nodes/ca-b/tls-cert.pem"]
        );
        assert_eq!(names("b"), ["crypto/peerOrganizations/a.test/users/Admin@a.test/msp/keystore/priv_sk"]);
    }
}
