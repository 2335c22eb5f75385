//! Sign-in challenges that cost the console nothing to hand out.
//!
//! A challenge's ID is the challenge itself, sealed ([`Seal`]): what it is for (the
//! organisation, the member's certificate as the console checked it, on Fabric the
//! unsigned `WhoAmI` proposal the member signs with it), a random nonce, when it was
//! issued and until when it may be answered — and an HMAC-SHA256 over all of it under a
//! key the process draws when it starts and never shows. The console keeps nothing per
//! challenge it hands out: asking for any number of them fills nothing.
//!
//! Answering opens the seal first: an ID that was not made here, was altered, or is past
//! its time is refused before anything else is done. Then the member's signatures are
//! checked, and only then is the nonce written to [`Answered`], which refuses it a second
//! time until it expires. Only a member's valid signature writes there, so only members
//! can fill it (at most `--max-answered-challenges` in one challenge lifetime).

use std::collections::HashMap;
use std::sync::Mutex;

use data_encoding::BASE64URL_NOPAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The longest challenge ID opened, a longer one refused unread: a certificate is at
/// most 16 KiB of PEM (`crate::pem`) and the proposal carries it again, so every ID this
/// console seals fits (a sample member's is ~1 KiB; on Fabric the proposal adds a few).
pub const MAX_ID_LEN: usize = 64 * 1024;

/// What the MAC covers before the challenge, so no other message of the console's key
/// could ever pass for a challenge.
const DOMAIN: &[u8] = b"nanotrace-console sign-in challenge v1\n";

/// A challenge, as sealed into its ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// 32 random bytes, base64url: what makes it single-use.
    pub nonce: String,
    /// When it was issued, Unix seconds.
    pub issued: i64,
    /// The last Unix second it may be answered in.
    pub expires: i64,
    /// The member's organisation.
    pub msp_id: String,
    /// The member's certificate, PEM, as the console re-encoded and checked it.
    pub cert_pem: String,
    /// On Fabric, the unsigned `WhoAmI` proposal the member signs with it, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<String>,
}

impl Challenge {
    /// A fresh challenge (a new random nonce) for the member with certificate `cert_pem`
    /// of `msp_id`, issued at `now` for `lifetime_secs`, with the proposal `read`.
    pub fn new(msp_id: &str, cert_pem: &str, read: Option<&[u8]>, now: i64, lifetime_secs: u64) -> Self {
        let mut nonce = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        Challenge {
            nonce: BASE64URL_NOPAD.encode(&nonce),
            issued: now,
            expires: now.saturating_add(i64::try_from(lifetime_secs).unwrap_or(i64::MAX)),
            msp_id: msp_id.to_owned(),
            cert_pem: cert_pem.to_owned(),
            read: read.map(|r| BASE64URL_NOPAD.encode(r)),
        }
    }

    /// The text the member signs: the console, the member, the time, the nonce.
    pub fn text(&self, console_url: &str, subject: &str) -> Vec<u8> {
        format!(
            "NanoTrace console sign-in\nconsole: {console_url}\nmember: {subject}\nissued: {}\nnonce: {}\n",
            self.issued, self.nonce
        )
        .into_bytes()
    }

    /// The proposal to sign with it (Fabric), decoded.
    pub fn read(&self) -> Result<Option<Vec<u8>>, Refused> {
        self.read.as_deref().map(|r| BASE64URL_NOPAD.decode(r.as_bytes()).map_err(|_| Refused::Unknown)).transpose()
    }
}

/// Why a challenge's answer was refused.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    /// Not a challenge this console sealed (malformed, altered, another key's).
    #[error("not a challenge of this console")]
    Unknown,
    /// Its time to be answered is over.
    #[error("the challenge expired")]
    Expired,
    /// It was answered already.
    #[error("the challenge was answered already")]
    Used,
    /// The challenges answered and not yet expired are as many as may be remembered.
    #[error("too many sign-ins in the last minutes; try again in {retry_after_secs} s")]
    Full {
        /// Seconds until the first of them expires.
        retry_after_secs: u64,
    },
}

/// Seals challenges into IDs and opens them: HMAC-SHA256 under the process's own key.
pub struct Seal {
    key: [u8; 32],
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seal").finish_non_exhaustive()
    }
}

impl Seal {
    /// A seal with a new random key (challenges of an earlier process, or of another
    /// console, do not open with it).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Seal { key }
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(DOMAIN);
        mac.update(payload);
        mac
    }

    /// `challenge` sealed: its ID, `payload.tag` (both base64url).
    pub fn seal(&self, challenge: &Challenge) -> String {
        let payload = serde_json::to_vec(challenge).unwrap_or_else(|_| unreachable!("strings and numbers serialise"));
        let tag = self.mac(&payload).finalize().into_bytes();
        format!("{}.{}", BASE64URL_NOPAD.encode(&payload), BASE64URL_NOPAD.encode(&tag))
    }

    /// The challenge sealed in `id`, if this seal made it (the tag compared in constant
    /// time) and it may still be answered at `now` (Unix seconds).
    pub fn open(&self, id: &str, now: i64) -> Result<Challenge, Refused> {
        if id.len() > MAX_ID_LEN {
            return Err(Refused::Unknown);
        }
        let (payload, tag) = id.split_once('.').ok_or(Refused::Unknown)?;
        let payload = BASE64URL_NOPAD.decode(payload.as_bytes()).map_err(|_| Refused::Unknown)?;
        let tag = BASE64URL_NOPAD.decode(tag.as_bytes()).map_err(|_| Refused::Unknown)?;
        self.mac(&payload).verify_slice(&tag).map_err(|_| Refused::Unknown)?;
        let challenge: Challenge = serde_json::from_slice(&payload).map_err(|_| Refused::Unknown)?;
        if now > challenge.expires {
            return Err(Refused::Expired);
        }
        Ok(challenge)
    }
}

