//! Wall-clock time for the services and tools around the ledger (the CLI, the verifier,
//! the console, the notifier, the benchmarks and the tests), defined once. Never for the
//! contract: its time is its transaction's timestamp, and a test of the contract
//! (`chaincode/tests/it/determinism.rs`) fails if its sources name a clock.

/// The current time in Unix seconds (UTC); 0 before 1970, which no clock here reads.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The current time in Unix milliseconds (UTC); 0 before 1970 (the notifier's due
/// times and delivery records).
pub fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_after_this_code_was_written_and_moves_with_the_clock() {
        let before = super::unix_now();
        assert!(before > 1_795_000_000, "{before}");
        let system = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
        assert!((i64::try_from(system).expect("fits") - before).abs() <= 1);
        let ms = super::unix_now_ms();
        assert!((ms / 1000 - super::unix_now()).abs() <= 1, "{ms}");
    }
}
