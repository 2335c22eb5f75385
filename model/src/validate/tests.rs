//! Unit tests of the field validators.

use super::*;

fn field_of<T>(r: Result<T, ValidationError>) -> String {
    match r {
        Ok(_) => panic!("expected a validation error"),
        Err(e) => e.field,
    }
}

fn message_of<T>(r: Result<T, ValidationError>) -> String {
    match r {
        Ok(_) => panic!("expected a validation error"),
        Err(e) => e.message,
    }
}

#[test]
fn error_display() {
    let e = ValidationError::new("gtin", "GTIN check digit is 2, expected 1");
    assert_eq!(e.to_string(), "invalid gtin: GTIN check digit is 2, expected 1");
}

// --- text -------------------------------------------------------------------------

#[test]
fn text_required_and_blank() {
    assert!(text("f", "hello", 10, true).is_ok());
    assert!(text("f", "", 10, false).is_ok());
    assert_eq!(message_of(text("f", "", 10, true)), "is required");
    assert_eq!(message_of(text("f", " \t\n ", 10, true)), "must not be blank");
}

#[test]
fn text_length_counts_characters() {
    assert!(text("f", &"é".repeat(200), limits::MAX_NAME, true).is_ok());
    let e = text("product_name", &"x".repeat(250), limits::MAX_NAME, true).unwrap_err();
    assert_eq!(e.field, "product_name");
    assert_eq!(e.message, "must be at most 200 characters, got 250");
}

#[test]
fn text_control_characters() {
    assert!(multiline_text("f", "line one\nline two\tend", 100, true).is_ok());
    assert!(text("f", "one line\twith a tab", 100, true).is_ok());
    assert_eq!(
        message_of(text("f", "bell\u{7}", 100, true)),
        "must not contain control character U+0007 (at position 5)"
    );
    assert!(text("f", "nul\0", 100, true).is_err());
    assert!(text("f", "cr\r\n", 100, true).is_err());
    assert!(text("f", "esc\u{1b}[31m", 100, true).is_err());
    assert!(text("f", "del\u{7f}", 100, true).is_err());
}

// --- CAS --------------------------------------------------------------------------

#[test]
fn cas_valid() {
    for cas in ["7732-18-5", "13463-67-7", "7440-22-4", "1333-86-4", "50-00-0", "64-17-5"] {
        assert!(cas_number("cas", cas).is_ok(), "{cas}");
    }
}

#[test]
fn cas_bad_check_digit() {
    assert_eq!(message_of(cas_number("cas", "7732-18-4")), "CAS check digit is 4, expected 5");
    assert_eq!(message_of(cas_number("cas", "13463-67-8")), "CAS check digit is 8, expected 7");
}

#[test]
fn cas_bad_format() {
    for bad in [
        "",
        "7732185",
        "7-18-5",
        "12345678-18-5",
        "7732-1-5",
        "7732-188-5",
        "7732-18-55",
        "7732-18-",
        "7732-18-X",
        "77a2-18-5",
        " 7732-18-5",
        "7732-18-5 ",
        "7732--18-5",
        "7732-18-5-1",
        "７７３２-18-5",
        "0732-18-5",
    ] {
        let e = cas_number("nanomaterial.cas_number", bad).unwrap_err();
        assert_eq!(e.field, "nanomaterial.cas_number", "{bad}");
    }
}

// --- EC ---------------------------------------------------------------------------

#[test]
fn ec_valid() {
    for ec in ["236-675-5", "231-131-3", "200-001-8", "231-791-2"] {
        assert!(ec_number("ec", ec).is_ok(), "{ec}");
    }
}

#[test]
fn ec_bad_check_digit() {
    assert_eq!(message_of(ec_number("ec", "236-675-4")), "EC check digit is 4, expected 5");
}

