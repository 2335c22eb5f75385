//! Request bodies within the memory budget (issue 71, item 4), through a real server on
//! 127.0.0.1: clients that declare large list bodies and send them slowly hold at most
//! `--max-body-bytes-in-flight` between them; lists beyond it are refused (503, Retry-After,
//! the API's JSON error) while plain lookups are answered as usual; bodies over the limit
//! are refused before they are read, in the API's JSON shape.

use super::abuse::{exchange, get_raw, metric};
use super::*;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

const MIB: usize = 1024 * 1024;
const IN_FLIGHT: &str = "nanotrace_verifier_request_bodies{what=\"bytes_in_flight\"}";

/// Runs a blocking client call off the runtime's workers.
async fn off_runtime<T: Send + 'static>(call: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(call).await.expect("client thread")
}

/// A client that declares a `length`-byte list and sends its first KiB, then nothing more
/// until `stop` (then it closes the connection); answers the status of the answer it got
/// meanwhile, if any.
async fn slow_list(addr: SocketAddr, length: usize, mut stop: watch::Receiver<bool>) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/verify HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&[b' '; 1024]).await.expect("first KiB");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            _ = stop.changed() => break,
        }
    }
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok())
}

/// A fixture and a real server over it, with the test's defaults changed by `change`.
async fn serve_with(change: impl FnOnce(&mut nanotrace_verifier::config::Config)) -> (Fixture, Server) {
    let f = Fixture::new();
    let mut config = config();
    change(&mut config);
    let server = Server::start(f.state.clone(), config).await;
    (f, server)
}

