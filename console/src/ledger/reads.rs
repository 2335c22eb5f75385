//! Reads as the member, on either ledger: the typed API's [`Transport`] the pages use.
//!
//! On the embedded ledger a read runs the contract directly with the member's
//! certificate as its creator. On Fabric a query is a proposal the peer checks the
//! member's signature on, and the console holds no member's key, so a page is made in
//! rounds (docs/CONSOLE.md): the handler runs against the answers the member's browser
//! has had evaluated; each read not yet answered is recorded as a **miss** and answered
//! with an error; if there were misses, the page is replaced by the proposals to sign
//! (`web::reads`), the browser signs them and posts the signatures, the console
//! evaluates each at the gateway peer as the member and keeps the answers for this
//! session ([`ReadCache`]), and the page is made again. Answers serve pages for
//! [`PAGE_ANSWER_AGE`] only and are dropped when the member commits a transaction, so a
//! page shows the ledger as it is when the member opens it. Reads the session signed
//! once at sign-in (its `WhoAmI`) are evaluated again at every request (peers accept
//! a query proposal evaluated again), so roles are as fresh as on the embedded ledger.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nanotrace_client::{ApiError, Submitted, Transport};
use nanotrace_embedded::transport::EmbeddedTransport;
use nanotrace_model::Function;

use crate::ledger::fabric::stages::{FabricStages, SignedRead};
use crate::ledger::stage::ReadKey;

/// How old an answer a page is made from may be.
pub const PAGE_ANSWER_AGE: Duration = Duration::from_secs(5);
/// How old an answer an API call may use (the contract checks again what the member
/// then signs).
pub const API_ANSWER_AGE: Duration = Duration::from_secs(60);
/// How old an answer a download (a QR code of a page just shown) may be.
pub const DOWNLOAD_ANSWER_AGE: Duration = Duration::from_secs(600);

struct Answer {
    at: Instant,
    result: Result<Vec<u8>, ApiError>,
}

/// The answers of reads the members' browsers signed, by session.
#[derive(Default)]
pub struct ReadCache {
    answers: Mutex<HashMap<String, HashMap<ReadKey, Answer>>>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ReadCache {
    /// Keeps the answer of `read` for session `session`.
    pub fn put(&self, session: &str, read: ReadKey, result: Result<Vec<u8>, ApiError>) {
        let mut answers = lock(&self.answers);
        if !answers.contains_key(session) {
            // A session's first answers: the answers of others older than any use go.
            answers.retain(|_, reads| {
                reads.retain(|_, a| a.at.elapsed() < DOWNLOAD_ANSWER_AGE);
                !reads.is_empty()
            });
        }
        let reads = answers.entry(session.to_owned()).or_default();
        reads.retain(|_, a| a.at.elapsed() < DOWNLOAD_ANSWER_AGE);
        reads.insert(read, Answer { at: Instant::now(), result });
    }

    /// The answer of `read` for `session`, if one is at most `max_age` old.
    pub fn get(&self, session: &str, read: &ReadKey, max_age: Duration) -> Option<Result<Vec<u8>, ApiError>> {
        let answers = lock(&self.answers);
        let answer = answers.get(session)?.get(read)?;
        (answer.at.elapsed() < max_age).then(|| answer.result.clone())
    }

    /// Forgets `session`'s answers (it committed a transaction, or ended).
    pub fn clear(&self, session: &str) {
        lock(&self.answers).remove(session);
    }
}

/// The member's reads, as a transport for the typed API.
pub enum Reads<'a> {
    /// The embedded ledger, as the member.
    Embedded(EmbeddedTransport),
    /// Fabric: answers the member's browser had evaluated, or misses.
    Fabric(FabricReads<'a>),
}

impl std::fmt::Debug for Reads<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reads").finish_non_exhaustive()
    }
}

/// Reads on Fabric for one request of one session.
pub struct FabricReads<'a> {
    pub(crate) stages: &'a FabricStages,
    pub(crate) cache: &'a ReadCache,
    pub(crate) session: String,
    pub(crate) standing: &'a [SignedRead],
    pub(crate) max_age: Duration,
    pub(crate) misses: Mutex<Vec<ReadKey>>,
}

impl std::fmt::Debug for FabricReads<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FabricReads").finish_non_exhaustive()
    }
}

impl Reads<'_> {
    /// The reads this request needed and had no answer for (always none on the embedded
    /// ledger), in the order asked, without repeats.
    pub fn misses(&self) -> Vec<ReadKey> {
        match self {
            Reads::Embedded(_) => Vec::new(),
            Reads::Fabric(f) => lock(&f.misses).clone(),
        }
    }
}

/// The error a read without an answer gets: the page is replaced before anyone sees it.
fn unanswered(function: &str) -> ApiError {
    ApiError::Request(format!("{function} is waiting for the member's signature"))
}

impl FabricReads<'_> {
    async fn read(&self, key: ReadKey) -> Result<Vec<u8>, ApiError> {
        if let Some(standing) = self.standing.iter().find(|r| r.reads(&key)) {
            return self.stages.evaluate(standing).await.map_err(|e| match e {
                crate::ledger::stage::StageError::Api(api) => api,
                other => ApiError::Request(other.to_string()),
            });
        }
        if let Some(answer) = self.cache.get(&self.session, &key, self.max_age) {
            return answer;
        }
        let error = unanswered(&key.1);
        let mut misses = lock(&self.misses);
        if !misses.contains(&key) {
            misses.push(key);
        }
        Err(error)
    }
}

impl Reads<'_> {
    /// A query of the peer's `qscc` (`GetChainInfo`, `GetBlockByNumber`) as the member:
    /// Fabric only.
    pub async fn ledger_query(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        match self {
            Reads::Embedded(_) => Err(ApiError::Request("qscc is Fabric's: the embedded ledger has no peer".into())),
            Reads::Fabric(f) => {
                let key = (nanotrace_fabric_gateway::qscc::QSCC.to_owned(), function.to_owned(), args.to_vec());
                f.read(key).await
            }
        }
    }
}

impl Transport for Reads<'_> {
    async fn submit(&self, function: &str, _args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        // Writes go through the signing stages, never through a reader.
        Err(ApiError::Request(format!("{function} writes to the ledger: it is submitted with the member's signatures")))
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        match self {
            Reads::Embedded(t) => t.evaluate(function, args).await,
            Reads::Fabric(f) => {
                let parsed = Function::from_name(function)
                    .ok_or_else(|| ApiError::Request(format!("{function} is no contract function")))?;
                f.read((String::new(), parsed.name().to_owned(), args.to_vec())).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_per_session_and_age_out() {
        let cache = ReadCache::default();
        let read: ReadKey = (String::new(), "GetCertificate".into(), vec![b"NT-1".to_vec()]);
        cache.put("s1", read.clone(), Ok(b"one".to_vec()));
        assert_eq!(cache.get("s1", &read, PAGE_ANSWER_AGE).and_then(Result::ok), Some(b"one".to_vec()));
        assert!(cache.get("s2", &read, PAGE_ANSWER_AGE).is_none(), "another session's answer is not used");
        assert!(cache.get("s1", &(String::new(), "History".into(), read.2.clone()), PAGE_ANSWER_AGE).is_none());
        assert!(cache.get("s1", &read, Duration::ZERO).is_none(), "an answer older than allowed is not used");
        cache.clear("s1");
        assert!(cache.get("s1", &read, PAGE_ANSWER_AGE).is_none(), "cleared at a commit");
    }
}
