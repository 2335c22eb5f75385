//! The contract's response to a committed transaction whose next page asked for it (its
//! `done` held [`crate::actions::TX_ID_SLOT`]): kept for the session that committed it,
//! for that page to use — an imported statement's receipt, which says where the report is
//! kept (the page reads it from there as the member). Only the session's last such
//! response is kept, for at most [`KEEP`]; no other session reads it, and it is never
//! logged.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ledger::stage::lock;

/// How long a response is kept for its page.
pub const KEEP: Duration = Duration::from_secs(3600);

struct Receipt {
    tx_id: String,
    result: Vec<u8>,
    kept: Instant,
}

/// The responses kept, by session.
#[derive(Default)]
pub struct Receipts {
    by_session: Mutex<HashMap<String, Receipt>>,
}

impl std::fmt::Debug for Receipts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receipts").finish_non_exhaustive()
    }
}

impl Receipts {
    /// Keeps `result`, the response of transaction `tx_id` committed by `session`, in
    /// place of the session's previous one (dropping every response kept too long).
    pub fn keep(&self, session: &str, tx_id: &str, result: Vec<u8>) {
        let mut kept = lock(&self.by_session);
        kept.retain(|_, r| r.kept.elapsed() < KEEP);
        kept.insert(session.to_owned(), Receipt { tx_id: tx_id.to_owned(), result, kept: Instant::now() });
    }

    /// The response of transaction `tx_id` if `session` committed it and it is kept.
    pub fn get(&self, session: &str, tx_id: &str) -> Option<Vec<u8>> {
        let kept = lock(&self.by_session);
        kept.get(session).filter(|r| r.tx_id == tx_id && r.kept.elapsed() < KEEP).map(|r| r.result.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_reads_its_own_last_response_only() {
        let receipts = Receipts::default();
        receipts.keep("s1", "tx1", b"one".to_vec());
        assert_eq!(receipts.get("s1", "tx1").as_deref(), Some(&b"one"[..]));
        assert_eq!(receipts.get("s2", "tx1"), None, "another session's");
        receipts.keep("s1", "tx2", b"two".to_vec());
        assert_eq!(receipts.get("s1", "tx1"), None, "replaced by the session's next");
        assert_eq!(receipts.get("s1", "tx2").as_deref(), Some(&b"two"[..]));
    }
}
