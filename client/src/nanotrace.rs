//! The typed NanoTrace API: one method per contract function, written once over a
//! [`Transport`] (the embedded ledger, or a Fabric gateway) so the same calls work on
//! both. This is client-side code: `approve`, `renew` and `reinstate` sign the
//! certificate's canonical bytes with the certifier's Ed25519 issuer key before submitting.

use crate::error::ApiError;
use crate::signer::IssuerSigner;
use crate::transport::Transport;
use futures::future::join_all;
use nanotrace_fabric_gateway::Submitted;
use nanotrace_model::billing::{
    BillingDetails, FeeSchedule, FeeScheduleVersion, FeeSchedules, InvoiceRecord, PrivateAnswer, PrivateReceipt, Quote,
    StatementImport, PRIVATE_REQUEST,
};
use nanotrace_model::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// IDs per `GetCertificates` query of [`NanoTrace::prepare_approvals`] (answers of
/// ~0.7 MB for the sample certificates).
pub const READ_CHUNK: usize = 250;

/// How many `GetCertificates` queries of [`READ_CHUNK`] IDs each
/// [`NanoTrace::prepare_approvals`] keeps in flight.
pub const CONCURRENT_READS: usize = 4;

/// How many `GetCertificate` queries it keeps in flight instead, reading one certificate
/// each from a contract deployed before `GetCertificates`.
const CONCURRENT_SINGLE_READS: usize = 16;

/// How many times [`NanoTrace::approve_certificates`] signs again under a new transaction
/// ID when another transaction took the status-list positions it signed for.
pub const POSITION_RETRIES: u32 = 8;

/// What the credentials an issuing transaction carries name: the status lists under
/// `status_base` (one of the certification body's status bases) and the issuer by its
/// registered name ([`NanoTrace::credential_terms`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialTerms {
    /// The verifier URL the credentials' status entries name.
    pub status_base: String,
    /// The certification body's registered name.
    pub issuer_name: String,
}

/// Whether `e` says the transaction should be made again under a new transaction ID: the
/// contract refused a credential signed for positions another transaction took since
/// (`CONFLICT [status.position_taken]`), or the ledger invalidated it because what it read
/// changed (an MVCC or phantom read conflict). Nothing of it was written.
pub fn is_taken_position(e: &ApiError) -> bool {
    match e {
        ApiError::Contract { code, message, .. } => code == "CONFLICT" && status::is_position_taken(message),
        ApiError::Commit { code, .. } => code == "MVCC_READ_CONFLICT" || code == "PHANTOM_READ_CONFLICT",
        _ => false,
    }
}

/// Runs `f` on parts of `items` on up to 4 threads (one for fewer than 64 items), the
/// results in order.
fn in_parallel<I: Sync, O: Send>(items: &[I], f: impl Fn(&[I]) -> Vec<O> + Sync) -> Vec<O> {
    const MIN_PER_THREAD: usize = 32;
    const MAX_THREADS: usize = 4;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.min(MAX_THREADS).min(items.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return f(items);
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    let parts: Vec<Vec<O>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(chunk).map(|part| scope.spawn(move || f(part))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    parts.into_iter().flatten().collect()
}

/// The typed NanoTrace API over any [`Transport`]: every call is async; the futures are
/// `Send` (the transport's are), so a service can spawn them.
pub struct NanoTrace<T: Transport> {
    transport: T,
}

impl<T: Transport> std::fmt::Debug for NanoTrace<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NanoTrace").finish_non_exhaustive()
    }
}

/// Whether `e` is the contract refusing `function` as a name it does not know (a
/// contract deployed before `function` existed, `BAD_REQUEST` naming it): a caller that
/// can do without `function` on such a contract (the typed API's batched reads, the
/// sample network's set-up) tells this refusal from the others with it.
pub fn is_unknown_function(e: &ApiError, function: Function) -> bool {
    e.contract_code() == Some(nanotrace_model::ErrorCode::BadRequest)
        && matches!(e, ApiError::Contract { message, .. } if function.is_unknown_in(message))
}

fn encode_one<R: Serialize>(req: &R) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(req).map_err(|e| ApiError::Request(format!("cannot encode request: {e}")))
}

fn encode<R: Serialize>(req: &R) -> Result<Vec<Vec<u8>>, ApiError> {
    encode_one(req).map(|b| vec![b])
}

/// How `function`'s one JSON `request` travels: as its argument, or, for a private request
/// ([`Function::has_private_request`]), as the transient value [`PRIVATE_REQUEST`] with no
/// argument (every peer keeps a proposal's arguments in the block, never its transient
/// data). The typed API and the console's browser-signed proposals both send requests so.
pub fn request_parts(function: Function, request: Vec<u8>) -> (Vec<Vec<u8>>, crate::Transient) {
    if function.has_private_request() {
        (Vec::new(), crate::Transient::from([(PRIVATE_REQUEST.to_owned(), request)]))
    } else {
        (vec![request], crate::Transient::new())
    }
}

fn decode<R: DeserializeOwned>(function: Function, bytes: &[u8]) -> Result<R, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::Decode { function: function.name().to_owned(), message: e.to_string() })
}

impl<T: Transport> NanoTrace<T> {
    /// Calls the contract through `transport`.
    pub fn new(transport: T) -> Self {
        NanoTrace { transport }
    }

