//! The embedded ledger's private data collections kept those of its organisations, as
//! the consortium procedures keep a Fabric chaincode definition's: after every committed
//! `RegisterOrganization` the collections of the registered organisations
//! ([`ledger_collections`]: their billing collections and each one's implicit
//! collection, as a Fabric channel has them) are set on the ledger. A retired organisation keeps its
//! collections (what was billed stays readable by the two parties).

use crate::tx_error::TxError;
use nanotrace_chaincode::collections::ledger_collections;
use nanotrace_chaincode::CertificateContract;
use nanotrace_ledger::{Ledger, LedgerError};
use nanotrace_model::records::Organization;
use nanotrace_model::Function;
use nanotrace_shim::{CollectionError, Collections, Creator};

/// Why the collections could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum CollectionsError {
    /// Listing the organisations failed.
    #[error("listing the organisations: {0}")]
    Organizations(String),
    /// The organisations' answer did not decode.
    #[error("reading the organisations' answer: {0}")]
    Decode(#[from] serde_json::Error),
    /// A collection definition was refused.
    #[error(transparent)]
    Definition(#[from] CollectionError),
    /// The ledger did not store them.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Sets the billing collections of the organisations registered on `ledger`, read as
/// `creator`; returns them.
pub fn refresh(ledger: &Ledger, creator: &Creator) -> Result<Collections, CollectionsError> {
    let name = Function::Organizations.name();
    let answer = ledger
        .evaluate(creator, None, |stub| CertificateContract.invoke(stub, name, &[]).map_err(TxError::from))
        .map_err(|e| CollectionsError::Organizations(e.to_string()))?;
    let organizations: Vec<Organization> = serde_json::from_slice(&answer)?;
    let collections = ledger_collections(&organizations, &[])?;
    if ledger.collections()? != collections {
        ledger.set_collections(&collections)?;
    }
    Ok(collections)
}

/// After `function` committed as `creator`: brings the collections up to date when it
/// changed the organisations. A failure is logged, not returned — the transaction is
/// committed — and the next registration or [`refresh`] repairs it; until then a write to
/// a new pair's collection is refused as unknown, never misplaced.
pub fn after_commit(ledger: &Ledger, function: &str, creator: &Creator) {
    if function != Function::RegisterOrganization.name() {
        return;
    }
    if let Err(e) = refresh(ledger, creator) {
        tracing::warn!(error = %e, "the private data collections were not brought up to date");
    }
}
