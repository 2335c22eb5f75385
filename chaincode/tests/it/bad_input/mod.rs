//! Bad input gets a clear error (a stable code, and a message that names the field or
//! the cause) and changes nothing on the ledger.

use nanotrace_chaincode::ContractError;
use nanotrace_model::validate::limits;
use nanotrace_model::FunctionKind;
use nanotrace_model::*;
use nanotrace_testkit::*;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::OnceLock;

mod invalid;
mod misreported;

/// A governed world with a pending, an active and a suspended certificate.
#[derive(Clone)]
struct Base {
    world: World,
    pending: String,
    active: String,
    suspended: String,
}

fn base() -> Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut w = World::governed();
        let pending = w.apply("LOT-P");
        let active = w.issue("LOT-A");
        let suspended = w.issue("LOT-S");
        w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&suspended, "audit"));
        Base { world: w, pending, active, suspended }
    })
    .clone()
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).expect("json")
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("json")
}

fn application() -> Value {
    to_value(sample_application("LOT-BAD"))
}

/// Calls `function` with raw `args` and expects it to fail with `code`, mentioning every
/// one of `needles`, with state and height unchanged. Evaluate functions are submitted
/// too: a refused call must leave the ledger alone either way.
fn refused_raw(
    w: &mut World,
    who: Who,
    function: &str,
    args: &[Vec<u8>],
    code: &str,
    needles: &[&str],
) -> ContractError {
    let before = w.ledger.snapshot();
    let height = w.ledger.height();
    let err = match w.submit_raw(who, function, args) {
        Ok(out) => panic!("{function} by {who:?} should fail with {code}, got {}", String::from_utf8_lossy(&out)),
        Err(e) => e,
    };
    let text = err.to_string();
    assert_eq!(err.code(), code, "{function}: {text}");
    for needle in needles {
        assert!(text.contains(needle), "{function}: the message should mention {needle:?}: {text}");
    }
    assert!(w.ledger.snapshot() == before, "{function}: refused but the state changed ({text})");
    assert_eq!(w.ledger.height(), height, "{function}: refused but a block was added ({text})");
    err
}

fn refused(w: &mut World, who: Who, function: &str, req: &Value, code: &str, needles: &[&str]) -> ContractError {
    refused_raw(w, who, function, &[bytes(req)], code, needles)
}

/// Expects a VALIDATION error for exactly `field`.
fn invalid(w: &mut World, who: Who, function: &str, req: &Value, field: &str) -> String {
    let err = refused(w, who, function, req, "VALIDATION", &[field]);
    match err {
        ContractError::Validation(v) => {
            assert_eq!(v.field, field, "{function}: wrong field in {v}");
            assert!(!v.message.is_empty());
            v.message
        }
        other => panic!("{function}: {other}"),
    }
}

/// `value` with `path` (dot-separated) set to `new`.
fn with(value: &Value, path: &str, new: Value) -> Value {
    let mut v = value.clone();
    let mut slot = &mut v;
    for part in path.split('.') {
        slot = &mut slot[part];
    }
    *slot = new;
    v
}

/// `value` without the field at `path`.
fn without(value: &Value, path: &str) -> Value {
    let mut v = value.clone();
    let (parent, last) = path.rsplit_once('.').map_or(("", path), |(p, l)| (p, l));
    let mut slot = &mut v;
    for part in parent.split('.').filter(|p| !p.is_empty()) {
        slot = &mut slot[part];
    }
    slot.as_object_mut().expect("object").remove(last).expect("field present");
    v
}

// ---------------------------------------------------------------------------------------
// Requests that cannot be read.
// ---------------------------------------------------------------------------------------

