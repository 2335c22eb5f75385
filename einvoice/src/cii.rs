//! The CII writer: an [`Invoice`] as a UN/CEFACT Cross Industry Invoice (D16B, the
//! syntax EN 16931-3-3 binds) in the EN 16931 profile, the XML a Factur-X / ZUGFeRD PDF
//! carries ([`pdf`](crate::pdf)). Elements in the order of the D16B schema's sequences;
//! quick-xml writes the events and escapes every text and attribute.
//!
//! The same invoice as [`to_ubl`](Invoice::to_ubl), from the same checks and the same
//! [`Totals`]; deterministic: the same invoice gives the same bytes.

use time::Date;

use crate::amount::{format_amount, format_number};
use crate::error::Error;
use crate::invoice::{Invoice, InvoiceKind, Totals};
use crate::line::InvoiceLine;
use crate::party::Party;
use crate::vat::VatCategory;
use crate::xml::{Written, Xml};

/// The specification identifier (BT-24) of EN 16931 itself: Factur-X's and ZUGFeRD's
/// profile "EN 16931" (also called COMFORT).
pub const GUIDELINE_ID: &str = "urn:cen.eu:en16931:2017";
/// The namespace of the CII message (`rsm:`).
pub const RSM_NS: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
/// The reusable aggregates (`ram:`).
pub const RAM_NS: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
/// The qualified data types (`qdt:`).
pub const QDT_NS: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
/// The unqualified data types (`udt:`).
pub const UDT_NS: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

/// UNTDID 1001: commercial invoice.
const INVOICE_TYPE_CODE: &str = "380";
/// UNTDID 1001: credit note.
const CREDIT_NOTE_TYPE_CODE: &str = "381";
/// UNTDID 4461: SEPA credit transfer.
const CREDIT_TRANSFER: &str = "58";
/// UNTDID 2379: a date as CCYYMMDD.
const DATE_FORMAT: &str = "102";

impl Invoice {
    /// The invoice as a UN/CEFACT CII D16B XML document (UTF-8) in the EN 16931 profile,
    /// after [`validate`](Self::validate): an invoice that fails a check is not rendered.
    /// A credit note is type code 381 with the invoice it credits (BG-3).
    pub fn to_cii(&self) -> Result<Vec<u8>, Error> {
        let totals = self.validate()?;
        render(self, &totals).map_err(|e| Error::Xml(e.to_string()))
    }
}

/// A date as CII writes it: `CCYYMMDD` (format 102).
fn date(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())
}

/// `<name><udt:DateTimeString format="102">…</udt:DateTimeString></name>` (or `qdt:`).
fn date_time(x: &mut Xml, name: &str, prefix: &str, value: Date) -> Written {
    x.start(name)?;
    x.leaf_with(&format!("{prefix}:DateTimeString"), &[("format", DATE_FORMAT)], &date(value))?;
    x.end(name)
}

fn render(invoice: &Invoice, totals: &Totals) -> Written<Vec<u8>> {
    let mut x = Xml::new()?;
    x.root(
        "rsm:CrossIndustryInvoice",
        &[("xmlns:rsm", RSM_NS), ("xmlns:qdt", QDT_NS), ("xmlns:ram", RAM_NS), ("xmlns:udt", UDT_NS)],
    )?;
    x.start("rsm:ExchangedDocumentContext")?;
    x.wrapped("ram:GuidelineSpecifiedDocumentContextParameter", "ram:ID", GUIDELINE_ID)?;
    x.end("rsm:ExchangedDocumentContext")?;

    x.start("rsm:ExchangedDocument")?;
    x.leaf("ram:ID", &invoice.number)?;
    let type_code = match invoice.kind {
        InvoiceKind::Invoice => INVOICE_TYPE_CODE,
        InvoiceKind::CreditNote { .. } => CREDIT_NOTE_TYPE_CODE,
    };
    x.leaf("ram:TypeCode", type_code)?;
    date_time(&mut x, "ram:IssueDateTime", "udt", invoice.issue_date)?;
    if let Some(note) = &invoice.note {
        x.wrapped("ram:IncludedNote", "ram:Content", note)?;
    }
    x.end("rsm:ExchangedDocument")?;

    x.start("rsm:SupplyChainTradeTransaction")?;
    for (line, net) in invoice.lines.iter().zip(&totals.line_net_amounts) {
        line_item(&mut x, line, *net)?;
    }

    x.start("ram:ApplicableHeaderTradeAgreement")?;
    x.optional("ram:BuyerReference", invoice.buyer_reference.as_deref())?;
    party(&mut x, "ram:SellerTradeParty", &invoice.seller)?;
    party(&mut x, "ram:BuyerTradeParty", &invoice.buyer)?;
    if let Some(order) = &invoice.order_reference {
        x.wrapped("ram:BuyerOrderReferencedDocument", "ram:IssuerAssignedID", order)?;
    }
    x.end("ram:ApplicableHeaderTradeAgreement")?;

    // Required by the schema, empty without delivery information.
    x.start("ram:ApplicableHeaderTradeDelivery")?;
    if let Some(delivery) = &invoice.delivery {
        x.start("ram:ShipToTradeParty")?;
        x.wrapped("ram:PostalTradeAddress", "ram:CountryID", delivery.country.code())?;
        x.end("ram:ShipToTradeParty")?;
        x.start("ram:ActualDeliverySupplyChainEvent")?;
        date_time(&mut x, "ram:OccurrenceDateTime", "udt", delivery.date)?;
        x.end("ram:ActualDeliverySupplyChainEvent")?;
    }
    x.end("ram:ApplicableHeaderTradeDelivery")?;

    settlement(&mut x, invoice, totals)?;
    x.end("rsm:SupplyChainTradeTransaction")?;
    x.end("rsm:CrossIndustryInvoice")?;
    Ok(x.finish())
}

