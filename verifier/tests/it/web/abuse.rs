//! Hostile input and abuse through a real server on 127.0.0.1 (issue 15): slow clients
//! (slowloris) while a real user is served, the header timeout, oversized and malformed
//! request heads, URL-encoded traversal, very long IDs and query strings; floods of
//! unknown IDs against the negative cache, and a newly applied ID after an UNKNOWN.

use super::*;
use nanotrace_verifier::cache::{CertificateRecord, SeenTx, Update};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `request` (raw bytes) on a new connection and answers the status code of the
/// first response (`None`: closed without one) and the whole response as text.
pub(super) fn exchange(addr: SocketAddr, request: &[u8]) -> (Option<u16>, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    // The server may answer and close before everything is written: fine.
    let _ = stream.write_all(request);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok());
    (status, text)
}

/// A GET of `path` on a new connection (closed after the answer).
pub(super) fn get_raw(addr: SocketAddr, path: &str) -> (Option<u16>, String) {
    exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes())
}

/// The value of the metric line starting with `series` (e.g.
/// `nanotrace_verifier_connections{what="evicted"}`).
pub(super) fn metric(addr: SocketAddr, series: &str) -> i64 {
    let (status, text) = get_raw(addr, "/metrics");
    assert_eq!(status, Some(200), "{text}");
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

/// A client that opens a connection, sends a request line and then one byte of a header
/// every `every`, never finishing the head, until the server closes the connection;
/// answers how long the server kept it open (`None`: still open at `until`).
async fn slow_client(addr: SocketAddr, every: Duration, until: Instant) -> Option<Duration> {
    let opened = Instant::now();
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return Some(Duration::ZERO);
    };
    if stream.write_all(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ").await.is_err() {
        return Some(opened.elapsed());
    }
    let mut buf = [0u8; 512];
    loop {
        if Instant::now() >= until {
            return None;
        }
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return Some(opened.elapsed()),
                // A 503 or 408 would be followed by the close.
                Ok(_) => {}
            },
            () = tokio::time::sleep(every) => {
                if stream.write_all(b"a").await.is_err() {
                    return Some(opened.elapsed());
                }
            }
        }
    }
}

/// A server on the fixture's state with the test config, changed by `change`.
async fn serve(f: &Fixture, change: impl FnOnce(&mut nanotrace_verifier::config::Config)) -> Server {
    let mut config = config();
    change(&mut config);
    Server::start(f.state.clone(), config).await
}

