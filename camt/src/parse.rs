//! Reading a camt.053 document into a [`Statement`].
//!
//! The XML is read by `quick-xml`'s namespace-resolving reader, element by element; only
//! the elements this crate uses are kept, the rest is skipped. Elements of other namespaces
//! (supplementary data) are skipped too. A DOCTYPE is refused outright, so no DTD, external
//! entity or entity expansion is ever read; only the five predefined entities and
//! character references are resolved.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use rust_decimal::Decimal;

use crate::entry::{Entry, EntryStatus};
use crate::error::CamtError;
use crate::statement::Statement;

/// The namespace of camt.053 messages, without its version number.
const NAMESPACE_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.";

/// The versions of camt.053.001 read: `02` to `13`.
pub const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u32> = 2..=13;

/// A marker on the element stack for an element of another namespace.
const FOREIGN: &str = "#foreign";

/// Reads one camt.053 statement from its bytes (UTF-8 XML).
///
/// Refuses, with an error naming what and where: bytes that are not UTF-8 or not
/// well-formed XML, a DOCTYPE, a document that is not a camt.053.001.02 to .13
/// `Document`, a message with other than exactly one `Stmt`, a missing required element
/// (`GrpHdr/MsgId`, `GrpHdr/CreDtTm`, `Stmt/Id`, `Stmt/Acct/Id/IBAN`, and each entry's
/// `Amt` with its `Ccy`, `CdtDbtInd` and `Sts`), and an entry amount that is negative,
/// not a plain decimal, or has more decimals than its currency.
pub fn parse(bytes: &[u8]) -> Result<Statement, CamtError> {
    let text = std::str::from_utf8(bytes).map_err(|e| CamtError::NotUtf8 { valid_up_to: e.valid_up_to() })?;
    let mut reader = NsReader::from_str(text);
    let mut parser = Parser::default();
    loop {
        let position = reader.buffer_position();
        let (resolved, event) = reader.read_resolved_event().map_err(|e| xml_error(position, &e))?;
        let namespace = match resolved {
            ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
            _ => None,
        };
        match event {
            Event::Start(start) => parser.start(namespace, &start, position)?,
            Event::Empty(start) => {
                parser.start(namespace, &start, position)?;
                parser.end()?;
            }
            Event::End(_) => parser.end()?,
            Event::Text(text) => {
                let text = text.xml10_content().map_err(|e| xml_error(position, &e))?;
                parser.text.push_str(&text);
            }
            Event::CData(data) => {
                let text = data.decode().map_err(|e| xml_error(position, &e))?;
                parser.text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                if let Some(ch) = reference.resolve_char_ref().map_err(|e| xml_error(position, &e))? {
                    parser.text.push(ch);
                } else {
                    let name = reference.decode().map_err(|e| xml_error(position, &e))?;
                    match resolve_predefined_entity(&name) {
                        Some(value) => parser.text.push_str(value),
                        None => return Err(CamtError::UnknownEntity { name: name.into_owned(), path: parser.path() }),
                    }
                }
            }
            Event::DocType(_) => return Err(CamtError::Doctype),
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| xml_error(position, &e))?;
                    let encoding = String::from_utf8_lossy(&encoding).into_owned();
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(CamtError::UnsupportedEncoding { encoding });
                    }
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !parser.stack.is_empty() {
        return Err(CamtError::Xml {
            position: reader.buffer_position(),
            message: format!("unexpected end of document inside {}", parser.path()),
        });
    }
    parser.finish()
}

fn xml_error(position: u64, error: &dyn std::fmt::Display) -> CamtError {
    CamtError::Xml { position, message: error.to_string() }
}

/// The entry being read.
#[derive(Default)]
struct EntryBuilder {
    entry_reference: Option<String>,
    account_servicer_reference: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    credit_debit: Option<String>,
    status: Option<String>,
    booking_date: Option<String>,
    value_date: Option<String>,
    creditor_references: Vec<String>,
    unstructured: Vec<String>,
    /// The creditor reference being read: its type code (`Cd`), proprietary type, reference.
    reference: Option<(Option<String>, Option<String>, Option<String>)>,
}

#[derive(Default)]
struct Parser {
    /// Local names of the open elements, [`FOREIGN`] for another namespace's.
    stack: Vec<String>,
    /// The text of the innermost element, since its start or its last child's end.
    text: String,
    /// Whether the root was checked.
    root_seen: bool,
    /// The root's namespace: the statement's elements are those of this namespace.
    namespace: String,
    message_id: Option<String>,
    group_created_at: Option<String>,
    statements: usize,
    statement_id: Option<String>,
    statement_created_at: Option<String>,
    account_iban: Option<String>,
    account_currency: Option<String>,
    entries: Vec<Entry>,
    entry: Option<EntryBuilder>,
}

