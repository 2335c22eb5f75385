//! The figures' file format: tab-separated, a header line naming the columns (in any order),
//! `#` comment lines and blank lines skipped, an empty cell for a figure not measured. Every
//! error names the file and the line, counted as an editor counts them (comments included).

use crate::error::Error;
use csv::{DeserializeErrorKind, ErrorKind, Position, ReaderBuilder, StringRecord, Trim};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::Path;

/// One row of a figures file, deserialised by its header's column names.
pub trait Row: DeserializeOwned {
    /// Every column of the file, as the header names them: no more, no fewer.
    const COLUMNS: &'static [&'static str];

    /// What no two rows of a file may share, in words (e.g. `10000 certificates, still,
    /// nginx`): a figure measured twice is a mistake in the file.
    fn key(&self) -> String;

    /// What serde cannot check: a number that is negative, not finite or zero where the
    /// logarithmic axis needs it positive. `Err((column, message))`.
    fn check(&self) -> Result<(), (&'static str, String)>;

    /// The columns that hold one of a few names (a phase, a server), each with its names:
    /// checked before serde reads the row, so that the error names the column (serde's
    /// own error for an unknown variant does not say which field it is).
    fn choices() -> Vec<(&'static str, Vec<&'static str>)> {
        Vec::new()
    }
}

/// Reads the rows of the file at `path`.
pub fn read<R: Row>(path: &Path) -> Result<Vec<R>, Error> {
    let file = File::open(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
    parse(path, file)
}

/// Reads rows from `input`; `path` only names it in errors.
pub fn parse<R: Row>(path: &Path, mut input: impl io::Read) -> Result<Vec<R>, Error> {
    let mut text = Vec::new();
    input.read_to_end(&mut text).map_err(|source| Error::Read { path: path.to_owned(), source })?;
    let lines = Lines(&text);
    let mut reader = ReaderBuilder::new()
        .delimiter(b'\t')
        .comment(Some(b'#'))
        .trim(Trim::All)
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_slice());
    let headers = reader.headers().map_err(|e| csv_error(path, lines, e))?.clone();
    let header_line = lines.of(headers.position());
    check_header::<R>(path, header_line, &headers)?;
    let choices: Vec<(usize, &'static str, Vec<&'static str>)> = R::choices()
        .into_iter()
        .filter_map(|(column, names)| Some((headers.iter().position(|h| h == column)?, column, names)))
        .collect();

    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, lines, e)),
        }
        let line = lines.of(record.position());
        let cell = |column: &str, message: String| Error::Cell {
            path: path.to_owned(),
            line,
            column: column.to_owned(),
            message,
        };
        for (i, column, names) in &choices {
            let value = record.get(*i).unwrap_or("");
            if value.is_empty() {
                return Err(cell(column, EMPTY.to_owned()));
            }
            if !names.contains(&value) {
                return Err(cell(column, format!("unknown {column} `{value}` (one of: {})", names.join(" "))));
            }
        }
        let row: R = record.deserialize(Some(&headers)).map_err(|e| cell_error(path, line, e, &headers, &record))?;
        row.check().map_err(|(column, message)| cell(column, message))?;
        if let Some(first) = seen.insert(row.key(), line) {
            return Err(Error::Row {
                path: path.to_owned(),
                line,
                message: format!("{} measured twice (first on line {first})", row.key()),
            });
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The message for a required cell left empty.
const EMPTY: &str = "empty, but this column needs a value";

/// Line numbers as an editor counts them. The reader's own count leaves out comment lines,
/// so they are counted here from the byte where the reader started a record: that byte
/// may be the start of the comment or blank lines before the record, which are skipped.
#[derive(Debug, Clone, Copy)]
struct Lines<'a>(&'a [u8]);

impl Lines<'_> {
    fn of(self, position: Option<&Position>) -> u64 {
        let text = self.0;
        let mut start = position.and_then(|p| usize::try_from(p.byte()).ok()).unwrap_or(0).min(text.len());
        loop {
            let rest = &text[start..];
            let Some(end) = rest.iter().position(|&b| b == b'\n') else { break };
            let line = &rest[..end];
            if !(line.is_empty() || line == b"\r" || line.first() == Some(&b'#')) {
                break;
            }
            start += end + 1;
        }
        1 + text[..start].iter().filter(|&&b| b == b'\n').count() as u64
    }
}

/// The header names every column of `R` once, and no other.
fn check_header<R: Row>(path: &Path, line: u64, headers: &StringRecord) -> Result<(), Error> {
    let fail = |message: String| Error::Header { path: path.to_owned(), line, message };
    for (i, name) in headers.iter().enumerate() {
        if !R::COLUMNS.contains(&name) {
            return Err(fail(format!("unknown column `{name}` (the columns are: {})", R::COLUMNS.join(" "))));
        }
        if headers.iter().take(i).any(|earlier| earlier == name) {
            return Err(fail(format!("column `{name}` named twice")));
        }
    }
    let missing: Vec<&str> = R::COLUMNS.iter().copied().filter(|c| !headers.iter().any(|h| h == *c)).collect();
    if !missing.is_empty() {
        return Err(fail(format!("missing column(s): {}", missing.join(" "))));
    }
    Ok(())
}

/// An error of the reader itself: a row whose cells do not match the header, bytes that
/// are not UTF-8.
fn csv_error(path: &Path, lines: Lines<'_>, error: csv::Error) -> Error {
    let line = lines.of(error.position());
    let text = error.to_string();
    let row = |message: String| Error::Row { path: path.to_owned(), line, message };
    match error.into_kind() {
        ErrorKind::Io(source) => Error::Read { path: path.to_owned(), source },
        ErrorKind::Utf8 { err, .. } => row(format!("not UTF-8 text ({err})")),
        ErrorKind::UnequalLengths { expected_len, len, .. } => {
            row(format!("{len} cells where the header names {expected_len} (cells are separated by tabs)"))
        }
        _ => row(text),
    }
}

/// A cell serde could not read as its column's type.
fn cell_error(path: &Path, line: u64, error: csv::Error, headers: &StringRecord, record: &StringRecord) -> Error {
    let ErrorKind::Deserialize { err, .. } = error.kind() else {
        return Error::Row { path: path.to_owned(), line, message: error.to_string() };
    };
    let Some(field) = err.field().and_then(|i| usize::try_from(i).ok()) else {
        return Error::Row { path: path.to_owned(), line, message: err.kind().to_string() };
    };
    let column = headers.get(field).unwrap_or("?").to_owned();
    let value = record.get(field).unwrap_or("");
    let message = if value.is_empty() {
        EMPTY.to_owned()
    } else {
        match err.kind() {
            DeserializeErrorKind::ParseInt(_) => format!("`{value}` is not a whole number"),
            DeserializeErrorKind::ParseFloat(_) => format!("`{value}` is not a number"),
            other => format!("`{value}`: {other}"),
        }
    };
    Error::Cell { path: path.to_owned(), line, column, message }
}
