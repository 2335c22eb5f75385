//! An invoice or credit note as a file: its UBL 2.1 XML (Peppol BIS Billing 3.0) or its
//! Factur-X PDF (a PDF/A-3 with the CII XML inside), written from the EN 16931 document
//! the contract answered the member.

use nanotrace_client::ApiError;
use nanotrace_model::billing::InvoiceRecord;

/// A file an invoice is downloaded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceFormat {
    /// UBL 2.1 XML.
    Ubl,
    /// The Factur-X PDF.
    FacturX,
}

impl InvoiceFormat {
    /// The format a download route's last segment names (`ubl`, `pdf`).
    pub fn from_segment(segment: &str) -> Option<Self> {
        match segment {
            "ubl" => Some(InvoiceFormat::Ubl),
            "pdf" => Some(InvoiceFormat::FacturX),
            _ => None,
        }
    }

    /// The route segment naming it.
    pub fn segment(self) -> &'static str {
        match self {
            InvoiceFormat::Ubl => "ubl",
            InvoiceFormat::FacturX => "pdf",
        }
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            InvoiceFormat::Ubl => "application/xml",
            InvoiceFormat::FacturX => "application/pdf",
        }
    }

    /// The file name a download of document `number` is saved under: the number with
    /// every character but `A-Z a-z 0-9 - _ .` replaced by `_` (the number is the
    /// body's; a file name, and the header that carries it, must not be anything else).
    pub fn file_name(self, number: &str) -> String {
        let safe: String = number
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
            .collect();
        match self {
            InvoiceFormat::Ubl => format!("{safe}.xml"),
            InvoiceFormat::FacturX => format!("{safe}.pdf"),
        }
    }

    /// `record`'s document written in this format.
    pub fn render(self, record: &InvoiceRecord) -> Result<Vec<u8>, DownloadError> {
        let written = match self {
            InvoiceFormat::Ubl => record.document.to_ubl(),
            InvoiceFormat::FacturX => record.document.to_facturx_pdf(),
        };
        written.map_err(|e| DownloadError::Render { number: record.number.clone(), message: e.to_string() })
    }
}

/// Why an invoice could not be downloaded.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The contract refused the read (the member's organisation is neither party), or
    /// the ledger could not answer.
    #[error(transparent)]
    Read(#[from] ApiError),
    /// The pair has no document of that number.
    #[error("{body} issued {manufacturer} no invoice or credit note numbered {number}")]
    NoSuchDocument {
        /// The certification body.
        body: String,
        /// The manufacturer.
        manufacturer: String,
        /// The number asked for.
        number: String,
    },
    /// The stored document could not be written in the format (it is checked again as
    /// it is written).
    #[error("{number} cannot be written: {message}")]
    Render {
        /// The document's number.
        number: String,
        /// Why.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_name_their_files_safely() {
        assert_eq!(InvoiceFormat::from_segment("ubl"), Some(InvoiceFormat::Ubl));
        assert_eq!(InvoiceFormat::from_segment("pdf"), Some(InvoiceFormat::FacturX));
        assert_eq!(InvoiceFormat::from_segment("cii"), None);
        assert_eq!(InvoiceFormat::Ubl.file_name("INV-000001"), "INV-000001.xml");
        assert_eq!(InvoiceFormat::FacturX.file_name("INV/7\"; x"), "INV_7___x.pdf");
        for f in [InvoiceFormat::Ubl, InvoiceFormat::FacturX] {
            assert_eq!(InvoiceFormat::from_segment(f.segment()), Some(f));
        }
    }
}