/// Waits (at most 10 s) until the verifier's metric `series` is `value`.
async fn await_metric(addr: SocketAddr, series: &'static str, value: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = off_runtime(move || metric(addr, series)).await;
        if now == value {
            return;
        }
        assert!(Instant::now() < deadline, "{series} stayed {now}, never {value}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A JSON `POST /api/v1/verify` of `body` on a new connection.
fn post_verify(addr: SocketAddr, body: &str) -> (Option<u16>, String) {
    let request = format!(
        "POST /api/v1/verify HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(addr, request.as_bytes())
}

/// Six clients declare 1 MiB lists and trickle them against a budget of 4 MiB: four hold
/// it whole, the other two are refused with 503. Meanwhile lookups are answered at once,
/// and a small list (and the consignment form) is refused with 503, Retry-After and the
/// API's JSON error `busy` after a short wait. Once the slow clients go, the budget is
/// free again and the same list is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_list_bodies_hold_at_most_the_budget_and_lookups_stay_fast() {
    let (f, server) = serve_with(|config| {
        config.max_list_bytes = MIB;
        config.max_body_bytes_in_flight = 4 * MIB;
        config.timeout_secs = 60;
    })
    .await;
    let addr = server.addr;

    let (stop, stopped) = watch::channel(false);
    let senders: Vec<_> = (0..6).map(|_| tokio::spawn(slow_list(addr, MIB, stopped.clone()))).collect();
    // Four 1 MiB bodies hold the budget whole.
    await_metric(addr, IN_FLIGHT, 4 * MIB as i64).await;

    // Lookups are served while the budget is spent: through the router (the trust list)
    // and through the kept answers (a certificate).
    let valid = f.ids.valid.clone();
    let lookups = off_runtime(move || {
        let mut took = Vec::new();
        for i in 0..40 {
            let path = if i % 2 == 0 { format!("/api/v1/certificates/{valid}") } else { "/api/v1/issuers".to_owned() };
            let started = Instant::now();
            let (status, text) = get_raw(addr, &path);
            assert_eq!(status, Some(200), "{path} while the budget is spent: {text}");
            took.push(started.elapsed());
        }
        took.sort();
        took
    })
    .await;
    let (median, slowest) = (lookups[lookups.len() / 2], lookups[lookups.len() - 1]);
    println!("lookups while 4 MiB of list bodies are held: median {median:?}, slowest {slowest:?}");
    // Generous: a lookup takes about a millisecond; what matters is that none waits for
    // the budget (which would take QUEUE_WAIT, 1 s, and end in 503).
    assert!(slowest < Duration::from_millis(900), "a lookup waited: slowest {slowest:?}");

    // A list now waits briefly for room, then is refused in the API's shape.
    let list = serde_json::json!({ "items": [f.ids.valid] }).to_string();
    let refused = {
        let list = list.clone();
        off_runtime(move || post_verify(addr, &list)).await
    };
    assert_eq!(refused.0, Some(503), "{}", refused.1);
    assert!(refused.1.to_ascii_lowercase().contains("\r\nretry-after: 1\r\n"), "{}", refused.1);
    assert!(refused.1.contains(r#"{"error":"busy","message":"#), "{}", refused.1);
    // The consignment form gets a page saying so.
    let form = format!("items={}", f.ids.valid);
    let page = off_runtime(move || {
        exchange(
            addr,
            format!(
                "POST /consignment HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
                form.len()
            )
            .as_bytes(),
        )
    })
    .await;
    assert_eq!(page.0, Some(503), "{}", page.1);
    assert!(page.1.contains("text/html") && page.1.contains("try again"), "{}", page.1);
    assert!(off_runtime(move || metric(addr, "nanotrace_verifier_request_bodies{what=\"busy\"}")).await >= 4);

    // The slow clients go; their bytes are given back.
    stop.send(true).expect("stop the slow clients");
    let mut statuses = Vec::new();
    for sender in senders {
        statuses.push(sender.await.expect("slow client"));
    }
    statuses.sort();
    assert_eq!(statuses, [None, None, None, None, Some(503), Some(503)], "two of six found no room");
    await_metric(addr, IN_FLIGHT, 0).await;
    let answered = off_runtime(move || post_verify(addr, &list)).await;
    assert_eq!(answered.0, Some(200), "{}", answered.1);
    server.stop().await;
}

/// A chunked body (no declared length) takes the budget chunk by chunk as it arrives: a
/// client that sent 768 KiB of a list and stalls holds exactly that, so a small list still
/// fits beside it while one declaring 512 KiB finds no room and is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_holds_the_bytes_it_sent() {
    let (f, server) = serve_with(|config| {
        config.max_list_bytes = MIB;
        config.max_body_bytes_in_flight = MIB;
        config.timeout_secs = 60;
    })
    .await;
    let addr = server.addr;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = "POST /api/v1/verify HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.expect("head");
    for _ in 0..3 {
        let chunk = format!("{:x}\r\n{}\r\n", 256 * 1024, " ".repeat(256 * 1024));
        stream.write_all(chunk.as_bytes()).await.expect("a chunk");
    }
    await_metric(addr, IN_FLIGHT, 768 * 1024).await;
    let list = serde_json::json!({ "items": [f.ids.valid] }).to_string();
    let small = off_runtime(move || post_verify(addr, &list)).await;
    assert_eq!(small.0, Some(200), "a small list fits beside the chunked one: {}", small.1);
    let declared = off_runtime(move || {
        let head = format!(
            "POST /api/v1/verify HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            512 * 1024
        );
        exchange(addr, head.as_bytes())
    })
    .await;
    assert_eq!(declared.0, Some(503), "{}", declared.1);
    assert!(declared.1.contains(r#"{"error":"busy","message":"#), "{}", declared.1);
    drop(stream);
    await_metric(addr, IN_FLIGHT, 0).await;
    server.stop().await;
}

/// Bodies larger than the route accepts are refused with 413 in the API's JSON shape:
/// one that declares its length before any of it is read; a chunked one once its bytes
/// pass the limit. The server answers normally afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_get_413_in_the_apis_shape() {
    let (_f, server) = serve_with(|config| config.max_list_bytes = 64 * 1024).await;
    let addr = server.addr;
    let (declared, chunked, small) = off_runtime(move || {
        let head =
            "POST /api/v1/verify HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\n";
        // Declared: nothing of the body is sent; the answer comes anyway.
        let declared = exchange(addr, format!("{head}Content-Length: {}\r\n\r\n", 2 * MIB).as_bytes());
        let chunk = format!("{:x}\r\n{}\r\n", 32 * 1024, " ".repeat(32 * 1024));
        let chunked =
            exchange(addr, format!("{head}Transfer-Encoding: chunked\r\n\r\n{}0\r\n\r\n", chunk.repeat(3)).as_bytes());
        let small = exchange(
            addr,
            format!(
                "GET /api/v1/issuers HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                MIB
            )
            .as_bytes(),
        );
        (declared, chunked, small)
    })
    .await;
    for (what, (status, text)) in [("declared", &declared), ("chunked", &chunked), ("a GET's body", &small)] {
        assert_eq!(*status, Some(413), "{what}: {text}");
        assert!(text.to_ascii_lowercase().contains("content-type: application/json"), "{what}: {text}");
        assert!(text.contains(r#"{"error":"too_large","message":"#), "{what}: {text}");
    }
    assert_eq!(get_raw(addr, "/healthz").0, Some(200));
    server.stop().await;
}

/// A JSON `POST /api/v1/verify` of `body`, written from where it is (the measurement's
/// 200 clients share one body, so the process's memory is the server's); its status.
fn post_shared(addr: SocketAddr, body: &str) -> u16 {
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else { return 0 };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let head = format!(
        "POST /api/v1/verify HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    // The server may answer (503, 413) before it reads the body: fine.
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
    let mut status = [0u8; 12];
    match stream.read_exact(&mut status) {
        Ok(()) => std::str::from_utf8(&status[9..12]).ok().and_then(|code| code.parse().ok()).unwrap_or(0),
        Err(_) => 0,
    }
}

/// This process's resident memory, in MiB.
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().strip_suffix("kB"));
    kib.and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0) / 1024
}

/// A measurement, not a check (run by hand, figures for the report): 200 clients send
/// 1 MiB lists over and over for 8 s at a verifier with the default limits, while one
/// client looks a certificate up every 50 ms. Prints this process's peak RSS and the
/// lookups' median and slowest.
/// `cargo test -p nanotrace-verifier --test it measure_list_bodies -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run by hand"]
async fn measure_list_bodies_memory_and_lookup_latency() {
    let (f, server) = serve_with(|_| {}).await;
    let addr = server.addr;
    let items: Vec<String> = (0..2600).map(|i| format!("{i:0>400}")).collect();
    let body = std::sync::Arc::new(serde_json::json!({ "items": items }).to_string());
    let before = rss_mib();
    let until = Instant::now() + Duration::from_secs(8);
    let statuses = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<u16, usize>::new()));
    let mut senders = Vec::new();
    for _ in 0..200 {
        let (body, statuses) = (body.clone(), statuses.clone());
        senders.push(tokio::task::spawn_blocking(move || {
            while Instant::now() < until {
                let status = post_shared(addr, &body);
                *statuses.lock().expect("statuses").entry(status).or_default() += 1;
            }
        }));
    }
    let path = format!("/api/v1/certificates/{}", f.ids.valid);
    let mut took = Vec::new();
    let mut peak = before;
    while Instant::now() < until {
        let path = path.clone();
        let started = Instant::now();
        let status = off_runtime(move || get_raw(addr, &path).0).await;
        took.push((started.elapsed(), status));
        peak = peak.max(rss_mib());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for sender in senders {
        sender.await.expect("sender");
    }
    let mut times: Vec<Duration> = took.iter().map(|(t, _)| *t).collect();
    times.sort();
    println!(
        "200 clients sending 1 MiB lists for 8 s: RSS {before} MiB before, peak {peak} MiB; {} lookups, median {:?}, \
         slowest {:?}, statuses {:?}; list answers {:?}",
        times.len(),
        times[times.len() / 2],
        times[times.len() - 1],
        took.iter().map(|(_, s)| s.unwrap_or(0)).collect::<std::collections::BTreeSet<_>>(),
        statuses.lock().expect("statuses"),
    );
    server.stop().await;
}

/// A request that outlasts `--timeout-secs` (here a body that stops coming) gets 503 with
/// `Retry-After`, in the API's JSON shape under `/api/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_deadline_gets_503_in_the_apis_shape() {
    let (_f, server) = serve_with(|config| config.timeout_secs = 1).await;
    let addr = server.addr;
    let (status, text) = off_runtime(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        let head = "POST /api/v1/verify HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
        stream.write_all(format!("{head}{{\"items\": [").as_bytes()).expect("a part of the body");
        // The rest never comes: the answer is the deadline's.
        let mut answer = [0u8; 4096];
        let n = stream.read(&mut answer).expect("an answer");
        let text = String::from_utf8_lossy(&answer[..n]).into_owned();
        let status = text.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|c| c.parse::<u16>().ok());
        (status, text)
    })
    .await;
    assert_eq!(status, Some(503), "{text}");
    assert!(text.to_ascii_lowercase().contains("\r\nretry-after: 1\r\n"), "{text}");
    assert!(text.to_ascii_lowercase().contains("content-type: application/json"), "{text}");
    assert!(text.contains(r#"{"error":"timeout","message":"#), "{text}");
    server.stop().await;
}
