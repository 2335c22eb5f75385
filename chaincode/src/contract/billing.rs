//! Paid certification: a certification body's fee schedules for a manufacturer and its
//! quotes for that manufacturer's applications, kept in the two organisations' billing
//! collection (private data: only hashes on the channel; docs/PRIVATE-DATA.md). The
//! requests that write come in the proposal's transient data, never as arguments, and no
//! event is set: events are public.
//!
//! Keys in a pair's collection: `fee-schedules` → [`FeeSchedules`]; `quote~<certificate>`
//! (composite) → [`Quote`].
//!
//! **Answers.** A write answers only a [`PrivateReceipt`]: a chaincode's response is in
//! the endorsed transaction, which every peer of the channel keeps in its block. Its full
//! answer ([`PrivateAnswer`]) is kept in the same transaction under `answer~<tx>` in the
//! collection the receipt names, and read with `PrivateAnswer`.

use super::*;
use nanotrace_model::billing::{
    AnswerHolder, BillingPair, FeeScheduleVersion, FeeSchedules, PrivateAnswer, PrivateReceipt, Quote, QuoteAcceptance,
};
use nanotrace_shim::implicit_collection;
use sha2::{Digest, Sha256};

/// The key of a pair's fee schedules in its collection.
const FEE_SCHEDULES: &str = "fee-schedules";
/// The composite-key object type of the mark that an application's decision waits for
/// its payment (written with a quote that says so).
const PAYMENT_REQUIRED: &str = "payment-required";
/// The composite-key object type of the mark that an application's invoice is paid in
/// full (written by the statement import that settles it, deleted by its credit note).
const SETTLED: &str = "settled";
/// The value of both marks. It is the same for every application, so its hash, which
/// every peer of the channel holds, tells nothing but that the mark is there.
const MARK: &[u8] = b"1";
/// The composite-key object type of a quote in its collection.
pub(super) const QUOTE: &str = "quote";
/// The composite-key object type of a billing write's answer, by transaction, in the
/// collection its receipt names.
const ANSWER: &str = "answer";

