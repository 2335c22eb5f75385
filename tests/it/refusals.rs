//! Authorization: refused transactions are clean one-line errors and write nothing.

use crate::support::*;

#[test]
fn refusals_are_clean_errors_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let pending = apply_value(data, &example_value());
    let mut other = example_value();
    other["batch"] = "LOT-2026-0412-C".into();
    let issued = apply_value(data, &other);
    ok_json(data, Some(CERTIFIER), &["approve", &issued]);
    let before = height(data);

    // A manufacturer has no issuer key of its own...
    assert_clean_error(&nt(data, Some(APPLICANT), &["approve", &pending]), &["issuer key", APPLICANT]);
    // ...and even with the certifier's key file the contract refuses: no certifier role.
    assert_clean_error(
        &nt(data, Some(APPLICANT), &["approve", &pending, "--key", CERTIFIER]),
        &["UNAUTHORIZED:", "certifier role", APPLICANT],
    );
    assert_clean_error(&nt(data, Some(APPLICANT), &["renew", &issued, "--key", CERTIFIER]), &["UNAUTHORIZED:"]);
    assert_clean_error(&nt(data, Some(APPLICANT), &["reject", &pending, "--reason", "mine"]), &["UNAUTHORIZED:"]);
    assert_clean_error(&nt(data, Some(APPLICANT), &["revoke", &issued, "--reason", "mine"]), &["UNAUTHORIZED:"]);
    // An auditor reads everything and changes nothing.
    assert_clean_error(
        &nt(data, Some(INSPECTOR), &["suspend", &issued, "--reason", "spot check"]),
        &["UNAUTHORIZED:", "certifier role", INSPECTOR],
    );
    assert!(ok_json(data, Some(INSPECTOR), &["queue"])["certificates"].as_array().unwrap().len() == 1);
    // A certifier cannot apply, grant roles or register organisations.
    assert_clean_error(
        &nt(data, Some(CERTIFIER), &["apply", "--file", example_application().to_str().unwrap()]),
        &["UNAUTHORIZED:"],
    );
    assert_clean_error(&nt(data, Some(CERTIFIER), &["grant", CERTIFIER, "admin"]), &["UNAUTHORIZED:"]);
    // The grantee named on the command line is not who acts (the --as identity is): an
    // applicant naming the admin is refused as the applicant, not served as the admin.
    assert_clean_error(
        &nt(data, Some(APPLICANT), &["grant", ADMIN, "admin"]),
        &["UNAUTHORIZED:", "GrantRole needs the admin role", "dave@manufacturer"],
    );
    assert_clean_error(
        &nt(data, Some(APPLICANT), &["ungrant", CERTIFIER, "certifier"]),
        &["UNAUTHORIZED:", "RevokeRole needs the admin role", "dave@manufacturer"],
    );
    assert_clean_error(
        &nt(data, Some(APPLICANT), &["register-org", "EvilMSP", "--name", "Evil", "--kind", "certifier"]),
        &["UNAUTHORIZED:"],
    );
    // An SDS revision must be newer than the recorded one.
    let sha = "b".repeat(64);
    assert_clean_error(
        &nt(
            data,
            Some(APPLICANT),
            &["update-sds", &issued, "--url", "https://sds.example.com/a.pdf", "--sha256", &sha, "--revision", "2"],
        ),
        &["revision"],
    );

    assert_eq!(height(data), before, "a refused transaction changed the ledger");
    assert_verdict(data, &pending, "PENDING");
    assert_verdict(data, &issued, "VALID");
}