#[test]
fn ec_remainder_ten_is_never_valid() {
    // 200-200-R: 2×1 + 2×4 = 10, so no check digit can make it valid.
    let e = ec_number("nanomaterial.ec_number", "200-200-0").unwrap_err();
    assert_eq!(e.field, "nanomaterial.ec_number");
    assert!(e.message.contains("remainder is 10"), "{}", e.message);
    for r in 0..=9 {
        assert!(ec_number("ec", &format!("200-200-{r}")).is_err());
    }
}

#[test]
fn ec_bad_format() {
    for bad in ["", "236675-5", "236-675-55", "23-675-5", "2366-675-5", "236-67a-5", "236-675", "236_675_5"] {
        assert!(ec_number("ec", bad).is_err(), "{bad}");
    }
}

// --- GTIN -------------------------------------------------------------------------

#[test]
fn gtin_valid_all_lengths() {
    for code in [
        "96385074",       // GTIN-8
        "036000291452",   // GTIN-12 (UPC-A)
        "4006381333931",  // GTIN-13
        "5901234123457",  // GTIN-13
        "10614141000415", // GTIN-14
        "00012345600012", // GTIN-14 with leading zeros
    ] {
        assert!(gtin("gtin", code).is_ok(), "{code}");
    }
}

#[test]
fn gtin_bad_check_digit() {
    assert_eq!(message_of(gtin("gtin", "4006381333932")), "GTIN check digit is 2, expected 1");
    assert_eq!(message_of(gtin("gtin", "96385075")), "GTIN check digit is 5, expected 4");
    assert!(gtin("gtin", "036000291453").is_err());
    assert!(gtin("gtin", "10614141000416").is_err());
}

#[test]
fn gtin_bad_length_and_letters() {
    assert_eq!(message_of(gtin("gtin", "1234567")), "a GTIN must have 8, 12, 13 or 14 digits, got 7");
    for bad in ["", "123456789", "1234567890", "12345678901", "123456789012345"] {
        assert!(gtin("gtin", bad).is_err(), "{bad}");
    }
    assert_eq!(message_of(gtin("gtin", "40063A1333931")), "a GTIN must contain only digits, found 'A' at position 6");
    assert!(gtin("gtin", "4006381333931 ").is_err());
    assert!(gtin("gtin", "-4006381333931").is_err());
}

// --- hashes and hex ---------------------------------------------------------------

const GOOD_HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

#[test]
fn sha256_valid() {
    assert!(sha256_hex("sds.sha256", GOOD_HASH).is_ok());
}

#[test]
fn sha256_invalid() {
    assert_eq!(
        message_of(sha256_hex("h", &GOOD_HASH.to_uppercase())),
        "must be lowercase hexadecimal, found 'F' at position 2"
    );
    assert_eq!(message_of(sha256_hex("h", &GOOD_HASH[..63])), "must be exactly 64 hexadecimal characters, got 63");
    assert!(sha256_hex("h", &format!("{GOOD_HASH}0")).is_err());
    assert!(sha256_hex("h", "").is_err());
    let non_hex = format!("g{}", &GOOD_HASH[1..]);
    assert_eq!(message_of(sha256_hex("h", &non_hex)), "must be hexadecimal, found 'g' at position 1");
    assert!(sha256_hex("h", &format!("0x{}", &GOOD_HASH[2..])).is_err());
    assert!(sha256_hex("h", &format!(" {}", &GOOD_HASH[1..])).is_err());
}

#[test]
fn hex_bytes_decodes_exact_length() {
    let key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let bytes = hex_bytes("public_key", key, 32).unwrap();
    assert_eq!(bytes.len(), 32);
    assert_eq!(bytes[0], 0xd7);
    assert_eq!(field_of(hex_bytes("public_key", &key[..62], 32)), "public_key");
    assert!(hex_bytes("public_key", &key.to_uppercase(), 32).is_err());
    assert!(hex_bytes("signature", key, 64).is_err());
    assert!(hex_bytes("x", "zz", 1).is_err());
    assert_eq!(hex_bytes("x", "00ff", 2).unwrap(), vec![0, 255]);
}

// --- URLs -------------------------------------------------------------------------