impl Tx<'_> {
    /// `SetFeeSchedule`: the caller, a certifier of a certification body, sets its fees for
    /// a registered manufacturer, in force from the schedule's date (never before this
    /// transaction) or from now.
    pub(super) fn set_fee_schedule(&mut self, req: SetFeeScheduleRequest) -> ContractResult<PrivateReceipt> {
        self.require_role(Role::Certifier, "SetFeeSchedule")?;
        self.require_registered_manufacturer(&req.manufacturer_msp, "SetFeeSchedule")?;
        req.schedule
            .totals()
            .map_err(|e| ValidationError::new("schedule.fees", format!("not a valid list of fees: {e}")))?;
        let effective_from = match req.schedule.effective_from {
            None => self.now,
            Some(at) if at >= self.now => at,
            Some(at) => {
                return Err(ValidationError::new(
                    "schedule.effective_from",
                    format!("{at} is before this transaction ({}): a schedule cannot change the past", self.now),
                )
                .into())
            }
        };
        let pair = BillingPair::new(&self.caller.msp_id, &req.manufacturer_msp);
        let collection = pair.collection();
        let mut schedules: FeeSchedules = self.read_private(&collection, FEE_SCHEDULES)?.unwrap_or_default();
        let version = FeeScheduleVersion {
            schedule: req.schedule,
            effective_from,
            set_by: self.actor(),
            set_at: self.now,
            tx_id: self.tx_id.clone(),
        };
        schedules.set(version.clone());
        self.write_private(&collection, FEE_SCHEDULES, &schedules)?;
        self.answer(AnswerHolder::pair(&pair), PrivateAnswer::FeeSchedule(version))
    }

    /// `FeeSchedules`: every version of a body's schedule for a manufacturer, for a member
    /// of either.
    pub(super) fn fee_schedules(&mut self, req: BillingPairRequest) -> ContractResult<FeeSchedules> {
        let pair = BillingPair::new(&req.body_msp, &req.manufacturer_msp);
        self.require_billing_party(&pair, "FeeSchedules")?;
        Ok(self.read_private(&pair.collection(), FEE_SCHEDULES)?.unwrap_or_default())
    }

    /// `IssueQuote`: the caller's certification body quotes a PENDING application from
    /// its schedule for the applicant in force when the application was filed; once per
    /// body and application.
    pub(super) fn issue_quote(&mut self, req: IssueQuoteRequest) -> ContractResult<PrivateReceipt> {
        self.require_role(Role::Certifier, "IssueQuote")?;
        let cert = self.load_cert(&req.certificate_id)?;
        self.require_independent_certifier(&cert, "IssueQuote")?;
        require_status(&cert, &[CertificateStatus::Pending], "IssueQuote", "PENDING")?;
        let pair = BillingPair::new(&self.caller.msp_id, &cert.manufacturer_msp);
        let collection = pair.collection();
        let key = create_composite_key(QUOTE, &[&cert.id])?;
        if self.read_private::<Quote>(&collection, &key)?.is_some() {
            return Err(ContractError::AlreadyExists {
                kind: "quote",
                id: format!("of {} for {}", pair.body, cert.id),
            });
        }
        let schedules: FeeSchedules = self.read_private(&collection, FEE_SCHEDULES)?.unwrap_or_default();
        let Some(version) = schedules.in_force_at(cert.applied_at) else {
            return Err(ContractError::NotFound {
                kind: "fee schedule",
                id: format!(
                    "of {} for {} in force when {} was filed ({})",
                    pair.body, pair.manufacturer, cert.id, cert.applied_at
                ),
            });
        };
        let schedule = &version.schedule;
        let totals = schedule
            .totals()
            .map_err(|e| ContractError::Corrupt(format!("the stored fee schedule does not add up: {e}")))?;
        let quote = Quote {
            certificate_id: cert.id.clone(),
            body_msp: pair.body.clone(),
            manufacturer_msp: pair.manufacturer.clone(),
            currency: schedule.currency.clone(),
            fees: schedule.fees.clone(),
            totals,
            payment_before_decision: schedule.payment_before_decision,
            schedule_effective_from: version.effective_from,
            issued_by: self.actor(),
            issued_at: self.now,
            tx_id: self.tx_id.clone(),
            accepted: None,
        };
        self.write_private(&collection, &key, &quote)?;
        if quote.payment_before_decision {
            let mark = create_composite_key(PAYMENT_REQUIRED, &[&cert.id])?;
            self.stub.put_private_data(&collection, &mark, MARK)?;
        }
        self.answer(AnswerHolder::pair(&pair), PrivateAnswer::Quote(quote))
    }

    /// Refuses to decide on `cert` for the caller's body while the body's quote for it
    /// requires payment first and its invoice is not paid in full.
    ///
    /// It reads no private value, only hashes: the other peers that endorse an approval
    /// (the chaincode policy) hold the pair's hashes but not its values. The two marks are
    /// written with a constant value by the quote and by the statement import that settles
    /// the invoice, so comparing the settled mark's hash with the constant's is the check.
    pub(super) fn require_payment_if_required(&mut self, cert: &Certificate, action: &str) -> ContractResult<()> {
        let pair = BillingPair::new(&self.caller.msp_id, &cert.manufacturer_msp);
        let collection = pair.collection();
        let required = create_composite_key(PAYMENT_REQUIRED, &[&cert.id])?;
        match self.stub.get_private_data_hash(&collection, &required) {
            Ok(Some(_)) => {}
            Ok(None) => return Ok(()),
            // No billing collection between the two (a chaincode defined without them):
            // nothing can have been quoted.
            Err(StubError::UnknownCollection(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let settled = create_composite_key(SETTLED, &[&cert.id])?;
        let mark_hash: [u8; 32] = Sha256::digest(MARK).into();
        if self.stub.get_private_data_hash(&collection, &settled)?.as_deref() == Some(&mark_hash[..]) {
            return Ok(());
        }
        Err(ContractError::Conflict(format!(
            "{action}: {} decides on {} only once its quote is paid, and its invoice is not paid in full: \
             the body's finance imports the bank statement that pays it (ImportStatement) first",
            pair.body, cert.id
        )))
    }

    /// Marks `certificate_id`'s invoice between `pair` as paid in full, or takes the mark
    /// away (its credit note).
    pub(super) fn mark_settled(
        &mut self,
        pair: &BillingPair,
        certificate_id: &str,
        settled: bool,
    ) -> ContractResult<()> {
        let key = create_composite_key(SETTLED, &[certificate_id])?;
        if settled {
            Ok(self.stub.put_private_data(&pair.collection(), &key, MARK)?)
        } else {
            Ok(self.stub.del_private_data(&pair.collection(), &key)?)
        }
    }

    /// `AcceptQuote`: a member of the applicant accepts a body's quote, once.
    pub(super) fn accept_quote(&mut self, req: QuoteRequest) -> ContractResult<PrivateReceipt> {
        let cert = self.load_cert(&req.certificate_id)?;
        self.require_manufacturer_member(&cert.manufacturer_msp, "AcceptQuote")?;
        self.require_not_retired("AcceptQuote")?;
        let (collection, key, mut quote) = self.stored_quote(&req, &cert.manufacturer_msp)?;
        if let Some(accepted) = &quote.accepted {
            return Err(ContractError::Conflict(format!(
                "the quote of {} for {} was accepted at {} by {}",
                quote.body_msp, quote.certificate_id, accepted.at, accepted.by
            )));
        }
        quote.accepted = Some(QuoteAcceptance { by: self.actor(), at: self.now, tx_id: self.tx_id.clone() });
        self.write_private(&collection, &key, &quote)?;
        let pair = BillingPair::new(&quote.body_msp, &quote.manufacturer_msp);
        self.answer(AnswerHolder::pair(&pair), PrivateAnswer::Quote(quote))
    }

    /// `GetQuote`: a body's quote for an application, for a member of either party.
    pub(super) fn get_quote(&mut self, req: QuoteRequest) -> ContractResult<Quote> {
        let cert = self.load_cert(&req.certificate_id)?;
        let pair = BillingPair::new(&req.body_msp, &cert.manufacturer_msp);
        self.require_billing_party(&pair, "GetQuote")?;
        Ok(self.stored_quote(&req, &cert.manufacturer_msp)?.2)
    }

    /// Keeps `answer`, this transaction's, under `answer~<tx>` in the collection `kept_in`
    /// names, and returns the receipt that says so: all a billing write answers.
    pub(super) fn answer(&mut self, kept_in: AnswerHolder, answer: PrivateAnswer) -> ContractResult<PrivateReceipt> {
        let key = create_composite_key(ANSWER, &[&self.tx_id])?;
        self.write_private(&holder_collection(&kept_in), &key, &answer)?;
        Ok(PrivateReceipt { tx_id: self.tx_id.clone(), kept_in })
    }

    /// `PrivateAnswer`: the answer kept for a billing write. A pair's answers are either
    /// party's to read; a body's books are its finance's.
    pub(super) fn private_answer(&mut self, req: PrivateReceipt) -> ContractResult<PrivateAnswer> {
        validate::text("tx_id", &req.tx_id, 200, true)?;
        match &req.kept_in {
            AnswerHolder::Pair { body_msp, manufacturer_msp } => {
                self.require_billing_party(&BillingPair::new(body_msp, manufacturer_msp), "PrivateAnswer")?;
            }
            AnswerHolder::Books { body_msp } => {
                if self.caller.msp_id != *body_msp {
                    return Err(ContractError::unauthorized(
                        Reason::BooksMember,
                        format!(
                            "PrivateAnswer: {body_msp}'s books are its own; {} is not its member",
                            self.caller_name()
                        ),
                    ));
                }
                self.require_role(Role::Finance, "PrivateAnswer")?;
            }
        }
        let key = create_composite_key(ANSWER, &[&req.tx_id])?;
        match self.read_private(&holder_collection(&req.kept_in), &key)? {
            Some(answer) => Ok(answer),
            None => Err(ContractError::NotFound {
                kind: "billing answer",
                id: format!(
                    "of transaction {} (a billing write's transaction, kept where its receipt says)",
                    req.tx_id
                ),
            }),
        }
    }

    /// The quote `req` names, with its collection and key.
    fn stored_quote(&mut self, req: &QuoteRequest, manufacturer_msp: &str) -> ContractResult<(String, String, Quote)> {
        let collection = BillingPair::new(&req.body_msp, manufacturer_msp).collection();
        let key = create_composite_key(QUOTE, &[&req.certificate_id])?;
        match self.read_private(&collection, &key)? {
            Some(quote) => Ok((collection, key, quote)),
            None => Err(ContractError::NotFound {
                kind: "quote",
                id: format!("of {} for {}", req.body_msp, req.certificate_id),
            }),
        }
    }

    /// The caller is a member of one of `pair`'s two organisations.
    pub(super) fn require_billing_party(&self, pair: &BillingPair, action: &str) -> ContractResult<()> {
        let msp_id = &self.caller.msp_id;
        if *msp_id == pair.body || *msp_id == pair.manufacturer {
            return Ok(());
        }
        Err(ContractError::unauthorized(
            Reason::BillingParty,
            format!(
                "{action}: what {} charges {} is theirs alone; {} is a member of neither",
                pair.body,
                pair.manufacturer,
                self.caller_name()
            ),
        ))
    }

    /// `msp_id` is a registered manufacturer.
    fn require_registered_manufacturer(&mut self, msp_id: &str, action: &str) -> ContractResult<()> {
        match self.organization(msp_id)? {
            Some(org) if org.kind == OrgKind::Manufacturer => Ok(()),
            _ => Err(ContractError::unauthorized(
                Reason::ManufacturerRegistered,
                format!("{action}: {msp_id} is not a registered manufacturer"),
            )),
        }
    }

    pub(super) fn read_private<T: DeserializeOwned>(
        &mut self,
        collection: &str,
        key: &str,
    ) -> ContractResult<Option<T>> {
        let bytes = self.stub.get_private_data(collection, key)?;
        bytes.map(|bytes| tx::decode(&bytes, key)).transpose()
    }

    pub(super) fn write_private<T: Serialize>(&mut self, collection: &str, key: &str, value: &T) -> ContractResult<()> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| ContractError::Corrupt(format!("cannot encode private record {key:?}: {e}")))?;
        Ok(self.stub.put_private_data(collection, key, &bytes)?)
    }
}

