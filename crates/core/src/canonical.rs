//! The canonical form of a request, as a log keeps it: only the facts of
//! the contract's schema (what rules can read), no identifiers, no nulls,
//! offense codes as brightline read them.

use serde_json::{Map, Value};

use crate::facts::{Facts, RequestError};
use crate::library::Library;
use crate::schema;
use crate::tables::OffenseCode;

/// A request reduced to what rules read, with the facts it decodes to.
#[derive(Clone, Debug)]
pub struct CanonicalRequest {
    pub request: Value,
    pub pack: usize,
    pub facts: Facts,
}

/// What the log keeps for an offense text brightline could not read as a
/// code: it reads back as unknown in every list, as the original did.
const UNREAD: &str = "(unread)";

fn keep(src: &Map<String, Value>, allowed: &[&str]) -> Map<String, Value> {
    src.iter()
        .filter(|(k, v)| !v.is_null() && allowed.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl Library {
    /// Decodes a request and reduces it to its canonical form. The canonical
    /// form must decode to exactly the facts the original did: if it does not,
    /// the request is refused rather than logged as something it was not.
    pub fn canonical(&self, v: &Value) -> Result<CanonicalRequest, RequestError> {
        canonicalize(self, v)
    }
}

// Long on purpose: the request's parts in contract order (top, request, subject, each list), then the round-trip check that needs them all.
fn canonicalize(lib: &Library, v: &Value) -> Result<CanonicalRequest, RequestError> {
    let (pack, facts) = lib.decode(v)?;
    check_identifiers(lib, v)?;
    let obj = v
        .as_object()
        .ok_or_else(|| RequestError::new("(request)", "expected a JSON object"))?;
    let mut out = Map::new();
    out.insert(
        "jurisdiction".into(),
        Value::String(lib.packs[pack].id.clone()),
    );
    for k in ["agency", "date", "strict"] {
        if let Some(x) = obj.get(k).filter(|x| !x.is_null()) {
            out.insert(k.into(), x.clone());
        }
    }
    let scalar_keys = |prefix: &str| -> Vec<&'static str> {
        schema::SCALARS
            .iter()
            .filter_map(|d| d.path.strip_prefix(prefix))
            .collect()
    };
    let req_keys = scalar_keys("request.");
    if let Some(Value::Object(r)) = obj.get("request") {
        out.insert("request".into(), Value::Object(keep(r, &req_keys)));
    }
    if let Some(Value::Object(s)) = obj.get("subject") {
        let subj_keys = scalar_keys("subject.");
        let mut subj = keep(s, &subj_keys);
        for (li, list) in schema::LISTS.iter().enumerate() {
            let key = list.path.trim_start_matches("subject.");
            let Some(Value::Array(items)) = s.get(key) else {
                continue;
            };
            let mut fields: Vec<&str> = list.fields.iter().map(|f| f.path).collect();
            fields.push("equivalent");
            let decoded = facts.lists[li].as_deref().unwrap_or_default();
            let items: Vec<Value> = items
                .iter()
                .enumerate()
                .map(|(ii, it)| {
                    let Some(o) = it.as_object() else {
                        return Value::Null;
                    };
                    let mut kept = keep(o, &fields);
                    // Only the code as brightline read it is logged, never the
                    // record's text: "NY PL 120.05 Juan Perez" is "NY PL 120.05".
                    if kept.contains_key("offense") {
                        let code = decoded.get(ii).and_then(|d| d.offense.clone());
                        kept.insert(
                            "offense".into(),
                            Value::String(code.map(String::from).unwrap_or_else(|| UNREAD.into())),
                        );
                    }
                    if let Some(Value::String(e)) = kept.get("equivalent") {
                        let read = lib
                            .read_offense(e, None, Some(pack))
                            .ok()
                            .and_then(|r| r.code);
                        kept.insert(
                            "equivalent".into(),
                            read.map(Value::String).unwrap_or(Value::Null),
                        );
                    }
                    Value::Object(kept)
                })
                .collect();
            subj.insert(key.to_string(), Value::Array(items));
        }
        out.insert("subject".into(), Value::Object(subj));
    }
    let request = Value::Object(out);
    let (p2, f2) = lib.decode(&request)?;
    if p2 != pack || f2 != facts {
        return Err(RequestError::new(
            "(request)",
            "the request carries facts the log cannot record; please report this request",
        ));
    }
    Ok(CanonicalRequest {
        request,
        pack,
        facts,
    })
}

/// Rules never read identifiers, so the decoder does not look at them; their
/// types are the contract's all the same (a name is a string, not an object),
/// and so are those of fields the decoder reads only sometimes.
fn check_identifiers(lib: &Library, v: &Value) -> Result<(), RequestError> {
    let Some(s) = v.get("subject").and_then(Value::as_object) else {
        return Ok(());
    };
    for k in ["booking_number", "name"] {
        if s.get(k).is_some_and(|x| !x.is_null() && !x.is_string()) {
            return Err(RequestError::new(
                format!("subject.{k}"),
                "expected a string",
            ));
        }
    }
    // An offense is the record's text, read leniently (what cannot be read is
    // unknown, and the log keeps only the code read, or `(unread)`). An
    // `equivalent` is read only when the code is another scheme's, and then
    // must be a code: a malformed one is refused even where no rule reads it.
    for list in schema::LISTS {
        let key = list.path.trim_start_matches("subject.");
        let Some(Value::Array(items)) = s.get(key) else {
            continue;
        };
        for (i, it) in items.iter().enumerate() {
            for f in ["offense", "equivalent"] {
                let field = || format!("subject.{key}[{i}].{f}");
                match it.get(f) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(c)) if c.is_empty() || f == "offense" => {}
                    Some(Value::String(c)) => {
                        OffenseCode::parse(c, &lib.scheme_names)
                            .map_err(|m| RequestError::new(field(), m))?;
                    }
                    Some(_) => return Err(RequestError::new(field(), "expected a string")),
                }
            }
        }
    }
    if s.get("identifiers")
        .is_some_and(|x| !x.is_null() && !x.is_object())
    {
        return Err(RequestError::new(
            "subject.identifiers",
            "expected an object",
        ));
    }
    Ok(())
}
