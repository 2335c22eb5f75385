//! What a channel configuration update changes, in words: what an organisation's admin
//! reads on its own host before it signs (`scripts/network.sh inspect-update FILE`, and
//! `sign-update`, which shows it first).
//!
//! A `ConfigUpdate` (as `configtxlator proto_decode` writes it) holds a read set and a
//! write set: each element of the write set whose version is above the channel's
//! current one is changed, one at version 0 that the channel lacks is added, and a group
//! whose own version rises has changed its members — its elements in the channel that the
//! write set no longer lists are removed (Fabric's `configtxlator compute_update` writes
//! every unchanged member of such a group at its old version). Removals can only be told
//! against the channel's current configuration, so [`describe`] takes both; it also says
//! when the update was made against an older configuration (its read set's versions are
//! not the channel's), which the orderer would refuse.
//!
//! An added organisation is shown with what its admins must check out of band: its MSP
//! ID, its CA roots by subject and SHA-256 fingerprint (of the certificate's DER), its
//! anchor peers and orderer endpoints; a policy is shown as its rule; a changed value as
//! the lines of it that changed.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;

/// What happened to an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// New in the channel.
    Added,
    /// Gone from the channel.
    Removed,
    /// In the channel, with another content.
    Changed,
}

/// One change, with what a reader needs to judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Added, removed or changed.
    pub kind: Kind,
    /// `group`, `value`, `policy` or `mod_policy`.
    pub element: &'static str,
    /// Where, from the channel's root group: `Application/Certifier2MSP`.
    pub path: String,
    /// Its content, one line each.
    pub details: Vec<String>,
}

/// Everything an update changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    /// The channel the update names.
    pub channel: String,
    /// The changes, in the order the tree is walked (groups by name).
    pub changes: Vec<Change>,
    /// Where the update's read set does not match the channel (made against an older
    /// configuration: the orderer refuses it).
    pub stale: Vec<String>,
}

/// The JSON is not a configuration and an update of it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeltaError {
    /// A part is missing or of another type.
    #[error("not a channel configuration update: {0}")]
    Shape(String),
}

/// The changes `update` (a `common.ConfigUpdate`, or the `common.Envelope` that carries
/// one) makes to `config` (the channel's `common.Config`, or the config block's JSON).
pub fn describe(config: &Value, update: &Value) -> Result<Delta, DeltaError> {
    let config = config.pointer("/data/data/0/payload/data/config").or_else(|| config.get("config")).unwrap_or(config);
    let current = config.get("channel_group").ok_or_else(|| DeltaError::Shape("no channel_group".into()))?;
    let update = update.pointer("/payload/data/config_update").unwrap_or(update);
    let write = update.get("write_set").ok_or_else(|| DeltaError::Shape("no write_set".into()))?;
    let read = update.get("read_set");
    let mut delta = Delta {
        channel: update.get("channel_id").and_then(Value::as_str).unwrap_or_default().to_owned(),
        ..Delta::default()
    };
    walk(&mut delta, "", Some(current), write, read);
    if delta.changes.is_empty() {
        return Err(DeltaError::Shape("the write set changes nothing in the channel".into()));
    }
    Ok(delta)
}

/// An element's version (protojson writes a uint64 as a string; absent is 0).
fn version(element: &Value) -> u64 {
    match element.get("version") {
        Some(Value::String(text)) => text.parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

fn child(group: Option<&Value>, map: &str, name: &str) -> Option<Value> {
    group.and_then(|g| g.get(map)).and_then(|m| m.get(name)).cloned()
}

fn names(group: Option<&Value>, map: &str) -> Vec<String> {
    group.and_then(|g| g.get(map)).and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}/{name}")
    }
}

