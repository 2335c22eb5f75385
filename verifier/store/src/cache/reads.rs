//! What the cache answers: certificates (from the memo, RocksDB or, on a miss, the
//! ledger), a product's certificates, the trust list, the organisations, the transaction
//! log and the checkpoint.

use super::db::cf;
use super::error::{corrupt, CacheError};
use super::layout::{
    txlog_key, CF_CERTS, CF_META, CF_PRODUCTS, CF_TXLOG, CHECKPOINT_KEY, ISSUERS_KEY, ORGANIZATIONS_KEY,
};
use super::memo::Memo;
use super::{Cache, CertificateRecord, Checkpoint, ProductLots, SeenTx};
use nanotrace_model::{IssuerKey, Organization};
use rocksdb::{Direction, IteratorMode};
use serde::de::DeserializeOwned;
use std::sync::atomic::Ordering;

impl Cache {
    /// The cached record and audit trail of `id` (`None`: the ledger has no such
    /// certificate, as of the checkpoint — or, with [`Cache::read_misses_from`], as of
    /// the read that followed the miss).
    pub fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, CacheError> {
        if let Some(found) = self.stored_certificate(id)? {
            return Ok(found);
        }
        // Both before reading: what was read may be older than an update that comes
        // in between, and must then not be remembered.
        let generation = self.generation.load(Ordering::SeqCst);
        let epoch = self.negatives.epoch();
        let value = self.read_miss(id)?;
        match &value {
            Some(found) => self.remember(generation, |memo| memo.insert_certificate(id, found.clone())),
            None => self.negatives.insert(id, epoch),
        }
        Ok(value)
    }

