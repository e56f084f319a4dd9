//! The OpenAPI description served at `/openapi.json`.
//!
//! utoipa generates the operations from the handlers' annotations; this module
//! then adds what every operation shares (the error answers: 400, 401, 403,
//! 404, 413, 429, 503) and the exact constraints of each parameter and body
//! (ranges, enums, date formats), so that a client or a fuzzer reading the
//! description knows precisely what the server accepts and may answer.
//! The request contract of `POST /v1/decisions` is schema/request.schema.json.

use serde_json::{json, Map, Value};
use utoipa::OpenApi;

use crate::routes::{decisions, laws, log, reports, system, tokens};
use crate::{actions, error, map, memo, record, transparency};

const REQUEST_SCHEMA: &str = include_str!("../../../schema/request.schema.json");

fn err(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    })
}

fn retry(description: &str) -> Value {
    let mut r = err(description);
    r["headers"] = json!({ "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": { "type": "integer", "minimum": 1 }
    }});
    r
}

/// A law date: YYYY-MM-DD, on or after `first` (the earliest day every
/// jurisdiction has law encoded for) and at most 9999-12-31.
fn law_date(first: &str) -> Value {
    json!({ "type": "string", "format": "date", "pattern": format!("^({})$", at_least(first)),
            "description": format!("YYYY-MM-DD, from {first}") })
}

/// A report period bound: any YYYY-MM-DD date.
fn any_date() -> Value {
    json!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" })
}

/// A regular expression for the strings of `s`'s shape (digits and fixed
/// punctuation) that are not less than `s`; for dates, the days from `s` on.
fn at_least(s: &str) -> String {
    let b: Vec<char> = s.chars().collect();
    let tail = |from: usize| -> String {
        b[from..]
            .iter()
            .map(|c| {
                if c.is_ascii_digit() {
                    "[0-9]".to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    };
    let mut alts = vec![s.to_string()];
    for (i, c) in b.iter().enumerate() {
        if let Some(d) = c.to_digit(10) {
            if d < 9 {
                let prefix: String = b[..i].iter().collect();
                alts.push(format!("{prefix}[{}-9]{}", d + 1, tail(i + 1)));
            }
        }
    }
    alts.join("|")
}

fn int(min: Option<i64>, max: Option<i64>) -> Value {
    let mut s = json!({ "type": "integer", "format": "int64" });
    if let Some(m) = min {
        s["minimum"] = m.into();
    }
    if let Some(m) = max {
        s["maximum"] = m.into();
    }
    s
}

fn strings(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

/// The jurisdiction ids (and their Open Civic Data ids) the request contract names.
fn jurisdictions(request: &Value) -> Value {
    request["properties"]["jurisdiction"]["enum"].clone()
}

/// The schema of parameter `name` of `method path`, or None to leave utoipa's.
fn param_schema(path: &str, name: &str, ctx: &Ctx) -> Option<Value> {
    let (request, max_actions) = (&ctx.request, ctx.max_actions);
    Some(match (path, name) {
        // compare answers any date, saying where no law was in force then.
        ("/v1/compare", "date") => any_date(),
        // Tree sizes, at most the latest checkpoint's (a bound OpenAPI cannot state).
        ("/v1/log/consistency", "from" | "to") => int(Some(0), None),
        ("/v1/memo", "format") => strings(&["html", "pdf"]),
        ("/v1/decisions", "dry_run") => json!({ "type": "boolean" }),
        ("/v1/decisions", "supersedes") => int(Some(1), None),
        (_, "Idempotency-Key") => json!({
            "type": "string", "minLength": 8, "maxLength": 100, "pattern": "^[!-~]+$",
            "description": "8 to 100 visible ASCII characters, e.g. a random UUID"
        }),
        (_, "date") => law_date(&ctx.first),
        (_, "from" | "to") => any_date(),
        ("/v1/decisions", "limit") => int(Some(1), Some(500)),
        ("/v1/log", "limit") => int(Some(1), Some(1000)),
        ("/v1/log", "after") => int(Some(0), None),
        ("/v1/decisions", "before") => int(None, None),
        ("/v1/decisions", "outcome") => strings(&crate::metrics::OUTCOMES),
        ("/v1/decisions", "jurisdiction" | "kind") => json!({ "type": "string" }),
        (p, "id") if p.starts_with("/v1/decisions/") => int(Some(1), None),
        (_, "actions_limit") => int(Some(1), Some(max_actions.max(1) as i64)),
        (_, "actions_after") => int(Some(0), None),
        (_, "force") => json!({ "type": "boolean" }),
        ("/v1/compare", "jurisdictions") => json!({
            "type": "array", "items": { "type": "string", "enum": jurisdictions(request) }
        }),
        (_, "agency") => strings(brightline::schema::AGENCIES),
        (_, "year") => {
            json!({ "type": "integer", "format": "int32", "minimum": 1900, "maximum": 9999 })
        }
        (_, "quarter") => json!({ "type": "string", "pattern": "^[0-9]{4}[Qq][1-4]$" }),
        (_, "format") => strings(&["json", "csv", "html"]),
        _ => return None,
    })
}

/// The decoder reads a null optional field as not given, and a list of
/// values given twice as the set of them: say so in the schema.
fn nullable_optionals(s: &mut Value) {
    if let Some(o) = s.as_object_mut() {
        o.remove("uniqueItems");
    }
    // Only the outright required; `anyOf`'s alternatives (`kind` or `form`)
    // are held non-null by `form_kinds`.
    let required: Vec<String> = s["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, p) in props.iter_mut() {
            nullable_optionals(p);
            if required.contains(name) {
                continue;
            }
            if let Some(t) = p.get("type").cloned() {
                if t.is_string() {
                    p["type"] = json!([t, "null"]);
                }
            }
            if let Some(e) = p.get_mut("enum").and_then(Value::as_array_mut) {
                if !e.contains(&Value::Null) {
                    e.push(Value::Null);
                }
            }
        }
    }
    if let Some(items) = s.get_mut("items") {
        nullable_optionals(items);
    }
}

/// An `equivalent` is a code in a scheme the law packs know: the pattern
/// lists them. An empty code is read as no code given. (An `offense` is the
/// record's text, read leniently: any string.)
fn offense_patterns(s: &mut Value, schemes: &[String]) {
    let names: Vec<String> = schemes
        .iter()
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == ' ' {
                        c.to_string()
                    } else {
                        format!("\\{c}")
                    }
                })
                .collect()
        })
        .collect();
    let pattern = format!(
        "^(({}) [0-9A-Za-z.\\-]+( [0-9A-Za-z.\\-]+)*(\\([0-9A-Za-z]+\\))*)?$",
        names.join("|")
    );
    fn walk(s: &mut Value, pattern: &str) {
        match s {
            Value::Object(o) => {
                if let Some(Value::Object(props)) = o.get_mut("properties") {
                    for k in ["equivalent"] {
                        if let Some(p) = props.get_mut(k) {
                            p["pattern"] = pattern.into();
                        }
                    }
                }
                for v in o.values_mut() {
                    walk(v, pattern);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|v| walk(v, pattern)),
            _ => {}
        }
    }
    walk(s, &pattern);
}

