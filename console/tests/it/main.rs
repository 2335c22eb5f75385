//! The console's integration tests: a real console on an embedded data directory with
//! the sample network, driven over HTTP by members whose keys sign exactly as a
//! browser's WebCrypto does (r ‖ s), and (in `browser`) by headless Chromium; in
//! `fabric_lifecycle`, the same lifecycle in Chromium against a real Fabric network
//! (when Fabric binaries exist).

mod billing;
mod browser;
mod credential;
mod fabric_ca;
mod fabric_lifecycle;
mod hostile_ca;
mod invitations;
mod lockout;
mod process;
mod security;
mod signin;
mod support;
mod workflow;
