//! The Factur-X PDF read back with a PDF library (lopdf): the XML it carries is the CII
//! document [`Invoice::to_cii`] writes, byte for byte, attached the way Factur-X says
//! (named `factur-x.xml`, an associated file of the document, in the XMP the Factur-X
//! schema); the CII of a credit note is type 381 with the invoice it credits; and the
//! same invoice gives the same bytes.

mod fixtures;

use lopdf::{Dictionary, Document, Object};
use nanotrace_einvoice::{Error, Invoice};

/// `object`, or what it refers to.
fn resolve<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    doc.dereference(object).map(|(_, o)| o).expect("a resolvable object")
}

fn dict<'a>(doc: &'a Document, parent: &'a Dictionary, key: &[u8]) -> &'a Dictionary {
    let object = parent.get(key).unwrap_or_else(|_| panic!("{} is missing", String::from_utf8_lossy(key)));
    resolve(doc, object).as_dict().expect("a dictionary")
}

/// The file specification the catalog's `EmbeddedFiles` name tree holds under `name`.
fn embedded_file_spec<'a>(doc: &'a Document, name: &str) -> &'a Dictionary {
    let catalog = doc.catalog().expect("a catalog");
    let tree = dict(doc, dict(doc, catalog, b"Names"), b"EmbeddedFiles");
    let names = resolve(doc, tree.get(b"Names").expect("a flat name tree")).as_array().expect("an array");
    let at = names
        .chunks(2)
        .find(|pair| pair[0].as_str().ok() == Some(name.as_bytes()))
        .unwrap_or_else(|| panic!("no embedded file {name}"));
    resolve(doc, &at[1]).as_dict().expect("a file specification")
}

/// The bytes of the file `spec` describes.
fn embedded_bytes(doc: &Document, spec: &Dictionary) -> Vec<u8> {
    let ef = dict(doc, spec, b"EF");
    let stream = resolve(doc, ef.get(b"F").expect("EF/F")).as_stream().expect("a stream");
    stream.decompressed_content().unwrap_or_else(|_| stream.content.clone())
}

fn xmp(doc: &Document) -> String {
    let catalog = doc.catalog().expect("a catalog");
    let stream = resolve(doc, catalog.get(b"Metadata").expect("XMP metadata")).as_stream().expect("a stream");
    String::from_utf8(stream.content.clone()).expect("UTF-8 XMP")
}

#[test]
fn the_embedded_xml_is_the_cii_document() {
    for (name, invoice) in fixtures::all() {
        let pdf = invoice.to_facturx_pdf().expect("renders");
        assert!(pdf.starts_with(b"%PDF-1.7"), "{name}");
        let doc = Document::load_mem(&pdf).expect("lopdf reads the PDF");
        let spec = embedded_file_spec(&doc, "factur-x.xml");
        assert_eq!(embedded_bytes(&doc, spec), invoice.to_cii().expect("CII"), "{name}: the embedded XML");
        assert_eq!(spec.get(b"AFRelationship").and_then(Object::as_name).ok(), Some(&b"Alternative"[..]), "{name}");
        assert_eq!(spec.get(b"UF").and_then(Object::as_str).ok(), Some(&b"factur-x.xml"[..]), "{name}");
        // The file is an associated file of the document (PDF/A-3).
        let catalog = doc.catalog().expect("a catalog");
        let af = resolve(&doc, catalog.get(b"AF").expect("AF")).as_array().expect("an array");
        assert_eq!(af.len(), 1, "{name}");
        let xmp = xmp(&doc);
        for expected in [
            "<pdfaid:part>3</pdfaid:part>",
            "<pdfaid:conformance>B</pdfaid:conformance>",
            "<fx:DocumentType>INVOICE</fx:DocumentType>",
            "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
            "<fx:Version>1.0</fx:Version>",
            "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
            "<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>",
        ] {
            assert!(xmp.contains(expected), "{name}: {expected} is not in the XMP:\n{xmp}");
        }
        assert!(catalog.get(b"OutputIntents").is_ok(), "{name}: no output intent");
    }
}

