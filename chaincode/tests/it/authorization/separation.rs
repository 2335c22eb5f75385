//! Separation of duties: the rules the matrix alone does not show.

use super::*;

#[test]
fn an_applicant_can_never_approve_or_reject_its_own_application() {
    let b = base();
    let mut w = b.world.clone();
    for who in [Who::Applicant, Who::ManufacturerAdmin] {
        let approval = w.approval(Who::Certifier, &b.pending);
        let err = w.expect_refused("UNAUTHORIZED", who, "Approve", &approval);
        assert_reason(&err, Reason::RoleCertifier.as_str());
        let err = w.expect_refused(
            "UNAUTHORIZED",
            who,
            "ApproveBatch",
            &ApproveBatchRequest { approvals: vec![approval.clone()] },
        );
        assert_reason(&err, Reason::RoleCertifier.as_str());
        let err = w.expect_refused("UNAUTHORIZED", who, "Reject", &World::reason(&b.pending, "changed my mind"));
        assert_reason(&err, Reason::RoleCertifier.as_str());
    }
    assert_eq!(w.cert(&b.pending).status, CertificateStatus::Pending);
}

/// Defence in depth: even an applicant who somehow holds the certifier role (written
/// straight into the ledger here; GrantRole gives it only to certifier organisations)
/// cannot decide on an application of its own organisation.
#[test]
fn a_certifier_of_the_applicants_organization_is_not_independent() {
    let b = base();
    let mut w = b.world.clone();
    w.forge_role(Who::Applicant, Role::Certifier);
    let me: nanotrace_model::WhoAmI = w.evaluate(Who::Applicant, "WhoAmI", &EmptyRequest {}).expect("whoami");
    assert_eq!(me.roles, vec![Role::Certifier]);
    let approval = w.approval(Who::Certifier, &b.pending);
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "Approve", &approval);
    assert_reason(&err, Reason::ApplicantIndependence.as_str());
    let batch = ApproveBatchRequest { approvals: vec![w.approval(Who::Certifier, &b.pending2), approval] };
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "ApproveBatch", &batch);
    assert_reason(&err, Reason::ApplicantIndependence.as_str());
    assert!(err.to_string().contains("approvals[0]"), "{err}");
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "Reject", &World::reason(&b.pending, "own"));
    assert_reason(&err, Reason::ApplicantIndependence.as_str());
}

#[test]
fn only_an_admin_identity_bootstraps() {
    let mut w = World::empty();
    for who in [Who::Certifier, Who::Applicant, Who::Unknown, Who::Auditor] {
        let err = w.expect_refused("UNAUTHORIZED", who, "Bootstrap", &BootstrapRequest {});
        assert_reason(&err, Reason::BootstrapAdmin.as_str());
    }
    w.ok::<Governance>(Who::Admin, "Bootstrap", &BootstrapRequest {});
}

#[test]
fn list_by_applicant_of_an_unregistered_organization_is_refused_by_its_own_check() {
    let b = base();
    let w = &b.world;
    let req = ListByApplicantRequest { msp_id: None, page_size: 0, bookmark: String::new() };
    let err = w.evaluate::<_, Value>(Who::Unknown, "ListByApplicant", &req).expect_err("stranger");
    assert_reason(&err, Reason::ManufacturerRegistered.as_str());
    let req = ListByApplicantRequest { msp_id: Some(MANUFACTURER_MSP.into()), page_size: 0, bookmark: String::new() };
    let err = w.evaluate::<_, Value>(Who::OtherApplicant, "ListByApplicant", &req).expect_err("other");
    assert_reason(&err, Reason::ManufacturerMember.as_str());
}

/// A world with a certificate in every status, and one application by the other
/// manufacturer.
struct Everything {
    world: World,
    by_status: Vec<(CertificateStatus, String)>,
    others: String,
}

fn everything() -> Everything {
    let mut w = World::governed();
    let pending = w.apply("LOT-P");
    let rejected = w.apply("LOT-R");
    w.ok::<Certificate>(Who::Certifier, "Reject", &World::reason(&rejected, "incomplete"));
    let active = w.issue("LOT-A");
    let suspended = w.issue("LOT-S");
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&suspended, "audit"));
    let revoked = w.issue("LOT-V");
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&revoked, "fraud"));
    let superseded = w.issue("LOT-O");
    let renewal = w.renewal(Who::Certifier, &superseded);
    w.ok::<IdsResponse>(Who::Certifier, "Renew", &renewal);
    let others: IdsResponse = w.ok(Who::OtherApplicant, "Apply", &other_application("LOT-OTHER"));
    Everything {
        world: w,
        by_status: vec![
            (CertificateStatus::Pending, pending),
            (CertificateStatus::Rejected, rejected),
            (CertificateStatus::Active, active),
            (CertificateStatus::Suspended, suspended),
            (CertificateStatus::Revoked, revoked),
            (CertificateStatus::Superseded, superseded),
        ],
        others: others.certificate_ids[0].clone(),
    }
}

