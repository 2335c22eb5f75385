//! Issuance: approvals and renewals, the certifier's signature over the canonical
//! bytes, issuance terms, and the key-level endorsement policy an issued certificate gets.

use super::credential::IssuerNames;
use super::*;
use std::collections::BTreeMap;

/// One Ed25519 check an approval needs: the certifier's key, the signed message and the
/// signature, and what to say if it does not verify.
pub(super) struct PendingSignature {
    key: VerifyingKey,
    message: Vec<u8>,
    signature: Signature,
    /// The `BAD_SIGNATURE` message for this approval.
    failure: String,
}

impl PendingSignature {
    /// The check of `signature` (64 bytes) by `key` over `message`; `failure` is the
    /// `BAD_SIGNATURE` message if it does not verify.
    pub(super) fn new(key: VerifyingKey, message: Vec<u8>, signature: [u8; 64], failure: String) -> Self {
        PendingSignature { key, message, signature: Signature::from_bytes(&signature), failure }
    }

    /// Checks it now: `BAD_SIGNATURE` with its message if it does not verify.
    pub(super) fn require(&self) -> ContractResult<()> {
        if self.check() {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn check(&self) -> bool {
        self.key.verify_strict(&self.message, &self.signature).is_ok()
    }

    fn error(&self) -> ContractError {
        ContractError::BadSignature(self.failure.clone())
    }
}

/// Below this many signatures, [`first_bad_signature`] checks them on one thread.
const MIN_SIGNATURES_PER_THREAD: usize = 32;
/// At most this many threads check the signatures of one batch.
const MAX_SIGNATURE_THREADS: usize = 4;

/// The position of the first signature that `verify_strict` refuses, if any.
///
/// Every signature is checked with `verify_strict` on its own (so exactly the signatures
/// `verify_strict` accepts pass: weak keys, small-order `R`, non-canonical `R` or `s`
/// are refused); a large batch is split into contiguous chunks checked on up to
/// [`MAX_SIGNATURE_THREADS`] threads. Each check is a pure function of its inputs and the
/// answer is the lowest failing position whatever the threads' timing, so the result is
/// the same as checking them one by one in order.
pub(super) fn first_bad_signature(pending: &[PendingSignature]) -> Option<usize> {
    let first_bad = |chunk: &[PendingSignature]| chunk.iter().position(|p| !p.check());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.min(MAX_SIGNATURE_THREADS).min(pending.len() / MIN_SIGNATURES_PER_THREAD).max(1);
    if threads == 1 {
        return first_bad(pending);
    }
    let chunk = pending.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = pending.chunks(chunk).map(|c| scope.spawn(move || first_bad(c))).collect();
        // Join them all (a scope joins every thread anyway), then take the first chunk
        // with a failure: its position plus the chunk's start.
        let results: Vec<Option<usize>> =
            handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect();
        results.into_iter().enumerate().find_map(|(i, bad)| bad.map(|at| i * chunk + at))
    })
}

/// Below this many approvals, their signatures are checked on the calling thread after
/// the loop; from here on, worker threads check them while the loop goes on.
const MIN_PIPELINED_SIGNATURES: usize = 64;

/// The Ed25519 checks of one `Approve`/`ApproveBatch`, in approval order, each pushed
/// with the approval (item) it belongs to (an approval with its credential has three).
///
/// For a large batch, up to [`MAX_SIGNATURE_THREADS`] worker threads (one fewer than the
/// cores, at least one) take the checks from a queue as the approvals are checked and
/// stored, so the signatures are verified while the contract does the rest; otherwise
/// they are gathered and checked by [`first_bad_signature`] at the end. The calling
/// thread, once it has pushed every check, checks the rest of the queue beside the
/// workers ([`SignatureChecks::finish`]). Either way
/// [`SignatureChecks::finish`] answers the first pushed signature (in push order) that
/// `verify_strict` refuses, with its item: every pushed signature is checked, each check
/// is a pure function, and the lowest failing position wins, whatever the threads' timing.
enum SignatureChecks<'scope> {
    Inline {
        pending: Vec<PendingSignature>,
        items: Vec<usize>,
    },
    Pipelined {
        queue: Option<std::sync::mpsc::Sender<(usize, usize, PendingSignature)>>,
        /// The workers' end of the queue, which [`SignatureChecks::finish`] drains too.
        receiver: SharedReceiver,
        workers: Vec<std::thread::ScopedJoinHandle<'scope, Option<(usize, usize, String)>>>,
        pushed: usize,
    },
}

