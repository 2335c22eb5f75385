//! Every option of `nanotrace` that reads a private key, and whose key it is: the caller's
//! own, always. The list is made from the binary itself (`--help` of every subcommand), so
//! a new option that takes a file must be classified here before it can land, and an
//! option that reads a key is allowed only on the commands listed for it (a `--key` on
//! `grant` would be a governance admin holding a member's key).

use std::collections::{BTreeMap, BTreeSet};

/// Options that read a private key (or the folder or profile that holds one), with the
/// commands that take each and whose key it is. `*`: every command (a global option).
const KEY_READERS: &[(&str, &[&str], &str)] = &[
    (
        "--profile",
        &["*"],
        "the caller's own: its connection profile names its own certificate and key, with which it signs",
    ),
    ("--as", &["*"], "embedded ledger only: an identity of the caller's own data directory (one machine)"),
    (
        "--wallet",
        &["ca crl", "ca enroll", "ca list", "ca profile", "ca reenroll", "ca register", "ca remove", "ca revoke", "identity import"],
        "the caller's own wallet: key.pem made on its machine by `ca enroll`",
    ),
    (
        "--key",
        &["approve", "renew", "reinstate", "batch approve", "vc sign"],
        "the caller's own Ed25519 issuer key file (made by `key request --out`); the contract refuses a key that another certifier holds (issuer_key.holder)",
    ),
    (
        "--key",
        &["approve-key"],
        "the caller's own new public key (hex, as `whoami` shows it): no private key at all",
    ),
];

/// Options that take a file, folder or path but read no private key, and what they read.
const OTHER_FILES: &[(&str, &str)] = &[
    ("--data-dir", "the embedded ledger's folder: one machine's"),
    ("--like", "another profile's network settings only (gateway, TLS CA, channel, chaincode): its identity's files are not read"),
    ("--out", "a file written: a CRL or a profile (public), or `key request`'s new key, written 0600 and never overwritten"),
    ("--crl-out", "a CRL written (public)"),
    ("--tls-root", "a CA's TLS root certificate (public)"),
    ("--file", "an application, a batch or a manifest (no key)"),
    ("--checkpoint", "the events follower's checkpoint (a block number)"),
    ("--manifest", "a consignment's list of certificate IDs"),
    ("--trust-list", "a saved trust list (public keys)"),
];

/// `nanotrace --help` of `path` (subcommands).
fn help(path: &[String]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nanotrace"))
        .args(path)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("nanotrace {path:?} --help: {e}"));
    assert!(out.status.success(), "nanotrace {path:?} --help failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every command path and the options its `--help` lists, with each option's value name
/// (`--key <KEY>` → `KEY`; none for a switch).
fn options(path: &mut Vec<String>, out: &mut BTreeMap<String, BTreeMap<String, Option<String>>>) {
    let text = help(path);
    let mut found = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        let line = line
            .split_once(", ")
            .filter(|(short, _)| short.len() == 2 && short.starts_with('-'))
            .map_or(line, |(_, l)| l);
        let Some(rest) = line.strip_prefix("--") else { continue };
        let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
        let value = rest[name.len()..]
            .trim_start()
            .strip_prefix('<')
            .and_then(|v| v.split_once('>'))
            .map(|(v, _)| v.to_owned());
        found.insert(format!("--{name}"), value);
    }
    out.insert(path.join(" "), found);
    let commands: Vec<String> = text
        .split("Commands:")
        .nth(1)
        .map(|s| {
            s.lines()
                .skip(1)
                .take_while(|l| l.starts_with("  "))
                .filter_map(|l| l.split_whitespace().next())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for sub in commands.into_iter().filter(|s| s != "help") {
        path.push(sub);
        options(path, out);
        path.pop();
    }
}

#[test]
fn every_option_that_reads_a_key_reads_the_callers_own() {
    let mut all = BTreeMap::new();
    options(&mut Vec::new(), &mut all);
    assert!(all.len() > 40, "the walk found the subcommands: {:?}", all.keys().collect::<Vec<_>>());
    let reads_key = |flag: &str, command: &str| {
        KEY_READERS
            .iter()
            .find(|(f, commands, _)| *f == flag && (commands.contains(&"*") || commands.contains(&command)))
    };
    let mut listed = Vec::new();
    let mut unclassified = BTreeSet::new();
    let mut misplaced = BTreeSet::new();
    for (command, flags) in &all {
        for (flag, value) in flags {
            if let Some((_, _, whose)) = reads_key(flag, command) {
                listed.push(format!("  nanotrace {command} {flag}: {whose}"));
            } else if KEY_READERS.iter().any(|(f, _, _)| f == flag) {
                // A key-reading option on a command not listed for it.
                misplaced.insert(format!("nanotrace {command} {flag}"));
            } else if value
                .as_deref()
                .is_some_and(|v| ["FILE", "PATH", "DIR", "PROFILE", "KEY", "DATA_DIR", "CHECKPOINT"].contains(&v))
                && !OTHER_FILES.iter().any(|(f, _)| f == flag)
            {
                unclassified.insert(format!("nanotrace {command} {flag} <{}>", value.as_deref().unwrap_or_default()));
            }
        }
    }
    eprintln!("every option that reads a private key, and whose:\n{}", listed.join("\n"));
    assert!(misplaced.is_empty(), "options that read a key on commands not listed for them: {misplaced:?}");
    assert!(
        unclassified.is_empty(),
        "options that take a file and are not classified here (does it read a key? whose?): {unclassified:?}"
    );
    // Each listed reader exists where the list says: a stale entry would hide a rename.
    for (flag, commands, _) in KEY_READERS {
        for command in commands.iter().filter(|c| **c != "*") {
            assert!(
                all.get(*command).is_some_and(|flags| flags.contains_key(*flag)),
                "nanotrace {command} takes no {flag} any more: update the list"
            );
        }
    }
    for (flag, _) in OTHER_FILES {
        assert!(
            all.values().any(|flags| flags.contains_key(*flag)),
            "no command takes {flag} any more: update the list"
        );
    }
    // The governance commands that act on another member take a code it made, never a
    // file of it: no option of theirs reads anything but the caller's own identity.
    for command in ["grant", "ungrant", "key register", "key retire", "register-org", "retire-org"] {
        let flags = all.get(command).unwrap_or_else(|| panic!("nanotrace {command} exists"));
        let foreign: Vec<&String> = flags
            .keys()
            .filter(|f| {
                !["--profile", "--as", "--data-dir", "--network", "--help", "--json", "--log", "--verify-url"]
                    .contains(&f.as_str())
            })
            .filter(|f| flags[*f].as_deref().is_some_and(|v| ["FILE", "PATH", "DIR", "KEY"].contains(&v)))
            .collect();
        assert!(foreign.is_empty(), "nanotrace {command} reads a file besides the caller's identity: {foreign:?}");
    }
}
