//! Who is calling: bearer tokens (cached for `TOKEN_TTL`), roles, and the
//! decisions a caller may read.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};
use brightline_store::{Role, TokenInfo};

use crate::error::ApiError;
use crate::{blocking, Shared};

/// How long an authenticated token is trusted without asking the store again.
/// Revocation through this instance takes effect at once; through another
/// instance sharing a PostgreSQL log, within this time.
pub(crate) const TOKEN_TTL: Duration = Duration::from_secs(2);

pub(crate) async fn caller(st: &Shared, headers: &HeaderMap) -> Result<TokenInfo, ApiError> {
    let h = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::unauthorized)?;
    // RFC 9110 § 11.1: the auth scheme is case-insensitive.
    let secret = h
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, s)| s.trim())
        .ok_or_else(ApiError::unauthorized)?;
    if secret.is_empty() || secret.len() > 200 {
        return Err(ApiError::unauthorized());
    }
    let hash = brightline_store::tokens::hash(secret);
    if let Ok(cache) = st.tokens.lock() {
        if let Some((t, at)) = cache.get(&hash) {
            if at.elapsed() < TOKEN_TTL {
                let t = t.clone();
                drop(cache);
                st.rate.check(&t.id)?;
                return Ok(t);
            }
        }
    }
    let s = st.clone();
    let secret = secret.to_string();
    let found = tokio::task::spawn_blocking(move || s.store.authenticate(&secret))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::store)?;
    let t = found.ok_or_else(ApiError::unauthorized)?;
    if let Ok(mut cache) = st.tokens.lock() {
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(hash, (t.clone(), Instant::now()));
    }
    st.rate.check(&t.id)?;
    Ok(t)
}

pub(crate) async fn require(
    st: &Shared,
    headers: &HeaderMap,
    roles: &[Role],
    what: &str,
) -> Result<TokenInfo, ApiError> {
    let t = caller(st, headers).await?;
    if roles.contains(&t.role) {
        Ok(t)
    } else {
        Err(ApiError::forbidden(what))
    }
}

/// Reads a decision the caller may see (clerks: their own; others get 404 for it).
/// The caller's token, if its role may read decisions (a clerk only its own:
/// see `visible_decision`).
pub(crate) async fn reader(st: &Shared, headers: &HeaderMap) -> Result<TokenInfo, ApiError> {
    require(
        st,
        headers,
        &[Role::Clerk, Role::Counsel, Role::Auditor],
        "read decisions",
    )
    .await
}

pub(crate) async fn visible_decision(
    st: &Shared,
    t: &TokenInfo,
    id: i64,
) -> Result<brightline_store::Entry, ApiError> {
    let s = st.clone();
    let e = blocking(move || s.store.get(id)).await?;
    match e {
        Some(e) if e.kind == "decision" && (t.role != Role::Clerk || e.token_id == t.id) => Ok(e),
        _ => Err(ApiError::not_found(format!("no decision {id}"))),
    }
}

pub(crate) async fn token_names(st: &Shared) -> HashMap<String, String> {
    let s = st.clone();
    blocking(move || s.store.list_tokens())
        .await
        .map(|v| v.into_iter().map(|t| (t.id, t.name)).collect())
        .unwrap_or_default()
}
