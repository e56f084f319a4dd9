//! JSON parsing that refuses duplicate object keys.
//!
//! serde_json keeps the last of two equal keys, so `{"acted": false, "acted": true}`
//! would be read one way here and possibly another way by a proxy, a log
//! shipper or a reviewer reading the raw body. Such a body is refused, naming
//! the key by its path.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `bytes` as JSON; an object with a key twice is an error naming its path.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = Strict {
        path: String::new(),
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The text after `duplicate key ` in an error from `from_slice`, if that was the error.
pub fn duplicate_key(e: &serde_json::Error) -> Option<String> {
    let msg = e.to_string();
    let rest = msg.strip_prefix(DUPLICATE)?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

const DUPLICATE: &str = "duplicate key `";

struct Strict {
    path: String,
}

impl Strict {
    fn child(&self, key: &str) -> Strict {
        Strict {
            path: if self.path.is_empty() {
                key.to_string()
            } else {
                format!("{}.{key}", self.path)
            },
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON (and JSON Schema's `integer`) make no difference between 126 and
        // 126.0; the request decoder wants whole numbers as integers.
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            return Ok((v as i64).into());
        }
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self.child(&out.len().to_string()))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let child = self.child(&k);
            if out.contains_key(&k) {
                return Err(de::Error::custom(format!("{DUPLICATE}{}`", child.path)));
            }
            let v = map.next_value_seed(child)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_named_by_path() {
        let e = from_slice(br#"{"a": {"b": 1, "c": [{"d": 1, "d": 2}]}}"#).unwrap_err();
        assert_eq!(duplicate_key(&e).as_deref(), Some("a.c.0.d"), "{e}");
        let e = from_slice(br#"{"x": 1, "x": 1}"#).unwrap_err();
        assert_eq!(duplicate_key(&e).as_deref(), Some("x"));
    }

    #[test]
    fn values_without_duplicates_parse_as_serde_json_does() {
        let text = br#"{"a": [1, -2, 3.5, "s", null, true, {"b": {}}], "c": "\u00e9"}"#;
        assert_eq!(
            from_slice(text).unwrap(),
            serde_json::from_slice::<Value>(text).unwrap()
        );
        assert!(from_slice(b"{} x").is_err());
        assert_eq!(
            from_slice(b"[126.0, -0.0, 1.5]").unwrap(),
            serde_json::json!([126, 0, 1.5])
        );
        assert!(duplicate_key(&from_slice(b"{").unwrap_err()).is_none());
    }
}