fn walk(delta: &mut Delta, path: &str, current: Option<&Value>, write: &Value, read: Option<&Value>) {
    let Some(current) = current else {
        let shown = if path.is_empty() { "(channel)" } else { path };
        delta.changes.push(Change {
            kind: Kind::Added,
            element: "group",
            path: shown.to_owned(),
            details: group_details(write),
        });
        return;
    };
    if let Some(read) = read {
        if version(read) != version(current) {
            delta.stale.push(format!(
                "{}: read at version {}, the channel is at {}",
                if path.is_empty() { "(channel)" } else { path },
                version(read),
                version(current)
            ));
        }
    }
    if version(write) > version(current) {
        // Its members changed: what the channel has and the write set no longer lists goes.
        for (map, element) in [("groups", "group"), ("values", "value"), ("policies", "policy")] {
            let kept: BTreeSet<String> = names(Some(write), map).into_iter().collect();
            for name in names(Some(current), map) {
                if !kept.contains(&name) {
                    let gone = child(Some(current), map, &name).unwrap_or(Value::Null);
                    let details = match element {
                        "group" => group_brief(&gone),
                        "policy" => vec![policy_rule(&gone)],
                        _ => Vec::new(),
                    };
                    delta.changes.push(Change { kind: Kind::Removed, element, path: join(path, &name), details });
                }
            }
        }
        let (before, after) = (text(current.get("mod_policy")), text(write.get("mod_policy")));
        if before != after {
            delta.changes.push(Change {
                kind: Kind::Changed,
                element: "mod_policy",
                path: if path.is_empty() { "(channel)".into() } else { path.to_owned() },
                details: vec![format!("modified under {before:?}, now under {after:?}")],
            });
        }
    }
    for name in names(Some(write), "groups") {
        let Some(w) = child(Some(write), "groups", &name) else { continue };
        let c = child(Some(current), "groups", &name);
        let r = child(read, "groups", &name);
        walk(delta, &join(path, &name), c.as_ref(), &w, r.as_ref());
    }
    for (map, element) in [("values", "value"), ("policies", "policy")] {
        for name in names(Some(write), map) {
            let Some(w) = child(Some(write), map, &name) else { continue };
            let here = join(path, &name);
            match child(Some(current), map, &name) {
                None => {
                    let details = if element == "policy" { vec![policy_rule(&w)] } else { value_lines(&w) };
                    delta.changes.push(Change { kind: Kind::Added, element, path: here, details });
                }
                Some(c) if version(&w) > version(&c) => {
                    let details = if element == "policy" {
                        vec![format!("was: {}", policy_rule(&c)), format!("now: {}", policy_rule(&w))]
                    } else {
                        value_diff(&c, &w)
                    };
                    delta.changes.push(Change { kind: Kind::Changed, element, path: here, details });
                }
                Some(_) => {}
            }
        }
    }
}

fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// An organisation's group in a few lines: MSP ID, CA roots, anchor peers, endpoints,
/// then its policies and its subgroups.
fn group_details(group: &Value) -> Vec<String> {
    let mut lines = group_brief(group);
    for name in names(Some(group), "policies") {
        if let Some(p) = child(Some(group), "policies", &name) {
            lines.push(format!("policy {name}: {}", policy_rule(&p)));
        }
    }
    for name in names(Some(group), "groups") {
        if let Some(g) = child(Some(group), "groups", &name) {
            lines.push(format!("group {name}:"));
            lines.extend(group_details(&g).into_iter().map(|l| format!("  {l}")));
        }
    }
    lines
}

