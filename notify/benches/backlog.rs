//! The notifier's outbox with a backlog: what finding the due messages costs when many
//! wait (no harness: it prints its figures).
//!
//! ```sh
//! cargo bench -p nanotrace-notify --bench backlog
//! cargo bench -p nanotrace-notify --bench backlog -- 1000 10000 100000 1000000
//! ```
//!
//! For each backlog size it queues that many messages into a new store (through
//! `commit_pass`, 10,000 a pass), all due one hour from now — a receiver down for a while,
//! every message waiting for its next attempt — then times:
//!
//! - `due` now: what the delivery loop does every 100 ms (`service`), with nothing due;
//! - `due` in an hour: the first 256 of the backlog, all due;
//! - `counts`: the queued and dead-letter counts each `/metrics` scrape reads.
//!
//! Each is the median of 21 calls, in milliseconds.

use nanotrace_follow::Checkpoint;
use nanotrace_notify::route::Notification;
use nanotrace_notify::Store;
use std::time::{Duration, Instant};

/// Messages queued per pass.
const PASS: usize = 10_000;
/// When the backlog is due, from the start (Unix milliseconds).
const HOUR_MS: i64 = 3_600_000;

/// The median of 21 runs of `f`, in milliseconds.
fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<Duration> = (0..21)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .map(|a| a.parse().unwrap_or_else(|_| panic!("{a:?} is not a backlog size")))
        .collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000, 100_000, 1_000_000] } else { sizes };
    println!("The notifier's outbox with a backlog waiting for its next attempt (median of 21 calls, ms)");
    println!("{:>10} {:>10} {:>14} {:>16} {:>10}", "backlog", "queue_s", "due_now_ms", "due_256_ms", "counts_ms");
    for size in sizes {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db")).expect("store");
        let start_ms = 1_800_000_000_000i64;
        let queued = Instant::now();
        let mut n = 0;
        while n < size {
            let pass: Vec<Notification> = (n..(n + PASS).min(size)).map(|n| Notification::example(n as u64)).collect();
            n += pass.len();
            store.commit_pass(&Checkpoint::default(), pass, &[], start_ms + HOUR_MS).expect("queue");
        }
        let queue_s = queued.elapsed().as_secs_f64();
        let due_now = median_ms(|| assert!(store.due(start_ms, 256).expect("due").is_empty()));
        let due_later = median_ms(|| assert_eq!(store.due(start_ms + HOUR_MS, 256).expect("due").len(), 256.min(size)));
        let counts = median_ms(|| assert_eq!(store.counts().expect("counts"), (size, 0)));
        println!("{size:>10} {queue_s:>10.1} {due_now:>14.3} {due_later:>16.3} {counts:>10.3}");
    }
}
