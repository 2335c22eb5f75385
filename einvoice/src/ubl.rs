//! The UBL 2.1 writer: an [`Invoice`] as a UBL `Invoice` or `CreditNote` document in the
//! Peppol BIS Billing 3.0 profile, elements in the order of the UBL 2.1 schema's
//! sequences. quick-xml writes the events and escapes every text and attribute; no markup
//! is assembled from strings.
//!
//! The output is deterministic: the same invoice gives the same bytes (no clock, no
//! random identifier; the VAT breakdown in a fixed order).

use crate::amount::{format_amount, format_number};
use crate::error::Error;
use crate::invoice::{iso_date, Invoice, InvoiceKind, Totals};
use crate::line::InvoiceLine;
use crate::party::Party;
use crate::vat::VatCategory;
use crate::xml::{Written, Xml};

/// The specification identifier (BT-24) of Peppol BIS Billing 3.0.
pub const CUSTOMIZATION_ID: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
/// The business process (BT-23) of Peppol BIS Billing 3.0.
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
/// The namespace of a UBL 2.1 Invoice.
pub const INVOICE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
/// The namespace of a UBL 2.1 CreditNote.
pub const CREDIT_NOTE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
/// UBL's aggregate components (`cac:`).
pub const CAC_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
/// UBL's basic components (`cbc:`).
pub const CBC_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// UNTDID 1001: commercial invoice.
const INVOICE_TYPE_CODE: &str = "380";
/// UNTDID 1001: credit note.
const CREDIT_NOTE_TYPE_CODE: &str = "381";
/// UNTDID 4461: SEPA credit transfer.
const CREDIT_TRANSFER: &str = "58";

impl Invoice {
    /// The invoice as a UBL 2.1 XML document (UTF-8), after [`validate`](Self::validate):
    /// an invoice that fails a check is not rendered at all.
    pub fn to_ubl(&self) -> Result<Vec<u8>, Error> {
        let totals = self.validate()?;
        render(self, &totals).map_err(|e| Error::Xml(e.to_string()))
    }
}

/// The shared writer and the invoice currency, which every UBL amount names.
struct Ubl {
    x: Xml,
    currency: String,
}

impl std::ops::Deref for Ubl {
    type Target = Xml;

    fn deref(&self) -> &Xml {
        &self.x
    }
}

impl std::ops::DerefMut for Ubl {
    fn deref_mut(&mut self) -> &mut Xml {
        &mut self.x
    }
}

impl Ubl {
    /// An amount in the invoice currency, two decimals.
    fn amount(&mut self, name: &str, value: rust_decimal::Decimal) -> Written {
        let currency = self.currency.clone();
        self.x.leaf_with(name, &[("currencyID", &currency)], &format_amount(value))
    }
}

