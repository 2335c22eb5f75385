//! Before sign-in: what anyone on the network can send the console — challenges, a
//! certificate, an organisation's name, a body — is bounded, checked and answered in the
//! API's shape; and the lifetimes of challenges and sessions end them.

use std::time::{Duration, Instant};

use nanotrace_console::web::now;
use serde_json::{json, Value};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(20);

/// Waits until `done` holds, `WAIT` at most.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "waited {WAIT:?} for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn challenges_handed_out_hold_nothing_and_answered_ones_are_bounded_and_say_so() {
    let h = Harness::start_with(|c| c.max_answered_challenges = 2).await;
    let dave = h.member(APPLICANT);
    let url = format!("{}/api/signin/challenge", h.url);

    // Asking again and again holds nothing; every challenge stays answerable.
    let a = client_from([127, 0, 0, 2]);
    let mut challenges = Vec::new();
    for _ in 0..50 {
        let (status, _, answer) = post(&a, &url, &challenge_body(&dave)).await;
        assert_eq!(status, 200, "{answer}");
        challenges.push(answer);
    }
    assert_eq!(h.state.sessions.answered_held(), 0, "nothing is held for a challenge handed out");
    assert!(challenges.iter().all(|c| h.state.sessions.challenge_open(c["challenge_id"].as_str().expect("id"), now())));

    // Answered ones are remembered (each once) up to the bound; past it the console
    // refuses clearly, in the API's shape, and records nothing.
    let signin = format!("{}/api/signin", h.url);
    for c in &challenges[..2] {
        let (status, _, answer) = post(&a, &signin, &dave.challenge_answer(c)).await;
        assert_eq!(status, 200, "{answer}");
    }
    let (status, retry, answer) = post(&a, &signin, &dave.challenge_answer(&challenges[2])).await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["stage"], "sign-in", "{answer}");
    assert!(answer["message"].as_str().expect("message").contains("too many sign-ins"), "{answer}");
    let wait: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=121).contains(&wait), "{wait}");
    assert_eq!(h.state.sessions.answered_held(), 2, "nothing more was held");
    assert!(h.state.sessions.challenge_open(challenges[2]["challenge_id"].as_str().expect("id"), now()));
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_in_the_apis_shape_and_other_clients_do_not() {
    let h = Harness::start_with(|c| {
        c.rate_per_sec = 1;
        c.rate_burst = 3;
    })
    .await;
    let dave = h.member(APPLICANT);
    let url = format!("{}/api/signin/challenge", h.url);
    let a = client_from([127, 0, 0, 2]);
    let mut statuses = Vec::new();
    let mut refused = None;
    for _ in 0..6 {
        let (status, retry, answer) = post(&a, &url, &challenge_body(&dave)).await;
        statuses.push(status);
        if status == 429 {
            refused = Some((retry, answer));
        }
    }
    assert_eq!(&statuses[..3], [200, 200, 200], "the burst: {statuses:?}");
    assert!(statuses[3..].contains(&429), "past the burst: {statuses:?}");
    let (retry, answer) = refused.expect("a 429");
    assert!(retry.expect("Retry-After").parse::<u64>().expect("seconds") >= 1);
    assert_eq!(answer["stage"], "rate limit", "{answer}");
    assert!(answer["message"].as_str().expect("message").contains("too many requests"), "{answer}");
    let b = client_from([127, 0, 0, 3]);
    assert_eq!(post(&b, &url, &challenge_body(&dave)).await.0, 200, "another client has its own limit");
}

