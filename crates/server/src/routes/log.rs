//! The raw log, for auditors: entries in order, and a full verification.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use brightline_store::Role;
use serde_json::{json, Value};

use crate::auth::require;
use crate::error::{self, ApiError};
use crate::params::{number, Params};
use crate::{blocking, Shared};

#[derive(serde::Deserialize)]
pub(crate) struct LogPage {
    after: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/v1/log", security(("bearer" = [])), params(("after" = Option<i64>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "Raw entries in sequence order, and the head"), (status = 403, body = error::ErrorBody)))]
pub(crate) async fn log_entries(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Params<LogPage>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    require(&st, &headers, &[Role::Auditor], "read the log").await?;
    let Params(q) = q?;
    let after = number(
        q.after.as_deref(),
        "after",
        0..=i64::MAX,
        0,
        "a sequence number, 0 or more",
    )?;
    let limit = number(
        q.limit.as_deref(),
        "limit",
        1..=1000,
        100,
        "a number from 1 to 1000",
    )?;
    let s = st.clone();
    let (entries, head) =
        blocking(move || Ok((s.store.scan(after, limit)?, s.store.head()?))).await?;
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "seq": e.seq, "kind": e.kind, "logged_at": e.logged_at, "token_id": e.token_id, "law_hash": e.law_hash,
                "engine_version": e.engine_version, "body": e.body_json(), "prev_hash": e.prev_hash, "entry_hash": e.entry_hash,
            })
        })
        .collect();
    Ok(Json(
        json!({ "entries": entries, "head": { "seq": head.0, "hash": head.1 } }),
    ))
}

#[utoipa::path(get, path = "/v1/log/verify", security(("bearer" = [])), responses((status = 200, description = "{ok, entries, head_seq, head_hash, first_bad}"), (status = 403, body = error::ErrorBody)))]
pub(crate) async fn log_verify(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    require(&st, &headers, &[Role::Auditor], "verify the log").await?;
    let s = st.clone();
    let v = blocking(move || s.store.verify()).await?;
    Ok(Json(serde_json::to_value(v).map_err(ApiError::internal)?))
}