fn render(invoice: &Invoice, totals: &Totals) -> Written<Vec<u8>> {
    let credit_note = matches!(invoice.kind, InvoiceKind::CreditNote { .. });
    let (root, ns) = if credit_note { ("CreditNote", CREDIT_NOTE_NS) } else { ("Invoice", INVOICE_NS) };
    let mut x = Ubl { x: Xml::new()?, currency: invoice.currency.code().to_owned() };
    x.root(root, &[("xmlns", ns), ("xmlns:cac", CAC_NS), ("xmlns:cbc", CBC_NS)])?;
    x.leaf("cbc:CustomizationID", CUSTOMIZATION_ID)?;
    x.leaf("cbc:ProfileID", PROFILE_ID)?;
    x.leaf("cbc:ID", &invoice.number)?;
    x.leaf("cbc:IssueDate", &iso_date::format(invoice.issue_date))?;
    if credit_note {
        x.leaf("cbc:CreditNoteTypeCode", CREDIT_NOTE_TYPE_CODE)?;
    } else {
        if let Some(due) = invoice.due_date {
            x.leaf("cbc:DueDate", &iso_date::format(due))?;
        }
        x.leaf("cbc:InvoiceTypeCode", INVOICE_TYPE_CODE)?;
    }
    x.optional("cbc:Note", invoice.note.as_deref())?;
    x.leaf("cbc:DocumentCurrencyCode", invoice.currency.code())?;
    x.optional("cbc:BuyerReference", invoice.buyer_reference.as_deref())?;
    if let Some(order) = &invoice.order_reference {
        x.wrapped("cac:OrderReference", "cbc:ID", order)?;
    }
    if let InvoiceKind::CreditNote { billing_reference } = &invoice.kind {
        x.start("cac:BillingReference")?;
        x.start("cac:InvoiceDocumentReference")?;
        x.leaf("cbc:ID", &billing_reference.number)?;
        x.leaf("cbc:IssueDate", &iso_date::format(billing_reference.issue_date))?;
        x.end("cac:InvoiceDocumentReference")?;
        x.end("cac:BillingReference")?;
    }
    x.start("cac:AccountingSupplierParty")?;
    party(&mut x, &invoice.seller)?;
    x.end("cac:AccountingSupplierParty")?;
    x.start("cac:AccountingCustomerParty")?;
    party(&mut x, &invoice.buyer)?;
    x.end("cac:AccountingCustomerParty")?;
    if let Some(delivery) = &invoice.delivery {
        x.start("cac:Delivery")?;
        x.leaf("cbc:ActualDeliveryDate", &iso_date::format(delivery.date))?;
        x.start("cac:DeliveryLocation")?;
        x.start("cac:Address")?;
        x.wrapped("cac:Country", "cbc:IdentificationCode", delivery.country.code())?;
        x.end("cac:Address")?;
        x.end("cac:DeliveryLocation")?;
        x.end("cac:Delivery")?;
    }
    if let Some(means) = &invoice.payment_means {
        x.start("cac:PaymentMeans")?;
        x.leaf_with("cbc:PaymentMeansCode", &[("name", "Credit transfer")], CREDIT_TRANSFER)?;
        if credit_note {
            if let Some(due) = invoice.due_date {
                x.leaf("cbc:PaymentDueDate", &iso_date::format(due))?;
            }
        }
        x.leaf("cbc:PaymentID", means.creditor_reference.as_str())?;
        x.start("cac:PayeeFinancialAccount")?;
        let iban: String = means.iban.chars().filter(|c| *c != ' ').collect();
        x.leaf("cbc:ID", &iban)?;
        x.optional("cbc:Name", means.account_name.as_deref())?;
        if let Some(bic) = &means.bic {
            x.wrapped("cac:FinancialInstitutionBranch", "cbc:ID", bic)?;
        }
        x.end("cac:PayeeFinancialAccount")?;
        x.end("cac:PaymentMeans")?;
    }
    if let Some(terms) = &invoice.payment_terms {
        x.wrapped("cac:PaymentTerms", "cbc:Note", terms)?;
    }
    x.start("cac:TaxTotal")?;
    x.amount("cbc:TaxAmount", totals.vat_amount)?;
    for entry in &totals.vat_breakdown {
        x.start("cac:TaxSubtotal")?;
        x.amount("cbc:TaxableAmount", entry.taxable_amount)?;
        x.amount("cbc:TaxAmount", entry.tax_amount)?;
        tax_category(&mut x, "cac:TaxCategory", &entry.category, true)?;
        x.end("cac:TaxSubtotal")?;
    }
    x.end("cac:TaxTotal")?;
    x.start("cac:LegalMonetaryTotal")?;
    x.amount("cbc:LineExtensionAmount", totals.line_extension_amount)?;
    x.amount("cbc:TaxExclusiveAmount", totals.tax_exclusive_amount)?;
    x.amount("cbc:TaxInclusiveAmount", totals.tax_inclusive_amount)?;
    x.amount("cbc:PayableAmount", totals.payable_amount)?;
    x.end("cac:LegalMonetaryTotal")?;
    for (line, net) in invoice.lines.iter().zip(&totals.line_net_amounts) {
        invoice_line(&mut x, line, *net, credit_note)?;
    }
    x.end(root)?;
    Ok(x.x.finish())
}