/// What identifies an organisation's group: its MSP and the addresses it announces.
fn group_brief(group: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    let msp = group.pointer("/values/MSP/value/config");
    if let Some(msp) = msp {
        lines.push(format!("MSP ID {}", text(msp.get("name"))));
        for (field, what) in
            [("root_certs", "CA root"), ("intermediate_certs", "intermediate CA"), ("tls_root_certs", "TLS CA root")]
        {
            for cert in msp.get(field).and_then(Value::as_array).into_iter().flatten() {
                lines.push(format!("{what}: {}", certificate(cert.as_str().unwrap_or_default())));
            }
        }
    }
    let anchors: Vec<String> = group
        .pointer("/values/AnchorPeers/value/anchor_peers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| format!("{}:{}", text(p.get("host")), p.get("port").map(Value::to_string).unwrap_or_default()))
        .collect();
    if !anchors.is_empty() {
        lines.push(format!("anchor peers: {}", anchors.join(", ")));
    }
    let endpoints: Vec<String> = group
        .pointer("/values/Endpoints/value/addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    if !endpoints.is_empty() {
        lines.push(format!("orderer endpoints: {}", endpoints.join(", ")));
    }
    lines
}

/// A certificate as protolator writes it (base64 of its PEM): subject, validity and the
/// SHA-256 of its DER, or why it cannot be read.
fn certificate(base64_pem: &str) -> String {
    let Ok(pem) = data_encoding::BASE64.decode(base64_pem.as_bytes()) else {
        return "not base64".to_owned();
    };
    let Ok((_, pem)) = x509_parser::pem::parse_x509_pem(&pem) else {
        return "not a PEM certificate".to_owned();
    };
    let fingerprint = hex_colons(&Sha256::digest(&pem.contents));
    match pem.parse_x509() {
        Ok(cert) => format!(
            "{} (valid until {}; SHA-256 {fingerprint})",
            cert.subject(),
            cert.validity().not_after.to_datetime().date()
        ),
        Err(e) => format!("unreadable certificate ({e}; SHA-256 {fingerprint})"),
    }
}

fn hex_colons(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// A policy's rule: an implicit one (`MAJORITY Admins`) or a signature rule
/// (`1 of [Org1MSP.ADMIN, Org2MSP.ADMIN]`).
fn policy_rule(policy: &Value) -> String {
    let Some(inner) = policy.get("policy") else { return "no policy".to_owned() };
    let value = inner.get("value").unwrap_or(&Value::Null);
    match inner.get("type").and_then(Value::as_u64) {
        Some(3) => format!("{} of the groups' {}", text(value.get("rule")), text(value.get("sub_policy"))),
        Some(1) => {
            let identities: Vec<String> = value
                .get("identities")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|i| {
                    let p = i.get("principal").unwrap_or(&Value::Null);
                    format!("{}.{}", text(p.get("msp_identifier")), text(p.get("role")))
                })
                .collect();
            signature_rule(value.get("rule").unwrap_or(&Value::Null), &identities)
        }
        _ => format!("a policy of type {}", inner.get("type").map(Value::to_string).unwrap_or_default()),
    }
}

fn signature_rule(rule: &Value, identities: &[String]) -> String {
    if let Some(at) = rule.get("signed_by") {
        let index = at.as_u64().or_else(|| at.as_str().and_then(|t| t.parse().ok())).unwrap_or(0);
        return usize::try_from(index)
            .ok()
            .and_then(|i| identities.get(i))
            .cloned()
            .unwrap_or_else(|| format!("identity #{index}"));
    }
    if let Some(n_out_of) = rule.get("n_out_of") {
        let n = n_out_of.get("n").map(|n| n.to_string().trim_matches('"').to_owned()).unwrap_or_else(|| "0".into());
        let rules: Vec<String> = n_out_of
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| signature_rule(r, identities))
            .collect();
        return format!("{n} of [{}]", rules.join(", "));
    }
    "an empty rule".to_owned()
}

/// A value's content as `path = leaf` lines (long texts, certificates among them, by
/// their length and digest), at most [`MAX_LINES`].
fn value_lines(value: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    flatten("", value.get("value").unwrap_or(&Value::Null), &mut lines);
    cut(lines)
}

/// What a changed value's content gained and lost, as `+`/`-` lines.
fn value_diff(before: &Value, after: &Value) -> Vec<String> {
    let (mut old, mut new) = (Vec::new(), Vec::new());
    flatten("", before.get("value").unwrap_or(&Value::Null), &mut old);
    flatten("", after.get("value").unwrap_or(&Value::Null), &mut new);
    let (old_set, new_set): (BTreeSet<_>, BTreeSet<_>) = (old.iter().collect(), new.iter().collect());
    let mut lines: Vec<String> = old.iter().filter(|l| !new_set.contains(l)).map(|l| format!("- {l}")).collect();
    lines.extend(new.iter().filter(|l| !old_set.contains(l)).map(|l| format!("+ {l}")));
    if lines.is_empty() {
        lines.push("its policy to modify it changed".to_owned());
    }
    cut(lines)
}

/// At most this many lines of a value are shown.
const MAX_LINES: usize = 24;

fn cut(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > MAX_LINES {
        let more = lines.len() - MAX_LINES;
        lines.truncate(MAX_LINES);
        lines.push(format!("… and {more} more lines"));
    }
    lines
}

/// `path = leaf` for every leaf; an array's items of objects each on one line (so a
/// consenter added or removed is one line, whatever its place in the list).
fn flatten(path: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                flatten(&if path.is_empty() { key.clone() } else { format!("{path}.{key}") }, v, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => out.push(format!("{path}[] = {}", compact(item))),
                    leaf => out.push(format!("{path}[] = {}", leaf_text(leaf))),
                }
            }
        }
        leaf => out.push(format!("{path} = {}", leaf_text(leaf))),
    }
}

