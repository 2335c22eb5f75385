//! What a billing write answers, and where its full answer is kept.
//!
//! A chaincode's response is part of the endorsed transaction, so on Fabric every peer of
//! the channel receives it in its block. A billing write therefore answers only a
//! [`PrivateReceipt`]: its transaction and the collection that keeps its answer, neither
//! of which tells more than the block's own collection names and transaction ID. The
//! answer itself ([`PrivateAnswer`]) is written in the same transaction to that
//! collection, under `answer~<tx>`, and read with the query `PrivateAnswer` by a member of
//! the organisations that hold it (docs/PRIVATE-DATA.md).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{BillingPair, FeeScheduleVersion, InvoiceRecord, Quote, StatementImport};
use crate::function::Function;

/// The collection that keeps a billing write's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AnswerHolder {
    /// The billing collection of a certification body and a manufacturer, which the
    /// answer's record is in: a fee schedule, a quote, an invoice or a credit note. Either
    /// party may read it.
    Pair {
        /// The certification body.
        body_msp: String,
        /// The manufacturer.
        manufacturer_msp: String,
    },
    /// A certification body's own books (its implicit collection): an imported
    /// statement's report, which may name several manufacturers. The body's finance
    /// may read it.
    Books {
        /// The certification body.
        body_msp: String,
    },
}

impl AnswerHolder {
    /// The billing collection of `pair`.
    pub fn pair(pair: &BillingPair) -> Self {
        AnswerHolder::Pair { body_msp: pair.body.clone(), manufacturer_msp: pair.manufacturer.clone() }
    }
}

/// What a billing write answers (request of the query `PrivateAnswer`): the transaction
/// and where its answer is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PrivateReceipt {
    /// The transaction whose answer it is.
    pub tx_id: String,
    /// The collection that keeps the answer.
    pub kept_in: AnswerHolder,
}

/// A billing write's full answer, kept privately (response of `PrivateAnswer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "answer", rename_all = "snake_case", deny_unknown_fields)]
// One answer is read at a time and taken apart at once: boxing the larger records would
// only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum PrivateAnswer {
    /// `SetFeeSchedule`'s: the version set.
    FeeSchedule(FeeScheduleVersion),
    /// `IssueQuote`'s and `AcceptQuote`'s: the quote as the transaction left it.
    Quote(Quote),
    /// `IssueInvoice`'s and `IssueCreditNote`'s: the document issued.
    Invoice(InvoiceRecord),
    /// `ImportStatement`'s: what the import applied and reported.
    Statement(StatementImport),
}

/// Why a kept answer is not the response of the function that was called.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// The answer is of another kind than the function gives.
    #[error("the answer kept for transaction {tx_id} is a {kind}, which {function} does not answer")]
    WrongKind {
        /// The transaction.
        tx_id: String,
        /// The kind kept.
        kind: &'static str,
        /// The function called.
        function: Function,
    },
    /// The answer does not decode as the caller's response type.
    #[error("the answer kept for transaction {tx_id} is not a {function} response: {source}")]
    Decode {
        /// The transaction.
        tx_id: String,
        /// The function called.
        function: Function,
        /// The decoder's error.
        source: serde_json::Error,
    },
}

impl PrivateAnswer {
    /// The kind's name, as on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            PrivateAnswer::FeeSchedule(_) => "fee_schedule",
            PrivateAnswer::Quote(_) => "quote",
            PrivateAnswer::Invoice(_) => "invoice",
            PrivateAnswer::Statement(_) => "statement",
        }
    }

    /// Whether this is an answer `function` gives.
    pub fn answers(&self, function: Function) -> bool {
        matches!(
            (self, function),
            (PrivateAnswer::FeeSchedule(_), Function::SetFeeSchedule)
                | (PrivateAnswer::Quote(_), Function::IssueQuote | Function::AcceptQuote)
                | (PrivateAnswer::Invoice(_), Function::IssueInvoice | Function::IssueCreditNote)
                | (PrivateAnswer::Statement(_), Function::ImportStatement)
        )
    }

    /// The answer as `function`'s response `R`, the answer of transaction `tx_id`.
    pub fn into_response<R: DeserializeOwned>(self, function: Function, tx_id: &str) -> Result<R, AnswerError> {
        if !self.answers(function) {
            return Err(AnswerError::WrongKind { tx_id: tx_id.to_owned(), kind: self.kind(), function });
        }
        let value = match self {
            PrivateAnswer::FeeSchedule(v) => serde_json::to_value(v),
            PrivateAnswer::Quote(v) => serde_json::to_value(v),
            PrivateAnswer::Invoice(v) => serde_json::to_value(v),
            PrivateAnswer::Statement(v) => serde_json::to_value(v),
        };
        value.and_then(serde_json::from_value).map_err(|source| AnswerError::Decode {
            tx_id: tx_id.to_owned(),
            function,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_and_a_holder_say_where_and_nothing_else() {
        let receipt = PrivateReceipt {
            tx_id: "t1".into(),
            kept_in: AnswerHolder::pair(&BillingPair::new("BodyMSP", "MakerMSP")),
        };
        let json = serde_json::to_value(&receipt).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"tx_id": "t1", "kept_in": {"kind": "pair", "body_msp": "BodyMSP", "manufacturer_msp": "MakerMSP"}})
        );
        let books: AnswerHolder = serde_json::from_str(r#"{"kind":"books","body_msp":"BodyMSP"}"#).expect("books");
        assert_eq!(books, AnswerHolder::Books { body_msp: "BodyMSP".into() });
        assert!(serde_json::from_str::<AnswerHolder>(r#"{"kind":"books","body_msp":"B","x":1}"#).is_err());
    }
}
