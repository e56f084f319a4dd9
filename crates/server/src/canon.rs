//! The canonical form of a request as the log keeps it (built in core:
//! `Library::canonical`), and the subject key: identifiers become one keyed
//! hash, never stored in the clear.

use brightline::views::CanonicalRequest;
use brightline::{schema, Facts, Library, RequestError};
use serde_json::{Map, Value};

/// The request as logged, and the subject key (HMAC of the identifiers) if any were sent.
pub struct Canonical {
    pub request: Value,
    pub subject_key: Option<String>,
    pub pack: usize,
    pub facts: Facts,
}

/// Decodes a request, reduces it to its canonical form, and keys its subject.
pub fn canonicalize(lib: &Library, key: &[u8], v: &Value) -> Result<Canonical, RequestError> {
    let CanonicalRequest {
        request,
        pack,
        facts,
    } = lib.canonical(v)?;
    let subject_key = v
        .get("subject")
        .and_then(Value::as_object)
        .and_then(|s| identify(key, s));
    Ok(Canonical {
        request,
        subject_key,
        pack,
        facts,
    })
}

/// The subject key: HMAC of the most stable identifier sent, so that two
/// requests about one person share a key (reports count distinct persons).
fn identify(key: &[u8], s: &Map<String, Value>) -> Option<String> {
    let text = |v: &Value| match v {
        Value::String(s) => s
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
        other => brightline_store::canonical_json(other),
    };
    for k in schema::IDENTIFIERS {
        if let Some(v) = s.get(*k).filter(|v| !v.is_null() && v.as_str() != Some("")) {
            return Some(brightline_store::subject_key(
                key,
                &format!("{k}:{}", text(v)),
            ));
        }
    }
    None
}
