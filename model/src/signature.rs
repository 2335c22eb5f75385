//! Every contract function's request and response type: one table ([`sig`]) that the
//! contract dispatches through (so the compiler holds it to these types) and from which,
//! with feature `schema`, the JSON Schemas partners integrate against are generated
//! ([`schemas`]; published in `schemas/contract/`, checked against the types by a test).

use crate::function::Function;
use crate::records::{Application, Certificate, Governance, IssuerKey, Organization, RoleGrant};
use crate::requests::*;
use crate::responses::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A contract function's types: the one JSON argument it takes and the JSON it answers.
pub trait Signature {
    /// The function.
    const FUNCTION: Function;
    /// Its request (the transaction's one argument; `{}` where empty).
    type Request: Serialize + DeserializeOwned;
    /// Its response.
    type Response: Serialize + DeserializeOwned;
}

/// A function's JSON Schemas (feature `schema`).
#[cfg(feature = "schema")]
#[derive(Debug, Clone)]
pub struct FunctionSchemas {
    /// The function.
    pub function: Function,
    /// The schema of its request.
    pub request: serde_json::Value,
    /// The schema of its response.
    pub response: serde_json::Value,
}

/// `WhoAmI`'s response (named apart from the function's marker type in [`sig`]).
type WhoAmIResponse = crate::responses::WhoAmI;

macro_rules! signatures {
    ($($function:ident: $request:ty => $response:ty,)*) => {
        /// One type per contract function, naming its request and response ([`Signature`]).
        pub mod sig {
            use super::*;
            $(
                #[doc = concat!("`", stringify!($function), "`: `", stringify!($request), "` → `", stringify!($response), "`.")]
                #[derive(Debug, Clone, Copy)]
                pub struct $function;

                impl Signature for $function {
                    const FUNCTION: Function = Function::$function;
                    type Request = $request;
                    type Response = $response;
                }
            )*
        }

        /// Every function has a signature: this match stops compiling when one is added
        /// to [`Function`] without its line here.
        const _: fn(Function) = |function| match function {
            $(Function::$function => (),)*
        };

        /// The JSON Schemas (draft 2020-12) of every function, in [`Function::ALL`]'s order.
        #[cfg(feature = "schema")]
        pub fn schemas() -> Vec<FunctionSchemas> {
            let mut all = vec![$(FunctionSchemas::of::<sig::$function>(),)*];
            all.sort_by_key(|s| Function::ALL.iter().position(|f| *f == s.function));
            all
        }
    };
}

signatures! {
    Bootstrap: BootstrapRequest => Governance,
    RegisterOrganization: RegisterOrganizationRequest => Organization,
    SetCompanyPrefixes: SetCompanyPrefixesRequest => Organization,
    RetireOrganization: RetireOrganizationRequest => Organization,
    GrantRole: RoleRequest => RoleGrant,
    RevokeRole: RoleRequest => RoleGrant,
    ApproveRoleKey: ApproveRoleKeyRequest => Vec<RoleGrant>,
    RegisterIssuerKey: RegisterIssuerKeyRequest => IssuerKey,
    RetireIssuerKey: RetireIssuerKeyRequest => IssuerKey,
    Apply: Application => IdsResponse,
    ApplyBatch: ApplyBatchRequest => IdsResponse,
    Approve: ApproveRequest => IdsResponse,
    ApproveBatch: ApproveBatchRequest => IdsResponse,
    Reject: ReasonRequest => Certificate,
    Suspend: ReasonRequest => Certificate,
    Reinstate: ReinstateRequest => Certificate,
    Revoke: ReasonRequest => Certificate,
    Renew: RenewRequest => IdsResponse,
    UpdateSds: UpdateSdsRequest => Certificate,
    AttachCredential: AttachCredentialRequest => Certificate,
    SetStatusBases: SetStatusBasesRequest => Organization,
    StatusPositions: StatusPositionsRequest => StatusPositionsResponse,
    SetFeeSchedule: SetFeeScheduleRequest => crate::billing::PrivateReceipt,
    FeeSchedules: BillingPairRequest => crate::billing::FeeSchedules,
    IssueQuote: IssueQuoteRequest => crate::billing::PrivateReceipt,
    AcceptQuote: QuoteRequest => crate::billing::PrivateReceipt,
    GetQuote: QuoteRequest => crate::billing::Quote,
    SetBillingDetails: SetBillingDetailsRequest => Organization,
    IssueInvoice: IssueInvoiceRequest => crate::billing::PrivateReceipt,
    IssueCreditNote: IssueCreditNoteRequest => crate::billing::PrivateReceipt,
    ImportStatement: ImportStatementRequest => crate::billing::PrivateReceipt,
    Invoices: BillingPairRequest => Vec<crate::billing::InvoiceRecord>,
    PrivateAnswer: crate::billing::PrivateReceipt => crate::billing::PrivateAnswer,
    GetCertificate: CertificateIdRequest => Certificate,
    GetCertificates: CertificateIdsRequest => CertificatesResponse,
    GetCertificateRecords: CertificateIdsRequest => CertificateRecordsResponse,
    Verify: CertificateIdRequest => Verification,
    ListByStatus: ListByStatusRequest => CertificatePage,
    ListByApplicant: ListByApplicantRequest => CertificatePage,
    ListByProduct: ListByProductRequest => Vec<Certificate>,
    History: CertificateIdRequest => Vec<HistoryEntry>,
    IssuerKeys: EmptyRequest => Vec<IssuerKey>,
    Organizations: EmptyRequest => Vec<Organization>,
    WhoAmI: EmptyRequest => WhoAmIResponse,
}

/// The functions whose schemas a public verifier serves: the reads of what it publishes
/// (a certificate, its verdict and history, the trust list, the organisations' names).
pub const PUBLIC: &[Function] =
    &[Function::GetCertificate, Function::Verify, Function::History, Function::IssuerKeys, Function::Organizations];

#[cfg(feature = "schema")]
impl FunctionSchemas {
    /// The schemas of `S`'s request and response, titled with the function's name.
    pub fn of<S: Signature>() -> FunctionSchemas
    where
        S::Request: schemars::JsonSchema,
        S::Response: schemars::JsonSchema,
    {
        let name = S::FUNCTION.name();
        let titled = |mut schema: schemars::Schema, part: &str| {
            schema.insert("title".into(), format!("{name} {part}").into());
            schema.to_value()
        };
        FunctionSchemas {
            function: S::FUNCTION,
            request: titled(schemars::schema_for!(S::Request), "request"),
            response: titled(schemars::schema_for!(S::Response), "response"),
        }
    }

    /// The file name of one part (`request` or `response`) in `schemas/contract/`.
    pub fn file_name(function: Function, part: &str) -> String {
        format!("{}.{part}.json", function.name())
    }
}
