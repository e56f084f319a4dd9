//! The request contract and its decoded, fixed-layout form.
//!
//! Decoding does all string work once (enum names, dates, offense-table
//! lookups) so that evaluation only compares integers.

use serde_json::Value;

use crate::schema::{self, Ty, ITEM_WIDTH, SCALARS};

/// A fact the request did not give.
pub const MISSING: i64 = i64::MIN;

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub fields: [i64; ITEM_WIDTH],
    /// Bit t set: the offense is a member of table t.
    pub member: u64,
    /// Bit t set: membership in table t cannot be decided.
    pub unknown: u64,
    /// The offense code as sent, for explanations.
    pub offense: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    pub scalars: [i64; SCALARS.len()],
    pub lists: [Option<Vec<Item>>; schema::LISTS.len()],
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            scalars: [MISSING; SCALARS.len()],
            lists: Default::default(),
        }
    }
}

/// A request that cannot be decided as sent: names the field and what it accepts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{field}: {message}")]
pub struct RequestError {
    pub field: String,
    pub message: String,
}

impl RequestError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        RequestError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Looks up offense codes in the loaded tables.
pub trait OffenseLookup {
    /// `(member bits, unknown bits)`, or an error message for a code that does not parse.
    fn lookup(&self, code: &str, equivalent: Option<&str>) -> Result<(u64, u64), String>;
}

pub fn date_value(d: time::Date) -> i64 {
    d.to_julian_day() as i64
}

pub fn value_date(v: i64) -> Option<time::Date> {
    i32::try_from(v)
        .ok()
        .and_then(|j| time::Date::from_julian_day(j).ok())
}

/// Decodes one scalar fact from JSON into its integer form.
pub fn decode_value(field: &str, ty: Ty, v: &Value) -> Result<i64, RequestError> {
    if v.is_null() {
        return Ok(MISSING);
    }
    match ty {
        Ty::Date => {
            let s = v
                .as_str()
                .ok_or_else(|| RequestError::new(field, "expected a date string YYYY-MM-DD"))?;
            crate::expr::parse_date(s).map(date_value).ok_or_else(|| {
                RequestError::new(field, format!("`{s}` is not a date; write YYYY-MM-DD"))
            })
        }
        Ty::Number => v
            .as_i64()
            .filter(|n| *n >= 0 && *n < 1_000_000)
            .ok_or_else(|| RequestError::new(field, "expected a whole number from 0 to 999999")),
        Ty::Bool => v
            .as_bool()
            .map(i64::from)
            .ok_or_else(|| RequestError::new(field, "expected true or false")),
        Ty::Enum(domain) => {
            let s = v.as_str().ok_or_else(|| {
                RequestError::new(field, format!("expected one of: {}", domain.join(", ")))
            })?;
            schema::value_index(domain, s)
                .map(|i| i as i64)
                .ok_or_else(|| {
                    RequestError::new(
                        field,
                        format!(
                            "`{s}` is not accepted; expected one of: {}",
                            domain.join(", ")
                        ),
                    )
                })
        }
        Ty::Set(domain) => {
            let arr = v.as_array().ok_or_else(|| {
                RequestError::new(field, format!("expected a list of: {}", domain.join(", ")))
            })?;
            let mut mask = 0i64;
            for (i, x) in arr.iter().enumerate() {
                let s = x.as_str().unwrap_or("");
                let idx = schema::value_index(domain, s).ok_or_else(|| {
                    RequestError::new(
                        format!("{field}[{i}]"),
                        format!(
                            "`{x}` is not accepted; expected one of: {}",
                            domain.join(", ")
                        ),
                    )
                })?;
                mask |= 1 << idx;
            }
            Ok(mask)
        }
        Ty::Offense => Err(RequestError::new(
            field,
            "offense codes are only allowed in list items",
        )),
    }
}

const TOP_KEYS: &[&str] = &[
    "jurisdiction",
    "agency",
    "date",
    "request",
    "subject",
    "name",
    "tests",
    "expect",
    "id",
];
/// Identifiers are accepted so that callers can send them; rules never read them
/// and the decision log keeps only a keyed hash.
const IDENTIFIER_KEYS: &[&str] = &["booking_number", "name", "identifiers"];

/// The keys allowed in `request` or `subject`: the schema's facts under that prefix.
fn keys_under(prefix: &str) -> Vec<&'static str> {
    let p = format!("{prefix}.");
    let mut keys: Vec<&'static str> = SCALARS
        .iter()
        .filter_map(|d| d.path.strip_prefix(p.as_str()))
        .collect();
    keys.extend(
        schema::LISTS
            .iter()
            .filter_map(|l| l.path.strip_prefix(p.as_str())),
    );
    if prefix == "subject" {
        keys.extend(IDENTIFIER_KEYS);
    }
    keys
}

