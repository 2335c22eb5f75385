//! The members' console: one web service per organisation (or, on the embedded ledger,
//! for every organisation of a data directory) in which members apply for certificates,
//! certifiers review and decide, administrators invite members and manage roles and
//! issuer keys, and auditors read — with **every transaction signed in the member's
//! browser**.
//!
//! The trust model, in one paragraph: the server never holds, sees or can use a
//! member's private key. It builds what is to be signed — a Fabric proposal, then the
//! transaction ([`ledger`]); a sign-in challenge ([`session`]); a PKCS#10 request at
//! enrollment ([`csr`]); the canonical bytes of a certificate at approval
//! ([`actions`]) — and the browser signs it with a WebCrypto key kept non-extractable
//! in IndexedDB (`assets/console.js`). What the operator can do is read what its
//! members may read, refuse to pass a signed transaction on, and invite members of its
//! organisation; it cannot write anything in a member's name.
//!
//! Layout: [`config`] (flags), [`registry`] (invitations and issuer-key requests, in a
//! file), [`challenge`] (sign-in challenges sealed into their IDs), [`session`]
//! (sign-in, sessions, CSRF tokens), [`pem`] (a certificate,
//! exactly), [`csr`], [`ledger`] (the ledger behind the console and the signing stages),
//! [`actions`] (form → contract request, and who may), [`billing`] (paid certification
//! as members read it: counterparties, invoice states, downloads), [`web`] (routes,
//! pages, the JSON API the script calls).

pub mod actions;
pub mod billing;
pub mod challenge;
pub mod config;
pub mod csr;
pub mod ledger;
pub mod pem;
pub mod registry;
pub mod session;
pub mod web;

pub use config::Config;
