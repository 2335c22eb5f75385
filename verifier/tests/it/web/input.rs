//! Bad requests; headers, compression, escaping; GS1 Digital Link.

use super::*;

#[tokio::test]
async fn bad_ids_are_400_never_500() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let long = "A".repeat(10 * 1024);
    let bad = [
        "NT-ABC".to_owned(),
        "NT-ABCDEFGH2340".to_owned(),
        format!("NT-{long}"),
        long.clone(),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd".to_owned(),
        "%FF%FE%FD".to_owned(),
        "NT-%C3%84BCDEFGH2345".to_owned(),
        "%00".to_owned(),
        "%3Cscript%3E".to_owned(),
    ];
    for id in &bad {
        let reply = get(&app, &format!("/c/{id}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "page {}", &id[..id.len().min(40)]);
        assert!(reply.header("content-type").starts_with("text/html"));
        let page = reply.text();
        assert!(page.contains("Not a certificate ID"));
        assert!(!page.contains("<script>"), "input echoed unescaped");
        assert_security_headers(&reply, "400 page");

        let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "api {}", &id[..id.len().min(40)]);
        assert_eq!(reply.json()["error"], "invalid_id");

        let reply = get(&app, &format!("/qr/{id}.png")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "qr {}", &id[..id.len().min(40)]);
    }
    // Raw dot segments do not match a route at all.
    assert_eq!(get(&app, "/c/../../etc/passwd").await.status, StatusCode::NOT_FOUND);
    // A lower-case or spaced ID is sent to its canonical page, the token kept.
    let lower = f.ids.valid.to_lowercase();
    let reply = get(&app, &format!("/c/{lower}?t=abc_-9")).await;
    assert_eq!(reply.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(reply.header("location"), format!("/c/{}?t=abc_-9", f.ids.valid));
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, "/admin").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert_security_headers(&reply, "404");
    let reply = get(&app, "/api/v1/nothing").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"], "not_found");
    assert_eq!(get(&app, &format!("/qr/{}.gif", f.ids.valid)).await.status, StatusCode::NOT_FOUND);
    for (method, uri) in [
        (Method::POST, format!("/c/{}", f.ids.valid)),
        (Method::DELETE, format!("/api/v1/certificates/{}", f.ids.valid)),
        (Method::PUT, "/api/v1/issuers".to_owned()),
        (Method::GET, "/api/v1/verify".to_owned()),
    ] {
        let reply =
            send(&app, Request::builder().method(method.clone()).uri(&uri).body(Body::empty()).expect("request")).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
    }
    // HEAD works wherever GET does, without a body.
    let reply = send(&app, Request::head(format!("/c/{}", f.ids.valid)).body(Body::empty()).expect("request")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn search_form_redirects_to_the_normalised_id() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.text();
    assert!(page.contains("<form class=\"search\" method=\"get\" action=\"/c\""));
    assert!(page.contains("name=\"id\""));

    let typed = format!("%20{}%20", f.ids.valid.to_lowercase().replace("nt-", "nt-%20"));
    let reply = get(&app, &format!("/c?id={typed}")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), format!("/c/{}", f.ids.valid));
    let bare = &f.ids.valid[3..];
    assert_eq!(get(&app, &format!("/c?id={bare}")).await.header("location"), format!("/c/{}", f.ids.valid));

    for bad in ["/c?id=hello", "/c?id=", "/c", "/c?id=%FF", &format!("/c?id={}", "9".repeat(10_000))] {
        let reply = get(&app, bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", &bad[..bad.len().min(40)]);
        assert!(reply.text().contains("action=\"/c\""), "the form is offered again");
    }
}

// ---------------------------------------------------------------------------------------
// Headers, compression, escaping.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn security_headers_on_every_response() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    for uri in [
        "/".to_owned(),
        format!("/c/{}", f.ids.valid),
        format!("/c/{}", f.ids.unknown),
        format!("/api/v1/certificates/{}", f.ids.revoked),
        "/api/v1/issuers".to_owned(),
        format!("/qr/{}.svg", f.ids.valid),
        "/healthz".to_owned(),
        "/readyz".to_owned(),
        "/metrics".to_owned(),
        "/api/v1/openapi.yaml".to_owned(),
        "/nope".to_owned(),
        "/c/NT-BAD".to_owned(),
    ] {
        let reply = get(&app, &uri).await;
        assert_security_headers(&reply, &uri);
    }
    // Past the list route's own cap (1 MiB by default; every other route's is 16 KiB).
    let reply = post_json(&app, "/api/v1/verify", vec![b' '; 1024 * 1024 + 1]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_security_headers(&reply, "413");
    // Verdicts are never cached.
    for uri in [format!("/c/{}", f.ids.valid), format!("/api/v1/certificates/{}", f.ids.valid)] {
        assert_eq!(get(&app, &uri).await.header("cache-control"), "no-store");
    }
}