/// `cac:Party` (BG-4 or BG-7) in the order of UBL's PartyType.
fn party(x: &mut Ubl, party: &Party) -> Written {
    x.start("cac:Party")?;
    let address = &party.electronic_address;
    x.leaf_with("cbc:EndpointID", &[("schemeID", &address.scheme)], &address.id)?;
    if let Some(name) = &party.trading_name {
        x.wrapped("cac:PartyName", "cbc:Name", name)?;
    }
    x.start("cac:PostalAddress")?;
    x.leaf("cbc:StreetName", &party.street)?;
    x.leaf("cbc:CityName", &party.city)?;
    x.leaf("cbc:PostalZone", &party.postcode)?;
    x.wrapped("cac:Country", "cbc:IdentificationCode", party.country.code())?;
    x.end("cac:PostalAddress")?;
    if let Some(vat_id) = &party.vat_id {
        x.start("cac:PartyTaxScheme")?;
        x.leaf("cbc:CompanyID", vat_id)?;
        x.wrapped("cac:TaxScheme", "cbc:ID", "VAT")?;
        x.end("cac:PartyTaxScheme")?;
    }
    x.start("cac:PartyLegalEntity")?;
    x.leaf("cbc:RegistrationName", &party.legal_name)?;
    if let Some(registration) = &party.registration {
        match &registration.scheme {
            Some(scheme) => x.leaf_with("cbc:CompanyID", &[("schemeID", scheme)], &registration.id)?,
            None => x.leaf("cbc:CompanyID", &registration.id)?,
        }
    }
    x.end("cac:PartyLegalEntity")?;
    if let Some(contact) = &party.contact {
        x.start("cac:Contact")?;
        x.optional("cbc:Name", contact.name.as_deref())?;
        x.optional("cbc:Telephone", contact.telephone.as_deref())?;
        x.optional("cbc:ElectronicMail", contact.email.as_deref())?;
        x.end("cac:Contact")?;
    }
    x.end("cac:Party")
}

/// A VAT category: `cac:TaxCategory` of the breakdown (with the exemption reason) or
/// `cac:ClassifiedTaxCategory` of a line's item (without).
fn tax_category(x: &mut Ubl, name: &str, category: &VatCategory, with_reason: bool) -> Written {
    x.start(name)?;
    x.leaf("cbc:ID", category.code())?;
    if let Some(rate) = category.rate() {
        x.leaf("cbc:Percent", &format_number(rate, 0))?;
    }
    if let Some(reason) = category.exemption_reason().filter(|_| with_reason) {
        x.optional("cbc:TaxExemptionReasonCode", reason.code.as_deref())?;
        x.optional("cbc:TaxExemptionReason", reason.text.as_deref())?;
    }
    x.wrapped("cac:TaxScheme", "cbc:ID", "VAT")?;
    x.end(name)
}

/// `cac:InvoiceLine` or `cac:CreditNoteLine` (BG-25).
fn invoice_line(x: &mut Ubl, line: &InvoiceLine, net: rust_decimal::Decimal, credit_note: bool) -> Written {
    let (name, quantity) = if credit_note {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    x.start(name)?;
    x.leaf("cbc:ID", &line.id)?;
    x.leaf_with(quantity, &[("unitCode", &line.unit_code)], &format_number(line.quantity, 0))?;
    x.amount("cbc:LineExtensionAmount", net)?;
    x.start("cac:Item")?;
    x.optional("cbc:Description", line.description.as_deref())?;
    x.leaf("cbc:Name", &line.name)?;
    tax_category(x, "cac:ClassifiedTaxCategory", &line.vat, false)?;
    x.end("cac:Item")?;
    x.start("cac:Price")?;
    let currency = x.currency.clone();
    x.leaf_with("cbc:PriceAmount", &[("currencyID", &currency)], &format_number(line.unit_price, 2))?;
    x.end("cac:Price")?;
    x.end(name)
}
