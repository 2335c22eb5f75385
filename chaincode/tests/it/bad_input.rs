//! Bad input gets a clear error (a stable code, and a message that names the field or
//! the cause) and changes nothing on the ledger.

use nanotrace_testkit::*;
use nanotrace_model::FunctionKind;
use nanotrace_model::*;
use nanotrace_model::validate::limits;
use nanotrace_chaincode::ContractError;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::OnceLock;

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
        // Two arguments: always refused.
        let args = vec![one.clone(), one.clone()];
        refused_raw(&mut w, Who::Certifier, name, &args, "BAD_REQUEST", &["expected one JSON argument, got 2"]);
        // No argument: fine only where the request is empty or all-optional.
        let optional = matches!(*name, "Bootstrap" | "ListByApplicant" | "IssuerKeys" | "WhoAmI");
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

#[test]
fn unknown_functions_are_a_bad_request() {
    let mut w = base().world;
    let arg = vec![b"{}".to_vec()];
    for name in ["Approve2", "approve", "", " Apply", "Apply\n", "__proto__", "instantiate"] {
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

// ---------------------------------------------------------------------------------------
// Requests that can be read but are not valid.
// ---------------------------------------------------------------------------------------

#[test]
fn every_capped_string_in_an_application_names_its_field() {
    let mut w = base().world;
    let app = application();
    let url = |n: usize| {
        let base = "https://sds.example.com/";
        format!("{base}{}", "a".repeat(n - base.len()))
    };
    for (path, cap, long) in [
        ("product_name", limits::MAX_NAME, "n".repeat(limits::MAX_NAME + 1)),
        ("product_description", limits::MAX_TEXT, "d".repeat(limits::MAX_TEXT + 1)),
        ("batch", limits::MAX_NAME, "b".repeat(limits::MAX_NAME + 1)),
        ("supplier", limits::MAX_NAME, "s".repeat(limits::MAX_NAME + 1)),
        ("nanomaterial.substance_name", limits::MAX_NAME, "t".repeat(limits::MAX_NAME + 1)),
        ("nanomaterial.surface_treatment", limits::MAX_NAME, "u".repeat(limits::MAX_NAME + 1)),
        ("sds.url", limits::MAX_URL, url(limits::MAX_URL + 1)),
    ] {
        let message = invalid(&mut w, Who::Applicant, "Apply", &with(&app, path, json!(long)), path);
        assert!(message.contains(&format!("at most {cap} characters, got {}", cap + 1)), "{path}: {message}");
        // In a batch, the item is named too.
        let batch = json!({ "applications": [app.clone(), with(&app, path, json!(long))] });
        invalid(&mut w, Who::Applicant, "ApplyBatch", &batch, &format!("applications[1].{path}"));
    }
    // Exactly at the cap is fine, counting characters rather than bytes.
    let mut w2 = w.clone();
    let at_cap =
        with(&with(&app, "product_name", json!("é".repeat(limits::MAX_NAME))), "sds.url", json!(url(limits::MAX_URL)));
    w2.ok::<IdsResponse>(Who::Applicant, "Apply", &at_cap);
}

#[test]
fn every_capped_string_in_other_requests_names_its_field() {
    let b = base();
    let mut w = b.world.clone();
    let reason = "r".repeat(limits::MAX_REASON + 1);
    for (function, id) in [("Reject", &b.pending), ("Suspend", &b.active), ("Revoke", &b.active)] {
        invalid(&mut w, Who::Certifier, function, &to_value(World::reason(id, &reason)), "reason");
    }
    let reinstate = json!({ "certificate_id": b.suspended, "reason": reason });
    invalid(&mut w, Who::Certifier, "Reinstate", &reinstate, "reason");
    let retire = json!({ "key_id": issuer_key_id_of(Who::Certifier), "reason": reason });
    invalid(&mut w, Who::Admin, "RetireIssuerKey", &retire, "reason");
    let retire = json!({ "key_id": "k".repeat(limits::MAX_NAME + 1), "reason": "rotation" });
    invalid(&mut w, Who::Admin, "RetireIssuerKey", &retire, "key_id");

    let org = json!({ "msp_id": "NewMSP", "name": "n".repeat(limits::MAX_NAME + 1), "kind": "manufacturer" });
    invalid(&mut w, Who::Admin, "RegisterOrganization", &org, "name");
    let org = json!({ "msp_id": "M".repeat(limits::MAX_MSP_ID + 1), "name": "New", "kind": "manufacturer" });
    invalid(&mut w, Who::Admin, "RegisterOrganization", &org, "msp_id");
    let org = json!({ "msp_id": "New MSP", "name": "New", "kind": "manufacturer" });
    invalid(&mut w, Who::Admin, "RegisterOrganization", &org, "msp_id");

    let grant = json!({ "identity": { "msp_id": GOV_MSP, "id": "i".repeat(limits::MAX_ID + 1) }, "role": "auditor" });
    invalid(&mut w, Who::Admin, "GrantRole", &grant, "identity.id");
    let grant =
        json!({ "identity": { "msp_id": "M".repeat(limits::MAX_MSP_ID + 1), "id": "x509::CN=x" }, "role": "auditor" });
    invalid(&mut w, Who::Admin, "GrantRole", &grant, "identity.msp_id");
    invalid(&mut w, Who::Admin, "RevokeRole", &grant, "identity.msp_id");

    let key = hex::encode(issuer_signing_key(Who::Applicant).verifying_key().as_bytes());
    let register = |holder: Value, public_key: &str, from: i64, until: i64| json!({ "public_key": public_key, "holder": holder, "valid_from": from, "valid_until": until });
    let long_holder = json!({ "msp_id": CERTIFIER_MSP, "id": "i".repeat(limits::MAX_ID + 1) });
    invalid(&mut w, Who::Admin, "RegisterIssuerKey", &register(long_holder, &key, T0, T0 + DAY), "holder.id");
    let holder = to_value(actor(Who::Certifier));
    invalid(&mut w, Who::Admin, "RegisterIssuerKey", &register(holder.clone(), &key[..62], T0, T0 + DAY), "public_key");
    invalid(
        &mut w,
        Who::Admin,
        "RegisterIssuerKey",
        &register(holder.clone(), &key.to_uppercase(), T0, T0 + DAY),
        "public_key",
    );
    invalid(&mut w, Who::Admin, "RegisterIssuerKey", &register(holder.clone(), &key, T0, T0), "valid_until");

    let mut sds = w.cert(&b.active).application.sds;
    sds.revision += 1;
    let update = to_value(UpdateSdsRequest { certificate_id: b.active.clone(), sds });
    let long_url = format!("https://sds.example.com/{}", "a".repeat(limits::MAX_URL));
    invalid(&mut w, Who::Applicant, "UpdateSds", &with(&update, "sds.url", json!(long_url)), "sds.url");

    let approval = to_value(w.approval(Who::Certifier, &b.pending));
    invalid(
        &mut w,
        Who::Certifier,
        "Approve",
        &with(&approval, "issuer_key_id", json!("k".repeat(limits::MAX_NAME + 1))),
        "issuer_key_id",
    );
    invalid(&mut w, Who::Certifier, "Approve", &with(&approval, "signature", json!("zz")), "signature");
    invalid(&mut w, Who::Certifier, "Approve", &with(&approval, "issued_at", json!(T0 - DAY)), "issued_at");
    invalid(&mut w, Who::Certifier, "Approve", &with(&approval, "valid_until", json!(T0 - 1)), "valid_until");

    let product =
        to_value(ListByProductRequest { gtin: "4006381333931".into(), batch: Some("b".repeat(limits::MAX_NAME + 1)) });
    invalid(&mut w, Who::Unknown, "ListByProduct", &product, "batch");
    let list = json!({ "status": "PENDING", "page_size": limits::MAX_PAGE_SIZE + 1 });
    invalid(&mut w, Who::Auditor, "ListByStatus", &list, "page_size");
    let list = json!({ "msp_id": "Manufacturer MSP" });
    invalid(&mut w, Who::Auditor, "ListByApplicant", &list, "msp_id");
}

#[test]
fn bad_certificate_ids_are_refused_by_every_function_that_takes_one() {
    let mut w = base().world;
    for id in ["nt-lower", "NT-ABCDEFGH2340", "", "NT-ABCDEFGH234", "NT-AAAAAAAAAAAA/../x"] {
        let reason = to_value(World::reason(id, "x"));
        for function in ["Reject", "Suspend", "Revoke"] {
            invalid(&mut w, Who::Certifier, function, &reason, "certificate_id");
        }
        let reinstate = json!({ "certificate_id": id, "reason": "x" });
        invalid(&mut w, Who::Certifier, "Reinstate", &reinstate, "certificate_id");
        let get = json!({ "certificate_id": id });
        for function in ["GetCertificate", "Verify", "History"] {
            invalid(&mut w, Who::Unknown, function, &get, "certificate_id");
        }
    }
}

#[test]
fn dependencies_are_capped_and_unique() {
    let b = base();
    let mut w = b.world.clone();
    let app = application();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".as_bytes();
    let ids: Vec<String> = (0..=limits::MAX_DEPENDENCIES)
        .map(|i| format!("NT-AAAAAAAAAA{}{}", alphabet[i % 32] as char, alphabet[i / 32] as char))
        .collect();
    assert_eq!(ids.len(), 33);
    let message = invalid(&mut w, Who::Applicant, "Apply", &with(&app, "depends_on", json!(ids)), "depends_on");
    assert!(message.contains("at most 32 certificates, got 33"), "{message}");
    let message = invalid(
        &mut w,
        Who::Applicant,
        "Apply",
        &with(&app, "depends_on", json!([b.active, b.pending, b.active])),
        "depends_on[2]",
    );
    assert!(message.contains("duplicates depends_on[0]"), "{message}");
    invalid(&mut w, Who::Applicant, "Apply", &with(&app, "depends_on", json!([b.active, "NT-bad"])), "depends_on[1]");
    // Well-formed but not on the ledger.
    let err = refused(
        &mut w,
        Who::Applicant,
        "Apply",
        &with(&app, "depends_on", json!(["NT-AAAAAAAAAAAA"])),
        "NOT_FOUND",
        &["NT-AAAAAAAAAAAA"],
    );
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[test]
fn batches_hold_1_to_1000_items() {
    let b = base();
    let mut w = b.world.clone();
    let message = invalid(&mut w, Who::Applicant, "ApplyBatch", &json!({ "applications": [] }), "applications");
    assert!(message.contains("1 to 1000 applications, got 0"), "{message}");
    let app = application();
    let many: Vec<Value> = (0..=limits::MAX_BATCH).map(|_| app.clone()).collect();
    let message = invalid(&mut w, Who::Applicant, "ApplyBatch", &json!({ "applications": many }), "applications");
    assert!(message.contains("got 1001"), "{message}");

    let message = invalid(&mut w, Who::Certifier, "ApproveBatch", &json!({ "approvals": [] }), "approvals");
    assert!(message.contains("got 0"), "{message}");
    let approval = to_value(w.approval(Who::Certifier, &b.pending));
    let many: Vec<Value> = (0..=limits::MAX_BATCH).map(|_| approval.clone()).collect();
    let message = invalid(&mut w, Who::Certifier, "ApproveBatch", &json!({ "approvals": many }), "approvals");
    assert!(message.contains("got 1001"), "{message}");
    // The same certificate twice in one batch.
    let twice = json!({ "approvals": [approval, approval] });
    invalid(&mut w, Who::Certifier, "ApproveBatch", &twice, "approvals[1].certificate_id");
}

#[test]
fn identifiers_hashes_and_urls_are_checked_with_their_path() {
    let b = base();
    let mut w = b.world.clone();
    let app = application();
    let cases: &[(&str, Value, &str)] = &[
        ("nanomaterial.cas_number", json!("13463-67-8"), "CAS check digit"),
        ("nanomaterial.cas_number", json!("TiO2"), "a CAS number must be"),
        ("nanomaterial.cas_number", json!("013463-67-7"), "never starts with 0"),
        ("nanomaterial.ec_number", json!("236-675-4"), "EC check digit"),
        ("nanomaterial.ec_number", json!("236675-5"), "NNN-NNN-R"),
        ("gtin", json!("4006381333932"), "GTIN check digit"),
        ("gtin", json!("40063813339"), "8, 12, 13 or 14 digits"),
        ("gtin", json!("400638133393A"), "only digits"),
        ("gtin", json!(""), "is required"),
        ("sds.sha256", json!("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"), "lowercase"),
        ("sds.sha256", json!("abc"), "exactly 64"),
        ("sds.sha256", json!("g".repeat(64)), "hexadecimal"),
        ("sds.url", json!("javascript:alert(1)"), "http or https"),
        ("sds.url", json!("ftp://sds.example.com/x.pdf"), "scheme \"ftp\""),
        ("sds.url", json!("file:///etc/passwd"), "http or https"),
        ("sds.url", json!("data:text/html,<script>alert(1)</script>"), "http or https"),
        ("sds.url", json!("https://user:pw@sds.example.com/x.pdf"), "user name or password"),
        ("sds.url", json!("/relative.pdf"), "not a valid URL"),
        ("sds.url", json!("https://sds.example.com/a b.pdf"), "whitespace"),
        ("sds.revision", json!(0), "at least 1"),
        ("requested_validity_days", json!(0), "between 1 and 1826"),
        ("requested_validity_days", json!(1827), "between 1 and 1826"),
    ];
    for (path, value, needle) in cases {
        let message = invalid(&mut w, Who::Applicant, "Apply", &with(&app, path, value.clone()), path);
        assert!(message.contains(needle), "{path} = {value}: {message}");
    }
    // The same checks on an SDS update.
    let mut sds = w.cert(&b.active).application.sds;
    sds.revision += 1;
    let update = to_value(UpdateSdsRequest { certificate_id: b.active.clone(), sds });
    for (path, value) in [
        ("sds.url", json!("javascript:alert(1)")),
        ("sds.url", json!("ftp://sds.example.com/x.pdf")),
        ("sds.sha256", json!("ABC")),
        ("sds.revision", json!(3)),
    ] {
        invalid(&mut w, Who::Applicant, "UpdateSds", &with(&update, path, value), path);
    }
    // The product query checks its GTIN too.
    invalid(&mut w, Who::Unknown, "ListByProduct", &json!({ "gtin": "4006381333932" }), "gtin");
}

#[test]
fn particle_sizes_must_be_positive_and_ordered() {
    let mut w = base().world;
    let app = application();
    let psd = "nanomaterial.particle_size";
    for (name, value, needle) in [
        ("d10_nm", json!(-5.0), "greater than 0 nm, got -5 nm"),
        ("d10_nm", json!(0.0), "greater than 0 nm"),
        ("d50_nm", json!(10.0), "at least d10_nm (18 nm), got 10 nm"),
        ("d90_nm", json!(30.0), "at least d50_nm (35 nm), got 30 nm"),
        ("d90_nm", json!(1e7), "at most"),
        ("fraction_1_100nm", json!(1.5), "between 0 and 1"),
        ("fraction_1_100nm", json!(-0.1), "between 0 and 1"),
    ] {
        let path = format!("{psd}.{name}");
        let message = invalid(&mut w, Who::Applicant, "Apply", &with(&app, &path, value), &path);
        assert!(message.contains(needle), "{path}: {message}");
    }
    for value in [json!(0.0), json!(-1.0), json!(10_001.0)] {
        invalid(
            &mut w,
            Who::Applicant,
            "Apply",
            &with(&app, "nanomaterial.vssa_m2_per_cm3", value),
            "nanomaterial.vssa_m2_per_cm3",
        );
    }
}

#[test]
fn control_characters_in_text_are_refused() {
    let b = base();
    let mut w = b.world.clone();
    let app = application();
    for (path, value, shown) in [
        ("product_name", "Sun\u{7}screen", "U+0007"),
        ("product_name", "Sun\u{0}screen", "U+0000"),
        ("supplier", "\u{1b}[31mKronos", "U+001B"),
        ("batch", "LOT\r1", "U+000D"),
        ("nanomaterial.substance_name", "Titanium\u{7f}dioxide", "U+007F"),
        ("product_description", "line one\u{85}line two", "U+0085"),
    ] {
        let message = invalid(&mut w, Who::Applicant, "Apply", &with(&app, path, json!(value)), path);
        assert!(message.contains("control character") && message.contains(shown), "{path}: {message}");
    }
    // Blank required names.
    for path in ["product_name", "batch", "supplier", "nanomaterial.substance_name"] {
        invalid(&mut w, Who::Applicant, "Apply", &with(&app, path, json!(" \t ")), path);
        invalid(&mut w, Who::Applicant, "Apply", &with(&app, path, json!("")), path);
    }
    invalid(&mut w, Who::Certifier, "Suspend", &to_value(World::reason(&b.active, "bad\u{0}reason")), "reason");
    invalid(&mut w, Who::Certifier, "Suspend", &to_value(World::reason(&b.active, "   ")), "reason");
    let org = json!({ "msp_id": "NewMSP", "name": "New\u{1b}Org", "kind": "manufacturer" });
    invalid(&mut w, Who::Admin, "RegisterOrganization", &org, "name");
    let grant = json!({ "identity": { "msp_id": GOV_MSP, "id": "x509::CN=a\u{0}b" }, "role": "auditor" });
    invalid(&mut w, Who::Admin, "GrantRole", &grant, "identity.id");
    let retire = json!({ "key_id": "ik-\u{0}", "reason": "rotation" });
    invalid(&mut w, Who::Admin, "RetireIssuerKey", &retire, "key_id");
    let product = json!({ "gtin": "4006381333931", "batch": "LOT\u{0}" });
    invalid(&mut w, Who::Unknown, "ListByProduct", &product, "batch");
}

#[test]
fn an_over_long_bookmark_is_refused() {
    let mut w = base().world;
    let long = "B".repeat(limits::MAX_ID * 2 + 1);
    let message =
        invalid(&mut w, Who::Auditor, "ListByStatus", &json!({ "status": "ACTIVE", "bookmark": long }), "bookmark");
    assert!(message.contains("too long"), "{message}");
    invalid(
        &mut w,
        Who::Auditor,
        "ListByApplicant",
        &json!({ "msp_id": MANUFACTURER_MSP, "bookmark": long }),
        "bookmark",
    );
}

// ---------------------------------------------------------------------------------------
// Bad input reported as a ledger failure. LEDGER means "the ledger underneath the
// contract failed" (error.rs): a client may retry it, or page an operator. Input that can
// never succeed must get BAD_REQUEST or VALIDATION, naming the field.
// ---------------------------------------------------------------------------------------

fn blames_the_input(err: &ContractError, field: &str) -> bool {
    matches!(err.code(), "VALIDATION" | "BAD_REQUEST") && err.to_string().contains(field)
}

/// Runs each case (function, caller, request, field that is wrong), checks that nothing
/// changed, and returns the cases whose error is not a VALIDATION/BAD_REQUEST naming
/// the field.
fn misreported(w: &mut World, cases: &[(&str, Who, Value, &str)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (function, who, req, field) in cases {
        let before = w.ledger.snapshot();
        let height = w.ledger.height();
        match w.submit(*who, function, req) {
            Ok(_) => wrong.push(format!("{function} {req}: accepted")),
            Err(e) if !blames_the_input(&e, field) => wrong.push(format!("{function} (bad {field}): {e}")),
            Err(_) => {}
        }
        assert!(w.ledger.snapshot() == before && w.ledger.height() == height, "{function} changed the state");
    }
    wrong
}

#[test]
fn history_validates_the_certificate_id_before_using_it() {
    let mut w = base().world;
    // Every other function that takes a certificate ID answers VALIDATION here.
    let nul = "NT-AAAAAAAAAAA\u{0}";
    let cases = vec![
        ("GetCertificate", Who::Unknown, json!({ "certificate_id": nul }), "certificate_id"),
        ("Verify", Who::Unknown, json!({ "certificate_id": nul }), "certificate_id"),
        ("History", Who::Unknown, json!({ "certificate_id": nul }), "certificate_id"),
    ];
    let wrong = misreported(&mut w, &cases);
    assert!(wrong.is_empty(), "bad input reported as something else:\n  {}", wrong.join("\n  "));
}

#[test]
fn a_bookmark_from_elsewhere_is_bad_input_not_a_ledger_failure() {
    let b = base();
    let mut w = b.world.clone();
    // A genuine bookmark of one query, replayed on another, and plain garbage.
    let page: CertificatePage = w
        .evaluate(
            Who::Auditor,
            "ListByApplicant",
            &ListByApplicantRequest { msp_id: Some(MANUFACTURER_MSP.into()), page_size: 1, bookmark: String::new() },
        )
        .expect("page");
    assert!(!page.bookmark.is_empty(), "three certificates make three pages");
    let cases = vec![
        ("ListByStatus", Who::Auditor, json!({ "status": "PENDING", "bookmark": page.bookmark }), "bookmark"),
        ("ListByStatus", Who::Auditor, json!({ "status": "PENDING", "bookmark": "garbage" }), "bookmark"),
        ("ListByApplicant", Who::Applicant, json!({ "bookmark": "garbage" }), "bookmark"),
    ];
    let wrong = misreported(&mut w, &cases);
    assert!(wrong.is_empty(), "bad input reported as something else:\n  {}", wrong.join("\n  "));
}

#[test]
fn text_that_cannot_be_a_key_part_is_refused_as_validation() {
    // U+10FFFF is not a control character, so the text checks let it through, but Fabric
    // (and the stub) refuse it in composite keys.
    let b = base();
    let mut w = b.world.clone();
    let max = "\u{10FFFF}";
    let approval = to_value(w.approval(Who::Certifier, &b.pending));
    let cases = vec![
        ("Apply", Who::Applicant, with(&application(), "batch", json!(format!("LOT{max}"))), "batch"),
        ("ListByProduct", Who::Unknown, json!({ "gtin": "4006381333931", "batch": format!("LOT{max}") }), "batch"),
        ("RetireIssuerKey", Who::Admin, json!({ "key_id": format!("ik-{max}"), "reason": "rotation" }), "key_id"),
        ("Approve", Who::Certifier, with(&approval, "issuer_key_id", json!(format!("ik-{max}"))), "issuer_key_id"),
        (
            "GrantRole",
            Who::Admin,
            json!({ "identity": { "msp_id": GOV_MSP, "id": format!("x509::CN={max}") }, "role": "auditor" }),
            "identity.id",
        ),
    ];
    let wrong = misreported(&mut w, &cases);
    assert!(wrong.is_empty(), "bad input reported as something else:\n  {}", wrong.join("\n  "));
}

#[test]
fn every_function_survives_an_empty_object() {
    // `{}` is readable JSON: each function answers with a clear error or (for the
    // all-optional requests) a result, and nothing changes unless it succeeded.
    let mut w = base().world;
    for (name, _) in &FUNCTIONS {
        let before = w.ledger.snapshot();
        match w.submit_raw(Who::Admin, name, &[b"{}".to_vec()]) {
            Ok(_) => assert!(
                matches!(*name, "ListByApplicant" | "IssuerKeys" | "WhoAmI"),
                "{name} accepted an empty request"
            ),
            Err(e) => {
                assert!(matches!(e.code(), "BAD_REQUEST" | "VALIDATION" | "CONFLICT" | "UNAUTHORIZED"), "{name}: {e}");
                if e.code() == "BAD_REQUEST" {
                    assert!(e.to_string().contains("missing field"), "{name}: {e}");
                }
                assert!(w.ledger.snapshot() == before, "{name} changed the state");
            }
        }
    }
}
