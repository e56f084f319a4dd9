//! The request contract and its decoded, fixed-layout form.
//!
//! Decoding does all string work once (enum names, dates, offense-table
//! lookups) so that evaluation only compares integers.

use serde_json::Value;

use crate::schema::{self, Ty, ITEM_WIDTH, SCALARS};

/// A fact's value as the facts store it: an enum's index, a set's bits, a
/// date's Julian day, a number, 0 or 1. 32 bits hold every value the contract
/// accepts (numbers stop below 1,000,000, dates at year 9999), and keep a
/// request's facts few cache lines wide: deciding many requests in a row is
/// bound by the bytes read. Evaluation widens to `i64`.
pub type Val = i32;

/// A fact the request did not give.
pub const MISSING: Val = Val::MIN;

/// `v` as a stored value; values beyond the 32-bit range (only ever
/// representatives a whole-space analysis picks past a rule's constant)
/// saturate, which keeps them on the same side of every constant.
pub fn narrow(v: i64) -> Val {
    v.clamp(Val::MIN as i64 + 1, Val::MAX as i64) as Val
}

/// An offense code as brightline read it, behind one thin pointer. Every
/// decision reads an item's fields and table bits, and only an explanation
/// reads its code: a thin pointer keeps an item at 64 bytes, one cache line,
/// where the code's own 16-byte pointer made it 72 (and deciding many
/// requests in a row is bound by the bytes read).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Code(Box<Box<str>>);

impl std::ops::Deref for Code {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Code {
    fn from(s: String) -> Code {
        Code(Box::new(s.into_boxed_str()))
    }
}

impl From<&str> for Code {
    fn from(s: &str) -> Code {
        Code(Box::new(s.into()))
    }
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        (*c.0).into()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self.0, f)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub fields: [Val; ITEM_WIDTH],
    /// Bit t set: the offense is a member of table t.
    pub member: u64,
    /// Bit t set: membership in table t cannot be decided.
    pub unknown: u64,
    /// The offense code as brightline read it (`NY PL 120.05(2)`), never the
    /// record's raw text; `None` when the text could not be read as a code.
    pub offense: Option<Code>,
    /// Bit f: field f was filled by a presumption of the law.
    pub presumed: u16,
    /// Bit f: field f was read off the offense tables (a felony class).
    pub implied: u16,
}

impl Item {
    pub fn new() -> Item {
        Item {
            fields: [MISSING; ITEM_WIDTH],
            member: 0,
            unknown: 0,
            offense: None,
            presumed: 0,
            implied: 0,
        }
    }
}

impl Default for Item {
    fn default() -> Self {
        Item::new()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    pub scalars: [Val; SCALARS.len()],
    pub lists: [Option<Box<[Item]>>; schema::LISTS.len()],
    /// Bit i: scalar i was not stated but implied by the request (`implied`).
    pub implied: u32,
    /// Bit i: scalar i was not stated but presumed by the law.
    pub presumed: u32,
    /// The request asked for no implications or presumptions.
    pub strict: bool,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            scalars: [MISSING; SCALARS.len()],
            lists: Default::default(),
            implied: 0,
            presumed: 0,
            strict: false,
        }
    }
}

/// An offense code as the tables place it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffenseRead {
    /// Bit t set: a member of list table t.
    pub member: u64,
    /// Bit t set: membership in table t cannot be decided from the code alone.
    pub unknown: u64,
    /// The normalised code; `None` when the text is not a code brightline can read.
    pub code: Option<String>,
    /// The level the scheme table gives the section's class, if one.
    pub level: Option<Val>,
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
    /// Reads a code as a record prints it and places it in every list. Any
    /// text is accepted: what cannot be read is unknown in every list. Only an
    /// `equivalent` that cannot be read is an error, since a person chose it.
    fn read(&self, code: &str, equivalent: Option<&str>) -> Result<OffenseRead, String>;

    /// `(member bits, unknown bits)`, or an error for text that is not a code.
    fn lookup(&self, code: &str, equivalent: Option<&str>) -> Result<(u64, u64), String> {
        let r = self.read(code, equivalent)?;
        match r.code {
            Some(_) => Ok((r.member, r.unknown)),
            None => Err(format!(
                "`{code}` is not an offense code brightline can read; write SCHEME SECTION, e.g. `NY PL 120.05`"
            )),
        }
    }
}

