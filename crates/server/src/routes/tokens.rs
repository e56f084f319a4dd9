//! API tokens, for admins. Each change is an entry of the log.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use brightline_store::Role;
use serde_json::{json, Value};

use crate::auth::require;
use crate::error::{self, ApiError};
use crate::params::parse_body;
use crate::{blocking, Shared};

#[utoipa::path(get, path = "/v1/tokens", security(("bearer" = [])), responses((status = 200, description = "{tokens: [...]}"), (status = 403, body = error::ErrorBody)))]
pub(crate) async fn list_tokens(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    require(&st, &headers, &[Role::Admin], "manage tokens").await?;
    let s = st.clone();
    let ts = blocking(move || s.store.list_tokens()).await?;
    Ok(Json(json!({ "tokens": ts })))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub name: String,
    /// clerk, counsel, auditor, admin or witness
    pub role: String,
}

#[utoipa::path(post, path = "/v1/tokens", security(("bearer" = [])), request_body = TokenBody,
    responses((status = 201, description = "{id, name, role, token}: the token is shown this once"), (status = 400, body = error::ErrorBody), (status = 403, body = error::ErrorBody)))]
pub(crate) async fn create_token(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let admin = require(&st, &headers, &[Role::Admin], "manage tokens").await?;
    let v = parse_body(body)?;
    let b: TokenBody = serde_json::from_value(v).map_err(|e| {
        ApiError::bad(
            "(body)",
            format!("{e}; expected {{\"name\": string, \"role\": string}}"),
        )
    })?;
    let role = Role::parse(&b.role)
        .ok_or_else(|| ApiError::bad("role", "one of: clerk, counsel, auditor, admin, witness"))?;
    let name = b.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad("name", "1 to 100 characters"));
    }
    // The creation is an entry of the log: it waits for the writer like any append.
    let slot = st.writer_queue.slot()?;
    let s = st.clone();
    let (info, secret) = blocking(move || {
        let r = s.store.create_token_by(&admin.id, &name, role);
        drop(slot);
        r
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": info.id, "name": info.name, "role": info.role, "created_at": info.created_at, "token": secret }))).into_response())
}

#[utoipa::path(delete, path = "/v1/tokens/{id}", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "{id, revoked_at}"), (status = 404, body = error::ErrorBody), (status = 409, description = "The last admin token cannot be revoked", body = error::ErrorBody)))]
pub(crate) async fn revoke_token(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let admin = require(&st, &headers, &[Role::Admin], "manage tokens").await?;
    // The revocation is an entry of the log: it waits for the writer like any append.
    let slot = st.writer_queue.slot()?;
    let s = st.clone();
    let id2 = id.clone();
    let t = tokio::task::spawn_blocking(move || {
        let r = s.store.revoke_token_by(&admin.id, &id2);
        drop(slot);
        r
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        brightline_store::StoreError::Conflict(m) => {
            ApiError::new(StatusCode::CONFLICT, Some("id"), m)
        }
        e => ApiError::store(e),
    })?
    .ok_or_else(|| ApiError::not_found(format!("no token `{id}`")))?;
    if let Ok(mut c) = st.tokens.lock() {
        c.retain(|_, (ti, _)| ti.id != t.id);
    }
    Ok(Json(json!({ "id": t.id, "revoked_at": t.revoked_at })))
}
