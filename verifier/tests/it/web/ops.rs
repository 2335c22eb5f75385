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

/// Follows a local `$ref` (`#/a/b/c`).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("non-local $ref {reference}"));
            let target = doc.pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {reference}"));
            resolve(doc, target)
        }
        None => schema,
    }
}

fn json_type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `value` against `schema` (the subset of JSON Schema the document uses: `$ref`,
/// `oneOf`, `type` (one or a list), `enum`, `const`, `required`, `properties`, `items`),
/// pushing one line per mismatch. An object member that the schema's `properties` do
/// not list is a mismatch: every field the API sends must be documented where it is.
fn check_schema(doc: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = branches
            .iter()
            .filter(|branch| {
                let mut sub = Vec::new();
                check_schema(doc, branch, value, path, &mut sub);
                sub.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{path}: matches {matching} of the oneOf branches: {value}"));
        }
        return;
    }
    let actual = json_type_of(value);
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            other => panic!("{path}: odd type {other}"),
        };
        let ok = allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
        if !ok {
            errors.push(format!("{path}: is {actual}, documented as {allowed:?}"));
            return;
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            errors.push(format!("{path}: {value} is not in the documented enum {values:?}"));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            errors.push(format!("{path}: {value} is not the documented constant {constant}"));
        }
    }
    match value {
        Value::Object(members) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let Some(properties) = properties else {
                errors.push(format!("{path}: an object, but the schema lists no properties"));
                return;
            };
            for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                let name = required.as_str().expect("required names");
                if !members.contains_key(name) {
                    errors.push(format!("{path}: lacks the required {name}"));
                }
            }
            for (name, member) in members {
                match properties.get(name) {
                    Some(sub) => check_schema(doc, sub, member, &format!("{path}.{name}"), errors),
                    None => errors.push(format!("{path}.{name}: not documented")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check_schema(doc, item_schema, item, &format!("{path}[{i}]"), errors);
                }
            }
        }
        _ => {}
    }
}

/// The schema the document gives for `method path` answering `status` as JSON.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: StatusCode) -> &'a Value {
    let operation = &doc["paths"][path][method];
    assert!(operation.is_object(), "openapi lacks {method} {path}");
    let response = resolve(doc, &operation["responses"][status.as_str()]);
    let schema = &response["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "openapi lacks a JSON schema for {method} {path} -> {status}");
    schema
}

/// Every member of the real answer is documented at its place, with its type.
pub(super) fn assert_documented(doc: &Value, method: &str, path: &str, reply: &Reply, what: &str) {
    let schema = response_schema(doc, method, path, reply.status);
    let mut errors = Vec::new();
    check_schema(doc, schema, &reply.json(), "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{what} ({method} {path} -> {}) does not match the OpenAPI document:\n{}",
        reply.status,
        errors.join("\n")
    );
}

/// The checker itself catches what it must: an undocumented field, a field documented
/// elsewhere only, a wrong type, a missing required field, a value outside an enum.
#[test]
fn the_schema_checker_catches_undocumented_and_misplaced_fields() {
    let doc = openapi();
    let schema = serde_json::json!({ "$ref": "#/components/schemas/HistoryItem" });
    let good = serde_json::json!({
        "timestamp": 1, "action": "approved", "status": "ACTIVE", "by": "CertifierMSP", "reason": null, "tx_id": "ab"
    });
    let mut errors = Vec::new();
    check_schema(&doc, &schema, &good, "$", &mut errors);
    assert_eq!(errors, Vec::<String>::new());
    let bad = [
        ("extra", serde_json::json!({ "nonsense_field": 1 })),
        // `msp_id` is documented, but on Organization, not on HistoryItem.
        ("misplaced", serde_json::json!({ "msp_id": "X" })),
        ("type", serde_json::json!({ "timestamp": "yesterday" })),
        ("enum", serde_json::json!({ "action": "teleported" })),
    ];
    for (what, change) in bad {
        let mut value = good.clone();
        for (k, v) in change.as_object().expect("object") {
            value[k] = v.clone();
        }
        let mut errors = Vec::new();
        check_schema(&doc, &schema, &value, "$", &mut errors);
        assert!(!errors.is_empty(), "{what} not caught");
    }
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("tx_id");
    let mut errors = Vec::new();
    check_schema(&doc, &schema, &missing, "$", &mut errors);
    assert_eq!(errors, ["$: lacks the required tx_id"]);
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
        "/qr/{id}.png",
        "/qr/{id}.svg",
        "/01/{gtin}/10/{lot}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "openapi lacks {path}");
    }
    let verdicts = &doc["components"]["schemas"]["Verdict"]["enum"];
    assert_eq!(verdicts, &serde_json::json!(ALL_WORDS), "the Verdict enum is exactly the verdicts");

    // Real answers, each checked field by field against the schema of its path and status.
    let stale = router(f.stale_state(), &config());
    let one = "/api/v1/certificates/{id}";
    for id in f.ids.all_known().into_iter().chain([f.ids.unknown.as_str()]) {
        let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
        assert_documented(&doc, "get", one, &reply, id);
        let reply = get(&stale, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_documented(&doc, "get", one, &reply, &format!("{id} (stale)"));
    }
    let reply = get(&app, "/api/v1/certificates/NT-BAD").await;
    assert_documented(&doc, "get", one, &reply, "bad ID");
    let history = "/api/v1/certificates/{id}/history";
    for id in [&f.ids.revoked, &f.ids.renewed, &f.ids.flagged, &f.ids.unknown] {
        let reply = get(&app, &format!("/api/v1/certificates/{id}/history")).await;
        assert_documented(&doc, "get", history, &reply, id);
    }
    assert_documented(&doc, "get", "/api/v1/issuers", &get(&app, "/api/v1/issuers").await, "issuers");
    assert_documented(&doc, "get", "/api/v1/issuers", &get(&stale, "/api/v1/issuers").await, "issuers (stale)");
    let verify = "/api/v1/verify";
    for id in [&f.ids.valid, &f.ids.expired, &f.ids.revoked, &f.ids.superseded] {
        let body = serde_json::json!({ "token": f.token(id) }).to_string();
        let reply = post_json(&app, verify, body).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_documented(&doc, "post", verify, &reply, id);
    }
    let bad_token = serde_json::json!({ "token": flip(&f.token(&f.ids.valid), 100, 0) }).to_string();
    assert_documented(&doc, "post", verify, &post_json(&app, verify, bad_token).await, "altered token");
    assert_documented(&doc, "post", verify, &post_json(&app, verify, "[]").await, "bad request");
    let mut items: Vec<String> = f.ids.all_known().into_iter().map(str::to_owned).collect();
    items.extend([f.ids.unknown.clone(), "(01)04006381333931(10)L1".into(), "(01)04006381333931".into(), "?".into()]);
    items.push(format!("{PUBLIC_URL}/c/{}?t={}", f.ids.valid, f.token(&f.ids.valid)));
    for (state, what) in [(&app, "a consignment's report"), (&stale, "a consignment's report (stale)")] {
        let reply = post_json(state, verify, serde_json::json!({ "items": items }).to_string()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_documented(&doc, "post", verify, &reply, what);
    }
    let too_many = serde_json::json!({ "items": vec!["NT-A"; 1001] }).to_string();
    assert_documented(&doc, "post", verify, &post_json(&app, verify, too_many).await, "a list too long");
}
