//! ISO 20022 **camt.053** (Bank-to-Customer Statement) files read, and their credit entries
//! matched to a certification body's open invoices by the **ISO 11649 structured creditor
//! reference** ("RF…") printed on each invoice (issue 75, paid certification).
//!
//! A pure library: [`parse()`] reads the bytes of one statement into a [`Statement`];
//! [`reconcile`] matches its booked credit entries against [`OpenInvoice`]s and returns a
//! [`Reconciliation`] in which every payment names the statement entry it came from
//! ([`EntryId`]) and everything that is not a full, partial or over-payment of a known
//! invoice is reported, never applied. No ledger, no clock, no I/O.
//!
//! ```
//! use nanotrace_camt::{parse, reconcile, OpenInvoice};
//! # fn main() -> Result<(), nanotrace_camt::CamtError> {
//! let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
//! <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
//!   <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-11-30T08:00:00</CreDtTm></GrpHdr>
//!   <Stmt><Id>STMT-1</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id></Acct>
//!     <Ntry><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
//!       <BkTxCd/><NtryDtls><TxDtls><RmtInf><Strd><CdtrRefInf>
//!         <Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref>
//!       </CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
//!   </Stmt></BkToCstmrStmt></Document>"#;
//! let statement = parse(xml)?;
//! let invoices = [OpenInvoice {
//!     number: "NT-2026-0001".into(),
//!     creditor_reference: "RF18 5390 0754 7034".into(),
//!     currency: "EUR".into(),
//!     amount_due: "100.00".parse().expect("a decimal"),
//! }];
//! let result = reconcile(&statement, "CH93 0076 2011 6238 5295 7", &invoices, &|_| false)?;
//! assert_eq!(result.payments.len(), 1);
//! assert!(result.reported.is_empty());
//! # Ok(())
//! # }
//! ```

pub mod entry;
pub mod error;
pub mod matching;
pub mod parse;
pub mod statement;

pub use entry::{Entry, EntryId, EntryStatus};
pub use error::CamtError;
pub use matching::{
    reconcile, Ignored, IgnoredReason, OpenInvoice, Payment, Reconciliation, Reported, UnmatchedReason,
};
pub use parse::{parse, SUPPORTED_VERSIONS};
pub use statement::Statement;
