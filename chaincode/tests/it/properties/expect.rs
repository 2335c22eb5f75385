//! The reference model's side of a step: the request each kind of transaction sends,
//! who may send it, what the ledger must answer, and the model advanced by an answer.

use super::*;

impl Run {
    pub(super) fn new() -> Self {
        Run {
            world: base(),
            certs: Vec::new(),
            applied: 0,
            key: issuer_signing_key(Who::Certifier),
            keys_made: 0,
            key_retired: false,
            certifier_role: true,
        }
    }

    /// The version in force of certificate `i`: followed along its renewals.
    pub(super) fn in_force(&self, mut i: usize) -> usize {
        while let Some(next) = self.certs[i].renewed_as {
            i = next;
        }
        i
    }

    /// The certificates that depend on `supplier` (their recorded supplier is it or an
    /// older version of it) and are not final, by ID: the ones an event must name.
    pub(super) fn dependents_of(&self, supplier: usize) -> Vec<String> {
        let mut ids: Vec<String> = self
            .certs
            .iter()
            .filter(|d| !d.status.is_final() && d.supplier.is_some_and(|s| self.chain_reaches(s, supplier)))
            .map(|d| d.id.clone())
            .collect();
        ids.sort();
        ids
    }

    pub(super) fn chain_reaches(&self, mut from: usize, to: usize) -> bool {
        loop {
            if from == to {
                return true;
            }
            match self.certs[from].renewed_as {
                Some(next) => from = next,
                None => return false,
            }
        }
    }

    /// The body that acts on certificate `idx` once issued (the first body before).
    pub(super) fn issuer_of(&self, idx: usize) -> Body {
        self.certs[idx].issuer.unwrap_or(Body::First)
    }

    pub(super) fn signing_key(&self, body: Body) -> SigningKey {
        match body {
            Body::First => self.key.clone(),
            Body::Second => issuer_signing_key(Who::OtherCertifier),
        }
    }

    /// Whether `body`'s certifier may act as a certifier now.
    pub(super) fn role_ok(&self, body: Body) -> bool {
        body == Body::Second || self.certifier_role
    }

    /// Whether `body`'s certifier can sign now.
    pub(super) fn key_ok(&self, body: Body) -> bool {
        self.world.now <= KEY_VALID_UNTIL && (body == Body::Second || !self.key_retired)
    }

    /// The rightful caller of `kind` on certificate `idx`, and the body it acts for.
    pub(super) fn rightful(&self, kind: Kind, idx: usize) -> (Who, Option<Body>) {
        match kind {
            _ if kind.is_manufacturers() => (Who::Applicant, None),
            Kind::Approve(body) => (body.certifier(), Some(body)),
            Kind::Reject => (Who::Certifier, Some(Body::First)),
            _ => {
                let body = if self.certs.is_empty() { Body::First } else { self.issuer_of(idx) };
                (body.certifier(), Some(body))
            }
        }
    }

    /// The index of the certificate an operation acts on (before taking it modulo the
    /// count): the `i`-th one whose status allows `kind` when targeted and there is one.
    pub(super) fn target(&self, kind: Kind, i: usize, targeted: bool) -> usize {
        let eligible: Vec<usize> = (0..self.certs.len())
            .filter(|&n| match kind {
                Kind::ApplyDependent => {
                    matches!(
                        self.certs[self.in_force(n)].status,
                        CertificateStatus::Active | CertificateStatus::Suspended
                    )
                }
                _ => kind.allowed_from(self.certs[n].status),
            })
            .collect();
        if targeted && !eligible.is_empty() {
            eligible[i % eligible.len()]
        } else {
            i
        }
    }

    pub(super) fn application(&self, n: usize, supplier: Option<usize>) -> Application {
        let mut app = sample_application(&format!("LOT-{n}"));
        if let Some(s) = supplier {
            app.depends_on = vec![self.certs[s].id.clone()];
        }
        app
    }

    pub(super) fn approval(&self, body: Body, idx: usize) -> ApproveRequest {
        let cert = self.world.cert(&self.certs[idx].id);
        sign_approval_with(&cert, body.msp(), &self.signing_key(body), self.world.now, VALIDITY / DAY)
    }

