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

pub fn decision() -> Value {
    let outcome =
        json!({"type": "string", "enum": ["required", "permitted", "prohibited", "undetermined"]});
    let answer = json!({"type": "object", "required": ["fact", "question", "answer"], "properties": {
        "fact": {"type": "string"}, "question": {"type": "string"}, "answer": {},
        "test": {"type": "string", "description": "the test answered, where no single fact value settles it"}}});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://brightline.invalid/schema/decision.schema.json",
        "title": "brightline decision",
        "type": "object",
        "required": ["outcome", "citations", "obligations", "missing_facts", "counterfactuals", "trace", "law"],
        "properties": {
            "outcome": outcome,
            "summary": {"type": "string", "description": "the answer in one line"},
            "citations": {"type": "array", "items": {"type": "string"}},
            "reasons": {"type": "array", "items": {"type": "object", "properties": {
                "rule": {"type": "string"}, "citation": {"type": "string"}, "title": {"type": "string"},
                "outcome": outcome, "jurisdiction": {"type": "string"}, "confidence": {"type": "string", "enum": ["verbatim", "secondary", "unconfirmed"]},
                "source": {"type": "string"}, "quote": {"type": "string"},
                "matched": {"type": "array", "items": {"type": "string"}, "description": "the part of the law that matched, e.g. a listed offense"}}}},
            "obligations": {"type": "array", "items": {"type": "object", "required": ["id", "text", "citation"], "properties": {
                "id": {"type": "string"}, "text": {"type": "string"}, "citation": {"type": "string"}}}},
            "missing_facts": {"type": "array", "items": {"type": "string"}, "description": "paths of facts the answer depends on and the request lacks"},
            "questions": {"type": "array", "description": "the missing facts that can change the outcome, asked in plain words", "items": {"type": "object", "required": ["fact", "question", "help"], "properties": {
                "fact": {"type": "string"}, "question": {"type": "string"}, "help": {"type": "string"}}}},
            "branches": {"type": "array", "description": "for an undetermined decision: the outcome under each set of answers, the most common first", "items": {"type": "object", "required": ["when", "outcome"], "properties": {
                "when": {"type": "array", "items": answer.clone()}, "outcome": outcome}}},
            "assumptions": {"type": "array", "description": "facts the request did not state that the decision took from the request's implications or the law's presumptions", "items": {"type": "object", "required": ["fact", "value", "basis", "why", "citation"], "properties": {
                "fact": {"type": "string"}, "value": {}, "basis": {"type": "string", "enum": ["implied", "presumed"]}, "why": {"type": "string"},
                "citation": {"type": "string"}, "rebutted_by": {"type": "string"}}}},
            "counterfactuals": {"type": "array", "items": {"type": "object", "required": ["if", "outcome"], "properties": {
                "if": {"type": "object", "description": "one fact path and the value that would flip the outcome"}, "outcome": outcome,
                "provided": {"type": "array", "description": "answers the outcome also needs, when the change alone leaves it open", "items": answer},
                "assumption": {"type": "boolean", "description": "the changed fact was assumed, not stated"}}}},
            "ambiguities": {"type": "array", "items": {"type": "object", "properties": {
                "rule": {"type": "string"}, "citation": {"type": "string"}, "other_reading": {"type": "string"}, "cites": {"type": "string"}}}},
            "notes": {"type": "array", "items": {"type": "string"}},
            "preemptions": {"type": "array", "description": "a preempting rule that decided and the lower layers' rules to the contrary it set aside", "items": {"type": "object", "required": ["prevailing", "citation", "preempted"], "properties": {
                "prevailing": {"type": "string"}, "citation": {"type": "string"},
                "preempted": {"type": "array", "items": {"type": "object", "required": ["rule", "citation", "jurisdiction", "outcome"], "properties": {
                    "rule": {"type": "string"}, "citation": {"type": "string"}, "jurisdiction": {"type": "string"}, "outcome": outcome}}}}}},
            "trace": {"type": "array", "items": {"type": "object", "required": ["rule", "citation", "result", "conditions"], "properties": {
                "rule": {"type": "string"}, "citation": {"type": "string"}, "outcome": outcome,
                "result": {"type": "string", "enum": ["fires", "does not fire", "unknown", "defeated"]},
                "defeated_by": {"type": "array", "items": {"type": "string"}},
                "conditions": {"type": "array", "items": {"type": "object", "properties": {
                    "test": {"type": "string"}, "item": {"type": "string"}, "saw": {"type": "string"},
                    "result": {"type": "string", "enum": ["true", "false", "unknown"]}}}}}}},
            "law": {"type": "object", "required": ["as_of", "layers", "provisions"], "properties": {
                "as_of": {"type": "string", "format": "date"}, "jurisdiction": {"type": "string"},
                "layers": {"type": "array", "items": {"type": "string"}}, "version": {"type": "string"},
                "provisions": {"type": "array", "items": {"type": "object"}},
                "events": {"type": "array", "items": {"type": "object"}},
                "suspended": {"type": "array", "items": {"type": "object"}}}}
        }
    })
}
