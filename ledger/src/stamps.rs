//! [`Stamps`]: the transaction ID and timestamp of recently read blocks, for history.
//!
//! Every history entry reports its block's transaction ID and timestamp, which live in
//! the block's [`LogEntry`](crate::LogEntry) next to its chaincode event — tens of
//! kilobytes of hex for an `ApplyBatch` of 1,000. Reading the histories of the 1,000
//! certificates such a block wrote scanned that event a thousand times: 11 % of the
//! verifier's cache build after the event was no longer decoded (issue 49). A log entry
//! is written once, when its block commits, and never changed, so what it says can be
//! kept for as long as the [`Ledger`](crate::Ledger) is open.

use crate::codec::LogStamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// Blocks kept; past this the memo starts over (one history read refills what it needs).
pub(crate) const KEPT_STAMPS: usize = 4096;

/// Block number → its [`LogStamp`], at most [`KEPT_STAMPS`] of them.
#[derive(Default)]
pub(crate) struct Stamps(Mutex<HashMap<u64, LogStamp>>);

impl Stamps {
    /// The stamp of `block`, read with `read` when it is not kept yet.
    pub(crate) fn get_or_read<E>(&self, block: u64, read: impl FnOnce() -> Result<LogStamp, E>) -> Result<LogStamp, E> {
        if let Some(stamp) = self.lock().get(&block) {
            return Ok(stamp.clone());
        }
        // Read without the lock: other readers go on meanwhile.
        let stamp = read()?;
        let mut kept = self.lock();
        if kept.len() >= KEPT_STAMPS {
            kept.clear();
        }
        kept.insert(block, stamp.clone());
        Ok(stamp)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, LogStamp>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_shim::TxTimestamp;

    fn stamp(block: u64) -> LogStamp {
        LogStamp { block, tx_id: format!("tx{block}"), timestamp: TxTimestamp { seconds: block as i64, nanos: 0 } }
    }

    #[test]
    fn a_kept_stamp_is_not_read_again_and_the_memo_is_bounded() {
        let stamps = Stamps::default();
        let mut reads = 0;
        for _ in 0..3 {
            let got = stamps.get_or_read::<()>(7, || {
                reads += 1;
                Ok(stamp(7))
            });
            assert_eq!(got, Ok(stamp(7)));
        }
        assert_eq!(reads, 1);
        // A failed read keeps nothing.
        assert_eq!(stamps.get_or_read(8, || Err("gone")), Err("gone"));
        assert_eq!(stamps.lock().len(), 1);
        for block in 0..(KEPT_STAMPS as u64 * 2) {
            stamps.get_or_read::<()>(block, || Ok(stamp(block))).expect("stamp");
            assert!(stamps.lock().len() <= KEPT_STAMPS);
        }
    }
}