#[test]
fn the_auditor_reads_everything_and_changes_nothing() {
    let e = everything();
    let w = &e.world;
    for (status, id) in &e.by_status {
        let cert: Certificate = w
            .evaluate(Who::Auditor, "GetCertificate", &CertificateIdRequest { certificate_id: id.clone() })
            .expect("get");
        assert_eq!(cert.status, *status);
        let history: Vec<HistoryEntry> =
            w.evaluate(Who::Auditor, "History", &CertificateIdRequest { certificate_id: id.clone() }).expect("history");
        assert!(!history.is_empty(), "{status}: empty history");
        assert_eq!(history[0].status, *status);
        let page: CertificatePage = w
            .evaluate(
                Who::Auditor,
                "ListByStatus",
                &ListByStatusRequest { status: *status, page_size: 0, bookmark: String::new() },
            )
            .expect("list");
        let ids: Vec<&str> = page.certificates.iter().map(|c| c.id.as_str()).collect();
        assert!(ids.contains(&id.as_str()), "ListByStatus {status} lacks {id}: {ids:?}");
        assert!(page.certificates.iter().all(|c| c.status == *status), "ListByStatus {status} holds other statuses");
    }
    for (msp, expected) in [(MANUFACTURER_MSP, e.by_status.len() + 1), (OTHER_MANUFACTURER_MSP, 1)] {
        let page: CertificatePage = w
            .evaluate(
                Who::Auditor,
                "ListByApplicant",
                &ListByApplicantRequest { msp_id: Some(msp.into()), page_size: 0, bookmark: String::new() },
            )
            .expect("by applicant");
        // ManufacturerMSP: six certificates plus the renewal of the superseded one.
        assert_eq!(page.certificates.len(), expected, "{msp}");
        assert!(page.certificates.iter().all(|c| c.manufacturer_msp == msp));
    }
    let other: Certificate = w
        .evaluate(Who::Auditor, "GetCertificate", &CertificateIdRequest { certificate_id: e.others.clone() })
        .expect("other");
    assert_eq!(other.manufacturer_msp, OTHER_MANUFACTURER_MSP);
    let keys: Vec<IssuerKey> = w.evaluate(Who::Auditor, "IssuerKeys", &EmptyRequest {}).expect("keys");
    assert_eq!(keys.len(), 2);
    let me: nanotrace_model::WhoAmI = w.evaluate(Who::Auditor, "WhoAmI", &EmptyRequest {}).expect("whoami");
    assert_eq!(me.roles, vec![Role::Auditor]);

    // Every submit, with a request that would succeed for its authorised caller — but
    // ApproveRoleKey, by which the auditor hands its own role to another key of its own
    // (the keys tests): its roles are all it can change.
    let b = base();
    let mut refused = 0;
    for (function, kind) in &FUNCTIONS {
        if *kind != FunctionKind::Submit || *function == "ApproveRoleKey" {
            continue;
        }
        let code = if *function == "Bootstrap" { "CONFLICT" } else { "UNAUTHORIZED" };
        let mut w = b.world.clone();
        let err = w.expect_refused(code, Who::Auditor, function, &request(&b, function));
        let token = POLICY.iter().find(|row| row.0 == *function).map(|row| row.3).expect("a POLICY row");
        if code == "UNAUTHORIZED" {
            assert_reason(&err, token);
        }
        refused += 1;
    }
    assert_eq!(refused, 27);
    // What a certification body charges a manufacturer is not the regulator's to read
    // (unless the consortium makes regulators members of the billing collections).
    for function in ["FeeSchedules", "GetQuote"] {
        let err = b.world.evaluate::<_, serde_json::Value>(Who::Auditor, function, &request(&b, function)).unwrap_err();
        assert_reason(&err, Reason::BillingParty.as_str());
    }
}

