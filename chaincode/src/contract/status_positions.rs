//! Status-list positions: reserved in ranges per transaction, assigned at approval,
//! retired when a certificate is re-signed, and the position an approval's signature binds.

use super::*;

impl Tx<'_> {
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
    pub(super) fn range_key(start: u32, size_bits: u32) -> ContractResult<String> {
        let path = status::range_path(start, size_bits);
        Ok(create_composite_key(STATUS_RANGE, &path.iter().map(String::as_str).collect::<Vec<_>>())?)
    }

    /// The key of list `list`'s full mark.
    pub(super) fn full_mark_key(list: u32) -> ContractResult<String> {
        Ok(create_composite_key(STATUS_FULL, &[&status::full_mark(list)])?)
    }

    /// The lowest status list without a full mark: read once per transaction, a window
    /// of marks at a time.
    pub(super) fn open_list(&mut self) -> ContractResult<u32> {
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
    pub(super) fn free_range(&mut self, index: usize, size_bits: u32) -> ContractResult<u32> {
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
    pub(super) fn range_is_free(&mut self, start: u32, size_bits: u32) -> ContractResult<bool> {
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
