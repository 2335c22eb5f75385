//! The storage layout's encodings, round trip and order.

use super::*;

#[test]
fn history_keys_round_trip_even_with_nul_in_key() {
    let key = "\u{0}t\u{0}\u{0}x\u{0}";
    assert_eq!(decode_history_key(&history_key(key, 7)).unwrap(), (key.to_owned(), 7));
    assert!(decode_history_key(b"short").is_err());
}

#[test]
fn write_set_round_trips_canonically() {
    let mut ws = WriteSet::default();
    ws.writes.insert("b".into(), Some(vec![1, 2]));
    ws.writes.insert("a".into(), None);
    ws.validation_parameters.insert("b".into(), EndorsementPolicy::peer_of("O"));
    ws.event = Some(("E".into(), vec![0xff]));
    let encoded = encode_write_set(&ws).unwrap();
    let (back, hashed) = decode_write_set(&encoded.bytes).unwrap();
    assert_eq!(back, ws);
    assert!(hashed.is_empty());
    assert_eq!(encode_write_set(&back).unwrap().bytes, encoded.bytes);
    // The value of "b" is stored once, raw, where its span says.
    assert_eq!(encoded.spans[0], None);
    let record = HistoryRecord::of(encoded.spans[1]);
    assert_eq!(record.value(&encoded.bytes).unwrap(), &[1, 2]);
    assert_eq!(HistoryRecord::decode(&record.encode()).unwrap(), record);
    assert_eq!(HistoryRecord::decode(&HistoryRecord::Delete.encode()).unwrap(), HistoryRecord::Delete);
    assert!(HistoryRecord::decode(&[2, 0, 1]).is_err());
    // Non-canonical or truncated encodings are refused.
    let bytes = encoded.bytes;
    assert!(decode_write_set(&bytes[..bytes.len() - 1]).is_err());
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(decode_write_set(&trailing).is_err());
    let mut swapped = WriteSet::default();
    swapped.writes.insert("a".into(), Some(vec![1]));
    swapped.writes.insert("b".into(), Some(vec![2]));
    let mut raw = encode_write_set(&swapped).unwrap().bytes;
    // Keys "a" and "b" sit at bytes 9 and 20: swap them so they are out of order.
    assert_eq!((raw[9], raw[20]), (b'a', b'b'));
    raw.swap(9, 20);
    let err = decode_write_set(&raw).unwrap_err().to_string();
    assert!(err.contains("ascending"), "{err}");
    let err = decode_write_set(br#"{"writes":[]}"#).unwrap_err().to_string();
    assert!(err.contains("stored format 1"), "{err}");
}

#[test]
fn private_writes_are_recorded_as_hashes_only_and_round_trip() {
    let mut ws = WriteSet::default();
    ws.writes.insert("public".into(), Some(b"p".to_vec()));
    let fees = ws.private.entry("fees".into()).or_default();
    fees.insert("invoice-1".into(), Some(b"EUR 1200.00".to_vec()));
    fees.insert("quote-1".into(), None);
    ws.private.entry("audit".into()).or_default().insert("k".into(), Some(b"secret".to_vec()));
    let encoded = encode_write_set(&ws).unwrap();
    let text = String::from_utf8_lossy(&encoded.bytes);
    for secret in ["invoice-1", "EUR 1200.00", "quote-1", "secret"] {
        assert!(!text.contains(secret), "{secret:?} is in the write set");
    }
    let without = WriteSet { private: Default::default(), ..ws.clone() };
    let public_only = encode_write_set(&without).unwrap().bytes;
    assert_eq!(&encoded.bytes[..public_only.len()], &public_only[..], "the public part is as before");
    let (back, hashed) = decode_write_set(&encoded.bytes).unwrap();
    assert_eq!(back, without);
    assert_eq!(hashed, hashed_writes(&ws.private));
    assert_eq!(
        hashed["fees"][&private_data_hash(b"invoice-1")],
        Some(private_data_hash(b"EUR 1200.00")),
        "value hash under key hash"
    );
    assert_eq!(hashed["fees"][&private_data_hash(b"quote-1")], None);
    assert_eq!(encode_parts(&back, &hashed).unwrap().bytes, encoded.bytes);
    let bytes = encoded.bytes;
    assert!(decode_write_set(&bytes[..bytes.len() - 1]).is_err());
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(decode_write_set(&trailing).is_err());
    let mut empty_trailer = public_only.clone();
    empty_trailer.extend_from_slice(&[1, 0, 0, 0, 0]);
    let err = decode_write_set(&empty_trailer).unwrap_err().to_string();
    assert!(err.contains("empty private writes trailer"), "{err}");
}

#[test]
fn args_hash_is_unambiguous() {
    assert_ne!(args_sha256(&[b"ab".to_vec()]), args_sha256(&[b"a".to_vec(), b"b".to_vec()]));
    assert_ne!(args_sha256(&[]), args_sha256(&[Vec::new()]));
}

#[test]
fn log_entry_hash_ignores_hash_field_and_json_round_trips() {
    let mut entry = LogEntry {
        block: 1,
        tx_id: "t".into(),
        timestamp: TxTimestamp { seconds: 1, nanos: 2 },
        creator_msp: "M".into(),
        creator_id_sha256: "c".into(),
        function: "F".into(),
        args_sha256: "a".into(),
        write_set_sha256: "w".into(),
        event: Some(("E".into(), b"payload".to_vec())),
        prev_hash: GENESIS_PREV_HASH.into(),
        hash: String::new(),
    };
    let h = entry.compute_hash().unwrap();
    entry.hash = h.clone();
    assert_eq!(entry.compute_hash().unwrap(), h);
    let json = serde_json::to_vec(&entry).unwrap();
    let back: LogEntry = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, entry);
    entry.event = None;
    assert_ne!(entry.compute_hash().unwrap(), h);
}
