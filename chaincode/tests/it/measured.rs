//! Measured values (particle sizes, the number fraction in 1–100 nm, the VSSA): what the
//! contract accepts is signed in the bytes every RFC 8785 (JCS) verifier writes, and what a
//! ledger already holds keeps working.

use nanotrace_chaincode::ContractError;
use nanotrace_model::credential;
use nanotrace_model::*;
use nanotrace_testkit::*;
use serde_json::{json, Value};

/// The number after `"name":` in canonical JSON text.
fn jcs_number(jcs: &str, name: &str) -> String {
    let label = format!("\"{name}\":");
    let start = jcs.find(&label).unwrap_or_else(|| panic!("{name} in {jcs}")) + label.len();
    jcs[start..].chars().take_while(|c| !matches!(c, ',' | '}')).collect()
}

/// How a JCS library that writes every number with 7 decimals, trailing zeros trimmed,
/// writes `value`.
fn seven_decimals(value: f64) -> String {
    let text = format!("{value:.7}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `units` × 10^-`decimals` written as the shortest decimal: no exponent, no trailing zeros.
fn decimal(units: u64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    let (whole, fraction) = (units / scale, units % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = decimals as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A measured value's name in the credential, and how to read it from an application.
type Field = (&'static str, fn(&Application) -> f64);

/// The credential's name of each measured value, with the application field it comes from.
const FIELDS: [Field; 5] = [
    ("particleSizeD10Nm", |a| a.nanomaterial.particle_size.d10_nm),
    ("particleSizeD50Nm", |a| a.nanomaterial.particle_size.d50_nm),
    ("particleSizeD90Nm", |a| a.nanomaterial.particle_size.d90_nm),
    ("numberFraction1To100Nm", |a| a.nanomaterial.particle_size.fraction_1_100nm),
    ("volumeSpecificSurfaceAreaM2PerCm3", |a| a.nanomaterial.vssa_m2_per_cm3),
];

/// The sample application with these measured values, given as decimal text.
fn with_values(lot: &str, values: [&str; 5]) -> Application {
    let mut app = sample_application(lot);
    let number = |text: &str| text.parse::<f64>().unwrap_or_else(|e| panic!("{text}: {e}"));
    let psd = &mut app.nanomaterial.particle_size;
    psd.d10_nm = number(values[0]);
    psd.d50_nm = number(values[1]);
    psd.d90_nm = number(values[2]);
    psd.fraction_1_100nm = number(values[3]);
    app.nanomaterial.vssa_m2_per_cm3 = number(values[4]);
    app
}

/// Issues `app` and signs its credential; answers the credential's canonical JSON text.
fn signed_jcs(w: &mut World, app: &Application) -> String {
    let ids: IdsResponse = w.ok(Who::Applicant, "Apply", app);
    let served = approved_and_signed(w, &ids.certificate_ids[0]);
    String::from_utf8(credential::jcs(&served).expect("JCS")).expect("UTF-8")
}

/// Approves pending certificate `id`, records its credential's proof and answers the
/// credential as a verifier serves it (rebuilt from the ledger).
fn approved_and_signed(w: &mut World, id: &str) -> Value {
    let approval = w.approval(Who::Certifier, id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    let attach = w.credential_attachment(Who::Certifier, id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &attach);
    let trust_list: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("keys");
    let organizations: Vec<Organization> = w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("orgs");
    credential::recorded(&w.cert(id), &trust_list, &organizations, None).expect("the credential")
}

/// Every measured value of `app` is written the same by JCS (what the proof signs), by
/// `serde_json`, by a 7-decimal JCS library, and as the shortest decimal `expected`.
fn assert_written_alike(jcs: &str, app: &Application, expected: [&str; 5]) {
    for ((name, value_of), expected) in FIELDS.into_iter().zip(expected) {
        let value = value_of(app);
        let json = serde_json::to_string(&value).expect("JSON");
        assert_eq!(
            (jcs_number(jcs, name).as_str(), seven_decimals(value).as_str(), json.trim_end_matches(".0")),
            (expected, expected, expected),
            "{name}: JCS, 7-decimal JCS and serde_json of {value:e}"
        );
    }
}

#[test]
fn accepted_values_are_signed_as_every_jcs_verifier_writes_them() {
    let mut w = World::governed();
    // The limits of each quantity (sizes 0.1–1 000 000 nm to 3 decimals, the fraction
    // 0–1 to 4, the VSSA 0.001–10 000 m²/cm³ to 3).
    let limits: [[&str; 5]; 3] = [
        ["0.1", "0.1", "0.1", "0", "0.001"],
        ["0.1", "999999.999", "1000000", "1", "10000"],
        ["18.125", "35.001", "80.01", "0.0001", "5.999"],
    ];
    for (i, values) in limits.into_iter().enumerate() {
        let app = with_values(&format!("LOT-LIMIT-{i}"), values);
        let jcs = signed_jcs(&mut w, &app);
        assert_written_alike(&jcs, &app, values);
    }
    // Pseudo-random values at each quantity's precision (a fixed xorshift sequence).
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut draw = |low: u64, high: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        low + state % (high - low + 1)
    };
    for i in 0..40 {
        let mut sizes = [draw(100, 1_000_000_000), draw(100, 1_000_000_000), draw(100, 1_000_000_000)];
        sizes.sort_unstable();
        let texts = [
            decimal(sizes[0], 3),
            decimal(sizes[1], 3),
            decimal(sizes[2], 3),
            decimal(draw(0, 10_000), 4),
            decimal(draw(1, 10_000_000), 3),
        ];
        let values = texts.each_ref().map(String::as_str);
        let app = with_values(&format!("LOT-DRAWN-{i}"), values);
        let jcs = signed_jcs(&mut w, &app);
        assert_written_alike(&jcs, &app, values);
    }
}

#[test]
#[allow(clippy::excessive_precision)] // the review's values, as it wrote them
fn values_a_verifier_could_write_otherwise_are_refused_and_change_nothing() {
    let base = World::governed();
    // Each is written differently by some conforming verifier: -0 (JCS "0"), a number
    // below 10^-6 (JCS "1e-7", 7 decimals "0.0000001"), more than 7 decimals, a binary
    // rounding artefact, the smallest subnormal.
    for (field, value) in [
        ("nanomaterial.particle_size.fraction_1_100nm", json!(-0.0)),
        ("nanomaterial.particle_size.fraction_1_100nm", json!(1e-7)),
        ("nanomaterial.particle_size.fraction_1_100nm", json!(0.12345678)),
        ("nanomaterial.particle_size.d50_nm", json!(35.000000000000004)),
        ("nanomaterial.particle_size.d10_nm", json!(5e-324)),
        ("nanomaterial.vssa_m2_per_cm3", json!(1e-7)),
    ] {
        let mut w = base.clone();
        let mut app = serde_json::to_value(sample_application("LOT-NUMBER")).expect("JSON");
        let mut slot = &mut app;
        for part in field.split('.') {
            slot = &mut slot[part];
        }
        *slot = value.clone();
        let (state, height) = (w.ledger.snapshot(), w.ledger.height());
        let err = match w.submit(Who::Applicant, "Apply", &app) {
            Ok(out) => panic!("{field} = {value} was accepted: {}", String::from_utf8_lossy(&out)),
            Err(e) => e,
        };
        match &err {
            ContractError::Validation(v) => assert_eq!(v.field, field, "{err}"),
            other => panic!("{field} = {value}: expected VALIDATION, got {other}"),
        }
        assert_eq!((w.ledger.snapshot(), w.ledger.height()), (state, height), "{field} = {value} wrote something");
    }
}

/// A certificate an earlier contract accepted with values refused today is read,
/// approved, signed and renewed as before: validation applies to new applications only.
#[test]
#[allow(clippy::excessive_precision)] // the review's values, as it wrote them
fn a_ledger_holding_values_now_refused_keeps_working() {
    use nanotrace_shim::{create_composite_key, Stub};
    let mut w = World::governed();
    let id = w.apply("LOT-LEGACY");
    let key = create_composite_key("cert", &[&id]).expect("key");
    let mut record: Value = serde_json::from_slice(&w.ledger.snapshot()[&key]).expect("the stored record");
    let psd = &mut record["application"]["nanomaterial"]["particle_size"];
    psd["d10_nm"] = json!(5e-324);
    psd["d50_nm"] = json!(35.000000000000004);
    psd["fraction_1_100nm"] = json!(-0.0);
    let bytes = serde_json::to_vec(&record).expect("JSON");
    let ts = w.ts();
    w.ledger
        .execute(&creator(Who::Admin), ts, |stub| stub.put_state(&key, &bytes).map_err(ContractError::from))
        .expect("the record as an earlier contract stored it");

    let psd = w.cert(&id).application.nanomaterial.particle_size;
    assert_eq!((psd.d10_nm, psd.d50_nm), (5e-324, 35.000000000000004));
    assert!(psd.fraction_1_100nm == 0.0 && psd.fraction_1_100nm.is_sign_negative());
    let served = approved_and_signed(&mut w, &id);
    let public = issuer_signing_key(Who::Certifier).verifying_key().to_bytes();
    credential::verify(&served, &public).expect("verifies");
    assert_eq!(served["credentialSubject"]["assessedMaterial"]["particleSizeD10Nm"], json!(5e-324));
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);
    let renewal = w.renewal(Who::Certifier, &id);
    let ids: IdsResponse = w.ok(Who::Certifier, "Renew", &renewal);
    assert_eq!(w.cert(&ids.certificate_ids[1]).application.nanomaterial.particle_size.d10_nm, 5e-324);
}