/// An approval of `id` by the caller's organisation signed with `key` under `key_id`.
fn signed_approval(w: &World, id: &str, key: &SigningKey, key_id: &str) -> ApproveRequest {
    let cert = w.cert(id);
    let (issued_at, valid_until) = (w.now, w.now + 365 * DAY);
    let terms = IssuanceTerms {
        issuer_org: CERTIFIER_MSP,
        issuer_key_id: key_id,
        issued_at,
        valid_until,
        status_position: None,
    };
    let canonical = CanonicalCertificate::for_certificate(&cert, &terms);
    ApproveRequest {
        certificate_id: id.into(),
        issuer_key_id: key_id.into(),
        issued_at,
        valid_until,
        signature: hex::encode(key.sign(&canonical.signing_input()).to_bytes()),
        credential: None,
    }
}

#[test]
fn nobody_approves_with_someone_elses_key() {
    let b = base();
    let mut w = b.world.clone();
    // A valid signature by Certifier's key, presented by Certifier2 (same organisation).
    let stolen = w.approval(Who::Certifier, &b.pending);
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier2, "Approve", &stolen);
    assert!(err.to_string().contains(&issuer_key_id_of(Who::Certifier)), "{err}");
    assert_reason(&err, Reason::IssuerKeyHolder.as_str());
    let stolen_renewal = w.renewal(Who::Certifier, &b.active);
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier2, "Renew", &stolen_renewal);
    assert_reason(&err, Reason::IssuerKeyHolder.as_str());
    // Same with a resignature on reinstatement.
    let mut sds = w.cert(&b.active).application.sds;
    sds.revision += 1;
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: b.active.clone(), sds });
    let resign = w.resignature(Who::Certifier, &b.active);
    let err = w.expect_refused(
        "UNAUTHORIZED",
        Who::Certifier2,
        "Reinstate",
        &ReinstateRequest { certificate_id: b.active.clone(), reason: "reviewed".into(), resign: Some(resign) },
    );
    assert_reason(&err, Reason::IssuerKeyHolder.as_str());

    // A key ID nobody registered.
    let unregistered = SigningKey::from_bytes(&[12u8; 32]);
    let req = signed_approval(&w, &b.pending, &unregistered, &key_id(&unregistered));
    let err = w.expect_refused("NOT_FOUND", Who::Certifier, "Approve", &req);
    assert!(err.to_string().contains(&key_id(&unregistered)), "{err}");
    // Own key ID, signature by another key.
    let forged = signed_approval(&w, &b.pending, &unregistered, &issuer_key_id_of(Who::Certifier));
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "Approve", &forged);
    // The rightful holder still can.
    let approval = w.approval(Who::Certifier, &b.pending);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
}

#[test]
fn a_manufacturer_admin_cannot_govern() {
    let b = base();
    let mut w = b.world.clone();
    w.expect_refused("CONFLICT", Who::ManufacturerAdmin, "Bootstrap", &BootstrapRequest {});
    for role in Role::ALL {
        let identity = match role {
            Role::Admin => actor(Who::ManufacturerAdmin),
            Role::Certifier => actor(Who::Certifier),
            Role::Auditor => new_auditor(),
            Role::Finance => actor(Who::Finance),
        };
        let err = w.expect_refused(
            "UNAUTHORIZED",
            Who::ManufacturerAdmin,
            "GrantRole",
            &RoleRequest { identity, role, key: Some(key_of(Who::ManufacturerAdmin)) },
        );
        assert_reason(&err, Reason::RoleAdmin.as_str());
    }
    let err =
        w.expect_refused("UNAUTHORIZED", Who::ManufacturerAdmin, "RevokeRole", &grant(Who::Certifier, Role::Certifier));
    assert_reason(&err, Reason::RoleAdmin.as_str());
    // Nor its own organisation's GS1 Company Prefixes (the GTINs it may apply for).
    for function in ["RegisterOrganization", "SetCompanyPrefixes", "RegisterIssuerKey", "RetireIssuerKey"] {
        let err = w.expect_refused("UNAUTHORIZED", Who::ManufacturerAdmin, function, &request(&b, function));
        assert_reason(&err, Reason::RoleAdmin.as_str());
    }
    // Its organisation's member rights it does have.
    w.ok::<IdsResponse>(Who::ManufacturerAdmin, "Apply", &sample_application("LOT-MA"));
}