#[test]
fn url_valid() {
    for u in [
        "https://sds.example.com/tio2.pdf",
        "http://example.org/a/b?rev=3#page=2",
        "https://example.com:8443/sds",
        "https://192.0.2.10/sds.pdf",
    ] {
        assert!(https_url("sds.url", u).is_ok(), "{u}");
    }
}

#[test]
fn url_invalid() {
    assert_eq!(
        message_of(https_url("sds.url", "ftp://example.com/sds.pdf")),
        "must be an http or https URL, got scheme \"ftp\""
    );
    assert!(https_url("sds.url", "javascript:alert(1)").is_err());
    assert!(https_url("sds.url", "data:text/html,<script>alert(1)</script>").is_err());
    assert!(https_url("sds.url", "file:///etc/passwd").is_err());
    assert!(https_url("sds.url", "https://").is_err());
    assert!(https_url("sds.url", "https:").is_err());
    assert!(https_url("sds.url", "/relative/path.pdf").is_err());
    assert!(https_url("sds.url", "example.com/sds.pdf").is_err());
    assert!(https_url("sds.url", "").is_err());
    assert_eq!(
        message_of(https_url("sds.url", "https://user:secret@example.com/sds.pdf")),
        "must not contain a user name or password"
    );
    assert!(https_url("sds.url", "https://user@example.com/sds.pdf").is_err());
    assert!(https_url("sds.url", "https://exa mple.com/").is_err());
    assert!(https_url("sds.url", "https://example.com/\nsds.pdf").is_err());
    assert!(https_url("sds.url", " https://example.com/").is_err());
}

#[test]
fn url_length_cap() {
    let base = "https://example.com/";
    let ok = format!("{base}{}", "a".repeat(limits::MAX_URL - base.len()));
    assert!(https_url("sds.url", &ok).is_ok());
    let long = format!("{ok}a");
    assert_eq!(message_of(https_url("sds.url", &long)), "must be at most 2048 characters, got 2049");
}

// --- MSP IDs, actors --------------------------------------------------------------

#[test]
fn msp_ids() {
    for ok in ["Org1MSP", "certifier-msp.example_1", "A"] {
        assert!(msp_id("msp_id", ok).is_ok(), "{ok}");
    }
    assert!(msp_id("msp_id", &"M".repeat(128)).is_ok());
    assert_eq!(message_of(msp_id("msp_id", &"M".repeat(129))), "must be at most 128 characters, got 129");
    assert_eq!(message_of(msp_id("msp_id", "")), "is required");
    assert_eq!(
        message_of(msp_id("msp_id", "Org 1")),
        "may contain only letters, digits, '.', '_' and '-', found U+0020 at position 4"
    );
    assert!(msp_id("msp_id", "Org1MSP/admin").is_err());
    assert!(msp_id("msp_id", "Örg1").is_err());
}

#[test]
fn actors() {
    let good = Actor { msp_id: "Org1MSP".into(), id: "x509::CN=alice,O=Org1::CN=ca.org1".into() };
    assert!(actor("identity", &good).is_ok());
    let bad_msp = Actor { msp_id: "Org 1".into(), ..good.clone() };
    assert_eq!(field_of(actor("identity", &bad_msp)), "identity.msp_id");
    let no_id = Actor { id: String::new(), ..good.clone() };
    assert_eq!(field_of(actor("identity", &no_id)), "identity.id");
    let long_id = Actor { id: "x".repeat(limits::MAX_ID + 1), ..good };
    assert_eq!(message_of(actor("identity", &long_id)), "must be at most 1024 characters, got 1025");
}

// --- certificate IDs --------------------------------------------------------------

#[test]
fn certificate_ids_valid() {
    for id in ["NT-ABCDEFGH2345", "NT-QRSTUVWXYZ67", "NT-222222222222", "NT-AAAAAAAAAAAA"] {
        assert!(certificate_id("certificate_id", id).is_ok(), "{id}");
    }
}

