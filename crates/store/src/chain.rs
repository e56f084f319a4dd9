//! The hash chain: canonical bodies, entry hashes, and the index columns
//! derived from a body (which `verify` re-derives, so editing them is caught too).

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// JSON with object keys sorted at every level and no whitespace, so that a
/// body hashes the same whichever order a map iterated in.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write(&m[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The bytes an entry is hashed as (by the chain and as a Merkle leaf): its
/// fields, each length-prefixed so that no shift of bytes between fields keeps the hash.
#[allow(clippy::too_many_arguments)]
pub fn entry_bytes(
    prev: &str,
    seq: i64,
    kind: &str,
    logged_at: &str,
    token_id: &str,
    law_hash: &str,
    engine: &str,
    body: &str,
) -> Vec<u8> {
    let seq = seq.to_string();
    let parts = [
        prev, &seq, kind, logged_at, token_id, law_hash, engine, body,
    ];
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
    for part in parts {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// The chain hash of one entry: SHA-256 of its bytes, as hex.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev: &str,
    seq: i64,
    kind: &str,
    logged_at: &str,
    token_id: &str,
    law_hash: &str,
    engine: &str,
    body: &str,
) -> String {
    hash_hex(&entry_bytes(
        prev, seq, kind, logged_at, token_id, law_hash, engine, body,
    ))
}

/// SHA-256 as hex: the chain hash of an entry's bytes.
pub fn hash_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Columns kept beside the body for queries. They are not hashed; `verify`
/// checks that they agree with the hashed body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// For an action: the decision it is about. For a decision that corrects
    /// an earlier one: the decision it supersedes.
    pub ref_seq: Option<i64>,
    pub jurisdiction: Option<String>,
    pub agency: Option<String>,
    pub req_kind: Option<String>,
    pub outcome: Option<String>,
    pub req_date: Option<String>,
}

/// Derives the index columns from an entry's body.
pub fn meta_of(kind: &str, body: &Value) -> Meta {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    // A sealed body carries its index in the clear (crate::privacy).
    if crate::privacy::is_sealed_kind(kind) {
        if let Some(m) = crate::privacy::index_of(body) {
            return m;
        }
    }
    match kind {
        "decision" => {
            let req = body.get("request");
            Meta {
                ref_seq: body.get("supersedes").and_then(Value::as_i64),
                jurisdiction: s(req.and_then(|r| r.get("jurisdiction"))),
                agency: s(req.and_then(|r| r.get("agency"))),
                req_kind: s(req
                    .and_then(|r| r.get("request"))
                    .and_then(|r| r.get("kind"))),
                outcome: s(body.get("decision").and_then(|d| d.get("outcome"))),
                req_date: s(req.and_then(|r| r.get("date"))),
            }
        }
        "action" => Meta {
            ref_seq: body.get("decision").and_then(Value::as_i64),
            ..Meta::default()
        },
        _ => Meta::default(),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_keys_at_every_level() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":{"z":[{"y":1,"x":2}],"c":"é\""}}"#).unwrap();
        assert_eq!(
            canonical(&v),
            r#"{"a":{"c":"é\"","z":[{"x":2,"y":1}]},"b":1}"#
        );
    }

    #[test]
    fn hash_depends_on_every_field_and_on_boundaries() {
        let base = entry_hash(GENESIS, 1, "decision", "t", "tok", "law", "0.1", "{}");
        assert_ne!(
            base,
            entry_hash(GENESIS, 2, "decision", "t", "tok", "law", "0.1", "{}")
        );
        assert_ne!(
            base,
            entry_hash(GENESIS, 1, "decision", "t", "to", "klaw", "0.1", "{}")
        );
        assert_ne!(
            base,
            entry_hash(GENESIS, 1, "decision", "t", "tok", "law", "0.1", "{ }")
        );
        assert_eq!(base.len(), 64);
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("abc"), None);
    }
}
