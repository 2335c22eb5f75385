//! Every contract call a test world makes is checked against the published JSON Schemas
//! of its function ([`nanotrace_model::signature::schemas`]): a request the contract
//! accepted must be valid under its request schema, and its answer under its response
//! schema. So the schemas partners integrate against are held to what the contract really
//! takes and answers, by every contract test.

use nanotrace_model::function::Function;
use nanotrace_model::signature::schemas;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The compiled request and response validators of each function.
fn validators() -> &'static HashMap<Function, (jsonschema::Validator, jsonschema::Validator)> {
    static VALIDATORS: OnceLock<HashMap<Function, (jsonschema::Validator, jsonschema::Validator)>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        schemas()
            .into_iter()
            .map(|s| {
                let compile = |schema: &serde_json::Value, part: &str| {
                    jsonschema::validator_for(schema)
                        .unwrap_or_else(|e| panic!("the {part} schema of {} does not compile: {e}", s.function))
                };
                (s.function, (compile(&s.request, "request"), compile(&s.response, "response")))
            })
            .collect()
    })
}

/// Panics unless `request` (the call's one argument; none is `{}`) and `response` of a
/// successful call of `function` are valid under the function's schemas. A name that is
/// no function was refused by the contract, so it never gets here.
pub fn check(function: &str, args: &[Vec<u8>], response: &[u8]) {
    let Some(f) = Function::from_name(function) else { return };
    let Some((request_schema, response_schema)) = validators().get(&f) else {
        panic!("{function} has no schema");
    };
    let request: serde_json::Value = match args {
        [] => serde_json::json!({}),
        [one] => serde_json::from_slice(one)
            .unwrap_or_else(|e| panic!("{function} accepted a request that is not JSON: {e}")),
        _ => panic!("{function} accepted {} arguments", args.len()),
    };
    let response: serde_json::Value =
        serde_json::from_slice(response).unwrap_or_else(|e| panic!("{function} answered with something not JSON: {e}"));
    for (part, validator, value) in [("request", request_schema, &request), ("response", response_schema, &response)] {
        let errors: Vec<String> =
            validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(
            errors.is_empty(),
            "the contract's {function} {part} is not valid under its published schema \
             (schemas/contract/{function}.{part}.json): {errors:?}\n{value}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    fn refuses(function: &str, request: &str, response: &str) -> bool {
        let args = vec![request.as_bytes().to_vec()];
        std::panic::catch_unwind(|| check(function, &args, response.as_bytes())).is_err()
    }

    #[test]
    fn a_call_that_its_schemas_do_not_describe_fails_the_test() {
        let id = r#"{"certificate_id": "NT-ABCDEFGH2345"}"#;
        let verification = r#"{"certificate_id": "NT-ABCDEFGH2345", "verdict": "UNKNOWN", "reason": "no such certificate", "checked_at": 1}"#;
        assert!(!refuses("Verify", id, verification), "a real Verify call passes");
        assert!(refuses("Verify", r#"{"certificate_id": 5}"#, verification), "a request of the wrong type");
        assert!(refuses("Verify", "{}", verification), "a request without its field");
        assert!(
            refuses("Verify", id, r#"{"certificate_id": "NT-ABCDEFGH2345", "verdict": "FINE"}"#),
            "an answer outside the schema"
        );
        assert!(refuses("Verify", id, "[]"), "an answer of the wrong shape");
        assert!(!refuses("NoSuchFunction", "{}", "{}"), "the contract refused a name it does not know");
    }
}