#[tokio::test]
async fn a_certificate_with_anything_around_it_is_refused_and_only_the_certificate_is_kept() {
    let h = Harness::start().await;
    let dave = h.member(APPLICANT);
    let alice = h.member(CERTIFIER);
    let url = format!("{}/api/signin/challenge", h.url);
    let client = client_from([127, 0, 0, 2]);
    let pem = dave.cert_pem.clone();
    let padding = "A".repeat(200 * 1024);
    for (what, cert) in [
        ("leading junk", format!("junk before\n{pem}")),
        ("trailing junk", format!("{pem}junk after")),
        ("padding to the body limit", format!("{pem}{padding}")),
        ("a second certificate", format!("{pem}{}", alice.cert_pem)),
        ("a private key block", pem.replace("CERTIFICATE", "PRIVATE KEY")),
    ] {
        let (status, _, answer) = post(&client, &url, &json!({ "msp_id": "ManufacturerMSP", "cert_pem": cert })).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert_eq!(answer["stage"], "your certificate", "{what}: {answer}");
        let error = answer["message"].as_str().expect("message");
        assert!(error.contains("PEM CERTIFICATE") || error.contains("bytes long"), "{what}: {error}");
    }

    // White space and CRLF line ends around one certificate are fine; the session keeps
    // the certificate re-encoded, not the text sent.
    let mut sloppy = h.member(APPLICANT);
    sloppy.cert_pem = format!("\r\n {}\r\n\r\n", pem.replace('\n', "\r\n"));
    sloppy.sign_in().await.expect("one certificate with white space around it");
    let session = h.state.sessions.get(sloppy.cookie.as_deref().expect("cookie")).expect("the session");
    assert_eq!(session.member.cert_pem, nanotrace_console::pem::one_certificate(&pem).expect("canonical"));
    assert!(!session.member.cert_pem.contains('\r'));
}

#[tokio::test]
async fn an_msp_id_names_an_organization_here_never_a_path() {
    let h = Harness::start().await;
    let dave = h.member(APPLICANT);
    let url = format!("{}/api/signin/challenge", h.url);
    let client = client_from([127, 0, 0, 2]);
    let data_dir = h.dir.path().to_string_lossy().to_string();

    // A path is not an organisation, and the answer shows no file, no directory and no
    // difference between a path that exists and one that does not.
    let mut answers = Vec::new();
    for msp_id in ["/etc/passwd", "/etc/no-such-file", "../../../etc", "ManufacturerMSP/.", ".", ".."] {
        let (status, _, answer) = post(&client, &url, &json!({ "msp_id": msp_id, "cert_pem": dave.cert_pem })).await;
        let error = answer["message"].as_str().unwrap_or_default().to_owned();
        assert_eq!(status, 400, "{msp_id}: {answer}");
        assert_eq!(answer["stage"], "your organisation", "{msp_id}: {answer}");
        for leak in ["cert.pem", "directory", "No such file", &data_dir] {
            assert!(!error.contains(leak), "{msp_id}: the answer shows {leak:?}: {error}");
        }
        answers.push(error.replace(msp_id, "…"));
    }
    assert_eq!(answers[0], answers[1], "an existing and a missing path answer alike");

    // `ManufacturerMSP/.` used to open a session as an "unregistered organisation".
    let mut dotted = Member::new(&h.url, "ManufacturerMSP/.", &dave.cert_pem, dave.key.clone());
    let err = dotted.sign_in().await.expect_err("not an organisation");
    assert!(err.contains("your organisation"), "{err}");

    // A folder anyone can write, with a CA of their own in it, named by its absolute path.
    let planted = tempfile::tempdir().expect("planted");
    let evil = nanotrace_embedded::devmsp::DevMsp::new(planted.path());
    let mallory =
        evil.enroll("mallory@evil", "EvilMSP", nanotrace_embedded::devmsp::NodeType::Admin).expect("a planted CA");
    let planted_org = planted.path().join("msp").join("EvilMSP");
    assert!(planted_org.join("ca").join("cert.pem").exists());
    let key = identity_key(planted.path(), "mallory@evil");
    let mut intruder = Member::new(&h.url, &planted_org.to_string_lossy(), &mallory.cert_pem, key);
    let err = intruder.sign_in().await.expect_err("a planted CA is no organisation");
    assert!(err.contains("your organisation") && !err.contains("cert.pem"), "{err}");
    assert!(h.state.sessions.is_empty(), "no session was opened");
}