    /// The request for `kind` on certificate `idx`.
    pub(super) fn request(&self, kind: Kind, idx: usize) -> (&'static str, serde_json::Value) {
        let w = &self.world;
        match kind {
            Kind::Apply => ("Apply", json(&self.application(self.applied, None))),
            Kind::ApplyDependent => ("Apply", json(&self.application(self.applied, Some(idx)))),
            Kind::Approve(body) => ("Approve", json(&self.approval(body, idx))),
            Kind::Reject => ("Reject", json(&World::reason(&self.certs[idx].id, "incomplete dossier"))),
            Kind::Suspend => ("Suspend", json(&World::reason(&self.certs[idx].id, "lab audit"))),
            Kind::Reinstate | Kind::ReinstateUnsigned => {
                let m = &self.certs[idx];
                let resign = (kind == Kind::Reinstate && m.status == CertificateStatus::Suspended && m.resign_required)
                    .then(|| sign_resignature_with(&w.cert(&m.id), &self.signing_key(self.issuer_of(idx))));
                let req = ReinstateRequest { certificate_id: m.id.clone(), reason: "audit passed".into(), resign };
                ("Reinstate", json(&req))
            }
            Kind::Revoke => ("Revoke", json(&World::reason(&self.certs[idx].id, "contamination"))),
            Kind::Renew => {
                let body = self.issuer_of(idx);
                let cert = w.cert(&self.certs[idx].id);
                ("Renew", json(&sign_renewal_with(&cert, body.msp(), &self.signing_key(body), w.now)))
            }
            Kind::UpdateSds => {
                let id = self.certs[idx].id.clone();
                let mut sds = w.cert(&id).application.sds;
                sds.revision += 1;
                sds.sha256 = sds_hash(sds.revision);
                ("UpdateSds", json(&UpdateSdsRequest { certificate_id: id, sds }))
            }
        }
    }

    /// What the model says `kind` on certificate `idx` does when done by its rightful caller.
    pub(super) fn expect(&self, kind: Kind, idx: usize) -> Expect {
        use CertificateStatus::*;
        let (_, body) = self.rightful(kind, idx);
        if let Some(body) = body {
            if !self.role_ok(body) {
                return Expect::Refused("UNAUTHORIZED");
            }
        }
        let signed = |ok: bool| if ok { Expect::Ok } else { Expect::Refused("BAD_SIGNATURE") };
        let key_ok = body.is_some_and(|b| self.key_ok(b));
        match kind {
            Kind::Apply => return Expect::Ok,
            Kind::ApplyDependent => {
                return match self.certs[self.in_force(idx)].status {
                    Active | Suspended => Expect::Ok,
                    _ => Expect::Refused("VALIDATION"),
                }
            }
            _ => {}
        }
        let m = &self.certs[idx];
        match (kind, m.status) {
            (Kind::Approve(_), Pending) => signed(key_ok),
            (Kind::Reject, Pending) => Expect::Ok,
            (Kind::Suspend, Active) => Expect::Ok,
            (Kind::Reinstate, Suspended) => signed(!m.resign_required || key_ok),
            (Kind::ReinstateUnsigned, Suspended) => signed(!m.resign_required),
            (Kind::Revoke, Active | Suspended) => Expect::Ok,
            (Kind::Renew, Active) => signed(key_ok),
            (Kind::UpdateSds, Pending | Active | Suspended) => Expect::Ok,
            _ => Expect::Refused("INVALID_TRANSITION"),
        }
    }

    pub(super) fn new_cert(&mut self, id: String, supplier: Option<usize>) {
        self.certs.push(Model {
            id,
            status: CertificateStatus::Pending,
            writes: 1,
            resign_required: false,
            valid_until: None,
            ever_revoked: false,
            issuer: None,
            renewed_as: None,
            supplier,
        });
    }

