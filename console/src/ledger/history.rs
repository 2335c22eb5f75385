//! The auditors' ledger view as data, on either ledger: a page of the channel's
//! transactions, newest first, each with its block, time, creator organisation,
//! function, the certificates it touched and a check of its place in the hash chain;
//! searched by transaction ID, certificate and product (GTIN). The embedded ledger
//! fills it from its log, Fabric from the peer's blocks (`ledger::embedded`,
//! `ledger::fabric`); `web::ledger_view` shows it.

/// What the auditor asks for.
#[derive(Debug, Default, Clone)]
pub struct TxQuery {
    /// Show blocks up to this one (default: the newest).
    pub before: Option<u64>,
    /// A transaction ID (or its first characters).
    pub tx: Option<String>,
    /// A certificate ID.
    pub certificate: Option<String>,
    /// The certificates of a product (GTIN), found beforehand.
    pub product_certificates: Option<Vec<String>>,
}

impl TxQuery {
    /// Whether it searches (rather than pages through the newest blocks).
    pub fn searching(&self) -> bool {
        self.tx.is_some() || self.certificate.is_some() || self.product_certificates.is_some()
    }

    /// Whether a transaction of ID `tx_id` that touched `certificates` matches.
    pub fn matches(&self, tx_id: &str, certificates: &[String]) -> bool {
        match (&self.tx, &self.certificate, &self.product_certificates) {
            (Some(tx), _, _) => tx_id.starts_with(tx.as_str()),
            (_, Some(cert), _) => certificates.iter().any(|c| c == cert),
            (_, _, Some(product)) => certificates.iter().any(|c| product.contains(c)),
            _ => true,
        }
    }
}

/// An endorsement of a transaction and whether its signature checks against the
/// certificate it names (Fabric).
#[derive(Debug, Clone)]
pub struct Endorsed {
    /// The endorsing organisation.
    pub msp_id: String,
    /// Whether the signature checks.
    pub signature_ok: bool,
}

/// One transaction.
#[derive(Debug, Clone)]
pub struct TxRow {
    /// Its block.
    pub block: u64,
    /// Unix seconds.
    pub timestamp: i64,
    /// The transaction ID (empty for a configuration block's).
    pub tx_id: String,
    /// What it is when it has no ID (Fabric's header type).
    pub kind: String,
    /// The creator's organisation.
    pub creator_msp: String,
    /// Its endorsements (Fabric; the embedded ledger has none to show).
    pub endorsements: Option<Vec<Endorsed>>,
    /// The contract function.
    pub function: String,
    /// Its validation code when the ledger keeps invalid transactions (Fabric):
    /// whether valid, and the code's name.
    pub validation: Option<(bool, String)>,
    /// The certificates its event names.
    pub certificates: Vec<String>,
    /// Its place in the hash chain: `Some(true)` checked, `Some(false)` broken, `None`
    /// not checkable on this page.
    pub chain: Option<bool>,
}

/// A page of the ledger view.
#[derive(Debug, Clone)]
pub struct TxPage {
    /// What the page shows, in a sentence (the ledger, its height, how it was read).
    pub about: String,
    /// The word for a checked chain link ("intact": an entry's hash recomputed;
    /// "linked": a block's data hash and its link).
    pub chain_word: &'static str,
    /// The matching transactions, newest first.
    pub rows: Vec<TxRow>,
    /// The blocks a search looked through, when it searched and says so.
    pub searched: Option<(u64, u64)>,
    /// The block the "older blocks" link starts below, if there are older ones.
    pub older_than: Option<u64>,
}

impl TxPage {
    /// Whether any row shows its endorsements.
    pub fn shows_endorsements(&self) -> bool {
        self.rows.iter().any(|r| r.endorsements.is_some())
    }
}

/// The certificates a contract event's payload names.
pub fn event_certificates(payload: &[u8]) -> Vec<String> {
    serde_json::from_slice::<nanotrace_model::Event>(payload)
        .map(|e| e.certificate_ids.into_iter().chain(e.flagged).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_matches_by_transaction_prefix_then_certificate_then_product() {
        let certs = vec!["NT-A".to_owned(), "NT-B".to_owned()];
        assert!(TxQuery::default().matches("abc", &certs));
        assert!(!TxQuery::default().searching());
        let by_tx = TxQuery { tx: Some("ab".into()), ..TxQuery::default() };
        assert!(by_tx.matches("abc", &[]) && !by_tx.matches("xbc", &certs));
        let by_cert = TxQuery { certificate: Some("NT-B".into()), ..TxQuery::default() };
        assert!(by_cert.matches("x", &certs) && !by_cert.matches("x", &["NT-C".into()]));
        let by_product = TxQuery { product_certificates: Some(vec!["NT-C".into()]), ..TxQuery::default() };
        assert!(by_product.searching());
        assert!(!by_product.matches("x", &certs) && by_product.matches("x", &["NT-C".into()]));
    }
}