pub fn date_value(d: time::Date) -> Val {
    d.to_julian_day()
}

pub fn value_date(v: impl Into<i64>) -> Option<time::Date> {
    i32::try_from(v.into())
        .ok()
        .and_then(|j| time::Date::from_julian_day(j).ok())
}

/// Decodes one scalar fact from JSON into its integer form.
pub(crate) fn decode_value(field: &str, ty: Ty, v: &Value) -> Result<Val, RequestError> {
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
            .map(|n| n as Val)
            .ok_or_else(|| RequestError::new(field, "expected a whole number from 0 to 999999")),
        Ty::Bool => v
            .as_bool()
            .map(Val::from)
            .ok_or_else(|| RequestError::new(field, "expected true or false")),
        Ty::Enum(domain) => {
            let s = v.as_str().ok_or_else(|| {
                RequestError::new(field, format!("expected one of: {}", domain.join(", ")))
            })?;
            schema::value_index(domain, s)
                .map(|i| i as Val)
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
            let mut mask: Val = 0;
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
    "strict",
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
    f.scalars[schema::AGENCY] = agency_role.map(|a| a as Val).unwrap_or(MISSING);
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
    f.strict = match obj.get("strict") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(RequestError::new("strict", "expected true or false")),
    };
    for (i, def) in SCALARS.iter().enumerate() {
        let x = if let Some(key) = def.path.strip_prefix("request.") {
            req.get(key)
        } else if let Some(key) = def.path.strip_prefix("subject.") {
            subj.get(key)
        } else {
            None
        };
        let Some(x) = x else { continue };
        let x = match i {
            schema::FORM => form_name(x),
            schema::WARRANT => warrant_name(x),
            _ => x.clone(),
        };
        f.scalars[i] = decode_value(def.path, def.ty, &x)?;
    }
    read_form(&mut f)?;
    if f.scalars[schema::KIND] == MISSING {
        return Err(RequestError::new(
            "request.kind",
            format!(
                "required (or `request.form`); one of: {}",
                schema::KINDS.join(", ")
            ),
        ));
    }
    if !f.strict {
        imply(&mut f);
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
            let mut it = Item::new();
            let mut level_of_code = None;
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
                    let r = offenses
                        .read(code, equivalent)
                        .map_err(|e| RequestError::new(format!("{prefix}.equivalent"), e))?;
                    it.member = r.member;
                    it.unknown = r.unknown;
                    it.offense = r.code.map(Code::from);
                    it.fields[fi] = 0;
                    level_of_code = r.level;
                } else {
                    it.fields[fi] = decode_value(&format!("{prefix}.{}", def.path), def.ty, val)?;
                }
            }
            if let (Some(l), Some(fi), false) = (
                level_of_code,
                list.fields.iter().position(|d| d.path == "level"),
                f.strict,
            ) {
                if it.fields[fi] == MISSING {
                    it.fields[fi] = l;
                    it.implied |= 1 << fi;
                }
            }
            items.push(it);
        }
        f.lists[li] = Some(items.into());
    }
    check_dates(&f)?;
    Ok(f)
}

/// `i-247a` and `I247A` are the form `I-247A`.
fn form_name(v: &Value) -> Value {
    match v.as_str() {
        Some(s) => {
            let up = s.trim().to_ascii_uppercase();
            let up = match up.strip_prefix('I') {
                Some(rest) if !rest.starts_with('-') => format!("I-{rest}"),
                _ => up,
            };
            Value::String(up)
        }
        None => v.clone(),
    }
}

/// A warrant may be given as its own form number: `I-200` and `I-205` are administrative.
fn warrant_name(v: &Value) -> Value {
    if let Value::String(s) = form_name(v) {
        if let Some((_, kind)) = crate::implied::WARRANT_FORMS.iter().find(|(f, _)| *f == s) {
            return Value::String(kind.to_string());
        }
    }
    v.clone()
}