fn check_keys(
    obj: &serde_json::Map<String, Value>,
    allowed: &[&str],
    prefix: &str,
) -> Result<(), RequestError> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            return Err(RequestError::new(
                path,
                format!("unknown field; accepted here: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Decodes the `request` and `subject` parts of a request (the agency and
/// jurisdiction are resolved by the library, which knows the aliases).
pub fn decode(
    v: &Value,
    agency_role: Option<usize>,
    offenses: &dyn OffenseLookup,
) -> Result<Facts, RequestError> {
    let obj = v
        .as_object()
        .ok_or_else(|| RequestError::new("(request)", "expected a JSON object"))?;
    check_keys(obj, TOP_KEYS, "")?;
    let mut f = Facts::default();
    let date = obj.get("date").ok_or_else(|| {
        RequestError::new("date", "required: the date of the request, YYYY-MM-DD")
    })?;
    f.scalars[schema::DATE] = decode_value("date", Ty::Date, date)?;
    if f.scalars[schema::DATE] == MISSING {
        return Err(RequestError::new(
            "date",
            "required: the date of the request, YYYY-MM-DD",
        ));
    }
    f.scalars[schema::AGENCY] = agency_role.map(|a| a as i64).unwrap_or(MISSING);
    let req = obj
        .get("request")
        .ok_or_else(|| RequestError::new("request", "required: an object with at least `kind`"))?;
    let req = req
        .as_object()
        .ok_or_else(|| RequestError::new("request", "expected an object"))?;
    check_keys(req, &keys_under("request"), "request")?;
    let empty = serde_json::Map::new();
    let subj = match obj.get("subject") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(RequestError::new("subject", "expected an object")),
    };
    check_keys(subj, &keys_under("subject"), "subject")?;
    for (i, def) in SCALARS.iter().enumerate() {
        if let Some(key) = def.path.strip_prefix("request.") {
            if let Some(x) = req.get(key) {
                f.scalars[i] = decode_value(def.path, def.ty, x)?;
            }
        } else if let Some(key) = def.path.strip_prefix("subject.") {
            if let Some(x) = subj.get(key) {
                f.scalars[i] = decode_value(def.path, def.ty, x)?;
            }
        }
    }
    if f.scalars[schema::KIND] == MISSING {
        return Err(RequestError::new(
            "request.kind",
            format!("required; one of: {}", schema::KINDS.join(", ")),
        ));
    }
    for (li, list) in schema::LISTS.iter().enumerate() {
        let key = list.path.trim_start_matches("subject.");
        let Some(x) = subj.get(key) else { continue };
        if x.is_null() {
            continue;
        }
        let arr = x
            .as_array()
            .ok_or_else(|| RequestError::new(list.path, "expected a list of objects"))?;
        let mut items = Vec::with_capacity(arr.len());
        for (ii, item) in arr.iter().enumerate() {
            let prefix = format!("{}[{ii}]", list.path);
            let o = item
                .as_object()
                .ok_or_else(|| RequestError::new(&prefix, "expected an object"))?;
            let mut allowed: Vec<&str> = list.fields.iter().map(|f| f.path).collect();
            allowed.push("equivalent");
            check_keys(o, &allowed, &prefix)?;
            let mut it = Item {
                fields: [MISSING; ITEM_WIDTH],
                member: 0,
                unknown: 0,
                offense: None,
            };
            for (fi, def) in list.fields.iter().enumerate() {
                let Some(val) = o.get(def.path) else { continue };
                if def.ty == Ty::Offense {
                    let Some(code) = val.as_str() else {
                        if val.is_null() {
                            continue;
                        }
                        return Err(RequestError::new(
                            format!("{prefix}.offense"),
                            "expected an offense code such as `NY PL 120.05`",
                        ));
                    };
                    let equivalent = o.get("equivalent").and_then(Value::as_str);
                    let (m, u) = offenses
                        .lookup(code, equivalent)
                        .map_err(|e| RequestError::new(format!("{prefix}.offense"), e))?;
                    it.member = m;
                    it.unknown = u;
                    it.offense = Some(code.to_string());
                    it.fields[fi] = 0;
                } else {
                    it.fields[fi] = decode_value(&format!("{prefix}.{}", def.path), def.ty, val)?;
                }
            }
            items.push(it);
        }
        f.lists[li] = Some(items);
    }
    Ok(f)
}
