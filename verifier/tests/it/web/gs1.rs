//! The GS1 resolver: when one lot has several certificates, the link resolves to the
//! certificate a buyer should rely on (VALID first, then the newest issued), never to
//! the one whose status changed last; then each rule of GS1's resolver standard 1.2.0.

use super::*;
use nanotrace_model::*;
use nanotrace_verifier::cache::Cache;
use std::sync::Arc;

/// A world whose clock is real time minus a day, with the contract's fixture roles.
pub(super) fn world() -> World {
    let mut w = World::governed();
    w.now = now() - DAY;
    w
}

/// Issues a certificate for `lot` an hour after the previous transaction.
pub(super) fn issue(w: &mut World, lot: &str) -> String {
    w.now += 3600;
    let mut app = sample_application(lot);
    app.gtin = Some(GTIN.into());
    let ids: IdsResponse = w.ok(Who::Applicant, "Apply", &app);
    let id = ids.certificate_ids[0].clone();
    let req = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    id
}

pub(super) fn act(w: &mut World, function: &str, id: &str) {
    w.now += 3600;
    w.ok::<Certificate>(Who::Certifier, function, &World::reason(id, "audit"));
}

/// A router over a fresh cache holding `ids` as they are now in `w`.
pub(super) fn router_over(w: &World, ids: &[&String]) -> (tempfile::TempDir, Router) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Arc::new(Cache::open(&dir.path().join("cache")).expect("open cache"));
    cache.apply(&update_of(w, ids)).expect("apply");
    let state = Fixture::state_over(&cache, Some(now()), true);
    (dir, app(state))
}

pub(super) async fn link_target(app: &Router, lot: &str) -> String {
    let reply = get(app, &format!("/01/{GTIN}/10/{lot}")).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{lot}");
    reply.header("location").strip_prefix(PUBLIC_URL).expect("a link of this verifier").to_owned()
}

/// A consignment check's GS1 items (issue 48): a Digital Link URI and element strings,
/// printed and scanned, resolve to the certificate the resolver links to; a lot with no
/// issued certificate and a GTIN without a lot are not valid, and say why.
#[tokio::test]
async fn consignment_items_by_gs1_identification() {
    let mut w = world();
    let a = issue(&mut w, "LOT-C1");
    let b = issue(&mut w, "LOT-C1");
    act(&mut w, "Suspend", &a);
    let c = issue(&mut w, "LOT-C2");
    act(&mut w, "Revoke", &c);
    let (_dir, router) = router_over(&w, &[&a, &b, &c]);
    let items = [
        format!("https://id.example.org/01/{GTIN}/10/LOT-C1"),
        format!("(01)0{GTIN}(17)301231(10)LOT-C1"),
        format!("]d201{GTIN:0>14}10LOT-C2\u{1d}21S1"),
        format!("(01){GTIN}(10)LOT-NONE"),
        format!("(01){GTIN}"),
        format!("(01){GTIN}(10)"),
    ];
    let body = serde_json::json!({ "items": items }).to_string();
    let reply = post_json(&router, "/api/v1/verify", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    let got: Vec<(String, String, String)> = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
            (s(&i["outcome"]), s(&i["problem"]), s(&i["certificate_id"]))
        })
        .collect();
    let want = |o: &str, p: &str, id: &str| (o.to_owned(), p.to_owned(), id.to_owned());
    assert_eq!(
        got,
        vec![
            want("valid", "", &b),
            want("valid", "", &b),
            want("not_valid", "revoked", &c),
            want("not_valid", "lot_not_certified", ""),
            want("not_valid", "no_lot", ""),
            want("error", "malformed", ""),
        ]
    );
    assert!(json["items"][3]["reason"].as_str().unwrap_or("").contains("LOT-NONE"), "{json}");
    // The resolver agrees on the lot's certificate.
    assert_eq!(link_target(&router, "LOT-C1").await, format!("/c/{b}"));
}