#[test]
fn malformed_json_is_a_bad_request() {
    let mut w = base().world;
    for raw in [
        &b"{"[..],
        b"",
        b"not json",
        b"{\"product_name\": }",
        b"{'product_name': 'single quotes'}",
        b"null",
        b"42",
        b"\"a string\"",
        b"[]",
    ] {
        refused_raw(&mut w, Who::Applicant, "Apply", &[raw.to_vec()], "BAD_REQUEST", &["malformed request"]);
    }
    // A valid request followed by anything else.
    let mut trailing = bytes(&application());
    trailing.extend_from_slice(b" {}");
    refused_raw(&mut w, Who::Applicant, "Apply", &[trailing], "BAD_REQUEST", &["trailing characters"]);
    // The same field twice.
    let dup = br#"{"certificate_id": "NT-AAAAAAAAAAAA", "certificate_id": "NT-BBBBBBBBBBBB", "reason": "x"}"#;
    refused_raw(
        &mut w,
        Who::Certifier,
        "Suspend",
        &[dup.to_vec()],
        "BAD_REQUEST",
        &["duplicate field `certificate_id`"],
    );
    // Deep nesting is refused without exhausting the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
    refused_raw(&mut w, Who::Applicant, "Apply", &[deep], "BAD_REQUEST", &["malformed request"]);
    // Queries too.
    refused_raw(&mut w, Who::Auditor, "ListByStatus", &[b"{".to_vec()], "BAD_REQUEST", &["malformed request"]);
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    let mut w = base().world;
    let app = application();
    for (path, field) in [
        ("colour", "colour"),
        ("nanomaterial.colour", "colour"),
        ("nanomaterial.particle_size.d99_nm", "d99_nm"),
        ("sds.author", "author"),
        ("manufacturer_msp", "manufacturer_msp"),
    ] {
        let needle = format!("unknown field `{field}`");
        refused(&mut w, Who::Applicant, "Apply", &with(&app, path, json!("x")), "BAD_REQUEST", &[&needle]);
    }
    let b = base();
    let reason = to_value(World::reason(&b.active, "audit"));
    refused(
        &mut w,
        Who::Certifier,
        "Suspend",
        &with(&reason, "urgent", json!(true)),
        "BAD_REQUEST",
        &["unknown field `urgent`"],
    );
    let approval = to_value(b.world.approval(Who::Certifier, &b.pending));
    refused(
        &mut w,
        Who::Certifier,
        "Approve",
        &with(&approval, "issuer_org", json!(CERTIFIER_MSP)),
        "BAD_REQUEST",
        &["unknown field `issuer_org`"],
    );
    let batch = json!({ "applications": [app.clone(), with(&app, "nanomaterial.colour", json!("white"))] });
    refused(&mut w, Who::Applicant, "ApplyBatch", &batch, "BAD_REQUEST", &["unknown field `colour`"]);
    refused(&mut w, Who::Admin, "Bootstrap", &json!({ "force": true }), "BAD_REQUEST", &["unknown field `force`"]);
    refused(&mut w, Who::Unknown, "WhoAmI", &json!({ "as": "admin" }), "BAD_REQUEST", &["unknown field `as`"]);
    let grant = json!({ "identity": { "msp_id": GOV_MSP, "id": "x509::CN=x", "admin": true }, "role": "auditor" });
    refused(&mut w, Who::Admin, "GrantRole", &grant, "BAD_REQUEST", &["unknown field `admin`"]);
}

#[test]
fn wrong_types_are_refused() {
    let mut w = base().world;
    let app = application();
    for (path, value, needle) in [
        ("requested_validity_days", json!("365"), "invalid type: string \"365\", expected u32"),
        ("requested_validity_days", json!(-1), "invalid value: integer `-1`, expected u32"),
        ("requested_validity_days", json!(4_294_967_296u64), "expected u32"),
        ("requested_validity_days", json!(365.5), "invalid type: floating point"),
        ("product_name", json!(42), "invalid type: integer `42`, expected a string"),
        ("gtin", json!(4006381333931u64), "invalid type: integer"),
        ("depends_on", json!("NT-AAAAAAAAAAAA"), "invalid type: string"),
        ("nanomaterial", json!([]), "invalid length 0"),
        ("nanomaterial.shape", json!("hexagonal"), "unknown variant `hexagonal`"),
        ("nanomaterial.shape", json!("Rod"), "unknown variant `Rod`"),
        ("nanomaterial.particle_size.d50_nm", json!("35"), "invalid type: string"),
        ("nanomaterial.particle_size.d50_nm", json!(null), "invalid type: null"),
        ("sds.revision", json!(3.5), "invalid type: floating point"),
        ("sds", json!("https://sds.example.com/x.pdf"), "invalid type: string"),
    ] {
        refused(&mut w, Who::Applicant, "Apply", &with(&app, path, value), "BAD_REQUEST", &[needle]);
    }
    for (status, needle) in [
        (json!("active "), "unknown variant `active `, expected one of `PENDING`"),
        (json!("Live"), "unknown variant `Live`"),
        // serde_json says only where: "expected value at line 1 column 25".
        (json!(2), "at line 1 column"),
    ] {
        let req = json!({ "status": status, "page_size": 3 });
        refused(&mut w, Who::Auditor, "ListByStatus", &req, "BAD_REQUEST", &[needle]);
    }
    let req = json!({ "status": "PENDING", "page_size": -1 });
    refused(&mut w, Who::Auditor, "ListByStatus", &req, "BAD_REQUEST", &["invalid value: integer `-1`"]);
    let req = json!({ "identity": actor(Who::Auditor), "role": "superuser" });
    refused(&mut w, Who::Admin, "GrantRole", &req, "BAD_REQUEST", &["unknown variant `superuser`"]);
    let req = json!({ "msp_id": "BankMSP", "name": "Bank", "kind": "bank" });
    refused(&mut w, Who::Admin, "RegisterOrganization", &req, "BAD_REQUEST", &["unknown variant `bank`"]);
    // A number too large for a double cannot sneak in an infinity.
    let raw =
        String::from_utf8(bytes(&app)).expect("utf8").replace("\"vssa_m2_per_cm3\":210.0", "\"vssa_m2_per_cm3\":1e400");
    assert!(raw.contains("1e400"), "{raw}");
    refused_raw(&mut w, Who::Applicant, "Apply", &[raw.into_bytes()], "BAD_REQUEST", &["number out of range"]);
}

