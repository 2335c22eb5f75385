//! Roles are held by keys: a second certificate an organisation's CA issues under a role
//! holder's name (the same `x509::` identity, another key) inherits nothing until the key
//! holding the roles approves it, or an admin grants them to it. Grants written before
//! keys bind to the first certificate that uses them.

use super::*;
use nanotrace_shim::{create_composite_key, Stub};

fn who_am_i(w: &World, creator: &Creator) -> WhoAmI {
    w.evaluate_as(creator, "WhoAmI", &EmptyRequest {}).expect("WhoAmI")
}

fn grant_record(w: &World, who: Who, role: Role) -> RoleGrant {
    let me = actor(who);
    let key = create_composite_key("role", &[&me.msp_id, &me.id, role.as_str()]).expect("key");
    serde_json::from_slice(&w.ledger.snapshot()[&key]).expect("grant JSON")
}

fn refused_as(w: &mut World, creator: &Creator, function: &str, req: &impl Serialize) -> ContractError {
    let before = w.ledger.snapshot();
    let height = w.ledger.height();
    let err = w.submit_as(creator, function, req).expect_err("refused");
    assert!(w.ledger.snapshot() == before && w.ledger.height() == height, "{function} refused but changed the ledger");
    err
}

/// The takeover the review found: an organisation admin has its CA issue a certificate
/// under a certifier's (or the governance admin's) name for a key of its own. The new
/// certificate is the same identity, and holds none of its roles.
#[test]
fn a_second_certificate_of_a_role_holders_name_inherits_nothing() {
    let b = base();
    let mut w = b.world.clone();
    let fake_alice = twin(Who::Certifier);
    assert_eq!(parse_creator(&fake_alice).expect("identity").actor(), actor(Who::Certifier), "the same identity");
    assert_ne!(parse_creator(&fake_alice).expect("identity").key, key_of(Who::Certifier), "another key");

    let me = who_am_i(&w, &fake_alice);
    assert!(me.roles.is_empty(), "{me:?}");
    assert_eq!(me.roles_of_other_key, vec![Role::Certifier]);
    for (function, req) in [
        ("Suspend", json(World::reason(&b.active, "takeover"))),
        ("Revoke", json(World::reason(&b.active, "takeover"))),
        ("Reject", json(World::reason(&b.pending, "takeover"))),
        ("Approve", json(w.approval(Who::Certifier, &b.pending))),
    ] {
        let err = refused_as(&mut w, &fake_alice, function, &req);
        assert_reason(&err, Reason::RoleKey.as_str());
        assert!(err.to_string().contains("ApproveRoleKey"), "the refusal says the way out: {err}");
    }
    // Reads open to role holders only are refused too.
    let list = ListByStatusRequest { status: CertificateStatus::Pending, page_size: 0, bookmark: String::new() };
    let err = w.evaluate_as::<_, Value>(&fake_alice, "ListByStatus", &list).expect_err("refused");
    assert_reason(&err, Reason::RoleKey.as_str());
    // Nor can the new key hand the roles on to itself or anyone.
    let err = refused_as(&mut w, &fake_alice, "ApproveRoleKey", &ApproveRoleKeyRequest { key: "ab".repeat(32) });
    assert_reason(&err, Reason::RoleAny.as_str());

    // The governance admin's name, likewise: no grant, no self-promotion.
    let fake_admin = twin(Who::Admin);
    let err = refused_as(
        &mut w,
        &fake_admin,
        "GrantRole",
        &RoleRequest {
            identity: actor(Who::Admin),
            role: Role::Auditor,
            key: Some(parse_creator(&fake_admin).expect("identity").key),
        },
    );
    assert_reason(&err, Reason::RoleKey.as_str());
    let err = refused_as(
        &mut w,
        &fake_admin,
        "RegisterIssuerKey",
        &RegisterIssuerKeyRequest {
            public_key: hex::encode(fresh_key().verifying_key().as_bytes()),
            holder: actor(Who::Certifier),
            valid_from: T0,
            valid_until: T0 + DAY,
        },
    );
    assert_reason(&err, Reason::RoleKey.as_str());
    // The rightful holders still act.
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&b.active, "audit"));
}