    /// Applies a successful step to the model; answers the event it must have emitted.
    pub(super) fn advance_model(
        &mut self,
        kind: Kind,
        idx: usize,
        response: &[u8],
    ) -> Result<ExpectedEvent, TestCaseError> {
        use CertificateStatus::*;
        let now = self.world.now;
        if let Kind::Apply | Kind::ApplyDependent = kind {
            let ids: IdsResponse = serde_json::from_slice(response).expect("ids");
            prop_assert_eq!(ids.certificate_ids.len(), 1);
            self.applied += 1;
            let supplier = (kind == Kind::ApplyDependent).then(|| self.in_force(idx));
            let flagged = match supplier {
                Some(s) if self.certs[s].status == Suspended => ids.certificate_ids.clone(),
                _ => Vec::new(),
            };
            self.new_cert(ids.certificate_ids[0].clone(), supplier);
            return Ok(event(events::CERTIFICATE_APPLIED, ids.certificate_ids, Some(Pending), flagged));
        }
        let id = self.certs[idx].id.clone();
        let before = self.certs[idx].status;
        self.certs[idx].writes += 1;
        let expected = match kind {
            Kind::Apply | Kind::ApplyDependent => unreachable!("handled above"),
            Kind::Approve(body) => {
                let m = &mut self.certs[idx];
                m.status = Active;
                m.valid_until = Some(now + VALIDITY);
                m.issuer = Some(body);
                event(events::CERTIFICATE_ISSUED, vec![id], Some(Active), vec![])
            }
            Kind::Reject => {
                self.certs[idx].status = Rejected;
                event(events::CERTIFICATE_REJECTED, vec![id], Some(Rejected), vec![])
            }
            Kind::Suspend => {
                self.certs[idx].status = Suspended;
                event(events::CERTIFICATE_SUSPENDED, vec![id], Some(Suspended), self.dependents_of(idx))
            }
            Kind::Reinstate | Kind::ReinstateUnsigned => {
                let m = &mut self.certs[idx];
                m.status = Active;
                m.resign_required = false;
                event(events::CERTIFICATE_REINSTATED, vec![id], Some(Active), self.dependents_of(idx))
            }
            Kind::Revoke => {
                let m = &mut self.certs[idx];
                m.status = Revoked;
                m.ever_revoked = true;
                event(events::CERTIFICATE_REVOKED, vec![id], Some(Revoked), self.dependents_of(idx))
            }
            Kind::Renew => {
                let ids: IdsResponse = serde_json::from_slice(response).expect("ids");
                prop_assert_eq!(ids.certificate_ids.len(), 2);
                prop_assert_eq!(&ids.certificate_ids[0], &id);
                let (issuer, supplier) = (self.certs[idx].issuer, self.certs[idx].supplier);
                self.new_cert(ids.certificate_ids[1].clone(), supplier);
                let new = self.certs.len() - 1;
                let m = &mut self.certs[new];
                m.status = Active;
                m.valid_until = Some(now + VALIDITY);
                m.issuer = issuer;
                self.certs[idx].status = Superseded;
                self.certs[idx].renewed_as = Some(new);
                event(events::CERTIFICATE_RENEWED, ids.certificate_ids, Some(Active), vec![])
            }
            Kind::UpdateSds => {
                let m = &mut self.certs[idx];
                if matches!(m.status, Active | Suspended) {
                    m.status = Suspended;
                    m.resign_required = true;
                }
                let status = m.status;
                let flagged = if before == Pending { Vec::new() } else { self.dependents_of(idx) };
                event(events::SDS_UPDATED, vec![id], Some(status), flagged)
            }
        };
        Ok(expected)
    }

    /// Submits and checks the outcome against `expected`: on success exactly one new block
    /// and one new event (which `on_ok` describes, given the response); on refusal the
    /// code, and nothing changed (state, height, events).
    pub(super) fn check_outcome(
        &mut self,
        who: Who,
        function: &str,
        req: &serde_json::Value,
        expected: Expect,
        subject: &str,
        on_ok: impl FnOnce(&mut Self, &[u8]) -> Result<ExpectedEvent, TestCaseError>,
    ) -> Result<(), TestCaseError> {
        let before = self.world.ledger.snapshot();
        let (height, events) = (self.world.ledger.height(), self.world.ledger.events().len());
        let arg = serde_json::to_vec(req).expect("json");
        let result = self.world.submit_tx(who, function, &[arg]);
        match (result, expected) {
            (Ok((response, tx_id)), Expect::Ok) => {
                prop_assert_eq!(
                    self.world.ledger.height(),
                    height + 1,
                    "{} by {:?} on {}: no block",
                    function,
                    who,
                    subject
                );
                prop_assert_eq!(
                    self.world.ledger.events().len(),
                    events + 1,
                    "{} by {:?}: not one event",
                    function,
                    who
                );
                let want = on_ok(self, &response)?;
                let committed = self.world.ledger.events().last().expect("event").clone();
                let got: Event = serde_json::from_slice(&committed.payload).expect("event json");
                prop_assert_eq!(&committed.name, want.name, "{} by {:?} on {}: event name", function, who, subject);
                prop_assert_eq!(&committed.tx_id, &tx_id);
                prop_assert_eq!(&got.tx_id, &tx_id);
                let got_event = event(want.name, got.certificate_ids, got.status, got.flagged);
                prop_assert_eq!(got_event, want, "{} by {:?} on {}: event", function, who, subject);
            }
            (Ok((response, _)), Expect::Refused(code)) => {
                return Err(TestCaseError::fail(format!(
                    "{function} by {who:?} on {subject} succeeded ({}), the model expected {code}",
                    String::from_utf8_lossy(&response)
                )));
            }
            (Err(e), Expect::Ok) => {
                return Err(TestCaseError::fail(format!("{function} by {who:?} on {subject} failed: {e}")));
            }
            (Err(e), Expect::Refused(code)) => {
                prop_assert_eq!(e.code(), code, "{} by {:?} on {}: {}", function, who, subject, e);
                prop_assert!(self.world.ledger.snapshot() == before, "refused {} changed the state", function);
                prop_assert_eq!(self.world.ledger.height(), height, "refused {} added a block", function);
                prop_assert_eq!(self.world.ledger.events().len(), events, "refused {} emitted an event", function);
            }
        }
        Ok(())
    }
}
