//! Sign-in by signature and the sessions that follow it.
//!
//! A member's browser asks for a challenge with its certificate; the console checks
//! the certificate against the organisation's CA (chain, validity, CRL) and answers
//! with text naming the console, the member, the time and a random nonce, and the
//! challenge's ID: the challenge sealed ([`crate::challenge`]), so the console keeps
//! nothing per challenge handed out and nobody can fill anything by asking for them.
//! The browser signs the text with the member's key; the console opens the seal (a
//! challenge lives [`Limits::challenge`]), checks the certificate again and the
//! signature, and only then records the challenge as answered: it is single-use. A
//! session is a random 256-bit ID in an
//! `HttpOnly; SameSite=Strict` cookie (and `Secure` behind HTTPS), a CSRF token that
//! every state-changing request must echo in `X-CSRF-Token`, an idle expiry and an
//! absolute one. Sign-out deletes the session on the server. Only SHA-256 hashes of
//! session IDs are kept, so a memory dump holds no usable cookie.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nanotrace_fabric_ca::msp::Member;

use crate::challenge::{Answered, Challenge, Refused, Seal};
use crate::ledger::fabric::{SignedRead, UnsignedRead};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long challenges and sessions live, and how many answered challenges are
/// remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A session ends after this long without a request…
    pub idle: Duration,
    /// … and this long after sign-in, however active.
    pub absolute: Duration,
    /// A challenge may be answered for this long (to the second).
    pub challenge: Duration,
    /// Challenges answered and not yet expired, at most (each is remembered until it
    /// expires, so that it is answered once).
    pub max_answered: usize,
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

/// A member's answer to a challenge: DER signatures (low S) of its text and, if it
/// carries one, of its read.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// Over [`Challenge::text`].
    pub signature: &'a [u8],
    /// Over the read's [`UnsignedRead::to_sign`] (Fabric).
    pub read_signature: Option<&'a [u8]>,
}

impl<'a> Answer<'a> {
    /// A signature of the text alone (no read to sign).
    pub fn text(signature: &'a [u8]) -> Self {
        Answer { signature, read_signature: None }
    }
}

/// Sessions in memory (a restart signs everyone out), and the seal and the answered
/// challenges of sign-in.
pub struct Sessions {
    seal: Seal,
    answered: Answered,
    sessions: Mutex<HashMap<String, Session>>,
    limits: Limits,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").field("limits", &self.limits).finish_non_exhaustive()
    }
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignInError {
    /// Not a challenge of this console, already answered, or expired.
    #[error("the sign-in challenge is unknown, used or expired; start again")]
    UnknownChallenge,
    /// The signature is not the certificate key's over the challenge.
    #[error("the signature does not match your certificate: {0}")]
    BadSignature(String),
    /// The read to sign with the challenge (Fabric's `WhoAmI`) was not signed, or not by
    /// the certificate's key.
    #[error("the sign-in read was not signed by your certificate's key{0}")]
    BadReadSignature(String),
    /// As many challenges were answered in the last challenge lifetime as are
    /// remembered (`--max-answered-challenges`).
    #[error("too many sign-ins in the last minutes; try again in {retry_after_secs} s")]
    Busy {
        /// Seconds until the first of them expires.
        retry_after_secs: u64,
    },
}

