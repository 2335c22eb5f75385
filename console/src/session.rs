//! Sign-in by signature and the sessions that follow it.
//!
//! A member's browser asks for a challenge with its certificate; the console checks
//! the certificate against the organisation's CA (chain, validity, CRL) and answers
//! with fresh text naming the console, the time and 32 random bytes. The browser signs
//! it with the member's key; the console checks the signature once — a challenge is
//! single-use and lives two minutes ([`Limits::challenge`]) — and opens a session. The
//! challenges waiting for an answer are bounded: each client IP holds at most
//! [`CHALLENGES_PER_CLIENT`] (its oldest makes way for its next), all clients together
//! at most [`Limits::max_challenges`] (then [`ChallengeError::Full`] until some expire),
//! so challenges asked for and never answered cannot grow the console's memory. A
//! session is a random 256-bit ID in an
//! `HttpOnly; SameSite=Strict` cookie (and `Secure` behind HTTPS), a CSRF token that
//! every state-changing request must echo in `X-CSRF-Token`, an idle expiry and an
//! absolute one. Sign-out deletes the session on the server. Only SHA-256 hashes of
//! session IDs are kept, so a memory dump holds no usable cookie.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nanotrace_fabric_ca::msp::Member;

use crate::ledger::fabric::{SignedRead, UnsignedRead};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How many challenges one client IP may have waiting: a browser needs one (two if a
/// person clicks twice); the oldest makes way for the next.
pub const CHALLENGES_PER_CLIENT: usize = 8;

/// How long challenges and sessions live, and how many challenges may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A session ends after this long without a request…
    pub idle: Duration,
    /// … and this long after sign-in, however active.
    pub absolute: Duration,
    /// A challenge may be answered for this long.
    pub challenge: Duration,
    /// Challenges waiting for an answer, at most (all clients together).
    pub max_challenges: usize,
}

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
    client: IpAddr,
    issued: Instant,
}

/// Challenges and sessions, in memory (a restart signs everyone out).
pub struct Sessions {
    challenges: Mutex<HashMap<String, Challenge>>,
    sessions: Mutex<HashMap<String, Session>>,
    limits: Limits,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").field("limits", &self.limits).finish_non_exhaustive()
    }
}

