//! The published decision schema (`schema/decision.schema.json`, generated
//! from the decision's own types with schemars by `brightline schema
//! decision`; `crates/cli/tests/cli.rs` checks that the file is what the code
//! generates) holds for real decisions: those of
//! `examples/*.json` and of every bundled worked example. Every field a
//! decision carries is declared in the schema, so a field added to the types
//! and not to the schema fails here.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every request of the corpus: the example files, then the worked examples.
fn requests() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "examples/*.json");
    for f in files {
        out.push((f.display().to_string(), read_json(&f)));
    }
    let lib = brightline_laws::library().expect("bundled packs load");
    for p in &lib.packs {
        for ex in &p.examples {
            let name = format!("{}: {}", p.id, ex.json["name"].as_str().unwrap_or("?"));
            out.push((name, ex.json.clone()));
        }
    }
    out
}

/// Object keys of `value` that `schema` does not declare, by JSON pointer.
/// Follows `properties` and `items`; a schema without `properties` (an open
/// object such as a counterfactual's `if`) declares any key.
fn undeclared(value: &Value, schema: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (k, v) in map {
                match props.get(k) {
                    Some(s) => undeclared(v, s, &format!("{at}/{k}"), out),
                    None => out.push(format!("{at}/{k}")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    undeclared(v, s, &format!("{at}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn real_decisions_satisfy_the_published_decision_schema() {
    let schema = read_json(&root().join("schema/decision.schema.json"));
    let validator = jsonschema::validator_for(&schema).expect("the decision schema compiles");
    let lib = brightline_laws::library().expect("bundled packs load");
    let corpus = requests();
    assert!(corpus.len() > 1000, "{} requests", corpus.len());
    let mut failures = Vec::new();
    let mut outcomes = std::collections::BTreeSet::new();
    for (name, req) in &corpus {
        let d = lib
            .decide_json(req)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let v = serde_json::to_value(&d).unwrap();
        outcomes.insert(v["outcome"].as_str().unwrap_or("?").to_string());
        for e in validator.iter_errors(&v) {
            failures.push(format!("{name}: {} at {}", e, e.instance_path()));
        }
        let mut extra = Vec::new();
        undeclared(&v, &schema, "", &mut extra);
        for k in extra {
            failures.push(format!("{name}: {k} is not declared in the schema"));
        }
    }
    // The corpus reaches every outcome, so every branch of the schema is exercised.
    assert_eq!(
        outcomes.into_iter().collect::<Vec<_>>(),
        ["permitted", "prohibited", "required", "undetermined"]
    );
    failures.truncate(20);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_schema_check_catches_an_undeclared_field_and_a_bad_value() {
    let schema = read_json(&root().join("schema/decision.schema.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let lib = brightline_laws::library().unwrap();
    let req = read_json(&root().join("examples/nyc-doc-detainer.json"));
    let mut v = serde_json::to_value(lib.decide_json(&req).unwrap()).unwrap();
    assert!(validator.is_valid(&v));
    v["outcome"] = Value::from("maybe");
    assert!(!validator.is_valid(&v));
    v["novel"] = Value::from(1);
    let mut extra = Vec::new();
    undeclared(&v, &schema, "", &mut extra);
    assert_eq!(extra, ["/novel"]);
}
