//! NanoTrace notifications: the people and systems who depend on a certificate hear
//! about it.
//!
//! `nanotrace-notify` follows the ledger (embedded or a Fabric channel, through
//! [`nanotrace_follow`]) from a durable checkpoint, turns each committed transaction into
//! the notifications its organisation's subscription file asks for ([`config`],
//! [`route`]), and queues them in a RocksDB outbox written in the same batch as the
//! checkpoint ([`store`]): a crash at any point loses nothing and re-sends at most what
//! was in flight. Messages go out as webhooks signed per the Standard Webhooks
//! specification ([`webhook`]) and as emails over SMTP ([`email`]), with retries,
//! exponential backoff and jitter, and a dead-letter list ([`engine`]). Expiry
//! reminders come from a timer over the issued certificates it watches. Invoices, credit
//! notes and payments come from the organisation's private billing records ([`billing`]).
//!
//! | module | job |
//! |---|---|
//! | [`config`] | the subscription file (TOML), checked with line numbers |
//! | [`route`] | which subscriptions an event concerns; notification IDs |
//! | [`message`] | webhook JSON, email subject, text and HTML |
//! | [`billing`] | which invoices, credit notes and payments concern a `[[billing]]` subscription |
//! | [`billing_message`] | their webhook JSON, email subject and text |
//! | [`store`] | checkpoint, outbox, dead letters, watched certificates |
//! | [`webhook`] | Standard Webhooks signing and sending |
//! | [`email`] | SMTP sending |
//! | [`engine`] | follow pass, reminders, delivery with retries |
//! | [`service`] | the loops and `/metrics`, `/healthz`, `/readyz` |

pub mod billing;
pub mod billing_message;
pub mod config;
pub mod email;
pub mod engine;
pub mod kind;
pub mod message;
pub mod route;
pub mod service;
pub mod store;
pub mod webhook;

pub use config::Config;
pub use engine::Notifier;
pub use store::Store;
