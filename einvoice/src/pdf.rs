//! The human-readable invoice: a hybrid **Factur-X 1.0 / ZUGFeRD 2.x** PDF in the
//! EN 16931 profile. An A4 invoice a person reads (seller, buyer, dates, lines, VAT
//! breakdown, totals, payment instructions with the IBAN and the RF creditor reference),
//! written as **PDF/A-3b** by krilla — fonts embedded (Noto Sans, from the `notosans`
//! crate), colours in sRGB with an sRGB output intent — with the invoice's CII XML
//! ([`Invoice::to_cii`]) embedded as `factur-x.xml`, an associated file of the document
//! (`AFRelationship` `Alternative`: the XML is the invoice in another form), and the
//! Factur-X XMP schema (`fx:` DocumentType, DocumentFileName, Version, ConformanceLevel)
//! with its PDF/A extension schema description in the document's XMP metadata.
//!
//! krilla writes and checks the PDF/A-3b document but has no way to add an XMP schema of
//! one's own; its metadata stream is therefore replaced after writing (through lopdf):
//! krilla's packet with the Factur-X schema and its description added.
//!
//! Deterministic: no clock and no random identifier. The document's dates are the issue
//! date, its identifier derives from the seller and the invoice number.

use std::sync::Arc;

use krilla::color::rgb;
use krilla::configure::{Configuration, Validator};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use rust_decimal::Decimal;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use time::Date;

use crate::amount::{format_amount, format_number};
use crate::error::Error;
use crate::invoice::{iso_date, Invoice, InvoiceKind, Totals};
use crate::party::Party;
use crate::vat::VatCategory;

/// The name Factur-X gives the embedded XML (`fx:DocumentFileName`).
pub const FACTURX_FILE_NAME: &str = "factur-x.xml";
/// The namespace of the Factur-X XMP schema (`fx:`).
pub const FACTURX_NS: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";
/// The Factur-X conformance level written (`fx:ConformanceLevel`): the EN 16931 profile.
pub const FACTURX_CONFORMANCE_LEVEL: &str = "EN 16931";

const PDFA_SCHEMA_NS: &str = "http://www.aiim.org/pdfa/ns/schema#";
const PDFA_PROPERTY_NS: &str = "http://www.aiim.org/pdfa/ns/property#";

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const LEFT: f32 = 50.0;
const RIGHT: f32 = PAGE_WIDTH - 50.0;
const TOP: f32 = 60.0;
/// Where content stops: below it the footer.
const BOTTOM: f32 = PAGE_HEIGHT - 70.0;
/// Font sizes.
const BODY: f32 = 9.0;
const SMALL: f32 = 7.5;
/// Line height for a font size.
const LEADING: f32 = 1.35;
/// The lines table's columns: the right edges of the number columns.
const COL_ITEM: f32 = LEFT + 22.0;
const COL_ITEM_WIDTH: f32 = 215.0;
const COL_QUANTITY: f32 = LEFT + 290.0;
const COL_UNIT: f32 = LEFT + 296.0;
const COL_PRICE: f32 = LEFT + 390.0;
const COL_VAT: f32 = LEFT + 430.0;
/// Where the document's facts (number, dates, references) and the totals start, and the
/// width their labels take.
const FACTS: f32 = LEFT + 300.0;
const FACTS_LABEL_WIDTH: f32 = 80.0;
/// Dark blue of headings and rules.
const ACCENT: (u8, u8, u8) = (0x1f, 0x3a, 0x5f);

impl Invoice {
    /// The invoice as a Factur-X (ZUGFeRD 2.x) PDF/A-3b in the EN 16931 profile: a
    /// readable A4 invoice of one page or more with [`to_cii`](Self::to_cii)'s XML
    /// embedded as `factur-x.xml`. The invoice is [validated](Self::validate) first: a
    /// refused invoice renders nothing.
    pub fn to_facturx_pdf(&self) -> Result<Vec<u8>, Error> {
        let totals = self.validate()?;
        let xml = self.to_cii()?;
        let fonts = Fonts::new()?;
        let pages = layout(self, &totals, &fonts);
        let pdf = write_pdf(self, &fonts, &pages, xml)?;
        add_facturx_xmp(&pdf)
    }
}

/// A face: krilla's font to draw with, skrifa's to measure and map characters.
struct Face {
    krilla: Font,
    skrifa: FontRef<'static>,
}

