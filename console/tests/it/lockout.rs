//! Nobody locks members out of sign-in: thousands of source addresses asking for
//! challenges (as anyone holding a member's public certificate can) leave the console
//! holding nothing, and a member who then signs in does so at once. Clients are counted
//! as the rate limit sees them: behind a trusted proxy by the address it forwards (an
//! IPv6 client by its /64), and a forwarded address from anyone else is ignored.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::*;

/// Distinct source addresses of the flood (each a 127.1.y.z: all of 127/8 is loopback).
const SOURCES: usize = 4_000;
/// Challenges each source asks for.
const PER_SOURCE: usize = 2;
/// Sources asking at once.
const CONCURRENCY: usize = 32;

/// The `i`-th source address, 127.1.y.z with z in 1..=250.
fn source(i: usize) -> [u8; 4] {
    let (y, z) = (i / 250, i % 250 + 1);
    [127, 1, u8::try_from(y).expect("fewer than 64,000 sources"), u8::try_from(z).expect("z ≤ 250")]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_source_addresses_asking_for_challenges_do_not_lock_a_member_out() {
    let h = Harness::start().await;
    let dave = h.member(APPLICANT);
    let body = Arc::new(challenge_body(&dave));
    let url = Arc::new(format!("{}/api/signin/challenge", h.url));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (body, url, next) = (body.clone(), url.clone(), next.clone());
        workers.spawn(async move {
            let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= SOURCES {
                    return statuses;
                }
                let client = client_from(source(i));
                for _ in 0..PER_SOURCE {
                    *statuses.entry(post(&client, &url, &body).await.0).or_default() += 1;
                }
            }
        });
    }
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    while let Some(done) = workers.join_next().await {
        for (status, n) in done.expect("a flooding task") {
            *statuses.entry(status).or_default() += n;
        }
    }
    let flood = started.elapsed();
    assert_eq!(h.state.sessions.answered_held(), 0, "nothing is held for the challenges handed out");
    eprintln!("[lockout] {SOURCES} sources × {PER_SOURCE} challenges in {flood:?}: {statuses:?}");

    let (status, _, one) = post(&client_from([127, 0, 0, 1]), &url, &body).await;
    let id_len = one["challenge_id"].as_str().map_or(0, str::len);
    eprintln!("[lockout] a challenge's ID (the sealed challenge) is {id_len} bytes");
    assert_eq!(status, 200, "{one}");
    assert!((1..=nanotrace_console::challenge::MAX_ID_LEN).contains(&id_len), "{id_len}");

    let mut member = h.member(APPLICANT);
    let started = Instant::now();
    let signed_in = member.sign_in().await;
    let took = started.elapsed();
    eprintln!("[lockout] then a member signed in in {took:?}: {:?}", signed_in.as_ref().map(|_| "ok"));
    signed_in.expect("a member signs in after the flood");
    assert!(took < Duration::from_secs(5), "signing in took {took:?}");
    assert_eq!(statuses.get(&200), Some(&(SOURCES * PER_SOURCE)), "every source got its challenges: {statuses:?}");
}

/// A console behind a proxy on 127.0.0.1, each client allowed `burst` requests (and one
/// more a minute).
async fn behind_a_proxy(burst: u32) -> Harness {
    Harness::start_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
        c.rate_per_sec = 1;
        c.rate_burst = burst;
    })
    .await
}

/// GETs `/healthz` from `client` as forwarded for `forwarded` (none: not forwarded).
async fn healthz(client: &reqwest::Client, h: &Harness, forwarded: Option<&str>) -> u16 {
    let mut request = client.get(format!("{}/healthz", h.url));
    if let Some(address) = forwarded {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.expect("request").status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_limit_and_ipv6_counts_by_its_64() {
    const BURST: u32 = 5;
    let h = behind_a_proxy(BURST).await;
    let proxy = client_from([127, 0, 0, 1]);
    let started = Instant::now();
    let mut allowed = 0u64;
    for host in 1..=500 {
        // Five hundred addresses of one /64, each a client of its own without the /64 rule.
        if healthz(&proxy, &h, Some(&format!("2001:db8:1:2:{host:x}:0:0:1"))).await == 200 {
            allowed += 1;
        }
    }
    let refilled = started.elapsed().as_secs() + 1;
    assert!(
        (u64::from(BURST)..=u64::from(BURST) + refilled).contains(&allowed),
        "one /64's addresses share one bucket: {allowed} of 500 allowed in {refilled} s"
    );
    assert_eq!(healthz(&proxy, &h, Some("2001:db8:1:3::1")).await, 200, "the next /64 is another client");
    assert_eq!(healthz(&proxy, &h, Some("198.51.100.7, 203.0.113.9")).await, 200, "the address the proxy saw");
    // The proxy's own requests (nothing forwarded) are the proxy's, not the /64's.
    assert_eq!(healthz(&proxy, &h, None).await, 200);
}

#[tokio::test]
async fn a_forwarded_address_from_a_peer_that_is_no_trusted_proxy_is_ignored() {
    const BURST: u32 = 5;
    let h = behind_a_proxy(BURST).await;
    let spoofer = client_from([127, 0, 0, 2]);
    let mut statuses = Vec::new();
    for i in 0..20 {
        // Each request names another client, and the client the proxy will forward.
        let claimed = if i % 2 == 0 { "203.0.113.5".to_owned() } else { format!("198.51.100.{i}") };
        statuses.push(healthz(&spoofer, &h, Some(&claimed)).await);
    }
    let allowed = statuses.iter().filter(|s| **s == 200).count();
    assert!((5..=7).contains(&allowed), "the peer's own bucket, whatever it claims: {statuses:?}");
    let proxy = client_from([127, 0, 0, 1]);
    for _ in 0..BURST {
        assert_eq!(healthz(&proxy, &h, Some("203.0.113.5")).await, 200, "the client's bucket was not drained");
    }
}
