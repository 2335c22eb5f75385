//! Running the steps of a sequence against the ledger (single transactions, batches, key
//! rotation) and checking the ledger's invariants after each.

use super::*;

impl Run {
    pub(super) fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::AdvanceDays(days) => {
                self.world.now += days * DAY;
                Ok(())
            }
            Op::Do(kind, i, targeted) => self.single(kind, self.target(kind, i, targeted), None),
            Op::WrongRole(kind, i, w) => self.single(kind, i, Some(kind.wrong_roles()[w % kind.wrong_roles().len()])),
            Op::ApplyBatch(n, dependency) => self.apply_batch(n, dependency),
            Op::ApproveBatch(body, n, bad) => self.approve_batch(body, n, bad),
            Op::RotateKey => self.rotate_key(),
            Op::RetireKey => {
                let expected = if self.key_retired { Expect::Refused("CONFLICT") } else { Expect::Ok };
                let req = json(&RetireIssuerKeyRequest {
                    key_id: issuer_key_id(self.key.verifying_key().as_bytes()),
                    reason: "compromised".into(),
                });
                self.check_outcome(Who::Admin, "RetireIssuerKey", &req, expected, "alice's key", |r, _| {
                    r.key_retired = true;
                    Ok(event(events::ISSUER_KEY_RETIRED, vec![], None, vec![]))
                })
            }
            Op::RevokeRole | Op::GrantRole => {
                let revoke = matches!(op, Op::RevokeRole);
                let (function, expected) = match (revoke, self.certifier_role) {
                    (true, true) | (false, false) => (if revoke { "RevokeRole" } else { "GrantRole" }, Expect::Ok),
                    (true, false) => ("RevokeRole", Expect::Refused("NOT_FOUND")),
                    (false, true) => ("GrantRole", Expect::Refused("ALREADY_EXISTS")),
                };
                let req = json(&grant(Who::Certifier, Role::Certifier));
                self.check_outcome(Who::Admin, function, &req, expected, "alice's role", move |r, _| {
                    r.certifier_role = !revoke;
                    let name = if revoke { events::ROLE_REVOKED } else { events::ROLE_GRANTED };
                    Ok(event(name, vec![], None, vec![]))
                })
            }
        }
    }

    /// One transaction of `kind` on certificate `idx` by its rightful caller, or by
    /// `wrong` (always UNAUTHORIZED).
    pub(super) fn single(&mut self, kind: Kind, idx: usize, wrong: Option<Who>) -> Result<(), TestCaseError> {
        // Apply and Renew add certificates: keep the world small.
        let growing = matches!(kind, Kind::Apply | Kind::ApplyDependent | Kind::Renew) && wrong.is_none();
        if growing && self.certs.len() >= MAX_CERTS {
            return Ok(());
        }
        if kind != Kind::Apply && self.certs.is_empty() {
            return Ok(());
        }
        let idx = if self.certs.is_empty() { 0 } else { idx % self.certs.len() };
        let (who, expected) = match wrong {
            Some(who) => (who, Expect::Refused("UNAUTHORIZED")),
            None => (self.rightful(kind, idx).0, self.expect(kind, idx)),
        };
        let (function, req) = self.request(kind, idx);
        let subject = match kind {
            Kind::Apply => "new".to_owned(),
            _ => format!("{} ({})", self.certs[idx].id, self.certs[idx].status),
        };
        self.check_outcome(who, function, &req, expected, &subject, |r, response| r.advance_model(kind, idx, response))
    }

    pub(super) fn apply_batch(&mut self, n: usize, dependency: Option<usize>) -> Result<(), TestCaseError> {
        if self.certs.len() + n > MAX_CERTS || (dependency.is_some() && self.certs.is_empty()) {
            return Ok(());
        }
        let supplier = dependency.map(|i| i % self.certs.len());
        let mut apps: Vec<Application> = (0..n).map(|k| self.application(self.applied + k, None)).collect();
        if let Some(s) = supplier {
            apps[n - 1] = self.application(self.applied + n - 1, Some(s));
        }
        let expected = match supplier.map(|s| self.certs[self.in_force(s)].status) {
            None | Some(CertificateStatus::Active | CertificateStatus::Suspended) => Expect::Ok,
            Some(_) => Expect::Refused("VALIDATION"),
        };
        let req = json(&ApplyBatchRequest { applications: apps });
        self.check_outcome(Who::Applicant, "ApplyBatch", &req, expected, "a batch", |r, response| {
            let ids: IdsResponse = serde_json::from_slice(response).expect("ids");
            prop_assert_eq!(ids.certificate_ids.len(), n);
            let resolved = supplier.map(|s| r.in_force(s));
            let mut flagged = Vec::new();
            for (k, id) in ids.certificate_ids.iter().enumerate() {
                let dep = if k == n - 1 { resolved } else { None };
                if dep.is_some_and(|s| r.certs[s].status == CertificateStatus::Suspended) {
                    flagged.push(id.clone());
                }
                r.new_cert(id.clone(), dep);
            }
            r.applied += n;
            Ok(event(events::CERTIFICATE_APPLIED, ids.certificate_ids, Some(CertificateStatus::Pending), flagged))
        })
    }

    pub(super) fn approve_batch(&mut self, body: Body, n: usize, bad: bool) -> Result<(), TestCaseError> {
        let mut items: Vec<usize> =
            (0..self.certs.len()).filter(|&i| self.certs[i].status == CertificateStatus::Pending).take(n).collect();
        if items.is_empty() {
            return Ok(());
        }
        let not_pending = (0..self.certs.len()).find(|&i| self.certs[i].status != CertificateStatus::Pending);
        let bad = bad.then_some(not_pending).flatten();
        items.extend(bad);
        let approvals: Vec<ApproveRequest> = items.iter().map(|&i| self.approval(body, i)).collect();
        // The role is checked once; then the items in order: the first good item meets a
        // bad key before the bad item is reached.
        let expected = if !self.role_ok(body) {
            Expect::Refused("UNAUTHORIZED")
        } else if !self.key_ok(body) {
            Expect::Refused("BAD_SIGNATURE")
        } else if bad.is_some() {
            Expect::Refused("INVALID_TRANSITION")
        } else {
            Expect::Ok
        };
        let req = json(&ApproveBatchRequest { approvals });
        let subject = format!("{} certificates", items.len());
        self.check_outcome(body.certifier(), "ApproveBatch", &req, expected, &subject, |r, response| {
            let ids: IdsResponse = serde_json::from_slice(response).expect("ids");
            let want: Vec<String> = items.iter().map(|&i| r.certs[i].id.clone()).collect();
            prop_assert_eq!(&ids.certificate_ids, &want);
            let now = r.world.now;
            for &i in &items {
                let m = &mut r.certs[i];
                m.status = CertificateStatus::Active;
                m.valid_until = Some(now + VALIDITY);
                m.issuer = Some(body);
                m.writes += 1;
            }
            Ok(event(events::CERTIFICATE_ISSUED, want, Some(CertificateStatus::Active), vec![]))
        })
    }

    /// Registers a new key for alice (refused while she is not a certifier), then retires
    /// the old one unless it is retired already; alice signs with the new key from then on.
    pub(super) fn rotate_key(&mut self) -> Result<(), TestCaseError> {
        let seed = [100u8.wrapping_add(self.keys_made); 32];
        let new_key = SigningKey::from_bytes(&seed);
        let register = json(&RegisterIssuerKeyRequest {
            public_key: hex::encode(new_key.verifying_key().as_bytes()),
            holder: actor(Who::Certifier),
            valid_from: T0 - DAY,
            valid_until: KEY_VALID_UNTIL,
        });
        let expected = if self.certifier_role { Expect::Ok } else { Expect::Refused("CONFLICT") };
        let mut registered = false;
        self.check_outcome(Who::Admin, "RegisterIssuerKey", &register, expected, "a new key", |_, _| {
            registered = true;
            Ok(event(events::ISSUER_KEY_REGISTERED, vec![], None, vec![]))
        })?;
        if !registered {
            return Ok(());
        }
        self.keys_made = self.keys_made.wrapping_add(1);
        if !self.key_retired {
            let retire = json(&RetireIssuerKeyRequest {
                key_id: issuer_key_id(self.key.verifying_key().as_bytes()),
                reason: "rotation".into(),
            });
            self.check_outcome(Who::Admin, "RetireIssuerKey", &retire, Expect::Ok, "the old key", |_, _| {
                Ok(event(events::ISSUER_KEY_RETIRED, vec![], None, vec![]))
            })?;
        }
        self.key = new_key;
        self.key_retired = false;
        Ok(())
    }

    /// Every id listed by a paginated query.
    pub(super) fn collect_pages(
        &self,
        mut query: impl FnMut(String) -> CertificatePage,
    ) -> Result<Vec<Certificate>, TestCaseError> {
        let mut all = Vec::new();
        let mut bookmark = String::new();
        for _ in 0..=MAX_CERTS {
            let page = query(bookmark);
            prop_assert!(page.certificates.len() <= PAGE as usize, "page larger than asked for");
            all.extend(page.certificates);
            if page.bookmark.is_empty() {
                return Ok(all);
            }
            bookmark = page.bookmark;
        }
        Err(TestCaseError::fail("pagination does not end"))
    }

    pub(super) fn check_invariants(&self) -> Result<(), TestCaseError> {
        let w = &self.world;
        let now = w.now;
        for m in &self.certs {
            let cert = w.cert(&m.id);
            // (a) the ledger's status is the model's.
            prop_assert_eq!(cert.status, m.status, "status of {}", m.id);
            prop_assert_eq!(cert.resign_required, m.resign_required, "resign_required of {}", m.id);
            let issuer_org = cert.issuance.as_ref().map(|i| i.issuer_org.as_str());
            prop_assert_eq!(issuer_org, m.issuer.map(Body::msp), "issuer of {}", m.id);
            let v = w.verify(&m.id);
            // (b) revoked stays revoked, and is never VALID again.
            if m.ever_revoked {
                prop_assert_eq!(cert.status, CertificateStatus::Revoked, "{} left REVOKED", m.id);
                prop_assert_eq!(v.verdict, Verdict::Revoked, "verdict of revoked {}", m.id);
            }
            // (c) every successful change is in the history, and nothing else is.
            let history: Vec<HistoryEntry> = w
                .evaluate(Who::Auditor, "History", &CertificateIdRequest { certificate_id: m.id.clone() })
                .map_err(|e| TestCaseError::fail(format!("history of {}: {e}", m.id)))?;
            prop_assert_eq!(history.len(), m.writes, "history of {}: {:?}", m.id, history);
            prop_assert_eq!(history[0].status, m.status, "newest history entry of {}", m.id);
            // (e) verdicts agree with status and validity.
            let issuance_until = cert.issuance.as_ref().map(|i| i.valid_until);
            match v.verdict {
                Verdict::Valid => {
                    prop_assert_eq!(cert.status, CertificateStatus::Active);
                    prop_assert!(issuance_until.is_some_and(|u| now <= u), "VALID after valid_until: {}", m.id);
                }
                Verdict::Expired => {
                    prop_assert_eq!(cert.status, CertificateStatus::Active);
                    prop_assert!(issuance_until.is_some_and(|u| now > u), "EXPIRED before valid_until: {}", m.id);
                }
                _ => {}
            }
            let expected = match m.status {
                CertificateStatus::Active if m.valid_until.is_some_and(|u| now <= u) => Verdict::Valid,
                CertificateStatus::Active => Verdict::Expired,
                CertificateStatus::Pending => Verdict::Pending,
                CertificateStatus::Rejected => Verdict::Rejected,
                CertificateStatus::Suspended => Verdict::Suspended,
                CertificateStatus::Revoked => Verdict::Revoked,
                CertificateStatus::Superseded => Verdict::Superseded,
            };
            prop_assert_eq!(v.verdict, expected, "verdict of {} ({})", m.id, m.status);
            if let (Some(u), true) = (m.valid_until, cert.status == CertificateStatus::Active) {
                prop_assert_eq!(issuance_until, Some(u), "valid_until of {}", m.id);
            }
            // (f) flags: the supplier's version in force, when it is out of force.
            let want: Vec<(String, CertificateStatus)> = m
                .supplier
                .map(|s| &self.certs[self.in_force(s)])
                .filter(|s| matches!(s.status, CertificateStatus::Suspended | CertificateStatus::Revoked))
                .map(|s| (s.id.clone(), s.status))
                .into_iter()
                .collect();
            let got: Vec<(String, CertificateStatus)> =
                cert.flags.iter().map(|f| (f.supplier_certificate.clone(), f.supplier_status)).collect();
            prop_assert_eq!(&got, &want, "flags of {}", m.id);
            prop_assert_eq!(&v.flags, &cert.flags, "verdict flags of {}", m.id);
        }
        // (d) the indexes agree with the records.
        for status in CertificateStatus::ALL {
            let listed = self.collect_pages(|bookmark| {
                w.evaluate(Who::Auditor, "ListByStatus", &ListByStatusRequest { status, page_size: PAGE, bookmark })
                    .expect("ListByStatus")
            })?;
            prop_assert!(
                listed.iter().all(|c| c.status == status),
                "ListByStatus {} lists a record of another status",
                status
            );
            let ids: Vec<String> = listed.into_iter().map(|c| c.id).collect();
            let unique: BTreeSet<String> = ids.iter().cloned().collect();
            prop_assert_eq!(unique.len(), ids.len(), "ListByStatus {} repeats a certificate", status);
            let expected: BTreeSet<String> =
                self.certs.iter().filter(|m| m.status == status).map(|m| m.id.clone()).collect();
            prop_assert_eq!(unique, expected, "ListByStatus {}", status);
        }
        let listed = self.collect_pages(|bookmark| {
            w.evaluate(
                Who::Auditor,
                "ListByApplicant",
                &ListByApplicantRequest { msp_id: Some(MANUFACTURER_MSP.into()), page_size: PAGE, bookmark },
            )
            .expect("ListByApplicant")
        })?;
        let ids: BTreeSet<String> = listed.iter().map(|c| c.id.clone()).collect();
        prop_assert_eq!(ids.len(), listed.len(), "ListByApplicant repeats a certificate");
        let all: BTreeSet<String> = self.certs.iter().map(|m| m.id.clone()).collect();
        prop_assert_eq!(ids, all, "ListByApplicant(ManufacturerMSP)");
        Ok(())
    }
}
