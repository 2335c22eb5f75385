//! The notifier's tests, in one test binary:
//!
//! - [`lifecycle`]: a certificate's whole lifecycle by webhook (checked with the Standard
//!   Webhooks reference library) and by email through a real SMTP server, and the expiry
//!   reminder with the clock set by the test;
//! - [`billing`]: an invoice emailed with its PDF and XML, its payment by webhook, each
//!   once, to the parties' notifiers only, across restarts;
//! - [`crash`]: the binary killed with SIGKILL at random points during 1,000 events, a
//!   receiver down for a while or failing forever (dead letters and the CLI), an
//!   unreachable SMTP server;
//! - [`forgery`]: a certificate no certifier signed, committed with an issuance event
//!   past the contract, is not announced;
//! - [`security`]: a webhook's private root trusted for that webhook only, no webhook URL
//!   in an error, the log or the dead-letter list, redirects not followed.
//!
//! [`support`] holds the servers and the process guard they share.

#![allow(unreachable_pub)] // The modules share helpers: `pub` here means "for the other modules".

mod billing;
mod crash;
mod forgery;
mod lifecycle;
mod security;
mod support;
