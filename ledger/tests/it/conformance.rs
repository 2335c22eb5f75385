//! The conformance scenarios every ledger backend must pass (`nanotrace-testkit`), run
//! against the embedded RocksDB ledger and the in-memory test ledger.

mod rocksdb {
    nanotrace_testkit::conformance_tests!(nanotrace_testkit::conformance::TempLedger::new());
}

mod memory {
    nanotrace_testkit::conformance_tests!(nanotrace_ledger::memory::MemoryLedger::new());
}
