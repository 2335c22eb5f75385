//! A rogue chaincode, for the attack tests only (issue 70): the certificate contract as
//! every honest peer runs it, plus one function, [`FORGE`], that writes whatever its
//! argument says — values and key-level policies, past every rule of the contract.
//!
//! Fabric lets each organisation install its own package for a chaincode definition. Two
//! colluding organisations that install this one keep answering every other function as
//! the honest contract does (nobody notices), and can endorse any write set together. The
//! Fabric suite (`systests/fabric_chaos`, `rogue.rs`) shows what such a write set can and
//! cannot change once the peers validate it against the endorsement policies.

use nanotrace_chaincode::CertificateChaincode;
use nanotrace_shim::{Chaincode, ChaincodeError, EndorsementPolicy, Stub};
use serde::{Deserialize, Serialize};

/// The function that writes what it is told.
pub const FORGE: &str = "Forge";

/// One value to write at one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForgedWrite {
    /// The world-state key (composite keys with their U+0000 separators).
    pub key: String,
    /// The value's bytes, as UTF-8 text (the contract's records are JSON).
    pub value: String,
}

/// [`FORGE`]'s one argument: the writes, then the policies to set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forgery {
    /// Values to write.
    #[serde(default)]
    pub writes: Vec<ForgedWrite>,
    /// Key-level policies to set, by key.
    #[serde(default)]
    pub policies: Vec<(String, EndorsementPolicy)>,
}

/// The honest contract, and [`FORGE`].
#[derive(Default)]
pub struct RogueChaincode {
    honest: CertificateChaincode,
}

impl std::fmt::Debug for RogueChaincode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RogueChaincode").finish_non_exhaustive()
    }
}

impl Chaincode for RogueChaincode {
    fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError> {
        if function != FORGE {
            return self.honest.invoke(stub, function, args);
        }
        let order = args.first().ok_or_else(|| ChaincodeError::new("Forge takes one JSON argument"))?;
        let forgery: Forgery =
            serde_json::from_slice(order).map_err(|e| ChaincodeError::new(format!("Forge: not a forgery: {e}")))?;
        for write in &forgery.writes {
            stub.put_state(&write.key, write.value.as_bytes())?;
        }
        for (key, policy) in &forgery.policies {
            stub.set_state_validation_parameter(key, policy)?;
        }
        Ok(format!("forged {} keys", forgery.writes.len()).into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_ledger::memory::MemoryLedger;
    use nanotrace_shim::{Creator, TxTimestamp};

    #[test]
    fn forge_writes_past_the_contract_and_the_rest_is_the_honest_contract() {
        let mut ledger = MemoryLedger::new();
        let creator = Creator { msp_id: "ManufacturerMSP".into(), id_bytes: b"not a certificate".to_vec() };
        let ts = TxTimestamp { seconds: 1_700_000_000, nanos: 0 };
        let rogue = RogueChaincode::default();
        let forgery = Forgery {
            writes: vec![ForgedWrite { key: "\u{0}role\u{0}X\u{0}".into(), value: "{}".into() }],
            policies: vec![],
        };
        let arg = serde_json::to_vec(&forgery).expect("json");
        let (out, _) = ledger
            .execute(&creator, ts, |s| rogue.invoke(s, FORGE, std::slice::from_ref(&arg)))
            .expect("the forgery commits on a ledger without policies");
        assert_eq!(out, b"forged 1 keys");
        let read = ledger.evaluate(&creator, ts, |s| s.get_state("\u{0}role\u{0}X\u{0}")).expect("read");
        assert_eq!(read, Some(b"{}".to_vec()));
        // Any other function is the honest contract's, with its refusals.
        let honest = ledger.evaluate(&creator, ts, |s| rogue.invoke(s, "Bootstrap", &[b"{}".to_vec()]));
        assert!(honest.is_err(), "a certificate that does not parse is refused as the honest contract refuses it");
    }
}
