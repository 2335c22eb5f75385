//! Probes, metrics, OpenAPI.

use super::*;

#[tokio::test]
async fn probes() {
    let f = Fixture::new();
    let reply = get(&app(f.state.clone()), "/healthz").await;
    assert_eq!((reply.status, reply.text().trim()), (StatusCode::OK, "ok"));
    assert_eq!(get(&app(f.state.clone()), "/readyz").await.status, StatusCode::OK);
    let reply = get(&app(f.stale_state()), "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.text().contains("s old"));
    let not_ready = Fixture::state_over(&f.cache, Some(now()), false);
    let reply = get(&app(not_ready.clone()), "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(get(&app(not_ready), "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_expose_requests_verdicts_and_sync() {
    let f = Fixture::new();
    f.state.sync.update(|s| s.source_height = s.checkpoint.block_number + 3);
    let app = app(f.state.clone());
    get(&app, &format!("/c/{}", f.ids.valid)).await;
    get(&app, &format!("/api/v1/certificates/{}", f.ids.revoked)).await;
    get(&app, "/nope").await;
    let reply = get(&app, "/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").contains("openmetrics-text"));
    let text = reply.text();
    let block = f.cache.checkpoint().expect("checkpoint").block_number;
    for series in [
        "nanotrace_verifier_http_requests_total{route=\"/c/{id}\",status=\"200\"} 1".to_owned(),
        "nanotrace_verifier_http_requests_total{route=\"/api/v1/certificates/{id}\",status=\"200\"} 1".to_owned(),
        "nanotrace_verifier_http_requests_total{route=\"unmatched\",status=\"404\"} 1".to_owned(),
        "nanotrace_verifier_verdicts_total{verdict=\"VALID\"} 1".to_owned(),
        "nanotrace_verifier_verdicts_total{verdict=\"REVOKED\"} 1".to_owned(),
        format!("nanotrace_verifier_cache_checkpoint_block {block}"),
        format!("nanotrace_verifier_source_height {}", block + 3),
        "nanotrace_verifier_seconds_since_sync ".to_owned(),
        "nanotrace_verifier_follower_error 0".to_owned(),
        "nanotrace_verifier_ready 1".to_owned(),
        "nanotrace_verifier_stale 0".to_owned(),
    ] {
        assert!(text.contains(&series), "metrics lack {series:?}:\n{text}");
    }
    let stale = router(f.stale_state(), &config());
    let text = get(&stale, "/metrics").await.text();
    assert!(text.contains("nanotrace_verifier_follower_error 1"));
    assert!(text.contains("nanotrace_verifier_stale 1"));
}

/// The OpenAPI document, parsed.
pub(super) fn openapi() -> Value {
    serde_yaml::from_str(web::OPENAPI_YAML).expect("openapi.yaml is YAML")
}

/// `verifier/openapi.yaml`.
fn openapi_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.yaml")
}

/// What openapi-core (`tests/openapi/check.py`) says of `exchanges` (JSON lines) against
/// the OpenAPI document; `None` where it cannot run here (a recorded skip).
fn openapi_check(exchanges: &[String], what: &str) -> Option<Value> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("exchanges.jsonl");
    std::fs::write(&file, exchanges.iter().map(|line| format!("{line}\n")).collect::<String>()).expect("exchanges");
    nanotrace_testkit::openapi::check(what, &openapi_path(), &file)
}

/// Each reply matches the OpenAPI document, as a validator this project does not write
/// finds (openapi-core: its route, method, status, media type, headers, and body against
/// its schema); panics listing every mismatch.
pub(super) fn assert_documented(replies: &[&Reply], what: &str) {
    let exchanges: Vec<String> = replies.iter().map(|reply| reply.exchange.clone()).collect();
    if let Some(result) = openapi_check(&exchanges, what) {
        let checked = nanotrace_testkit::openapi::assert_valid(&result, what);
        assert_eq!(checked, replies.len() as u64, "{what}: every answer is to a documented route: {result}");
    }
}

