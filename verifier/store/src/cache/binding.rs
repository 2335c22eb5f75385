//! Which source the cache was built from — the kind of ledger, and on Fabric its channel
//! and chaincode — recorded in `meta/binding` and checked, so that a cache built from one
//! ledger never serves another.

use super::db::cf;
use super::error::{corrupt, CacheError};
use super::layout::{BINDING_KEY, CF_META};
use super::{Cache, Checkpoint};
use rocksdb::WriteBatch;
use std::collections::BTreeMap;

impl Cache {
    /// What the cache was built from ([`Cache::bind`]); `None` for a new cache.
    pub fn binding(&self) -> Result<Option<BTreeMap<String, String>>, CacheError> {
        if let Some(binding) = self.get_json(CF_META, BINDING_KEY, "binding")? {
            return Ok(Some(binding));
        }
        // Caches written before bindings were recorded were all built from an embedded
        // ledger.
        if self.checkpoint()? != Checkpoint::default() {
            return Ok(Some(BTreeMap::from([("source".to_owned(), "embedded".to_owned())])));
        }
        Ok(None)
    }

    /// Checks that the cache was built from `binding` (the source's kind, and for Fabric
    /// its channel and chaincode); records it in a cache that has none. A cache built
    /// from anything else is refused with [`CacheError::Binding`].
    pub fn bind(&self, binding: &BTreeMap<String, String>) -> Result<(), CacheError> {
        let describe =
            |b: &BTreeMap<String, String>| b.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
        *self.bound.write().unwrap_or_else(|p| p.into_inner()) = Some(binding.clone());
        match self.binding()? {
            Some(cached) if &cached == binding => {
                if self.get_json::<BTreeMap<String, String>>(CF_META, BINDING_KEY, "binding")?.is_none() {
                    self.record_binding(binding)?;
                }
                Ok(())
            }
            Some(cached) => Err(CacheError::Binding {
                path: self.path.clone(),
                cached: describe(&cached),
                configured: describe(binding),
            }),
            None => self.record_binding(binding),
        }
    }

    /// Writes `binding` to `meta/binding`.
    fn record_binding(&self, binding: &BTreeMap<String, String>) -> Result<(), CacheError> {
        let value = serde_json::to_vec(binding).map_err(|e| corrupt("binding", e))?;
        let mut batch = WriteBatch::default();
        {
            let db = self.db()?;
            batch.put_cf(cf(&db, CF_META)?, BINDING_KEY, value);
        }
        self.write(batch, "recording what the cache is built from")
    }
}
