//! The contract's argument decoding, validation and dispatch
//! ([`CertificateContract::invoke`]) on the in-memory ledger of the test world.
//!
//! Input: `who` (one byte: the low bits pick the identity, bit 7 asks for an evaluation
//! instead of a submission), then the function name, then each argument, separated by
//! `0x00` bytes (no separator: no argument). Before the call, the placeholders of
//! [`Fixture::substitutions`] are replaced (`$PENDING` by the ID of a pending
//! certificate, `$SIG_APPROVE` by a valid approval signature of it, ...): certificate IDs
//! and identities' keys differ from one process to the next, and the placeholders let a
//! seed reach the functions' deep paths.
//!
//! Properties, on a fresh copy of a governed world with certificates in several states:
//! a call that fails leaves the state, the height and the events as they were and has an
//! error code and message; a query (evaluated, or submitted but of kind `Evaluate`) never
//! writes state or events; a successful answer is JSON; the same call on a second copy of the same state
//! gives the same answer and the same state (the contract is deterministic, as Fabric's
//! endorsement requires).

use nanotrace_chaincode::{CertificateContract, ContractError};
use nanotrace_model::{Function, FunctionKind, IdsResponse};
use nanotrace_testkit::{creator, sample_application, Who, World};
use std::sync::OnceLock;

/// How many identities an input can pick from.
pub const IDENTITIES: u8 = 9;

/// The identity an input's first byte picks (its low 4 bits, modulo [`IDENTITIES`]): the
/// six of the authorization matrix, then a second certifier of the same body, a
/// manufacturer's admin and a certifier of another body.
pub fn who(byte: u8) -> Who {
    const MORE: [Who; 3] = [Who::Certifier2, Who::ManufacturerAdmin, Who::OtherCertifier];
    let i = usize::from((byte & 0x0f) % IDENTITIES);
    Who::MATRIX.get(i).copied().unwrap_or_else(|| MORE[i - Who::MATRIX.len()])
}

/// The world every input starts from, and the placeholders' values in it.
pub struct Fixture {
    /// Governed, with certificates pending, valid, suspended and revoked.
    pub world: World,
    /// (placeholder, value), longest placeholder first.
    pub substitutions: Vec<(&'static str, String)>,
}

/// The fixture (built once per process).
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut w = World::governed();
        let valid = w.issue("LOT-FUZZ-VALID");
        let suspended = w.issue("LOT-FUZZ-SUSPENDED");
        let _: serde_json::Value = w.ok(Who::Certifier, "Suspend", &World::reason(&suspended, "audit"));
        let revoked = w.issue("LOT-FUZZ-REVOKED");
        let _: serde_json::Value = w.ok(Who::Certifier, "Revoke", &World::reason(&revoked, "fraud"));
        let ids: IdsResponse = w.ok(Who::Applicant, "Apply", &sample_application("LOT-FUZZ-PENDING"));
        let pending = ids.certificate_ids[0].clone();
        let approval = w.approval(Who::Certifier, &pending);
        let renewal = w.renewal(Who::Certifier, &valid);
        let resign = w.resignature(Who::Certifier, &suspended);
        let substitutions = vec![
            ("$SIG_REINSTATE", resign.signature),
            ("$SIG_APPROVE", approval.signature),
            ("$SIG_RENEW", renewal.signature),
            ("$SUSPENDED", suspended),
            ("$PENDING", pending),
            ("$REVOKED", revoked),
            ("$VALID", valid),
            ("$KEYID", approval.issuer_key_id),
            ("$UNTIL", approval.valid_until.to_string()),
            ("$NOW", approval.issued_at.to_string()),
        ];
        Fixture { world: w, substitutions }
    })
}

/// `data` with every placeholder replaced by its value.
pub fn substitute(data: &[u8], substitutions: &[(&'static str, String)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut i = 0;
    'scan: while i < data.len() {
        if data[i] == b'$' {
            for (name, value) in substitutions {
                if data[i..].starts_with(name.as_bytes()) {
                    out.extend_from_slice(value.as_bytes());
                    i += name.len();
                    continue 'scan;
                }
            }
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

/// Splits an input (after its first byte) into the function name and the arguments.
pub fn split_call(rest: &[u8]) -> (String, Vec<Vec<u8>>) {
    let mut parts = rest.split(|b| *b == 0);
    // As the CCaaS runtime reads the name from the transaction's first argument.
    let function = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    (function, parts.map(<[u8]>::to_vec).collect())
}

type Outcome = Result<Vec<u8>, ContractError>;

fn call(world: &mut World, who: Who, evaluate: bool, function: &str, args: &[Vec<u8>]) -> Outcome {
    if evaluate {
        let ts = world.ts();
        world.ledger.evaluate(&creator(who), ts, |stub| CertificateContract.invoke(stub, function, args))
    } else {
        world.submit_raw(who, function, args)
    }
}

/// The target.
pub fn run(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let fx = fixture();
    let who = who(first);
    let evaluate = first & 0x80 != 0;
    let (function, args) = split_call(&substitute(rest, &fx.substitutions));

    let mut world = fx.world.clone();
    let before = (world.ledger.snapshot(), world.ledger.height(), world.ledger.events().len());
    let outcome = call(&mut world, who, evaluate, &function, &args);
    let after = (world.ledger.snapshot(), world.ledger.height(), world.ledger.events().len());
    let query = evaluate || Function::from_name(&function).is_none_or(|f| f.kind() == FunctionKind::Evaluate);
    match &outcome {
        Err(e) => {
            assert!(!e.code().is_empty(), "an error without a code: {e:?}");
            assert!(!e.to_string().is_empty(), "an error without a message: {e:?}");
            assert!(before == after, "{function} by {who:?} failed ({e}) but changed the ledger");
        }
        Ok(out) => {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(out) {
                panic!("{function} by {who:?} answered non-JSON ({e}): {:?}", String::from_utf8_lossy(out));
            }
            // A submitted query commits a block with no writes: the state and the
            // events must stay as they were (the height moves).
            if query {
                assert!(before.0 == after.0 && before.2 == after.2, "query {function} by {who:?} changed the ledger");
            }
        }
    }

    // Determinism: the same call on another copy of the same state.
    let mut twin = fx.world.clone();
    let again = call(&mut twin, who, evaluate, &function, &args);
    match (&outcome, &again) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{function}: two runs answered differently"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{function}: two runs failed differently"),
        _ => panic!("{function}: one run failed and the other did not: {outcome:?} / {again:?}"),
    }
    assert!(twin.ledger.snapshot() == after.0, "{function}: two runs wrote different states");
}