/// The queue of pushed checks (position, item, check), shared by whoever checks them.
type SharedReceiver = std::sync::Arc<std::sync::Mutex<std::sync::mpsc::Receiver<(usize, usize, PendingSignature)>>>;

/// Takes checks from `receiver` and checks them until the queue is closed and empty:
/// the first failing one met (position, item, message). The queue is FIFO, so that is
/// the lowest position this thread was given; it keeps draining so the sender never
/// blocks and every check is made.
fn drain(receiver: &SharedReceiver) -> Option<(usize, usize, String)> {
    let mut first_bad = None;
    loop {
        let next = match receiver.lock() {
            Ok(guard) => guard.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok((index, item, pending)) = next else { break };
        if first_bad.is_none() && !pending.check() {
            first_bad = Some((index, item, pending.failure));
        }
    }
    first_bad
}

impl<'scope> SignatureChecks<'scope> {
    fn new<'env>(scope: &'scope std::thread::Scope<'scope, 'env>, count: usize) -> Self {
        if count < MIN_PIPELINED_SIGNATURES {
            return SignatureChecks::Inline { pending: Vec::with_capacity(count), items: Vec::with_capacity(count) };
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let threads = cores.saturating_sub(1).clamp(1, MAX_SIGNATURE_THREADS);
        let (queue, receiver) = std::sync::mpsc::channel::<(usize, usize, PendingSignature)>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        let workers = (0..threads)
            .map(|_| {
                let receiver = std::sync::Arc::clone(&receiver);
                scope.spawn(move || drain(&receiver))
            })
            .collect();
        SignatureChecks::Pipelined { queue: Some(queue), receiver, workers, pushed: 0 }
    }

    /// Adds the check `pending` of item `item` (items pushed in order).
    fn push(&mut self, item: usize, pending: PendingSignature) {
        match self {
            SignatureChecks::Inline { pending: list, items } => {
                list.push(pending);
                items.push(item);
            }
            SignatureChecks::Pipelined { queue, pushed, .. } => {
                let index = *pushed;
                *pushed += 1;
                // Workers run until the queue is closed, so sending fails only if they
                // have all panicked; `finish` joins them and re-raises the panic, so no
                // signature is ever taken as checked.
                if let Some(queue) = queue {
                    if queue.send((index, item, pending)).is_err() {
                        debug_assert!(false, "every signature worker has stopped");
                    }
                }
            }
        }
    }

    /// Waits for every pushed check; the first failing one (its item and error).
    fn finish(&mut self) -> Option<(usize, ContractError)> {
        match self {
            SignatureChecks::Inline { pending, items } => {
                first_bad_signature(pending).map(|bad| (items[bad], pending[bad].error()))
            }
            SignatureChecks::Pipelined { queue, receiver, workers, .. } => {
                drop(queue.take());
                // The calling thread, done with the approvals, checks what is left beside
                // the workers instead of waiting for them.
                let own = drain(receiver);
                workers
                    .drain(..)
                    .filter_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                    .chain(own)
                    .min_by_key(|(index, _, _)| *index)
                    .map(|(_, item, failure)| (item, ContractError::BadSignature(failure)))
            }
        }
    }
}

/// Issuer keys already read (and decoded, once checked) in this transaction, by key ID:
/// a batch signed with one key reads and decompresses it once.
#[derive(Default)]
pub(super) struct IssuerKeyCache {
    records: BTreeMap<String, IssuerKey>,
    decoded: BTreeMap<String, VerifyingKey>,
}

/// The Ed25519 public key of a stored issuer key record.
fn decode_issuer_key(key_id: &str, record: &IssuerKey) -> ContractResult<VerifyingKey> {
    let public = validate::hex_bytes("public_key", &record.public_key, 32)
        .map_err(|e| ContractError::Corrupt(format!("issuer key {key_id}: {e}")))?;
    let mut pk = [0u8; 32];
    pk.copy_from_slice(&public);
    VerifyingKey::from_bytes(&pk)
        .map_err(|_| ContractError::Corrupt(format!("issuer key {key_id} is not a valid Ed25519 key")))
}

impl Tx<'_> {
    /// Checks an issuer key and the signature over `canonical`.
    pub(super) fn check_signature(
        &mut self,
        key_id: &str,
        signature_hex: &str,
        canonical: &CanonicalCertificate,
        at: i64,
    ) -> ContractResult<String> {
        let (digest, pending) =
            self.issuer_signature(&mut IssuerKeyCache::default(), key_id, signature_hex, canonical, at)?;
        if !pending.check() {
            return Err(pending.error());
        }
        Ok(digest)
    }

    /// The public key of the trust list's issuer key `key_id` (from `keys`, or read into
    /// it), which the caller must hold and which must be usable at `at`.
    pub(super) fn held_issuer_key(
        &mut self,
        keys: &mut IssuerKeyCache,
        key_id: &str,
        at: i64,
    ) -> ContractResult<VerifyingKey> {
        validate::text("issuer_key_id", key_id, limits::MAX_NAME, true)?;
        let record = match keys.records.get(key_id) {
            Some(record) => record,
            None => {
                let key = create_composite_key(ISSUER_KEY, &[key_id])?;
                let record: IssuerKey = self
                    .read(&key)?
                    .ok_or_else(|| ContractError::NotFound { kind: "issuer key", id: key_id.to_owned() })?;
                keys.records.entry(key_id.to_owned()).or_insert(record)
            }
        };
        if record.holder != self.actor() {
            return Err(ContractError::unauthorized(
                Reason::IssuerKeyHolder,
                format!("issuer key {key_id} belongs to {}, not to {}", record.holder, self.caller_name()),
            ));
        }
        if let Some(retired) = record.retired_at {
            return Err(ContractError::BadSignature(format!("issuer key {key_id} was retired at {retired}")));
        }
        if !record.usable_at(at) {
            return Err(ContractError::BadSignature(format!(
                "issuer key {key_id} is valid from {} to {}, not at {at}",
                record.valid_from, record.valid_until
            )));
        }
        match keys.decoded.get(key_id) {
            Some(verifying) => Ok(*verifying),
            None => {
                let verifying = decode_issuer_key(key_id, record)?;
                keys.decoded.insert(key_id.to_owned(), verifying);
                Ok(verifying)
            }
        }
    }

    /// Checks an issuer key (from `keys`, or read into it) for a signature over
    /// `canonical` made at `at`, and decodes the signature; returns the canonical digest
    /// and the Ed25519 check still to be done.
    pub(super) fn issuer_signature(
        &mut self,
        keys: &mut IssuerKeyCache,
        key_id: &str,
        signature_hex: &str,
        canonical: &CanonicalCertificate,
        at: i64,
    ) -> ContractResult<(String, PendingSignature)> {
        let verifying = self.held_issuer_key(keys, key_id, at)?;
        let sig_bytes = validate::hex_bytes("signature", signature_hex, 64)?;
        let mut sig = [0u8; 64];
        sig.copy_from_slice(&sig_bytes);
        let signature = Signature::from_bytes(&sig);
        let digest = canonical.digest_hex();
        let pending = PendingSignature {
            key: verifying,
            message: canonical.signing_input_with(&digest),
            signature,
            failure: format!(
                "the signature does not match the certificate's canonical bytes (digest {digest}) under issuer key {key_id}"
            ),
        };
        Ok((digest, pending))
    }

    /// Validates issuance terms against the transaction time and the requested validity.
    pub(super) fn check_terms(&self, issued_at: i64, valid_until: i64, requested_days: u32) -> ContractResult<()> {
        if issued_at.abs_diff(self.now) > MAX_CLOCK_SKEW_SECS.unsigned_abs() {
            return Err(ValidationError::new(
                "issued_at",
                format!("{issued_at} is more than {MAX_CLOCK_SKEW_SECS} s from the transaction time {}", self.now),
            )
            .into());
        }
        if valid_until <= issued_at {
            return Err(ValidationError::new("valid_until", "must be after issued_at").into());
        }
        let max = issued_at + i64::from(requested_days) * DAY;
        if valid_until > max {
            return Err(ValidationError::new(
                "valid_until",
                format!("{valid_until} exceeds the requested validity of {requested_days} days (until {max})"),
            )
            .into());
        }
        Ok(())
    }

    pub(super) fn approve(&mut self, approvals: Vec<ApproveRequest>, batch: bool) -> ContractResult<IdsResponse> {
        let action = if batch { "ApproveBatch" } else { "Approve" };
        self.require_role(Role::Certifier, action)?;
        if approvals.is_empty() || approvals.len() > limits::MAX_BATCH {
            return Err(ValidationError::new(
                "approvals",
                format!("must hold 1 to {} approvals, got {}", limits::MAX_BATCH, approvals.len()),
            )
            .into());
        }
        // The Ed25519 checks are taken out of the loop (see `SignatureChecks`: for a large
        // batch, worker threads check them while this thread goes on), but the error is
        // the one checking each approval in order would meet first: before any other
        // error of approval `i`, the signatures of approvals `0..=i` that were reached
        // are all checked, and the first bad one among them wins.
        let wrap = |index: usize, e: ContractError| if batch { e.in_item("approvals", index) } else { e };
        let count = approvals.len();
        // Every approval issues a certificate that has no position yet: the batch's
        // positions are reserved together (one key per range, not one per certificate).
        self.reserve_positions(count)?;
        self.prefetch_certs(approvals.iter().map(|a| a.certificate_id.as_str()))?;
        let ids = std::thread::scope(|scope| {
            let mut checks = SignatureChecks::new(scope, count);
            let mut seen = std::collections::BTreeSet::new();
            let mut ids = Vec::with_capacity(count);
            let mut keys = IssuerKeyCache::default();
            let mut issuers = IssuerNames::default();
            for (index, mut req) in approvals.into_iter().enumerate() {
                let credential = req.credential.take();
                let step = if seen.insert(req.certificate_id.clone()) {
                    self.approve_one(req, action, credential.as_ref(), &mut keys).and_then(|(mut cert, signature)| {
                        checks.push(index, signature);
                        if let Some(sent) = credential {
                            checks.push(index, self.issued_credential(&mut cert, sent, &mut issuers, &mut keys)?);
                        }
                        self.store_approved(cert)
                    })
                } else {
                    Err(ValidationError::new("certificate_id", format!("{} appears twice", req.certificate_id)).into())
                };
                match step {
                    Ok(id) => ids.push(id),
                    Err(e) => {
                        return Err(match checks.finish() {
                            Some((bad, signature_error)) => wrap(bad, signature_error),
                            None => wrap(index, e),
                        })
                    }
                }
            }
            match checks.finish() {
                Some((bad, e)) => Err(wrap(bad, e)),
                None => Ok(ids),
            }
        })?;
        self.emit(events::CERTIFICATE_ISSUED, ids.clone(), Some(CertificateStatus::Active), vec![])?;
        Ok(IdsResponse::new(ids))
    }

    /// Checks one approval and returns the issued certificate (not yet stored), with its
    /// status-list position, and the signature check still to be done: with `credential`,
    /// the signature binds the position ([`Tx::signed_position`]).
    fn approve_one(
        &mut self,
        req: ApproveRequest,
        action: &'static str,
        credential: Option<&IssuedCredential>,
        keys: &mut IssuerKeyCache,
    ) -> ContractResult<(Certificate, PendingSignature)> {
        let mut cert = self.load_cert(&req.certificate_id)?;
        require_status(&cert, &[CertificateStatus::Pending], action, "PENDING")?;
        self.require_independent_certifier(&cert, action)?;
        self.check_terms(req.issued_at, req.valid_until, cert.application.requested_validity_days)?;
        self.assign_status_position(&mut cert)?;
        let position = self.signed_position(&cert, credential)?;
        let (issuance, signature) =
            self.issuance(keys, &cert, req.issuer_key_id, req.signature, req.issued_at, req.valid_until, position)?;
        cert.issuance = Some(issuance);
        cert.status = CertificateStatus::Active;
        cert.status_since = self.now;
        cert.status_reason = None;
        cert.last_change = self.change(Action::Approved, None);
        Ok((cert, signature))
    }

    /// The status-list position an issuance signature of `cert` binds: with the
    /// `credential` the issuing transaction records, the position `cert` has in this
    /// transaction, which the credential must name (CONFLICT `[status.position_taken]`
    /// otherwise, before any signature is checked: another transaction reserved the range
    /// it was signed for, and the client signs again under a new transaction ID); without,
    /// none.
    pub(super) fn signed_position(
        &self,
        cert: &Certificate,
        credential: Option<&IssuedCredential>,
    ) -> ContractResult<Option<u32>> {
        let Some(sent) = credential else { return Ok(None) };
        if cert.status_index != Some(sent.status_index) {
            return Err(ContractError::Conflict(format!(
                "[{}] certificate {} is given status-list position {} in this transaction, not {} as its credential \
                 names: another transaction reserved that position since the credential was signed; sign it again \
                 for the positions StatusPositions answers for a new transaction ID",
                status::POSITION_TAKEN,
                cert.id,
                cert.status_index.map_or_else(|| "none".to_owned(), |p| p.to_string()),
                sent.status_index
            )));
        }
        Ok(Some(sent.status_index))
    }

    /// Gives `cert` its status-list position if it has none: the next position this
    /// transaction reserved ([`Tx::reserve_positions`]; one more if none is left).
    pub(super) fn assign_status_position(&mut self, cert: &mut Certificate) -> ContractResult<()> {
        if cert.status_index.is_some() {
            return Ok(());
        }
        if self.positions.is_empty() {
            self.reserve_positions(1)?;
        }
        cert.status_index = self.positions.pop_front();
        Ok(())
    }

    /// Gives `cert` a new status-list position, retiring the one it had (if any) into
    /// [`Certificate::retired_status_indexes`], whose revocation bits every verifier sets:
    /// a credential or offline token that names the old position then fails a status check.
    pub(super) fn retire_status_position(&mut self, cert: &mut Certificate) -> ContractResult<()> {
        if let Some(old) = cert.status_index.take() {
            if cert.retired_status_indexes.len() >= limits::MAX_RETIRED_POSITIONS {
                return Err(ContractError::Conflict(format!(
                    "certificate {} has retired {} status-list positions, the most one certificate may; renew it",
                    cert.id,
                    cert.retired_status_indexes.len()
                )));
            }
            cert.retired_status_indexes.push(old);
        }
        self.assign_status_position(cert)
    }

    /// Reserves `count` more status-list positions: the ranges of [`status::range_sizes`],
    /// each at the first of its [`status::range_candidate`]s in the open list that no
    /// reservation meets, under its own key.
    pub(super) fn reserve_positions(&mut self, count: usize) -> ContractResult<()> {
        let count = u32::try_from(count).map_err(|_| ContractError::Corrupt(format!("{count} positions")))?;
        for size_bits in status::range_sizes(count) {
            let index = self.reserved.len();
            let start = self.free_range(index, size_bits)?;
            let key = Self::range_key(start, size_bits)?;
            let size = 1u32 << size_bits;
            self.write(&key, &StatusRange { start, size, tx_id: self.tx_id.clone() })?;
            self.reserved.push((start, size));
            self.positions.extend(start..start + size);
        }
        Ok(())
    }

    /// `StatusPositions`: the positions a transaction of ID `tx_id` issuing `count`
    /// certificates would be given on the ledger as it is ([`Tx::reserve_positions`] under
    /// that ID; in a query, so nothing it would write is kept), for a certifier to sign
    /// their credentials before submitting the transaction under that ID.
    pub(super) fn status_positions(&mut self, req: StatusPositionsRequest) -> ContractResult<StatusPositionsResponse> {
        self.require_role(Role::Certifier, "StatusPositions")?;
        if req.tx_id.len() != 64 || !req.tx_id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(ValidationError::new("tx_id", "must be 64 lowercase hex characters (a transaction ID)").into());
        }
        let count = req.count as usize;
        if count == 0 || count > limits::MAX_BATCH {
            return Err(
                ValidationError::new("count", format!("must be 1 to {}, got {count}", limits::MAX_BATCH)).into()
            );
        }
        let own = std::mem::replace(&mut self.tx_id, req.tx_id);
        let reserved = self.reserve_positions(count);
        self.tx_id = own;
        reserved?;
        Ok(StatusPositionsResponse { positions: self.positions.drain(..).take(count).collect() })
    }

    /// The key of the range of `2^size_bits` positions at `start`.
    fn range_key(start: u32, size_bits: u32) -> ContractResult<String> {
        let path = status::range_path(start, size_bits);
        Ok(create_composite_key(STATUS_RANGE, &path.iter().map(String::as_str).collect::<Vec<_>>())?)
    }

    /// The key of list `list`'s full mark.
    fn full_mark_key(list: u32) -> ContractResult<String> {
        Ok(create_composite_key(STATUS_FULL, &[&status::full_mark(list)])?)
    }

    /// The lowest status list without a full mark: read once per transaction, a window
    /// of marks at a time.
    fn open_list(&mut self) -> ContractResult<u32> {
        if let Some(list) = self.open_list {
            return Ok(list);
        }
        const WINDOW: u32 = 16;
        let mut first: u32 = 0;
        let list = loop {
            let lists: Vec<u32> = (first..first.saturating_add(WINDOW).min(status::MAX_LISTS)).collect();
            let Some(&last) = lists.last() else { break status::MAX_LISTS };
            let keys = lists.iter().map(|l| Self::full_mark_key(*l)).collect::<ContractResult<Vec<_>>>()?;
            let marks = self.stub.get_state_multiple(&keys)?;
            if let Some(open) = lists.iter().zip(&marks).find(|(_, mark)| mark.is_none()).map(|(l, _)| *l) {
                break open;
            }
            first = last + 1;
        };
        self.open_list = Some(list);
        Ok(list)
    }

    /// The start of a free range of `2^size_bits` positions for this transaction's
    /// `index`-th range, in the open list: the first candidate that meets no range
    /// reserved (by an earlier transaction: a range around it, one inside it, or positions
    /// taken one by one; or by this one). A list where [`status::ATTEMPTS_PER_LIST`]
    /// candidates all meet one is marked full, and the next list is tried.
    fn free_range(&mut self, index: usize, size_bits: u32) -> ContractResult<u32> {
        let size = 1u32 << size_bits;
        loop {
            let list = self.open_list()?;
            if list >= status::MAX_LISTS {
                return Err(ContractError::Conflict(format!(
                    "no free range of {size} status-list positions: all {} lists are full",
                    status::MAX_LISTS
                )));
            }
            for attempt in 0..status::ATTEMPTS_PER_LIST {
                let start = status::range_candidate(&self.tx_id, index, size_bits, list, attempt);
                if self.range_is_free(start, size_bits)? {
                    return Ok(start);
                }
            }
            self.write(&Self::full_mark_key(list)?, &FullMark { list, tx_id: self.tx_id.clone() })?;
            self.open_list = Some(list + 1);
        }
    }

    /// Whether no reservation meets the range of `2^size_bits` positions at `start`.
    fn range_is_free(&mut self, start: u32, size_bits: u32) -> ContractResult<bool> {
        let end = start + ((1u32 << size_bits) - 1);
        if self.reserved.iter().any(|&(s, n)| s <= end && start <= s + (n - 1)) {
            return Ok(false);
        }
        // The ranges around it: every larger size a transaction reserves.
        let mut keys = Vec::new();
        for bits in size_bits + 1..=status::MAX_RANGE_BITS {
            keys.push(Self::range_key(start & !((1u32 << bits) - 1), bits)?);
        }
        // Positions taken one by one (list 0 only: contract versions before the ranges).
        if status::list_of(start) == 0 {
            for position in start..=end {
                keys.push(create_composite_key(STATUS_POSITION, &[&position.to_string()])?);
            }
        }
        if self.stub.get_state_multiple(&keys)?.iter().any(Option::is_some) {
            return Ok(false);
        }
        // This range itself, or ranges inside it.
        let path = status::range_path(start, size_bits);
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        Ok(self.stub.get_state_by_partial_composite_key(STATUS_RANGE, &path, 1, "")?.entries.is_empty())
    }

    /// Stores an approved certificate and protects its key; returns its ID.
    fn store_approved(&mut self, mut cert: Certificate) -> ContractResult<String> {
        self.assign_status_position(&mut cert)?;
        self.store_cert(&cert, CertificateStatus::Pending)?;
        self.protect(&cert)?;
        Ok(cert.id)
    }

    /// The issuance of `cert` by the caller's organisation on these terms, once the
    /// caller's issuer key and its signature over the canonical bytes check out.
    /// Approvals and renewals both issue through here.
    pub(super) fn signed_issuance(
        &mut self,
        cert: &Certificate,
        issuer_key_id: String,
        signature: String,
        issued_at: i64,
        valid_until: i64,
        status_position: Option<u32>,
    ) -> ContractResult<Issuance> {
        let (issuance, pending) = self.issuance(
            &mut IssuerKeyCache::default(),
            cert,
            issuer_key_id,
            signature,
            issued_at,
            valid_until,
            status_position,
        )?;
        if !pending.check() {
            return Err(pending.error());
        }
        Ok(issuance)
    }

    /// [`Tx::signed_issuance`] with the Ed25519 check left to the caller.
    #[allow(clippy::too_many_arguments)]
    fn issuance(
        &mut self,
        keys: &mut IssuerKeyCache,
        cert: &Certificate,
        issuer_key_id: String,
        signature: String,
        issued_at: i64,
        valid_until: i64,
        status_position: Option<u32>,
    ) -> ContractResult<(Issuance, PendingSignature)> {
        let terms = IssuanceTerms {
            issuer_org: &self.caller.msp_id,
            issuer_key_id: &issuer_key_id,
            issued_at,
            valid_until,
            status_position,
        };
        let canonical = CanonicalCertificate::for_certificate(cert, &terms);
        let (digest, pending) = self.issuer_signature(keys, &issuer_key_id, &signature, &canonical, issued_at)?;
        let issuance = Issuance {
            issuer_org: self.caller.msp_id.clone(),
            issuer_key_id,
            approved_by: self.actor(),
            issued_at,
            valid_until,
            digest,
            signature,
            tx_id: Some(self.tx_id.clone()),
            status_position,
        };
        Ok((issuance, pending))
    }

    /// Key-level endorsement: from issuance on, changes to the certificate need the
    /// issuing organisation's peer.
    /// In the write-once layout both the record and the state are protected: the record
    /// is never written again, and the state holds every change after issuance.
    pub(super) fn protect(&mut self, cert: &Certificate) -> ContractResult<()> {
        if let Some(issuance) = &cert.issuance {
            let Some(policy) = self.own_peer_policy(&issuance.issuer_org)? else { return Ok(()) };
            for key in self.protected_keys(&cert.id)? {
                self.stub.set_state_validation_parameter(&key, &policy)?;
            }
        }
        Ok(())
    }

    pub(super) fn renew(&mut self, req: RenewRequest) -> ContractResult<IdsResponse> {
        let mut old = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Renew")?;
        require_status(&old, &[CertificateStatus::Active], "Renew", "ACTIVE (expired or not)")?;
        self.require_issuing_org(&old, "Renew")?;
        self.check_terms(req.issued_at, req.valid_until, old.application.requested_validity_days)?;
        let (version, new_id) = old.next_version().ok_or_else(|| ContractError::Conflict("version overflow".into()))?;
        if self.stub.get_state(&Self::cert_key(&new_id)?)?.is_some() {
            return Err(ContractError::AlreadyExists { kind: "certificate", id: new_id });
        }
        let mut new = Certificate {
            id: new_id.clone(),
            version,
            supersedes: Some(old.id.clone()),
            superseded_by: None,
            status: CertificateStatus::Active,
            status_reason: None,
            status_since: self.now,
            manufacturer_msp: old.manufacturer_msp.clone(),
            applicant: old.applicant.clone(),
            applied_at: old.applied_at,
            application: old.application.clone(),
            assessment: old.assessment.clone(),
            issuance: None,
            resign_required: false,
            status_index: None,
            credential: None,
            retired_status_indexes: Vec::new(),
            flags: Vec::new(),
            reviewed_sds: None,
            last_change: self.change(Action::Renewed, None),
        };
        self.assign_status_position(&mut new)?;
        let position = self.signed_position(&new, req.credential.as_ref())?;
        new.issuance = Some(self.signed_issuance(
            &new,
            req.issuer_key_id,
            req.signature,
            req.issued_at,
            req.valid_until,
            position,
        )?);
        if let Some(sent) = req.credential {
            self.record_issued_credential(&mut new, sent)?;
        }
        old.status = CertificateStatus::Superseded;
        old.status_since = self.now;
        old.status_reason = Some(format!("renewed as {new_id}"));
        old.superseded_by = Some(new_id.clone());
        old.last_change = self.change(Action::Superseded, Some(format!("renewed as {new_id}")));
        self.store_cert(&old, CertificateStatus::Active)?;
        self.store_record(&new)?;
        self.store_cert(&new, CertificateStatus::Active)?;
        self.index_new_cert(&new)?;
        self.protect(&new)?;
        // Products that depended on the old version now depend on the new one: their flags
        // follow `superseded_by` when read; the index carries them on for events.
        for dependent in self.index_ids(DEPENDENTS, &[&old.id])? {
            let key = create_composite_key(DEPENDENTS, &[&new_id, &dependent])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        let ids = vec![old.id.clone(), new_id];
        self.emit(events::CERTIFICATE_RENEWED, ids.clone(), Some(CertificateStatus::Active), vec![])?;
        Ok(IdsResponse::new(ids))
    }
}