/// `request` needs a `kind` or a `form` that is not null, and a form implies
/// the kinds it may be: both asked of the decoder itself, so the description
/// follows the law packs' own reading of each federal form.
fn form_kinds(r: &mut Value, lib: &brightline::Library, date: &str) {
    let kinds = r["properties"]["kind"]["enum"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let forms = r["properties"]["form"]["enum"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(alts) = r.get_mut("anyOf").and_then(Value::as_array_mut) {
        for a in alts.iter_mut() {
            let names: Vec<String> = a["required"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            for n in names {
                a["properties"][n.as_str()] = json!({ "not": { "type": "null" } });
            }
        }
    }
    let mut rules = Vec::new();
    for f in forms.iter().filter(|f| !f.is_null()) {
        let allowed: Vec<Value> = kinds
            .iter()
            .filter(|k| {
                k.is_null()
                    || lib
                        .decode(&json!({ "jurisdiction": "us", "date": date,
                                         "request": { "form": f, "kind": k } }))
                        .is_ok()
            })
            .cloned()
            .collect();
        if allowed.len() < kinds.len() {
            rules.push(json!({
                "if": { "properties": { "form": { "const": f } }, "required": ["form"] },
                "then": { "properties": { "kind": { "enum": allowed } } }
            }));
        }
    }
    if !rules.is_empty() {
        r["allOf"] = Value::Array(rules);
    }
}

/// The request contract with the optional `case_ref` the service takes out
/// before deciding (a booking or case number, kept only as a keyed hash).
fn with_case_ref(request: &Value) -> Value {
    let mut r = request.clone();
    if r["properties"].is_object() {
        r["properties"]["case_ref"] = json!({
            "type": ["string", "null"], "minLength": 1, "maxLength": 100, "pattern": "\\S",
            "description": "the booking or case number: 1 to 100 characters, not all blank; kept only as a keyed hash"
        });
    }
    r
}

struct Ctx {
    request: Value,
    max_actions: usize,
    first: String,
}

/// utoipa's document, completed for the running library and limits.
pub fn complete(mut doc: Value, lib: &brightline::Library, max_actions: usize) -> Value {
    let mut request: Value = serde_json::from_str(REQUEST_SCHEMA).unwrap_or(json!({}));
    if let Some(o) = request.as_object_mut() {
        o.remove("$id");
        o.remove("$schema");
    }
    // Every jurisdiction decides from the latest of their first days on.
    let first = lib
        .versions
        .values()
        .filter_map(|v| v.first().map(|v| v.from))
        .max()
        .map(|d| d.to_string())
        .unwrap_or_else(|| "0000-01-01".into());
    request["properties"]["date"] = law_date(&first);
    nullable_optionals(&mut request);
    form_kinds(&mut request["properties"]["request"], lib, &first);
    offense_patterns(&mut request, &lib.scheme_names);
    // The contract's `agency` is a role or one of a pack's own aliases; only the
    // roles are accepted in every jurisdiction, and null means "not given".
    let mut agencies: Vec<Value> = brightline::schema::AGENCIES
        .iter()
        .map(|a| json!(a))
        .collect();
    agencies.push(Value::Null);
    if let Some(a) = request["properties"].get_mut("agency") {
        *a = json!({ "description": "a role; a pack's own aliases (nypd, doc, dop …) are accepted too in their jurisdiction",
                     "enum": agencies });
    }
    let schemas = &mut doc["components"]["schemas"];
    if schemas.is_object() {
        schemas["DiffSide"]["properties"]["jurisdiction"] =
            json!({ "type": "string", "enum": jurisdictions(&request) });
        schemas["DiffSide"]["properties"]["date"] = law_date(&first);
        schemas["TokenBody"]["properties"]["role"] =
            strings(&["clerk", "counsel", "auditor", "admin", "witness"]);
        schemas["TokenBody"]["properties"]["name"] = json!({
            "type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S",
            "description": "1 to 100 characters, not all blank"
        });
        let action = &mut schemas["ActionBody"]["properties"];
        action["act"] = strings(crate::actions::ACTS);
        action["date"] = json!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "YYYY-MM-DD: the day the agency did it; not before the request's date, not after today" });
        action["note"] = json!({ "type": ["string", "null"], "maxLength": 500 });
        action["reason"] =
            json!({ "type": ["string", "null"], "maxLength": crate::actions::REASON_MAX });
    }
    let ctx = Ctx {
        request,
        max_actions,
        first,
    };
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            complete_op(path, method, op, &ctx);
        }
    }
    doc
}