/// The collection `holder` names.
fn holder_collection(holder: &AnswerHolder) -> String {
    match holder {
        AnswerHolder::Pair { body_msp, manufacturer_msp } => BillingPair::new(body_msp, manufacturer_msp).collection(),
        AnswerHolder::Books { body_msp } => implicit_collection(body_msp),
    }
}

/// A private function's request: in the proposal's transient data under
/// [`PRIVATE_REQUEST`](nanotrace_model::billing::PRIVATE_REQUEST), with no argument.
pub(super) fn private_request(stub: &dyn Stub, args: &[Vec<u8>], function: Function) -> ContractResult<Vec<u8>> {
    if !args.is_empty() {
        return Err(ContractError::BadRequest(format!(
            "{} takes its request in transient data under {:?}, never as an argument (arguments are kept in the \
             block by every peer); got {} argument(s)",
            function.name(),
            nanotrace_model::billing::PRIVATE_REQUEST,
            args.len()
        )));
    }
    match stub.transient().get(nanotrace_model::billing::PRIVATE_REQUEST) {
        Some(request) if request.len() > limits::MAX_ARGUMENT_BYTES => Err(ContractError::BadRequest(format!(
            "the request is {} bytes; the limit is {} bytes",
            request.len(),
            limits::MAX_ARGUMENT_BYTES
        ))),
        Some(request) => Ok(request.clone()),
        None => Err(ContractError::BadRequest(format!(
            "{} needs its request in transient data under {:?}",
            function.name(),
            nanotrace_model::billing::PRIVATE_REQUEST
        ))),
    }
}