impl Face {
    fn new(bytes: &'static [u8]) -> Result<Self, Error> {
        let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes);
        let krilla = Font::new(data.into(), 0).ok_or_else(|| Error::Pdf("the bundled font is unreadable".into()))?;
        let skrifa = FontRef::new(bytes).map_err(|e| Error::Pdf(format!("the bundled font is unreadable: {e}")))?;
        Ok(Self { krilla, skrifa })
    }

    /// The width of `text` at `size` points (advance widths, no kerning).
    fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.skrifa.charmap();
        let metrics = self.skrifa.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars().filter_map(|c| charmap.map(c)).filter_map(|g| metrics.advance_width(g)).sum()
    }

    /// `text` with what the font cannot show replaced: control characters by a space,
    /// sub- and superscript digits without a glyph by the digit (TiO₂ as TiO2), other
    /// characters without a glyph by `?` (PDF/A forbids drawing the .notdef glyph).
    fn printable(&self, text: &str) -> String {
        let charmap = self.skrifa.charmap();
        text.chars()
            .map(|c| match c {
                c if c.is_control() => ' ',
                c if charmap.map(c).is_some() => c,
                c => match plain_digit(c) {
                    Some(digit) if charmap.map(digit).is_some() => digit,
                    _ => '?',
                },
            })
            .collect()
    }
}

/// The digit a subscript (₀ … ₉) or superscript (⁰ … ⁹) digit writes.
fn plain_digit(c: char) -> Option<char> {
    let digit = match c {
        '\u{2080}'..='\u{2089}' => u32::from(c) - 0x2080,
        '\u{2070}' => 0,
        '\u{00B9}' => 1,
        '\u{00B2}' => 2,
        '\u{00B3}' => 3,
        '\u{2074}'..='\u{2079}' => u32::from(c) - 0x2070,
        _ => return None,
    };
    char::from_digit(digit, 10)
}

/// The two faces of the invoice: Noto Sans regular and bold.
struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    fn new() -> Result<Self, Error> {
        Ok(Self { regular: Face::new(notosans::REGULAR_TTF)?, bold: Face::new(notosans::BOLD_TTF)? })
    }

    fn face(&self, bold: bool) -> &Face {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }
}

/// What a page shows, laid out before anything is drawn (so that every page can say how
/// many there are).
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// Text whose baseline starts at (x, y), y downwards from the top of the page.
    Text { x: f32, y: f32, size: f32, bold: bool, accent: bool, text: String },
    /// A horizontal rule.
    Rule { x1: f32, x2: f32, y: f32, width: f32 },
}

/// The layout in progress: the pages so far and the baseline reached on the last one.
struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'f> Layout<'f> {
    fn new(fonts: &'f Fonts) -> Self {
        Self { fonts, pages: vec![Vec::new()], y: TOP }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// Starts a new page when `height` more points do not fit on this one; true if it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
            true
        } else {
            false
        }
    }

    fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let text = self.fonts.face(bold).printable(text);
        self.push(Op::Text { x, y, size, bold, accent: false, text });
    }

    /// Text whose right end is at `right`.
    fn right_at(&mut self, right: f32, y: f32, size: f32, bold: bool, text: &str) {
        let face = self.fonts.face(bold);
        let text = face.printable(text);
        let x = right - face.width(&text, size);
        self.push(Op::Text { x, y, size, bold, accent: false, text });
    }

    /// A heading in the accent colour, then a gap.
    fn heading(&mut self, text: &str, size: f32) {
        self.ensure(size * 3.0);
        let text = self.fonts.bold.printable(text);
        self.push(Op::Text { x: LEFT, y: self.y, size, bold: true, accent: true, text });
        self.y += size * LEADING + 2.0;
    }

    fn rule(&mut self, x1: f32, x2: f32, width: f32) {
        let y = self.y;
        self.push(Op::Rule { x1, x2, y, width });
    }

    /// `text` broken into lines of at most `width` points, at spaces (a word longer
    /// than a line is broken where it must be) and at its own line feeds.
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let face = self.fonts.face(bold);
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
                if face.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if face.width(&line, size) > width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// A paragraph at the left margin, wrapped to `width`.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, width: f32) {
        for line in self.wrap(text, size, bold, width) {
            self.ensure(size * LEADING);
            self.text_at(LEFT, self.y, size, bold, &line);
            self.y += size * LEADING;
        }
    }
}