/// The form fixes the request's kind. A stated kind that contradicts it is bad
/// input: one of the two is wrong, and only the sender knows which.
fn read_form(f: &mut Facts) -> Result<(), RequestError> {
    let Ok(form) = usize::try_from(f.scalars[schema::FORM]) else {
        return Ok(());
    };
    let name = schema::FORMS[form];
    let Some((_, kind, may)) = crate::implied::FORM_KINDS.iter().find(|(n, ..)| *n == name) else {
        return Ok(());
    };
    let k = schema::value_index(schema::KINDS, kind).unwrap_or(0) as Val;
    match f.scalars[schema::KIND] {
        MISSING => {
            f.scalars[schema::KIND] = k;
            f.implied |= 1 << schema::KIND;
            Ok(())
        }
        stated => {
            let s = schema::KINDS.get(stated as usize).copied().unwrap_or("?");
            if may.contains(&s) {
                Ok(())
            } else {
                Err(RequestError::new(
                    "request.kind",
                    format!(
                        "`{s}` contradicts request.form `{name}`, which is a request of kind `{kind}`; correct one of the two"
                    ),
                ))
            }
        }
    }
}

/// Fills the facts the request implies (`implied::IMPLICATIONS`) that it does not state.
/// Public for the record profiles: what a detainer implies holds for a row of
/// detainer records as much as for a detainer on a clerk's desk.
pub fn imply(f: &mut Facts) {
    let (kind, form) = (f.scalars[schema::KIND], f.scalars[schema::FORM]);
    for imp in crate::implied::IMPLICATIONS {
        if !imp.applies(kind, form) {
            continue;
        }
        let Some(i) = schema::scalar(imp.fact) else {
            continue;
        };
        if f.scalars[i] != MISSING {
            continue;
        }
        let v = match SCALARS[i].ty {
            Ty::Bool => Val::from(imp.value == "true"),
            Ty::Enum(d) => match schema::value_index(d, imp.value) {
                Some(x) => x as Val,
                None => continue,
            },
            _ => continue,
        };
        f.scalars[i] = v;
        f.implied |= 1 << i;
    }
}

/// Nothing about the case can postdate the request it is weighed for.
fn check_dates(f: &Facts) -> Result<(), RequestError> {
    let day = f.scalars[schema::DATE];
    let show = |v: Val| value_date(v).map(|d| d.to_string()).unwrap_or_default();
    let after = |field: String, v: Val, what: &str| {
        RequestError::new(
            field,
            format!(
                "{} is after the request's date {}; {what} cannot postdate the request (check the year)",
                show(v),
                show(day)
            ),
        )
    };
    let arrest = f.scalars[schema::ARREST_DATE];
    if arrest != MISSING && arrest > day {
        return Err(after("subject.arrest_date".into(), arrest, "the arrest"));
    }
    for (li, field, what) in [
        (0, schema::CONVICTION_DATE, "a judgment"),
        (1, schema::CHARGE_DATE, "a charge"),
    ] {
        for (ii, it) in f.lists[li].iter().flatten().enumerate() {
            let v = it.fields[field];
            if v != MISSING && v > day {
                return Err(after(
                    format!("{}[{ii}].date", schema::LISTS[li].path),
                    v,
                    what,
                ));
            }
        }
    }
    Ok(())
}

/// A fact's internal value as the request contract writes it (`null` when missing).
pub(crate) fn show_value(ty: Ty, v: i64) -> Value {
    if v == MISSING as i64 {
        return Value::Null;
    }
    match ty {
        Ty::Date => value_date(v)
            .map(|d| Value::String(d.to_string()))
            .unwrap_or(Value::Null),
        Ty::Number => Value::from(v),
        Ty::Bool => Value::Bool(v != 0),
        Ty::Enum(d) => d
            .get(v as usize)
            .map(|s| Value::String(s.to_string()))
            .unwrap_or(Value::Null),
        Ty::Set(d) => Value::Array(
            d.iter()
                .enumerate()
                .filter(|(i, _)| v & (1 << i) != 0)
                .map(|(_, s)| Value::String(s.to_string()))
                .collect(),
        ),
        Ty::Offense => Value::Null,
    }
}

#[cfg(test)]
mod layout {
    use super::*;

    /// Deciding many requests in a row is bound by the bytes each one takes
    /// (README, Performance); these sizes are what the figures there were
    /// measured with. Widening a field shows up here first.
    #[test]
    fn facts_and_items_stay_narrow() {
        assert_eq!(std::mem::size_of::<Facts>(), 136);
        // One cache line: the offense code sits behind a thin pointer (`Code`).
        assert_eq!(std::mem::size_of::<Item>(), 64);
    }
}
