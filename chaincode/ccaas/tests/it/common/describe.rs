//! Descriptions of shim messages, for comparing what two chaincode servers sent.

use super::*;

// Comparing what two chaincode servers sent.
// ---------------------------------------------------------------------------------------

/// A message as compared: its type, and its payload decoded (Debug-formatted).
pub fn describe(msg: &ChaincodeMessage) -> String {
    let p = msg.payload.as_slice();
    let kind =
        MsgType::try_from(msg.r#type).map(|t| t.as_str_name().to_owned()).unwrap_or_else(|_| msg.r#type.to_string());
    let body = match MsgType::try_from(msg.r#type) {
        Ok(MsgType::Register) => format!("{:?}", ChaincodeId::decode(p)),
        Ok(MsgType::GetState | MsgType::GetPrivateDataHash) => format!("{:?}", GetState::decode(p)),
        Ok(MsgType::PutState) => format!("{:?}", PutState::decode(p)),
        Ok(MsgType::DelState) => format!("{:?}", DelState::decode(p)),
        Ok(MsgType::GetStateMultiple) => format!("{:?}", GetStateMultiple::decode(p)),
        Ok(MsgType::GetStateByRange) => {
            let r = GetStateByRange::decode(p).expect("GetStateByRange");
            format!("{r:?} {:?}", QueryMetadata::decode(r.metadata.as_slice()))
        }
        Ok(MsgType::QueryStateNext) => format!("{:?}", QueryStateNext::decode(p)),
        Ok(MsgType::QueryStateClose) => format!("{:?}", QueryStateClose::decode(p)),
        Ok(MsgType::GetHistoryForKey) => format!("{:?}", GetHistoryForKey::decode(p)),
        Ok(MsgType::GetStateMetadata) => format!("{:?}", GetStateMetadata::decode(p)),
        Ok(MsgType::PutStateMetadata) => format!("{:?}", PutStateMetadata::decode(p)),
        Ok(MsgType::WriteBatchState) => {
            // Fabric's Go shim keeps a transaction's batched writes in a Go map, whose
            // iteration order is random: the records of one batch are compared as a set
            // (sorted), which is all the peer's semantics depend on.
            let mut b = WriteBatchState::decode(p).expect("WriteBatchState");
            b.rec.sort_by(|x, y| (&x.key, x.r#type).cmp(&(&y.key, y.r#type)));
            format!("{} records", b.rec.len())
        }
        Ok(MsgType::Completed) => format!("{:?} event={:?}", Response::decode(p), msg.chaincode_event),
        Ok(MsgType::Error) => format!("{:?} event={:?}", String::from_utf8_lossy(p), msg.chaincode_event),
        _ => format!("{p:?}"),
    };
    format!("{kind} tx={} ch={} {body}", msg.txid, msg.channel_id)
}

/// All records of a transaction's WRITE_BATCH_STATE messages, sorted: with more records
/// than one batch holds, which record lands in which batch depends on Go's map order.
pub fn batched_records(msgs: &[ChaincodeMessage]) -> Vec<String> {
    let mut all: Vec<String> = msgs
        .iter()
        .filter(|m| m.r#type == MsgType::WriteBatchState as i32)
        .flat_map(|m| WriteBatchState::decode(m.payload.as_slice()).expect("WriteBatchState").rec)
        .map(|r| format!("{r:?}"))
        .collect();
    all.sort();
    all
}

pub fn describe_all(msgs: &[ChaincodeMessage]) -> Vec<String> {
    msgs.iter().map(describe).collect()
}

pub fn completed(msg: &ChaincodeMessage) -> Response {
    assert_eq!(msg.r#type, MsgType::Completed as i32, "expected COMPLETED, got {msg:?}");
    Response::decode(msg.payload.as_slice()).expect("Response")
}

pub fn event(name: &str, payload: &str) -> ChaincodeEvent {
    ChaincodeEvent { event_name: name.into(), payload: payload.as_bytes().to_vec(), ..Default::default() }
}
