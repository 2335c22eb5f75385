//! The contract's function table: one list of every function, its wire name and whether
//! it changes the ledger. The contract dispatches on it and the client calls through it,
//! so a function cannot exist on one side only.

use std::fmt;

/// Whether a function changes the ledger (submit) or only reads it (evaluate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FunctionKind {
    /// Endorsed, ordered and committed: it writes.
    Submit,
    /// Run on one peer; nothing is committed.
    Evaluate,
}

macro_rules! functions {
    ($($(#[$doc:meta])* $variant:ident => $kind:ident,)*) => {
        /// A function of the certificate contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Function {
            $($(#[$doc])* $variant,)*
        }

        impl Function {
            /// Every function, in the order of the contract's documentation.
            pub const ALL: &'static [Function] = &[$(Function::$variant,)*];

            /// The name on the wire (the transaction's first argument on Fabric).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Function::$variant => stringify!($variant),)*
                }
            }

            /// Whether the function is submitted or evaluated.
            pub const fn kind(self) -> FunctionKind {
                match self {
                    $(Function::$variant => FunctionKind::$kind,)*
                }
            }
        }
    };
}

functions! {
    /// Makes the caller's organisation the governance organisation (once).
    Bootstrap => Submit,
    /// Registers a manufacturer, certification body or regulator.
    RegisterOrganization => Submit,
    /// Sets the GS1 Company Prefixes of a manufacturer: the GTINs it may apply for.
    SetCompanyPrefixes => Submit,
    /// Retires an organisation (a certification body loses its accreditation, a
    /// manufacturer leaves): its roles end, its issuer keys are retired, its members can
    /// no longer apply or decide; what it issued stays verifiable.
    RetireOrganization => Submit,
    /// Grants a role to an identity.
    GrantRole => Submit,
    /// Takes a role back.
    RevokeRole => Submit,
    /// Hands the caller's roles to a new key of the same identity (signed by the key holding them).
    ApproveRoleKey => Submit,
    /// Adds a certifier's Ed25519 key to the trust list.
    RegisterIssuerKey => Submit,
    /// Retires a key from the trust list.
    RetireIssuerKey => Submit,
    /// Applies for one certificate.
    Apply => Submit,
    /// Applies for many certificates in one transaction.
    ApplyBatch => Submit,
    /// Issues a certificate with the certifier's signature.
    Approve => Submit,
    /// Issues many certificates in one transaction.
    ApproveBatch => Submit,
    /// Rejects an application.
    Reject => Submit,
    /// Suspends an issued certificate.
    Suspend => Submit,
    /// Puts a suspended certificate back in force.
    Reinstate => Submit,
    /// Revokes a certificate for good.
    Revoke => Submit,
    /// Issues a new version that supersedes the old one.
    Renew => Submit,
    /// Records a new safety data sheet revision.
    UpdateSds => Submit,
    /// Records the proof of a certificate's Verifiable Credential, made by its issuer key.
    AttachCredential => Submit,
    /// Sets the verifier URLs a certification body's credentials may name for their
    /// status lists.
    SetStatusBases => Submit,
    /// The status-list positions a transaction of a given ID would give the certificates
    /// it issues (a certifier signs their credentials before submitting it).
    StatusPositions => Evaluate,
    /// Sets a certification body's fee schedule for one manufacturer (private to the two;
    /// the request in transient data).
    SetFeeSchedule => Submit,
    /// Every version of a body's fee schedule for one manufacturer (the two only).
    FeeSchedules => Evaluate,
    /// Quotes a pending application from the body's schedule in force when it was filed
    /// (private; the request in transient data).
    IssueQuote => Submit,
    /// The manufacturer accepts a body's quote (private; the request in transient data).
    AcceptQuote => Submit,
    /// A body's quote for an application (the two only).
    GetQuote => Evaluate,
    /// Sets an organisation's billing details: the legal data its invoices state and a
    /// body's bank account (public, on its record).
    SetBillingDetails => Submit,
    /// Issues the invoice of an accepted quote, numbered in the body's gap-free sequence
    /// (finance; private; the request in transient data).
    IssueInvoice => Submit,
    /// Credits an invoice in full, e.g. for a withdrawn application (finance; private;
    /// the request in transient data).
    IssueCreditNote => Submit,
    /// Applies a camt.053 bank statement's payments to the body's invoices by creditor
    /// reference (finance; private; the statement in transient data).
    ImportStatement => Submit,
    /// The invoices and credit notes between a body and a manufacturer (the two only).
    Invoices => Evaluate,
    /// A billing write's answer, kept privately where its receipt says (a member of the
    /// organisations that keep it).
    PrivateAnswer => Evaluate,
    /// Reads one certificate record.
    GetCertificate => Evaluate,
    /// Reads up to 1,000 certificate records in one query (a certifier's batch of
    /// approvals to sign, a follower catching up).
    GetCertificates => Evaluate,
    /// Reads up to 1,000 certificate records, each with its audit trail as `History`
    /// answers it, in one query (a follower catching up).
    GetCertificateRecords => Evaluate,
    /// The verdict on one certificate.
    Verify => Evaluate,
    /// A page of certificates in one status (the approval queue).
    ListByStatus => Evaluate,
    /// A page of one manufacturer's certificates (the dashboard).
    ListByApplicant => Evaluate,
    /// The certificates of a GTIN (and batch).
    ListByProduct => Evaluate,
    /// Every change of one certificate.
    History => Evaluate,
    /// The issuer trust list.
    IssuerKeys => Evaluate,
    /// The registered organisations: MSP ID, registered name and kind (public, as the
    /// names are what a member of the public recognises).
    Organizations => Evaluate,
    /// The caller's identity, roles and organisation.
    WhoAmI => Evaluate,
}

/// The functions whose request is private: it travels in the proposal's transient data
/// under [`PRIVATE_REQUEST`](crate::billing::PRIVATE_REQUEST), never as an argument, which
/// every peer keeps in the block; they take no argument.
pub const PRIVATE_REQUESTS: &[Function] = &[
    Function::SetFeeSchedule,
    Function::IssueQuote,
    Function::AcceptQuote,
    Function::IssueInvoice,
    Function::IssueCreditNote,
    Function::ImportStatement,
];

impl Function {
    /// Whether its request travels in transient data ([`PRIVATE_REQUESTS`]).
    pub fn has_private_request(self) -> bool {
        PRIVATE_REQUESTS.contains(&self)
    }

    /// The function with this wire name, if the contract has one.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Whether `message`, the text of a `BAD_REQUEST` refusal, is a contract saying it has
    /// no function of this name (one deployed before the function was added): see
    /// [`unknown_function_message`].
    pub fn is_unknown_in(self, message: &str) -> bool {
        message
            .strip_prefix(UNKNOWN_FUNCTION)
            .and_then(|rest| rest.strip_prefix(&format!("{:?};", self.name())))
            .is_some()
    }
}

const UNKNOWN_FUNCTION: &str = "unknown function ";

/// The contract's refusal (`BAD_REQUEST`) of a function name it does not know, naming
/// the ones it does: one wording for the contract that writes it and the clients that
/// recognise it ([`Function::is_unknown_in`]).
pub fn unknown_function_message(name: &str) -> String {
    let known: Vec<&str> = Function::ALL.iter().map(|f| f.name()).collect();
    format!("{UNKNOWN_FUNCTION}{name:?}; known: {}", known.join(", "))
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_function_is_recognised_by_its_name_only() {
        let message = unknown_function_message("GetCertificates");
        assert!(message.contains("known: Bootstrap,"), "{message}");
        assert!(Function::GetCertificates.is_unknown_in(&message));
        assert!(!Function::GetCertificate.is_unknown_in(&message), "a prefix of the name is another function");
        assert!(!Function::GetCertificates.is_unknown_in(&unknown_function_message("GetCertificatesX")));
        assert!(!Function::GetCertificates.is_unknown_in("certificate_ids: must hold 1 to 1000 IDs"));
    }

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for f in Function::ALL {
            assert!(seen.insert(f.name()), "duplicate name {}", f.name());
            assert_eq!(Function::from_name(f.name()), Some(*f));
        }
        assert_eq!(Function::ALL.len(), 44);
        // The billing functions that write take their request privately; their reads do not.
        let private: Vec<&str> = Function::ALL.iter().filter(|f| f.has_private_request()).map(|f| f.name()).collect();
        assert_eq!(
            private,
            ["SetFeeSchedule", "IssueQuote", "AcceptQuote", "IssueInvoice", "IssueCreditNote", "ImportStatement"]
        );
        assert!(PRIVATE_REQUESTS.iter().all(|f| f.kind() == FunctionKind::Submit));
        assert_eq!(Function::from_name("apply"), None);
        assert_eq!(Function::Verify.kind(), FunctionKind::Evaluate);
        assert_eq!(Function::Approve.kind(), FunctionKind::Submit);
    }
}
