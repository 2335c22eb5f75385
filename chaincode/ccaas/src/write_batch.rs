//! Write batching: when the peer's READY announces `use_write_batch`, a transaction's
//! writes (PUT_STATE, DEL_STATE, PUT_STATE_METADATA) are kept here and sent as
//! WRITE_BATCH_STATE messages of at most the announced size just before COMPLETED.
//!
//! As in Fabric's Go shim, a later write to the same key replaces the earlier one (data
//! and metadata writes are kept apart). Unlike Go's map, records keep the order of each
//! key's first write, so the batches a transaction sends are deterministic.

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
    index: HashMap<(String, Slot), usize>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    fn write(&mut self, slot: Slot, record: WriteRecord) {
        match self.index.get(&(record.key.clone(), slot)) {
            Some(&i) => self.records[i] = record,
            None => {
                self.index.insert((record.key.clone(), slot), self.records.len());
                self.records.push(record);
            }
        }
    }

    /// Records a PUT_STATE.
    pub fn put_state(&mut self, key: &str, value: &[u8]) {
        let record = WriteRecord {
            key: key.to_owned(),
            value: value.to_vec(),
            r#type: write_record::Type::PutState as i32,
            ..Default::default()
        };
        self.write(Slot::Data, record);
    }

    /// Records a DEL_STATE.
    pub fn del_state(&mut self, key: &str) {
        let record =
            WriteRecord { key: key.to_owned(), r#type: write_record::Type::DelState as i32, ..Default::default() };
        self.write(Slot::Data, record);
    }

    /// Records a PUT_STATE_METADATA entry.
    pub fn put_metadata(&mut self, key: &str, metakey: &str, value: &[u8]) {
        let record = WriteRecord {
            key: key.to_owned(),
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
        batch.put_state("a", b"1");
        batch.put_state("b", b"2");
        batch.del_state("a");
        batch.put_metadata("a", "VALIDATION_PARAMETER", b"p");
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
            batch.put_state(&format!("k{i}"), b"v");
        }
        let sizes: Vec<usize> = batch.take_batches(3).iter().map(|b| b.rec.len()).collect();
        assert_eq!(sizes, vec![3, 3, 1]);
        assert!(batch.take_batches(3).is_empty());
    }
}