/// A range of status-list positions reserved by one transaction (the value of its
/// `status~range` key).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct StatusRange {
    /// The first position.
    pub(super) start: u32,
    /// How many positions (a power of two).
    pub(super) size: u32,
    /// The transaction that reserved it.
    pub(super) tx_id: String,
}

/// A status list counted full (the value of its `status~full` key).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct FullMark {
    /// The list.
    pub(super) list: u32,
    /// The transaction that found no free range in it.
    pub(super) tx_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::Scalar;
    use ed25519_dalek::{Signer, SigningKey, Verifier};
    use sha2::{Digest, Sha512};

    /// The group order ℓ, little-endian.
    const ELL: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    /// The identity point, compressed: a small-order point (order 1).
    const IDENTITY: [u8; 32] = {
        let mut p = [0u8; 32];
        p[0] = 1;
        p
    };

    fn pending(key: VerifyingKey, message: &[u8], signature: [u8; 64]) -> PendingSignature {
        PendingSignature {
            key,
            message: message.to_vec(),
            signature: Signature::from_bytes(&signature),
            failure: String::new(),
        }
    }

    fn signed(key: &SigningKey, i: usize) -> PendingSignature {
        let message = format!("certificate {i}").into_bytes();
        pending(key.verifying_key(), &message, key.sign(&message).to_bytes())
    }

    /// `H(R ‖ A ‖ M)` reduced mod ℓ, as Ed25519 computes it.
    fn challenge(r: &[u8; 32], a: &[u8; 32], message: &[u8]) -> Scalar {
        let mut h = Sha512::new();
        h.update(r);
        h.update(a);
        h.update(message);
        Scalar::from_bytes_mod_order_wide(&h.finalize().into())
    }

    /// The answer checking each signature with `verify_strict` in order gives.
    fn strict_answer(items: &[PendingSignature]) -> Option<usize> {
        items.iter().position(|p| p.key.verify_strict(&p.message, &p.signature).is_err())
    }

    /// The cases `verify_strict` refuses although a laxer check would not (or that are
    /// malformed), each placed among valid signatures: the batch check must name exactly
    /// the position `verify_strict` names.
    #[test]
    fn batch_check_refuses_exactly_what_verify_strict_refuses() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let batch = |n: usize| (0..n).map(|i| signed(&key, i)).collect::<Vec<_>>();

        // All valid, on several threads: nothing refused.
        let mut items = batch(200);
        assert_eq!(first_bad_signature(&items), None);
        assert_eq!(strict_answer(&items), None);

        // A bad signature in the middle (in the second thread's chunk) is named; with two
        // bad ones in different chunks, the first in order is.
        items[137].signature = Signature::from_bytes(&key.sign(b"another certificate").to_bytes());
        assert_eq!(first_bad_signature(&items), Some(137));
        items[12].message.push(b'!');
        assert_eq!(first_bad_signature(&items), Some(12));
        assert_eq!(strict_answer(&items), Some(12));

        // A small-order (weak) key: with R = identity and s = 0 the equation holds for
        // any message, so `verify` accepts it; `verify_strict` refuses it.
        let weak = VerifyingKey::from_bytes(&IDENTITY).unwrap();
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice(&IDENTITY);
        let weak_item = pending(weak, b"anything", forged);
        assert!(weak.verify(&weak_item.message, &weak_item.signature).is_ok(), "the laxer check accepts it");
        let mut items = batch(100);
        items[63] = weak_item;
        assert_eq!(first_bad_signature(&items), Some(63));
        assert_eq!(strict_answer(&items), Some(63));

        // A small-order R under a genuine key: R = identity and s = H(R‖A‖M)·a satisfy
        // [s]B = R + [k]A, so `verify` accepts; `verify_strict` refuses.
        let a = key.verifying_key();
        let message = b"small-order R".to_vec();
        let s = challenge(&IDENTITY, a.as_bytes(), &message) * key.to_scalar();
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&IDENTITY);
        sig[32..].copy_from_slice(s.as_bytes());
        let small_r = pending(a, &message, sig);
        assert!(a.verify(&small_r.message, &small_r.signature).is_ok(), "the laxer check accepts it");
        let mut items = batch(100);
        items[70] = small_r;
        assert_eq!(first_bad_signature(&items), Some(70));
        assert_eq!(strict_answer(&items), Some(70));

        // A non-canonical s: a valid signature with s + ℓ in place of s.
        let mut items = batch(100);
        let mut sig = items[41].signature.to_bytes();
        let mut carry = 0u16;
        for (byte, l) in sig[32..].iter_mut().zip(ELL) {
            let sum = u16::from(*byte) + u16::from(l) + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0);
        items[41].signature = Signature::from_bytes(&sig);
        assert_eq!(first_bad_signature(&items), Some(41));
        assert_eq!(strict_answer(&items), Some(41));

        // The pipelined checks (worker threads fed while the contract goes on) give the
        // same answers; a prefix is checked in full before an early `finish`.
        for bad in [vec![], vec![199], vec![57, 150], vec![0, 1, 2]] {
            let mut items = batch(200);
            for &i in &bad {
                items[i].message.push(b'!');
            }
            let expected = strict_answer(&items);
            assert_eq!(expected, bad.first().copied());
            let got = std::thread::scope(|scope| {
                let mut checks = SignatureChecks::new(scope, items.len());
                assert!(matches!(checks, SignatureChecks::Pipelined { .. }));
                for (i, item) in items.into_iter().enumerate() {
                    checks.push(i, item);
                }
                checks.finish().map(|(i, e)| (i, e.code()))
            });
            assert_eq!(got, expected.map(|i| (i, "BAD_SIGNATURE")), "bad at {bad:?}");
        }

        // Small batches are checked on the calling thread, with the same answer.
        let mut items = batch(5);
        items[3].message.clear();
        assert_eq!(first_bad_signature(&items), Some(3));
    }
}