#[test]
fn missing_required_fields_are_named() {
    let b = base();
    let mut w = b.world.clone();
    let app = application();
    for path in [
        "product_name",
        "batch",
        "supplier",
        "requested_validity_days",
        "nanomaterial",
        "sds",
        "nanomaterial.cas_number",
        "nanomaterial.particle_size",
        "nanomaterial.particle_size.d90_nm",
        "sds.sha256",
        "sds.revision",
    ] {
        let field = path.rsplit('.').next().expect("field");
        let needle = format!("missing field `{field}`");
        refused(&mut w, Who::Applicant, "Apply", &without(&app, path), "BAD_REQUEST", &[&needle]);
    }
    // Optional fields may be left out.
    for path in ["product_description", "gtin", "nanomaterial.ec_number", "nanomaterial.surface_treatment"] {
        let mut w2 = w.clone();
        w2.ok::<IdsResponse>(Who::Applicant, "Apply", &without(&app, path));
    }
    let approval = to_value(w.approval(Who::Certifier, &b.pending));
    for field in ["certificate_id", "issuer_key_id", "issued_at", "valid_until", "signature"] {
        let needle = format!("missing field `{field}`");
        refused(&mut w, Who::Certifier, "Approve", &without(&approval, field), "BAD_REQUEST", &[&needle]);
    }
    refused(
        &mut w,
        Who::Certifier,
        "Reject",
        &json!({ "certificate_id": b.pending }),
        "BAD_REQUEST",
        &["missing field `reason`"],
    );
    refused(&mut w, Who::Auditor, "ListByStatus", &json!({}), "BAD_REQUEST", &["missing field `status`"]);
    refused(&mut w, Who::Auditor, "Verify", &json!({}), "BAD_REQUEST", &["missing field `certificate_id`"]);
    refused(
        &mut w,
        Who::Admin,
        "GrantRole",
        &json!({ "identity": { "msp_id": GOV_MSP }, "role": "auditor" }),
        "BAD_REQUEST",
        &["missing field `id`"],
    );
}

#[test]
fn invalid_utf8_is_a_bad_request() {
    let mut w = base().world;
    let mut raw = bytes(&application());
    let at = raw.windows(5).position(|s| s == b"Solar").expect("product name");
    raw[at] = 0xff;
    let err = refused_raw(&mut w, Who::Applicant, "Apply", &[raw], "BAD_REQUEST", &["UTF-8"]);
    assert!(err.to_string().contains(&format!("at byte {at}")), "{err}");
    // Overlong encoding of '/', a lone surrogate, a truncated sequence.
    for bad in [
        &b"{\"certificate_id\": \"\xc0\xaf\"}"[..],
        b"{\"certificate_id\": \"\xed\xa0\x80\"}",
        b"{\"certificate_id\": \"\xe2\x82",
    ] {
        refused_raw(&mut w, Who::Unknown, "Verify", &[bad.to_vec()], "BAD_REQUEST", &["UTF-8"]);
    }
}