#[test]
fn certificate_ids_invalid() {
    assert_eq!(
        message_of(certificate_id("certificate_id", "NT-abcdefgh2345")),
        "a certificate ID must be uppercase, found 'a' at position 4"
    );
    assert!(certificate_id("certificate_id", "nt-ABCDEFGH2345").is_err());
    assert!(certificate_id("certificate_id", "XX-ABCDEFGH2345").is_err());
    assert!(certificate_id("certificate_id", "ABCDEFGH2345").is_err());
    assert!(certificate_id("certificate_id", "").is_err());
    for ambiguous in ['0', '1', '8', '9'] {
        let id = format!("NT-ABCDEFGH234{ambiguous}");
        let m = message_of(certificate_id("certificate_id", &id));
        assert_eq!(m, format!("a certificate ID uses only A-Z and 2-7 (base32), found '{ambiguous}' at position 15"));
    }
    assert_eq!(
        message_of(certificate_id("certificate_id", "NT-ABCDEFGH234")),
        "a certificate ID must have exactly 12 characters after \"NT-\", got 11"
    );
    assert!(certificate_id("certificate_id", "NT-ABCDEFGH23456").is_err());
    assert!(certificate_id("certificate_id", "NT-ABCDEFGH-345").is_err());
    assert!(certificate_id("certificate_id", "NT-ABCDEFGH234=").is_err());
    assert!(certificate_id("certificate_id", "NT-ÄBCDEFGH2345").is_err());
}

// --- particle size ----------------------------------------------------------------

fn psd(d10: f64, d50: f64, d90: f64, fraction: f64) -> ParticleSizeDistribution {
    ParticleSizeDistribution { d10_nm: d10, d50_nm: d50, d90_nm: d90, fraction_1_100nm: fraction }
}

const PSD: &str = "nanomaterial.particle_size";

#[test]
fn psd_valid() {
    assert!(particle_size(PSD, &psd(18.0, 35.0, 80.0, 0.92)).is_ok());
    assert!(particle_size(PSD, &psd(50.0, 50.0, 50.0, 0.0)).is_ok());
    assert!(particle_size(PSD, &psd(0.5, 1.0, 1_000_000.0, 1.0)).is_ok());
}

#[test]
fn psd_ordering() {
    let e = particle_size(PSD, &psd(40.0, 30.0, 80.0, 0.5)).unwrap_err();
    assert_eq!(e.field, "nanomaterial.particle_size.d50_nm");
    assert_eq!(e.message, "must be at least d10_nm (40 nm), got 30 nm");
    let e = particle_size(PSD, &psd(10.0, 30.0, 20.0, 0.5)).unwrap_err();
    assert_eq!(e.field, "nanomaterial.particle_size.d90_nm");
    assert_eq!(field_of(particle_size(PSD, &psd(10.0, 30.0, 1_000_001.0, 0.5))), "nanomaterial.particle_size.d90_nm");
}

#[test]
fn psd_non_finite_and_negative() {
    let e = particle_size(PSD, &psd(f64::NAN, 30.0, 80.0, 0.5)).unwrap_err();
    assert_eq!(e.field, "nanomaterial.particle_size.d10_nm");
    assert_eq!(e.message, "must be a finite number, got NaN");
    assert_eq!(field_of(particle_size(PSD, &psd(10.0, f64::NAN, 80.0, 0.5))), "nanomaterial.particle_size.d50_nm");
    assert_eq!(field_of(particle_size(PSD, &psd(10.0, 30.0, f64::INFINITY, 0.5))), "nanomaterial.particle_size.d90_nm");
    assert_eq!(
        field_of(particle_size(PSD, &psd(10.0, 30.0, 80.0, f64::NAN))),
        "nanomaterial.particle_size.fraction_1_100nm"
    );
    let e = particle_size(PSD, &psd(-5.0, 30.0, 80.0, 0.5)).unwrap_err();
    assert_eq!(e.field, "nanomaterial.particle_size.d10_nm");
    assert_eq!(e.message, "must be between 0.1 and 1000000 nm, got -5 nm");
    assert!(particle_size(PSD, &psd(0.0, 30.0, 80.0, 0.5)).is_err());
}

