//! The console's integration tests: a real console on an embedded data directory with
//! the sample network, driven over HTTP by members whose keys sign exactly as a
//! browser's WebCrypto does (r ‖ s), and (in `browser`) by headless Chromium.

mod browser;
mod credential;
mod fabric_ca;
mod process;
mod security;
mod support;
mod workflow;
