//! Offline tokens and QR codes.

use super::*;

#[tokio::test]
async fn token_verification_api() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let token = f.token(&f.ids.valid);
    let reply = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": token }).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["authentic"], true);
    assert_eq!(json["certificate_id"], f.ids.valid.as_str());
    assert_eq!(json["issuer_key_id"], issuer_key_id());
    assert_eq!(json["issuer"]["msp_id"], CERTIFIER_MSP);
    assert!(json["issued_at"].is_i64());
    assert!(json["valid_until"].as_i64().unwrap_or_default() > now());
    assert_eq!(json["expired"], false);
    assert_eq!(json["matches_record"], true);
    assert_eq!(json["current"]["verdict"], "VALID");
    assert_eq!(json["verify_url"], format!("{PUBLIC_URL}/c/{}", f.ids.valid).as_str());

    // Expired: authentic, and says so.
    let reply =
        post_json(&app, "/api/v1/verify", serde_json::json!({ "token": f.token(&f.ids.expired) }).to_string()).await;
    let json = reply.json();
    assert_eq!(json["expired"], true);
    assert_eq!(json["current"]["verdict"], "EXPIRED");

    // One changed bit anywhere (version byte, ID, digest, key ID, issued_at, valid_until,
    // signature): refused, never authentic. Each byte, a different bit each time.
    for byte in 0..nanotrace_model::token::TOKEN_BYTES {
        let bit = (byte % 8) as u8;
        let altered = flip(&token, byte, bit);
        let reply = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": altered }).to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "byte {byte} bit {bit}");
        let json = reply.json();
        assert_eq!(json["authentic"], false, "byte {byte} bit {bit}: {json}");
        assert!(json.get("current").is_none(), "byte {byte}: no verdict for an altered token: {json}");
    }
    // valid_until (bytes 61..69) and the signature (69..133): the signature fails.
    for byte in [61, 68, 69, 132] {
        let json = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": flip(&token, byte, 0) }).to_string())
            .await
            .json();
        assert!(json["message"].as_str().unwrap_or_default().contains("signature does not verify"), "{byte}: {json}");
    }
    let json =
        post_json(&app, "/api/v1/verify", serde_json::json!({ "token": flip(&token, 0, 2) }).to_string()).await.json();
    assert!(json["message"].as_str().unwrap_or_default().contains("unsupported token version 5"), "{json}");
    // Another layout's number on this layout's bytes.
    let json =
        post_json(&app, "/api/v1/verify", serde_json::json!({ "token": flip(&token, 0, 1) }).to_string()).await.json();
    assert!(
        json["message"].as_str().unwrap_or_default().contains("of layout 3, which has 137 bytes, but it has 133"),
        "{json}"
    );
    for garbage in ["hello", "", &"A".repeat(300), "!!!!"] {
        let reply = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": garbage }).to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{garbage}");
    }

    // Malformed requests.
    for body in ["{\"token\":", "[]", "{}", "{\"token\": 5}", "{\"token\": \"x\", \"more\": 1}", "not json"] {
        let reply = post_json(&app, "/api/v1/verify", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.json()["error"], "bad_request");
    }
    // Too large (past the route's cap for a consignment's list, 1 MiB by default), with and
    // without a Content-Length.
    let big = serde_json::json!({ "token": "A".repeat(1024 * 1024) }).to_string();
    let reply = post_json(&app, "/api/v1/verify", big.clone()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let reply = send(&app, Request::post("/api/v1/verify").body(Body::from(big)).expect("request")).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // A stale cache: the signature is still checked, the current verdict is UNVERIFIABLE.
    let stale = router(f.stale_state(), &config());
    let reply = post_json(&stale, "/api/v1/verify", serde_json::json!({ "token": token }).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["current"]["verdict"], "UNVERIFIABLE");
}

#[tokio::test]
async fn token_on_the_page() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let token = f.token(&f.ids.valid);
    let page = get(&app, &format!("/c/{}?t={token}", f.ids.valid)).await.text();
    assert_verdict_word(&page, "VALID");
    assert!(page.contains("The QR code&#x27;s signature is authentic"), "{page}");
    assert!(page.contains(&issuer_key_id()));

    let page = get(&app, &format!("/c/{}?t={}", f.ids.valid, flip(&token, 100, 3))).await.text();
    assert!(page.contains("does not check out"), "{page}");
    assert!(page.contains("forged or altered"));

    let other = f.token(&f.ids.renewed);
    let page = get(&app, &format!("/c/{}?t={other}", f.ids.valid)).await.text();
    assert!(page.contains("does not belong to this certificate"));
    assert!(page.contains(&format!("href=\"/c/{}\"", f.ids.renewed)));

    let page = get(&app, &format!("/c/{}?t=%3Cscript%3E", f.ids.valid)).await.text();
    assert!(page.contains("does not check out"));
    assert!(!without_frame(&page).contains("<script"));
}

// ---------------------------------------------------------------------------------------
// QR codes.
// ---------------------------------------------------------------------------------------

pub(super) fn decode_qr_png(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("PNG frame");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let (w, h) = (info.width as usize, info.height as usize);
    assert_eq!(w, h);
    assert_eq!(w % 8, 0, "8 px per module");
    // The quiet zone (4 modules) is white.
    assert!(pixels[..w * 32].iter().all(|&p| p == 255), "quiet zone");
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * info.line_size + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}

#[tokio::test]
async fn qr_png_carries_the_url_and_a_verifiable_token() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/qr/{}.png", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "image/png");
    let text = decode_qr_png(&reply.body);
    let token = f.token(&f.ids.valid);
    assert_eq!(text, format!("{PUBLIC_URL}/c/{}?t={token}", f.ids.valid));
    let t = text.split_once("?t=").expect("token").1;
    let verified = OfflineToken::decode(t).expect("decode").verify(&f.trust_list, now()).expect("verifies");
    assert_eq!(verified.certificate_id, f.ids.valid);
    assert!(!verified.expired);

    // Not issued: the URL alone.
    let reply = get(&app, &format!("/qr/{}.png", f.ids.pending)).await;
    assert_eq!(decode_qr_png(&reply.body), format!("{PUBLIC_URL}/c/{}", f.ids.pending));

    let reply = get(&app, &format!("/qr/{}.svg", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "image/svg+xml");
    let svg = reply.text();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));

    assert_eq!(get(&app, &format!("/qr/{}.png", f.ids.unknown)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &format!("/qr/{}.svg", f.ids.unknown)).await.status, StatusCode::NOT_FOUND);
}
