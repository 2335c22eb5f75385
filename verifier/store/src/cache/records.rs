//! Certificate records on disk: each with its product index entry, and never replaced by
//! an older version of itself — a record's history only grows, so the longer one is the
//! newer. Writers compare and write while holding the cache's `records` lock.

use super::db::cf;
use super::error::{corrupt, CacheError};
use super::layout::{product_key, CF_CERTS, CF_PRODUCTS};
use super::{Cache, CertificateRecord};
use rocksdb::WriteBatch;

impl Cache {
    /// The stored record of `cached`'s certificate when it is newer than `cached` (a
    /// longer history: records and their histories only grow).
    pub(super) fn stored_newer(&self, cached: &CertificateRecord) -> Result<Option<CertificateRecord>, CacheError> {
        let id = &cached.certificate.id;
        let stored: Option<CertificateRecord> = self.get_json(CF_CERTS, id.as_bytes(), id)?;
        Ok(stored.filter(|s| s.history.len() > cached.history.len()))
    }

    /// Adds `cached` (and its product index entry) to `batch`.
    pub(super) fn put_record(&self, batch: &mut WriteBatch, cached: &CertificateRecord) -> Result<(), CacheError> {
        let cert = &cached.certificate;
        let value = serde_json::to_vec(cached).map_err(|e| corrupt(cert.id.clone(), e))?;
        let db = self.db()?;
        batch.put_cf(cf(&db, CF_CERTS)?, cert.id.as_bytes(), value);
        if let Some(gtin) = &cert.application.gtin {
            batch.put_cf(cf(&db, CF_PRODUCTS)?, product_key(gtin, &cert.application.batch, &cert.id), []);
        }
        Ok(())
    }
}