/// `ram:ApplicableHeaderTradeSettlement`: payment, VAT breakdown, terms, totals and the
/// credited invoice.
fn settlement(x: &mut Xml, invoice: &Invoice, totals: &Totals) -> Written {
    x.start("ram:ApplicableHeaderTradeSettlement")?;
    if let Some(means) = &invoice.payment_means {
        x.leaf("ram:PaymentReference", means.creditor_reference.as_str())?;
    }
    x.leaf("ram:InvoiceCurrencyCode", invoice.currency.code())?;
    if let Some(means) = &invoice.payment_means {
        x.start("ram:SpecifiedTradeSettlementPaymentMeans")?;
        x.leaf("ram:TypeCode", CREDIT_TRANSFER)?;
        x.leaf("ram:Information", "Credit transfer")?;
        x.start("ram:PayeePartyCreditorFinancialAccount")?;
        let iban: String = means.iban.chars().filter(|c| *c != ' ').collect();
        x.leaf("ram:IBANID", &iban)?;
        x.optional("ram:AccountName", means.account_name.as_deref())?;
        x.end("ram:PayeePartyCreditorFinancialAccount")?;
        if let Some(bic) = &means.bic {
            x.wrapped("ram:PayeeSpecifiedCreditorFinancialInstitution", "ram:BICID", bic)?;
        }
        x.end("ram:SpecifiedTradeSettlementPaymentMeans")?;
    }
    for entry in &totals.vat_breakdown {
        x.start("ram:ApplicableTradeTax")?;
        x.leaf("ram:CalculatedAmount", &format_amount(entry.tax_amount))?;
        x.leaf("ram:TypeCode", "VAT")?;
        let reason = entry.category.exemption_reason();
        x.optional("ram:ExemptionReason", reason.and_then(|r| r.text.as_deref()))?;
        x.leaf("ram:BasisAmount", &format_amount(entry.taxable_amount))?;
        x.leaf("ram:CategoryCode", entry.category.code())?;
        x.optional("ram:ExemptionReasonCode", reason.and_then(|r| r.code.as_deref()))?;
        rate(x, &entry.category)?;
        x.end("ram:ApplicableTradeTax")?;
    }
    if invoice.payment_terms.is_some() || invoice.due_date.is_some() {
        x.start("ram:SpecifiedTradePaymentTerms")?;
        x.optional("ram:Description", invoice.payment_terms.as_deref())?;
        if let Some(due) = invoice.due_date {
            date_time(x, "ram:DueDateDateTime", "udt", due)?;
        }
        x.end("ram:SpecifiedTradePaymentTerms")?;
    }
    x.start("ram:SpecifiedTradeSettlementHeaderMonetarySummation")?;
    x.leaf("ram:LineTotalAmount", &format_amount(totals.line_extension_amount))?;
    x.leaf("ram:TaxBasisTotalAmount", &format_amount(totals.tax_exclusive_amount))?;
    // The only amount that names its currency (BT-110 in the invoice currency).
    x.leaf_with("ram:TaxTotalAmount", &[("currencyID", invoice.currency.code())], &format_amount(totals.vat_amount))?;
    x.leaf("ram:GrandTotalAmount", &format_amount(totals.tax_inclusive_amount))?;
    x.leaf("ram:DuePayableAmount", &format_amount(totals.payable_amount))?;
    x.end("ram:SpecifiedTradeSettlementHeaderMonetarySummation")?;
    if let InvoiceKind::CreditNote { billing_reference } = &invoice.kind {
        x.start("ram:InvoiceReferencedDocument")?;
        x.leaf("ram:IssuerAssignedID", &billing_reference.number)?;
        date_time(x, "ram:FormattedIssueDateTime", "qdt", billing_reference.issue_date)?;
        x.end("ram:InvoiceReferencedDocument")?;
    }
    x.end("ram:ApplicableHeaderTradeSettlement")
}

