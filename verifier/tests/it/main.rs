//! The verifier's integration tests, in one test binary (one link instead of three):
//!
//! - [`web`]: the web layer against a real cache filled from the real contract;
//! - [`browser`]: the verification page in headless Chromium at phone size;
//! - [`camera`]: the consignment page scanning codes from a fake camera in Chromium;
//! - [`languages`]: the public pages in German and French, in Chromium and through the
//!   reused answers;
//! - [`offline`]: scanned labels checked in Chromium with the network cut (the service
//!   worker and the in-browser signature check);
//! - [`follow`]: real `nanotrace-verifier` processes following embedded ledgers through
//!   restarts, SIGKILL and an unreadable ledger.
//!
//! `common_web` and `common_follow` are their fixtures; the sample applications come
//! from `nanotrace_testkit`.

#![allow(unreachable_pub)] // The modules share helpers: `pub` here means "for the other modules".

mod browser;
mod camera;
mod common_follow;
mod common_web;
mod follow;
mod full_disk;
mod languages;
mod offline;
mod tls;
mod web;