/// An amount as a person reads it: thousands grouped, two decimals.
fn display_amount(value: Decimal) -> String {
    let text = format_amount(value);
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{fraction}")
}

/// A VAT category as a person reads it: "S 19 %", "E 0 %", "O".
fn display_category(category: &VatCategory) -> String {
    match category.rate() {
        Some(rate) => format!("{} {} %", category.code(), format_number(rate, 0)),
        None => category.code().to_owned(),
    }
}

/// The lines that describe a party: name, address, identifiers.
fn party_lines(party: &Party) -> Vec<(bool, String)> {
    let mut lines = vec![(true, party.legal_name.clone())];
    if let Some(trading) = &party.trading_name {
        lines.push((false, trading.clone()));
    }
    lines.push((false, party.street.clone()));
    lines.push((false, format!("{} {}", party.postcode, party.city)));
    lines.push((false, party.country.code().to_owned()));
    if let Some(vat_id) = &party.vat_id {
        lines.push((false, format!("VAT ID: {vat_id}")));
    }
    if let Some(registration) = &party.registration {
        lines.push((false, format!("Registration: {}", registration.id)));
    }
    if let Some(contact) = &party.contact {
        for field in [&contact.name, &contact.telephone, &contact.email].into_iter().flatten() {
            lines.push((false, field.clone()));
        }
    }
    lines
}

