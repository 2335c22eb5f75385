//! Documents `parse` refuses, each with an error that says what and where.

use nanotrace_camt::{parse, CamtError, EntryStatus};

fn valid() -> String {
    let path = format!("{}/tests/fixtures/paid_in_full.xml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The valid fixture with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> String {
    let text = valid();
    assert!(text.contains(from), "{from:?} not in the fixture");
    text.replacen(from, to, 1)
}

const NS08: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";

#[test]
fn the_fixture_itself_parses() {
    assert!(parse(valid().as_bytes()).is_ok());
}

#[test]
fn other_messages_are_not_statements() {
    let camt054 = edited(NS08, "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08");
    assert_eq!(
        parse(camt054.as_bytes()),
        Err(CamtError::NotAStatement {
            namespace: "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08".to_owned(),
            root: "Document".to_owned()
        })
    );
    let pain = r#"<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>"#;
    assert!(
        matches!(parse(pain.as_bytes()), Err(CamtError::NotAStatement { namespace, .. }) if namespace.contains("pain.001"))
    );
    let no_namespace = "<Document><BkToCstmrStmt/></Document>";
    assert!(
        matches!(parse(no_namespace.as_bytes()), Err(CamtError::NotAStatement { namespace, .. }) if namespace.is_empty())
    );
    let html = "<html xmlns=\"http://www.w3.org/1999/xhtml\"/>";
    assert!(matches!(parse(html.as_bytes()), Err(CamtError::NotAStatement { root, .. }) if root == "html"));
}

#[test]
fn versions_outside_02_to_13_are_refused_and_inside_read() {
    for version in ["01", "14", "1", "08x"] {
        let text = edited(NS08, &format!("urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"));
        assert!(matches!(parse(text.as_bytes()), Err(CamtError::UnsupportedVersion { .. })), "{version}");
    }
    // Version 02's status is the code itself, not a choice: both forms are read.
    let old = edited(NS08, "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02")
        .replace("<Sts>\n          <Cd>BOOK</Cd>\n        </Sts>", "<Sts>BOOK</Sts>");
    let statement = parse(old.as_bytes()).expect("camt.053.001.02 parses");
    assert_eq!(statement.entries[0].status, EntryStatus::Booked);
    let newest = edited(NS08, "urn:iso:std:iso:20022:tech:xsd:camt.053.001.13");
    assert!(parse(newest.as_bytes()).is_ok());
}

#[test]
fn a_doctype_is_refused() {
    let xxe = valid().replacen(
        "<Document",
        "<!DOCTYPE Document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<Document",
        1,
    );
    assert_eq!(parse(xxe.as_bytes()), Err(CamtError::Doctype));
    let plain = valid().replacen("<Document", "<!DOCTYPE Document>\n<Document", 1);
    assert_eq!(parse(plain.as_bytes()), Err(CamtError::Doctype));
}

#[test]
fn undeclared_entities_are_refused_and_predefined_ones_read() {
    let text = edited("<Nm>Nanomat Werke GmbH</Nm>", "<Nm>&xxe;</Nm>");
    assert!(matches!(parse(text.as_bytes()), Err(CamtError::UnknownEntity { name, .. }) if name == "xxe"));
    let text = edited("<NtryRef>NTRY-0001</NtryRef>", "<NtryRef>A&amp;B&#x43;</NtryRef>");
    assert_eq!(parse(text.as_bytes()).expect("parses").entries[0].entry_reference.as_deref(), Some("A&BC"));
}

#[test]
fn a_negative_amount_is_refused() {
    let text = edited("<Amt Ccy=\"EUR\">250.00</Amt>", "<Amt Ccy=\"EUR\">-250.00</Amt>");
    assert!(matches!(
        parse(text.as_bytes()),
        Err(CamtError::InvalidAmount { path, value, .. }) if path == "Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt" && value == "-250.00"
    ));
}

#[test]
fn too_many_decimals_or_not_a_number_are_refused() {
    for bad in ["250.001", "2.5E2", "250,00", "abc", ""] {
        let text = edited("<Amt Ccy=\"EUR\">250.00</Amt>", &format!("<Amt Ccy=\"EUR\">{bad}</Amt>"));
        assert!(parse(text.as_bytes()).is_err(), "{bad:?}");
    }
    let yen = edited("<Amt Ccy=\"EUR\">250.00</Amt>", "<Amt Ccy=\"JPY\">250.5</Amt>");
    assert!(
        matches!(parse(yen.as_bytes()), Err(CamtError::InvalidAmount { reason, .. }) if reason.contains("0 decimals"))
    );
}

#[test]
fn a_missing_amount_names_its_path() {
    let text = edited("<Amt Ccy=\"EUR\">250.00</Amt>\n", "");
    assert_eq!(
        parse(text.as_bytes()),
        Err(CamtError::Missing { path: "Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt".to_owned() })
    );
    let text = edited("<Amt Ccy=\"EUR\">250.00</Amt>", "<Amt>250.00</Amt>");
    assert_eq!(
        parse(text.as_bytes()),
        Err(CamtError::Missing { path: "Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt/@Ccy".to_owned() })
    );
}

#[test]
fn other_required_elements_name_their_path() {
    let cases = [
        ("<MsgId>MSG-202611280001</MsgId>", "Document/BkToCstmrStmt/GrpHdr/MsgId"),
        ("<Id>STMT-2026-0001</Id>", "Document/BkToCstmrStmt/Stmt/Id"),
        ("<IBAN>DE89370400440532013000</IBAN>", "Document/BkToCstmrStmt/Stmt/Acct/Id/IBAN"),
        ("<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>", "Document/BkToCstmrStmt/Stmt/Ntry[1]/CdtDbtInd"),
    ];
    for (remove, path) in cases {
        // Keep what follows the removed element when the pattern includes it.
        let keep = if remove.ends_with("<Sts>") { "<Sts>" } else { "" };
        let text = edited(remove, keep);
        assert_eq!(parse(text.as_bytes()), Err(CamtError::Missing { path: path.to_owned() }), "{remove}");
    }
    let text = edited("<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>", "<CdtDbtInd>CREDIT</CdtDbtInd>\n        <Sts>");
    assert!(matches!(parse(text.as_bytes()), Err(CamtError::InvalidValue { value, .. }) if value == "CREDIT"));
}

#[test]
fn two_statements_are_refused_with_the_count() {
    let text = valid();
    let start = text.find("    <Stmt>").expect("a Stmt");
    let end = text.find("</Stmt>\n").expect("its end") + "</Stmt>\n".len();
    let two = format!("{}{}{}", &text[..end], &text[start..end], &text[end..]);
    assert_eq!(parse(two.as_bytes()), Err(CamtError::StatementCount { count: 2 }));
    let none = format!("{}{}", &text[..start], &text[end..]);
    assert_eq!(parse(none.as_bytes()), Err(CamtError::StatementCount { count: 0 }));
}

#[test]
fn garbage_and_other_encodings_are_refused() {
    assert!(matches!(parse(&[0xff, 0xfe, 0x00, 0x3c]), Err(CamtError::NotUtf8 { valid_up_to: 0 })));
    let latin1 = valid().replacen("Nanomat Werke", "Nanomat W\u{e9}rke", 1);
    let latin1: Vec<u8> = latin1.chars().map(|c| c as u32 as u8).collect();
    assert!(matches!(parse(&latin1), Err(CamtError::NotUtf8 { .. })));
    let declared = edited("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
    assert!(matches!(parse(declared.as_bytes()), Err(CamtError::UnsupportedEncoding { .. })));
    assert_eq!(parse(b""), Err(CamtError::NoRoot));
    assert_eq!(parse(b"just some text"), Err(CamtError::NoRoot));
    assert!(matches!(
        parse(b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>"),
        Err(CamtError::Xml { .. })
    ));
    assert!(matches!(parse(b"<a><b></a>"), Err(CamtError::Xml { .. }) | Err(CamtError::NotAStatement { .. })));
    let truncated = valid();
    let truncated = &truncated.as_bytes()[..truncated.len() / 2];
    assert!(matches!(parse(truncated), Err(CamtError::Xml { .. })));
    let mismatched = edited("</NtryRef>", "</NtryReff>");
    assert!(matches!(parse(mismatched.as_bytes()), Err(CamtError::Xml { .. })));
}

#[test]
fn errors_read_as_sentences() {
    let text = edited("<Amt Ccy=\"EUR\">250.00</Amt>\n", "");
    let message = parse(text.as_bytes()).expect_err("refused").to_string();
    assert_eq!(message, "missing required element Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt");
    assert_eq!(
        CamtError::StatementCount { count: 3 }.to_string(),
        "expected exactly one Stmt in BkToCstmrStmt, found 3"
    );
}