/// Why no challenge was issued.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChallengeError {
    /// Every place for a waiting challenge is taken (by challenges not yet expired).
    #[error("too many sign-ins are under way; try again in {retry_after_secs} s")]
    Full {
        /// Seconds until the oldest waiting challenge expires.
        retry_after_secs: u64,
    },
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
    /// Challenges and sessions within `limits`.
    pub fn new(limits: Limits) -> Self {
        Sessions { challenges: Mutex::default(), sessions: Mutex::default(), limits }
    }

    /// A new challenge for `member` (whose certificate the caller has checked) asked for
    /// from `client`, with the read the member signs with it (on Fabric, `WhoAmI`);
    /// returns its ID and the bytes to sign. Expired challenges are dropped first; the
    /// client's oldest makes way when it has [`CHALLENGES_PER_CLIENT`]; refused when
    /// [`Limits::max_challenges`] are still waiting.
    pub fn challenge(
        &self,
        client: IpAddr,
        member: Member,
        read: Option<UnsignedRead>,
        console_url: &str,
        now_unix: i64,
    ) -> Result<(String, Vec<u8>), ChallengeError> {
        let lifetime = self.limits.challenge;
        let mut challenges = lock(&self.challenges);
        challenges.retain(|_, c| c.issued.elapsed() < lifetime);
        let mut own: Vec<(Instant, String)> =
            challenges.iter().filter(|(_, c)| c.client == client).map(|(id, c)| (c.issued, id.clone())).collect();
        if own.len() >= CHALLENGES_PER_CLIENT {
            own.sort();
            for (_, id) in own.iter().take(own.len() + 1 - CHALLENGES_PER_CLIENT) {
                challenges.remove(id);
            }
        }
        if challenges.len() >= self.limits.max_challenges {
            let oldest = challenges.values().map(|c| c.issued).min().unwrap_or_else(Instant::now);
            let left = lifetime.saturating_sub(oldest.elapsed());
            return Err(ChallengeError::Full { retry_after_secs: left.as_secs().max(1) });
        }
        let id = random_token();
        let text = format!(
            "NanoTrace console sign-in\nconsole: {console_url}\nmember: {}\nissued: {now_unix}\nnonce: {}\n",
            member.subject,
            random_token()
        )
        .into_bytes();
        challenges.insert(id.clone(), Challenge { text: text.clone(), member, read, client, issued: Instant::now() });
        Ok((id, text))
    }

    /// Whether challenge `id` may still be answered (without answering it).
    pub fn challenge_open(&self, id: &str) -> bool {
        lock(&self.challenges).get(id).is_some_and(|c| c.issued.elapsed() < self.limits.challenge)
    }

    /// How many challenges are held (expired ones included until the next is issued).
    pub fn challenges_held(&self) -> usize {
        lock(&self.challenges).len()
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
        if challenge.issued.elapsed() >= self.limits.challenge {
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
        sessions.retain(|_, s| self.live(s));
        sessions.insert(hashed(&sid), session.clone());
        Ok((sid, session))
    }

    fn live(&self, session: &Session) -> bool {
        session.last_seen.elapsed() < self.limits.idle && session.created.elapsed() < self.limits.absolute
    }

    /// Whether the session of cookie value `sid` is live, without touching it (a request
    /// touches it: [`Sessions::get`]).
    pub fn is_live(&self, sid: &str) -> bool {
        lock(&self.sessions).get(&hashed(sid)).is_some_and(|s| self.live(s))
    }

    /// The live session of cookie value `sid`, touched; `None` when unknown or expired
    /// (an expired one is removed).
    pub fn get(&self, sid: &str) -> Option<Session> {
        let key = hashed(sid);
        let mut sessions = lock(&self.sessions);
        let live = sessions.get(&key).is_some_and(|s| self.live(s));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Member {
        let dir = tempfile::tempdir().expect("tempdir");
        let msp = nanotrace_embedded::devmsp::DevMsp::new(dir.path());
        let id = msp.enroll("erin@acme", "AcmeMSP", nanotrace_embedded::devmsp::NodeType::Client).expect("enroll");
        msp.org_msp("AcmeMSP").expect("org").member(&id.cert_pem, nanotrace_embedded::datadir::now()).expect("member")
    }

    fn limits(max_challenges: usize) -> Limits {
        Limits {
            idle: Duration::from_secs(60),
            absolute: Duration::from_secs(600),
            challenge: Duration::from_secs(60),
            max_challenges,
        }
    }

    #[test]
    fn a_client_holds_a_few_challenges_its_oldest_making_way_and_a_full_store_refuses() {
        let sessions = Sessions::new(limits(CHALLENGES_PER_CLIENT + 2));
        let member = member();
        let (a, b, c) = (IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2]), IpAddr::from([192, 0, 2, 3]));
        let ask = |client| sessions.challenge(client, member.clone(), None, "http://console.test", 0);
        let first = ask(a).expect("a challenge").0;
        let mut from_a = vec![first.clone()];
        for _ in 0..CHALLENGES_PER_CLIENT * 3 {
            from_a.push(ask(a).expect("a client's own oldest makes way").0);
        }
        assert_eq!(sessions.challenges_held(), CHALLENGES_PER_CLIENT, "one client holds at most its share");
        assert!(!sessions.challenge_open(&first), "the oldest made way");
        assert!(from_a[from_a.len() - CHALLENGES_PER_CLIENT..].iter().all(|id| sessions.challenge_open(id)));
        ask(b).expect("another client");
        ask(b).expect("another client");
        let full = ask(c).expect_err("every place is taken");
        assert!(matches!(full, ChallengeError::Full { retry_after_secs } if (1..=60).contains(&retry_after_secs)));
        assert!(full.to_string().contains("too many sign-ins"), "{full}");
        assert_eq!(sessions.challenges_held(), CHALLENGES_PER_CLIENT + 2);
    }

    #[test]
    fn expired_challenges_make_way_and_cannot_be_answered() {
        let sessions = Sessions::new(Limits { challenge: Duration::from_millis(1), ..limits(1) });
        let member = member();
        let ask = |client: [u8; 4]| sessions.challenge(client.into(), member.clone(), None, "http://console.test", 0);
        let (id, _) = ask([192, 0, 2, 1]).expect("a challenge");
        let deadline = Instant::now() + Duration::from_secs(10);
        while sessions.challenge_open(&id) {
            assert!(Instant::now() < deadline, "the challenge never expired");
            std::thread::yield_now();
        }
        ask([192, 0, 2, 2]).expect("the expired challenge made way");
        assert_eq!(sessions.challenges_held(), 1);
        assert_eq!(sessions.sign_in(&id, b"", None).map(|_| ()), Err(SignInError::UnknownChallenge));
    }
}