/// The invoice laid out on pages.
fn layout(invoice: &Invoice, totals: &Totals, fonts: &Fonts) -> Vec<Vec<Op>> {
    let mut l = Layout::new(fonts);
    let currency = invoice.currency.code();
    let credit_note = matches!(invoice.kind, InvoiceKind::CreditNote { .. });

    // The seller at the top left, the document's title at the top right.
    let seller = party_lines(&invoice.seller);
    let top = l.y;
    for (i, (bold, text)) in seller.iter().enumerate() {
        let size = if i == 0 { 12.0 } else { BODY };
        l.text_at(LEFT, l.y, size, *bold, text);
        l.y += size * LEADING;
    }
    let title = if credit_note { "CREDIT NOTE" } else { "INVOICE" };
    let title_text = fonts.bold.printable(title);
    let x = RIGHT - fonts.bold.width(&title_text, 20.0);
    l.push(Op::Text { x, y: top + 6.0, size: 20.0, bold: true, accent: true, text: title_text });

    // The document's facts at the right, the buyer at the left.
    let mut facts: Vec<(&str, String)> =
        vec![("Number", invoice.number.clone()), ("Issue date", iso_date::format(invoice.issue_date))];
    if let Some(due) = invoice.due_date {
        facts.push(("Due date", iso_date::format(due)));
    }
    if let InvoiceKind::CreditNote { billing_reference } = &invoice.kind {
        let credited = format!("{} of {}", billing_reference.number, iso_date::format(billing_reference.issue_date));
        facts.push(("Credits invoice", credited));
    }
    if let Some(reference) = &invoice.buyer_reference {
        facts.push(("Your reference", reference.clone()));
    }
    if let Some(order) = &invoice.order_reference {
        facts.push(("Your order", order.clone()));
    }
    if let Some(delivery) = &invoice.delivery {
        facts.push(("Delivered", format!("{} to {}", iso_date::format(delivery.date), delivery.country.code())));
    }
    facts.push(("Currency", currency.to_owned()));

    l.y += 16.0;
    let block = l.y;
    l.text_at(LEFT, l.y, SMALL, true, "BILL TO");
    l.y += SMALL * LEADING + 2.0;
    for (bold, text) in party_lines(&invoice.buyer) {
        l.text_at(LEFT, l.y, BODY, bold, &text);
        l.y += BODY * LEADING;
    }
    let buyer_end = l.y;
    let mut y = block;
    for (label, value) in &facts {
        l.text_at(FACTS, y, BODY, true, label);
        // A value too long to stand beside its label goes on the next line.
        if fonts.regular.width(value, BODY) > RIGHT - FACTS - FACTS_LABEL_WIDTH {
            y += BODY * LEADING;
        }
        l.right_at(RIGHT, y, BODY, false, value);
        y += BODY * LEADING;
    }
    l.y = buyer_end.max(y) + 18.0;

    // The lines.
    let table_header = |l: &mut Layout<'_>| {
        l.rule(LEFT, RIGHT, 0.8);
        l.y += BODY * LEADING;
        l.text_at(LEFT, l.y, SMALL, true, "#");
        l.text_at(COL_ITEM, l.y, SMALL, true, "ITEM");
        l.right_at(COL_QUANTITY, l.y, SMALL, true, "QUANTITY");
        l.text_at(COL_UNIT, l.y, SMALL, true, "UNIT");
        l.right_at(COL_PRICE, l.y, SMALL, true, "UNIT PRICE");
        l.right_at(COL_VAT, l.y, SMALL, true, "VAT");
        l.right_at(RIGHT, l.y, SMALL, true, &format!("NET ({currency})"));
        l.y += 5.0;
        l.rule(LEFT, RIGHT, 0.4);
        l.y += BODY * LEADING + 2.0;
    };
    l.ensure(80.0);
    table_header(&mut l);
    for (line, net) in invoice.lines.iter().zip(&totals.line_net_amounts) {
        let name = l.wrap(&line.name, BODY, true, COL_ITEM_WIDTH);
        let description = line.description.as_deref().map(|d| l.wrap(d, SMALL, false, COL_ITEM_WIDTH));
        let description = description.unwrap_or_default();
        let height = name.len() as f32 * BODY * LEADING + description.len() as f32 * SMALL * LEADING + 4.0;
        if l.ensure(height) {
            table_header(&mut l);
        }
        let row = l.y;
        l.text_at(LEFT, row, BODY, false, &line.id);
        l.right_at(COL_QUANTITY, row, BODY, false, &format_number(line.quantity, 0));
        l.text_at(COL_UNIT, row, BODY, false, &line.unit_code);
        l.right_at(COL_PRICE, row, BODY, false, &format_number(line.unit_price, 2));
        l.right_at(COL_VAT, row, BODY, false, &display_category(&line.vat));
        l.right_at(RIGHT, row, BODY, false, &display_amount(*net));
        for text in &name {
            l.text_at(COL_ITEM, l.y, BODY, true, text);
            l.y += BODY * LEADING;
        }
        for text in &description {
            l.text_at(COL_ITEM, l.y, SMALL, false, text);
            l.y += SMALL * LEADING;
        }
        l.y += 4.0;
    }
    l.y -= BODY * LEADING - 4.0;
    l.rule(LEFT, RIGHT, 0.4);
    l.y += 18.0;

    // The VAT breakdown at the left, the totals at the right.
    l.ensure(40.0 + 14.0 * totals.vat_breakdown.len() as f32);
    let block = l.y;
    l.text_at(LEFT, l.y, SMALL, true, "VAT");
    l.right_at(LEFT + 170.0, l.y, SMALL, true, "TAXABLE");
    l.right_at(LEFT + 240.0, l.y, SMALL, true, "VAT AMOUNT");
    l.y += BODY * LEADING;
    for entry in &totals.vat_breakdown {
        l.ensure(BODY * LEADING * 2.0);
        l.text_at(LEFT, l.y, BODY, false, &display_category(&entry.category));
        l.right_at(LEFT + 170.0, l.y, BODY, false, &display_amount(entry.taxable_amount));
        l.right_at(LEFT + 240.0, l.y, BODY, false, &display_amount(entry.tax_amount));
        l.y += BODY * LEADING;
        if let Some(reason) = entry.category.exemption_reason() {
            let text = match (&reason.code, &reason.text) {
                (Some(code), Some(text)) => format!("{text} ({code})"),
                (Some(code), None) => code.clone(),
                (None, Some(text)) => text.clone(),
                (None, None) => String::new(),
            };
            for line in l.wrap(&text, SMALL, false, 240.0) {
                l.ensure(SMALL * LEADING);
                l.text_at(LEFT + 8.0, l.y, SMALL, false, &line);
                l.y += SMALL * LEADING;
            }
        }
    }
    let breakdown_end = l.y;
    l.y = block;
    let rows = [
        ("Total net amount", totals.line_extension_amount, false),
        ("VAT", totals.vat_amount, false),
        ("Total amount with VAT", totals.tax_inclusive_amount, false),
    ];
    for (label, amount, bold) in rows {
        l.text_at(FACTS, l.y, BODY, bold, label);
        l.right_at(RIGHT, l.y, BODY, bold, &format!("{} {currency}", display_amount(amount)));
        l.y += BODY * LEADING;
    }
    l.y += 2.0;
    l.rule(FACTS, RIGHT, 0.8);
    l.y += 12.0 * LEADING;
    let due_label = if credit_note { "Amount credited" } else { "Amount due" };
    l.text_at(FACTS, l.y, 11.0, true, due_label);
    l.right_at(RIGHT, l.y, 11.0, true, &format!("{} {currency}", display_amount(totals.payable_amount)));
    l.y = breakdown_end.max(l.y) + 24.0;

    // Payment instructions, terms and the note.
    if let Some(means) = &invoice.payment_means {
        l.heading(if credit_note { "Settlement" } else { "Payment" }, 10.0);
        let iban: String = means.iban.chars().filter(|c| *c != ' ').collect();
        let iban = iban.chars().collect::<Vec<_>>().chunks(4).map(|g| g.iter().collect::<String>()).collect::<Vec<_>>();
        let amount = format!("{} {currency}", display_amount(totals.payable_amount));
        let mut rows: Vec<(&str, String)> = vec![
            (if credit_note { "Amount credited" } else { "Credit transfer of" }, amount),
            (if credit_note { "Account (IBAN)" } else { "to IBAN" }, iban.join(" ")),
        ];
        if let Some(bic) = &means.bic {
            rows.push(("BIC", bic.clone()));
        }
        if let Some(name) = &means.account_name {
            rows.push(("Account holder", name.clone()));
        }
        rows.push(("Reference", means.creditor_reference.print_form()));
        if let Some(due) = invoice.due_date {
            rows.push(("Due by", iso_date::format(due)));
        }
        for (label, value) in rows {
            l.ensure(BODY * LEADING);
            l.text_at(LEFT, l.y, BODY, false, label);
            let bold = label == "Reference" || label.contains("IBAN");
            l.text_at(LEFT + 110.0, l.y, BODY, bold, &value);
            l.y += BODY * LEADING;
        }
        l.ensure(SMALL * LEADING);
        let hint = if credit_note {
            "The reference, as printed, identifies this credit note in the settlement."
        } else {
            "Please quote the reference exactly as printed: it identifies this invoice."
        };
        l.text_at(LEFT, l.y, SMALL, false, hint);
        l.y += SMALL * LEADING + 10.0;
    }
    if let Some(terms) = &invoice.payment_terms {
        l.heading("Payment terms", 10.0);
        l.paragraph(terms, BODY, false, RIGHT - LEFT);
        l.y += 10.0;
    }
    if let Some(note) = &invoice.note {
        l.heading("Note", 10.0);
        l.paragraph(note, BODY, false, RIGHT - LEFT);
    }
    l.pages
}