    /// The transport the calls go through.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Submits `function` with a typed request and decodes the response. Refuses a
    /// function the table marks as a query.
    ///
    /// A billing write ([`Function::has_private_request`]) answers only a
    /// [`PrivateReceipt`], since every peer keeps a transaction's response in its block;
    /// once it has committed, its full answer is read with `PrivateAnswer` from where the
    /// receipt says and decoded as `Resp` ([`ApiError::Answer`] if that read fails).
    pub async fn submit<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        function: Function,
        req: &Req,
    ) -> Result<Submitted<Resp>, ApiError> {
        if function.kind() != FunctionKind::Submit {
            return Err(ApiError::Request(format!("{function} is a query: evaluate it instead of submitting it")));
        }
        let submitted = match request_parts(function, encode_one(req)?) {
            (args, transient) if transient.is_empty() => self.transport.submit(function.name(), &args).await?,
            (args, transient) => self.transport.submit_transient(function.name(), &args, &transient).await?,
        };
        if !function.has_private_request() {
            return submitted.try_map(|bytes| decode(function, &bytes));
        }
        let receipt: Submitted<PrivateReceipt> = submitted.try_map(|bytes| decode(function, &bytes))?;
        let answer_of = |source: ApiError| ApiError::Answer {
            tx_id: receipt.tx_id.clone(),
            block_number: receipt.block_number,
            source: Box::new(source),
        };
        let answer = self.private_answer(&receipt.value).await.map_err(answer_of)?;
        let response = answer.into_response(function, &receipt.value.tx_id).map_err(|e| {
            answer_of(ApiError::Decode { function: function.name().to_owned(), message: e.to_string() })
        })?;
        Ok(receipt.with(response))
    }

    /// `PrivateAnswer`: the answer a billing write kept privately, where its receipt
    /// says (a member of the organisations that keep it).
    pub async fn private_answer(&self, receipt: &PrivateReceipt) -> Result<PrivateAnswer, ApiError> {
        self.evaluate(Function::PrivateAnswer, receipt).await
    }

    /// Evaluates `function` with a typed request and decodes the response. Refuses a
    /// function the table marks as a transaction (its writes would be thrown away).
    pub async fn evaluate<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        function: Function,
        req: &Req,
    ) -> Result<Resp, ApiError> {
        if function.kind() != FunctionKind::Evaluate {
            return Err(ApiError::Request(format!(
                "{function} changes the ledger: submit it instead of evaluating it"
            )));
        }
        let bytes = self.transport.evaluate(function.name(), &encode(req)?).await?;
        decode(function, &bytes)
    }

    // -- governance --

    /// `Bootstrap`: makes the caller's organisation the governance organisation and the caller
    /// its first admin (needs an admin identity; once per ledger).
    pub async fn bootstrap(&self) -> Result<Submitted<Governance>, ApiError> {
        self.submit(Function::Bootstrap, &BootstrapRequest {}).await
    }

    /// `RegisterOrganization` (admin): registers an organisation (that runs peers) under
    /// its MSP ID.
    pub async fn register_organization(
        &self,
        msp_id: &str,
        name: &str,
        kind: OrgKind,
    ) -> Result<Submitted<Organization>, ApiError> {
        let req = RegisterOrganizationRequest {
            msp_id: msp_id.into(),
            name: name.into(),
            kind,
            without_peers: false,
            billing: None,
        };
        self.register_organization_with(&req).await
    }

    /// `RegisterOrganization` (admin) with every field of the request: an organisation
    /// without peers (`without_peers`) among them.
    pub async fn register_organization_with(
        &self,
        req: &RegisterOrganizationRequest,
    ) -> Result<Submitted<Organization>, ApiError> {
        self.submit(Function::RegisterOrganization, req).await
    }

    /// `SetCompanyPrefixes` (admin): sets the GS1 Company Prefixes of the manufacturer
    /// `msp_id` — the GTINs its members may apply for — replacing the ones before.
    pub async fn set_company_prefixes(
        &self,
        msp_id: &str,
        prefixes: Vec<String>,
    ) -> Result<Submitted<Organization>, ApiError> {
        self.submit(Function::SetCompanyPrefixes, &SetCompanyPrefixesRequest { msp_id: msp_id.into(), prefixes }).await
    }

    /// `RetireOrganization` (admin): retires the organisation `msp_id` — its roles end,
    /// its issuer keys are retired, its members may no longer act — for `reason`.
    pub async fn retire_organization(&self, msp_id: &str, reason: &str) -> Result<Submitted<Organization>, ApiError> {
        self.submit(
            Function::RetireOrganization,
            &RetireOrganizationRequest { msp_id: msp_id.into(), reason: reason.into() },
        )
        .await
    }

    /// `GrantRole` (admin): grants `role` to `holder`'s identity, held by `holder`'s key
    /// (moving it there if the identity holds it under another key). A contract deployed
    /// before roles named keys refuses the key as an unknown field: the grant is then made
    /// without it, as that contract makes every grant, and the contract that follows binds
    /// it to the first certificate that uses it.
    pub async fn grant_role(&self, holder: RoleHolder, role: Role) -> Result<Submitted<RoleGrant>, ApiError> {
        let req = RoleRequest { identity: holder.identity, role, key: Some(holder.key) };
        match self.submit(Function::GrantRole, &req).await {
            Err(e @ ApiError::Contract { .. })
                if e.contract_code() == Some(nanotrace_model::ErrorCode::BadRequest)
                    && e.to_string().contains("unknown field `key`") =>
            {
                self.submit(Function::GrantRole, &RoleRequest { key: None, ..req }).await
            }
            other => other,
        }
    }

    /// `RevokeRole` (admin): takes `role` from `identity`; returns the grant that was removed.
    pub async fn revoke_role(&self, identity: Actor, role: Role) -> Result<Submitted<RoleGrant>, ApiError> {
        self.submit(Function::RevokeRole, &RoleRequest { identity, role, key: None }).await
    }

    /// `ApproveRoleKey`: hands the roles the caller's key holds to `key`, another key of
    /// the caller's identity (its re-enrolled certificate's, [`nanotrace_model::ids::public_key_id`]).
    /// Returns the grants as they now are.
    pub async fn approve_role_key(&self, key: &str) -> Result<Submitted<Vec<RoleGrant>>, ApiError> {
        self.submit(Function::ApproveRoleKey, &ApproveRoleKeyRequest { key: key.to_owned() }).await
    }

    /// `RegisterIssuerKey` (admin): puts a certifier's public key on the trust list.
    pub async fn register_issuer_key(&self, req: &RegisterIssuerKeyRequest) -> Result<Submitted<IssuerKey>, ApiError> {
        self.submit(Function::RegisterIssuerKey, req).await
    }

    /// `RetireIssuerKey` (admin): retires the key `key_id` for `reason`.
    pub async fn retire_issuer_key(&self, key_id: &str, reason: &str) -> Result<Submitted<IssuerKey>, ApiError> {
        self.submit(Function::RetireIssuerKey, &RetireIssuerKeyRequest { key_id: key_id.into(), reason: reason.into() })
            .await
    }

    /// `SetStatusBases` (admin): the verifier URLs the certification body `msp_id`'s
    /// credentials may name for their status lists, replacing those it had.
    pub async fn set_status_bases(
        &self,
        msp_id: &str,
        status_bases: &[String],
    ) -> Result<Submitted<Organization>, ApiError> {
        let req = SetStatusBasesRequest { msp_id: msp_id.into(), status_bases: status_bases.to_vec() };
        self.submit(Function::SetStatusBases, &req).await
    }

    // -- billing (private to a certification body and a manufacturer) --

    /// `SetFeeSchedule` (a certifier): the caller's certification body's fees for
    /// `manufacturer_msp`, sent as transient data.
    pub async fn set_fee_schedule(
        &self,
        manufacturer_msp: &str,
        schedule: FeeSchedule,
    ) -> Result<Submitted<FeeScheduleVersion>, ApiError> {
        let req = SetFeeScheduleRequest { manufacturer_msp: manufacturer_msp.into(), schedule };
        self.submit(Function::SetFeeSchedule, &req).await
    }

    /// `FeeSchedules`: every version of `body_msp`'s schedule for `manufacturer_msp`.
    pub async fn fee_schedules(&self, body_msp: &str, manufacturer_msp: &str) -> Result<FeeSchedules, ApiError> {
        let req = BillingPairRequest { body_msp: body_msp.into(), manufacturer_msp: manufacturer_msp.into() };
        self.evaluate(Function::FeeSchedules, &req).await
    }

    /// `IssueQuote` (a certifier): the caller's body quotes the pending application
    /// `certificate_id`.
    pub async fn issue_quote(&self, certificate_id: &str) -> Result<Submitted<Quote>, ApiError> {
        self.submit(Function::IssueQuote, &IssueQuoteRequest { certificate_id: certificate_id.into() }).await
    }

    /// `AcceptQuote` (a member of the applicant): accepts `body_msp`'s quote for
    /// `certificate_id`.
    pub async fn accept_quote(&self, certificate_id: &str, body_msp: &str) -> Result<Submitted<Quote>, ApiError> {
        let req = QuoteRequest { certificate_id: certificate_id.into(), body_msp: body_msp.into() };
        self.submit(Function::AcceptQuote, &req).await
    }

    /// `GetQuote`: `body_msp`'s quote for `certificate_id`.
    pub async fn get_quote(&self, certificate_id: &str, body_msp: &str) -> Result<Quote, ApiError> {
        let req = QuoteRequest { certificate_id: certificate_id.into(), body_msp: body_msp.into() };
        self.evaluate(Function::GetQuote, &req).await
    }

    /// `SetBillingDetails` (admin): the legal data invoices state for `msp_id`, and a
    /// body's account.
    pub async fn set_billing_details(
        &self,
        msp_id: &str,
        details: BillingDetails,
    ) -> Result<Submitted<Organization>, ApiError> {
        let req = SetBillingDetailsRequest { msp_id: msp_id.into(), details };
        self.submit(Function::SetBillingDetails, &req).await
    }

    /// `IssueInvoice` (a body's finance): invoices the accepted quote of `certificate_id`,
    /// sent as transient data.
    pub async fn issue_invoice(&self, req: &IssueInvoiceRequest) -> Result<Submitted<InvoiceRecord>, ApiError> {
        self.submit(Function::IssueInvoice, req).await
    }

    /// `IssueCreditNote` (a body's finance): credits the invoice `invoice_number` in full.
    pub async fn issue_credit_note(
        &self,
        invoice_number: &str,
        reason: &str,
    ) -> Result<Submitted<InvoiceRecord>, ApiError> {
        let req = IssueCreditNoteRequest { invoice_number: invoice_number.into(), reason: reason.into() };
        self.submit(Function::IssueCreditNote, &req).await
    }

    /// `ImportStatement` (a body's finance): one camt.053 statement of the body's
    /// account, as the bank delivered it, sent as transient data.
    pub async fn import_statement(&self, camt053: String) -> Result<Submitted<StatementImport>, ApiError> {
        self.submit(Function::ImportStatement, &ImportStatementRequest { camt053 }).await
    }

    /// `Invoices`: the invoices and credit notes between `body_msp` and
    /// `manufacturer_msp`, in issue order.
    pub async fn invoices(&self, body_msp: &str, manufacturer_msp: &str) -> Result<Vec<InvoiceRecord>, ApiError> {
        let req = BillingPairRequest { body_msp: body_msp.into(), manufacturer_msp: manufacturer_msp.into() };
        self.evaluate(Function::Invoices, &req).await
    }

    // -- lifecycle --

    /// `Apply`: applies for a certificate for the caller's organisation; returns the new
    /// certificate ID. With a client reference ([`Application::client_ref`]) already
    /// used for the same application, this is the certificate recorded under it; use
    /// [`NanoTrace::apply_outcome`] to tell the two apart.
    pub async fn apply(&self, application: &Application) -> Result<Submitted<String>, ApiError> {
        self.apply_outcome(application).await?.try_map(|ids| {
            ids.certificate_ids.into_iter().next().ok_or_else(|| ApiError::Decode {
                function: Function::Apply.name().into(),
                message: "no certificate ID in the response".into(),
            })
        })
    }

    /// `Apply`, answering the contract's whole response: the certificate ID in
    /// `certificate_ids`, and in `repeated` that same ID when the application's client
    /// reference ([`Application::client_ref`]) had already recorded it (the transaction
    /// then created nothing and emitted no event). A different application under a used
    /// reference is refused with `CONFLICT`.
    pub async fn apply_outcome(&self, application: &Application) -> Result<Submitted<IdsResponse>, ApiError> {
        self.submit(Function::Apply, application).await
    }

    /// `ApplyBatch`: applies for many certificates in one transaction; returns their IDs in
    /// order (for an application whose client reference was already used, the recorded
    /// certificate; see [`NanoTrace::apply_batch_outcome`]).
    pub async fn apply_batch(&self, applications: Vec<Application>) -> Result<Submitted<Vec<String>>, ApiError> {
        let out = self.apply_batch_outcome(applications).await?;
        Ok(out.map(|ids| ids.certificate_ids))
    }

    /// `ApplyBatch`, answering the contract's whole response: the IDs in request order in
    /// `certificate_ids`, and in `repeated` those an earlier transaction had recorded
    /// under the same client reference (nothing new was written for them).
    pub async fn apply_batch_outcome(
        &self,
        applications: Vec<Application>,
    ) -> Result<Submitted<IdsResponse>, ApiError> {
        self.submit(Function::ApplyBatch, &ApplyBatchRequest { applications }).await
    }

    /// Builds a signed approval of `certificate_id`, issued at `now` for `validity_days`
    /// (at most what the applicant asked for), by a certifier of `issuer_org`.
    pub async fn prepare_approval(
        &self,
        certificate_id: &str,
        signer: &IssuerSigner,
        issuer_org: &str,
        now: i64,
        validity_days: Option<u32>,
    ) -> Result<ApproveRequest, ApiError> {
        let cert = self.get_certificate(certificate_id).await?;
        Ok(approval_of(&cert, signer, issuer_org, now, validity_days))
    }

    /// [`NanoTrace::prepare_approval`] for many certificates at once, for `ApproveBatch`:
    /// the certificates are read [`READ_CHUNK`] per query with up to [`CONCURRENT_READS`]
    /// queries in flight (one query per certificate, 16 in flight, from a contract that has
    /// no `GetCertificates` yet), then
    /// signed on the machine's cores (at most 4 threads, and none for fewer than 64
    /// certificates). The approvals come back in the order of `certificate_ids`; if any
    /// read fails, the error of the first failing one (in that order) is returned.
    pub async fn prepare_approvals(
        &self,
        certificate_ids: &[String],
        signer: &IssuerSigner,
        issuer_org: &str,
        now: i64,
        validity_days: Option<u32>,
    ) -> Result<Vec<ApproveRequest>, ApiError> {
        let certs = self.certificates_in_order(certificate_ids).await?;
        Ok(in_parallel(&certs, |certs| {
            certs.iter().map(|cert| approval_of(cert, signer, issuer_org, now, validity_days)).collect()
        }))
    }

    /// The terms of the credentials `issuer_org` issues: its status base `preferred` if it
    /// has that one, else its first ([`credential::status_base_for`]), and its registered
    /// name; `None` when it has no status base (its admin sets one with `SetStatusBases`).
    pub async fn credential_terms(
        &self,
        issuer_org: &str,
        preferred: &str,
    ) -> Result<Option<CredentialTerms>, ApiError> {
        let organizations = self.organizations().await?;
        Ok(credential::status_base_for(&organizations, issuer_org, preferred).map(|base| CredentialTerms {
            status_base: base.to_owned(),
            issuer_name: credential::issuer_name(&organizations, issuer_org).to_owned(),
        }))
    }

    /// `StatusPositions`: the status-list positions a transaction of ID `tx_id` issuing
    /// `count` certificates would give them now.
    pub async fn status_positions(&self, tx_id: &str, count: u32) -> Result<Vec<u32>, ApiError> {
        let req = StatusPositionsRequest { tx_id: tx_id.into(), count };
        let out: StatusPositionsResponse = self.evaluate(Function::StatusPositions, &req).await?;
        if out.positions.len() != count as usize {
            return Err(ApiError::Decode {
                function: Function::StatusPositions.name().into(),
                message: format!("{} positions for {count} certificates", out.positions.len()),
            });
        }
        Ok(out.positions)
    }

    /// Issues `certs` (as read, `PENDING`) in one transaction — `Approve` for one,
    /// `ApproveBatch` for more — each approval signed with `signer` and, with
    /// `credentials`, carrying its certificate's credential: the transaction ID is fixed
    /// first ([`Transport::prepare`]), `StatusPositions` tells the positions that
    /// transaction will give, the credentials are signed for them (on up to 4 threads) and
    /// the transaction is submitted under that ID. When another transaction took those
    /// positions meanwhile ([`is_taken_position`]; nothing was written), it is made again
    /// under a new ID, up to [`POSITION_RETRIES`] times. Without `credentials`, or on a
    /// transport that cannot fix an ID, the approvals go without them (record them later
    /// with [`NanoTrace::record_credentials`]). Returns the issued IDs.
    pub async fn approve_certificates(
        &self,
        certs: &[Certificate],
        signing: &ApprovalSigning<'_>,
        now: i64,
        credentials: Option<&CredentialTerms>,
    ) -> Result<Submitted<Vec<String>>, ApiError> {
        let ApprovalSigning { signer, issuer_org, validity_days } = *signing;
        let function = if certs.len() == 1 { Function::Approve } else { Function::ApproveBatch };
        let encode_approvals = |mut approvals: Vec<ApproveRequest>| match approvals.pop() {
            Some(one) if approvals.is_empty() => encode(&one),
            Some(last) => {
                approvals.push(last);
                encode(&ApproveBatchRequest { approvals })
            }
            None => Err(ApiError::Request("no certificate to approve".into())),
        };
        let (Some(terms), Some(_)) = (credentials, self.transport.prepare()) else {
            let approvals = in_parallel(certs, |certs| {
                certs.iter().map(|c| approval_of(c, signer, issuer_org, now, validity_days)).collect()
            });
            let out = self.transport.submit(function.name(), &encode_approvals(approvals)?).await?;
            return Ok(out.with(certs.iter().map(|c| c.id.clone()).collect()));
        };
        let count = u32::try_from(certs.len()).map_err(|_| ApiError::Request("too many certificates".into()))?;
        let out = self
            .submit_for_positions(function, count, |tx_id, positions| {
                let items: Vec<(&Certificate, u32)> = certs.iter().zip(positions.iter().copied()).collect();
                let approvals = in_parallel(&items, |items| {
                    items
                        .iter()
                        .map(|(cert, position)| approval_with_credential(cert, signing, now, terms, tx_id, *position))
                        .collect::<Vec<_>>()
                })
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
                encode_approvals(approvals)
            })
            .await?;
        Ok(out.with(certs.iter().map(|c| c.id.clone()).collect()))
    }

    /// Submits `function` under a transaction ID fixed first, with the arguments `make`
    /// builds for that ID and the `count` status-list positions `StatusPositions` says that
    /// transaction will give; made again under a new ID when another transaction took them
    /// meanwhile ([`is_taken_position`]), up to [`POSITION_RETRIES`] times.
    async fn submit_for_positions(
        &self,
        function: Function,
        count: u32,
        make: impl Fn(&str, &[u32]) -> Result<Vec<Vec<u8>>, ApiError>,
    ) -> Result<Submitted, ApiError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let tx = self.transport.prepare().ok_or_else(|| {
                ApiError::Request("this transport cannot submit under a transaction ID chosen beforehand".into())
            })?;
            let positions = if count == 0 { Vec::new() } else { self.status_positions(&tx.tx_id, count).await? };
            match self.transport.submit_prepared(&tx, function.name(), &make(&tx.tx_id, &positions)?).await {
                Err(e) if is_taken_position(&e) && tries <= POSITION_RETRIES => continue,
                other => return other,
            }
        }
    }

    /// The certificates `ids`, in that order: [`READ_CHUNK`] per `GetCertificates` with up
    /// to [`CONCURRENT_READS`] in flight, or one `GetCertificate` each from a contract
    /// deployed before `GetCertificates` (it refuses the name as an unknown function; only
    /// the first group can be refused so, and nothing read is kept from it).
    async fn certificates_in_order(&self, ids: &[String]) -> Result<Vec<Certificate>, ApiError> {
        let mut certs = Vec::with_capacity(ids.len());
        for group in ids.chunks(READ_CHUNK * CONCURRENT_READS) {
            for read in join_all(group.chunks(READ_CHUNK).map(|chunk| self.get_certificates(chunk))).await {
                match read {
                    Ok(found) => certs.extend(found),
                    Err(e) if is_unknown_function(&e, Function::GetCertificates) => {
                        return self.certificates_one_by_one(ids).await
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(certs)
    }

    /// The certificates `ids`, in that order, one `GetCertificate` each.
    async fn certificates_one_by_one(&self, ids: &[String]) -> Result<Vec<Certificate>, ApiError> {
        let mut certs = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CONCURRENT_SINGLE_READS) {
            for read in join_all(chunk.iter().map(|id| self.get_certificate(id))).await {
                certs.push(read?);
            }
        }
        Ok(certs)
    }

    /// `Approve`: reads the certificate, signs it with `signer` (see
    /// [`NanoTrace::prepare_approval`]) and issues it; returns its ID.
    pub async fn approve(
        &self,
        certificate_id: &str,
        signer: &IssuerSigner,
        issuer_org: &str,
        now: i64,
        validity_days: Option<u32>,
    ) -> Result<Submitted<String>, ApiError> {
        let req = self.prepare_approval(certificate_id, signer, issuer_org, now, validity_days).await?;
        let out: Submitted<IdsResponse> = self.submit(Function::Approve, &req).await?;
        Ok(out.with(certificate_id.to_owned()))
    }

    /// `Approve` with the certificate's credential in the same transaction
    /// ([`NanoTrace::approve_certificates`]): reads the certificate, signs its approval and
    /// its credential (under `credentials`, if any) and issues it; returns its ID.
    pub async fn approve_with_credential(
        &self,
        certificate_id: &str,
        signing: &ApprovalSigning<'_>,
        now: i64,
        credentials: Option<&CredentialTerms>,
    ) -> Result<Submitted<String>, ApiError> {
        let cert = self.get_certificate(certificate_id).await?;
        let out = self.approve_certificates(&[cert], signing, now, credentials).await?;
        Ok(out.with(certificate_id.to_owned()))
    }

    /// `ApproveBatch`: issues many certificates from approvals already signed (e.g. by
    /// [`NanoTrace::prepare_approval`]); returns their IDs.
    pub async fn approve_batch(&self, approvals: Vec<ApproveRequest>) -> Result<Submitted<Vec<String>>, ApiError> {
        let out: Submitted<IdsResponse> =
            self.submit(Function::ApproveBatch, &ApproveBatchRequest { approvals }).await?;
        Ok(out.map(|ids| ids.certificate_ids))
    }

    /// `Reject` (certifier): refuses a pending application; returns the updated record.
    pub async fn reject(&self, certificate_id: &str, reason: &str) -> Result<Submitted<Certificate>, ApiError> {
        self.submit(Function::Reject, &ReasonRequest { certificate_id: certificate_id.into(), reason: reason.into() })
            .await
    }

    /// `Suspend` (certifier of the issuing body): takes an active certificate out of force;
    /// returns the updated record.
    pub async fn suspend(&self, certificate_id: &str, reason: &str) -> Result<Submitted<Certificate>, ApiError> {
        self.submit(Function::Suspend, &ReasonRequest { certificate_id: certificate_id.into(), reason: reason.into() })
            .await
    }

    /// Reinstates; when the certificate needs a fresh signature (after an SDS update)
    /// and a signer is given, signs its current canonical bytes.
    pub async fn reinstate(
        &self,
        certificate_id: &str,
        reason: &str,
        signer: Option<&IssuerSigner>,
    ) -> Result<Submitted<Certificate>, ApiError> {
        let mut resign = None;
        if let Some(signer) = signer {
            let cert = self.get_certificate(certificate_id).await?;
            if cert.resign_required {
                let issuance = cert
                    .issuance
                    .clone()
                    .ok_or_else(|| ApiError::Request(format!("{certificate_id} was never issued")))?;
                let signature =
                    signer.sign_issuance(&cert, &issuance.issuer_org, issuance.issued_at, issuance.valid_until);
                resign = Some(Resignature { issuer_key_id: signer.key_id.clone(), signature, credential: None });
            }
        }
        self.submit(
            Function::Reinstate,
            &ReinstateRequest { certificate_id: certificate_id.into(), reason: reason.into(), resign },
        )
        .await
    }

    /// `Revoke` (certifier of the issuing body): withdraws a certificate for good; returns
    /// the updated record.
    pub async fn revoke(&self, certificate_id: &str, reason: &str) -> Result<Submitted<Certificate>, ApiError> {
        self.submit(Function::Revoke, &ReasonRequest { certificate_id: certificate_id.into(), reason: reason.into() })
            .await
    }

    /// `Reinstate` as [`NanoTrace::reinstate`], and when it signs the certificate again
    /// (after an SDS revision) with `credentials`, carrying the new revision's credential,
    /// made at `now`, in the same transaction: at the position that transaction gives it
    /// when its credential was recorded (the old one is retired), else at its own. Also
    /// says whether the credential went with it (not without `credentials`, a signature, a
    /// transport that fixes transaction IDs, or a position: a certificate issued before the
    /// status lists gets its credential with `AttachCredential`).
    pub async fn reinstate_with_credential(
        &self,
        certificate_id: &str,
        reason: &str,
        signer: Option<&IssuerSigner>,
        now: i64,
        credentials: Option<&CredentialTerms>,
    ) -> Result<(Submitted<Certificate>, bool), ApiError> {
        let (Some(signer), Some(terms), Some(_)) = (signer, credentials, self.transport.prepare()) else {
            return Ok((self.reinstate(certificate_id, reason, signer).await?, false));
        };
        let cert = self.get_certificate(certificate_id).await?;
        let (true, Some(issuance), Some(own)) = (cert.resign_required, cert.issuance.clone(), cert.status_index) else {
            return Ok((self.reinstate(certificate_id, reason, Some(signer)).await?, false));
        };
        let moves = cert.credential.is_some();
        let out = self
            .submit_for_positions(Function::Reinstate, u32::from(moves), |_, positions| {
                let position = positions.first().copied().unwrap_or(own);
                let canonical = CanonicalCertificate::for_certificate(
                    &cert,
                    &IssuanceTerms {
                        issuer_org: &issuance.issuer_org,
                        issuer_key_id: &signer.key_id,
                        issued_at: issuance.issued_at,
                        valid_until: issuance.valid_until,
                        status_position: Some(position),
                    },
                );
                let signature = signer.sign(&canonical);
                let resigned = Issuance {
                    issuer_key_id: signer.key_id.clone(),
                    digest: canonical.digest_hex(),
                    signature: signature.clone(),
                    status_position: Some(position),
                    ..issuance.clone()
                };
                let issued = credential::as_issued(&cert, resigned, position);
                let sent = credential::issued(&issued, &signer.key, &terms.issuer_name, &terms.status_base, now)
                    .map_err(|e| ApiError::Request(format!("cannot sign the credential of {certificate_id}: {e}")))?;
                let resign = Resignature {
                    issuer_key_id: signer.key_id.clone(),
                    signature: signature.clone(),
                    credential: Some(sent),
                };
                encode(&ReinstateRequest {
                    certificate_id: certificate_id.into(),
                    reason: reason.into(),
                    resign: Some(resign),
                })
            })
            .await?;
        Ok((out.try_map(|bytes| decode(Function::Reinstate, &bytes))?, true))
    }

    /// Renews an issued certificate as a new version signed by `signer`, with the new
    /// version's credential in the same transaction under `credentials` (none without, or
    /// on a transport that cannot fix transaction IDs).
    pub async fn renew_with_credential(
        &self,
        certificate_id: &str,
        signing: &ApprovalSigning<'_>,
        now: i64,
        credentials: Option<&CredentialTerms>,
    ) -> Result<Submitted<Vec<String>>, ApiError> {
        let ApprovalSigning { signer, issuer_org, validity_days } = *signing;
        let (Some(terms), Some(_)) = (credentials, self.transport.prepare()) else {
            return self.renew(certificate_id, signer, issuer_org, now, validity_days).await;
        };
        let current = self.get_certificate(certificate_id).await?;
        let days = validity_days.unwrap_or(current.application.requested_validity_days);
        let cert = renewal_of(&current)
            .ok_or_else(|| ApiError::Request(format!("{certificate_id} cannot be renewed again")))?;
        let valid_until = now + i64::from(days) * DAY;
        let out = self
            .submit_for_positions(Function::Renew, 1, |tx_id, positions| {
                let position = positions.first().copied().ok_or_else(|| ApiError::Request("no position".into()))?;
                let signature = signer.sign_issuance_at(&cert, issuer_org, now, valid_until, Some(position));
                let terms_now = IssuanceTerms {
                    issuer_org,
                    issuer_key_id: &signer.key_id,
                    issued_at: now,
                    valid_until,
                    status_position: Some(position),
                };
                let sent = signed_credential(&cert, &terms_now, signature.clone(), signer, terms, tx_id, position)?;
                encode(&RenewRequest {
                    certificate_id: certificate_id.into(),
                    issuer_key_id: signer.key_id.clone(),
                    issued_at: now,
                    valid_until,
                    signature: signature.clone(),
                    credential: Some(sent),
                })
            })
            .await?;
        let ids: Submitted<IdsResponse> = out.try_map(|bytes| decode(Function::Renew, &bytes))?;
        Ok(ids.map(|ids| ids.certificate_ids))
    }

    /// Renews an issued certificate as a new version signed by `signer`.
    pub async fn renew(
        &self,
        certificate_id: &str,
        signer: &IssuerSigner,
        issuer_org: &str,
        now: i64,
        validity_days: Option<u32>,
    ) -> Result<Submitted<Vec<String>>, ApiError> {
        let current = self.get_certificate(certificate_id).await?;
        let days = validity_days.unwrap_or(current.application.requested_validity_days);
        let cert = renewal_of(&current)
            .ok_or_else(|| ApiError::Request(format!("{certificate_id} cannot be renewed again")))?;
        let valid_until = now + i64::from(days) * DAY;
        let req = RenewRequest {
            certificate_id: certificate_id.into(),
            issuer_key_id: signer.key_id.clone(),
            issued_at: now,
            valid_until,
            signature: signer.sign_issuance(&cert, issuer_org, now, valid_until),
            credential: None,
        };
        let out: Submitted<IdsResponse> = self.submit(Function::Renew, &req).await?;
        Ok(out.map(|ids| ids.certificate_ids))
    }

    /// `UpdateSds` (manufacturer): records a new safety data sheet revision; an issued
    /// certificate is suspended until a certifier re-signs it. Returns the updated record.
    pub async fn update_sds(
        &self,
        certificate_id: &str,
        sds: SafetyDataSheet,
    ) -> Result<Submitted<Certificate>, ApiError> {
        self.submit(Function::UpdateSds, &UpdateSdsRequest { certificate_id: certificate_id.into(), sds }).await
    }

    /// `AttachCredential` (certifier holding the issuing key): signs `cert`'s Verifiable
    /// Credential with `key` at `now`, its status entries naming the lists under
    /// `status_base` (one of the issuing organisation's status bases), and records the
    /// proof. A certificate issued before the status lists first gets its position (an
    /// `AttachCredential` without a proof, committed before the signature is made), so
    /// that its credential names it. Returns the updated record.
    pub async fn attach_credential(
        &self,
        cert: &Certificate,
        key: &ed25519_dalek::SigningKey,
        issuer_name: &str,
        status_base: &str,
        now: i64,
    ) -> Result<Submitted<Certificate>, ApiError> {
        let positioned;
        let cert = if cert.status_index.is_none() {
            let req =
                credential::position_request(cert, status_base, now).map_err(|e| ApiError::Request(e.to_string()))?;
            positioned = self.submit::<_, Certificate>(Function::AttachCredential, &req).await?.value;
            &positioned
        } else {
            cert
        };
        let req = credential::attachment(cert, key, issuer_name, status_base, now)
            .map_err(|e| ApiError::Request(e.to_string()))?;
        self.submit(Function::AttachCredential, &req).await
    }

    /// `AttachCredential` with `new_position` (certifier of the issuing organisation):
    /// moves `cert` to a new status-list position and retires the old one (its revocation
    /// bit set in every verifier's lists), dropping the recorded credential; sign the
    /// credential of the record it answers with [`NanoTrace::attach_credential`]. For a
    /// certificate signed again before a new signature moved it by itself, whose earlier
    /// revision's credential still names its position.
    pub async fn new_status_position(
        &self,
        cert: &Certificate,
        status_base: &str,
        now: i64,
    ) -> Result<Submitted<Certificate>, ApiError> {
        let req =
            credential::new_position_request(cert, status_base, now).map_err(|e| ApiError::Request(e.to_string()))?;
        self.submit(Function::AttachCredential, &req).await
    }

    /// Records the credential of each issued certificate `certificate_ids` that has no
    /// current one, signed with `key` (the issuer key that signed their issuance), its
    /// status lists under `status_base` (one of the certification body's status bases):
    /// what approving does so that every issued certificate is a credential. One
    /// `AttachCredential` each, up to 16 in flight; the
    /// certificates recorded, in order (one whose recorded credential still proves it,
    /// under `status_base`, with its status-list position signed, is left as it is).
    pub async fn record_credentials(
        &self,
        certificate_ids: &[String],
        key: &ed25519_dalek::SigningKey,
        status_base: &str,
        now: i64,
    ) -> Result<Vec<Submitted<Certificate>>, ApiError> {
        let certs = self.certificates_in_order(certificate_ids).await?;
        let organizations = self.organizations().await?;
        let trust_list = self.issuer_keys().await?;
        let current = |cert: &Certificate| {
            cert.credential.as_ref().is_some_and(|p| p.status_base == status_base)
                && cert.position_signed()
                && credential::recorded(cert, &trust_list, &organizations, Some(status_base)).is_ok()
        };
        let due: Vec<&Certificate> = certs.iter().filter(|c| !current(c)).collect();
        let mut recorded = Vec::with_capacity(due.len());
        for chunk in due.chunks(CONCURRENT_SINGLE_READS) {
            let attachments = chunk.iter().map(|cert| {
                let org = cert.issuance.as_ref().map_or("", |i| i.issuer_org.as_str());
                let name = credential::issuer_name(&organizations, org);
                self.attach_credential(cert, key, name, status_base, now)
            });
            for attached in join_all(attachments).await {
                recorded.push(attached?);
            }
        }
        Ok(recorded)
    }

    // -- queries --

    /// `GetCertificate`: the certificate record.
    pub async fn get_certificate(&self, certificate_id: &str) -> Result<Certificate, ApiError> {
        self.evaluate(Function::GetCertificate, &CertificateIdRequest { certificate_id: certificate_id.into() }).await
    }

    /// `GetCertificates`: up to 1,000 certificate records in one query, in the order of
    /// `certificate_ids`.
    pub async fn get_certificates(&self, certificate_ids: &[String]) -> Result<Vec<Certificate>, ApiError> {
        let req = CertificateIdsRequest { certificate_ids: certificate_ids.to_vec() };
        let out: CertificatesResponse = self.evaluate(Function::GetCertificates, &req).await?;
        if out.certificates.len() != certificate_ids.len() {
            return Err(ApiError::Decode {
                function: Function::GetCertificates.name().to_owned(),
                message: format!("{} certificates for {} IDs", out.certificates.len(), certificate_ids.len()),
            });
        }
        Ok(out.certificates)
    }

    /// `GetCertificateRecords`: up to 1,000 certificates, each with its audit trail, in
    /// one query, in the order of `certificate_ids`.
    pub async fn get_certificate_records(
        &self,
        certificate_ids: &[String],
    ) -> Result<Vec<CertificateRecord>, ApiError> {
        let req = CertificateIdsRequest { certificate_ids: certificate_ids.to_vec() };
        let out: CertificateRecordsResponse = self.evaluate(Function::GetCertificateRecords, &req).await?;
        if out.records.len() != certificate_ids.len() {
            return Err(ApiError::Decode {
                function: Function::GetCertificateRecords.name().to_owned(),
                message: format!("{} records for {} IDs", out.records.len(), certificate_ids.len()),
            });
        }
        Ok(out.records)
    }

    /// `Verify`: the verdict on a certificate at the query's transaction time.
    pub async fn verify(&self, certificate_id: &str) -> Result<Verification, ApiError> {
        self.evaluate(Function::Verify, &CertificateIdRequest { certificate_id: certificate_id.into() }).await
    }

    /// `History`: every change of a certificate, newest first.
    pub async fn history(&self, certificate_id: &str) -> Result<Vec<HistoryEntry>, ApiError> {
        self.evaluate(Function::History, &CertificateIdRequest { certificate_id: certificate_id.into() }).await
    }

    /// `ListByStatus` (certifier, admin, auditor): one page of the certificates in `status`;
    /// `page_size` 0 means 100, `bookmark` is empty for the first page.
    pub async fn queue(
        &self,
        status: CertificateStatus,
        page_size: u32,
        bookmark: &str,
    ) -> Result<CertificatePage, ApiError> {
        self.evaluate(Function::ListByStatus, &ListByStatusRequest { status, page_size, bookmark: bookmark.into() })
            .await
    }

    /// `ListByApplicant`: one page of a manufacturer's certificates (the caller's organisation
    /// when `msp_id` is `None`); paging as in [`NanoTrace::queue`].
    pub async fn mine(
        &self,
        msp_id: Option<String>,
        page_size: u32,
        bookmark: &str,
    ) -> Result<CertificatePage, ApiError> {
        self.evaluate(
            Function::ListByApplicant,
            &ListByApplicantRequest { msp_id, page_size, bookmark: bookmark.into() },
        )
        .await
    }

    /// `ListByProduct`: the certificates of a GTIN, of one batch when `batch` is given.
    pub async fn by_product(&self, gtin: &str, batch: Option<&str>) -> Result<Vec<Certificate>, ApiError> {
        self.evaluate(
            Function::ListByProduct,
            &ListByProductRequest { gtin: gtin.into(), batch: batch.map(str::to_owned) },
        )
        .await
    }

    /// `IssuerKeys`: the whole issuer trust list, retired keys included.
    pub async fn issuer_keys(&self) -> Result<Vec<IssuerKey>, ApiError> {
        self.evaluate(Function::IssuerKeys, &EmptyRequest {}).await
    }

    /// `Organizations`: every registered organisation with its name and kind.
    pub async fn organizations(&self) -> Result<Vec<Organization>, ApiError> {
        self.evaluate(Function::Organizations, &EmptyRequest {}).await
    }

    /// `WhoAmI`: the caller's identity, NodeOU, roles and organisation.
    pub async fn who_am_i(&self) -> Result<WhoAmI, ApiError> {
        self.evaluate(Function::WhoAmI, &EmptyRequest {}).await
    }
}

/// The record a renewal of `cert` issues and its certifier signs: the next version,
/// which supersedes `cert` (`None` when it cannot be renewed again).
pub fn renewal_of(cert: &Certificate) -> Option<Certificate> {
    let mut next = cert.clone();
    let (version, id) = next.next_version()?;
    next.supersedes = Some(std::mem::replace(&mut next.id, id));
    next.version = version;
    Some(next)
}

/// The signed approval of `cert` (as read) by `signer` for `issuer_org`, valid from
/// `now` for `validity_days` (default: the validity the application requested).
pub fn approval_of(
    cert: &Certificate,
    signer: &IssuerSigner,
    issuer_org: &str,
    now: i64,
    validity_days: Option<u32>,
) -> ApproveRequest {
    signed_approval(cert, signer, issuer_org, now, validity_days, None)
}

/// [`approval_of`], its signature binding status-list position `status_position` when
/// given.
fn signed_approval(
    cert: &Certificate,
    signer: &IssuerSigner,
    issuer_org: &str,
    now: i64,
    validity_days: Option<u32>,
    status_position: Option<u32>,
) -> ApproveRequest {
    let days = validity_days.unwrap_or(cert.application.requested_validity_days);
    let valid_until = now + i64::from(days) * DAY;
    ApproveRequest {
        certificate_id: cert.id.clone(),
        issuer_key_id: signer.key_id.clone(),
        issued_at: now,
        valid_until,
        signature: signer.sign_issuance_at(cert, issuer_org, now, valid_until, status_position),
        credential: None,
    }
}

/// Who signs approvals and renewals, and for how long they are valid.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalSigning<'a> {
    /// The certifier's issuer key.
    pub signer: &'a IssuerSigner,
    /// The certifier's organisation, which issues.
    pub issuer_org: &'a str,
    /// Days of validity (default: what the application requested).
    pub validity_days: Option<u32>,
}

/// [`approval_of`] carrying the credential of `cert` as transaction `tx_id` issues it at
/// status-list position `position`, named under `terms`, made at `now`; the approval's
/// signature binds that position.
pub fn approval_with_credential(
    cert: &Certificate,
    signing: &ApprovalSigning<'_>,
    now: i64,
    terms: &CredentialTerms,
    tx_id: &str,
    position: u32,
) -> Result<ApproveRequest, ApiError> {
    let ApprovalSigning { signer, issuer_org, validity_days } = *signing;
    let mut req = signed_approval(cert, signer, issuer_org, now, validity_days, Some(position));
    let issuance_terms = IssuanceTerms {
        issuer_org,
        issuer_key_id: &signer.key_id,
        issued_at: req.issued_at,
        valid_until: req.valid_until,
        status_position: Some(position),
    };
    req.credential =
        Some(signed_credential(cert, &issuance_terms, req.signature.clone(), signer, terms, tx_id, position)?);
    Ok(req)
}

/// The credential of `cert` as issued on `issuance_terms` (signed `signature`) by
/// transaction `tx_id` at status-list position `position`, signed with `signer`'s key at
/// the issuance's start, named under `terms`.
fn signed_credential(
    cert: &Certificate,
    issuance_terms: &IssuanceTerms<'_>,
    signature: String,
    signer: &IssuerSigner,
    terms: &CredentialTerms,
    tx_id: &str,
    position: u32,
) -> Result<IssuedCredential, ApiError> {
    let issuance = credential::issuance_of(cert, issuance_terms, signature, tx_id);
    let issued = credential::as_issued(cert, issuance, position);
    credential::issued(&issued, &signer.key, &terms.issuer_name, &terms.status_base, issuance_terms.issued_at)
        .map_err(|e| ApiError::Request(format!("cannot sign the credential of {}: {e}", cert.id)))
}

/// Whether `cert` is already in force as approved by `signer` for `issuer_org`: `ACTIVE`,
/// issued by that organisation with that key, and the record as it stands is the one
/// that was signed (its canonical digest is the issuance's). Approving it again would
/// be refused (`INVALID_TRANSITION`); a batch re-run reports it as a repeat instead.
pub fn approved_by(cert: &Certificate, signer: &IssuerSigner, issuer_org: &str) -> bool {
    let Some(issuance) = cert.issuance.as_ref() else { return false };
    if cert.status != CertificateStatus::Active
        || issuance.issuer_org != issuer_org
        || issuance.issuer_key_id != signer.key_id
    {
        return false;
    }
    let terms = IssuanceTerms {
        issuer_org,
        issuer_key_id: &signer.key_id,
        issued_at: issuance.issued_at,
        valid_until: issuance.valid_until,
        status_position: issuance.status_position,
    };
    CanonicalCertificate::for_certificate(cert, &terms).digest_hex() == issuance.digest
}
