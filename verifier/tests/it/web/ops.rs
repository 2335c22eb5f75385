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

#[tokio::test]
async fn openapi_document_is_served_and_covers_the_api() {
    let f = Fixture::new();
    let reply = get(&app(f.state.clone()), "/api/v1/openapi.yaml").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/yaml"));
    let text = reply.text();
    assert_eq!(text, web::OPENAPI_YAML);
    assert!(text.starts_with("openapi: 3.1."));
    for path in [
        "/api/v1/certificates/{id}:",
        "/api/v1/certificates/{id}/history:",
        "/api/v1/issuers:",
        "/api/v1/verify:",
        "/qr/{id}.png:",
        "/qr/{id}.svg:",
        "/01/{gtin}/10/{lot}:",
    ] {
        assert!(text.contains(path), "openapi lacks {path}");
    }
    // Every verdict and every field of a certificate answer is documented.
    for name in ALL_WORDS {
        assert!(text.contains(name), "openapi lacks verdict {name}");
    }
    let json = get(&app(f.state.clone()), &format!("/api/v1/certificates/{}", f.ids.valid)).await.json();
    for key in json.as_object().expect("object").keys() {
        assert!(text.contains(&format!("{key}:")), "openapi lacks field {key}");
    }
}
