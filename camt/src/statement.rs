//! A camt.053 statement: its message, its account and its entries.

use crate::entry::{Entry, EntryId};

/// One bank-to-customer statement (`BkToCstmrStmt` with its single `Stmt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The message identification (`GrpHdr/MsgId`).
    pub message_id: String,
    /// The statement identification (`Stmt/Id`), unique per account at the account servicer.
    pub statement_id: String,
    /// The account's IBAN (`Stmt/Acct/Id/IBAN`), as written in the file.
    pub account_iban: String,
    /// The account's currency (`Stmt/Acct/Ccy`), when stated.
    pub currency: Option<String>,
    /// When the statement was created (`Stmt/CreDtTm`, or `GrpHdr/CreDtTm` when the statement
    /// has none), as written (ISO 8601 date and time).
    pub created_at: String,
    /// The entries (`Stmt/Ntry`), in statement order.
    pub entries: Vec<Entry>,
}

impl Statement {
    /// The statement's identity for idempotency: `IBAN/StatementId`, the IBAN normalized
    /// (spaces removed, upper case).
    ///
    /// ISO 20022 defines `Stmt/Id` as the account servicer's unique identification of the
    /// statement, and it is unique per account, so the pair names one statement whichever
    /// file it arrives in. The message identification (`GrpHdr/MsgId`) is left out on
    /// purpose: a bank that delivers the same statement again (a second download, a resend)
    /// may wrap it in a new message with a new `MsgId`, and it must still be recognised.
    pub fn identity(&self) -> String {
        format!("{}/{}", normalize_iban(&self.account_iban), self.statement_id)
    }

    /// The identification of `entry` of this statement, as payments and reports name it.
    pub fn entry_id(&self, entry: &Entry) -> EntryId {
        EntryId {
            statement: self.identity(),
            index: entry.index,
            entry_reference: entry.reference().map(str::to_owned),
        }
    }
}

/// An IBAN as compared: spaces removed, upper case.
pub fn normalize_iban(iban: &str) -> String {
    iban.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}
