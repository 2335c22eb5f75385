//! The checks made before anything is rendered: each refused invoice gets its error and
//! no XML. And what is rendered: the amounts EN 16931 computes, the same bytes every time.

mod fixtures;

use fixtures::{d, line, standard};
use nanotrace_einvoice::{
    Contact, Currency, Error, ExemptionReason, Invoice, InvoiceKind, LegalRegistration, VatCategory,
};

/// `invoice` is refused, with an error `check` accepts, and renders nothing.
#[track_caller]
fn refused(invoice: &Invoice, check: impl Fn(&Error) -> bool) -> Error {
    let error = invoice.validate().expect_err("the invoice is refused");
    assert!(check(&error), "unexpected error: {error:?} ({error})");
    assert_eq!(invoice.to_ubl().expect_err("nothing is rendered"), error);
    error
}

#[test]
fn the_fixtures_are_valid() {
    for (name, invoice) in fixtures::all() {
        invoice.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn totals_are_computed_as_en16931_rounds_them() {
    let totals = fixtures::de_invoice().validate().unwrap();
    // 12.5 h × 145.50 = 1818.75; 19 % of 1500 + 1818.75 = 630.5625 → 630.56.
    assert_eq!(totals.line_net_amounts, [d("1500.00"), d("1818.75"), d("230.00")]);
    assert_eq!(totals.vat_breakdown.len(), 2);
    assert_eq!(totals.vat_breakdown[0].category.code(), "S");
    assert_eq!(totals.vat_breakdown[0].taxable_amount, d("3318.75"));
    assert_eq!(totals.vat_breakdown[0].tax_amount, d("630.56"));
    assert_eq!(totals.vat_breakdown[1].category.code(), "E");
    assert_eq!(totals.vat_breakdown[1].tax_amount, d("0"));
    assert_eq!(totals.line_extension_amount, d("3548.75"));
    assert_eq!(totals.vat_amount, d("630.56"));
    assert_eq!(totals.tax_inclusive_amount, d("4179.31"));
    assert_eq!(totals.payable_amount, d("4179.31"));

    // A line's net amount is rounded before it is summed: 3 × 0.335 = 1.005 → 1.01 (half
    // away from zero), twice → 2.02, VAT 21 % of 2.02 = 0.4242 → 0.42.
    let mut invoice = fixtures::nl_invoice();
    invoice.lines =
        vec![line("1", "a", "3", "EA", "0.335", standard("21")), line("2", "b", "3", "EA", "0.335", standard("21.00"))];
    let totals = invoice.validate().unwrap();
    assert_eq!(totals.line_net_amounts, [d("1.01"), d("1.01")]);
    assert_eq!(totals.vat_breakdown.len(), 1, "21 and 21.00 are one rate");
    assert_eq!(totals.vat_breakdown[0].tax_amount, d("0.42"));
    assert_eq!(totals.payable_amount, d("2.44"));
}

#[test]
fn the_same_invoice_renders_the_same_bytes() {
    for (name, invoice) in fixtures::all() {
        let first = invoice.to_ubl().unwrap();
        assert_eq!(first, invoice.to_ubl().unwrap(), "{name}");
        // Through JSON and back: the same invoice, the same bytes.
        let json = serde_json::to_string(&invoice).unwrap();
        let back: Invoice = serde_json::from_str(&json).unwrap();
        assert_eq!(back, invoice, "{name}");
        assert_eq!(back.to_ubl().unwrap(), first, "{name}");
    }
}

#[test]
fn the_document_says_what_the_invoice_says() {
    let xml = String::from_utf8(fixtures::de_invoice().to_ubl().unwrap()).unwrap();
    for expected in [
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2""#,
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>",
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>",
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
        "<cbc:DueDate>2026-04-01</cbc:DueDate>",
        r#"<cbc:EndpointID schemeID="0088">4000001000005</cbc:EndpointID>"#,
        r#"<cbc:InvoicedQuantity unitCode="HUR">12.5</cbc:InvoicedQuantity>"#,
        r#"<cbc:PriceAmount currencyID="EUR">145.50</cbc:PriceAmount>"#,
        r#"<cbc:TaxAmount currencyID="EUR">630.56</cbc:TaxAmount>"#,
        "<cbc:Percent>19</cbc:Percent>",
        "<cbc:TaxExemptionReasonCode>VATEX-EU-132</cbc:TaxExemptionReasonCode>",
        "<cbc:PaymentID>RF06NC20260001</cbc:PaymentID>",
        "<cbc:ID>DE89370400440532013000</cbc:ID>",
        // Text is escaped by the XML writer.
        "TiO₂ &lt;25 nm",
        "Prüfstelle für Nanomaterialien GmbH",
    ] {
        assert!(xml.contains(expected), "missing {expected}\n{xml}");
    }
    let xml = String::from_utf8(fixtures::de_credit_note().to_ubl().unwrap()).unwrap();
    for expected in [
        r#"<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2""#,
        "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>",
        "<cbc:ID>NC-2026-0001</cbc:ID>\n      <cbc:IssueDate>2026-03-02</cbc:IssueDate>",
        "<cbc:PaymentDueDate>2026-04-03</cbc:PaymentDueDate>",
        r#"<cbc:CreditedQuantity unitCode="HUR">2.5</cbc:CreditedQuantity>"#,
        "<cac:CreditNoteLine>",
    ] {
        assert!(xml.contains(expected), "missing {expected}\n{xml}");
    }
    assert!(!xml.contains("<cbc:DueDate>"), "a UBL 2.1 CreditNote has no DueDate");
    // Not subject to VAT: no rate at all.
    let xml = String::from_utf8(fixtures::outside_scope_invoice().to_ubl().unwrap()).unwrap();
    assert!(!xml.contains("<cbc:Percent>"), "{xml}");
}

#[test]
fn negative_and_malformed_numbers_are_refused() {
    let mut invoice = fixtures::de_invoice();
    invoice.lines[1].unit_price = d("-145.50");
    let e = refused(&invoice, |e| matches!(e, Error::Negative { field, .. } if field == "lines[1].unit_price"));
    assert_eq!(e.to_string(), "lines[1].unit_price: -145.50 is negative");

    let mut invoice = fixtures::de_invoice();
    invoice.lines[0].unit_price = d("1500.00001");
    refused(&invoice, |e| matches!(e, Error::TooManyDecimals { max: 4, .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.lines[0].quantity = d("0");
    refused(&invoice, |e| matches!(e, Error::NotPositive { field, .. } if field == "lines[0].quantity"));

    let mut invoice = fixtures::de_invoice();
    invoice.lines[0].quantity = d("-1");
    refused(&invoice, |e| matches!(e, Error::NotPositive { .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.lines[0].unit_price = rust_decimal::Decimal::MAX;
    invoice.lines[0].quantity = d("2");
    refused(&invoice, |e| matches!(e, Error::Overflow { .. }));

    // Not a number at all: refused when the JSON is read.
    let json = serde_json::to_string(&fixtures::de_invoice())
        .unwrap()
        .replace(r#""unit_price":"1500""#, r#""unit_price":"15OO""#);
    assert!(json.contains("15OO"));
    assert!(serde_json::from_str::<Invoice>(&json).is_err());
}

#[test]
fn unknown_currencies_and_countries_are_refused() {
    assert!(matches!(Currency::new("XYZ"), Err(Error::UnknownCurrency { .. })));
    let json =
        serde_json::to_string(&fixtures::de_invoice()).unwrap().replace(r#""currency":"EUR""#, r#""currency":"EURO""#);
    let e = serde_json::from_str::<Invoice>(&json).unwrap_err();
    assert!(e.to_string().contains("currency \"EURO\" is unknown"), "{e}");
    let json =
        serde_json::to_string(&fixtures::de_invoice()).unwrap().replace(r#""country":"DE""#, r#""country":"Germany""#);
    assert!(serde_json::from_str::<Invoice>(&json).is_err());
}

#[test]
fn vat_categories_follow_their_rules() {
    // The standard rate is above zero.
    let mut invoice = fixtures::de_invoice();
    invoice.lines[0].vat = standard("0");
    refused(&invoice, |e| matches!(e, Error::VatCategoryNotAllowed { category: "S", .. }));
    // No rate above 100 %.
    invoice.lines[0].vat = standard("190");
    refused(&invoice, |e| matches!(e, Error::TooLarge { .. }));
    invoice.lines[0].vat = standard("19.001");
    refused(&invoice, |e| matches!(e, Error::TooManyDecimals { max: 2, .. }));
    // An exemption needs a reason, a code from VATEX, and the right category for it.
    invoice.lines[0].vat = VatCategory::Exempt { exemption_reason: ExemptionReason { code: None, text: None } };
    refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { term, .. } if term.starts_with("BT-120")));
    invoice.lines[0].vat = VatCategory::Exempt { exemption_reason: ExemptionReason::code("VATEX-EU-999") };
    refused(&invoice, |e| matches!(e, Error::InvalidIdentifier { kind: "VATEX code", .. }));
    invoice.lines[0].vat = VatCategory::Exempt { exemption_reason: ExemptionReason::code("VATEX-EU-AE") };
    refused(&invoice, |e| matches!(e, Error::VatCategoryNotAllowed { category: "E", .. }));
    invoice.lines[0].vat = VatCategory::Exempt { exemption_reason: ExemptionReason::text(" ") };
    refused(&invoice, |e| matches!(e, Error::Empty { field } if field == "lines[0].vat.exemption_reason.text"));

    // Two exempt lines with different reasons cannot share one breakdown.
    let mut invoice = fixtures::de_invoice();
    invoice.lines[0].vat = VatCategory::Exempt { exemption_reason: ExemptionReason::text("Another reason") };
    refused(&invoice, |e| matches!(e, Error::ConflictingExemptionReasons { index: 2, category: "E", .. }));
}

#[test]
fn required_and_forbidden_business_terms_are_checked() {
    // Standard rate without the seller's VAT identifier.
    let mut invoice = fixtures::de_invoice();
    invoice.seller.vat_id = None;
    let e = refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { term: "BT-31 Seller VAT identifier", .. }));
    assert!(e.to_string().contains("BR-S-02"), "{e}");

    // Not subject to VAT: no VAT identifiers, no other category.
    let mut invoice = fixtures::outside_scope_invoice();
    invoice.buyer.vat_id = Some("DE987654321".to_owned());
    refused(&invoice, |e| matches!(e, Error::ForbiddenBusinessTerm { term: "BT-48 Buyer VAT identifier", .. }));
    let mut invoice = fixtures::outside_scope_invoice();
    invoice.seller.vat_id = Some("DE123456789".to_owned());
    refused(&invoice, |e| matches!(e, Error::ForbiddenBusinessTerm { term: "BT-31 Seller VAT identifier", .. }));
    let mut invoice = fixtures::outside_scope_invoice();
    invoice.lines.push(line("2", "Assessment", "1", "C62", "100", VatCategory::ZeroRated));
    refused(
        &invoice,
        |e| matches!(e, Error::VatCategoryNotAllowed { category: "Z", field, .. } if field == "lines[1].vat"),
    );
    // … and the seller still identified (BR-CO-26).
    let mut invoice = fixtures::outside_scope_invoice();
    invoice.seller.registration = None;
    refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { term, .. } if term.contains("BT-30")));

    // Reverse charge: the buyer's VAT identifier or registration.
    let mut invoice = fixtures::reverse_charge_invoice();
    invoice.buyer.vat_id = None;
    refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { term, .. } if term.starts_with("BT-48")));
    invoice.buyer.registration =
        Some(LegalRegistration { id: "303265045".to_owned(), scheme: Some("0002".to_owned()) });
    assert!(invoice.validate().is_ok());

    // Intra-community supply: the delivery.
    let mut invoice = fixtures::intra_community_invoice();
    invoice.delivery = None;
    refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { term, .. } if term.starts_with("BT-72")));

    // Peppol: a buyer reference or an order reference.
    let mut invoice = fixtures::de_invoice();
    invoice.buyer_reference = None;
    invoice.order_reference = None;
    let e = refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { .. }));
    assert!(e.to_string().contains("PEPPOL-EN16931-R003"), "{e}");

    // An invoice says how to pay it.
    let mut invoice = fixtures::de_invoice();
    invoice.payment_means = None;
    refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { term: "BG-16 Payment instructions", .. }));

    // An amount due needs a due date or payment terms (BR-CO-25).
    let mut invoice = fixtures::de_invoice();
    invoice.due_date = None;
    invoice.payment_terms = None;
    refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { term, .. } if term.starts_with("BT-9")));

    // A credit note's due date goes in its payment instructions.
    let mut invoice = fixtures::de_credit_note();
    invoice.payment_means = None;
    refused(&invoice, |e| matches!(e, Error::MissingBusinessTerm { term: "BG-16 Payment instructions", .. }));
    invoice.due_date = None;
    invoice.payment_terms = Some("Refunded within 14 days".to_owned());
    assert!(invoice.validate().is_ok());
}