impl From<Refused> for SignInError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Unknown | Refused::Expired | Refused::Used => SignInError::UnknownChallenge,
            Refused::Full { retry_after_secs } => SignInError::Busy { retry_after_secs },
        }
    }
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
    /// Challenges and sessions within `limits`, challenges sealed with a new random key.
    pub fn new(limits: Limits) -> Self {
        Sessions {
            seal: Seal::random(),
            answered: Answered::new(limits.max_answered),
            sessions: Mutex::default(),
            limits,
        }
    }

    /// A new challenge for `member` (whose certificate the caller has checked), with the
    /// read the member signs with it (on Fabric, `WhoAmI`), issued at `now` (Unix
    /// seconds): its ID and the bytes to sign. Nothing is kept.
    pub fn challenge(
        &self,
        member: &Member,
        read: Option<&UnsignedRead>,
        console_url: &str,
        now: i64,
    ) -> (String, Vec<u8>) {
        let lifetime = self.limits.challenge.as_secs().max(1);
        let challenge =
            Challenge::new(&member.msp_id, &member.cert_pem, read.map(UnsignedRead::proposed), now, lifetime);
        (self.seal.seal(&challenge), challenge.text(console_url, &member.subject))
    }

    /// The challenge of ID `id`, if this console sealed it and it may be answered at
    /// `now` (it may have been answered already: [`Sessions::sign_in`] says).
    pub fn open(&self, id: &str, now: i64) -> Result<Challenge, SignInError> {
        Ok(self.seal.open(id, now)?)
    }

    /// Whether challenge `id` may still be answered at `now` (without answering it).
    pub fn challenge_open(&self, id: &str, now: i64) -> bool {
        self.seal.open(id, now).is_ok_and(|c| !self.answered.contains(&c))
    }

    /// How many answered challenges are remembered (until they expire; nothing is kept
    /// for a challenge handed out and not answered).
    pub fn answered_held(&self) -> usize {
        self.answered.len()
    }

    /// Answers `challenge` ([`Sessions::open`]) of `member` (its certificate checked again
    /// by the caller), with the read it carried (`read`, made again by the ledger), with
    /// `answer`'s signatures at `now`. On success the challenge is recorded as answered
    /// and a new session is open: returns the session ID (for the cookie) and the session.
    pub fn sign_in(
        &self,
        challenge: &Challenge,
        member: Member,
        read: Option<UnsignedRead>,
        console_url: &str,
        answer: Answer<'_>,
        now: i64,
    ) -> Result<(String, Session), SignInError> {
        let Answer { signature: der_signature, read_signature } = answer;
        if member.msp_id != challenge.msp_id || member.cert_pem != challenge.cert_pem {
            return Err(SignInError::UnknownChallenge);
        }
        member
            .verify(&challenge.text(console_url, &member.subject), der_signature)
            .map_err(|e| SignInError::BadSignature(e.to_string()))?;
        let mut standing = Vec::new();
        if let Some(read) = read {
            let signature = read_signature.ok_or_else(|| SignInError::BadReadSignature(String::new()))?;
            member.verify(read.to_sign(), signature).map_err(|e| SignInError::BadReadSignature(format!(": {e}")))?;
            standing.push(read.signed(signature.to_vec()));
        }
        // Only now, with the member's signatures checked: once only.
        self.answered.record(challenge, now)?;
        let now = Instant::now();
        let sid = random_token();
        let session =
            Session { member, csrf: random_token(), key: hashed(&sid), standing, created: now, last_seen: now };
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

    /// A member of a new organisation and their key.
    fn member(name: &str) -> (Member, p256::ecdsa::SigningKey) {
        use p256::pkcs8::DecodePrivateKey as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let msp = nanotrace_embedded::devmsp::DevMsp::new(dir.path());
        let id = msp.enroll(name, "AcmeMSP", nanotrace_embedded::devmsp::NodeType::Client).expect("enroll");
        let member = msp.org_msp("AcmeMSP").expect("org").member(&id.cert_pem, nanotrace_embedded::datadir::now());
        let key_pem = std::fs::read_to_string(dir.path().join("identities").join(name).join("key.pem")).expect("key");
        let key = p256::SecretKey::from_pkcs8_pem(&key_pem).expect("pkcs8 key");
        (member.expect("member"), key.into())
    }

    fn limits(max_answered: usize) -> Limits {
        Limits {
            idle: Duration::from_secs(60),
            absolute: Duration::from_secs(600),
            challenge: Duration::from_secs(60),
            max_answered,
        }
    }

    fn signature(key: &p256::ecdsa::SigningKey, text: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        let signature: p256::ecdsa::Signature = key.sign(text);
        // Low S, as Fabric requires.
        signature.normalize_s().unwrap_or(signature).to_der().as_bytes().to_vec()
    }

    #[test]
    fn handing_out_challenges_keeps_nothing_and_each_is_answered_once() {
        let sessions = Sessions::new(limits(1));
        let (member, key) = member("erin@acme");
        let url = "http://console.test";
        let ids: Vec<(String, Vec<u8>)> = (0..10_000).map(|_| sessions.challenge(&member, None, url, 1_000)).collect();
        assert_eq!(sessions.answered_held(), 0, "nothing is kept for a challenge handed out");
        let (id, text) = &ids[9_999];
        let challenge = sessions.open(id, 1_001).expect("a challenge of this console");
        let bad =
            sessions.sign_in(&challenge, member.clone(), None, url, Answer::text(&signature(&key, b"other")), 1_001);
        assert!(matches!(bad, Err(SignInError::BadSignature(_))), "{bad:?}");
        assert_eq!(sessions.answered_held(), 0, "a wrong signature records nothing");
        let good = signature(&key, text);
        sessions.sign_in(&challenge, member.clone(), None, url, Answer::text(&good), 1_001).expect("signed in");
        assert!(!sessions.challenge_open(id, 1_001), "answered");
        let again = sessions.sign_in(&challenge, member.clone(), None, url, Answer::text(&good), 1_002);
        assert_eq!(again.map(|_| ()), Err(SignInError::UnknownChallenge), "a challenge is answered once");
        let (other_id, other_text) = &ids[0];
        let other = sessions.open(other_id, 1_002).expect("open");
        let busy =
            sessions.sign_in(&other, member.clone(), None, url, Answer::text(&signature(&key, other_text)), 1_002);
        assert_eq!(busy.map(|_| ()), Err(SignInError::Busy { retry_after_secs: 59 }), "one remembered at most");
        assert!(sessions.open(other_id, 1_061).is_err(), "expired");
    }

    #[test]
    fn a_challenge_answers_only_for_the_member_it_was_made_for() {
        let sessions = Sessions::new(limits(8));
        let (erin, _) = member("erin@acme");
        let (frank, frank_key) = member("frank@acme");
        let (id, _) = sessions.challenge(&erin, None, "http://console.test", 1_000);
        let challenge = sessions.open(&id, 1_000).expect("open");
        let text = challenge.text("http://console.test", &frank.subject);
        let answer = sessions.sign_in(
            &challenge,
            frank,
            None,
            "http://console.test",
            Answer::text(&signature(&frank_key, &text)),
            1_000,
        );
        assert_eq!(answer.map(|_| ()), Err(SignInError::UnknownChallenge));
        assert_eq!(sessions.answered_held(), 0);
    }
}
