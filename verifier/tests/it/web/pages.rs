//! The verification page, one verdict at a time.

use super::*;

#[tokio::test]
async fn valid_page_shows_everything_a_customs_officer_needs() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/c/{}", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert_eq!(reply.header("cache-control"), "no-store");
    let page = reply.text();
    assert_verdict_word(&page, "VALID");
    assert!(page.contains("class=\"verdict v-valid\""), "colour class");
    assert!(page.contains("<svg viewBox=\"0 0 48 48\""), "icon");
    assert!(page.contains("This certificate is valid and in force."));
    assert!(page.contains("Issued by CertifierMSP and in force"));
    // Organisations by registered name and MSP ID, as the ledger has them (issue 22).
    assert!(page.contains("<dd>Acme Nanomaterials GmbH (ManufacturerMSP)</dd>"), "manufacturer by name");
    assert!(page.contains("<dd>NanoCert Certification Body (CertifierMSP)</dd>"), "issuer by name");
    assert!(page.contains("by NanoCert Certification Body (CertifierMSP)"), "history by name");
    for field in [
        "SolarShield Mineral Sunscreen SPF 50",
        GTIN,
        "LOT-VALID",
        "Titanium dioxide",
        "13463-67-7",
        "236-675-5",
        // The EU definition row: outcome and the contract's basis (threshold and figures).
        &format!(
            "<dt>EU definition</dt><dd><strong>Nanomaterial</strong> <span class=\"muted\">— {EU_BASIS_VALID}</span>"
        ),
        MANUFACTURER_MSP,
        "Kronos Nano Pigments GmbH",
        CERTIFIER_MSP,
        &issuer_key_id(),
        "on the trust list",
        "revision 3",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "https://sds.example.com/solarshield/tio2-nano-rev3.pdf",
        "Valid until",
        "History (newest first)",
        "Approved",
        "Applied",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    ] {
        assert!(page.contains(field), "page lacks {field:?}");
    }
    let block = f.cache.checkpoint().expect("checkpoint").block_number;
    assert!(page.contains(&format!("ledger block {block}")), "data age: block");
    assert!(page.contains("s ago"), "data age: seconds");
    // Inline everything but the verifier's own script: no other script, no external resources.
    assert!(page.contains(APP_SCRIPT), "{page}");
    let rest = without_frame(&page);
    assert!(!rest.contains("<script"));
    assert!(!page.contains("src=\"http"));
    assert!(!rest.contains("<link"));
}

#[tokio::test]
async fn every_verdict_has_its_own_page() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let ids = &f.ids;
    let cases: Vec<(&str, StatusCode, &str, Vec<String>)> = vec![
        (
            &ids.expired,
            StatusCode::OK,
            "EXPIRED",
            vec!["validity period has ended".into(), "LOT-EXPIRED".into(), "Expired ".into()],
        ),
        (
            &ids.suspended,
            StatusCode::OK,
            "SUSPENDED",
            vec![SUSPEND_REASON.into(), "Suspended since ".into(), "is suspended".into()],
        ),
        (
            &ids.revoked,
            StatusCode::OK,
            "REVOKED",
            vec![REVOKE_REASON.into(), "<p class=\"since\">Revoked 20".into(), "has been revoked".into()],
        ),
        (
            &ids.superseded,
            StatusCode::OK,
            "SUPERSEDED",
            vec![format!("href=\"/c/{}\"", ids.renewed), "A newer version replaces this certificate".into()],
        ),
        (&ids.renewed, StatusCode::OK, "VALID", vec![format!("href=\"/c/{}\"", ids.superseded), "version 2".into()]),
        (&ids.pending, StatusCode::OK, "PENDING", vec!["no certifier has decided yet".into(), "not issued".into()]),
        (&ids.rejected, StatusCode::OK, "REJECTED", vec![REJECT_REASON.into(), "was rejected".into()]),
        (
            &ids.unknown,
            StatusCode::NOT_FOUND,
            "UNKNOWN",
            vec!["is recorded on the ledger".into(), "action=\"/c\"".into()],
        ),
        (
            &ids.flagged,
            StatusCode::OK,
            "VALID",
            vec![
                "Supplier certificate not in force".into(),
                format!("href=\"/c/{}\"", ids.suspended),
                SUSPEND_REASON.into(),
                "supplier certificate(s) it depends on are not in force".into(),
            ],
        ),
    ];
    for (id, status, verdict, texts) in cases {
        let reply = get(&app, &format!("/c/{id}")).await;
        assert_eq!(reply.status, status, "{verdict} {id}");
        let page = reply.text();
        assert_verdict_word(&page, verdict);
        assert!(page.contains(&format!("v-{}", verdict.to_lowercase())), "{verdict}: colour class");
        assert!(page.contains("<svg"), "{verdict}: icon");
        for text in texts {
            assert!(page.contains(&text), "{verdict} page lacks {text:?}");
        }
    }
}