/// A member re-enrolled with a new key: the old key approves the new one, which then holds
/// every role the old one held; the old key holds nothing more; the grant records both.
#[test]
fn the_key_holding_the_roles_hands_them_to_a_new_key_of_the_same_identity() {
    let b = base();
    let mut w = b.world.clone();
    let new_cert = twin(Who::Certifier);
    let new_key = parse_creator(&new_cert).expect("identity").key;
    let moved: Vec<RoleGrant> = w.ok(Who::Certifier, "ApproveRoleKey", &ApproveRoleKeyRequest { key: new_key.clone() });
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].role, Role::Certifier);
    assert_eq!(w.last_event().name, events::ROLE_KEY_APPROVED);
    let stored = grant_record(&w, Who::Certifier, Role::Certifier);
    assert_eq!(stored.key.as_deref(), Some(new_key.as_str()));
    match stored.key_source {
        Some(RoleKeySource::ApprovedByPreviousKey { previous_key, .. }) => {
            assert_eq!(previous_key, key_of(Who::Certifier))
        }
        other => panic!("the grant says how the key came to hold it: {other:?}"),
    }
    assert_eq!(who_am_i(&w, &new_cert).roles, vec![Role::Certifier]);
    // The new certificate acts; the old one is refused.
    w.submit_as(&new_cert, "Suspend", &World::reason(&b.active, "audit")).expect("the new key suspends");
    let err = w.expect_refused(
        "UNAUTHORIZED",
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: b.active.clone(), reason: "ok".into(), resign: None },
    );
    assert_reason(&err, Reason::RoleKey.as_str());
    // Naming one's own key is no handover.
    let own = ApproveRoleKeyRequest { key: new_key };
    let err = w.submit_as(&new_cert, "ApproveRoleKey", &own).expect_err("own key");
    assert_eq!(err.code(), "VALIDATION", "{err}");
}

/// A member who lost their key: the governance admin grants the role again to the new
/// certificate's key; granting it to the key that holds it is refused as a duplicate.
#[test]
fn an_admin_grants_a_role_again_to_a_lost_keys_successor() {
    let b = base();
    let mut w = b.world.clone();
    let new_cert = twin(Who::Certifier);
    let new_key = parse_creator(&new_cert).expect("identity").key;
    let again = RoleRequest { identity: actor(Who::Certifier), role: Role::Certifier, key: Some(new_key.clone()) };
    let grant: RoleGrant = w.ok(Who::Admin, "GrantRole", &again);
    assert_eq!((grant.key.as_deref(), grant.key_source), (Some(new_key.as_str()), Some(RoleKeySource::Granted)));
    w.submit_as(&new_cert, "Suspend", &World::reason(&b.active, "audit")).expect("the new key suspends");
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier, "Revoke", &World::reason(&b.active, "lost"));
    assert_reason(&err, Reason::RoleKey.as_str());
    w.expect_refused("ALREADY_EXISTS", Who::Admin, "GrantRole", &again);
    // Revoking by a key that does not hold the role is refused; by the holding key, done.
    let wrong = RoleRequest { key: Some(key_of(Who::Certifier)), ..again.clone() };
    w.expect_refused("CONFLICT", Who::Admin, "RevokeRole", &wrong);
    w.ok::<RoleGrant>(Who::Admin, "RevokeRole", &again);
}

/// A grant names its key: none, or one that is no key ID, is refused and writes nothing.
#[test]
fn a_grant_without_a_well_formed_key_is_refused() {
    let mut w = base().world.clone();
    for key in [None, Some("AB".repeat(32)), Some("ab".repeat(31)), Some(String::new())] {
        let req = RoleRequest { identity: new_auditor(), role: Role::Auditor, key };
        let err = w.expect_refused("VALIDATION", Who::Admin, "GrantRole", &req);
        assert!(err.to_string().contains("key"), "{err}");
    }
}

/// Grants written before roles were bound to keys name no key. The first certificate of
/// the identity to use one in a committed transaction binds it; after that a second
/// certificate of the name is refused like any other. A query binds nothing.
#[test]
fn a_grant_written_before_keys_binds_to_its_first_use() {
    let b = base();
    let mut w = b.world.clone();
    // The grant as the contract before key binding wrote it.
    let me = actor(Who::Certifier);
    let key = create_composite_key("role", &[&me.msp_id, &me.id, Role::Certifier.as_str()]).expect("key");
    let legacy = serde_json::json!({
        "identity": me, "role": "certifier", "granted_by": actor(Who::Admin), "granted_at": T0,
    });
    let ts = w.ts();
    w.ledger
        .execute(&creator(Who::Admin), ts, |stub| {
            stub.put_state(&key, &serde_json::to_vec(&legacy).expect("json")).map_err(ContractError::from)
        })
        .expect("legacy grant");
    assert_eq!(grant_record(&w, Who::Certifier, Role::Certifier).key, None);
    // A query binds nothing.
    assert_eq!(
        w.evaluate::<_, WhoAmI>(Who::Certifier, "WhoAmI", &EmptyRequest {}).expect("whoami").roles,
        vec![Role::Certifier]
    );
    assert_eq!(grant_record(&w, Who::Certifier, Role::Certifier).key, None);
    // The first committed use binds it to its key.
    let (_, tx_id) = w
        .submit_tx(Who::Certifier, "Suspend", &[serde_json::to_vec(&World::reason(&b.active, "audit")).expect("json")])
        .expect("suspend");
    let bound = grant_record(&w, Who::Certifier, Role::Certifier);
    assert_eq!(bound.key.as_deref(), Some(key_of(Who::Certifier).as_str()));
    assert_eq!(bound.key_source, Some(RoleKeySource::FirstUse { tx_id }));
    // From then on the name's second certificate holds nothing.
    let err = refused_as(&mut w, &twin(Who::Certifier), "Revoke", &World::reason(&b.active, "takeover"));
    assert_reason(&err, Reason::RoleKey.as_str());
}