/// The footer of page `index` (from 0) of `count`.
fn footer(index: usize, count: usize, invoice: &Invoice, fonts: &Fonts) -> Vec<Op> {
    let y = PAGE_HEIGHT - 40.0;
    let left = fonts.regular.printable(&format!(
        "{} {} · Factur-X {FACTURX_CONFORMANCE_LEVEL}: the invoice's XML is attached as {FACTURX_FILE_NAME}",
        invoice.seller.legal_name, invoice.number
    ));
    let page = format!("Page {} of {count}", index + 1);
    let page_x = RIGHT - fonts.regular.width(&page, SMALL);
    vec![
        Op::Rule { x1: LEFT, x2: RIGHT, y: y - 10.0, width: 0.4 },
        Op::Text { x: LEFT, y, size: SMALL, bold: false, accent: false, text: left },
        Op::Text { x: page_x, y, size: SMALL, bold: false, accent: false, text: page },
    ]
}

/// A date as krilla's metadata takes it (midnight UTC).
fn pdf_date(date: Date) -> DateTime {
    let year = u16::try_from(date.year()).unwrap_or(0);
    DateTime::new(year).month(u8::from(date.month())).day(date.day()).hour(0).minute(0).second(0).utc_offset_hour(0)
}

fn krilla_error(e: krilla::error::KrillaError) -> Error {
    Error::Pdf(format!("{e:?}"))
}

