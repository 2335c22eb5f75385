//! Write batching: when the peer's READY announces `use_write_batch`, a transaction's
//! writes (PUT_STATE, DEL_STATE, PUT_STATE_METADATA) are kept here and sent as
//! WRITE_BATCH_STATE messages of at most the announced size just before COMPLETED.
//!
//! Private data writes (PUT_STATE and DEL_STATE with a collection) are batched too, as
//! records whose `collection` is set. As in Fabric's Go shim (its `batchKey` of
//! collection, key and record kind), a later write to the same key of the same
//! collection replaces the earlier one; data and metadata writes are kept apart, and a
//! key of the public state (collection `""`) and the same key of a collection are two
//! records. Unlike Go's map, records keep the order of each key's first write, so the
//! batches a transaction sends are deterministic.

use nanotrace_protos::protos::{write_record, StateMetadata, WriteBatchState, WriteRecord};
use std::collections::HashMap;

/// The batch size Fabric's Go shim uses when the peer announces batching without a size.
pub const DEFAULT_MAX_BATCH: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    Data,
    Metadata,
}

/// The pending writes of one transaction.
#[derive(Debug, Default)]
pub struct WriteBatch {
    records: Vec<WriteRecord>,
    /// Where the record of each (collection, key, kind) is in `records`.
    index: HashMap<(String, String, Slot), usize>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    fn write(&mut self, slot: Slot, record: WriteRecord) {
        let at = (record.collection.clone(), record.key.clone(), slot);
        match self.index.get(&at) {
            Some(&i) => self.records[i] = record,
            None => {
                self.index.insert(at, self.records.len());
                self.records.push(record);
            }
        }
    }

    /// Records a PUT_STATE of `key` in `collection` (`""`: the public state).
    pub fn put_state(&mut self, collection: &str, key: &str, value: &[u8]) {
        let record = WriteRecord {
            key: key.to_owned(),
            value: value.to_vec(),
            collection: collection.to_owned(),
            r#type: write_record::Type::PutState as i32,
            ..Default::default()
        };
        self.write(Slot::Data, record);
    }

    /// Records a DEL_STATE of `key` in `collection` (`""`: the public state).
    pub fn del_state(&mut self, collection: &str, key: &str) {
        let record = WriteRecord {
            key: key.to_owned(),
            collection: collection.to_owned(),
            r#type: write_record::Type::DelState as i32,
            ..Default::default()
        };
        self.write(Slot::Data, record);
    }

    /// Records a PUT_STATE_METADATA entry of `key` in `collection` (`""`: the public
    /// state).
    pub fn put_metadata(&mut self, collection: &str, key: &str, metakey: &str, value: &[u8]) {
        let record = WriteRecord {
            key: key.to_owned(),
            collection: collection.to_owned(),
            metadata: Some(StateMetadata { metakey: metakey.to_owned(), value: value.to_vec() }),
            r#type: write_record::Type::PutStateMetadata as i32,
            ..Default::default()
        };
        self.write(Slot::Metadata, record);
    }

    /// The number of pending records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The WRITE_BATCH_STATE payloads to send, each of at most `max` records (`max` 0 is
    /// read as [`DEFAULT_MAX_BATCH`]). Empties the batch.
    pub fn take_batches(&mut self, max: u32) -> Vec<WriteBatchState> {
        let max = if max == 0 { DEFAULT_MAX_BATCH } else { max } as usize;
        self.index.clear();
        let records = std::mem::take(&mut self.records);
        let mut batches = Vec::with_capacity(records.len().div_ceil(max));
        let mut iter = records.into_iter().peekable();
        while iter.peek().is_some() {
            batches.push(WriteBatchState { rec: iter.by_ref().take(max).collect() });
        }
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_writes_replace_earlier_ones_in_first_write_order() {
        let mut batch = WriteBatch::new();
        batch.put_state("", "a", b"1");
        batch.put_state("", "b", b"2");
        batch.del_state("", "a");
        batch.put_metadata("", "a", "VALIDATION_PARAMETER", b"p");
        let batches = batch.take_batches(10);
        assert_eq!(batches.len(), 1);
        let rec = &batches[0].rec;
        assert_eq!(rec.len(), 3);
        assert_eq!((rec[0].key.as_str(), rec[0].r#type), ("a", write_record::Type::DelState as i32));
        assert_eq!((rec[1].key.as_str(), rec[1].value.as_slice()), ("b", b"2".as_slice()));
        assert_eq!(rec[2].r#type, write_record::Type::PutStateMetadata as i32);
        assert!(batch.is_empty());
    }

    #[test]
    fn splits_at_the_announced_size() {
        let mut batch = WriteBatch::new();
        for i in 0..7 {
            batch.put_state("", &format!("k{i}"), b"v");
        }
        let sizes: Vec<usize> = batch.take_batches(3).iter().map(|b| b.rec.len()).collect();
        assert_eq!(sizes, vec![3, 3, 1]);
        assert!(batch.take_batches(3).is_empty());
    }

    #[test]
    fn a_key_of_a_collection_is_not_the_same_key_of_the_public_state() {
        let mut batch = WriteBatch::new();
        batch.put_state("", "k", b"public");
        batch.put_state("fees", "k", b"first");
        batch.put_state("other", "k", b"other");
        batch.put_state("fees", "k", b"last");
        batch.del_state("other", "k");
        let rec = &batch.take_batches(10)[0].rec;
        let seen: Vec<(&str, &str, &[u8], i32)> =
            rec.iter().map(|r| (r.collection.as_str(), r.key.as_str(), r.value.as_slice(), r.r#type)).collect();
        let put = write_record::Type::PutState as i32;
        let del = write_record::Type::DelState as i32;
        assert_eq!(
            seen,
            [
                ("", "k", b"public".as_slice(), put),
                ("fees", "k", b"last".as_slice(), put),
                ("other", "k", b"".as_slice(), del)
            ]
        );
    }
}
