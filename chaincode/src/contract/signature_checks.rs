//! The Ed25519 checks of a decision: each with `verify_strict`, a large batch's on
//! worker threads while the contract goes on, the first failure (in order) answered.

use super::*;

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

    /// Whether it verifies.
    pub(super) fn check(&self) -> bool {
        self.key.verify_strict(&self.message, &self.signature).is_ok()
    }

    /// The `BAD_SIGNATURE` error it answers when it does not verify.
    pub(super) fn error(&self) -> ContractError {
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
pub(super) enum SignatureChecks<'scope> {
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
    pub(super) fn new<'env>(scope: &'scope std::thread::Scope<'scope, 'env>, count: usize) -> Self {
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
    pub(super) fn push(&mut self, item: usize, pending: PendingSignature) {
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
    pub(super) fn finish(&mut self) -> Option<(usize, ContractError)> {
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
