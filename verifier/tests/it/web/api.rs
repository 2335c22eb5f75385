//! The JSON API.

use super::*;

#[tokio::test]
async fn api_valid_certificate() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let id = &f.ids.valid;
    let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/json"));
    assert_eq!(reply.header("cache-control"), "no-store");
    let json = reply.json();
    assert_eq!(json["certificate_id"], id.as_str());
    assert_eq!(json["verdict"], "VALID");
    assert_eq!(json["reason"], "issued by CertifierMSP and in force");
    assert!(json["since"].is_i64());
    assert!((json["checked_at"].as_i64().unwrap_or_default() - now()).abs() < 60);
    assert!(json["superseded_by"].is_null());
    assert_eq!(json["flags"], serde_json::json!([]));
    let cert = &json["certificate"];
    assert_eq!(cert["id"], id.as_str());
    assert_eq!(cert["status"], "ACTIVE");
    assert_eq!(cert["manufacturer_msp"], MANUFACTURER_MSP);
    // Organisations by MSP ID and registered name, as the ledger has them (issue 22).
    assert_eq!(
        cert["manufacturer"],
        serde_json::json!({ "msp_id": MANUFACTURER_MSP, "name": "Acme Nanomaterials GmbH" })
    );
    assert_eq!(cert["product"]["name"], "SolarShield Mineral Sunscreen SPF 50");
    assert_eq!(cert["product"]["gtin"], GTIN);
    assert_eq!(cert["product"]["batch"], "LOT-VALID");
    assert_eq!(cert["nanomaterial"]["cas_number"], "13463-67-7");
    // The EU definition (2022/C 229/01) as the contract applied it to the declared data
    // (92 % of particles by number in 1–100 nm, VSSA 210 m²/cm³): the threshold, the
    // figures and the outcome, word for word.
    assert_eq!(
        cert["assessment"],
        serde_json::json!({ "is_nanomaterial": true, "basis": EU_BASIS_VALID, "rule": "EU 2022/C 229/01" })
    );
    assert_eq!(cert["issuance"]["issuer_org"], CERTIFIER_MSP);
    assert_eq!(cert["issuance"]["issuer"], certifier_org());
    assert!(cert.get("applicant").is_none(), "no applicant identity in the public API");
    assert_eq!(json["issuer"]["key_id"], issuer_key_id());
    // The holder is its organisation only (see `no_personal_identity_in_any_public_answer`).
    assert_eq!(json["issuer"]["holder"], certifier_org());
    assert!(json["dates"]["valid_until"].as_i64().unwrap_or_default() > now());
    assert_eq!(json["sds"]["revision"], 3);
    assert_eq!(json["sds"]["url"], "https://sds.example.com/solarshield/tio2-nano-rev3.pdf");
    let history = json["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["action"], "approved");
    assert_eq!(history[0]["by"], CERTIFIER_MSP);
    assert_eq!(history[0]["by_name"], "NanoCert Certification Body");
    assert_eq!(history[1]["by_name"], "Acme Nanomaterials GmbH");
    assert_eq!(history[1]["action"], "applied");
    let checkpoint = f.cache.checkpoint().expect("checkpoint");
    assert_eq!(json["as_of"]["block"], checkpoint.block_number);
    assert_eq!(json["as_of"]["tx_id"], checkpoint.transaction_id.as_str());
    assert!(json["as_of"]["age_seconds"].as_i64().is_some_and(|a| (0..60).contains(&a)));
    assert_eq!(json["token"], f.token(id).as_str());
    assert_eq!(json["verify_url"], format!("{PUBLIC_URL}/c/{id}").as_str());
}