/// Slowloris: 300 slow clients keep reconnecting to a verifier that allows 100
/// connections, for 6 s. Meanwhile a real user asks for a certificate 30 times, each on a
/// new connection: every answer is 200 and none takes longer than 1.5 s. The server
/// closed slow clients to make room (evicted > 0), and serves normally afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_does_not_lock_out_real_users() {
    let f = Fixture::new();
    let server = serve(&f, |config| {
        config.max_connections = 100;
        config.header_timeout_secs = 3;
    })
    .await;
    let addr = server.addr;
    let until = Instant::now() + Duration::from_secs(6);
    let opened = Arc::new(AtomicUsize::new(0));
    let mut attackers = Vec::new();
    for _ in 0..300 {
        let opened = opened.clone();
        attackers.push(tokio::spawn(async move {
            // Reconnect whenever the server closes the connection.
            while Instant::now() < until {
                opened.fetch_add(1, Ordering::Relaxed);
                if slow_client(addr, Duration::from_millis(500), until).await.is_none() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    // Let the slow clients fill every place first.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let path = format!("/api/v1/certificates/{}", f.ids.valid);
    let user = tokio::task::spawn_blocking(move || {
        let mut answers = Vec::new();
        for _ in 0..30 {
            let started = Instant::now();
            let (status, _) = get_raw(addr, &path);
            answers.push((status, started.elapsed()));
            std::thread::sleep(Duration::from_millis(100));
        }
        answers
    })
    .await
    .expect("user");
    for attacker in attackers {
        attacker.await.expect("attacker");
    }
    let slowest = user.iter().map(|(_, took)| *took).max().unwrap_or_default();
    println!(
        "slowloris: {} slow connections opened; the user's 30 lookups: slowest {slowest:?}, statuses {:?}",
        opened.load(Ordering::Relaxed),
        user.iter().map(|(s, _)| s.unwrap_or(0)).collect::<Vec<_>>()
    );
    assert!(user.iter().all(|(status, _)| *status == Some(200)), "the user was not served: {user:?}");
    assert!(slowest < Duration::from_millis(1500), "a lookup took {slowest:?}: {user:?}");
    assert!(opened.load(Ordering::Relaxed) > 300, "the slow clients had to reconnect (closed by the server)");
    let evicted = metric(addr, "nanotrace_verifier_connections{what=\"evicted\"}");
    assert!(evicted > 0, "no slow connection was closed to make room");
    assert_eq!(metric(addr, "nanotrace_verifier_connections{what=\"limit\"}"), 100);
    assert!(metric(addr, "nanotrace_verifier_connections{what=\"open\"}") <= 100);
    assert_eq!(get_raw(addr, &format!("/c/{}", f.ids.valid)).0, Some(200));
    server.stop().await;
}

/// A request already sent when its connection is closed to make room is answered: with
/// one place, each user's connection is closed by the next one's arrival, right after
/// its request was written (the request in the server's buffer before the next connect).
/// The connection is still read from for a moment once chosen (before, a request not
/// yet read when its close came was dropped: a user's lookup under slowloris in CI came
/// back empty, 1 in 30; here 4–66 of 300).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_before_its_connection_makes_room_is_answered() {
    let f = Fixture::new();
    let server = serve(&f, |config| config.max_connections = 1).await;
    let addr = server.addr;
    let request =
        format!("GET /api/v1/certificates/{} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", f.ids.valid);
    let (answered, unanswered) = tokio::task::spawn_blocking(move || {
        let (mut answered, mut unanswered) = (0, Vec::new());
        let mut next = std::net::TcpStream::connect(addr).expect("connect");
        for round in 0..300 {
            let mut user = next;
            user.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
            // A connection refused (503: the place was busy when it came) may be closed
            // before its request is written.
            let _ = user.write_all(request.as_bytes());
            // The next user's arrival closes this connection to make room.
            next = std::net::TcpStream::connect(addr).expect("connect");
            let mut response = Vec::new();
            let _ = user.read_to_end(&mut response);
            if response.starts_with(b"HTTP/1.1 200") {
                answered += 1;
            } else if !response.starts_with(b"HTTP/1.1 503") {
                unanswered.push((round, String::from_utf8_lossy(&response).into_owned()));
            }
        }
        (answered, unanswered)
    })
    .await
    .expect("users");
    assert!(answered >= 100, "only {answered} of 300 answered: the rest refused");
    assert!(
        metric(addr, "nanotrace_verifier_connections{what=\"evicted\"}") > 0,
        "no connection was closed to make room"
    );
    assert!(unanswered.is_empty(), "{} of 300 requests closed unanswered: {:?}", unanswered.len(), unanswered.first());
    server.stop().await;
}

/// A request head must arrive whole within --header-timeout-secs, counted from its
/// first byte: a client that keeps sending a byte every 200 ms is still closed then; so
/// is a kept-alive connection that asks nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_timeout_closes_slow_and_idle_connections() {
    let f = Fixture::new();
    let server = serve(&f, |config| config.header_timeout_secs = 2).await;
    let addr = server.addr;
    let until = Instant::now() + Duration::from_secs(10);
    let trickling = slow_client(addr, Duration::from_millis(200), until).await.expect("closed by the server");
    assert!(
        trickling >= Duration::from_millis(1800) && trickling < Duration::from_millis(4500),
        "a trickling head was closed after {trickling:?}, not about 2 s"
    );

    let idle = {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n").await.expect("write");
        let started = Instant::now();
        let mut response = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => response.extend_from_slice(&buf[..n]),
                Err(_) => panic!("a kept-alive idle connection was not closed within 10 s"),
            }
        }
        assert!(response.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&response));
        started.elapsed()
    };
    assert!(idle >= Duration::from_millis(1800) && idle < Duration::from_millis(4500), "idle closed after {idle:?}");
    assert!(metric(addr, "nanotrace_verifier_connections{what=\"header_timeouts\"}") >= 1);
    println!("header timeout 2 s: trickling head closed after {trickling:?}, idle kept-alive after {idle:?}");
    server.stop().await;
}

