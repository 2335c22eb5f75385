//! The negative cache: IDs the ledger has no certificate for, remembered so that a
//! flood of unknown IDs reads neither RocksDB nor the peer again for each repeat.
//!
//! - **Bounded**: at most `capacity` IDs, in two generations of `capacity / 2`. New
//!   entries go into the young generation; when it is full, the old generation is
//!   dropped and the young one becomes old. A hit in the old generation moves the ID
//!   back into the young one, so what is asked for often stays while what was asked for
//!   once falls out: least recently used, in halves, at O(1) per operation.
//! - **Time-limited**: an entry is forgotten `ttl` after it was stored.
//! - **Exact**: [`NegativeCache::invalidate`] removes the IDs an applied update touched,
//!   and an answer read before that update and stored after it is refused (the epoch
//!   check), so an ID that has just been applied is never answered UNKNOWN from here.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The default number of IDs remembered (about 100 bytes each).
pub const DEFAULT_CAPACITY: usize = 65_536;

/// The default time an unknown ID is remembered.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// See the module docs.
#[derive(Debug)]
pub(super) struct NegativeCache {
    inner: Mutex<Inner>,
    hits: AtomicU64,
    evicted: AtomicU64,
}

#[derive(Debug)]
struct Inner {
    /// Per generation; 0 turns the cache off.
    half: usize,
    ttl: Duration,
    /// Bumped by every invalidation: an answer read under an older epoch is not stored.
    epoch: u64,
    /// ID → when it expires.
    young: HashMap<String, Instant>,
    old: HashMap<String, Instant>,
}

impl NegativeCache {
    /// At most `capacity` IDs, each for `ttl`; `capacity` 0 remembers nothing.
    pub(super) fn new(capacity: usize, ttl: Duration) -> Self {
        NegativeCache {
            inner: Mutex::new(Inner {
                half: capacity.div_ceil(2),
                ttl,
                epoch: 0,
                young: HashMap::new(),
                old: HashMap::new(),
            }),
            hits: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the bounds, forgetting everything.
    pub(super) fn configure(&self, capacity: usize, ttl: Duration) {
        let mut inner = self.lock();
        inner.half = capacity.div_ceil(2);
        inner.ttl = ttl;
        inner.epoch += 1;
        inner.young = HashMap::new();
        inner.old = HashMap::new();
    }

    /// Read before looking an ID up elsewhere; pass it to [`NegativeCache::insert`].
    pub(super) fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Whether `id` is known not to exist (an unexpired entry).
    pub(super) fn contains(&self, id: &str) -> bool {
        let mut inner = self.lock();
        let now = Instant::now();
        if let Some(&expires) = inner.young.get(id) {
            if expires > now {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return true;
            }
            inner.young.remove(id);
            return false;
        }
        match inner.old.remove_entry(id) {
            Some((id, expires)) if expires > now => {
                inner.put(id, expires, &self.evicted);
                self.hits.fetch_add(1, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// Remembers that `id` does not exist, as read under `epoch` — unless an
    /// invalidation came since (the answer may predate the update that applied it).
    pub(super) fn insert(&self, id: &str, epoch: u64) {
        let mut inner = self.lock();
        if inner.epoch != epoch || inner.half == 0 {
            return;
        }
        let expires = Instant::now() + inner.ttl;
        inner.old.remove(id);
        inner.put(id.to_owned(), expires, &self.evicted);
    }

    /// Forgets `ids` (an update touched them: they exist now) and refuses answers read
    /// before this call.
    pub(super) fn invalidate<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        let mut inner = self.lock();
        inner.epoch += 1;
        for id in ids {
            inner.young.remove(id);
            inner.old.remove(id);
        }
    }

    /// Forgets everything.
    pub(super) fn clear(&self) {
        let mut inner = self.lock();
        inner.epoch += 1;
        inner.young = HashMap::new();
        inner.old = HashMap::new();
    }

    /// IDs remembered now (expired ones included until they are dropped).
    pub(super) fn len(&self) -> usize {
        let inner = self.lock();
        inner.young.len() + inner.old.len()
    }

    /// At most this many IDs are remembered.
    pub(super) fn capacity(&self) -> usize {
        self.lock().half * 2
    }

    /// Lookups answered from here.
    pub(super) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// IDs dropped to stay within the bound.
    pub(super) fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }
}

impl Inner {
    /// Into the young generation, turning generations over when it is full.
    fn put(&mut self, id: String, expires: Instant, evicted: &AtomicU64) {
        if self.young.len() >= self.half && !self.young.contains_key(&id) {
            let dropped = std::mem::replace(&mut self.old, std::mem::take(&mut self.young));
            evicted.fetch_add(dropped.len() as u64, Ordering::Relaxed);
        }
        self.young.insert(id, expires);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_least_recently_used_stays() {
        let cache = NegativeCache::new(100, DEFAULT_TTL);
        let epoch = cache.epoch();
        cache.insert("hot", epoch);
        for i in 0..10_000 {
            cache.insert(&format!("cold-{i}"), epoch);
            if i % 20 == 0 {
                assert!(cache.contains("hot"), "a hot ID stays (after {i})");
            }
            assert!(cache.len() <= 100, "{} entries", cache.len());
        }
        assert!(cache.contains("hot"));
        assert!(cache.contains("cold-9999"));
        assert!(!cache.contains("cold-0"), "the oldest were dropped");
        assert!(cache.evicted() >= 9_800, "{}", cache.evicted());
        assert_eq!(cache.capacity(), 100);
    }

    #[test]
    fn entries_expire() {
        let cache = NegativeCache::new(10, Duration::from_millis(50));
        cache.insert("a", cache.epoch());
        assert!(cache.contains("a"));
        std::thread::sleep(Duration::from_millis(80));
        assert!(!cache.contains("a"));
        assert_eq!(cache.len(), 0, "an expired entry is dropped when met");
    }

    #[test]
    fn invalidation_is_exact_and_refuses_answers_read_before_it() {
        let cache = NegativeCache::new(10, DEFAULT_TTL);
        let before = cache.epoch();
        cache.insert("a", before);
        cache.insert("b", before);
        // An answer on "c" read before the update that applied "a", stored after it.
        cache.invalidate(["a"]);
        cache.insert("c", before);
        assert!(!cache.contains("a"), "applied: no longer unknown");
        assert!(cache.contains("b"), "other IDs stay");
        assert!(!cache.contains("c"), "read before the invalidation: not stored");
        cache.insert("c", cache.epoch());
        assert!(cache.contains("c"));
    }

    #[test]
    fn capacity_zero_remembers_nothing() {
        let cache = NegativeCache::new(0, DEFAULT_TTL);
        cache.insert("a", cache.epoch());
        assert!(!cache.contains("a"));
        assert_eq!(cache.len(), 0);
        cache.configure(4, DEFAULT_TTL);
        cache.insert("a", cache.epoch());
        assert!(cache.contains("a"));
        cache.clear();
        assert!(!cache.contains("a"));
    }
}
