//! Issue 70, part 2: every governance key (the `governance` record, organisations with
//! their prefixes and status bases, role grants, issuer keys) carries the qualified
//! majority `AND('<governing>.peer', OutOf(k, …))`, which follows the consortium as
//! organisations that run peers join and leave, and which no coalition without the
//! governing organisation, or smaller than a majority, meets (evaluated as Fabric
//! evaluates it). A ledger written before these policies is protected by its next
//! governance transaction. Deleting `guard_governance` (or a call of it) fails these tests.

use nanotrace_model::*;
use nanotrace_shim::{EndorsementPolicy, Principal, Stub};
use nanotrace_testkit::*;

/// Every governance key with its policy (`None`: no key-level policy).
fn governance_keys(w: &World) -> Vec<(String, Option<EndorsementPolicy>)> {
    w.ledger
        .evaluate(&creator(Who::Auditor), w.ts(), |s| {
            let mut keys = vec!["governance".to_owned()];
            for object_type in ["org", "role", "ikey"] {
                let page = s.get_state_by_partial_composite_key(object_type, &[], 1000, "")?;
                assert!(page.bookmark.is_empty(), "one page holds them");
                keys.extend(page.entries.into_iter().map(|(k, _)| k));
            }
            keys.into_iter()
                .map(|k| {
                    let policy = s.get_state_validation_parameter(&k)?;
                    Ok((k, policy))
                })
                .collect::<Result<Vec<_>, nanotrace_shim::StubError>>()
        })
        .expect("governance keys")
}

fn governance(w: &World) -> Governance {
    let bytes = w
        .ledger
        .evaluate(&creator(Who::Auditor), w.ts(), |s| s.get_state("governance"))
        .expect("read")
        .expect("bootstrapped");
    serde_json::from_slice(&bytes).expect("governance record")
}

/// Asserts every governance key carries `expected`, and the governance record names it.
fn assert_guarded(w: &World, expected: &EndorsementPolicy) {
    let keys = governance_keys(w);
    assert!(keys.len() > 10, "{keys:?}");
    for (key, policy) in &keys {
        assert_eq!(policy.as_ref(), Some(expected), "{key:?}");
    }
    assert_eq!(governance(w).protected_by, Some(expected.to_string()));
}

fn manufacturer(msp_id: &str, without_peers: bool) -> RegisterOrganizationRequest {
    RegisterOrganizationRequest {
        msp_id: msp_id.into(),
        name: format!("{msp_id} Nano"),
        kind: OrgKind::Manufacturer,
        without_peers,
        billing: None,
    }
}

fn peers(orgs: &[&str]) -> Vec<Principal> {
    orgs.iter().map(|o| Principal::peer(*o)).collect()
}

#[test]
fn every_governance_key_needs_the_governing_peer_and_a_majority() {
    let w = World::governed();
    let expected =
        EndorsementPolicy::qualified_majority(GOV_MSP, [CERTIFIER_MSP, MANUFACTURER_MSP, OTHER_MANUFACTURER_MSP]);
    assert_eq!(
        expected.to_string(),
        format!(
            "AND('{GOV_MSP}.peer', OutOf(2, '{CERTIFIER_MSP}.peer', '{MANUFACTURER_MSP}.peer', \
             '{OTHER_MANUFACTURER_MSP}.peer'))"
        )
    );
    assert_guarded(&w, &expected);
    // Evaluated as Fabric's validator evaluates it: two colluding manufacturers, or the
    // three others without the governing organisation, or it with one other, do not meet
    // it; the governing organisation with two others does.
    assert!(!expected.is_satisfied_by(&peers(&[MANUFACTURER_MSP, OTHER_MANUFACTURER_MSP])));
    assert!(!expected.is_satisfied_by(&peers(&[CERTIFIER_MSP, MANUFACTURER_MSP, OTHER_MANUFACTURER_MSP])));
    assert!(!expected.is_satisfied_by(&peers(&[GOV_MSP, MANUFACTURER_MSP])));
    assert!(expected.is_satisfied_by(&peers(&[MANUFACTURER_MSP, GOV_MSP, CERTIFIER_MSP])));
}