/// An item on one line, its long texts shortened.
fn compact(item: &Value) -> String {
    match item {
        Value::Object(map) => {
            let fields: Vec<String> = map.iter().map(|(k, v)| format!("{k}: {}", compact(v))).collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(compact).collect::<Vec<_>>().join(", ")),
        leaf => leaf_text(leaf),
    }
}

/// A leaf as text; one longer than 64 characters (a certificate, a key) by its length and
/// the start of its SHA-256.
fn leaf_text(leaf: &Value) -> String {
    match leaf {
        Value::String(text) if text.len() > 64 => {
            let digest = Sha256::digest(text.as_bytes());
            format!("<{} characters, SHA-256 {}…>", text.len(), hex_colons(&digest[..6]))
        }
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl fmt::Display for Delta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let channel = if self.channel.is_empty() { "the channel" } else { &self.channel };
        writeln!(f, "What this update changes in {channel}:")?;
        for change in &self.changes {
            let verb = match change.kind {
                Kind::Added => "+ adds",
                Kind::Removed => "- removes",
                Kind::Changed => "~ changes",
            };
            writeln!(f, "{verb} {} {}", change.element, change.path)?;
            for line in &change.details {
                writeln!(f, "      {line}")?;
            }
        }
        if !self.stale.is_empty() {
            writeln!(f, "It was made against an older configuration (the orderer will refuse it):")?;
            for line in &self.stale {
                writeln!(f, "      {line}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn implicit(rule: &str, sub: &str, version: &str) -> Value {
        json!({"mod_policy": "Admins", "policy": {"type": 3, "value": {"rule": rule, "sub_policy": sub}}, "version": version})
    }

    fn org(msp: &str, version: &str) -> Value {
        let cert = rcgen::generate_simple_self_signed(vec![format!("ca.{msp}")]).expect("a certificate");
        let pem = data_encoding::BASE64.encode(cert.cert.pem().as_bytes());
        json!({
            "groups": {}, "mod_policy": "Admins", "version": version,
            "policies": {
                "Admins": {"mod_policy": "Admins", "version": "0", "policy": {"type": 1, "value": {
                    "identities": [{"principal": {"msp_identifier": msp, "role": "ADMIN"}, "principal_classification": "ROLE"}],
                    "rule": {"n_out_of": {"n": 1, "rules": [{"signed_by": 0}]}}, "version": 0}}}
            },
            "values": {
                "MSP": {"mod_policy": "Admins", "version": "0", "value": {"config": {"name": msp, "root_certs": [pem], "tls_root_certs": []}, "type": 0}},
                "AnchorPeers": {"mod_policy": "Admins", "version": "0", "value": {"anchor_peers": [{"host": format!("peer0.{msp}"), "port": 7051}]}}
            }
        })
    }

    /// The channel: two organisations, a consenter list.
    fn channel() -> Value {
        json!({"channel_group": {
            "version": "0", "mod_policy": "Admins", "values": {}, "policies": {},
            "groups": {
                "Application": {
                    "version": "3", "mod_policy": "Admins", "values": {},
                    "policies": {"Admins": implicit("MAJORITY", "Admins", "0")},
                    "groups": {"ManufacturerMSP": org("ManufacturerMSP", "1"), "CertifierMSP": org("CertifierMSP", "1")}
                },
                "Orderer": {
                    "version": "0", "mod_policy": "Admins", "groups": {}, "policies": {},
                    "values": {"Orderers": {"mod_policy": "Admins", "version": "2", "value": {"consenter_mapping": [
                        {"id": 1, "host": "orderer0", "port": 7050, "msp_id": "OrdererMSP"}
                    ]}}}
                }
            }
        }})
    }

    /// What compute_update writes when `CertifierMSP` leaves and `Certifier2MSP` joins,
    /// and a consenter is added.
    fn update(read_application: &str) -> Value {
        json!({
            "channel_id": "nanotrace",
            "read_set": {"version": "0", "groups": {
                "Application": {"version": read_application, "groups": {"ManufacturerMSP": {"version": "1"}}},
                "Orderer": {"version": "0"}
            }},
            "write_set": {"version": "0", "groups": {
                "Application": {"version": "4", "mod_policy": "Admins", "policies": {"Admins": {"version": "0"}},
                    "groups": {"ManufacturerMSP": {"version": "1"}, "Certifier2MSP": org("Certifier2MSP", "0")}},
                "Orderer": {"version": "0", "values": {"Orderers": {"mod_policy": "Admins", "version": "3", "value": {"consenter_mapping": [
                    {"id": 1, "host": "orderer0", "port": 7050, "msp_id": "OrdererMSP"},
                    {"id": 2, "host": "orderer1", "port": 7050, "msp_id": "Certifier2MSP"}
                ]}}}}
            }}
        })
    }

    #[test]
    fn an_organisation_in_another_out_and_a_consenter_more_are_named() {
        let delta = describe(&channel(), &update("3")).expect("an update");
        let summary: Vec<(Kind, &str, &str)> =
            delta.changes.iter().map(|c| (c.kind, c.element, c.path.as_str())).collect();
        assert_eq!(
            summary,
            [
                (Kind::Removed, "group", "Application/CertifierMSP"),
                (Kind::Added, "group", "Application/Certifier2MSP"),
                (Kind::Changed, "value", "Orderer/Orderers"),
            ]
        );
        assert!(delta.stale.is_empty(), "{:?}", delta.stale);
        let added = &delta.changes[1].details;
        assert_eq!(added[0], "MSP ID Certifier2MSP");
        assert!(
            added[1].starts_with("CA root: CN=rcgen self signed cert (valid until 4096-01-01; SHA-256 "),
            "{added:?}"
        );
        assert!(added.contains(&"anchor peers: peer0.Certifier2MSP:7051".to_owned()), "{added:?}");
        assert!(added.contains(&"policy Admins: 1 of [Certifier2MSP.ADMIN]".to_owned()), "{added:?}");
        assert_eq!(delta.changes[0].details[0], "MSP ID CertifierMSP");
        assert_eq!(
            delta.changes[2].details,
            ["+ consenter_mapping[] = {host: orderer1, id: 2, msp_id: Certifier2MSP, port: 7050}"]
        );
        let text = delta.to_string();
        assert!(
            text.starts_with("What this update changes in nanotrace:\n- removes group Application/CertifierMSP\n"),
            "{text}"
        );
    }

    #[test]
    fn a_certificate_is_named_by_the_sha256_of_its_der() {
        let cert = rcgen::generate_simple_self_signed(vec!["ca.example".to_owned()]).expect("a certificate");
        let shown = certificate(&data_encoding::BASE64.encode(cert.cert.pem().as_bytes()));
        let fingerprint = hex_colons(&Sha256::digest(cert.cert.der()));
        assert_eq!(fingerprint.len(), 32 * 3 - 1);
        assert!(shown.ends_with(&format!("; SHA-256 {fingerprint})")), "{shown}");
        assert_eq!(certificate("%%"), "not base64");
        assert_eq!(certificate(&data_encoding::BASE64.encode(b"text")), "not a PEM certificate");
    }

    #[test]
    fn an_update_made_against_an_older_configuration_is_told() {
        let delta = describe(&channel(), &update("2")).expect("an update");
        assert_eq!(delta.stale, ["Application: read at version 2, the channel is at 3"]);
        assert!(delta.to_string().contains("the orderer will refuse it"));
    }

    #[test]
    fn a_changed_policy_shows_both_rules_and_the_envelope_is_read_too() {
        let envelope = json!({"payload": {"data": {"config_update": {
            "channel_id": "nanotrace",
            "read_set": {"version": "0", "groups": {"Application": {"version": "3"}}},
            "write_set": {"version": "0", "groups": {"Application": {"version": "3",
                "policies": {"Admins": implicit("ANY", "Admins", "1")}}}}
        }}}});
        let delta = describe(&channel(), &envelope).expect("an update");
        assert_eq!(delta.changes.len(), 1);
        assert_eq!((delta.changes[0].kind, delta.changes[0].path.as_str()), (Kind::Changed, "Application/Admins"));
        assert_eq!(delta.changes[0].details, ["was: MAJORITY of the groups' Admins", "now: ANY of the groups' Admins"]);
    }

    #[test]
    fn what_is_not_an_update_is_refused() {
        assert!(describe(&channel(), &json!({"read_set": {}})).is_err());
        assert!(describe(&json!({}), &update("3")).is_err());
        let nothing = json!({"read_set": {"version": "0"}, "write_set": {"version": "0"}});
        assert_eq!(
            describe(&channel(), &nothing),
            Err(DeltaError::Shape("the write set changes nothing in the channel".into()))
        );
    }
}