#[test]
fn a_short_invoice_is_one_a4_page() {
    let doc = Document::load_mem(&fixtures::de_invoice().to_facturx_pdf().expect("renders")).expect("reads");
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 1);
    let page = doc.get_dictionary(pages[&1]).expect("a page");
    let media_box: Vec<f32> = page
        .get(b"MediaBox")
        .and_then(Object::as_array)
        .expect("a media box")
        .iter()
        .map(|n| n.as_float().expect("a number"))
        .collect();
    assert!((media_box[2] - media_box[0] - 595.28).abs() < 0.01 && (media_box[3] - media_box[1] - 841.89).abs() < 0.01);
}

/// An invoice of sixty lines with long descriptions.
fn long_invoice() -> Invoice {
    let mut invoice = fixtures::de_invoice();
    let template = invoice.lines[0].clone();
    invoice.lines = (1..=60)
        .map(|i| {
            let mut line = template.clone();
            line.id = i.to_string();
            line.description = Some("An assessment day on site, with the report and its review ".repeat(3));
            line
        })
        .collect();
    invoice
}

#[test]
fn a_long_invoice_runs_over_pages() {
    let invoice = long_invoice();
    let pdf = invoice.to_facturx_pdf().expect("renders");
    let doc = Document::load_mem(&pdf).expect("reads");
    assert!(doc.get_pages().len() >= 3, "{} pages", doc.get_pages().len());
    let spec = embedded_file_spec(&doc, "factur-x.xml");
    assert_eq!(embedded_bytes(&doc, spec), invoice.to_cii().expect("CII"));
}

#[test]
fn a_credit_note_in_cii_is_type_381_with_the_invoice_it_credits() {
    let credit_note = fixtures::de_credit_note();
    let xml = String::from_utf8(credit_note.to_cii().expect("CII")).expect("UTF-8");
    assert!(xml.contains("<ram:TypeCode>381</ram:TypeCode>"), "{xml}");
    let nanotrace_einvoice::InvoiceKind::CreditNote { billing_reference } = &credit_note.kind else {
        panic!("a credit note")
    };
    let reference = format!("<ram:IssuerAssignedID>{}</ram:IssuerAssignedID>", billing_reference.number);
    assert!(xml.contains(&reference), "{xml}");
    assert!(xml.contains("<ram:InvoiceReferencedDocument>"), "{xml}");
    let invoice = String::from_utf8(fixtures::de_invoice().to_cii().expect("CII")).expect("UTF-8");
    assert!(invoice.contains("<ram:TypeCode>380</ram:TypeCode>"), "{invoice}");
    assert!(invoice.contains("<ram:ID>urn:cen.eu:en16931:2017</ram:ID>"), "{invoice}");
}

#[test]
fn the_same_invoice_gives_the_same_bytes() {
    for (name, invoice) in fixtures::all() {
        assert_eq!(invoice.to_cii().expect("CII"), invoice.to_cii().expect("CII"), "{name}");
        assert_eq!(invoice.to_facturx_pdf().expect("PDF"), invoice.to_facturx_pdf().expect("PDF"), "{name}");
    }
}

#[test]
fn a_refused_invoice_renders_no_cii_and_no_pdf() {
    let mut invoice: Invoice = fixtures::de_invoice();
    invoice.lines.clear();
    assert_eq!(invoice.to_cii(), Err(Error::NoLines));
    assert_eq!(invoice.to_facturx_pdf(), Err(Error::NoLines));
}

/// With `NANOTRACE_EINVOICE_PDF_DIR` set, every fixture's PDF and CII are written there, for
/// a person to look at (`pdftoppm -png`, a PDF reader, veraPDF's GUI …).
#[test]
fn the_rendered_pdfs_can_be_kept_for_a_look() {
    let Some(dir) = std::env::var_os("NANOTRACE_EINVOICE_PDF_DIR") else { return };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("the folder");
    for (name, invoice) in fixtures::all() {
        std::fs::write(dir.join(name.replace(".xml", ".pdf")), invoice.to_facturx_pdf().expect("PDF")).expect("write");
        std::fs::write(dir.join(format!("cii-{name}")), invoice.to_cii().expect("CII")).expect("write");
    }
    std::fs::write(dir.join("long-invoice.pdf"), long_invoice().to_facturx_pdf().expect("PDF")).expect("write");
}