#[test]
fn lines_dates_and_identifiers_are_checked() {
    let mut invoice = fixtures::de_invoice();
    invoice.lines.clear();
    refused(&invoice, |e| *e == Error::NoLines);

    let mut invoice = fixtures::de_invoice();
    invoice.lines[2].id = "1".to_owned();
    refused(&invoice, |e| matches!(e, Error::DuplicateLineId { index: 2, .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.lines[0].unit_code = "hour".to_owned();
    refused(&invoice, |e| matches!(e, Error::InvalidIdentifier { field, .. } if field == "lines[0].unit_code"));

    let mut invoice = fixtures::de_invoice();
    invoice.due_date = Some(time::macros::date!(2026 - 03 - 01));
    refused(&invoice, |e| matches!(e, Error::DateOrder { field, .. } if field == "due_date"));

    let mut invoice = fixtures::de_credit_note();
    if let InvoiceKind::CreditNote { billing_reference } = &mut invoice.kind {
        billing_reference.issue_date = time::macros::date!(2026 - 04 - 01);
    }
    refused(&invoice, |e| matches!(e, Error::DateOrder { .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.payment_means.as_mut().unwrap().iban = "DE89 3704 0044 0532 0130 01".to_owned();
    refused(&invoice, |e| matches!(e, Error::InvalidIdentifier { kind: "IBAN", .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.payment_means.as_mut().unwrap().bic = Some("COBADE".to_owned());
    refused(&invoice, |e| matches!(e, Error::InvalidIdentifier { kind: "BIC", .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.seller.electronic_address.id = "4000001000006".to_owned();
    refused(&invoice, |e| matches!(e, Error::InvalidIdentifier { kind: "GLN", .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.buyer.electronic_address.scheme = "1234".to_owned();
    refused(
        &invoice,
        |e| matches!(e, Error::InvalidIdentifier { field, .. } if field == "buyer.electronic_address.scheme"),
    );

    let mut invoice = fixtures::de_invoice();
    invoice.buyer.vat_id = Some("987654321".to_owned());
    refused(&invoice, |e| matches!(e, Error::InvalidIdentifier { kind: "VAT identifier", .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.seller.contact = Some(Contact { email: Some("billing at nanocert".to_owned()), ..Contact::default() });
    refused(&invoice, |e| matches!(e, Error::InvalidIdentifier { kind: "e-mail address", .. }));
    invoice.seller.contact = Some(Contact::default());
    refused(&invoice, |e| matches!(e, Error::Empty { field } if field == "seller.contact"));

    let mut invoice = fixtures::de_invoice();
    invoice.buyer.legal_name = "Nano\u{0}Werke".to_owned();
    refused(&invoice, |e| matches!(e, Error::ForbiddenCharacter { code: 0, .. }));

    let mut invoice = fixtures::de_invoice();
    invoice.number = "   ".to_owned();
    refused(&invoice, |e| matches!(e, Error::Empty { field } if field == "number"));
}