#[tokio::test]
async fn two_certificates_in_one_lot_resolve_to_the_valid_one() {
    let mut w = world();
    // A, then B, then A suspended: B is the valid certificate though A changed last.
    let a = issue(&mut w, "LOT-TWO");
    let b = issue(&mut w, "LOT-TWO");
    act(&mut w, "Suspend", &a);
    // The other way round: the newer certificate is the one suspended.
    let c = issue(&mut w, "LOT-TWO-B");
    let d = issue(&mut w, "LOT-TWO-B");
    act(&mut w, "Suspend", &d);
    // Both valid: the newest issued.
    let e = issue(&mut w, "LOT-TWO-C");
    let f = issue(&mut w, "LOT-TWO-C");
    // None valid: the newest issued (its page says why it is not valid), not the one
    // that changed last.
    let g = issue(&mut w, "LOT-TWO-D");
    let h = issue(&mut w, "LOT-TWO-D");
    act(&mut w, "Revoke", &h);
    act(&mut w, "Suspend", &g);
    // An issued certificate over a newer application that is still pending.
    let i = issue(&mut w, "LOT-TWO-E");
    w.now += 3600;
    let mut app_j = sample_application("LOT-TWO-E");
    app_j.gtin = Some(GTIN.into());
    let j: IdsResponse = w.ok(Who::Applicant, "Apply", &app_j);
    let j = j.certificate_ids[0].clone();

    let (_dir, router) = router_over(&w, &[&a, &b, &c, &d, &e, &f, &g, &h, &i, &j]);
    assert_eq!(link_target(&router, "LOT-TWO").await, format!("/c/{b}"));
    assert_eq!(link_target(&router, "LOT-TWO-B").await, format!("/c/{c}"));
    assert_eq!(link_target(&router, "LOT-TWO-C").await, format!("/c/{f}"));
    assert_eq!(link_target(&router, "LOT-TWO-D").await, format!("/c/{h}"));
    assert_eq!(link_target(&router, "LOT-TWO-E").await, format!("/c/{i}"));
}

