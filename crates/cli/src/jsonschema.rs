//! JSON Schemas of the contract, generated from the fact schema so that the
//! published files cannot drift from the code (a test compares them).

use brightline::schema::{self, FactDef, Ty};
use serde_json::{json, Map, Value};

fn ty(d: &FactDef) -> Value {
    let mut v = match d.ty {
        Ty::Date => json!({"type": "string", "format": "date"}),
        Ty::Number => json!({"type": "integer", "minimum": 0}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Enum(vals) => json!({"type": "string", "enum": vals}),
        Ty::Set(vals) => {
            json!({"type": "array", "items": {"type": "string", "enum": vals}, "uniqueItems": true})
        }
        // Any text: records print codes every which way (`PL 120.05 02`), and
        // what cannot be read is an unknown, never bad input.
        Ty::Offense => json!({"type": "string"}),
    };
    v["title"] = Value::String(d.question.into());
    v["description"] = Value::String(format!("{} {}", d.doc, d.help));
    if d.path == "request.warrant" {
        // The decoder also reads the warrant's own form number as its kind;
        // the schema names the canonical values only.
        let forms: Vec<String> = brightline::records::WARRANT_FORMS
            .iter()
            .map(|(f, k)| format!("`{f}` ({k})"))
            .collect();
        v["description"] = Value::String(format!(
            "{} {} Also accepted: {}.",
            d.doc,
            d.help,
            forms.join(", ")
        ));
    }
    v
}

fn object(props: Map<String, Value>, required: &[&str]) -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": props, "required": required})
}

pub fn request() -> Value {
    let mut req = Map::new();
    let mut subj = Map::new();
    for d in schema::SCALARS {
        if let Some(k) = d.path.strip_prefix("request.") {
            req.insert(k.into(), ty(d));
        } else if let Some(k) = d.path.strip_prefix("subject.") {
            subj.insert(k.into(), ty(d));
        }
    }
    for l in schema::LISTS {
        let mut item = Map::new();
        for f in l.fields {
            item.insert(f.path.into(), ty(f));
        }
        item.insert("equivalent".into(), json!({"type": "string", "description": "for an out-of-state or federal code: the equivalent code of the jurisdiction's own scheme"}));
        subj.insert(
            l.path.trim_start_matches("subject.").into(),
            json!({"type": "array", "items": object(item, &[])}),
        );
    }
    for k in ["booking_number", "name"] {
        subj.insert(k.into(), json!({"type": "string", "description": "an identifier; never read by rules, stored only as a keyed hash"}));
    }
    subj.insert(
        "identifiers".into(),
        json!({"type": "object", "description": "other identifiers; never read by rules"}),
    );
    let jur: Vec<&str> = schema::JURISDICTIONS
        .iter()
        .flat_map(|(a, b)| [*a, *b])
        .collect();
    let mut top = Map::new();
    top.insert("jurisdiction".into(), json!({"type": "string", "enum": jur, "description": "a jurisdiction id or its Open Civic Data division id"}));
    top.insert("agency".into(), json!({"type": "string", "description": format!("a role ({}) or a pack alias such as nypd, doc, dop", schema::AGENCIES.join(", "))}));
    top.insert("date".into(), json!({"type": "string", "format": "date", "description": "the date of the request; the law of that day decides"}));
    top.insert("strict".into(), json!({"type": "boolean", "description": "true: take no fact from the request's implications or the law's presumptions; every unstated fact stays unknown"}));
    let mut request = object(req, &[]);
    // The kind, or the form it is read from.
    request["anyOf"] = json!([{"required": ["kind"]}, {"required": ["form"]}]);
    top.insert("request".into(), request);
    top.insert("subject".into(), object(subj, &[]));
    let mut v = object(top, &["jurisdiction", "date", "request"]);
    v["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    v["$id"] = json!("https://brightline.invalid/schema/request.schema.json");
    v["title"] = json!("brightline request");
    v
}

/// Generated from the decision's own types (`brightline::decision_schema`).
pub fn decision() -> Value {
    brightline::decision_schema()
}