/// The laid-out pages drawn as a PDF/A-3b document with `xml` attached.
fn write_pdf(invoice: &Invoice, fonts: &Fonts, pages: &[Vec<Op>], xml: Vec<u8>) -> Result<Vec<u8>, Error> {
    let settings = SerializeSettings {
        configuration: Configuration::new_with_validator(Validator::A3_B),
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let date = pdf_date(invoice.issue_date);
    let kind = match invoice.kind {
        InvoiceKind::Invoice => "Invoice",
        InvoiceKind::CreditNote { .. } => "Credit note",
    };
    document.set_metadata(
        Metadata::new()
            .title(format!("{kind} {}", invoice.number))
            .authors(vec![invoice.seller.legal_name.clone()])
            .description(format!("{kind} {} to {}", invoice.number, invoice.buyer.legal_name))
            .creator("nanotrace-einvoice".to_owned())
            .language("en".to_owned())
            .creation_date(date)
            .document_id(format!("{}/{}", invoice.seller.electronic_address.id, invoice.number)),
    );
    let embedded = EmbeddedFile {
        path: FACTURX_FILE_NAME.to_owned(),
        mime_type: MimeType::new("text/xml"),
        description: Some("Factur-X / ZUGFeRD invoice, EN 16931 (UN/CEFACT CII D16B)".to_owned()),
        association_kind: AssociationKind::Alternative,
        data: xml.into(),
        modification_date: Some(date),
        compress: Some(true),
        location: None,
    };
    document.embed_file(embedded).ok_or_else(|| Error::Pdf("the XML could not be attached".into()))?;

    let count = pages.len();
    let black: rgb::Color = rgb::Color::new(0x20, 0x20, 0x20);
    let accent = rgb::Color::new(ACCENT.0, ACCENT.1, ACCENT.2);
    let fill = |color: rgb::Color| Fill { paint: color.into(), opacity: NormalizedF32::ONE, rule: Default::default() };
    for (index, ops) in pages.iter().enumerate() {
        let settings =
            PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| Error::Pdf("page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops.iter().chain(&footer(index, count, invoice, fonts)) {
            match op {
                Op::Text { x, y, size, bold, accent: accented, text } => {
                    surface.set_fill(Some(fill(if *accented { accent } else { black })));
                    let font = fonts.face(*bold).krilla.clone();
                    surface.draw_text(Point::from_xy(*x, *y), font, *size, text, false, TextDirection::Auto);
                }
                Op::Rule { x1, x2, y, width } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y);
                    path.line_to(*x2, *y);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { paint: accent.into(), width: *width, ..Stroke::default() }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(krilla_error)
}

/// The Factur-X XMP: the PDF/A extension schema description of `fx:` (an `rdf:li` for
/// the `pdfaExtension:schemas` bag) and the `fx:` properties (an `rdf:Description`).
fn facturx_xmp() -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut w = quick_xml::Writer::new(Vec::new());
    let start = |name: &str| Event::Start(BytesStart::new(name.to_owned()));
    let end = |name: &str| Event::End(BytesEnd::new(name.to_owned()));
    let leaf = |w: &mut quick_xml::Writer<Vec<u8>>, name: &str, text: &str| -> std::io::Result<()> {
        w.write_event(start(name))?;
        w.write_event(Event::Text(BytesText::new(text)))?;
        w.write_event(end(name))
    };
    w.write_event(Event::Start(BytesStart::new("rdf:li").with_attributes([
        ("rdf:parseType", "Resource"),
        ("xmlns:pdfaSchema", PDFA_SCHEMA_NS),
        ("xmlns:pdfaProperty", PDFA_PROPERTY_NS),
    ])))?;
    leaf(&mut w, "pdfaSchema:schema", "Factur-X PDFA Extension Schema")?;
    leaf(&mut w, "pdfaSchema:namespaceURI", FACTURX_NS)?;
    leaf(&mut w, "pdfaSchema:prefix", "fx")?;
    w.write_event(start("pdfaSchema:property"))?;
    w.write_event(start("rdf:Seq"))?;
    let properties = [
        ("DocumentFileName", "The name of the embedded XML document"),
        ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
        ("Version", "The actual version of the standard applying to the embedded XML document"),
        ("ConformanceLevel", "The conformance level of the embedded XML document"),
    ];
    for (name, description) in properties {
        w.write_event(Event::Start(BytesStart::new("rdf:li").with_attributes([("rdf:parseType", "Resource")])))?;
        leaf(&mut w, "pdfaProperty:name", name)?;
        leaf(&mut w, "pdfaProperty:valueType", "Text")?;
        leaf(&mut w, "pdfaProperty:category", "external")?;
        leaf(&mut w, "pdfaProperty:description", description)?;
        w.write_event(end("rdf:li"))?;
    }
    w.write_event(end("rdf:Seq"))?;
    w.write_event(end("pdfaSchema:property"))?;
    w.write_event(end("rdf:li"))?;
    let schema = std::mem::take(w.get_mut());

    w.write_event(Event::Start(
        BytesStart::new("rdf:Description").with_attributes([("rdf:about", ""), ("xmlns:fx", FACTURX_NS)]),
    ))?;
    leaf(&mut w, "fx:DocumentType", "INVOICE")?;
    leaf(&mut w, "fx:DocumentFileName", FACTURX_FILE_NAME)?;
    leaf(&mut w, "fx:Version", "1.0")?;
    leaf(&mut w, "fx:ConformanceLevel", FACTURX_CONFORMANCE_LEVEL)?;
    w.write_event(end("rdf:Description"))?;
    Ok((schema, w.into_inner()))
}

/// Inserts `insert` into `haystack` before the first occurrence of `marker`.
fn insert_before(haystack: &[u8], marker: &[u8], insert: &[u8]) -> Option<Vec<u8>> {
    let at = haystack.windows(marker.len()).position(|w| w == marker)?;
    let mut out = Vec::with_capacity(haystack.len() + insert.len());
    out.extend_from_slice(&haystack[..at]);
    out.extend_from_slice(insert);
    out.extend_from_slice(&haystack[at..]);
    Some(out)
}

/// `pdf` with the Factur-X schema added to its XMP metadata: the extension schema
/// description into krilla's `pdfaExtension:schemas` bag, the `fx:` properties as a
/// description of their own.
fn add_facturx_xmp(pdf: &[u8]) -> Result<Vec<u8>, Error> {
    let fail = |what: &str| Error::Pdf(format!("adding the Factur-X XMP: {what}"));
    let mut doc = lopdf::Document::load_mem(pdf).map_err(|e| fail(&e.to_string()))?;
    let metadata_id = doc
        .catalog()
        .and_then(|catalog| catalog.get(b"Metadata"))
        .and_then(|m| m.as_reference())
        .map_err(|e| fail(&format!("no metadata stream ({e})")))?;
    let stream = doc
        .get_object_mut(metadata_id)
        .and_then(|o| o.as_stream_mut())
        .map_err(|e| fail(&format!("no metadata stream ({e})")))?;
    if stream.dict.has(b"Filter") {
        return Err(fail("the metadata stream is compressed"));
    }
    let (schema, description) = facturx_xmp().map_err(|e| fail(&e.to_string()))?;
    let xmp = insert_before(&stream.content, b"</rdf:Bag></pdfaExtension:schemas>", &schema)
        .ok_or_else(|| fail("no pdfaExtension:schemas bag in krilla's XMP"))?;
    let xmp = insert_before(&xmp, b"</rdf:RDF>", &description).ok_or_else(|| fail("no rdf:RDF in krilla's XMP"))?;
    stream.set_content(xmp);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| fail(&e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_and_superscript_digits_read_as_digits() {
        assert_eq!(plain_digit('\u{2082}'), Some('2'));
        assert_eq!(plain_digit('\u{00B3}'), Some('3'));
        assert_eq!(plain_digit('\u{2079}'), Some('9'));
        assert_eq!(plain_digit('x'), None);
    }

    #[test]
    fn amounts_are_grouped_for_reading() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(display_amount(d("4179.31")), "4,179.31");
        assert_eq!(display_amount(d("1234567.5")), "1,234,567.50");
        assert_eq!(display_amount(d("12")), "12.00");
        assert_eq!(display_amount(d("-999.999")), "-1,000.00");
    }

    #[test]
    fn the_factur_x_xmp_is_well_formed() {
        let (schema, description) = facturx_xmp().unwrap();
        let schema = String::from_utf8(schema).unwrap();
        assert!(schema.contains("<pdfaSchema:prefix>fx</pdfaSchema:prefix>"), "{schema}");
        let description = String::from_utf8(description).unwrap();
        assert!(description.contains("<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>"), "{description}");
    }
}
