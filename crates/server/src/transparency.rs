//! What auditors and witnesses read to hold the log's operator to its history:
//! the latest signed checkpoint, inclusion proofs of decisions, and consistency
//! proofs between two tree sizes (RFC 9162 § 2.1; docs/witness.md).

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use brightline_store::merkle::b64;
use brightline_store::Role;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::{blocking, caller, parse_id, query, reader, visible_decision, Shared};

fn unsigned() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        None,
        "this service signs no checkpoints: start it with --signing-key (see docs/witness.md)",
    )
}

/// Every role may read checkpoints and consistency proofs: they hold sizes and
/// hashes, nothing about any person, so a witness needs no other access.
const ANY_ROLE: [Role; 5] = [
    Role::Clerk,
    Role::Counsel,
    Role::Auditor,
    Role::Admin,
    Role::Witness,
];

#[utoipa::path(get, path = "/v1/log/checkpoint", security(("bearer" = [])),
    responses((status = 200, description = "The latest signed checkpoint: a C2SP tlog-checkpoint in a C2SP signed-note (origin, tree size, base64 root hash, blank line, Ed25519 signature line)", content_type = "text/plain"),
              (status = 401, body = crate::error::ErrorBody), (status = 503, description = "The service signs no checkpoints", body = crate::error::ErrorBody)))]
pub(crate) async fn checkpoint(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let t = caller(&st, &headers).await?;
    if !ANY_ROLE.contains(&t.role) {
        return Err(ApiError::forbidden("read checkpoints"));
    }
    let cp = st.store.checkpoint().ok_or_else(unsigned)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        cp.note,
    )
        .into_response())
}

#[utoipa::path(get, path = "/v1/log/consistency", security(("bearer" = [])),
    params(("from" = u64, Query, description = "the smaller tree size (a checkpoint kept before)"), ("to" = Option<u64>, Query, description = "the larger tree size; default: the latest checkpoint's")),
    responses((status = 200, description = "{from, to, proof: [base64 hashes], checkpoint}: the RFC 9162 consistency proof from the tree of `from` entries to the tree of `to`"),
              (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub(crate) async fn consistency(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = caller(&st, &headers).await?;
    if !ANY_ROLE.contains(&t.role) {
        return Err(ApiError::forbidden("read consistency proofs"));
    }
    let q = query(q)?;
    let cp = st.store.checkpoint().ok_or_else(unsigned)?;
    let size = cp.checkpoint.size;
    let num = |name: &str| -> Result<Option<u64>, ApiError> {
        q.get(name)
            .map(|v| {
                v.parse::<u64>().ok().filter(|n| *n <= size).ok_or_else(|| {
                    ApiError::bad(
                        name,
                        format!("a tree size from 0 to {size} (the latest checkpoint)"),
                    )
                })
            })
            .transpose()
    };
    let from = num("from")?.ok_or_else(|| ApiError::bad("from", "required: a tree size"))?;
    let to = num("to")?.unwrap_or(size);
    if from > to {
        return Err(ApiError::bad("from", "at most `to`"));
    }
    let s = st.clone();
    let proof = blocking(move || s.store.consistency_proof(from, to)).await?;
    Ok(Json(json!({
        "from": from, "to": to, "proof": b64(&proof), "checkpoint": cp.note,
    })))
}

#[utoipa::path(get, path = "/v1/decisions/{id}/proof", security(("bearer" = [])), params(("id" = i64, Path, description = "log sequence number")),
    responses((status = 200, description = "{id, leaf_index, tree_size, leaf_hash, proof: [base64 hashes], checkpoint}: the RFC 9162 inclusion proof of the decision's entry in the tree of the latest signed checkpoint"),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub(crate) async fn proof(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = reader(&st, &headers).await?;
    let id = parse_id(&id)?;
    visible_decision(&st, &t, id).await?;
    if st.store.checkpoint().is_none() {
        return Err(unsigned());
    }
    let s = st.clone();
    let p = blocking(move || s.store.inclusion_proof(id)).await?;
    Ok(Json(json!({
        "id": id, "leaf_index": p.leaf_index, "tree_size": p.tree_size,
        "leaf_hash": p.leaf_hash.to_string(), "proof": b64(&p.proof), "checkpoint": p.checkpoint.note,
    })))
}