/// The nonces of challenges answered, each until its challenge expires: a challenge is
/// answered once. Written only for a valid signature.
#[derive(Debug)]
pub struct Answered {
    nonces: Mutex<HashMap<String, i64>>,
    max: usize,
}

impl Answered {
    /// At most `max` (at least 1) remembered at once.
    pub fn new(max: usize) -> Self {
        Answered { nonces: Mutex::default(), max: max.max(1) }
    }

    /// Records `challenge` as answered at `now`; refused when it was already, or when
    /// `max` answered challenges have not expired yet (then nothing is recorded).
    pub fn record(&self, challenge: &Challenge, now: i64) -> Result<(), Refused> {
        let mut nonces = self.nonces.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if nonces.get(&challenge.nonce).is_some_and(|expires| now <= *expires) {
            return Err(Refused::Used);
        }
        if nonces.len() >= self.max {
            nonces.retain(|_, expires| now <= *expires);
        }
        if nonces.len() >= self.max {
            let first = nonces.values().min().copied().unwrap_or(now);
            let wait = first.saturating_sub(now).saturating_add(1);
            return Err(Refused::Full { retry_after_secs: u64::try_from(wait).unwrap_or(1).max(1) });
        }
        nonces.insert(challenge.nonce.clone(), challenge.expires);
        Ok(())
    }

    /// How many are remembered (expired ones included until room is needed).
    pub fn len(&self) -> usize {
        self.nonces.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `challenge` was answered.
    pub fn contains(&self, challenge: &Challenge) -> bool {
        self.nonces.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains_key(&challenge.nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(now: i64) -> Challenge {
        Challenge::new("AcmeMSP", "-----BEGIN CERTIFICATE-----\n…", Some(b"proposal"), now, 120)
    }

    #[test]
    fn a_sealed_challenge_opens_whole_until_it_expires() {
        let seal = Seal::random();
        let c = challenge(1_000);
        let id = seal.seal(&c);
        assert_eq!(seal.open(&id, 1_000), Ok(c.clone()));
        assert_eq!(seal.open(&id, 1_120), Ok(c.clone()), "its last second");
        assert_eq!(seal.open(&id, 1_121), Err(Refused::Expired));
        assert_eq!(c.read(), Ok(Some(b"proposal".to_vec())));
        assert_ne!(challenge(1_000).nonce, c.nonce, "every challenge its own nonce");
    }

    #[test]
    fn a_challenge_altered_or_sealed_elsewhere_does_not_open() {
        let seal = Seal::random();
        let c = challenge(1_000);
        let id = seal.seal(&c);
        assert_eq!(Seal::random().open(&id, 1_000), Err(Refused::Unknown), "another console's key");
        let (_, tag) = id.split_once('.').expect("two parts");
        for altered in [
            Challenge { expires: i64::MAX, ..c.clone() },
            Challenge { msp_id: "OtherMSP".into(), ..c.clone() },
            Challenge { cert_pem: "another".into(), ..c.clone() },
            Challenge { read: None, ..c.clone() },
        ] {
            let payload = BASE64URL_NOPAD.encode(&serde_json::to_vec(&altered).expect("json"));
            assert_eq!(seal.open(&format!("{payload}.{tag}"), 1_000), Err(Refused::Unknown), "{altered:?}");
        }
        for garbage in ["", ".", "abc", "abc.def", &id[..id.len() - 2], &format!("{id}A"), &"A".repeat(MAX_ID_LEN + 1)]
        {
            assert_eq!(seal.open(garbage, 1_000), Err(Refused::Unknown), "{garbage:.40}");
        }
    }

    #[test]
    fn an_answered_challenge_is_refused_again_and_a_full_memory_refuses_until_one_expires() {
        let answered = Answered::new(2);
        let (a, b, c) = (challenge(1_000), challenge(1_010), challenge(1_020));
        assert_eq!(answered.record(&a, 1_000), Ok(()));
        assert_eq!(answered.record(&a, 1_001), Err(Refused::Used));
        assert_eq!(answered.record(&b, 1_010), Ok(()));
        assert_eq!(answered.record(&c, 1_020), Err(Refused::Full { retry_after_secs: 101 }), "a expires at 1120");
        assert!(!answered.contains(&c), "a refusal records nothing");
        assert_eq!(answered.record(&c, 1_121), Ok(()), "a expired and made way");
        assert_eq!(answered.len(), 2);
    }
}