// Long on purpose: one operation's parameters and body constraints, one arm per parameter the API takes.
fn complete_op(path: &str, method: &str, op: &mut Map<String, Value>, ctx: &Ctx) {
    let request = &ctx.request;
    let secured = op
        .get("security")
        .is_some_and(|s| !s.as_array().is_some_and(Vec::is_empty));
    let has_body = op.contains_key("requestBody");
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params.iter_mut() {
            let name = p["name"].as_str().unwrap_or("").to_string();
            if let Some(s) = param_schema(path, &name, ctx) {
                if s["type"] == "array" {
                    // `jurisdictions=us-ny,us-ny-nyc`
                    p["style"] = "form".into();
                    p["explode"] = false.into();
                }
                p["schema"] = s;
            }
        }
    }
    let has_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    if path == "/v1/decisions" && method == "post" {
        op.insert(
            "requestBody".into(),
            json!({ "required": true, "description": "The request contract (schema/request.schema.json), plus an optional `case_ref`",
                    "content": { "application/json": { "schema": with_case_ref(request) } } }),
        );
    }
    if path == "/v1/memo" {
        // The draft's request travels in the link, as JSON.
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for p in params.iter_mut().filter(|p| p["name"] == "request") {
                if let Some(o) = p.as_object_mut() {
                    o.remove("schema");
                    o.insert(
                        "content".into(),
                        json!({ "application/json": { "schema": with_case_ref(request) } }),
                    );
                }
            }
        }
    }
    let r = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(r) = r else { return };
    let mut add = |code: &str, v: Value| {
        r.entry(code.to_string()).or_insert(v);
    };
    if has_params || has_body {
        add(
            "400",
            err("The input breaks a constraint; `field` names it. Nothing was recorded"),
        );
    }
    if path == "/v1/decisions/{id}/actions" {
        add(
            "409",
            err("The decision already has the most actions one may have"),
        );
    }
    if path.contains('{') {
        add(
            "404",
            err("No such resource (or, for a clerk, not one of the caller's decisions)"),
        );
    }
    if has_body {
        add("413", err("The body is over 64 KiB"));
    }
    if secured {
        add(
            "401",
            err("No `Authorization: Bearer` header, or an unknown or revoked token"),
        );
        add("403", err("The token's role may not do this"));
        add("429", retry("The token is over its request rate"));
    }
    add(
        "503",
        retry(
            "The decision log is unavailable, its write queue is full, or the request \
               deadline passed; nothing was recorded (after a deadline, a decision may \
               still have been logged)",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_documents_its_error_answers() {
        let doc = serde_json::to_value(<ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        let doc = complete(doc, brightline::bundled().unwrap(), 100);
        let mut n = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let codes: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
                assert!(
                    codes.iter().any(|c| c.as_str() == "503"),
                    "{method} {path}: {codes:?}"
                );
                if op.get("security").is_some() {
                    for c in ["401", "403", "429"] {
                        assert!(
                            codes.iter().any(|x| x.as_str() == c),
                            "{method} {path} lacks {c}"
                        );
                    }
                }
                n += 1;
            }
        }
        assert!(n >= 26, "{n} operations");
        let body = &doc["paths"]["/v1/decisions"]["post"]["requestBody"]["content"]
            ["application/json"]["schema"];
        assert_eq!(body["required"], json!(["jurisdiction", "date", "request"]));
        assert_eq!(body["properties"]["case_ref"]["maxLength"], 100);
        // The records work's parameters carry their exact shapes.
        let params = |path: &str, method: &str| {
            doc["paths"][path][method]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["name"].as_str().unwrap().to_string(), p.clone()))
                .collect::<std::collections::HashMap<_, _>>()
        };
        let post = params("/v1/decisions", "post");
        assert_eq!(post["dry_run"]["schema"]["type"], "boolean");
        assert_eq!(post["supersedes"]["schema"]["minimum"], 1);
        assert_eq!(post["Idempotency-Key"]["schema"]["minLength"], 8);
        let memo = params("/v1/memo", "get");
        assert!(
            memo["request"]["content"]["application/json"]["schema"]["properties"]["request"]
                .is_object()
        );
        assert_eq!(memo["format"]["schema"]["enum"], json!(["html", "pdf"]));
        let get = params("/v1/decisions/{id}", "get");
        assert_eq!(get["actions_limit"]["schema"]["maximum"], 100);
        let cons = params("/v1/log/consistency", "get");
        assert_eq!(cons["from"]["schema"]["type"], "integer");
        let act = &doc["components"]["schemas"]["ActionBody"]["properties"]["act"];
        assert_eq!(act["enum"], json!(crate::actions::ACTS));
        assert!(doc["paths"]["/v1/decisions/{id}/actions"]["post"]["responses"]["409"].is_object());
    }

    #[test]
    fn law_dates_start_at_the_first_day_of_law() {
        let re = format!("^({})$", at_least("1996-09-30"));
        let ok = |s: &str| {
            // A small matcher for the shapes at_least builds: literal chars and [a-b] classes.
            re.trim_start_matches("^(")
                .trim_end_matches(")$")
                .split('|')
                .any(|alt| {
                    let mut chars = s.chars();
                    let mut p = alt.chars().peekable();
                    while let Some(c) = p.next() {
                        let Some(x) = chars.next() else { return false };
                        if c == '[' {
                            let lo = p.next().unwrap();
                            p.next();
                            let hi = p.next().unwrap();
                            p.next();
                            if !(lo..=hi).contains(&x) {
                                return false;
                            }
                        } else if c != x {
                            return false;
                        }
                    }
                    chars.next().is_none()
                })
        };
        for d in [
            "1996-09-30",
            "1996-10-01",
            "1996-12-31",
            "1997-01-01",
            "2025-11-09",
            "9999-12-31",
        ] {
            assert!(ok(d), "{d} should match {re}");
        }
        for d in [
            "1996-09-29",
            "1996-08-31",
            "1995-12-31",
            "0001-01-01",
            "1900-10-10",
        ] {
            assert!(!ok(d), "{d} should not match {re}");
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "brightline", description = "Cited, dated decisions on local cooperation with federal civil immigration enforcement, logged in a tamper-evident decision log. Not legal advice. See docs/api.md."),
    paths(system::healthz, system::schema, system::metrics_text, system::me, record::decide, decisions::list_decisions, decisions::get_decision, record::record_action, decisions::replay_decision, memo::memo_html, memo::memo_pdf, memo::draft_memo, laws::list_laws, laws::law_in_force, laws::compare, map::map_index, laws::diff, reports::list_reports, reports::report, log::log_entries, log::log_verify, transparency::checkpoint, transparency::consistency, transparency::proof, tokens::list_tokens, tokens::create_token, tokens::revoke_token),
    components(schemas(error::ErrorBody, error::ErrorDetail, actions::ActionBody, tokens::TokenBody, laws::DiffBody, laws::DiffSide)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let comps = doc.components.get_or_insert_with(Default::default);
        comps.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