/// `ram:RateApplicablePercent`, absent for "not subject to VAT" (BR-O-05).
fn rate(x: &mut Xml, category: &VatCategory) -> Written {
    match category.rate() {
        Some(rate) => x.leaf("ram:RateApplicablePercent", &format_number(rate, 0)),
        None => Ok(()),
    }
}

/// A seller or buyer (BG-4, BG-7) in the order of CII's TradePartyType.
fn party(x: &mut Xml, name: &str, party: &Party) -> Written {
    x.start(name)?;
    x.leaf("ram:Name", &party.legal_name)?;
    if party.registration.is_some() || party.trading_name.is_some() {
        x.start("ram:SpecifiedLegalOrganization")?;
        if let Some(registration) = &party.registration {
            match &registration.scheme {
                Some(scheme) => x.leaf_with("ram:ID", &[("schemeID", scheme)], &registration.id)?,
                None => x.leaf("ram:ID", &registration.id)?,
            }
        }
        x.optional("ram:TradingBusinessName", party.trading_name.as_deref())?;
        x.end("ram:SpecifiedLegalOrganization")?;
    }
    if let Some(contact) = &party.contact {
        x.start("ram:DefinedTradeContact")?;
        x.optional("ram:PersonName", contact.name.as_deref())?;
        if let Some(telephone) = &contact.telephone {
            x.wrapped("ram:TelephoneUniversalCommunication", "ram:CompleteNumber", telephone)?;
        }
        if let Some(email) = &contact.email {
            x.wrapped("ram:EmailURIUniversalCommunication", "ram:URIID", email)?;
        }
        x.end("ram:DefinedTradeContact")?;
    }
    x.start("ram:PostalTradeAddress")?;
    x.leaf("ram:PostcodeCode", &party.postcode)?;
    x.leaf("ram:LineOne", &party.street)?;
    x.leaf("ram:CityName", &party.city)?;
    x.leaf("ram:CountryID", party.country.code())?;
    x.end("ram:PostalTradeAddress")?;
    let address = &party.electronic_address;
    x.start("ram:URIUniversalCommunication")?;
    x.leaf_with("ram:URIID", &[("schemeID", &address.scheme)], &address.id)?;
    x.end("ram:URIUniversalCommunication")?;
    if let Some(vat_id) = &party.vat_id {
        x.start("ram:SpecifiedTaxRegistration")?;
        x.leaf_with("ram:ID", &[("schemeID", "VA")], vat_id)?;
        x.end("ram:SpecifiedTaxRegistration")?;
    }
    x.end(name)
}

/// `ram:IncludedSupplyChainTradeLineItem` (BG-25).
fn line_item(x: &mut Xml, line: &InvoiceLine, net: rust_decimal::Decimal) -> Written {
    x.start("ram:IncludedSupplyChainTradeLineItem")?;
    x.wrapped("ram:AssociatedDocumentLineDocument", "ram:LineID", &line.id)?;
    x.start("ram:SpecifiedTradeProduct")?;
    x.leaf("ram:Name", &line.name)?;
    x.optional("ram:Description", line.description.as_deref())?;
    x.end("ram:SpecifiedTradeProduct")?;
    x.start("ram:SpecifiedLineTradeAgreement")?;
    x.wrapped("ram:NetPriceProductTradePrice", "ram:ChargeAmount", &format_number(line.unit_price, 2))?;
    x.end("ram:SpecifiedLineTradeAgreement")?;
    x.start("ram:SpecifiedLineTradeDelivery")?;
    x.leaf_with("ram:BilledQuantity", &[("unitCode", &line.unit_code)], &format_number(line.quantity, 0))?;
    x.end("ram:SpecifiedLineTradeDelivery")?;
    x.start("ram:SpecifiedLineTradeSettlement")?;
    x.start("ram:ApplicableTradeTax")?;
    x.leaf("ram:TypeCode", "VAT")?;
    x.leaf("ram:CategoryCode", line.vat.code())?;
    rate(x, &line.vat)?;
    x.end("ram:ApplicableTradeTax")?;
    x.wrapped("ram:SpecifiedTradeSettlementLineMonetarySummation", "ram:LineTotalAmount", &format_amount(net))?;
    x.end("ram:SpecifiedLineTradeSettlement")?;
    x.end("ram:IncludedSupplyChainTradeLineItem")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_ccyymmdd() {
        assert_eq!(date(time::macros::date!(2026 - 02 - 03)), "20260203");
    }
}