/// A key of a data directory's identity `name` (PKCS#8 PEM in `identities/NAME/key.pem`).
fn identity_key(data_dir: &std::path::Path, name: &str) -> p256::ecdsa::SigningKey {
    use p256::pkcs8::DecodePrivateKey as _;
    let pem = std::fs::read_to_string(data_dir.join("identities").join(name).join("key.pem")).expect("key");
    p256::SecretKey::from_pkcs8_pem(&pem).expect("key").into()
}

#[tokio::test]
async fn the_embedded_ledger_refuses_a_creator_whose_msp_id_is_a_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = nanotrace_testkit::datadir::sample_network(dir.path());
    let planted = tempfile::tempdir().expect("planted");
    let evil = nanotrace_embedded::devmsp::DevMsp::new(planted.path());
    let mallory =
        evil.enroll("mallory@evil", "EvilMSP", nanotrace_embedded::devmsp::NodeType::Admin).expect("a planted CA");
    let key = identity_key(planted.path(), "mallory@evil");
    let dave = dir.path().join("identities").join(APPLICANT);
    let dave_cert = std::fs::read_to_string(dave.join("cert.pem")).expect("cert");
    let dave_key = identity_key(dir.path(), APPLICANT);
    let planted_org = planted.path().join("msp").join("EvilMSP").to_string_lossy().to_string();
    let now = nanotrace_embedded::datadir::now();
    let data_dir = dir.path().to_string_lossy().to_string();
    for (msp_id, cert, key) in [
        (planted_org.as_str(), &mallory.cert_pem, &key),
        ("/etc/passwd", &dave_cert, &dave_key),
        ("ManufacturerMSP/.", &dave_cert, &dave_key),
        ("..", &dave_cert, &dave_key),
    ] {
        let creator = nanotrace_fabric_gateway::Identity::new(msp_id.to_owned(), cert.clone().into_bytes())
            .expect("id")
            .creator();
        let request = serde_json::to_vec(&nanotrace_testkit::sample_application("LOT-EVIL")).expect("json");
        let (_, proposal) = nanotrace_fabric_gateway::unsigned_proposal(
            &creator,
            "nanotrace",
            "nanotrace",
            "Apply",
            &[request],
            &Default::default(),
            None,
        );
        let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(key, &proposal);
        let der = sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec();
        let refused =
            nanotrace_embedded::signed::endorse(&data.ledger, &data.msp, &proposal, &der, now).expect_err(msp_id);
        let text = refused.to_string();
        assert!(matches!(refused, nanotrace_client::ApiError::Identity { .. }), "{msp_id}: {text}");
        assert!(text.contains("not an MSP ID"), "{msp_id}: {text}");
        assert!(!text.contains("cert.pem") && !text.contains(&data_dir), "{msp_id}: {text}");
    }
    // The same member under their organisation's MSP ID is endorsed.
    let creator =
        nanotrace_fabric_gateway::Identity::new("ManufacturerMSP", dave_cert.into_bytes()).expect("id").creator();
    let request = serde_json::to_vec(&nanotrace_testkit::sample_application("LOT-OK")).expect("json");
    let (_, proposal) = nanotrace_fabric_gateway::unsigned_proposal(
        &creator,
        "nanotrace",
        "nanotrace",
        "Apply",
        &[request],
        &Default::default(),
        None,
    );
    let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&dave_key, &proposal);
    let der = sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec();
    nanotrace_embedded::signed::endorse(&data.ledger, &data.msp, &proposal, &der, now).expect("endorsed");
}

