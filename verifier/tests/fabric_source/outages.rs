//! Steps 5b and 5c: the peer the verifier reads paused (SIGSTOP), and slow (behind a
//! latency proxy): answers within bounds, fail-closed, and recovery without a restart.

use crate::proxy;
use crate::support::{now, MAX_STALENESS};
use crate::verifier::Verifier;
use crate::world::World;
use nanotrace_testkit::fabric::network::Network;
use nanotrace_testkit::fabric::process;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

/// Sends SIGCONT to a paused process when dropped, so a failing step never leaves the
/// peer stopped (and the network's teardown waiting on it).
struct Paused(u32);

impl Drop for Paused {
    fn drop(&mut self) {
        process::kill_pid(self.0, "CONT");
    }
}

/// A well-formed certificate ID no ledger has.
pub fn unknown_id(tag: &str) -> String {
    nanotrace_model::ids::certificate_id(&format!("no such transaction {tag} {}", now()), 0)
}

/// Times one API answer.
fn timed_verdict(v: &Verifier, id: &str) -> (String, Duration) {
    let t = Instant::now();
    let verdict = v.verdict(id);
    (verdict, t.elapsed())
}

/// Asks for `id` until UNVERIFIABLE (asserting every earlier answer is `before` and every
/// answer comes within `bound`); returns when the first UNVERIFIABLE came, the slowest
/// answer and the number of answers.
fn until_unverifiable(
    v: &Verifier,
    id: &str,
    before: &str,
    bound: Duration,
    limit: Duration,
) -> (Duration, Duration, usize) {
    let t = Instant::now();
    let (mut slowest, mut answers) = (Duration::ZERO, 0);
    loop {
        let (verdict, took) = timed_verdict(v, id);
        answers += 1;
        slowest = slowest.max(took);
        assert!(took < bound, "{id}: an answer took {took:?} (bound {bound:?})\nlog:\n{}", v.log_tail());
        if verdict == "UNVERIFIABLE" {
            return (t.elapsed(), slowest, answers);
        }
        assert_eq!(verdict, before, "{id} before it became UNVERIFIABLE");
        assert!(t.elapsed() < limit, "{id} still {verdict} after {limit:?}\nlog:\n{}", v.log_tail());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Step 5b: SIGSTOP / SIGCONT of the peer the verifier reads.
pub fn paused(v: &Verifier, w: &World, peer: u32, valid: &str) {
    assert_eq!(v.verdict(valid), "VALID");
    let bound = Duration::from_secs(2);
    assert!(process::kill_pid(peer, "STOP"), "SIGSTOP the Regulator's peer");
    let guard = Paused(peer);
    let (unverifiable_after, slowest, answers) =
        until_unverifiable(v, valid, "VALID", bound, Duration::from_secs(MAX_STALENESS + 20));
    assert!(
        unverifiable_after <= Duration::from_secs(MAX_STALENESS + 2),
        "VALID for {unverifiable_after:?} after the peer was paused (limit {MAX_STALENESS} s)"
    );
    // Once the follower's first call has run into its deadline (5 s) the peer is taken as
    // down (/readyz says why).
    let t = Instant::now();
    let why = loop {
        let (status, why) = v.ready();
        assert_eq!(status, 503, "{why}");
        if why.contains("unreachable") {
            break why;
        }
        assert!(t.elapsed() < Duration::from_secs(15), "/readyz does not say the peer failed: {why}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(why.contains("GetChainInfo"), "{why}");
    // Certificates the cache does not hold are then not asked of the paused peer: answered
    // UNVERIFIABLE (the ledger cannot say UNKNOWN now) within the bound, every time.
    let mut miss_times = Vec::new();
    for i in 0..5 {
        let (verdict, took) = timed_verdict(v, &unknown_id(&format!("paused {i}")));
        assert_eq!(verdict, "UNVERIFIABLE", "a certificate the cache does not hold, peer paused");
        assert!(took < bound, "a miss took {took:?} with the peer paused\nlog:\n{}", v.log_tail());
        miss_times.push(took);
    }
    // Held paused past one gateway deadline (5 s), then resumed.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(v.verdict(valid), "UNVERIFIABLE");
    let paused_for = unverifiable_after + Duration::from_secs(3);
    drop(guard);
    let t = Instant::now();
    v.wait_verdict(valid, "VALID", Duration::from_secs(30));
    let back = t.elapsed();
    v.wait_ready(Duration::from_secs(10));
    assert_eq!(v.verdict(&unknown_id("resumed")), "UNKNOWN", "the peer answers misses again");
    let id = w.issued("LOT-VF-AFTER-PAUSE");
    v.wait_verdict(&id, "VALID", Duration::from_secs(10));
    w.revoke(&id, "revoked after the pause");
    let revoked = v.wait_verdict(&id, "REVOKED", Duration::from_secs(10));
    eprintln!(
        "[verifier-fabric] ok 5b: peer paused (SIGSTOP) → UNVERIFIABLE after {unverifiable_after:.1?} (limit \
         {MAX_STALENESS} s), {answers} answers, slowest {slowest:.0?}; misses UNVERIFIABLE in {:?}; after \
         {paused_for:.1?} paused, SIGCONT → VALID after {back:.1?}, a revocation REVOKED after {revoked:.1?}, same process",
        miss_times.iter().map(|d| format!("{:.0} ms", d.as_secs_f64() * 1000.0)).collect::<Vec<_>>()
    );
}

/// Step 5c: the verifier reading its peer through a latency proxy.
pub fn slow(net: &Network, w: &World, profile: &Path, cache: &Path, log: &Path, valid: &str) {
    let text = std::fs::read_to_string(profile).expect("profile");
    let peer: SocketAddr = net.var("REGULATOR_PEER_ADDRESS").parse().expect("the peer's address");
    let proxy = proxy::Proxy::start(peer);
    let proxied = profile.with_file_name("regulator-rita-proxied.yaml");
    let rewritten = text.replacen(&format!("address: {peer}"), &format!("address: {}", proxy.addr), 1);
    assert_ne!(rewritten, text, "the profile names the gateway's address");
    std::fs::write(&proxied, rewritten).expect("write the proxied profile");
    proxy.set_delay(Duration::from_millis(250));
    let v = Verifier::start(&proxied, cache, log);
    let ready = v.wait_ready(Duration::from_secs(60));
    let (verdict, took) = timed_verdict(&v, valid);
    assert_eq!(verdict, "VALID");
    let id = w.issued("LOT-VF-SLOW");
    v.wait_verdict(&id, "VALID", Duration::from_secs(20));
    w.revoke(&id, "revoked behind a slow link");
    let revoked = v.wait_verdict(&id, "REVOKED", Duration::from_secs(20));
    // Slower than the gateway's call deadline (5 s): every call fails, fail closed.
    proxy.set_delay(Duration::from_secs(7));
    let (unverifiable_after, slowest, answers) =
        until_unverifiable(&v, valid, "VALID", Duration::from_secs(2), Duration::from_secs(MAX_STALENESS + 20));
    assert!(
        unverifiable_after <= Duration::from_secs(MAX_STALENESS + 3),
        "VALID for {unverifiable_after:?} after the link became slower than the deadline"
    );
    // The staleness limit (4 s) comes before the first call runs into its deadline (5 s):
    // once one has, /readyz says so and misses are no longer asked of the peer.
    let t = Instant::now();
    while !v.ready().1.contains("unreachable") {
        assert!(t.elapsed() < Duration::from_secs(15), "/readyz does not say the peer failed: {}", v.ready().1);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(v.ready().0, 503);
    let (verdict, miss) = timed_verdict(&v, &unknown_id("slow"));
    assert_eq!(verdict, "UNVERIFIABLE");
    assert!(miss < Duration::from_secs(2), "a miss took {miss:?} behind a link slower than the deadline");
    proxy.set_delay(Duration::ZERO);
    let t = Instant::now();
    v.wait_verdict(valid, "VALID", Duration::from_secs(60));
    let back = t.elapsed();
    v.wait_ready(Duration::from_secs(10));
    let id = w.issued("LOT-VF-AFTER-SLOW");
    v.wait_verdict(&id, "VALID", Duration::from_secs(10));
    w.revoke(&id, "revoked after the slow link");
    let revoked_after = v.wait_verdict(&id, "REVOKED", Duration::from_secs(10));
    let mut v = v;
    v.stop();
    drop(proxy);
    let _ = std::fs::remove_file(&proxied);
    eprintln!(
        "[verifier-fabric] ok 5c: behind a 250 ms (each way) link: ready after {ready:.1?}, an answer in {took:.0?}, a \
         revocation REVOKED after {revoked:.1?}; at 7 s (past the 5 s deadline) UNVERIFIABLE after \
         {unverifiable_after:.1?} ({answers} answers, slowest {slowest:.0?}), a miss UNVERIFIABLE in {miss:.0?}; back \
         to 0 → VALID after {back:.1?}, a revocation REVOKED after {revoked_after:.1?}, same process"
    );
}