    /// [`Cache::certificate`] as this cache alone can tell it — from memory or its own
    /// tables, never from the ledger: `Ok(None)` when RocksDB has no record of `id` and
    /// misses are read from a ledger ([`Cache::read_misses_from`]), which only
    /// [`Cache::certificate`] then reads. Its I/O is a point read of the tables, which the
    /// OS's page cache answers for the hot ones: a server may make it where it answers,
    /// as nginx reads a file (issue 76), and leave the ledger's reads to a blocking task.
    pub fn stored_certificate(&self, id: &str) -> Result<Option<Option<CertificateRecord>>, CacheError> {
        if let Some(hit) = self.remembered_certificate(id) {
            return Ok(Some(hit));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let epoch = self.negatives.epoch();
        self.disk_reads.fetch_add(1, Ordering::Relaxed);
        let value: Option<CertificateRecord> = self.get_json(CF_CERTS, id.as_bytes(), id)?;
        match value {
            Some(found) => {
                self.remember(generation, |memo| memo.insert_certificate(id, found.clone()));
                Ok(Some(Some(found)))
            }
            None if self.reads_misses_from_ledger() => Ok(None),
            None => {
                self.negatives.insert(id, epoch);
                Ok(Some(None))
            }
        }
    }

    /// Certificates of a product (GTIN and lot), newest version first.
    pub fn by_product(&self, gtin: &str, lot: &str) -> Result<Vec<CertificateRecord>, CacheError> {
        let mut prefix = gtin.as_bytes().to_vec();
        prefix.push(0);
        prefix.extend_from_slice(lot.as_bytes());
        prefix.push(0);
        let mut ids = Vec::new();
        self.scan_products(&prefix, |rest| {
            ids.push(std::str::from_utf8(rest).map_err(|e| corrupt("product index", e))?.to_owned());
            Ok(true)
        })?;
        self.records_newest_first(ids)
    }

    /// The lots of a product (GTIN as recorded), in lot order, each with its
    /// certificates newest version first: at most `max_lots` lots, and whether the
    /// product has more.
    pub fn by_gtin(&self, gtin: &str, max_lots: usize) -> Result<ProductLots, CacheError> {
        let mut prefix = gtin.as_bytes().to_vec();
        prefix.push(0);
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        let mut more = false;
        self.scan_products(&prefix, |rest| {
            let text = std::str::from_utf8(rest).map_err(|e| corrupt("product index", e))?;
            let (lot, id) = text.split_once('\0').ok_or_else(|| corrupt("product index", "a key without its lot"))?;
            if let Some((_, ids)) = grouped.last_mut().filter(|(last, _)| last == lot) {
                ids.push(id.to_owned());
            } else if grouped.len() == max_lots {
                more = true;
                return Ok(false);
            } else {
                grouped.push((lot.to_owned(), vec![id.to_owned()]));
            }
            Ok(true)
        })?;
        let mut lots = Vec::with_capacity(grouped.len());
        for (lot, ids) in grouped {
            let certificates = self.records_newest_first(ids)?;
            if !certificates.is_empty() {
                lots.push((lot, certificates));
            }
        }
        Ok(ProductLots { lots, more })
    }

    /// Calls `each` with the rest of every product-index key that starts with `prefix`,
    /// in key order, while it answers true.
    fn scan_products(
        &self,
        prefix: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<bool, CacheError>,
    ) -> Result<(), CacheError> {
        let db = self.db()?;
        let iter = db.iterator_cf(cf(&db, CF_PRODUCTS)?, IteratorMode::From(prefix, Direction::Forward));
        for item in iter {
            let (key, _) = item.map_err(|source| CacheError::Storage { context: "scanning products", source })?;
            let Some(rest) = key.strip_prefix(prefix) else { break };
            if !each(rest)? {
                break;
            }
        }
        Ok(())
    }

    /// The records of `ids` that are cached, newest version first.
    fn records_newest_first(&self, ids: Vec<String>) -> Result<Vec<CertificateRecord>, CacheError> {
        let mut out = Vec::new();
        for id in ids {
            if let Some(cert) = self.certificate(&id)? {
                out.push(cert);
            }
        }
        out.sort_by(|a, b| {
            b.certificate
                .version
                .cmp(&a.certificate.version)
                .then(b.certificate.status_since.cmp(&a.certificate.status_since))
        });
        Ok(out)
    }

    /// The issuer trust list.
    pub fn issuers(&self) -> Result<Vec<IssuerKey>, CacheError> {
        self.memoized_list(ISSUERS_KEY, "issuers", Cache::memoized_issuers, |memo, issuers| {
            memo.issuers = Some(issuers)
        })
    }

    /// The registered organisations (empty until the follower has read them).
    pub fn organizations(&self) -> Result<Vec<Organization>, CacheError> {
        self.memoized_list(ORGANIZATIONS_KEY, "organizations", Cache::memoized_organizations, |memo, orgs| {
            memo.organizations = Some(orgs)
        })
    }

    /// The list under `key` in `meta` (empty when there is none): from the memo
    /// (`memoized`) if it is there, else read and then kept there (`keep`).
    fn memoized_list<T: Clone + DeserializeOwned>(
        &self,
        key: &[u8],
        what: &str,
        memoized: fn(&Cache) -> Option<Vec<T>>,
        keep: impl FnOnce(&mut Memo, Vec<T>),
    ) -> Result<Vec<T>, CacheError> {
        if let Some(hit) = memoized(self) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let list: Vec<T> = self.get_json(CF_META, key, what)?.unwrap_or_default();
        self.remember(generation, |memo| keep(memo, list.clone()));
        Ok(list)
    }

    /// Whether the follower has stored the organisations (a cache made before they were
    /// cached has none: the follower reads them on its next chunk).
    pub fn has_organizations(&self) -> Result<bool, CacheError> {
        let db = self.db()?;
        let stored = db
            .get_pinned_cf(cf(&db, CF_META)?, ORGANIZATIONS_KEY)
            .map_err(|source| CacheError::Storage { context: "reading", source })?;
        Ok(stored.is_some())
    }

    /// Every cached certificate ID, in order.
    pub fn certificate_ids(&self) -> Result<Vec<String>, CacheError> {
        let mut ids = Vec::new();
        let db = self.db()?;
        for item in db.iterator_cf(cf(&db, CF_CERTS)?, IteratorMode::Start) {
            let (key, _) = item.map_err(|source| CacheError::Storage { context: "scanning certificates", source })?;
            ids.push(String::from_utf8(key.to_vec()).map_err(|e| corrupt("certificate key", e))?);
        }
        Ok(ids)
    }

    /// The transactions seen, from the first of block `from_block` on, at most `limit`,
    /// in ledger order.
    pub fn seen(&self, from_block: u64, limit: usize) -> Result<Vec<SeenTx>, CacheError> {
        self.seen_from(from_block, 0, limit)
    }

    /// The transactions seen, from position (`block`, `tx_index`) on, at most `limit`,
    /// in ledger order.
    pub fn seen_from(&self, block: u64, tx_index: u32, limit: usize) -> Result<Vec<SeenTx>, CacheError> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let start = txlog_key(block, tx_index);
        let db = self.db()?;
        for item in db.iterator_cf(cf(&db, CF_TXLOG)?, IteratorMode::From(&start, Direction::Forward)) {
            let (_, value) = item.map_err(|source| CacheError::Storage { context: "scanning the tx log", source })?;
            out.push(serde_json::from_slice(&value).map_err(|e| corrupt("tx log entry", e))?);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// How far the cache has followed the ledger (the default before the first update).
    pub fn checkpoint(&self) -> Result<Checkpoint, CacheError> {
        Ok(self.get_json(CF_META, CHECKPOINT_KEY, "checkpoint")?.unwrap_or_default())
    }
}