#[tokio::test]
async fn a_malformed_body_is_answered_in_the_apis_shape() {
    let h = Harness::start().await;
    let client = client_from([127, 0, 0, 2]);
    let url = format!("{}/api/signin/challenge", h.url);
    let json_type = ("content-type", "application/json");
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("not JSON", client.post(&url).header(json_type.0, json_type.1).body("{not json"), 400),
        ("no content type", client.post(&url).body("{}"), 415),
        ("missing fields", client.post(&url).json(&json!({ "msp_id": "ManufacturerMSP" })), 422),
        ("over the body limit", client.post(&url).header(json_type.0, json_type.1).body("x".repeat(300 * 1024)), 413),
    ];
    for (what, request, expected) in cases {
        let resp = request.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let answer: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not JSON: {text}"));
        assert_eq!(status, expected, "{what}: {answer}");
        assert_eq!(answer["stage"], "the request", "{what}: {answer}");
        assert!(!answer["message"].as_str().expect("message").is_empty(), "{what}");
    }
}

#[tokio::test]
async fn a_challenge_not_answered_in_its_lifetime_expires() {
    let h = Harness::start_with(|c| c.challenge_secs = 1).await;
    let dave = h.member(APPLICANT);
    let client = client_from([127, 0, 0, 2]);
    let (_, _, c) = post(&client, &format!("{}/api/signin/challenge", h.url), &challenge_body(&dave)).await;
    let id = c["challenge_id"].as_str().expect("id").to_owned();
    let answer = json!({ "challenge_id": id, "signature": dave.sign(c["challenge"].as_str().expect("challenge")) });
    until("the challenge to expire", || !h.state.sessions.challenge_open(&id, now())).await;
    let (status, _, refused) = post(&client, &format!("{}/api/signin", h.url), &answer).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused["message"].as_str().expect("message").contains("unknown, used or expired"), "{refused}");
    let mut fresh = h.member(APPLICANT);
    fresh.sign_in().await.expect("a challenge answered in time signs in");
}

#[tokio::test]
async fn a_session_ends_after_its_idle_time_and_lives_while_it_is_used() {
    let idle = Duration::from_secs(2);
    let h = Harness::start_with(|c| c.session_idle_secs = idle.as_secs()).await;
    let mut dave = h.member(APPLICANT);
    dave.sign_in().await.expect("sign in");
    let sid = dave.cookie.clone().expect("cookie");

    // Used every quarter of a second for twice its idle time: it lives.
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    while start.elapsed() < idle * 2 {
        tick.tick().await;
        assert_eq!(dave.get("/apply").await.0, 200, "a session in use at {:?}", start.elapsed());
    }

    // Left alone, it ends; the next request is signed out and the session is gone.
    let quiet = Instant::now();
    until("the idle session to end", || !h.state.sessions.is_live(&sid)).await;
    assert!(quiet.elapsed() >= idle - Duration::from_millis(300), "ended after {:?}", quiet.elapsed());
    assert_eq!(dave.get("/apply").await.0, 303, "signed out");
    assert_eq!(dave.post("/api/tx/apply", &apply_form("x", "L")).await.status, 401);
    assert!(h.state.sessions.get(&sid).is_none());
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_limit_however_active() {
    let absolute = Duration::from_secs(2);
    let h = Harness::start_with(|c| c.session_max_secs = absolute.as_secs()).await;
    let mut dave = h.member(APPLICANT);
    let before = Instant::now();
    dave.sign_in().await.expect("sign in");
    let signed_in = Instant::now();
    let mut ended = None;
    while ended.is_none() {
        assert!(before.elapsed() < WAIT, "the session outlived its absolute limit");
        if dave.get("/apply").await.0 == 303 {
            ended = Some(before.elapsed());
        } else {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let ended = ended.expect("ended");
    assert!(ended >= absolute, "ended after {ended:?}, before its limit");
    assert!(signed_in.elapsed() < absolute * 4, "ended long after its limit: {ended:?}");
    assert_eq!(dave.post("/api/tx/apply", &apply_form("x", "L")).await.status, 401);
}
