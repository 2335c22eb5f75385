use super::*;

fn seqs(entries: &[Entry]) -> Vec<u64> {
    entries.iter().map(|e| e.seq).collect()
}

/// The index's keys, as (due time, seq).
fn index(store: &Store) -> Vec<(u64, u64)> {
    store
        .db
        .prefix_iterator([DUE])
        .map(|item| item.expect("read"))
        .take_while(|(k, _)| k.first() == Some(&DUE))
        .map(|(k, _)| {
            let word = |r: std::ops::Range<usize>| u64::from_be_bytes(k[r].try_into().expect("8 bytes"));
            (word(1..9), word(9..17))
        })
        .collect()
}

/// Queues messages `from`.. (`n` of them), due at `at`, in one pass.
fn queue(store: &Store, from: u64, n: u64, at: i64) {
    let pass = (from..from + n).map(Notification::example).collect();
    store.commit_pass(&Checkpoint::default(), pass, &[], at).expect("queue");
}

#[test]
fn only_what_is_due_is_read_earliest_first_and_every_move_keeps_the_index_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db")).expect("store");
    queue(&store, 1, 3, 1_000); // seq 1, 2, 3 due at 1,000
    queue(&store, 4, 2, 500); // seq 4, 5 due at 500
    assert!(store.due(499, 10).expect("due").is_empty());
    assert_eq!(seqs(&store.due(500, 10).expect("due")), vec![4, 5]);
    assert_eq!(seqs(&store.due(1_000, 10).expect("due")), vec![4, 5, 1, 2, 3], "earliest due first");
    assert_eq!(seqs(&store.due(1_000, 2).expect("due")), vec![4, 5], "at most the limit");

    // A failed attempt moves the message to its next time ...
    let mut retried = store.due(500, 1).expect("due").remove(0);
    retried.attempts = 1;
    retried.next_attempt_ms = 2_000;
    retried.last_error = Some("503".into());
    store.reschedule(&retried).expect("reschedule");
    assert_eq!(seqs(&store.due(1_999, 10).expect("due")), vec![5, 1, 2, 3]);
    let later = store.due(2_000, 10).expect("due");
    assert_eq!(seqs(&later), vec![5, 1, 2, 3, 4]);
    assert_eq!(later[4], retried, "as rescheduled");
    // ... delivery and the dead letters take messages out ...
    store.delivered(&later[0]).expect("delivered");
    store.bury(&later[1]).expect("bury");
    assert_eq!(seqs(&store.due(i64::MAX, 10).expect("due")), vec![2, 3, 4]);
    assert_eq!(store.counts().expect("counts"), (3, 1));
    // ... and a resend puts one back, due now.
    assert_eq!(seqs(&store.resend(&[], 3_000).expect("resend")), vec![1]);
    assert_eq!(seqs(&store.due(3_000, 10).expect("due")), vec![2, 3, 4, 1]);
    // One index entry per outbox entry, at its due time: nothing left behind by the moves.
    assert_eq!(index(&store), vec![(1_000, 2), (1_000, 3), (2_000, 4), (3_000, 1)]);
}

#[test]
fn a_store_without_the_index_is_indexed_when_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db");
    {
        let store = Store::open(&path).expect("store");
        queue(&store, 1, 2, 100);
        queue(&store, 3, 1, 50);
        // As a version without the index left it: no `q` keys but one that points to
        // nothing.
        let mut batch = WriteBatch::default();
        batch.delete_range([DUE], [DUE + 1]);
        batch.put(due_key(10, 99), []);
        store.db.write(batch).expect("write");
        assert!(store.due(i64::MAX, 10).expect("due").is_empty(), "the index is what due reads");
    }
    let store = Store::open(&path).expect("reopen");
    assert_eq!(seqs(&store.due(i64::MAX, 10).expect("due")), vec![3, 1, 2]);
    assert_eq!(index(&store), vec![(50, 3), (100, 1), (100, 2)]);
}