#[test]
fn psd_fraction_bounds() {
    let e = particle_size(PSD, &psd(10.0, 30.0, 80.0, 1.5)).unwrap_err();
    assert_eq!(e.field, "nanomaterial.particle_size.fraction_1_100nm");
    assert_eq!(e.message, "must be between 0 and 1 (a number fraction: 0.5 is 50 %), got 1.5");
    assert!(particle_size(PSD, &psd(10.0, 30.0, 80.0, -0.01)).is_err());
}

// --- applications -----------------------------------------------------------------

#[test]
fn sample_application_is_valid() {
    assert_eq!(application(&sample_application()), Ok(()));
    let mut minimal = sample_application();
    minimal.product_description.clear();
    minimal.gtin = None;
    minimal.nanomaterial.ec_number = None;
    minimal.nanomaterial.surface_treatment.clear();
    minimal.depends_on.clear();
    assert_eq!(application(&minimal), Ok(()));
}

#[test]
fn each_broken_field_is_named() {
    type Breaker = fn(&mut Application);
    let cases: &[(&str, Breaker)] = &[
        ("product_name", |a| a.product_name.clear()),
        ("product_name", |a| a.product_name = "   ".into()),
        ("product_name", |a| a.product_name = "x".repeat(limits::MAX_NAME + 1)),
        ("product_name", |a| a.product_name = "Sun\u{0}screen".into()),
        ("product_description", |a| a.product_description = "d".repeat(limits::MAX_TEXT + 1)),
        ("gtin", |a| a.gtin = Some("4006381333932".into())),
        ("gtin", |a| a.gtin = Some(String::new())),
        ("batch", |a| a.batch.clear()),
        ("batch", |a| a.batch = "b".repeat(limits::MAX_NAME + 1)),
        ("supplier", |a| a.supplier.clear()),
        ("requested_validity_days", |a| a.requested_validity_days = 0),
        ("requested_validity_days", |a| a.requested_validity_days = limits::MAX_VALIDITY_DAYS + 1),
        ("nanomaterial.substance_name", |a| a.nanomaterial.substance_name.clear()),
        ("nanomaterial.cas_number", |a| a.nanomaterial.cas_number = "13463-67-8".into()),
        ("nanomaterial.cas_number", |a| a.nanomaterial.cas_number = "TiO2".into()),
        ("nanomaterial.ec_number", |a| a.nanomaterial.ec_number = Some("236-675-4".into())),
        ("nanomaterial.particle_size.d10_nm", |a| a.nanomaterial.particle_size.d10_nm = -1.0),
        ("nanomaterial.particle_size.d50_nm", |a| a.nanomaterial.particle_size.d50_nm = 5.0),
        ("nanomaterial.particle_size.d90_nm", |a| a.nanomaterial.particle_size.d90_nm = f64::NAN),
        ("nanomaterial.particle_size.fraction_1_100nm", |a| a.nanomaterial.particle_size.fraction_1_100nm = 1.01),
        ("nanomaterial.surface_treatment", |a| a.nanomaterial.surface_treatment = "s".repeat(limits::MAX_NAME + 1)),
        ("nanomaterial.vssa_m2_per_cm3", |a| a.nanomaterial.vssa_m2_per_cm3 = 0.0),
        ("nanomaterial.vssa_m2_per_cm3", |a| a.nanomaterial.vssa_m2_per_cm3 = -3.0),
        ("nanomaterial.vssa_m2_per_cm3", |a| a.nanomaterial.vssa_m2_per_cm3 = f64::INFINITY),
        ("nanomaterial.vssa_m2_per_cm3", |a| a.nanomaterial.vssa_m2_per_cm3 = 10_000.5),
        ("sds.url", |a| a.sds.url = "ftp://example.com/sds.pdf".into()),
        ("sds.url", |a| a.sds.url = "javascript:alert(1)".into()),
        ("sds.sha256", |a| a.sds.sha256 = a.sds.sha256.to_uppercase()),
        ("sds.revision", |a| a.sds.revision = 0),
        ("depends_on[1]", |a| a.depends_on[1] = "NT-qrstuvwxyz67".into()),
        ("depends_on[0]", |a| a.depends_on[0] = "NT-ABCDEFGH2340".into()),
        ("depends_on[2]", |a| a.depends_on.push("NT-ABCDEFGH2345".into())),
        ("depends_on", |a| {
            a.depends_on = (0..=limits::MAX_DEPENDENCIES).map(|i| format!("NT-AAAAAAAAA{:03}", i + 222)).collect()
        }),
    ];
    for (field, break_it) in cases {
        let mut app = sample_application();
        break_it(&mut app);
        match application(&app) {
            Ok(()) => panic!("breaking {field} was accepted"),
            Err(e) => assert_eq!(&e.field, field, "{e}"),
        }
    }
}