#[test]
fn the_majority_follows_the_organisations_that_run_peers() {
    let mut w = World::governed();
    w.add_second_certification_body();
    let five = [CERTIFIER_MSP, MANUFACTURER_MSP, OTHER_MANUFACTURER_MSP, OTHER_CERTIFIER_MSP];
    assert_guarded(&w, &EndorsementPolicy::qualified_majority(GOV_MSP, five));

    // A manufacturer without peers counts in no endorsement: nothing changes but its own
    // record, which gets the same policy.
    w.ok::<Organization>(Who::Admin, "RegisterOrganization", &manufacturer("PeerlessMSP", true));
    assert_guarded(&w, &EndorsementPolicy::qualified_majority(GOV_MSP, five));

    // A sixth organisation with peers: 4 of 6, so k = 3 of the five others.
    w.ok::<Organization>(Who::Admin, "RegisterOrganization", &manufacturer("SixthMSP", false));
    let six = EndorsementPolicy::qualified_majority(GOV_MSP, five.iter().copied().chain(["SixthMSP"]));
    assert!(six.to_string().contains("OutOf(3, "), "{six}");
    assert_guarded(&w, &six);

    // A retired organisation endorses nothing more; its role grants are gone, every other
    // governance key (its own record included) takes the smaller majority.
    let retire = RetireOrganizationRequest { msp_id: CERTIFIER_MSP.into(), reason: "accreditation withdrawn".into() };
    w.ok::<Organization>(Who::Admin, "RetireOrganization", &retire);
    let after = EndorsementPolicy::qualified_majority(
        GOV_MSP,
        [MANUFACTURER_MSP, OTHER_MANUFACTURER_MSP, OTHER_CERTIFIER_MSP, "SixthMSP"],
    );
    assert_guarded(&w, &after);
    assert!(governance_keys(&w).iter().all(|(k, _)| !k.contains(&format!("role\u{0}{CERTIFIER_MSP}\u{0}"))));
}

#[test]
fn a_ledger_from_before_the_policies_is_guarded_by_its_next_governance_transaction() {
    let mut w = World::governed();
    // The state an earlier version left: governance keys under the issuing-style policy of
    // the governing organisation alone (standing in for "none", which a ledger cannot
    // set back), and a governance record that names no policy.
    let keys: Vec<String> = governance_keys(&w).into_iter().map(|(k, _)| k).collect();
    let old = EndorsementPolicy::peer_of(GOV_MSP);
    let ts = w.ts();
    w.ledger
        .execute(&creator(Who::Admin), ts, |s| {
            let mut gov: Governance =
                serde_json::from_slice(&s.get_state("governance")?.expect("governance")).expect("record");
            gov.protected_by = None;
            s.put_state("governance", &serde_json::to_vec(&gov).expect("json"))?;
            for key in &keys {
                s.set_state_validation_parameter(key, &old)?;
            }
            Ok::<(), nanotrace_shim::StubError>(())
        })
        .expect("the earlier state");
    assert!(governance_keys(&w).iter().all(|(_, p)| p.as_ref() == Some(&old)));
    assert_eq!(governance(&w).protected_by, None);

    w.now += 1;
    let prefixes = SetCompanyPrefixesRequest {
        msp_id: OTHER_MANUFACTURER_MSP.into(),
        prefixes: vec![OTHER_COMPANY_PREFIX.into()],
    };
    w.ok::<Organization>(Who::Admin, "SetCompanyPrefixes", &prefixes);
    assert_guarded(
        &w,
        &EndorsementPolicy::qualified_majority(GOV_MSP, [CERTIFIER_MSP, MANUFACTURER_MSP, OTHER_MANUFACTURER_MSP]),
    );
}
