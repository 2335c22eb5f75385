//! The probe contract: every stub call as a transaction, so the runtime's shim can be compared with Fabric's Go shim.

use super::*;

// The probe contract, in Rust. tests/go-probe/main.go is the same contract in Go.
// ---------------------------------------------------------------------------------------

/// Scripted stub calls, one function per protocol feature.
pub struct Probe;

pub(crate) fn arg(args: &[Vec<u8>], i: usize) -> String {
    args.get(i).map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default()
}

pub(crate) fn page_text(page: nanotrace_shim::Page) -> String {
    let mut s = String::new();
    for (k, v) in page.entries {
        s.push_str(&format!("{}={};", hex::encode(k.as_bytes()), String::from_utf8_lossy(&v)));
    }
    s + "|" + &page.bookmark
}

impl Probe {
    fn run(stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<String, StubError> {
        let a = |i| arg(args, i);
        Ok(match function {
            "put" => {
                stub.put_state(&a(0), a(1).as_bytes())?;
                "ok".into()
            }
            "get" => stub.get_state(&a(0))?.map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default(),
            "del" => {
                stub.del_state(&a(0))?;
                "ok".into()
            }
            "putgetdel" => {
                stub.put_state(&a(0), a(1).as_bytes())?;
                let v = stub.get_state(&a(0))?.unwrap_or_default();
                stub.del_state(&a(2))?;
                String::from_utf8_lossy(&v).into_owned()
            }
            "multi" => {
                let keys: Vec<String> = (0..args.len()).map(a).collect();
                let values = stub.get_state_multiple(&keys)?;
                values
                    .iter()
                    .map(|v| String::from_utf8_lossy(v.as_deref().unwrap_or_default()).into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            }
            "range" => page_text(stub.get_state_by_range(&a(0), &a(1), a(2).parse().unwrap_or(0), &a(3))?),
            "composite" => {
                let attrs = a(1);
                let attrs: Vec<&str> = if attrs.is_empty() { Vec::new() } else { attrs.split(',').collect() };
                page_text(stub.get_state_by_partial_composite_key(&a(0), &attrs, a(2).parse().unwrap_or(0), &a(3))?)
            }
            "pageput" => {
                // A page of an index, then a write: what the contract's Suspend does
                // (dependent certificates are looked up, then the certificate changes).
                let attrs = a(1);
                let attrs: Vec<&str> = if attrs.is_empty() { Vec::new() } else { attrs.split(',').collect() };
                let page = stub.get_state_by_partial_composite_key(&a(0), &attrs, a(2).parse().unwrap_or(0), "")?;
                stub.put_state(&a(3), b"v")?;
                page_text(page)
            }
            "history" => stub
                .get_history_for_key(&a(0))?
                .iter()
                .map(|m| {
                    format!(
                        "{}@{}:{}:{};",
                        m.tx_id,
                        m.timestamp.seconds,
                        String::from_utf8_lossy(&m.value),
                        m.is_delete
                    )
                })
                .collect(),
            "event" => {
                stub.set_event(&a(0), a(1).as_bytes())?;
                "ok".into()
            }
            "setep" => {
                let role = if a(2) == "member" { PolicyRole::Member } else { PolicyRole::Peer };
                let policy = EndorsementPolicy::all_of(a(1).split(','), role);
                stub.set_state_validation_parameter(&a(0), &policy)?;
                "ok".into()
            }
            "getep" => stub
                .get_state_validation_parameter(&a(0))?
                .and_then(|p| p.as_all_of().map(|(orgs, _)| orgs.join(",")))
                .unwrap_or_default(),
            "batch" => {
                let n: usize = a(0).parse().unwrap_or(0);
                for i in 0..n {
                    stub.put_state(&format!("k{i:03}"), b"v")?;
                }
                stub.del_state("gone")?;
                "ok".into()
            }
            "pget" => stub
                .get_private_data(&a(0), &a(1))?
                .map(|v| String::from_utf8_lossy(&v).into_owned())
                .unwrap_or_default(),
            "phash" => stub.get_private_data_hash(&a(0), &a(1))?.map(hex::encode).unwrap_or_default(),
            "pput" => {
                stub.put_private_data(&a(0), &a(1), a(2).as_bytes())?;
                "ok".into()
            }
            "pdel" => {
                stub.del_private_data(&a(0), &a(1))?;
                "ok".into()
            }
            "pwrites" => {
                // One key in the public state and in two collections, written several
                // times: with write batching, the last write to each (collection, key).
                let (collection, key) = (a(0), a(1));
                stub.put_state(&key, b"public")?;
                stub.put_private_data(&collection, &key, b"first")?;
                stub.put_private_data(&collection, &key, b"last")?;
                stub.del_private_data("other", &key)?;
                stub.put_private_data(&collection, "k2", b"gone")?;
                stub.del_private_data(&collection, "k2")?;
                "ok".into()
            }
            "transient" => {
                stub.transient().iter().map(|(k, v)| format!("{k}={};", String::from_utf8_lossy(v))).collect()
            }
            "creator" => {
                let ts = stub.tx_timestamp();
                format!("{}|{}.{}|{}", stub.creator().msp_id, ts.seconds, ts.nanos, stub.creator().id_bytes.len())
            }
            "fail" => return Err(StubError::Ledger(a(0))),
            "panic" => panic!("probe panics on purpose"),
            other => return Err(StubError::Ledger(format!("unknown function {other:?}"))),
        })
    }
}

impl Chaincode for Probe {
    fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError> {
        // The Go probe returns err.Error() of the failing call; a StubError::Ledger's
        // Display adds "ledger error: ", so the message is taken as is.
        Probe::run(stub, function, args).map(String::into_bytes).map_err(|e| match e {
            StubError::Ledger(m) => ChaincodeError::new(m),
            other => ChaincodeError::new(other.to_string()),
        })
    }
}
