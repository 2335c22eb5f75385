//! End-to-end tests of the `nanotrace` binary against temporary data directories: one
//! test binary, one module per concern.
//!
//! Every test runs the real binary (`CARGO_BIN_EXE_nanotrace`) with its own
//! `tempfile::tempdir()`, parses `--json` output where there is one, and checks exit
//! codes, error messages (one line, no panic) and the ledger height around refusals.

mod backup;
mod bad_input;
mod batch;
mod billing;
mod ca_cli;
mod client_ref;
mod credential;
mod demo;
mod deploy_files;
mod docs;
mod embedded_kill;
mod fabric_flags;
mod forgery;
mod full_disk;
mod imports;
mod key_files;
mod key_readers;
mod ledger_check;
mod lifecycle;
mod manifest;
mod member_requests;
mod migration;
mod offline_token;
mod refusals;
mod repository;
mod schemas;
mod support;
mod systemd;
mod typed_apply;