#[test]
fn duplicate_dependency_message() {
    let mut app = sample_application();
    app.depends_on.push("NT-ABCDEFGH2345".into());
    let e = application(&app).unwrap_err();
    assert_eq!(e.to_string(), "invalid depends_on[2]: duplicates depends_on[0] (NT-ABCDEFGH2345)");
}

#[test]
fn max_dependencies_accepted() {
    let mut app = sample_application();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".as_bytes();
    app.depends_on =
        alphabet.iter().take(limits::MAX_DEPENDENCIES).map(|&c| format!("NT-AAAAAAAAAAA{}", c as char)).collect();
    assert_eq!(application(&app), Ok(()));
}

#[test]
fn long_values_are_quoted_short() {
    let huge = "9".repeat(100_000);
    let m = message_of(cas_number("cas", &huge));
    assert!(m.len() < 200, "{m}");
}

// --- boundaries the mutation run found untested ----------------------------------------

#[test]
fn text_refuses_every_kind_of_unicode_noncharacter() {
    // U+FDD0–U+FDEF, and the last two code points of the BMP and of other planes.
    for c in ['\u{FDD0}', '\u{FDEF}', '\u{FFFE}', '\u{FFFF}', '\u{1FFFE}', '\u{1FFFF}', '\u{10FFFF}'] {
        assert_eq!(
            message_of(text("f", &format!("ab{c}"), 100, true)),
            format!("must not contain the Unicode noncharacter '{c}' (at position 3)"),
            "U+{:04X}",
            u32::from(c)
        );
    }
    // Their neighbours are ordinary characters.
    for c in ['\u{FDCF}', '\u{FDF0}', '\u{FFFD}', '\u{1FFFD}', '\u{10FFFD}', '\u{FFEE}'] {
        assert_eq!(text("f", &format!("ab{c}"), 100, true), Ok(()), "U+{:04X}", u32::from(c));
    }
}

#[test]
fn inclusive_limits_are_accepted() {
    let mut app = sample_application();
    app.nanomaterial.vssa_m2_per_cm3 = quantities::VSSA_M2_PER_CM3.max;
    assert_eq!(application(&app), Ok(()), "VSSA at the maximum");
    let mut app = sample_application();
    app.sds.revision = 1;
    assert_eq!(application(&app), Ok(()), "SDS revision 1");
    assert_eq!(
        message_of(safety_data_sheet("sds", &SafetyDataSheet { revision: 0, ..app.sds.clone() })),
        "must be at least 1, got 0"
    );
}

// --- client_ref -------------------------------------------------------------------