/// `exchange` (a JSON line) with its JSON body changed by `change`.
fn with_body(exchange: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut exchange: Value = serde_json::from_str(exchange).expect("an exchange");
    let body =
        data_encoding::BASE64.decode(exchange["body_base64"].as_str().expect("a body").as_bytes()).expect("base64");
    let mut body: Value = serde_json::from_slice(&body).expect("a JSON body");
    change(&mut body);
    exchange["body_base64"] = data_encoding::BASE64.encode(&serde_json::to_vec(&body).expect("JSON")).into();
    exchange.to_string()
}

/// The check itself catches what it must: an undocumented member, a member documented
/// elsewhere only, a wrong type, a value outside an enum, a missing required member, a
/// status or a media type the document does not give the route; and it passes the real
/// answer.
#[tokio::test]
async fn the_openapi_check_catches_answers_the_document_does_not_describe() {
    let f = Fixture::new();
    let reply = get(&app(f.state.clone()), &format!("/api/v1/certificates/{}", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let good = reply.exchange.clone();
    let Some(result) = openapi_check(std::slice::from_ref(&good), "the OpenAPI check's own test") else { return };
    assert_eq!(nanotrace_testkit::openapi::assert_valid(&result, "the real answer"), 1);
    let retyped = |exchange: &str, key: &str, value: Value| -> String {
        let mut exchange: Value = serde_json::from_str(exchange).expect("an exchange");
        exchange[key] = value;
        exchange.to_string()
    };
    let bad = [
        ("an undocumented member", with_body(&good, |b| b["nonsense_field"] = 1.into())),
        // `msp_id` is documented, but on Organization, not on the answer itself.
        ("a misplaced member", with_body(&good, |b| b["msp_id"] = "X".into())),
        ("a wrong type", with_body(&good, |b| b["checked_at"] = "yesterday".into())),
        ("a value outside the enum", with_body(&good, |b| b["verdict"] = "FINE".into())),
        ("a required member missing", with_body(&good, |b| drop(b.as_object_mut().map(|o| o.remove("verdict"))))),
        ("an undocumented status", retyped(&good, "status", 418.into())),
        (
            "an undocumented media type",
            retyped(&good, "headers", serde_json::json!([["content-type", "text/plain; charset=utf-8"]])),
        ),
    ];
    let lines: Vec<String> = bad.iter().map(|(_, line)| line.clone()).collect();
    let result = openapi_check(&lines, "the OpenAPI check's own test").expect("it ran just before");
    let mismatches = result["mismatches"].as_array().expect("mismatches");
    assert_eq!(mismatches.len(), bad.len(), "each change is caught: {result:#}");
}

#[tokio::test]
async fn openapi_document_is_served_and_covers_the_api() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, "/api/v1/openapi.yaml").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/yaml"));
    assert_eq!(reply.text(), web::OPENAPI_YAML);
    let doc = openapi();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "{}", doc["openapi"]);
    for path in [
        "/api/v1/certificates/{id}",
        "/api/v1/certificates/{id}/history",
        "/api/v1/issuers",
        "/api/v1/verify",
        "/api/v1/openapi.yaml",
        "/c/{id}",
        "/qr/{file}",
        "/01/{gtin}",
        "/01/{gtin}/10/{lot}",
        "/.well-known/gs1resolver",
        "/products/{gtin}",
        "/contexts/credentials/v2",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "openapi lacks {path}");
    }
    let verdicts = &doc["components"]["schemas"]["Verdict"]["enum"];
    assert_eq!(verdicts, &serde_json::json!(ALL_WORDS), "the Verdict enum is exactly the verdicts");
    let codes: Vec<&str> = web::error_code::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        doc["components"]["schemas"]["Error"]["properties"]["error"]["enum"],
        serde_json::json!(codes),
        "the Error enum is exactly the verifier's error codes"
    );
    // The model's enums the API publishes, word for word (a variant added to the model
    // and not to the document fails here).
    let schemas = &doc["components"]["schemas"];
    assert_eq!(words(&schemas["Action"]["enum"]), schema_words::<nanotrace_model::Action>(), "Action");
    assert_eq!(
        words(&schemas["CertificateStatus"]["enum"]),
        schema_words::<nanotrace_model::CertificateStatus>(),
        "CertificateStatus"
    );
    assert_eq!(
        words(&schemas["Nanomaterial"]["properties"]["shape"]["enum"]),
        schema_words::<nanotrace_model::Shape>(),
        "Nanomaterial.shape"
    );
    let item = &schemas["ItemReport"]["properties"];
    use nanotrace_model::consignment::{Outcome, Problem};
    assert_eq!(words(&item["outcome"]["enum"]), words(&serde_json::json!(Outcome::ALL)), "ItemReport.outcome");
    assert_eq!(words(&item["problem"]["enum"]), words(&serde_json::json!(Problem::ALL)), "ItemReport.problem");

    // Real answers, every one validated against the document by openapi-core.
    let stale = router(f.stale_state(), &config());
    let mut replies = Vec::new();
    for id in f.ids.all_known().into_iter().chain([f.ids.unknown.as_str()]) {
        replies.push(get(&app, &format!("/api/v1/certificates/{id}")).await);
        let reply = get(&stale, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        replies.push(reply);
    }
    replies.push(get(&app, "/api/v1/certificates/NT-BAD").await);
    for id in [&f.ids.revoked, &f.ids.renewed, &f.ids.flagged, &f.ids.unknown] {
        replies.push(get(&app, &format!("/api/v1/certificates/{id}/history")).await);
    }
    replies.push(get(&app, "/api/v1/issuers").await);
    replies.push(get(&stale, "/api/v1/issuers").await);
    let verify = "/api/v1/verify";
    for id in [&f.ids.valid, &f.ids.expired, &f.ids.revoked, &f.ids.superseded] {
        let body = serde_json::json!({ "token": f.token(id) }).to_string();
        let reply = post_json(&app, verify, body).await;
        assert_eq!(reply.status, StatusCode::OK);
        replies.push(reply);
    }
    let bad_token = serde_json::json!({ "token": flip(&f.token(&f.ids.valid), 100, 0) }).to_string();
    replies.push(post_json(&app, verify, bad_token).await);
    replies.push(post_json(&app, verify, "[]").await);
    let mut items: Vec<String> = f.ids.all_known().into_iter().map(str::to_owned).collect();
    items.extend([f.ids.unknown.clone(), "(01)04006381333931(10)L1".into(), "(01)04006381333931".into(), "?".into()]);
    items.push(format!("{PUBLIC_URL}/c/{}?t={}", f.ids.valid, f.token(&f.ids.valid)));
    for state in [&app, &stale] {
        let reply = post_json(state, verify, serde_json::json!({ "items": items }).to_string()).await;
        assert_eq!(reply.status, StatusCode::OK);
        replies.push(reply);
    }
    let too_many = serde_json::json!({ "items": vec!["NT-A"; 1001] }).to_string();
    replies.push(post_json(&app, verify, too_many).await);
    let too_large = "x".repeat(config().max_list_bytes + 1);
    let reply = post_json(&app, verify, too_large).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    replies.push(reply);
    assert_documented(&replies.iter().collect::<Vec<_>>(), "the API's answers");
}

/// The strings of a YAML `enum`, sorted.
fn words(list: &Value) -> Vec<String> {
    let mut words: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .filter_map(|w| w.as_str().map(str::to_owned))
        .collect();
    words.sort_unstable();
    words
}

/// The words of a model enum, read from its JSON Schema (schemars: `enum`, or `oneOf`
/// of `const`s when its variants are documented), sorted.
fn schema_words<T: schemars::JsonSchema>() -> Vec<String> {
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("a schema is JSON");
    let mut found: Vec<String> = Vec::new();
    let mut take = |value: &Value| {
        if let Some(text) = value.get("const").and_then(Value::as_str) {
            found.push(text.to_owned());
        }
        for word in value.get("enum").and_then(Value::as_array).into_iter().flatten() {
            found.extend(word.as_str().map(str::to_owned));
        }
    };
    take(&schema);
    for variant in schema.get("oneOf").and_then(Value::as_array).into_iter().flatten() {
        take(variant);
    }
    assert!(!found.is_empty(), "no words in {schema}");
    found.sort_unstable();
    found
}