#[tokio::test]
async fn a_stale_cache_is_unverifiable_and_never_valid() {
    let f = Fixture::new();
    let app = app(f.stale_state());
    for id in f.ids.all_known().into_iter().chain([f.ids.unknown.as_str()]) {
        let reply = get(&app, &format!("/c/{id}")).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{id}");
        let page = reply.text();
        assert_verdict_word(&page, "UNVERIFIABLE");
        assert!(page.contains("Cannot verify now: the verifier&#x27;s data is"), "{page}");
        assert!(page.contains("connection refused"), "the reason names the follower's error");
        assert!(!page.contains("Record status"), "no stale status shown as current");

        let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        let json = reply.json();
        assert_eq!(json["verdict"], "UNVERIFIABLE");
        assert!(json["reason"].as_str().unwrap_or_default().starts_with("cannot verify now"), "{json}");
        assert!(json["certificate"].is_null());
        assert!(json["token"].is_null());
    }
    // Never synced at all: the same.
    let never = Fixture::state_over(&f.cache, None, false);
    let reply = get(&router(never, &config()), &format!("/c/{}", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_verdict_word(&reply.text(), "UNVERIFIABLE");
}

#[tokio::test]
async fn a_revoked_certificate_is_never_valid_anywhere() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let token = f.token(&f.ids.revoked);
    let page = get(&app, &format!("/c/{}?t={token}", f.ids.revoked)).await.text();
    assert_verdict_word(&page, "REVOKED");
    assert!(
        page.contains("signature is authentic, but the certificate is REVOKED"),
        "the token is authentic, the certificate revoked"
    );
    assert!(!page.contains("note ok"), "nothing green on a revoked page");
    let json = get(&app, &format!("/api/v1/certificates/{}", f.ids.revoked)).await.json();
    assert_eq!(json["verdict"], "REVOKED");
    let verified = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": token }).to_string()).await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.json()["current"]["verdict"], "REVOKED");
}

/// Answers are rendered once and reused, but never across a change: an update to the
/// cache (here: a revocation) or to the follower's status (here: the cache going stale)
/// shows at once, within the same second.
#[tokio::test]
async fn reused_answers_follow_every_change_at_once() {
    use nanotrace_model::CertificateStatus;
    use nanotrace_verifier::cache::{SeenTx, Update};

    let f = Fixture::new();
    let app = app(f.state.clone());
    let page = format!("/c/{}", f.ids.valid);
    let api = format!("/api/v1/certificates/{}", f.ids.valid);
    for _ in 0..3 {
        assert_verdict_word(&get(&app, &page).await.text(), "VALID");
        assert_eq!(get(&app, &api).await.json()["verdict"], "VALID");
    }
    // Every answer counts, reused or not.
    let metrics = get(&app, "/metrics").await.text();
    assert!(metrics.contains("nanotrace_verifier_verdicts_total{verdict=\"VALID\"} 6"), "{metrics}");

    // The follower applies a revocation of that certificate.
    let mut record = f.cache.certificate(&f.ids.valid).expect("read").expect("known");
    record.certificate.status = CertificateStatus::Revoked;
    record.certificate.status_reason = Some("contaminated batch".into());
    record.certificate.status_since = now();
    let checkpoint = f.cache.checkpoint().expect("checkpoint");
    let tx = SeenTx {
        block: checkpoint.block_number + 1,
        tx_index: 0,
        tx_id: "f".repeat(64),
        timestamp: now(),
        event_name: None,
        event: None,
    };
    f.cache
        .apply(&Update {
            txs: vec![tx],
            certificates: vec![record],
            issuers: None,
            organizations: None,
            start_at: None,
        })
        .expect("apply");
    let revoked = get(&app, &page).await;
    assert_verdict_word(&revoked.text(), "REVOKED");
    assert!(revoked.text().contains("contaminated batch"));
    assert_eq!(get(&app, &api).await.json()["verdict"], "REVOKED");

    // The follower loses the ledger: UNVERIFIABLE at once, not at the next second.
    f.state.sync.update(|s| {
        s.synced_at = Some(now() - 3600);
        s.last_error = Some("connection refused".into());
    });
    let reply = get(&app, &page).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_verdict_word(&reply.text(), "UNVERIFIABLE");
    assert_eq!(get(&app, &api).await.json()["verdict"], "UNVERIFIABLE");
}

/// Issue 46: the certification body that issued a VALID certificate was retired since
/// (`RetireOrganization`): the certificate stays VALID, and its page names the issuer with
/// its accreditation withdrawn, on that date and why.
#[tokio::test]
async fn a_retired_issuer_shows_its_accreditation_withdrawn_and_its_certificate_stays_valid() {
    use nanotrace_model::OrgRetirement;
    use nanotrace_verifier::cache::Update;
    let f = Fixture::new();
    let mut organizations = f.cache.organizations().expect("organizations");
    let certifier = organizations.iter_mut().find(|o| o.msp_id == CERTIFIER_MSP).expect("the certifier");
    let withdrawn_at = now() - DAY;
    certifier.retired = Some(OrgRetirement {
        at: withdrawn_at,
        by: actor(Who::Admin),
        reason: "accreditation withdrawn by the national body".into(),
    });
    f.cache.apply(&Update { organizations: Some(organizations), ..Update::default() }).expect("the retirement applied");
    let state = Fixture::state_over(&f.cache, Some(now()), true);
    let reply = get(&app(state), &format!("/c/{}", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.text();
    assert_verdict_word(&page, "VALID");
    let day = time::OffsetDateTime::from_unix_timestamp(withdrawn_at).expect("a date").date();
    let expected = format!(
        "<dd>NanoCert Certification Body (CertifierMSP) — accreditation withdrawn on {day} (accreditation withdrawn by \
         the national body)</dd>"
    );
    assert!(page.contains(&expected), "the issuer row: {expected}\nin\n{page}");
    // Before the retirement (a cache without it), none.
    let before = Fixture::new();
    let page = get(&app(before.state.clone()), &format!("/c/{}", before.ids.valid)).await.text();
    assert!(page.contains("<dd>NanoCert Certification Body (CertifierMSP)</dd>"));
    assert!(!page.contains("accreditation withdrawn"));
}
