//! Integration tests of this crate, in one test binary (one link instead of one per file).
#![allow(clippy::unwrap_used, unreachable_pub)]

mod common;

mod binary;
mod certificate;
mod container;
mod protocol;
mod tls;