#[test]
fn client_ref_charset_and_length() {
    assert!(client_ref("f", "order-2026.11:line_7").is_ok());
    assert!(client_ref("f", "a").is_ok());
    assert!(client_ref("f", &"x".repeat(limits::MAX_CLIENT_REF)).is_ok());
    assert_eq!(message_of(client_ref("f", "")), "is required (omit the field for no reference)");
    assert_eq!(
        message_of(client_ref("f", &"x".repeat(limits::MAX_CLIENT_REF + 1))),
        "must be at most 128 characters, got 129"
    );
    // Positions are 1-based. The composite-key separator, spaces, '~', '/' and non-ASCII look-alikes are refused.
    for (bad, shown, pos) in [
        ("a\u{0}b", "U+0000", 2),
        ("a b", "U+0020", 2),
        ("a~b", "'~'", 2),
        ("ab/", "'/'", 3),
        ("\u{0430}bc", "'\u{0430}'", 1),
        ("x\u{10FFFF}", "'\u{10FFFF}'", 2),
    ] {
        assert_eq!(
            message_of(client_ref("f", bad)),
            format!("may contain only letters, digits, '.', '_', ':' and '-', found {shown} at position {pos}"),
            "{bad:?}"
        );
    }
}

#[test]
fn application_checks_its_client_ref() {
    let mut app = sample_application();
    app.client_ref = Some("po-17:3".into());
    assert!(application(&app).is_ok());
    app.client_ref = Some(String::new());
    assert_eq!(field_of(application(&app)), "client_ref");
    app.client_ref = Some("bad ref".into());
    assert_eq!(field_of(application(&app)), "client_ref");
    app.client_ref = None;
    assert!(application(&app).is_ok());
}

// --- single-line and multi-line text ----------------------------------------------------

/// Every character that ends a line somewhere: LF, VT, FF, CR, NEL and the Unicode line
/// and paragraph separators (the mandatory breaks of UAX #14).
const LINE_BREAKS: [char; 7] = ['\n', '\u{0B}', '\u{0C}', '\r', '\u{85}', '\u{2028}', '\u{2029}'];

#[test]
fn single_line_fields_refuse_every_line_break() {
    type Set = fn(&mut Application, String);
    let fields: &[(&str, Set)] = &[
        ("product_name", |a, v| a.product_name = v),
        ("batch", |a, v| a.batch = v),
        ("supplier", |a, v| a.supplier = v),
        ("nanomaterial.substance_name", |a, v| a.nanomaterial.substance_name = v),
        ("nanomaterial.surface_treatment", |a, v| a.nanomaterial.surface_treatment = v),
    ];
    for (field, set) in fields {
        for c in LINE_BREAKS {
            let mut app = sample_application();
            // What an applicant would write to pose extra lines as facts in a notification.
            set(&mut app, format!("SolarShield{c}Status: ACTIVE"));
            let e = application(&app).expect_err(&format!("{field} with U+{:04X} was accepted", u32::from(c)));
            assert_eq!(
                (e.field.as_str(), e.message),
                (*field, format!("must be a single line, found line break {} at position 12", show_char(c)))
            );
        }
    }
    let id = |id: &str| Actor { msp_id: "CertifierMSP".into(), id: id.into() };
    assert!(actor("identity", &id("x509::CN=alice::CN=ca")).is_ok());
    assert_eq!(field_of(actor("identity", &id("x509::CN=alice\nStatus: ACTIVE::CN=ca"))), "identity.id");
}

#[test]
fn multi_line_fields_take_line_feeds_and_no_other_break() {
    let mut app = sample_application();
    app.product_description = "Broad-spectrum sunscreen.\n\nWith nano titanium dioxide.\n".into();
    assert_eq!(application(&app), Ok(()));
    for c in LINE_BREAKS.into_iter().filter(|c| *c != '\n') {
        app.product_description = format!("one{c}two");
        let e = application(&app).expect_err(&format!("U+{:04X} was accepted", u32::from(c)));
        assert_eq!(e.field, "product_description");
        assert!(e.message.contains(&show_char(c)) && e.message.contains("position 4"), "{e}");
    }
}

// --- measured values --------------------------------------------------------------------

