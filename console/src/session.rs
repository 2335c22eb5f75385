//! Sign-in by signature and the sessions that follow it.
//!
//! A member's browser asks for a challenge with its certificate; the console checks
//! the certificate against the organisation's CA (chain, validity, CRL) and answers
//! with fresh text naming the console, the time and 32 random bytes. The browser signs
//! it with the member's key; the console checks the signature once — a challenge is
//! single-use and lives two minutes — and opens a session: a random 256-bit ID in an
//! `HttpOnly; SameSite=Strict` cookie (and `Secure` behind HTTPS), a CSRF token that
//! every state-changing request must echo in `X-CSRF-Token`, an idle expiry and an
//! absolute one. Sign-out deletes the session on the server. Only SHA-256 hashes of
//! session IDs are kept, so a memory dump holds no usable cookie.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nanotrace_peer_client::msp::Member;

use crate::fabric::{SignedRead, UnsignedRead};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a sign-in challenge may be answered.
pub const CHALLENGE_LIFETIME: Duration = Duration::from_secs(120);

/// A signed-in member.
#[derive(Debug, Clone)]
pub struct Session {
    /// The member's certificate, checked at sign-in.
    pub member: Member,
    /// The token every state-changing request must carry.
    pub csrf: String,
    /// The session's key in the console's memory (the SHA-256 of its ID, never the ID):
    /// what its transactions in flight and its read answers are filed under.
    pub key: String,
    /// Reads the member signed at sign-in and the console evaluates again at every
    /// request (on Fabric: `WhoAmI`).
    pub standing: Vec<SignedRead>,
    created: Instant,
    last_seen: Instant,
}

struct Challenge {
    text: Vec<u8>,
    member: Member,
    read: Option<UnsignedRead>,
    issued: Instant,
}

/// Challenges and sessions, in memory (a restart signs everyone out).
pub struct Sessions {
    challenges: Mutex<HashMap<String, Challenge>>,
    sessions: Mutex<HashMap<String, Session>>,
    idle: Duration,
    absolute: Duration,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").field("idle", &self.idle).field("absolute", &self.absolute).finish_non_exhaustive()
    }
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignInError {
    /// No such challenge: never issued, already answered, or expired.
    #[error("the sign-in challenge is unknown, used or expired; start again")]
    UnknownChallenge,
    /// The signature is not the certificate key's over the challenge.
    #[error("the signature does not match your certificate: {0}")]
    BadSignature(String),
    /// The read to sign with the challenge (Fabric's `WhoAmI`) was not signed, or not by
    /// the certificate's key.
    #[error("the sign-in read was not signed by your certificate's key{0}")]
    BadReadSignature(String),
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

fn hashed(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Sessions {
    /// Sessions ending after `idle` without a request or `absolute` after sign-in.
    pub fn new(idle: Duration, absolute: Duration) -> Self {
        Sessions { challenges: Mutex::default(), sessions: Mutex::default(), idle, absolute }
    }

    /// A new challenge for `member` (whose certificate the caller has checked), with the
    /// read the member signs with it (on Fabric, `WhoAmI`); returns its ID and the bytes
    /// to sign.
    pub fn challenge(
        &self,
        member: Member,
        read: Option<UnsignedRead>,
        console_url: &str,
        now_unix: i64,
    ) -> (String, Vec<u8>) {
        let id = random_token();
        let text = format!(
            "NanoTrace console sign-in\nconsole: {console_url}\nmember: {}\nissued: {now_unix}\nnonce: {}\n",
            member.subject,
            random_token()
        )
        .into_bytes();
        let mut challenges = lock(&self.challenges);
        challenges.retain(|_, c| c.issued.elapsed() < CHALLENGE_LIFETIME);
        challenges.insert(id.clone(), Challenge { text: text.clone(), member, read, issued: Instant::now() });
        (id, text)
    }

    /// Answers challenge `id` with a DER signature (and the DER signature of its read,
    /// if it has one); on success the challenge is gone and a new session is open:
    /// returns the session ID (for the cookie) and the session.
    pub fn sign_in(
        &self,
        id: &str,
        der_signature: &[u8],
        read_signature: Option<&[u8]>,
    ) -> Result<(String, Session), SignInError> {
        let challenge = lock(&self.challenges).remove(id).ok_or(SignInError::UnknownChallenge)?;
        if challenge.issued.elapsed() >= CHALLENGE_LIFETIME {
            return Err(SignInError::UnknownChallenge);
        }
        challenge
            .member
            .verify(&challenge.text, der_signature)
            .map_err(|e| SignInError::BadSignature(e.to_string()))?;
        let mut standing = Vec::new();
        if let Some(read) = challenge.read {
            let signature = read_signature.ok_or_else(|| SignInError::BadReadSignature(String::new()))?;
            challenge
                .member
                .verify(read.to_sign(), signature)
                .map_err(|e| SignInError::BadReadSignature(format!(": {e}")))?;
            standing.push(read.signed(signature.to_vec()));
        }
        let now = Instant::now();
        let sid = random_token();
        let session = Session {
            member: challenge.member,
            csrf: random_token(),
            key: hashed(&sid),
            standing,
            created: now,
            last_seen: now,
        };
        let mut sessions = lock(&self.sessions);
        let (idle, absolute) = (self.idle, self.absolute);
        sessions.retain(|_, s| s.last_seen.elapsed() < idle && s.created.elapsed() < absolute);
        sessions.insert(hashed(&sid), session.clone());
        Ok((sid, session))
    }

    /// The live session of cookie value `sid`, touched; `None` when unknown or expired
    /// (an expired one is removed).
    pub fn get(&self, sid: &str) -> Option<Session> {
        let key = hashed(sid);
        let mut sessions = lock(&self.sessions);
        let live = sessions
            .get(&key)
            .is_some_and(|s| s.last_seen.elapsed() < self.idle && s.created.elapsed() < self.absolute);
        if !live {
            sessions.remove(&key);
            return None;
        }
        let session = sessions.get_mut(&key)?;
        session.last_seen = Instant::now();
        Some(session.clone())
    }

    /// Ends the session of `sid`.
    pub fn end(&self, sid: &str) {
        lock(&self.sessions).remove(&hashed(sid));
    }

    /// Ends every session of the certificate with serial `serial` of `msp_id` (a member
    /// who was removed).
    pub fn end_member(&self, msp_id: &str, serial: &str) {
        lock(&self.sessions).retain(|_, s| !(s.member.msp_id == msp_id && s.member.serial == serial));
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        lock(&self.sessions).len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
