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
    assert_eq!(cert["product"]["name"], "SolarShield Mineral Sunscreen SPF 50");
    assert_eq!(cert["product"]["gtin"], GTIN);
    assert_eq!(cert["product"]["batch"], "LOT-VALID");
    assert_eq!(cert["nanomaterial"]["cas_number"], "13463-67-7");
    assert_eq!(cert["assessment"]["is_nanomaterial"], true);
    assert_eq!(cert["issuance"]["issuer_org"], CERTIFIER_MSP);
    assert!(cert.get("applicant").is_none(), "no personal identities in the public API");
    assert_eq!(json["issuer"]["key_id"], issuer_key_id());
    assert_eq!(json["issuer"]["holder"]["msp_id"], CERTIFIER_MSP);
    assert!(json["dates"]["valid_until"].as_i64().unwrap_or_default() > now());
    assert_eq!(json["sds"]["revision"], 3);
    assert_eq!(json["sds"]["url"], "https://sds.example.com/solarshield/tio2-nano-rev3.pdf");
    let history = json["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["action"], "approved");
    assert_eq!(history[0]["by"], CERTIFIER_MSP);
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
    assert_eq!(keys, serde_json::to_value(&f.trust_list).expect("json"));
    assert_eq!(keys[0]["key_id"], issuer_key_id());

    let stale = web::router(f.stale_state(), &config());
    assert_eq!(get(&stale, "/api/v1/issuers").await.status, StatusCode::SERVICE_UNAVAILABLE);
    let reply = get(&stale, &format!("/api/v1/certificates/{}/history", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["error"], "unverifiable");
}