#[tokio::test]
async fn api_every_verdict() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let ids = &f.ids;
    let cases: Vec<(&str, StatusCode, &str, &str)> = vec![
        (&ids.expired, StatusCode::OK, "EXPIRED", "validity period has ended"),
        (&ids.suspended, StatusCode::OK, "SUSPENDED", SUSPEND_REASON),
        (&ids.revoked, StatusCode::OK, "REVOKED", REVOKE_REASON),
        (&ids.superseded, StatusCode::OK, "SUPERSEDED", &ids.renewed),
        (&ids.renewed, StatusCode::OK, "VALID", "in force"),
        (&ids.pending, StatusCode::OK, "PENDING", "no certifier has decided"),
        (&ids.rejected, StatusCode::OK, "REJECTED", REJECT_REASON),
        (&ids.flagged, StatusCode::OK, "VALID", "supplier certificate(s)"),
        (&ids.unknown, StatusCode::NOT_FOUND, "UNKNOWN", "no certificate"),
    ];
    for (id, status, verdict, reason) in cases {
        let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, status, "{verdict}");
        let json = reply.json();
        assert_eq!(json["verdict"], verdict, "{json}");
        assert!(json["reason"].as_str().unwrap_or_default().contains(reason), "{verdict}: {json}");
        assert!(json["as_of"]["block"].as_u64().is_some_and(|b| b > 0));
        assert_eq!(json["verify_url"], format!("{PUBLIC_URL}/c/{id}").as_str());
    }
    let superseded = get(&app, &format!("/api/v1/certificates/{}", ids.superseded)).await.json();
    assert_eq!(superseded["superseded_by"], ids.renewed.as_str());
    let suspended = get(&app, &format!("/api/v1/certificates/{}", ids.suspended)).await.json();
    assert!(suspended["since"].is_i64());
    assert_eq!(suspended["certificate"]["status_reason"], SUSPEND_REASON);
    let flagged = get(&app, &format!("/api/v1/certificates/{}", ids.flagged)).await.json();
    assert_eq!(flagged["flags"][0]["supplier_certificate"], ids.suspended.as_str());
    assert_eq!(flagged["flags"][0]["supplier_status"], "SUSPENDED");
    let pending = get(&app, &format!("/api/v1/certificates/{}", ids.pending)).await.json();
    assert!(pending["token"].is_null(), "no token before issue");
    assert!(pending["issuer"].is_null());
    assert!(pending["dates"]["issued_at"].is_null());
    let unknown = get(&app, &format!("/api/v1/certificates/{}", ids.unknown)).await.json();
    assert!(unknown["certificate"].is_null());
}

#[tokio::test]
async fn api_history_and_issuers() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/api/v1/certificates/{}/history", f.ids.revoked)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let list = reply.json();
    let list = list.as_array().expect("a JSON list");
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["action"], "revoked");
    assert_eq!(list[0]["status"], "REVOKED");
    assert_eq!(list[0]["reason"], REVOKE_REASON);
    assert!(list[0]["tx_id"].as_str().is_some_and(|t| t.len() == 64));
    assert_eq!(
        get(&app, &format!("/api/v1/certificates/{}/history", f.ids.unknown)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&app, "/api/v1/certificates/NT-BAD/history").await.status, StatusCode::BAD_REQUEST);

    let reply = get(&app, "/api/v1/issuers").await;
    assert_eq!(reply.status, StatusCode::OK);
    let keys = reply.json();
    // The trust list as the ledger has it, each holder reduced to its organisation.
    let mut expected = serde_json::to_value(&f.trust_list).expect("json");
    for key in expected.as_array_mut().expect("list") {
        let msp = key["holder"]["msp_id"].clone();
        let name = match msp.as_str() {
            Some(CERTIFIER_MSP) => "NanoCert Certification Body",
            other => panic!("a key held by {other:?}: add its registered name here"),
        };
        key["holder"] = serde_json::json!({ "msp_id": msp, "name": name });
    }
    assert_eq!(keys, expected);
    assert_eq!(keys[0]["key_id"], issuer_key_id());
    assert_eq!(keys[0]["holder"], certifier_org());
    // What a third party needs to check a token offline is all there.
    let public_key = keys[0]["public_key"].as_str().expect("public key");
    assert_eq!(nanotrace_model::issuer_key_id(&hex::decode(public_key).expect("hex")), issuer_key_id());

    let stale = web::router(f.stale_state(), &config());
    assert_eq!(get(&stale, "/api/v1/issuers").await.status, StatusCode::SERVICE_UNAVAILABLE);
    let reply = get(&stale, &format!("/api/v1/certificates/{}/history", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["error"], "unverifiable");
}