/// Malformed and oversized request heads: each gets a clear 4xx (400 malformed, 431 too
/// large) and the connection closed; the server answers normally afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_heads_get_4xx() {
    let f = Fixture::new();
    let config = config();
    let limit = config.max_header_bytes;
    let server = Server::start(f.state.clone(), config).await;
    let addr = server.addr;
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let cases: Vec<(&str, Vec<u8>, &[u16])> = vec![
        ("garbage request line", b"GARBAGE\r\n\r\n".to_vec(), &[400]),
        ("binary (a TLS ClientHello)", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n".to_vec(), &[400]),
        ("unknown version", b"GET / HTTP/9.9\r\nHost: t\r\n\r\n".to_vec(), &[400, 505]),
        ("space in the target", b"GET /c/a b HTTP/1.1\r\nHost: t\r\n\r\n".to_vec(), &[400]),
        ("NUL in the target", b"GET /c/\x00 HTTP/1.1\r\nHost: t\r\n\r\n".to_vec(), &[400]),
        ("header without a colon", b"GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n".to_vec(), &[400]),
        ("space in a header name", b"GET / HTTP/1.1\r\nHo st: t\r\n\r\n".to_vec(), &[400]),
        ("NUL in a header value", b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n".to_vec(), &[400]),
        ("obsolete line folding", b"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n".to_vec(), &[400]),
        (
            "bad Content-Length",
            b"POST /api/v1/verify HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n".to_vec(),
            &[400],
        ),
        (
            "two Content-Lengths",
            b"POST /api/v1/verify HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec(),
            &[400],
        ),
        (
            "unknown Transfer-Encoding",
            b"POST /api/v1/verify HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
            &[400, 501],
        ),
        ("200 header lines", format!("GET / HTTP/1.1\r\nHost: t\r\n{many_headers}\r\n").into_bytes(), &[431]),
        (
            "a 64 KB header",
            format!("GET / HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n", "a".repeat(64 * 1024)).into_bytes(),
            &[431],
        ),
        (
            "a 64 KB request target",
            format!("GET /c/{} HTTP/1.1\r\nHost: t\r\n\r\n", "A".repeat(64 * 1024)).into_bytes(),
            &[414, 431],
        ),
    ];
    let results = tokio::task::spawn_blocking(move || {
        cases.into_iter().map(|(what, request, allowed)| (what, exchange(addr, &request), allowed)).collect::<Vec<_>>()
    })
    .await
    .expect("client");
    for (what, (status, text), allowed) in &results {
        println!("{what}: {}", text.lines().next().unwrap_or("(closed)"));
        // A 64 KB head may also be cut off by closing before the answer is read.
        let closed_ok = what.starts_with("a 64 KB") && status.is_none();
        assert!(
            closed_ok || status.is_some_and(|s| allowed.contains(&s)),
            "{what}: expected one of {allowed:?}, got {:?}",
            text.lines().next()
        );
    }
    // Just under the head limit is served.
    let header = "b".repeat(limit / 2);
    let (status, _) = tokio::task::spawn_blocking(move || {
        exchange(
            addr,
            format!("GET /healthz HTTP/1.1\r\nHost: t\r\nX-M: {header}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
    })
    .await
    .expect("client");
    assert_eq!(status, Some(200));
    assert_eq!(tokio::task::spawn_blocking(move || get_raw(addr, "/healthz").0).await.expect("client"), Some(200));
    server.stop().await;
}

/// URL-encoded traversal, NUL, overlong UTF-8 and very long IDs or query strings through
/// a real socket: each a clear 4xx page or JSON error (never a file, never a 5xx) — or,
/// for a query the route ignores, the normal answer — and the server keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traversal_and_long_input_get_clear_4xx() {
    let f = Fixture::new();
    let server = Server::start(f.state.clone(), config()).await;
    let addr = server.addr;
    let valid = f.ids.valid.clone();
    let long = "A".repeat(8 * 1024);
    let cases: Vec<(String, u16)> = vec![
        ("/%2e%2e/%2e%2e/etc/passwd".into(), 404),
        ("/..%2f..%2fetc%2fpasswd".into(), 404),
        ("/../../etc/passwd".into(), 404),
        ("//etc/passwd".into(), 404),
        ("/c/../../etc/passwd".into(), 404),
        ("/api/v1/openapi.yaml/../../../Cargo.toml".into(), 404),
        ("/static/..%5c..%5cCargo.toml".into(), 404),
        ("/c/..%2f..%2fetc%2fpasswd".into(), 400),
        ("/c/%2e%2e%2f%2e%2e%2fetc%2fpasswd".into(), 400),
        ("/c/%2E%2E%2F%2E%2E%2FCargo.toml".into(), 400),
        ("/c/%252e%252e%252fetc%252fpasswd".into(), 400),
        ("/c/%25252e%25252e%25252f".into(), 400),
        ("/c/..%c0%af..%c0%afetc%c0%afpasswd".into(), 400),
        ("/c/%c0%ae%c0%ae%c0%af".into(), 400),
        ("/c/%e0%80%ae%e0%80%ae".into(), 400),
        ("/c/%00".into(), 400),
        ("/c/NT-ABCDEFGH234%00".into(), 400),
        ("/c/NT-ABCDEFGH2345%00.html".into(), 400),
        ("/c/%ff%fe".into(), 400),
        ("/api/v1/certificates/..%2F..%2Fetc%2Fpasswd".into(), 400),
        ("/api/v1/certificates/%2e%2e%2f%2e%2e%2fetc%2fpasswd/history".into(), 400),
        ("/api/v1/certificates/%00".into(), 400),
        ("/qr/..%2f..%2fetc%2fpasswd.png".into(), 400),
        ("/qr/%2e%2e%2f%2e%2e%2fCargo.toml.svg".into(), 400),
        ("/01/..%2f..%2f/10/..%2fetc".into(), 400),
        ("/01/4006381333931/10/..%2f..%2fetc%2fpasswd".into(), 307),
        ("/c?id=..%2f..%2fetc%2fpasswd".into(), 400),
        ("/c?id=%00".into(), 400),
        ("/c?id=%c0%ae%c0%ae".into(), 400),
        (format!("/c/NT-{long}"), 400),
        (format!("/api/v1/certificates/{long}"), 400),
        (format!("/c?id={long}"), 400),
        (format!("/qr/{long}.svg"), 400),
        (format!("/api/v1/certificates/{valid}?x={long}"), 200),
        (format!("/api/v1/certificates/{valid}?{long}=%00%c0%af"), 200),
    ];
    let results = tokio::task::spawn_blocking(move || {
        cases.into_iter().map(|(path, expected)| (get_raw(addr, &path), path, expected)).collect::<Vec<_>>()
    })
    .await
    .expect("client");
    for ((status, text), path, expected) in &results {
        let shown = &path[..path.len().min(60)];
        assert_eq!(*status, Some(*expected), "{shown}: {}", text.lines().next().unwrap_or("(closed)"));
        assert!(!text.contains("root:"), "{shown}: a file was served");
        assert!(!text.contains("[workspace]") && !text.contains("[package]"), "{shown}: a file was served");
        assert!(
            text.to_ascii_lowercase().contains("content-security-policy:"),
            "{shown}: not an answer of the verifier's:\n{text}"
        );
    }
    // A token check with a very long token: a clear answer, not a 5xx.
    let (status, text) =
        tokio::task::spawn_blocking(move || get_raw(addr, &format!("/c/{valid}?t={}", "A".repeat(8 * 1024))))
            .await
            .expect("client");
    let status = status.expect("an answer");
    assert!(status < 500, "a long token got {status}: {}", text.lines().next().unwrap_or_default());
    assert_eq!(tokio::task::spawn_blocking(move || get_raw(addr, "/healthz").0).await.expect("client"), Some(200));
    server.stop().await;
}

/// `count` distinct well-formed IDs that no certificate has.
fn unknown_ids(count: usize) -> Vec<String> {
    (0..count).map(|i| nanotrace_model::ids::certificate_id(&format!("never-applied-{i}"), 0)).collect()
}

/// A miss reader like the Fabric source's (the peer), counting its reads: the ledger has
/// none of these IDs.
fn counting_peer(cache: &nanotrace_verifier::cache::Cache) -> Arc<AtomicU64> {
    let reads = Arc::new(AtomicU64::new(0));
    let counter = reads.clone();
    cache.read_misses_from(Arc::new(move |_id: &str| {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(None)
    }));
    reads
}

/// 10,000 distinct unknown IDs, each asked three times with updates in between: every
/// answer is 404 UNKNOWN, the peer is read once per ID (not once per request, nor again
/// after each update), the negative cache holds at most its bound, and a real lookup
/// stays fast. With a bound of 1,000 the cache never holds more than 1,000.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_unknown_ids_are_bounded_and_read_once() {
    let f = Fixture::new();
    let peer = counting_peer(&f.cache);
    let app = app(f.state.clone());
    let ids = unknown_ids(10_000);
    let checkpoint = f.cache.checkpoint().expect("checkpoint");
    for round in 0..3u64 {
        for id in &ids {
            let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{id}");
        }
        // An update that applies none of them (a block without certificates).
        let tx = SeenTx {
            block: checkpoint.block_number + 1 + round,
            tx_index: 0,
            tx_id: format!("unrelated-{round}"),
            timestamp: now(),
            event_name: None,
            event: None,
        };
        f.cache
            .apply(&Update {
                txs: vec![tx],
                certificates: Vec::new(),
                issuers: None,
                organizations: None,
                start_at: None,
            })
            .expect("apply");
    }
    let stats = f.cache.lookup_stats();
    println!("10,000 unknown IDs × 3: {stats:?}");
    assert_eq!(peer.load(Ordering::Relaxed), 10_000, "the peer is read once per unknown ID");
    assert_eq!(stats.ledger_reads, 10_000);
    assert_eq!(stats.negative_entries, 10_000);
    assert!(stats.negative_entries <= stats.negative_capacity);
    assert_eq!(stats.negative_hits, 20_000);
    let text = get(&app, "/metrics").await.text();
    assert!(text.contains("nanotrace_verifier_cache_lookups{what=\"negative_entries\"} 10000"), "{text}");
    assert!(text.contains("nanotrace_verifier_cache_lookups{what=\"ledger_reads\"} 10000"), "{text}");

    // A real lookup is still fast.
    let started = Instant::now();
    let reply = get(&app, &format!("/api/v1/certificates/{}", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["verdict"], "VALID");
    assert!(started.elapsed() < Duration::from_millis(250), "took {:?}", started.elapsed());

    // Bounded: with room for 1,000, never more than 1,000 remembered.
    f.cache.limit_negatives(1_000, Duration::from_secs(60));
    for (i, id) in unknown_ids(10_000).iter().enumerate() {
        assert_eq!(get(&app, &format!("/c/{id}")).await.status, StatusCode::NOT_FOUND);
        if i % 500 == 0 {
            assert!(f.cache.lookup_stats().negative_entries <= 1_000);
        }
    }
    let stats = f.cache.lookup_stats();
    assert!(stats.negative_entries <= 1_000 && stats.negative_entries >= 500, "{stats:?}");
    assert!(stats.negative_evicted >= 9_000, "{stats:?}");
}

/// An ID answered UNKNOWN (and remembered as such) reads right as soon as the follower
/// applies it: the update that applies it drops the negative entry.
#[tokio::test]
async fn a_newly_applied_id_reads_right_after_an_unknown() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    // A certificate the cache does not hold yet: the fixture's VALID one, under a new ID
    // (the contract's record, as the follower would read it after its block).
    let cached = f.cache.certificate(&f.ids.valid).expect("read").expect("known");
    let new_id = nanotrace_model::ids::certificate_id("applied-after-an-unknown", 0);
    let mut record: CertificateRecord = cached.clone();
    record.certificate.id = new_id.clone();
    let uri = format!("/api/v1/certificates/{new_id}");
    for _ in 0..3 {
        let reply = get(&app, &uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.json()["verdict"], "UNKNOWN");
    }
    assert_eq!(f.cache.memoized_certificate(&new_id), Some(None), "remembered as unknown");
    let checkpoint = f.cache.checkpoint().expect("checkpoint");
    let tx = SeenTx {
        block: checkpoint.block_number + 1,
        tx_index: 0,
        tx_id: "applies-the-new-id".into(),
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
    let reply = get(&app, &uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["certificate_id"], new_id.as_str());
    let page = get(&app, &format!("/c/{new_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains(&word("UNKNOWN")));
}