type SetNumber = fn(&mut Application, f64);
const D10: SetNumber = |a, v| a.nanomaterial.particle_size.d10_nm = v;
const D50: SetNumber = |a, v| a.nanomaterial.particle_size.d50_nm = v;
const D90: SetNumber = |a, v| a.nanomaterial.particle_size.d90_nm = v;
const FRACTION: SetNumber = |a, v| a.nanomaterial.particle_size.fraction_1_100nm = v;
const VSSA: SetNumber = |a, v| a.nanomaterial.vssa_m2_per_cm3 = v;

#[test]
#[allow(clippy::excessive_precision)] // the review's values, as it wrote them
fn measured_values_outside_their_range_or_precision_are_refused() {
    let cases: &[(&str, SetNumber, f64, &str)] = &[
        ("d10_nm", D10, 5e-324, "must be between 0.1 and 1000000 nm, got 5e-324 nm"),
        ("d10_nm", D10, 0.09, "must be between 0.1 and 1000000 nm, got 0.09 nm"),
        ("d10_nm", D10, -0.0, "must not be negative zero (-0): write 0"),
        ("d10_nm", D10, 18.0001, "must have at most 3 decimals, got 18.0001 nm"),
        // The review's "35.000000000000004" is the double 35.00000000000001 (its shortest form).
        ("d50_nm", D50, 35.000000000000004, "must have at most 3 decimals, got 35.00000000000001 nm"),
        ("d90_nm", D90, 1_000_000.5, "must be between 0.1 and 1000000 nm, got 1000000.5 nm"),
        ("d90_nm", D90, 1e300, "must be between 0.1 and 1000000 nm, got 1e300 nm"),
        ("fraction_1_100nm", FRACTION, -0.0, "must not be negative zero (-0): write 0"),
        ("fraction_1_100nm", FRACTION, 0.12345678, "must have at most 4 decimals, got 0.12345678"),
        ("fraction_1_100nm", FRACTION, 1e-7, "must have at most 4 decimals, got 0.0000001"),
        ("fraction_1_100nm", FRACTION, 0.92 + 1e-12, "must have at most 4 decimals, got 0.920000000001"),
        ("fraction_1_100nm", FRACTION, -1e-4, "must be between 0 and 1 (a number fraction: 0.5 is 50 %), got -0.0001"),
        ("vssa_m2_per_cm3", VSSA, 1e-7, "must be between 0.001 and 10000 m²/cm³, got 0.0000001 m²/cm³"),
        ("vssa_m2_per_cm3", VSSA, -0.0, "must not be negative zero (-0): write 0"),
        ("vssa_m2_per_cm3", VSSA, 210.0005, "must have at most 3 decimals, got 210.0005 m²/cm³"),
    ];
    for (name, set, value, message) in cases {
        let mut app = sample_application();
        set(&mut app, *value);
        let e = application(&app).expect_err(&format!("{name} = {value:e} was accepted"));
        let field = if *name == "vssa_m2_per_cm3" {
            format!("nanomaterial.{name}")
        } else {
            format!("nanomaterial.particle_size.{name}")
        };
        assert_eq!((e.field, e.message.as_str()), (field, *message), "{name} = {value:e}");
    }
}

#[test]
fn measured_values_at_their_limits_are_accepted() {
    let cases: &[(SetNumber, f64)] = &[
        (D10, 0.1),
        (D10, 18.125),
        (D50, 35.001),
        (D90, 999_999.999),
        (D90, 1_000_000.0),
        (FRACTION, 0.0),
        (FRACTION, 0.0001),
        (FRACTION, 0.5),
        (FRACTION, 0.9999),
        (FRACTION, 1.0),
        (VSSA, 5.999),
        (VSSA, 10_000.0),
    ];
    for (set, value) in cases {
        let mut app = sample_application();
        set(&mut app, *value);
        assert_eq!(application(&app), Ok(()), "{value}");
    }
    let mut app = sample_application();
    app.nanomaterial.particle_size = psd(0.1, 0.1, 0.1, 1.0);
    app.nanomaterial.vssa_m2_per_cm3 = 0.001;
    assert_eq!(application(&app), Ok(()));
}