/// Issue 44: the resolver publishes only what a certifier issued. An application — here
/// PENDING, with a phishing SDS link and a product name of its own, and a REJECTED one
/// like it — gives its lot no link, no redirect and no description, at the lot's level,
/// at the GTIN's, on the product page and in the linkset; a scan of its lot walks up to
/// the product page, which says the lot has no certificate.
#[tokio::test]
async fn gs1_an_application_is_never_published() {
    const PHISHING: &str = "https://sds-download.example.net/acme/tio2-nano-rev9.pdf";
    const NAME: &str = "Acme Sunscreen (relabelled)";
    let mut w = world();
    let issued = issue(&mut w, "LOT-ISSUED");
    let mut applied = Vec::new();
    for lot in ["LOT-APPLIED", "LOT-REFUSED"] {
        w.now += 3600;
        let mut app = sample_application(lot);
        app.gtin = Some(GTIN.into());
        app.product_name = NAME.into();
        app.sds.url = PHISHING.into();
        let ids: IdsResponse = w.ok(Who::Applicant, "Apply", &app);
        applied.push(ids.certificate_ids[0].clone());
    }
    act(&mut w, "Reject", &applied[1]);
    let (_dir, router) = router_over(&w, &[&issued, &applied[0], &applied[1]]);
    let gtin14 = gtin14();
    for lot in ["LOT-APPLIED", "LOT-REFUSED"] {
        let level = format!("/01/{gtin14}/10/{lot}");
        // The safety data sheet: no link of that type at any level.
        let reply = ask(&router, Method::GET, &format!("{level}?linkType=gs1:safetyInfo"), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{lot}: {:?}", reply.headers.get("location"));
        // A plain scan: the product page, saying the lot has no certificate.
        let reply = ask(&router, Method::GET, &level, None).await;
        assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{lot}");
        assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/products/{gtin14}?lot={lot}"));
        let page = get(&router, &format!("/products/{gtin14}?lot={lot}")).await.text();
        assert!(page.contains(&format!("No certificate is recorded for lot {lot}")), "{page}");
        // The linkset: the GTIN's level only, naming the issued certificate's product.
        let linkset = ask(&router, Method::GET, &format!("{level}?linkType=linkset"), None).await.json();
        let entries = linkset["linkset"].as_array().expect("entries");
        assert_eq!(entries.len(), 1, "{linkset:#}");
        assert_eq!(entries[0]["anchor"], format!("{PUBLIC_URL}/01/{gtin14}"));
        assert_eq!(entries[0]["itemDescription"], w.cert(&issued).application.product_name);
        let mut everything = vec![page, linkset.to_string()];
        for uri in [format!("/01/{gtin14}?linkType=linkset"), format!("/products/{gtin14}")] {
            everything.push(get(&router, &uri).await.text());
        }
        for text in everything {
            for secret in [PHISHING, NAME, &applied[0], &applied[1]] {
                assert!(!text.contains(secret), "{lot}: the application's {secret} is published:\n{text}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// GS1-Conformant resolver 1.2.0: one test per rule.
// ---------------------------------------------------------------------------------------

/// The fixture's GTIN in GS1 Digital Link's 14 digits.
pub(super) fn gtin14() -> String {
    format!("0{GTIN}")
}

/// The fixture's SDS link (every certificate of the fixture declares the sample SDS).
const SDS_URL: &str = "https://sds.example.com/solarshield/tio2-nano-rev3.pdf";

pub(super) async fn ask(app: &Router, method: Method, uri: &str, accept: Option<&str>) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    send(app, request.body(Body::empty()).expect("request")).await
}

fn assert_cors(reply: &Reply, what: &str) {
    assert_eq!(reply.header("access-control-allow-origin"), "*", "{what}");
    let methods = reply.header("access-control-allow-methods");
    for method in ["GET", "HEAD", "OPTIONS"] {
        assert!(methods.contains(method), "{what}: {methods}");
    }
    assert!(reply.header("access-control-expose-headers").contains("Link"), "{what}");
}

/// GS1's linkset JSON schema, byte for byte as GS1 publishes it (tests/data/gs1, with its
/// provenance and hash).
fn linkset_schema() -> jsonschema::Validator {
    use sha2::{Digest, Sha256};
    let text = include_str!("../../data/gs1/gs1-linkset-schema.json");
    assert_eq!(
        hex::encode(Sha256::digest(text.as_bytes())),
        "8bbe7e04653c11abdfd0bcea9c1c2281112427fbeca8315a9e17f031c64efea9",
        "tests/data/gs1/gs1-linkset-schema.json is not GS1's file (its README names the hash)"
    );
    let schema: Value = serde_json::from_str(text).expect("the schema is JSON");
    jsonschema::draft7::new(&schema).expect("the schema compiles")
}

#[test]
fn gs1s_schema_refuses_what_a_resolver_must_not_return() {
    let schema = linkset_schema();
    let good = serde_json::json!({ "linkset": [{ "anchor": "https://v.example/01/04006381333931",
        "itemDescription": "Sunscreen", "https://gs1.org/voc/pip": [{ "href": "https://v.example/p", "title": "Page" }] }] });
    assert!(schema.is_valid(&good));
    for bad in [
        // No item description (what the verifier served before issue 44).
        serde_json::json!({ "linkset": [{ "anchor": "https://v.example/01/1", "https://gs1.org/voc/pip": [{ "href": "https://v.example/p", "title": "P" }] }] }),
        // `description`, which this schema takes for a link relation (not an array).
        serde_json::json!({ "linkset": [{ "anchor": "https://v.example/01/1", "itemDescription": "S", "description": "S" }] }),
        // A CURIE is no link relation key.
        serde_json::json!({ "linkset": [{ "anchor": "https://v.example/01/1", "itemDescription": "S", "gs1:pip": [{ "href": "https://v.example/p", "title": "P" }] }] }),
        // A link without a title.
        serde_json::json!({ "linkset": [{ "anchor": "https://v.example/01/1", "itemDescription": "S", "https://gs1.org/voc/pip": [{ "href": "https://v.example/p" }] }] }),
        // An attribute the schema does not know.
        serde_json::json!({ "linkset": [{ "anchor": "https://v.example/01/1", "itemDescription": "S", "https://gs1.org/voc/pip": [{ "href": "https://v.example/p", "title": "P", "rel": "x" }] }] }),
        // No anchor.
        serde_json::json!({ "linkset": [{ "itemDescription": "S", "https://gs1.org/voc/pip": [{ "href": "https://v.example/p", "title": "P" }] }] }),
    ] {
        assert!(!schema.is_valid(&bad), "{bad}");
    }
}

/// The answer's `Link` header: exactly one line (a client that keeps only the last line
/// of a repeated header sees every link), each link titled but the JSON-LD context's.
fn link_header(reply: &Reply) -> &str {
    let lines: Vec<&str> = reply.headers.get_all("link").iter().filter_map(|v| v.to_str().ok()).collect();
    assert_eq!(lines.len(), 1, "one Link header line: {lines:?}");
    // Split as GS1's conformance test suite does, on `",`.
    for link in lines[0].split("\",") {
        assert!(
            link.contains("title=\"") || link.contains("rel=\"http://www.w3.org/ns/json-ld#context\""),
            "a link without a title: {link}"
        );
    }
    lines[0]
}

fn assert_conformant_linkset(linkset: &Value, what: &str) {
    let schema = linkset_schema();
    let errors: Vec<String> = schema.iter_errors(linkset).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: the linkset does not validate against GS1's schema: {errors:?}\n{linkset:#}");
    // The default link: exactly one, with a title and nothing else.
    for entry in linkset["linkset"].as_array().expect("entries") {
        if let Some(default) = entry.get("https://gs1.org/voc/defaultLink") {
            let links = default.as_array().expect("links");
            assert_eq!(links.len(), 1, "{what}: one default link per level");
            let keys: Vec<&String> = links[0].as_object().expect("link").keys().collect();
            assert_eq!(keys, ["href", "title"], "{what}: a default link has a title and nothing else");
        }
    }
}

#[tokio::test]
async fn gs1_without_link_type_redirects_307_to_the_default_link_naming_the_linkset() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let uri = format!("/01/{}/10/LOT-VALID", gtin14());
    for accept in [None, Some("text/html,application/xhtml+xml,*/*;q=0.8"), Some("*/*")] {
        let reply = ask(&app, Method::GET, &uri, accept).await;
        assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{accept:?}");
        assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/c/{}", f.ids.valid));
        let link = link_header(&reply);
        assert!(
            link.contains(&format!("<{PUBLIC_URL}{uri}?linkType=linkset>"))
                && link.contains("rel=\"linkset\"")
                && link.contains("application/linkset+json"),
            "{link}"
        );
        assert_eq!(reply.header("vary"), "Accept");
        assert_cors(&reply, &uri);
    }
}

#[tokio::test]
async fn gs1_head_and_options_are_answered_with_cors() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let uri = format!("/01/{}/10/LOT-VALID", gtin14());
    let get = ask(&app, Method::GET, &uri, None).await;
    let head = ask(&app, Method::HEAD, &uri, None).await;
    assert_eq!(head.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(head.header("location"), get.header("location"));
    assert!(head.body.is_empty());
    assert_cors(&head, "HEAD");
    let head = ask(&app, Method::HEAD, &format!("{uri}?linkType=linkset"), None).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-type"), "application/linkset+json");
    assert!(head.body.is_empty());

    let options = ask(&app, Method::OPTIONS, &uri, None).await;
    assert_eq!(options.status, StatusCode::NO_CONTENT);
    assert_eq!(options.header("allow"), "GET, HEAD, OPTIONS");
    assert_cors(&options, "OPTIONS");
    // GS1's resolver suite (`linkOnRedirect`) and the README: every answer names the
    // linkset of what was asked, the preflight's too.
    assert_eq!(
        options.header("link"),
        format!(
            "<{PUBLIC_URL}{uri}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"; \
             title=\"Every link this resolver knows for the product\""
        ),
    );
    // A syntax error is refused with the CORS headers too, so a web client can read why.
    let bad = ask(&app, Method::GET, "/01/04006381333932", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_cors(&bad, "400");
}

#[tokio::test]
async fn gs1_link_type_redirects_to_that_link_in_any_spelling() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let lot = format!("/01/{}/10/LOT-VALID", gtin14());
    let page = format!("{PUBLIC_URL}/c/{}", f.ids.valid);
    let json = format!("{PUBLIC_URL}/api/v1/certificates/{}", f.ids.valid);
    for (link_type, accept, target) in [
        ("gs1:certificationInfo", None, page.as_str()),
        ("https://gs1.org/voc/certificationInfo", None, &page),
        ("https://ref.gs1.org/voc/certificationInfo", Some("text/html"), &page),
        ("https%3A%2F%2Fwww.gs1.org%2Fvoc%2FcertificationInfo", None, &page),
        // Two links of the type: the media type the client accepts decides.
        ("gs1:certificationInfo", Some("application/json"), &json),
        ("gs1:safetyInfo", None, SDS_URL),
        ("gs1:defaultLink", None, &page),
    ] {
        let reply = ask(&app, Method::GET, &format!("{lot}?linkType={link_type}"), accept).await;
        assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{link_type} {accept:?}");
        let location = reply.header("location");
        assert!(location.starts_with(&format!("{target}?")), "{link_type} {accept:?}: {location}");
    }
}

#[tokio::test]
async fn gs1_a_link_type_the_product_lacks_is_404_listing_what_it_has() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    for link_type in ["gs1:pip", "https://gs1.org/voc/epil", "schema:about", "gs1:"] {
        let reply = ask(&app, Method::GET, &format!("/01/{}/10/LOT-VALID?linkType={link_type}", gtin14()), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{link_type}");
        let page = reply.text();
        assert!(page.contains("No such link for this product"), "{link_type}");
        for has in ["gs1:defaultLink", "gs1:certificationInfo", "gs1:safetyInfo", "linkType=linkset"] {
            assert!(page.contains(has), "{link_type}: the 404 does not list {has}");
        }
        assert!(link_header(&reply).contains("rel=\"linkset\""));
    }
}

#[tokio::test]
async fn gs1_linkset_is_returned_without_redirect_and_validates_against_gs1s_schema() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let gtin14 = gtin14();
    let uri = format!("/01/{gtin14}/10/LOT-VALID");
    let by_param = ask(&app, Method::GET, &format!("{uri}?linkType=linkset"), Some("text/html")).await;
    let by_accept = ask(&app, Method::GET, &uri, Some("application/linkset+json")).await;
    let by_old_name = ask(&app, Method::GET, &format!("{uri}?linkType=all"), None).await;
    let as_json = ask(&app, Method::GET, &uri, Some("application/json")).await;
    for (reply, media_type) in [
        (&by_param, "application/linkset+json"),
        (&by_accept, "application/linkset+json"),
        (&by_old_name, "application/linkset+json"),
        (&as_json, "application/json"),
    ] {
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-type"), media_type);
        assert!(reply.headers.get("location").is_none(), "no redirect");
        // The JSON-LD context and the linkset, in one line.
        let link = link_header(reply);
        assert!(
            link.contains("<https://ref.gs1.org/standards/resolver/linkset-context>; rel=\"http://www.w3.org/ns/json-ld#context\"")
                && link.contains(&format!("<{PUBLIC_URL}{uri}?linkType=linkset>; rel=\"linkset\"")),
            "{link}"
        );
        assert_eq!(reply.json(), by_param.json(), "one linkset whichever way it is asked for");
    }
    let linkset = by_param.json();
    assert_conformant_linkset(&linkset, &uri);
    // The lot's level first, then the GTIN's it walks up to.
    let entries = linkset["linkset"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{linkset:#}");
    assert_eq!(entries[0]["anchor"], format!("{PUBLIC_URL}/01/{gtin14}/10/LOT-VALID"));
    assert_eq!(entries[1]["anchor"], format!("{PUBLIC_URL}/01/{gtin14}"));
    let lot = &entries[0];
    assert_eq!(lot["https://gs1.org/voc/defaultLink"][0]["href"], format!("{PUBLIC_URL}/c/{}", f.ids.valid));
    let info: Vec<(&str, &str)> = lot["https://gs1.org/voc/certificationInfo"]
        .as_array()
        .expect("certificationInfo")
        .iter()
        .map(|l| (l["href"].as_str().expect("href"), l["type"].as_str().expect("type")))
        .collect();
    assert_eq!(
        info,
        [
            (format!("{PUBLIC_URL}/c/{}", f.ids.valid).as_str(), "text/html"),
            (format!("{PUBLIC_URL}/api/v1/certificates/{}", f.ids.valid).as_str(), "application/json"),
        ]
    );
    assert_eq!(lot["https://gs1.org/voc/safetyInfo"][0]["href"], SDS_URL);
    assert!(lot["https://gs1.org/voc/safetyInfo"][0]["title"].as_str().expect("title").contains("revision 3"));
    assert!(lot["itemDescription"].as_str().expect("itemDescription").contains("LOT-VALID"));

    // A linkset of every lot's level validates too: markup in names and lots included.
    for lot in [
        "LOT-EXPIRED",
        "LOT-SUSPENDED",
        "LOT-REVOKED",
        "LOT-RENEW",
        "LOT-PENDING",
        "LOT-REJECTED",
        "LOT-%3Cb%3EXSS%3C%2Fb%3E",
    ] {
        let uri = format!("/01/{gtin14}/10/{lot}?linkType=linkset");
        assert_conformant_linkset(&ask(&app, Method::GET, &uri, None).await.json(), &uri);
    }
}

#[tokio::test]
async fn gs1_the_query_string_goes_along_with_every_redirect() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let lot = format!("/01/{}/10/LOT-VALID", gtin14());
    let reply = ask(&app, Method::GET, &format!("{lot}?17=261231&src=label"), None).await;
    assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/c/{}?17=261231&src=label", f.ids.valid));
    let reply = ask(&app, Method::GET, &format!("{lot}?linkType=gs1:safetyInfo&x=%2F"), None).await;
    assert_eq!(reply.header("location"), format!("{SDS_URL}?linkType=gs1:safetyInfo&x=%2F"));
    // A target with a query of its own gets the request's after it.
    let reply = ask(&app, Method::GET, &format!("/01/{}/10/LOT-NONE?src=label", gtin14()), None).await;
    assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/products/{}?lot=LOT-NONE&src=label", gtin14()));
    // The token of a scanned QR code reaches the verification page, which checks it.
    let token = f.token(&f.ids.valid);
    let reply = ask(&app, Method::GET, &format!("{lot}?t={token}"), None).await;
    let location = reply.header("location").to_owned();
    let page = get(&app, location.strip_prefix(PUBLIC_URL).expect("ours")).await.text();
    assert!(
        page.contains("The QR code&#x27;s signature is authentic"),
        "the page checks the token it was sent:\n{page}"
    );
}

#[tokio::test]
async fn gs1_syntax_errors_are_400_never_an_error_with_200() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let gtin14 = gtin14();
    for bad in [
        "/01/04006381333932/10/LOT-VALID".to_owned(),
        "/01/ABC".into(),
        "/01/123/10/LOT-VALID".into(),
        "/01/%FF/10/x".into(),
        format!("/01/{gtin14}/21/S1/10/LOT-VALID"),
        format!("/01/{gtin14}/10/LOT-VALID/10/LOT-VALID"),
        format!("/01/{gtin14}/17/261231"),
        format!("/01/{gtin14}/10"),
        format!("/01/{gtin14}//10/LOT-VALID"),
        format!("/01/{gtin14}/10/LOT-VALID/21/{}", "9".repeat(21)),
        format!("/01/{gtin14}/10/{}", "L".repeat(5000)),
    ] {
        for method in [Method::GET, Method::HEAD] {
            let reply = ask(&app, method.clone(), &bad, None).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {bad}");
            assert!(reply.header("content-type").starts_with("text/html"), "{bad}");
        }
    }
    // A trailing slash is tolerated.
    let reply = ask(&app, Method::GET, &format!("/01/{gtin14}/10/LOT-VALID/"), None).await;
    assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/c/{}", f.ids.valid));
}

#[tokio::test]
async fn gs1_walks_up_a_uri_to_the_levels_that_have_links() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let gtin14 = gtin14();
    // A serial number has no records of its own: its lot's links answer.
    let reply = ask(&app, Method::GET, &format!("/01/{gtin14}/10/LOT-VALID/21/SN-0001"), None).await;
    assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/c/{}", f.ids.valid));
    // The GTIN alone: its page of certificates by lot.
    let reply = ask(&app, Method::GET, &format!("/01/{gtin14}"), None).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/products/{gtin14}"));
    let linkset = ask(&app, Method::GET, &format!("/01/{GTIN}?linkType=linkset"), None).await.json();
    assert_conformant_linkset(&linkset, "GTIN");
    let entries = linkset["linkset"].as_array().expect("entries");
    assert_eq!(entries.len(), 1);
    let listed: Vec<&str> = entries[0]["https://gs1.org/voc/certificationInfo"]
        .as_array()
        .expect("certificationInfo")
        .iter()
        .filter_map(|l| l["href"].as_str())
        .collect();
    for id in [&f.ids.valid, &f.ids.revoked, &f.ids.renewed] {
        assert!(listed.contains(&format!("{PUBLIC_URL}/c/{id}").as_str()), "the GTIN's linkset lists {id}");
    }
    assert!(!listed.contains(&format!("{PUBLIC_URL}/c/{}", f.ids.superseded).as_str()), "not the replaced version");
    for id in [&f.ids.pending, &f.ids.rejected] {
        assert!(!listed.iter().any(|l| l.contains(id.as_str())), "an application is no certificate: {id}");
    }

    // A lot with no certificate walks up to the GTIN's page, which says so first.
    let reply = ask(&app, Method::GET, &format!("/01/{gtin14}/10/LOT-NONE"), None).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    let location = reply.header("location").to_owned();
    assert_eq!(location, format!("{PUBLIC_URL}/products/{gtin14}?lot=LOT-NONE"));
    let page = get(&app, location.strip_prefix(PUBLIC_URL).expect("ours")).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("No certificate is recorded for lot LOT-NONE"), "{text}");
    assert!(text.contains("LOT-VALID") && text.contains(&f.ids.valid));
    let linkset = ask(&app, Method::GET, &format!("/01/{gtin14}/10/LOT-NONE?linkType=linkset"), None).await.json();
    assert_conformant_linkset(&linkset, "LOT-NONE");
    assert_eq!(linkset["linkset"].as_array().expect("entries").len(), 1, "only the GTIN's level has links");
    // A lot under a consumer product variant is another entity: it walks up to the GTIN.
    let reply = ask(&app, Method::GET, &format!("/01/{gtin14}/22/V1/10/LOT-VALID"), None).await;
    assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/products/{gtin14}"));
}

#[tokio::test]
async fn gs1_a_product_nobody_certified_is_404_and_503_while_stale() {
    let f = Fixture::new();
    let unknown = "/01/00000000000000/10/LOT-VALID";
    let reply = ask(&app(f.state.clone()), Method::GET, unknown, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text().contains("No certificate for this product"));
    assert_cors(&reply, "404");
    let reply = get(&app(f.state.clone()), "/products/00000000000000").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = ask(&app(f.stale_state()), Method::GET, unknown, None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn gs1_resolver_description_file() {
    let f = Fixture::new();
    let reply = get(&app(f.state.clone()), "/.well-known/gs1resolver").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/json"));
    assert_eq!(reply.header("access-control-allow-origin"), "*");
    let file = reply.json();
    assert_eq!(file["resolverRoot"], PUBLIC_URL);
    assert_eq!(file["supportedPrimaryKeys"], serde_json::json!(["01"]));
    assert_eq!(
        file["supportedLinkType"],
        serde_json::json!([{ "namespace": "https://gs1.org/voc/", "prefix": "gs1:" }])
    );
    assert_eq!(file["linkTypeDefaultCanBeLinkset"], false);
    assert!(file["name"].as_str().is_some_and(|n| !n.is_empty()));
}

/// The word of the verdict a verification page shows.
fn page_verdict(page: &str) -> &str {
    let start = page.find("<h1 class=\"word\">").expect("a verdict") + "<h1 class=\"word\">".len();
    &page[start..start + page[start..].find('<').expect("end")]
}

#[tokio::test]
async fn gs1_answers_never_contradict_the_verifiers_verdict() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let gtin14 = gtin14();
    let product = get(&app, &format!("/products/{gtin14}")).await.text();
    // Every issued certificate, shown as what it is now.
    for (lot, verdict) in [
        ("LOT-VALID", "VALID"),
        ("LOT-EXPIRED", "EXPIRED"),
        ("LOT-SUSPENDED", "SUSPENDED"),
        ("LOT-FLAGGED", "VALID"),
        ("LOT-REVOKED", "REVOKED"),
        ("LOT-RENEW", "VALID"),
    ] {
        // The default link is the page of one certificate; its verdict is the API's.
        let reply = ask(&app, Method::GET, &format!("/01/{gtin14}/10/{lot}"), None).await;
        let location = reply.header("location").to_owned();
        let id = location.rsplit('/').next().expect("id").to_owned();
        let page = get(&app, location.strip_prefix(PUBLIC_URL).expect("ours")).await.text();
        let api = get(&app, &format!("/api/v1/certificates/{id}")).await.json();
        assert_eq!(page_verdict(&page), verdict, "{lot}");
        assert_eq!(api["verdict"], verdict, "{lot}");
        // The product page's badge for the lot says the same.
        let row = product.split("<li>").find(|row| row.contains(&format!("<b>{lot}</b>"))).expect(lot);
        assert!(row.contains(&id), "{lot}: the product page lists another certificate: {row}");
        assert!(row.contains(&format!(">{verdict}</span>")), "{lot}: {row}");
    }
    // An application is no certificate: its lot walks up to the product page, which does
    // not list it.
    for (lot, id) in [("LOT-PENDING", &f.ids.pending), ("LOT-REJECTED", &f.ids.rejected)] {
        let reply = ask(&app, Method::GET, &format!("/01/{gtin14}/10/{lot}"), None).await;
        assert_eq!(reply.header("location"), format!("{PUBLIC_URL}/products/{gtin14}?lot={lot}"));
        assert!(!product.contains(&format!("<b>{lot}</b>")) && !product.contains(id.as_str()), "{lot}");
    }
}

/// GS1's resolver standard: where a request cannot choose between several links of the
/// type it asks for (the same media type and languages), the resolver answers 300
/// (Multiple Choices) with the list of that type's links — a page for a person, the
/// level's links of that type as a linkset for a client asking for JSON — and does not
/// redirect. Links that differ in an attribute the request names are still chosen.
#[tokio::test]
async fn gs1_links_a_request_cannot_choose_between_are_300_with_their_list() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let gtin = format!("/01/{}", gtin14());
    // The GTIN's certification information: its page and each lot's certificate page,
    // all HTML in English.
    let linkset = ask(&app, Method::GET, &format!("{gtin}?linkType=linkset"), None).await.json();
    let info = linkset["linkset"][0]["https://gs1.org/voc/certificationInfo"].as_array().expect("links").clone();
    assert!(info.len() > 2, "{linkset:#}");
    let uri = format!("{gtin}?linkType=gs1:certificationInfo");
    for accept in [None, Some("text/html"), Some("text/html,application/xhtml+xml,*/*;q=0.8")] {
        let reply = ask(&app, Method::GET, &uri, accept).await;
        assert_eq!(reply.status, StatusCode::MULTIPLE_CHOICES, "{accept:?}");
        assert!(reply.headers.get("location").is_none(), "{accept:?}: no preferred choice");
        assert!(reply.header("content-type").starts_with("text/html"));
        assert!(link_header(&reply).contains("rel=\"linkset\""));
        assert_cors(&reply, "300");
        let page = reply.text();
        for link in &info {
            let href = link["href"].as_str().expect("href");
            assert!(page.contains(&format!("href=\"{href}\"")), "{accept:?}: the page lacks {href}");
        }
    }
    // A client asking for JSON gets the choices as a linkset of that level, valid against
    // GS1's schema.
    let reply = ask(&app, Method::GET, &uri, Some("application/linkset+json")).await;
    assert_eq!(reply.status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(reply.header("content-type"), "application/linkset+json");
    assert!(link_header(&reply).contains("json-ld#context"));
    let choices = reply.json();
    assert_conformant_linkset(&choices, "300");
    assert_eq!(choices["linkset"][0]["anchor"], linkset["linkset"][0]["anchor"]);
    assert_eq!(choices["linkset"][0]["https://gs1.org/voc/certificationInfo"], serde_json::json!(info));
    assert_eq!(choices["linkset"][0].as_object().expect("entry").len(), 3, "anchor, itemDescription, the one type");
    let head = ask(&app, Method::HEAD, &uri, None).await;
    assert_eq!(head.status, StatusCode::MULTIPLE_CHOICES);
    // The lot's certification information differs by media type: each is chosen.
    let lot = format!("{gtin}/10/LOT-VALID?linkType=gs1:certificationInfo");
    for (accept, target) in [
        ("text/html", format!("/c/{}", f.ids.valid)),
        ("application/json", format!("/api/v1/certificates/{}", f.ids.valid)),
    ] {
        let reply = ask(&app, Method::GET, &lot, Some(accept)).await;
        assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT, "{accept}");
        assert!(reply.header("location").starts_with(&format!("{PUBLIC_URL}{target}?")), "{accept}");
    }
}
