//! Personal facts under a key of their own. A decision's body (the request
//! with the person's convictions, watch-list match, removal order, age; the
//! keyed subject hash; the reasons) is encrypted with ChaCha20-Poly1305 under
//! a random key made for that entry alone, and stored as an envelope:
//!
//! ```json
//! {"index":{"agency":…,"date":…,"jurisdiction":…,"kind":…,"outcome":…},"sealed":"<base64 nonce ‖ ciphertext>"}
//! ```
//!
//! The hash chain and the Merkle leaf cover the envelope, so destroying the
//! key (`erase`) makes the facts unreadable for good while every hash, proof
//! and checkpoint stays valid. The index (no person in it) stays readable for
//! queries and for `verify`, which checks it against the hashed envelope.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde_json::{json, Value};

use crate::chain::{canonical, Meta};
use crate::{Result, StoreError};

/// Entry kinds whose bodies are sealed.
pub fn is_sealed_kind(kind: &str) -> bool {
    kind == "decision"
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Encrypts a body under a new key; returns the canonical envelope and the key.
pub fn seal(meta: &Meta, body: &Value) -> Result<(String, [u8; 32])> {
    let mut key = [0u8; 32];
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut key).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    getrandom::fill(&mut nonce).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    let plain = canonical(body);
    let ct = ChaCha20Poly1305::new(Key::from_slice(&key))
        .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
        .map_err(|_| StoreError::Invalid("encryption failed".into()))?;
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&ct);
    let mut index = json!({
        "jurisdiction": meta.jurisdiction, "agency": meta.agency, "kind": meta.req_kind,
        "outcome": meta.outcome, "date": meta.req_date,
    });
    // A correction names the decision it supersedes outside the seal, so the
    // chain of corrections outlives an erasure. Absent otherwise, so that
    // envelopes without one keep the bytes they always had.
    if let Some(r) = meta.ref_seq {
        index["supersedes"] = json!(r);
    }
    let envelope = json!({ "index": index, "sealed": b64().encode(sealed) });
    Ok((canonical(&envelope), key))
}

/// The index of an envelope, if `body` is one.
pub fn index_of(body: &Value) -> Option<Meta> {
    body.get("sealed")?.as_str()?;
    let ix = body.get("index")?;
    let s = |k: &str| ix.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Meta {
        ref_seq: ix.get("supersedes").and_then(Value::as_i64),
        jurisdiction: s("jurisdiction"),
        agency: s("agency"),
        req_kind: s("kind"),
        outcome: s("outcome"),
        req_date: s("date"),
    })
}

/// Whether a stored body text is an envelope (cheap: no full parse).
pub fn is_envelope(text: &str) -> bool {
    text.starts_with("{\"index\":") && text.contains(",\"sealed\":\"")
}

/// Decrypts an envelope's text with its key; `None` if it is not one or the
/// key does not open it.
pub fn open(envelope: &str, key: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_str(envelope).ok()?;
    let raw = b64().decode(v.get("sealed")?.as_str()?).ok()?;
    if raw.len() < 12 || key.len() != 32 {
        return None;
    }
    let plain = ChaCha20Poly1305::new(Key::from_slice(key))
        .decrypt(Nonce::from_slice(&raw[..12]), &raw[12..])
        .ok()?;
    String::from_utf8(plain).ok()
}

/// What an erased entry's body reads as: its index, and that it was erased.
pub fn erased_view(envelope: &str) -> Value {
    let v: Value = serde_json::from_str(envelope).unwrap_or(Value::Null);
    json!({ "erased": true, "index": v.get("index").cloned().unwrap_or(Value::Null) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_with_its_key() {
        let meta = Meta {
            jurisdiction: Some("us-ny-nyc".into()),
            outcome: Some("prohibited".into()),
            ..Meta::default()
        };
        let body = json!({"request": {"subject": {"sex_offender": true}}, "decision": {"outcome": "prohibited"}});
        let (env, key) = seal(&meta, &body).unwrap();
        assert!(is_envelope(&env), "{env}");
        assert!(
            !env.contains("sex_offender"),
            "the facts are not in the clear"
        );
        assert_eq!(
            index_of(&serde_json::from_str(&env).unwrap()).unwrap(),
            meta
        );
        assert_eq!(open(&env, &key).unwrap(), canonical(&body));
        let (_, other) = seal(&meta, &body).unwrap();
        assert_ne!(key, other, "a key per entry");
        assert!(open(&env, &other).is_none());
        let tampered = env.replacen("\"sealed\":\"", "\"sealed\":\"AAAA", 1);
        assert!(open(&tampered, &key).is_none());
        assert_eq!(erased_view(&env)["index"]["outcome"], "prohibited");
    }
}
