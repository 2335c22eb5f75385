//! A client of Fabric CA's REST API (Fabric CA 1.5): what an organisation's members and
//! its admin need to join and leave a Fabric network — the CA's information, enrollment
//! (the key pair is made here and only a certificate signing request leaves the
//! machine), re-enrollment, registration of new members by a registrar, revocation and
//! the CRL, the list of identities and of an identity's certificates.
//!
//! One file per noun, as in the Gateway client (`nanotrace-fabric-gateway`): [`CaClient`] (the connection and the
//! API's answer envelope, `client`), [`Enrollment`] (key, certificate and CA chain, and
//! the enroll/reenroll calls, `enrollment`), [`Registration`] (`registration`),
//! [`Revocation`] and the CRL (`revocation`), [`IdentityInfo`] (`identities`), an
//! identity's certificates (`certificates`),
//! [`CaInfo`] (`info`), and the token authentication every call by an enrolled identity
//! carries (`token`: an ECDSA signature over the method, the request URI, the body and
//! the certificate, as Fabric CA's `util` package defines it).
//!
//! Errors name the CA's own error codes and messages ([`CaError::Refused`]).
//!
//! The CA's answers are not taken on trust: no redirect is followed (a 3xx is
//! [`CaError::Redirected`], naming its status, not where it pointed), an answer is read
//! chunk by chunk up to [`MAX_ANSWER_BYTES`] (1 MiB) and refused beyond
//! ([`CaError::TooLarge`]), and a certificate from enroll or reenroll is refused unless
//! it is for the request's key and its one CN is the enrollment ID
//! ([`CaError::WrongCertificate`]) — nothing is returned to store. No error text names
//! a URL (a reqwest error is shown `without_url`): it may reach people, such as a member
//! enrolling in the console, who must not learn the CA's internal address. Tested
//! against a hostile CA (`nanotrace_testkit::hostile_ca`, `tests/it/hostile_ca.rs`).
//!
//! The enrolled identity signs for the Gateway client: [`Enrollment::identity`] is a
//! `nanotrace_fabric_gateway::SigningIdentity`. And [`msp`] checks, as a Fabric MSP does,
//! a member's certificate (against the organisation's CA and CRL) and a signature made
//! elsewhere (a browser's).

mod certificates;
mod client;
mod enrollment;
mod error;
mod identities;
mod info;
pub mod msp;
mod registration;
mod revocation;
mod token;

pub use client::{CaClient, MAX_ANSWER_BYTES};
pub use enrollment::{Enrollment, Issued};
pub use error::{CaError, CaMessage};
pub use identities::{IdentityAttribute, IdentityInfo};
pub use info::CaInfo;
pub use registration::{Attribute, Registration, UnsignedRegistration};
pub use revocation::{Revocation, Revoked, RevokedCertificate, UnsignedRevocation};
pub use token::{assemble as assemble_token, token, token_payload};