#[test]
fn a_revoked_certifier_can_no_longer_act() {
    let b = base();
    let mut w = b.world.clone();
    w.ok::<RoleGrant>(Who::Admin, "RevokeRole", &grant(Who::Certifier, Role::Certifier));
    let approval = w.approval(Who::Certifier, &b.pending);
    let mut errors = vec![
        w.expect_refused("UNAUTHORIZED", Who::Certifier, "Approve", &approval),
        w.expect_refused("UNAUTHORIZED", Who::Certifier, "Reject", &World::reason(&b.pending, "x")),
        w.expect_refused("UNAUTHORIZED", Who::Certifier, "Suspend", &World::reason(&b.active, "x")),
        w.expect_refused("UNAUTHORIZED", Who::Certifier, "Revoke", &World::reason(&b.active, "x")),
        w.expect_refused(
            "UNAUTHORIZED",
            Who::Certifier,
            "Reinstate",
            &ReinstateRequest { certificate_id: b.suspended.clone(), reason: "x".into(), resign: None },
        ),
    ];
    let renewal = w.renewal(Who::Certifier, &b.active);
    errors.push(w.expect_refused("UNAUTHORIZED", Who::Certifier, "Renew", &renewal));
    for err in &errors {
        assert_reason(err, Reason::RoleCertifier.as_str());
    }
    let err = w.expect_refused(
        "UNAUTHORIZED",
        Who::Certifier,
        "ListByStatus",
        &ListByStatusRequest { status: CertificateStatus::Pending, page_size: 0, bookmark: String::new() },
    );
    assert_reason(&err, Reason::RoleAny.as_str());
    let me: nanotrace_model::WhoAmI = w.evaluate(Who::Certifier, "WhoAmI", &EmptyRequest {}).expect("whoami");
    assert!(me.roles.is_empty());
    // The other certifier of the organisation is unaffected.
    let approval = w.approval(Who::Certifier2, &b.pending);
    w.ok::<IdsResponse>(Who::Certifier2, "Approve", &approval);
    // Granting the role again restores the rights.
    w.ok::<RoleGrant>(Who::Admin, "GrantRole", &grant(Who::Certifier, Role::Certifier));
    let approval = w.approval(Who::Certifier, &b.pending2);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
}

#[test]
fn an_admin_cannot_revoke_their_own_admin_role() {
    let b = base();
    let mut w = b.world.clone();
    let err = w.expect_refused("CONFLICT", Who::Admin, "RevokeRole", &grant(Who::Admin, Role::Admin));
    assert!(err.to_string().contains("own admin role"), "{err}");
    let me: nanotrace_model::WhoAmI = w.evaluate(Who::Admin, "WhoAmI", &EmptyRequest {}).expect("whoami");
    assert_eq!(me.roles, vec![Role::Admin]);
}

#[test]
fn roles_go_only_to_members_of_the_right_kind_of_organization() {
    let b = base();
    let mut w = b.world.clone();
    // Certifier role for a manufacturer, auditor role for a certifier, admin outside governance.
    w.expect_refused("CONFLICT", Who::Admin, "GrantRole", &grant(Who::Applicant, Role::Certifier));
    w.expect_refused("CONFLICT", Who::Admin, "GrantRole", &grant(Who::Certifier, Role::Auditor));
    w.expect_refused("CONFLICT", Who::Admin, "GrantRole", &grant(Who::Certifier, Role::Admin));
    w.expect_refused("NOT_FOUND", Who::Admin, "GrantRole", &grant(Who::Unknown, Role::Auditor));
    // Issuer keys only for certifiers.
    w.expect_refused(
        "CONFLICT",
        Who::Admin,
        "RegisterIssuerKey",
        &RegisterIssuerKeyRequest {
            public_key: hex::encode(fresh_key().verifying_key().as_bytes()),
            holder: actor(Who::Applicant),
            valid_from: T0,
            valid_until: T0 + DAY,
        },
    );
}

/// A certifier of a second certification body, outside the fixture's fixed identities.
fn foreign_certifier() -> Creator {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "othercertifier.example.com");
    dn.push(DnType::OrganizationalUnitName, "client");
    dn.push(DnType::CommonName, "oscar@othercertifier");
    params.distinguished_name = dn;
    Creator { msp_id: "OtherCertifierMSP".into(), id_bytes: params.self_signed(&key).expect("cert").pem().into_bytes() }
}

fn submit_as(w: &mut World, creator: &Creator, function: &str, req: &impl Serialize) -> Result<Vec<u8>, ContractError> {
    let arg = serde_json::to_vec(req).expect("encode");
    let ts = w.ts();
    w.ledger.execute(creator, ts, |stub| CertificateContract.invoke(stub, function, &[arg])).map(|(out, _)| out)
}