#[test]
fn argument_count_is_checked() {
    let b = base();
    let mut w = b.world.clone();
    let one = bytes(&to_value(World::reason(&b.active, "x")));
    for (name, kind) in &FUNCTIONS {
        if Function::from_name(name).is_some_and(Function::has_private_request) {
            // A private request is never an argument, and without its transient data
            // there is none.
            for args in [vec![one.clone()], vec![one.clone(), one.clone()]] {
                let got = format!("got {} argument(s)", args.len());
                refused_raw(&mut w, Who::Certifier, name, &args, "BAD_REQUEST", &["in transient data", &got]);
            }
            refused_raw(&mut w, Who::Certifier, name, &[], "BAD_REQUEST", &["needs its request in transient data"]);
            continue;
        }
        // Two arguments: always refused.
        let args = vec![one.clone(), one.clone()];
        refused_raw(&mut w, Who::Certifier, name, &args, "BAD_REQUEST", &["expected one JSON argument, got 2"]);
        // No argument: fine only where the request is empty or all-optional.
        let optional = matches!(*name, "Bootstrap" | "ListByApplicant" | "IssuerKeys" | "Organizations" | "WhoAmI");
        if !optional {
            refused_raw(&mut w, Who::Certifier, name, &[], "BAD_REQUEST", &["expected one JSON argument, got 0"]);
        } else if *kind == FunctionKind::Evaluate {
            let out = w.ledger.evaluate(&creator(Who::Certifier), w.ts(), |stub| {
                nanotrace_chaincode::CertificateContract.invoke(stub, name, &[])
            });
            assert!(out.is_ok(), "{name} without an argument: {out:?}");
        }
    }
}

/// Errors a caller can act on (issue 22): each names what to do, not serde's first
/// mismatch deep inside the value.
#[test]
fn unreadable_requests_say_what_to_do() {
    let mut w = base().world;
    // No function at all (a transaction without arguments).
    let err = refused_raw(&mut w, Who::Admin, "", &[b"{}".to_vec()], "BAD_REQUEST", &["no function was named"]);
    assert!(err.to_string().contains("known: Bootstrap"), "{err}");
    // 60,000 levels of arrays: the argument is not an object.
    let deep = format!("{}{}", "[".repeat(60_000), "]".repeat(60_000)).into_bytes();
    for (raw, kind) in [
        (deep, "got an array"),
        (b"  \"NT-AAAAAAAAAAAA\"".to_vec(), "got a string"),
        (b"42".to_vec(), "got a number"),
        (b"null".to_vec(), "got null"),
        (b"true".to_vec(), "got a boolean"),
        (b" ".to_vec(), "got nothing"),
    ] {
        let err =
            refused_raw(&mut w, Who::Applicant, "Apply", &[raw], "BAD_REQUEST", &["must be one JSON object", kind]);
        assert!(!err.to_string().contains("expected a string"), "{err}");
    }
    // An escaped lone surrogate: the string is not valid Unicode.
    for escape in [r"\uD800", r"\uD800x", r"\uD800\u0041", r"\uDC00"] {
        let raw = format!(r#"{{"product_name": "a{escape}"}}"#).into_bytes();
        let err = refused_raw(&mut w, Who::Applicant, "Apply", &[raw], "BAD_REQUEST", &["not valid Unicode", "line 1"]);
        assert!(err.to_string().contains("surrogate"), "{err}");
    }
}

#[test]
fn unknown_functions_are_a_bad_request() {
    let mut w = base().world;
    let arg = vec![b"{}".to_vec()];
    for name in ["Approve2", "approve", " Apply", "Apply\n", "__proto__", "instantiate"] {
        let err = refused_raw(&mut w, Who::Admin, name, &arg, "BAD_REQUEST", &["unknown function", "known: Bootstrap"]);
        assert!(err.to_string().contains(&format!("{name:?}")), "{err}");
    }
    // A huge name is not echoed back in full.
    let huge = "X".repeat(100_000);
    let err = refused_raw(&mut w, Who::Admin, &huge, &arg, "BAD_REQUEST", &["unknown function"]);
    assert!(err.to_string().len() < 2_000, "{} bytes", err.to_string().len());
}

#[test]
fn arguments_over_8_mib_are_refused_and_8_mib_is_not() {
    let mut w = base().world;
    let compact = bytes(&application());
    // Whitespace inside the JSON object pads it to exactly the limit: still valid.
    let pad = |total: usize| {
        let mut raw = compact.clone();
        let close = raw.pop().expect("}");
        raw.resize(total - 1, b' ');
        raw.push(close);
        assert_eq!(raw.len(), total);
        raw
    };
    let at_limit = pad(limits::MAX_ARGUMENT_BYTES);
    assert!(w.submit_raw(Who::Applicant, "Apply", &[at_limit]).is_ok(), "an argument of exactly 8 MiB is accepted");
    let over = pad(limits::MAX_ARGUMENT_BYTES + 1);
    refused_raw(&mut w, Who::Applicant, "Apply", &[over], "BAD_REQUEST", &["8388609 bytes", "8388608"]);
    // The limit is on all arguments together, and is checked before anything else.
    let half = vec![b' '; limits::MAX_ARGUMENT_BYTES / 2 + 1];
    refused_raw(
        &mut w,
        Who::Unknown,
        "NoSuchFunction",
        &[half.clone(), half],
        "BAD_REQUEST",
        &["the limit is 8388608 bytes"],
    );
}
