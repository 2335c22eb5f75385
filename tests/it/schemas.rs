//! The JSON Schemas of every contract function, published in `schemas/contract/`, are the
//! ones the model's types generate (`nanotrace_model::signature`): a changed type, a
//! function added or removed, and this test fails until the files are made again with
//! `NANOTRACE_WRITE_SCHEMAS=1 cargo test --test it schemas`. (That the contract really
//! takes and answers what they describe is checked on every call of every contract test:
//! `nanotrace_testkit::schemas`.)

use nanotrace_model::function::FunctionKind;
use nanotrace_model::signature::{schemas, FunctionSchemas, PUBLIC};
use std::collections::BTreeMap;
use std::path::Path;

fn index(all: &[FunctionSchemas]) -> String {
    let mut out = String::from(
        "# The contract's JSON Schemas\n\n\
         Generated from the model's types (`model/src/signature.rs`) by `NANOTRACE_WRITE_SCHEMAS=1 cargo test \
         --test it schemas`; the test fails when they differ. JSON Schema draft 2020-12. Every function takes one \
         JSON argument (its request; `{}` where it is empty) and answers JSON (its response); a private request \
         travels instead in the proposal's transient data under `request`, never as an argument, and its \
         function answers only a receipt, the full answer being read with `PrivateAnswer` \
         ([docs/PRIVATE-DATA.md](../../docs/PRIVATE-DATA.md)); a refusal is an error with a code and a reason token ([docs/CONTRACT.md](../../docs/CONTRACT.md)). The public verifier \
         serves the schemas of the reads it publishes at `/api/v1/schemas/{file}`.\n\n\
         | function | kind | request | response | served by the verifier |\n|---|---|---|---|---|\n",
    );
    for s in all {
        let kind = match s.function.kind() {
            FunctionKind::Submit if s.function.has_private_request() => {
                "submit, request in transient data, answers a receipt"
            }
            FunctionKind::Submit => "submit",
            FunctionKind::Evaluate => "evaluate",
        };
        let (request, response) =
            (FunctionSchemas::file_name(s.function, "request"), FunctionSchemas::file_name(s.function, "response"));
        let public = if PUBLIC.contains(&s.function) { "yes" } else { "" };
        out.push_str(&format!(
            "| `{}` | {kind} | [{request}]({request}) | [{response}]({response}) | {public} |\n",
            s.function
        ));
    }
    out
}

#[test]
fn the_published_contract_schemas_are_the_ones_the_types_generate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/contract");
    let write = std::env::var_os("NANOTRACE_WRITE_SCHEMAS").is_some();
    let all = schemas();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for s in &all {
        for (part, schema) in [("request", &s.request), ("response", &s.response)] {
            let text = serde_json::to_string_pretty(schema).expect("a schema is JSON") + "\n";
            files.insert(FunctionSchemas::file_name(s.function, part), text);
        }
    }
    files.insert("README.md".into(), index(&all));
    if write {
        std::fs::create_dir_all(&dir).expect("schemas/contract");
        for entry in std::fs::read_dir(&dir).expect("read schemas/contract").flatten() {
            std::fs::remove_file(entry.path()).expect("remove an old schema");
        }
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).expect("write a schema");
        }
    }
    let present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut present = present;
    present.sort();
    assert_eq!(present, files.keys().cloned().collect::<Vec<_>>(), "the files in schemas/contract/");
    for (name, text) in &files {
        let published = std::fs::read_to_string(dir.join(name)).expect("read a schema");
        assert!(
            published == *text,
            "schemas/contract/{name} is not what the types generate: run NANOTRACE_WRITE_SCHEMAS=1 cargo test --test it schemas"
        );
    }
    // Every function has both, and a request is always an object (one JSON argument).
    assert_eq!(all.len(), nanotrace_model::function::Function::ALL.len());
    for s in &all {
        assert_eq!(s.request["type"], "object", "{}: {}", s.function, s.request);
    }
}