/// What the public may see: organisations (MSP IDs), issuer key IDs and public keys,
/// certificate data. What it may not: people. The fixture's identities carry X.509
/// subjects with personal common names (`alice@certifier`, `dave@manufacturer`, ...);
/// none of them, no subject DN, no `x509::` identity and no `CN=` part appears in any
/// JSON answer, page or QR code of any certificate, its history, the trust list or a
/// token check.
#[tokio::test]
async fn no_personal_identity_in_any_public_answer() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let mut forbidden = vec!["x509::".to_owned(), "CN=".to_owned()];
    for who in Who::MATRIX.into_iter().chain([Who::Certifier2, Who::ManufacturerAdmin]) {
        let id = actor(who).id;
        let subject = id.strip_prefix("x509::").and_then(|rest| rest.split("::").next()).expect("x509::<subject>::");
        let cn = subject
            .split(',')
            .find_map(|part| part.trim().strip_prefix("CN="))
            .unwrap_or_else(|| panic!("no CN in {subject}"));
        // The whole CN (`alice@certifier`): a bare first name would also match ordinary
        // words (`erin` in `shape-rendering`).
        forbidden.extend([id.clone(), subject.to_owned(), cn.to_owned()]);
    }
    // The fixture's identities are the ones the public answers come from.
    assert!(f.trust_list.iter().any(|k| k.holder == actor(Who::Certifier)));

    let mut answers: Vec<(String, String)> = Vec::new();
    let mut fetch = |uri: String, text: String| answers.push((uri, text));
    for id in f.ids.all_known().into_iter().chain([f.ids.unknown.as_str()]) {
        for uri in [
            format!("/api/v1/certificates/{id}"),
            format!("/api/v1/certificates/{id}/history"),
            format!("/c/{id}"),
            format!("/qr/{id}.svg"),
        ] {
            let text = String::from_utf8_lossy(&get(&app, &uri).await.body).to_string();
            fetch(uri, text);
        }
        if let Some(cached) = f.cache.certificate(id).expect("read") {
            if cached.certificate.issuance.is_some() {
                let token = f.token(id);
                let uri = format!("/c/{id}?t={token}");
                fetch(uri.clone(), get(&app, &uri).await.text());
                let reply = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": token }).to_string()).await;
                assert_eq!(reply.status, StatusCode::OK);
                assert_eq!(reply.json()["issuer"], certifier_org());
                fetch(format!("POST /api/v1/verify {id}"), reply.text());
            }
        }
    }
    fetch("/api/v1/issuers".into(), get(&app, "/api/v1/issuers").await.text());
    fetch("/".into(), get(&app, "/").await.text());
    let link = format!("/01/{GTIN}/10/LOT-VALID");
    let reply = get(&app, &link).await;
    fetch(link, format!("{:?} {}", reply.headers, reply.text()));

    for (uri, text) in &answers {
        for word in &forbidden {
            assert!(!text.contains(word.as_str()), "{uri} exposes {word:?}:\n{text}");
        }
    }
    // The organisations are named.
    let page = &answers.iter().find(|(uri, _)| uri == &format!("/c/{}", f.ids.valid)).expect("page").1;
    assert!(page.contains(CERTIFIER_MSP) && page.contains(MANUFACTURER_MSP));
}

/// The certification body as the public API names it: MSP ID and registered name.
fn certifier_org() -> serde_json::Value {
    serde_json::json!({ "msp_id": CERTIFIER_MSP, "name": "NanoCert Certification Body" })
}
