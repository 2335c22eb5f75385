//! Requests that can be read but are not valid: each refusal names its field.

use super::*;

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
        let many = json!({ "certificate_ids": [id] });
        for function in ["GetCertificates", "GetCertificateRecords"] {
            invalid(&mut w, Who::Unknown, function, &many, "certificate_ids[0].certificate_id");
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
fn measured_values_must_be_in_range_at_their_precision_and_ordered() {
    let mut w = base().world;
    let app = application();
    let psd = "nanomaterial.particle_size";
    for (name, value, needle) in [
        ("d10_nm", json!(-5.0), "between 0.1 and 1000000 nm, got -5 nm"),
        ("d10_nm", json!(0.0), "between 0.1 and 1000000 nm, got 0 nm"),
        ("d10_nm", json!(5e-324), "between 0.1 and 1000000 nm, got 5e-324 nm"),
        ("d50_nm", json!(10.0), "at least d10_nm (18 nm), got 10 nm"),
        ("d90_nm", json!(30.0), "at least d50_nm (35 nm), got 30 nm"),
        ("d90_nm", json!(1e7), "between 0.1 and 1000000 nm, got 10000000 nm"),
        ("d90_nm", json!(80.0001), "at most 3 decimals"),
        ("fraction_1_100nm", json!(1.5), "between 0 and 1"),
        ("fraction_1_100nm", json!(-0.1), "between 0 and 1"),
        ("fraction_1_100nm", json!(-0.0), "negative zero"),
        ("fraction_1_100nm", json!(0.12345678), "at most 4 decimals"),
    ] {
        let path = format!("{psd}.{name}");
        let message = invalid(&mut w, Who::Applicant, "Apply", &with(&app, &path, value), &path);
        assert!(message.contains(needle), "{path}: {message}");
    }
    for value in [json!(0.0), json!(-1.0), json!(10_001.0), json!(1e-7), json!(210.0001)] {
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
        ("batch", "LOT\u{1b}1", "U+001B"),
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
    for c in ['\u{0}', '\u{1b}'] {
        other_names_refuse(&mut w, c);
    }
}

/// An organisation's name, an identity's ID, a key ID and a queried batch with `c` in them
/// are each refused, naming the field.
fn other_names_refuse(w: &mut World, c: char) {
    let org = json!({ "msp_id": "NewMSP", "name": format!("New{c}Org"), "kind": "manufacturer" });
    invalid(w, Who::Admin, "RegisterOrganization", &org, "name");
    let grant = json!({ "identity": { "msp_id": GOV_MSP, "id": format!("x509::CN=a{c}b") }, "role": "auditor" });
    invalid(w, Who::Admin, "GrantRole", &grant, "identity.id");
    let retire = json!({ "key_id": format!("ik-{c}"), "reason": "rotation" });
    invalid(w, Who::Admin, "RetireIssuerKey", &retire, "key_id");
    let product = json!({ "gtin": "4006381333931", "batch": format!("LOT{c}1") });
    invalid(w, Who::Unknown, "ListByProduct", &product, "batch");
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

/// A name, batch or ID is one line: a line break (LF included) would let an applicant pose
/// extra lines as facts wherever the field is shown (a notification's plain text). Reasons
/// and descriptions may span lines, separated by LF.
#[test]
fn line_breaks_in_single_line_fields_are_refused() {
    let b = base();
    let mut w = b.world.clone();
    let app = application();
    let breaks = ['\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}'];
    for path in ["product_name", "batch", "supplier", "nanomaterial.substance_name", "nanomaterial.surface_treatment"] {
        for c in breaks {
            let value = json!(format!("SolarShield{c}Status: ACTIVE"));
            let message = invalid(&mut w, Who::Applicant, "Apply", &with(&app, path, value.clone()), path);
            assert!(message.starts_with("must be a single line, found line break U+"), "{path}: {message}");
            let batch = json!({ "applications": [app.clone(), with(&app, path, value)] });
            invalid(&mut w, Who::Applicant, "ApplyBatch", &batch, &format!("applications[1].{path}"));
        }
    }
    for c in breaks {
        other_names_refuse(&mut w, c);
    }
    // Multi-line fields take LF, and no other line break.
    let reason = World::reason(&b.active, "bad\u{2028}reason");
    invalid(&mut w, Who::Certifier, "Suspend", &to_value(reason), "reason");
    let described = with(&app, "product_description", json!("Line one.\nLine two."));
    w.ok::<IdsResponse>(Who::Applicant, "Apply", &described);
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&b.active, "Audit finding 1.\nAudit finding 2."));
}
