//! A consignment check (issue 48): `POST /api/v1/verify` with a list of items, answered
//! item by item in order; CSV in and out; limits on the list's size and its weight
//! against the client's rate; a stale cache makes every item an error, never VALID. The
//! GS1 items (Digital Link URIs, element strings) are in `gs1.rs`, beside the resolver.

use super::*;

async fn post_list(app: &Router, items: &[String]) -> Reply {
    post_json(app, "/api/v1/verify", serde_json::json!({ "items": items }).to_string()).await
}

/// (outcome, problem, verdict, certificate_id) of each item.
fn rows(json: &Value) -> Vec<(String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (s(&i["outcome"]), s(&i["problem"]), s(&i["verdict"]), s(&i["certificate_id"])))
        .collect()
}

fn row(outcome: &str, problem: &str, verdict: &str, id: &str) -> (String, String, String, String) {
    (outcome.into(), problem.into(), verdict.into(), id.into())
}

#[tokio::test]
async fn every_item_answered_on_its_own_in_order() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let ids = &f.ids;
    let url = |id: &str| format!("{PUBLIC_URL}/c/{id}");
    let token = f.token(&ids.valid);
    let items = vec![
        ids.valid.clone(),
        format!("{}?t={token}", url(&ids.valid)),
        format!("{}?t={}", url(&ids.valid), flip(&token, 100, 3)),
        format!("{}?t={}", url(&ids.valid), f.token(&ids.expired)),
        ids.revoked.clone(),
        url(&ids.suspended),
        ids.pending.clone(),
        ids.rejected.clone(),
        ids.superseded.clone(),
        ids.expired.clone(),
        ids.unknown.clone(),
        "hello".into(),
        "  ".into(),
        "NT-abc".into(),
    ];
    let reply = post_list(&app, &items).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    assert_eq!(
        rows(&json),
        vec![
            row("valid", "", "VALID", &ids.valid),
            row("valid", "", "VALID", &ids.valid),
            row("not_valid", "token_invalid", "VALID", &ids.valid),
            row("not_valid", "token_invalid", "VALID", &ids.valid),
            row("not_valid", "revoked", "REVOKED", &ids.revoked),
            row("not_valid", "suspended", "SUSPENDED", &ids.suspended),
            row("not_valid", "not_issued", "PENDING", &ids.pending),
            row("not_valid", "not_issued", "REJECTED", &ids.rejected),
            row("not_valid", "superseded", "SUPERSEDED", &ids.superseded),
            row("not_valid", "expired", "EXPIRED", &ids.expired),
            row("not_valid", "not_found", "UNKNOWN", &ids.unknown),
            row("error", "malformed", "", ""),
            row("error", "malformed", "", ""),
            row("error", "malformed", "", ""),
        ]
    );
    let items_json = json["items"].as_array().expect("items");
    for (i, item) in items_json.iter().enumerate() {
        assert_eq!(item["index"], i, "in the order given");
        assert_eq!(item["input"], items[i].as_str());
        assert!(!item["reason"].as_str().unwrap_or("").is_empty(), "item {i} says why: {item}");
    }
    assert!(items_json[3]["reason"].as_str().unwrap_or("").contains(&ids.expired), "{}", items_json[3]);
    assert!(items_json[4]["reason"].as_str().unwrap_or("").contains(REVOKE_REASON), "{}", items_json[4]);
    assert_eq!(json["summary"], serde_json::json!({ "total": 14, "valid": 2, "not_valid": 9, "errors": 3 }));
    assert!(json["ledger_block"].as_u64().unwrap_or(0) > 0, "{json}");

    // The same list as CSV, answered as CSV.
    let mut csv = String::from("item\n");
    for item in &items[..5] {
        csv.push_str(&format!("\"{item}\"\n"));
    }
    let request = Request::post("/api/v1/verify")
        .header(header::CONTENT_TYPE, "text/csv")
        .header(header::ACCEPT, "text/csv")
        .body(Body::from(csv))
        .expect("request");
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.header("content-type").starts_with("text/csv"));
    let text = reply.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "index,input,outcome,verdict,certificate_id,problem,reason");
    assert_eq!(lines.len(), 6, "{text}");
    assert!(lines[1].starts_with(&format!("0,{},valid,VALID,{},,", ids.valid, ids.valid)), "{}", lines[1]);
    assert!(lines[5].starts_with(&format!("4,{},not_valid,REVOKED,{},revoked,", ids.revoked, ids.revoked)));
}

#[tokio::test]
async fn lists_too_long_empty_or_malformed_are_refused_whole() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = post_list(&app, &vec![f.ids.valid.clone(); 1001]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.json()["message"].as_str().unwrap_or("").contains("at most 1000 items"));
    // 1,000 verification URLs with their tokens: larger than any other request may be.
    let token = f.token(&f.ids.valid);
    let long = vec![format!("{PUBLIC_URL}/c/{}?t={token}", f.ids.valid); 1000];
    let reply = post_list(&app, &long).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["summary"]["valid"], 1000);
    for body in [r#"{"items": []}"#, r#"{"items": [5]}"#, r#"{"items": "NT-A"}"#, r#"{"items": [], "x": 1}"#] {
        let reply = post_json(&app, "/api/v1/verify", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.json()["error"], "bad_request", "{body}");
    }
    let request = Request::post("/api/v1/verify")
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(&b"NT-A\n\xff\n"[..]))
        .expect("request");
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["message"].as_str().unwrap_or("").contains("line 2"), "{}", reply.text());
}

#[tokio::test]
async fn a_list_weighs_one_request_per_ten_items() {
    let f = Fixture::new();
    let mut config = config();
    config.rate_per_sec = 1;
    config.rate_burst = 10;
    let app = router(f.state.clone(), &config);
    let items = vec![f.ids.valid.clone(); 50];
    // 50 items weigh 5 requests: two lists take the burst of 10, a third is refused.
    for round in 0..2 {
        assert_eq!(post_list(&app, &items).await.status, StatusCode::OK, "list {round}");
    }
    let reply = post_list(&app, &items).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.headers.contains_key(header::RETRY_AFTER));
    // A list heavier than the whole burst is refused with what it weighs.
    let app = router(f.state.clone(), &config);
    let reply = post_list(&app, &vec![f.ids.valid.clone(); 101]).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.json()["message"].as_str().unwrap_or("").contains("weighs 11 requests"), "{}", reply.text());
}

#[tokio::test]
async fn a_stale_cache_makes_every_item_an_error_never_valid() {
    let f = Fixture::new();
    let stale = router(f.stale_state(), &config());
    let items = vec![
        f.ids.valid.clone(),
        format!("{PUBLIC_URL}/c/{}?t={}", f.ids.valid, f.token(&f.ids.valid)),
        "(01)04006381333931(10)L1".to_owned(),
    ];
    let json = post_list(&stale, &items).await.json();
    for item in json["items"].as_array().expect("items") {
        assert_eq!(item["outcome"], "error", "{item}");
        assert_eq!(item["problem"], "unverifiable", "{item}");
    }
    assert_eq!(json["summary"]["valid"], 0);
}