impl Parser {
    /// The XPath-like path of the innermost open element, entries numbered from 1.
    fn path(&self) -> String {
        let mut parts = Vec::with_capacity(self.stack.len());
        for (depth, name) in self.stack.iter().enumerate() {
            if depth == 3 && name == "Ntry" {
                parts.push(format!("Ntry[{}]", self.entries.len() + 1));
            } else {
                parts.push(name.clone());
            }
        }
        parts.join("/")
    }

    /// The open elements' names below `Document/BkToCstmrStmt/Stmt/Ntry`, when inside an
    /// entry of the first statement.
    fn in_entry(&self) -> Option<Vec<&str>> {
        if self.statements != 1 || self.entry.is_none() {
            return None;
        }
        Some(self.stack.iter().skip(4).map(String::as_str).collect())
    }

    fn start(&mut self, namespace: Option<String>, start: &BytesStart<'_>, position: u64) -> Result<(), CamtError> {
        let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        self.text.clear();
        if !self.root_seen {
            self.root_seen = true;
            let namespace = namespace.clone().unwrap_or_default();
            let version = namespace.strip_prefix(NAMESPACE_PREFIX);
            if local != "Document" || version.is_none() {
                return Err(CamtError::NotAStatement { namespace, root: local });
            }
            let supported = version
                .filter(|v| v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u32>().ok())
                .is_some_and(|v| SUPPORTED_VERSIONS.contains(&v));
            if !supported {
                return Err(CamtError::UnsupportedVersion { namespace });
            }
            self.namespace = namespace;
            self.stack.push(local);
            return Ok(());
        }
        let name = if namespace.as_deref() == Some(self.namespace.as_str()) { local } else { FOREIGN.to_owned() };
        self.stack.push(name);
        let path: Vec<&str> = self.stack.iter().map(String::as_str).collect();
        match path.as_slice() {
            ["Document", second] if *second != "BkToCstmrStmt" => {
                return Err(CamtError::NotAStatement {
                    namespace: namespace.unwrap_or_default(),
                    root: format!("Document/{second}"),
                })
            }
            ["Document", "BkToCstmrStmt", "Stmt"] => self.statements += 1,
            ["Document", "BkToCstmrStmt", "Stmt", "Ntry"] if self.statements == 1 => {
                self.entry = Some(EntryBuilder::default())
            }
            _ => {}
        }
        if let Some(inner) = self.in_entry() {
            match inner.as_slice() {
                ["Amt"] => {
                    let currency = match start.try_get_attribute("Ccy") {
                        Ok(Some(attribute)) => Some(
                            attribute
                                .decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, start.decoder())
                                .map_err(|e| xml_error(position, &e))?
                                .into_owned(),
                        ),
                        Ok(None) => None,
                        Err(e) => return Err(xml_error(position, &e)),
                    };
                    if let Some(entry) = self.entry.as_mut() {
                        entry.currency = currency;
                    }
                }
                ["NtryDtls", "TxDtls", "RmtInf", "Strd", "CdtrRefInf"] => {
                    if let Some(entry) = self.entry.as_mut() {
                        entry.reference = Some((None, None, None));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), CamtError> {
        let text = std::mem::take(&mut self.text).trim().to_owned();
        let path = self.path();
        let value = if text.is_empty() { None } else { Some(text) };
        {
            let names: Vec<&str> = self.stack.iter().map(String::as_str).collect();
            match names.as_slice() {
                ["Document", "BkToCstmrStmt", "GrpHdr", "MsgId"] => {
                    set_once(&mut self.message_id, value.clone(), &path)?
                }
                ["Document", "BkToCstmrStmt", "GrpHdr", "CreDtTm"] => {
                    set_once(&mut self.group_created_at, value.clone(), &path)?
                }
                ["Document", "BkToCstmrStmt", "Stmt", leaf] if self.statements == 1 => match *leaf {
                    "Id" => set_once(&mut self.statement_id, value.clone(), &path)?,
                    "CreDtTm" => set_once(&mut self.statement_created_at, value.clone(), &path)?,
                    _ => {}
                },
                ["Document", "BkToCstmrStmt", "Stmt", "Acct", "Id", "IBAN"] if self.statements == 1 => {
                    set_once(&mut self.account_iban, value.clone(), &path)?
                }
                ["Document", "BkToCstmrStmt", "Stmt", "Acct", "Ccy"] if self.statements == 1 => {
                    set_once(&mut self.account_currency, value.clone(), &path)?
                }
                _ => {}
            }
        }
        let inner: Option<Vec<String>> = self.in_entry().map(|v| v.into_iter().map(str::to_owned).collect());
        if inner.as_ref().is_some_and(Vec::is_empty) {
            let builder = self.entry.take().unwrap_or_default();
            let entry = build_entry(builder, self.entries.len(), &path)?;
            self.entries.push(entry);
        } else if let (Some(inner), Some(entry)) = (inner, self.entry.as_mut()) {
            let inner: Vec<&str> = inner.iter().map(String::as_str).collect();
            match inner.as_slice() {
                ["NtryRef"] => set_once(&mut entry.entry_reference, value, &path)?,
                ["AcctSvcrRef"] => set_once(&mut entry.account_servicer_reference, value, &path)?,
                ["Amt"] => set_once(&mut entry.amount, value, &path)?,
                ["CdtDbtInd"] => set_once(&mut entry.credit_debit, value, &path)?,
                // Up to version 05 the code is `Sts`' text; from 06 on, `Sts/Cd` or `Sts/Prtry`.
                ["Sts"] | ["Sts", "Cd"] | ["Sts", "Prtry"] if value.is_some() => {
                    set_once(&mut entry.status, value, &path)?
                }
                ["BookgDt", "Dt"] | ["BookgDt", "DtTm"] => {
                    set_once(&mut entry.booking_date, value.map(date_part), &path)?
                }
                ["ValDt", "Dt"] | ["ValDt", "DtTm"] => set_once(&mut entry.value_date, value.map(date_part), &path)?,
                ["NtryDtls", "TxDtls", "RmtInf", "Ustrd"] => entry.unstructured.extend(value),
                ["NtryDtls", "TxDtls", "RmtInf", "Strd", "CdtrRefInf", "Tp", "CdOrPrtry", "Cd"] => {
                    if let Some(reference) = entry.reference.as_mut() {
                        reference.0 = value;
                    }
                }
                ["NtryDtls", "TxDtls", "RmtInf", "Strd", "CdtrRefInf", "Tp", "CdOrPrtry", "Prtry"] => {
                    if let Some(reference) = entry.reference.as_mut() {
                        reference.1 = value;
                    }
                }
                ["NtryDtls", "TxDtls", "RmtInf", "Strd", "CdtrRefInf", "Ref"] => {
                    if let Some(reference) = entry.reference.as_mut() {
                        reference.2 = value;
                    }
                }
                ["NtryDtls", "TxDtls", "RmtInf", "Strd", "CdtrRefInf"] => {
                    if let Some((code, proprietary, Some(reference))) = entry.reference.take() {
                        let structured = match (code.as_deref(), proprietary) {
                            (Some(code), _) => code == "SCOR",
                            (None, Some(_)) => false,
                            (None, None) => true,
                        };
                        if structured {
                            entry.creditor_references.push(normalize_reference(&reference));
                        }
                    }
                }
                _ => {}
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn finish(self) -> Result<Statement, CamtError> {
        if !self.root_seen {
            return Err(CamtError::NoRoot);
        }
        if self.statements != 1 {
            return Err(CamtError::StatementCount { count: self.statements });
        }
        let required =
            |value: Option<String>, path: &str| value.ok_or_else(|| CamtError::Missing { path: path.to_owned() });
        let message_id = required(self.message_id, "Document/BkToCstmrStmt/GrpHdr/MsgId")?;
        let group_created_at = required(self.group_created_at, "Document/BkToCstmrStmt/GrpHdr/CreDtTm")?;
        let statement_id = required(self.statement_id, "Document/BkToCstmrStmt/Stmt/Id")?;
        let account_iban = required(self.account_iban, "Document/BkToCstmrStmt/Stmt/Acct/Id/IBAN")?;
        if let Some(currency) = &self.account_currency {
            check_currency(currency, "Document/BkToCstmrStmt/Stmt/Acct/Ccy")?;
        }
        Ok(Statement {
            message_id,
            statement_id,
            account_iban,
            currency: self.account_currency,
            created_at: self.statement_created_at.unwrap_or(group_created_at),
            entries: self.entries,
        })
    }
}

/// Sets `slot` to `value`, refusing a second value.
fn set_once(slot: &mut Option<String>, value: Option<String>, path: &str) -> Result<(), CamtError> {
    if slot.is_some() {
        return Err(CamtError::Repeated { path: path.to_owned() });
    }
    *slot = value;
    Ok(())
}

/// The date part of an ISO 8601 date or date and time.
fn date_part(text: String) -> String {
    match text.get(..10) {
        Some(date) if text.len() > 10 => date.to_owned(),
        _ => text,
    }
}

/// A creditor reference as compared: spaces removed, upper case.
fn normalize_reference(reference: &str) -> String {
    reference.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

fn build_entry(builder: EntryBuilder, index: usize, path: &str) -> Result<Entry, CamtError> {
    let missing = |child: &str| CamtError::Missing { path: format!("{path}/{child}") };
    let amount_text = builder.amount.ok_or_else(|| missing("Amt"))?;
    let currency = builder.currency.ok_or_else(|| missing("Amt/@Ccy"))?;
    check_currency(&currency, &format!("{path}/Amt/@Ccy"))?;
    let amount = parse_amount(&amount_text, &currency, &format!("{path}/Amt"))?;
    let credit = match builder.credit_debit.as_deref() {
        Some("CRDT") => true,
        Some("DBIT") => false,
        Some(other) => {
            return Err(CamtError::InvalidValue {
                path: format!("{path}/CdtDbtInd"),
                value: other.to_owned(),
                expected: "CRDT or DBIT",
            })
        }
        None => return Err(missing("CdtDbtInd")),
    };
    let status = EntryStatus::from_code(&builder.status.ok_or_else(|| missing("Sts"))?);
    Ok(Entry {
        index,
        entry_reference: builder.entry_reference,
        account_servicer_reference: builder.account_servicer_reference,
        amount,
        currency,
        credit,
        status,
        booking_date: builder.booking_date,
        value_date: builder.value_date,
        creditor_references: builder.creditor_references,
        unstructured: builder.unstructured,
    })
}

fn check_currency(code: &str, path: &str) -> Result<(), CamtError> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(CamtError::InvalidValue {
            path: path.to_owned(),
            value: code.to_owned(),
            expected: "an ISO 4217 currency code",
        })
    }
}

/// The decimals of a currency's minor unit (ISO 4217): two but for the few listed.
pub(crate) fn currency_decimals(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
        | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// An amount as the schema writes it (digits, optionally a point and decimals; no sign,
/// no exponent), with at most the currency's decimals.
fn parse_amount(text: &str, currency: &str, path: &str) -> Result<Decimal, CamtError> {
    let invalid = |reason: String| CamtError::InvalidAmount { path: path.to_owned(), value: text.to_owned(), reason };
    if text.starts_with('-') {
        return Err(invalid("negative".to_owned()));
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || (text.contains('.') && fraction.is_empty())
    {
        return Err(invalid("not a decimal number (digits, optionally a point and decimals)".to_owned()));
    }
    let amount: Decimal = text.parse().map_err(|e: rust_decimal::Error| invalid(e.to_string()))?;
    let max = currency_decimals(currency);
    if amount.normalize().scale() > max {
        return Err(invalid(format!("more than {max} decimals for {currency}")));
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_non_negative_decimals() {
        let path = "Ntry[1]/Amt";
        assert_eq!(parse_amount("12.50", "EUR", path), Ok(Decimal::new(1250, 2)));
        assert_eq!(parse_amount("12.500", "EUR", path), Ok(Decimal::new(12500, 3)));
        assert_eq!(parse_amount("0", "EUR", path), Ok(Decimal::ZERO));
        assert_eq!(parse_amount("1500", "JPY", path), Ok(Decimal::new(1500, 0)));
        assert_eq!(parse_amount("1.234", "KWD", path), Ok(Decimal::new(1234, 3)));
        for bad in ["-1.00", "+1", "1e3", "1.", ".5", "", "1,00", "12.345", " 1"] {
            assert!(parse_amount(bad, "EUR", path).is_err(), "{bad:?}");
        }
        assert!(parse_amount("1.5", "JPY", path).is_err());
    }

    #[test]
    fn dates_keep_their_date_part() {
        assert_eq!(date_part("2026-11-30".to_owned()), "2026-11-30");
        assert_eq!(date_part("2026-11-30T10:00:00+01:00".to_owned()), "2026-11-30");
    }
}