#[test]
fn certifiers_act_only_on_certificates_their_organization_issued() {
    let b = base();
    let mut w = b.world.clone();
    let oscar = foreign_certifier();
    let oscar_actor = parse_creator(&oscar).expect("identity").actor();
    let oscar_key = SigningKey::from_bytes(&[13u8; 32]);
    w.ok::<Organization>(
        Who::Admin,
        "RegisterOrganization",
        &RegisterOrganizationRequest {
            msp_id: "OtherCertifierMSP".into(),
            name: "Other Cert".into(),
            kind: OrgKind::Certifier,
            without_peers: false,
            billing: None,
        },
    );
    w.ok::<RoleGrant>(
        Who::Admin,
        "GrantRole",
        &RoleRequest {
            identity: oscar_actor.clone(),
            role: Role::Certifier,
            key: Some(parse_creator(&oscar).expect("identity").key),
        },
    );
    w.ok::<IssuerKey>(
        Who::Admin,
        "RegisterIssuerKey",
        &RegisterIssuerKeyRequest {
            public_key: hex::encode(oscar_key.verifying_key().as_bytes()),
            holder: oscar_actor,
            valid_from: T0 - DAY,
            valid_until: T0 + 365 * DAY,
        },
    );
    let oscar_key_id = key_id(&oscar_key);

    // The active and suspended certificates were issued by CertifierMSP.
    let mut cases: Vec<(&str, Value)> = vec![
        ("Suspend", json(World::reason(&b.active, "not ours"))),
        ("Revoke", json(World::reason(&b.active, "not ours"))),
        ("Revoke", json(World::reason(&b.suspended, "not ours"))),
        (
            "Reinstate",
            json(ReinstateRequest { certificate_id: b.suspended.clone(), reason: "not ours".into(), resign: None }),
        ),
    ];
    // A renewal correctly signed by the foreign certifier's own key and organisation.
    let mut renewal = w.renewal(Who::Certifier, &b.active);
    {
        let mut cert = w.cert(&b.active);
        cert.version += 1;
        cert.supersedes = Some(cert.id.clone());
        cert.id = nanotrace_model::ids::renewal_id(&b.active, cert.version);
        let terms = IssuanceTerms {
            issuer_org: "OtherCertifierMSP",
            issuer_key_id: &oscar_key_id,
            issued_at: renewal.issued_at,
            valid_until: renewal.valid_until,
            status_position: None,
        };
        let canonical = CanonicalCertificate::for_certificate(&cert, &terms);
        renewal.issuer_key_id = oscar_key_id.clone();
        renewal.signature = hex::encode(oscar_key.sign(&canonical.signing_input()).to_bytes());
    }
    cases.push(("Renew", json(renewal)));
    for (function, req) in &cases {
        let before = w.ledger.snapshot();
        let height = w.ledger.height();
        let err = submit_as(&mut w, &oscar, function, req).expect_err(function);
        assert_eq!(err.code(), "UNAUTHORIZED", "{function}: {err}");
        assert!(err.to_string().contains("issuing organisation"), "{function}: {err}");
        assert_reason(&err, Reason::OrgIssuer.as_str());
        assert_eq!(w.ledger.snapshot(), before, "{function}");
        assert_eq!(w.ledger.height(), height, "{function}");
    }

    // It may decide on a pending application (it is independent of the manufacturer).
    let cert = w.cert(&b.pending);
    let terms = IssuanceTerms {
        issuer_org: "OtherCertifierMSP",
        issuer_key_id: &oscar_key_id,
        issued_at: w.now,
        valid_until: w.now + DAY,
        status_position: None,
    };
    let canonical = CanonicalCertificate::for_certificate(&cert, &terms);
    let approval = ApproveRequest {
        certificate_id: b.pending.clone(),
        issuer_key_id: oscar_key_id.clone(),
        issued_at: w.now,
        valid_until: w.now + DAY,
        signature: hex::encode(oscar_key.sign(&canonical.signing_input()).to_bytes()),
        credential: None,
    };
    submit_as(&mut w, &oscar, "Approve", &approval).expect("foreign certifier approves a pending application");
    assert_eq!(w.cert(&b.pending).issuance.expect("issued").issuer_org, "OtherCertifierMSP");
    // ...and from then on CertifierMSP's certifiers cannot touch it.
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier, "Suspend", &World::reason(&b.pending, "not ours"));
    assert_reason(&err, Reason::OrgIssuer.as_str());
    // A second certifier of the issuing body can.
    w.ok::<Certificate>(Who::Certifier2, "Suspend", &World::reason(&b.active, "same issuing body"));
}
