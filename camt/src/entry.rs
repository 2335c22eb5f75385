//! One entry (`Ntry`) of a statement, and the identification payments name it by.

use std::fmt;

use rust_decimal::Decimal;

/// The status of an entry (`Ntry/Sts`, or `Ntry/Sts/Cd` from camt.053.001.06 on).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EntryStatus {
    /// `BOOK`: booked on the account; the only status that counts as a payment.
    Booked,
    /// `PDNG`: pending, may still be reversed.
    Pending,
    /// `INFO`: for information only, never booked.
    Info,
    /// Another code (`FUTR`, or a proprietary one), as written.
    Other(String),
}

impl EntryStatus {
    /// The status of a code as written in the statement.
    pub fn from_code(code: &str) -> Self {
        match code {
            "BOOK" => Self::Booked,
            "PDNG" => Self::Pending,
            "INFO" => Self::Info,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as written in a statement.
    pub fn code(&self) -> &str {
        match self {
            Self::Booked => "BOOK",
            Self::Pending => "PDNG",
            Self::Info => "INFO",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for EntryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One entry of a statement: an amount credited or debited to the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its position among the statement's entries, from 0.
    pub index: usize,
    /// The entry reference (`Ntry/NtryRef`), when present.
    pub entry_reference: Option<String>,
    /// The account servicer's reference (`Ntry/AcctSvcrRef`), when present.
    pub account_servicer_reference: Option<String>,
    /// The amount (`Ntry/Amt`): never negative, the direction is [`credit`](Self::credit).
    pub amount: Decimal,
    /// The amount's currency (`Ntry/Amt/@Ccy`), an ISO 4217 code.
    pub currency: String,
    /// `true` for a credit (`CdtDbtInd` `CRDT`), `false` for a debit (`DBIT`).
    pub credit: bool,
    /// The status (`Ntry/Sts`).
    pub status: EntryStatus,
    /// The booking date (`Ntry/BookgDt/Dt`, or the date part of `DtTm`), `YYYY-MM-DD`.
    pub booking_date: Option<String>,
    /// The value date (`Ntry/ValDt/Dt`, or the date part of `DtTm`), `YYYY-MM-DD`.
    pub value_date: Option<String>,
    /// The structured creditor references of its transactions
    /// (`NtryDtls/TxDtls/RmtInf/Strd/CdtrRefInf/Ref` typed `SCOR` or untyped), normalized:
    /// spaces removed, upper case. Not checked here: [`reconcile`](crate::reconcile) does.
    pub creditor_references: Vec<String>,
    /// The unstructured remittance information (`NtryDtls/TxDtls/RmtInf/Ustrd`).
    pub unstructured: Vec<String>,
}

impl Entry {
    /// The entry's own reference: `NtryRef` when present, else `AcctSvcrRef`.
    pub fn reference(&self) -> Option<&str> {
        self.entry_reference.as_deref().or(self.account_servicer_reference.as_deref())
    }

    /// Whether the entry is booked.
    pub fn is_booked(&self) -> bool {
        self.status == EntryStatus::Booked
    }
}

/// Names one entry of one statement, so that every payment applied can be traced back to
/// the line of the bank statement it came from, and so that an entry already imported is
/// recognised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EntryId {
    /// The statement's [`identity`](crate::Statement::identity).
    pub statement: String,
    /// The entry's position in the statement, from 0.
    pub index: usize,
    /// The entry's own reference ([`Entry::reference`]), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_reference: Option<String>,
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.statement, self.index)?;
        if let Some(reference) = &self.entry_reference {
            write!(f, " ({reference})")?;
        }
        Ok(())
    }
}
