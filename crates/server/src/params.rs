//! What a request carries besides its route: the JSON body (strict: no
//! duplicate keys), ids in the path, and the query string as a typed struct.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::{strict, BODY_LIMIT};

/// The query string read into `T`; a malformed one is the API's 400, not
/// axum's plain-text rejection. Each field stays a string where the
/// handler gives its own message for a bad value.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|e| ApiError::bad("(query)", e.body_text()))
    }
}

/// A whole number in `range`, or the field's own message.
pub fn number(
    v: Option<&str>,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
    default: i64,
    what: &str,
) -> Result<i64, ApiError> {
    match v {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| ApiError::bad(field, what)),
    }
}

pub(crate) fn parse_body(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                format!("the body is over {} KiB", BODY_LIMIT / 1024),
            )
        } else {
            ApiError::new(e.status(), None, e.body_text())
        }
    })?;
    strict::from_slice(&bytes).map_err(|e| {
        if let Some(key) = strict::duplicate_key(&e) {
            return ApiError::bad(&key, format!("the key `{key}` appears more than once"));
        }
        ApiError::bad(
            "(request)",
            format!(
                "not valid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

pub(crate) fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(format!("no decision `{s}`")))
}

pub(crate) fn query(
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<HashMap<String, String>, ApiError> {
    q.map(|q| q.0)
        .map_err(|e| ApiError::bad("(query)", e.body_text()))
}

pub(crate) fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