#[tokio::test]
async fn responses_are_gzipped_on_request() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    for uri in [format!("/c/{}", f.ids.valid), format!("/api/v1/certificates/{}", f.ids.valid)] {
        let request = Request::get(&uri).header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).expect("request");
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-encoding"), "gzip", "{uri}");
        assert_eq!(&reply.body[..2], &[0x1f, 0x8b], "gzip magic");
        assert!(reply.header("vary").to_ascii_lowercase().contains("accept-encoding"));
        let plain = get(&app, &uri).await;
        assert!(plain.headers.get("content-encoding").is_none());
        assert!(reply.body.len() < plain.body.len(), "{uri}: compressed is smaller");
        // Reused answers are gzipped too, and decode to the plain answer (asked again if
        // a second ticked in between: the answer shows the data's age in seconds).
        let mut same = false;
        for _ in 0..3 {
            let request =
                Request::get(&uri).header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).expect("request");
            let zipped = send(&app, request).await;
            assert_eq!(zipped.header("content-encoding"), "gzip", "{uri}");
            let plain = get(&app, &uri).await;
            let mut decoded = Vec::new();
            flate2::read::GzDecoder::new(&zipped.body[..]).read_to_end(&mut decoded).expect("gunzip");
            if decoded == plain.body {
                same = true;
                break;
            }
        }
        assert!(same, "{uri}: gzip decodes to the plain answer");
    }
}

#[tokio::test]
async fn ledger_text_is_escaped() {
    assert_eq!(
        web::escape("<script>alert('x')</script>&\""),
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;"
    );
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/c/{}", f.ids.xss)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.text();
    assert_verdict_word(&page, "VALID");
    assert!(!without_frame(&page).contains("<script"), "markup from the ledger reached the page");
    assert!(!page.contains("<b>XSS</b>"));
    assert!(page.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Sunscreen &amp; &#x27;Co&#x27;"));
    assert!(page.contains("LOT-&lt;b&gt;XSS&lt;/b&gt;"));
    // The JSON carries it verbatim (JSON is not HTML).
    let json = get(&app, &format!("/api/v1/certificates/{}", f.ids.xss)).await.json();
    assert_eq!(json["certificate"]["product"]["name"], XSS_NAME);
}

// ---------------------------------------------------------------------------------------
// GS1 Digital Link.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn gs1_digital_link_resolves_to_the_newest_certificate() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let page = |id: &str| format!("{PUBLIC_URL}/c/{id}");
    let reply = get(&app, &format!("/01/{GTIN}/10/LOT-VALID")).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(reply.header("location"), page(&f.ids.valid));
    // The 14-digit form of the GTIN finds the same product.
    let reply = get(&app, &format!("/01/0{GTIN}/10/LOT-VALID")).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(reply.header("location"), page(&f.ids.valid));
    // Renewed: the newest version.
    let reply = get(&app, &format!("/01/{GTIN}/10/LOT-RENEW")).await;
    assert_eq!(reply.header("location"), page(&f.ids.renewed));
    // Percent-encoded lot.
    let reply = get(&app, &format!("/01/{GTIN}/10/LOT-%3Cb%3EXSS%3C%2Fb%3E")).await;
    assert_eq!(reply.header("location"), page(&f.ids.xss));

    // A lot without a certificate: the product's page, which says so (gs1.rs).
    let reply = get(&app, &format!("/01/{GTIN}/10/LOT-NONE")).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert!(reply.header("location").ends_with("?lot=LOT-NONE"));
    for bad in ["/01/4006381333932/10/LOT-VALID", "/01/ABC/10/LOT-VALID", "/01/123/10/LOT-VALID", "/01/%FF/10/x"] {
        let reply = get(&app, bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.header("content-type").starts_with("text/html"));
    }
    let reply = get(&app, &format!("/01/{GTIN}/10/{}", "L".repeat(5000))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}
