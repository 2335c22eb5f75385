//! `/api/v1/schemas`: the JSON Schemas of the reads the verifier publishes, the same
//! documents as the repository's `schemas/contract/` (which a test holds to the types).

use super::*;

#[tokio::test]
async fn the_public_functions_schemas_are_served_as_published() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let index = get(&app, "/api/v1/schemas").await;
    assert_eq!(index.status, StatusCode::OK);
    let entries = index.json();
    let functions: Vec<&str> =
        entries.as_array().expect("a list").iter().filter_map(|e| e["function"].as_str()).collect();
    assert_eq!(functions, ["GetCertificate", "Verify", "History", "IssuerKeys", "Organizations"]);
    let published = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/contract");
    for entry in entries.as_array().expect("a list") {
        for part in ["request", "response"] {
            let path = entry[part].as_str().expect("a path");
            let reply = get(&app, path).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            assert_eq!(reply.header("content-type"), "application/schema+json", "{path}");
            let name = path.rsplit('/').next().expect("a file name");
            let file = std::fs::read_to_string(published.join(name)).expect("the published file");
            assert_eq!(reply.text(), file, "{path} is the published schemas/contract/{name}");
        }
    }
    // The verdicts the verifier's cache computes are the contract's Verification: valid
    // under the served schema, every one of them; a changed one is not.
    let schema: Value = get(&app, "/api/v1/schemas/Verify.response.json").await.json();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for id in f.ids.all_known() {
        let verification = f.state.verdict(id, now()).expect("a verdict").verification;
        let json = serde_json::to_value(&verification).expect("JSON");
        let errors: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{id}: {errors:?}");
        let mut broken = json.clone();
        broken["verdict"] = Value::from("FINE");
        assert!(!validator.is_valid(&broken), "a verdict outside the list is refused");
    }
    // A function that is not public, or no function: 404 naming the served ones.
    for missing in ["/api/v1/schemas/Apply.request.json", "/api/v1/schemas/nothing", "/api/v1/schemas/Verify.json"] {
        let reply = get(&app, missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(reply.json()["message"].as_str().unwrap_or("").contains("Verify.response.json"), "{missing}");
    }
}
