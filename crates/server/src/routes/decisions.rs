//! Logged decisions: read one with its actions, list them, replay one.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use brightline::views::{Logged, Replay, ReplayError};
use brightline::Library;
use brightline_store::{ListQuery, Role};
use serde_json::{json, Value};

use crate::auth::{reader, token_names, visible_decision};
use crate::error::{self, ApiError};
use crate::params::{number, parse_id, Params};

/// `GET /v1/decisions/{id}`: a page of the decision's actions.
#[derive(serde::Deserialize)]
pub(crate) struct ActionsPage {
    actions_limit: Option<String>,
    actions_after: Option<String>,
}

#[derive(serde::Deserialize)]
pub(crate) struct ReplayQuery {
    force: Option<String>,
}

/// `GET /v1/decisions`: a page of the caller's visible decisions, filtered.
#[derive(serde::Deserialize)]
pub(crate) struct ListParams {
    limit: Option<String>,
    before: Option<String>,
    outcome: Option<String>,
    jurisdiction: Option<String>,
    kind: Option<String>,
}
use crate::{actions, blocking, metrics, Shared};

pub(crate) fn action_json(a: &brightline_store::Entry, kind: Option<&str>) -> Value {
    let b = a.body_json();
    json!({
        "id": a.seq, "logged_at": a.logged_at, "token_id": a.token_id,
        "acts": actions::acts_of(&b, kind), "date": b["date"], "note": b["note"],
        "against_decision": b["against_decision"], "reason": b["reason"],
    })
}

#[utoipa::path(get, path = "/v1/decisions/{id}", security(("bearer" = [])),
    params(("id" = i64, Path, description = "log sequence number"),
           ("actions_limit" = Option<i64>, Query, description = "actions per page (default and most: the per-decision action cap)"),
           ("actions_after" = Option<i64>, Query, description = "the page after this action id (`actions_next_after`)")),
    responses((status = 200, description = "The logged decision with its actions"), (status = 404, body = error::ErrorBody)))]
pub(crate) async fn get_decision(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Params<ActionsPage>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let t = reader(&st, &headers).await?;
    let id = parse_id(&id)?;
    let Params(q) = q?;
    let max = st.limits.max_actions.max(1) as i64;
    let page = number(
        q.actions_limit.as_deref(),
        "actions_limit",
        1..=max,
        max,
        &format!("a number from 1 to {max}"),
    )?;
    let after = number(
        q.actions_after.as_deref(),
        "actions_after",
        0..=i64::MAX,
        0,
        "an action id, 0 or more",
    )?;
    let e = visible_decision(&st, &t, id).await?;
    let s = st.clone();
    let refs = blocking(move || s.store.referring(&[id])).await?;
    let superseded_by = refs.iter().find(|r| r.kind == "decision").map(|r| r.seq);
    let all: Vec<_> = refs.iter().filter(|r| r.kind == "action").collect();
    let total = all.len();
    let mut actions: Vec<_> = all.into_iter().filter(|a| a.seq > after).collect();
    let more = actions.len() as i64 > page;
    actions.truncate(page as usize);
    let next_after = if more {
        actions.last().map(|a| a.seq)
    } else {
        None
    };
    let names = token_names(&st).await;
    let b = e.body_json();
    let kind = e.meta.req_kind.as_deref();
    Ok(Json(json!({
        "id": e.seq, "logged_at": e.logged_at, "token_id": e.token_id, "token_name": names.get(&e.token_id),
        "law_hash": e.law_hash, "engine_version": e.engine_version, "law_hash_current": e.law_hash == st.law_hash,
        "request": b["request"], "subject_key": b["subject_key"], "decision": b["decision"],
        "supersedes": b["supersedes"],
        "superseded_by": superseded_by,
        "actions": actions.iter().map(|a| action_json(a, kind)).collect::<Vec<_>>(),
        "actions_total": total, "actions_next_after": next_after,
        "prev_hash": e.prev_hash, "entry_hash": e.entry_hash, "leaf_index": e.seq - 1, "erased": e.erased(),
    })))
}

/// Re-derives a logged decision (the view is core's, shared with
/// `brightline log replay`); its errors as the API states them.
fn replay(
    lib: &Library,
    law_hash: &str,
    e: &brightline_store::Entry,
    force: bool,
) -> Result<Replay, ApiError> {
    let body = e.body_json();
    let logged = Logged {
        id: e.seq,
        kind: &e.kind,
        law_hash: &e.law_hash,
        body: &body,
    };
    lib.replay(&logged, law_hash, force)
        .map_err(|err| match err {
            ReplayError::NotADecision { .. } => ApiError::not_found(err.to_string()),
            ReplayError::OtherLaw { .. } => {
                ApiError::new(StatusCode::CONFLICT, Some("law_hash"), err.to_string())
            }
            ReplayError::Request(r) => r.into(),
        })
}

#[utoipa::path(get, path = "/v1/decisions/{id}/replay", security(("bearer" = [])), params(("id" = i64, Path), ("force" = Option<bool>, Query)),
    responses((status = 200, description = "The re-derived decision with trace"), (status = 409, description = "Other law packs are running", body = error::ErrorBody)))]
pub(crate) async fn replay_decision(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Params<ReplayQuery>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let t = reader(&st, &headers).await?;
    let id = parse_id(&id)?;
    let e = visible_decision(&st, &t, id).await?;
    let Params(q) = q?;
    let force = match q.force.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::bad("force", "true or false")),
    };
    let r = replay(st.lib, &st.law_hash, &e, force)?;
    Ok(Json(serde_json::to_value(r).map_err(ApiError::internal)?))
}

#[utoipa::path(get, path = "/v1/decisions", security(("bearer" = [])),
    params(("limit" = Option<i64>, Query), ("before" = Option<i64>, Query), ("outcome" = Option<String>, Query), ("jurisdiction" = Option<String>, Query), ("kind" = Option<String>, Query)),
    responses((status = 200, description = "{decisions: [...], next_before}"), (status = 400, body = error::ErrorBody)))]
pub(crate) async fn list_decisions(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Params<ListParams>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let t = reader(&st, &headers).await?;
    let Params(q) = q?;
    let limit = number(
        q.limit.as_deref(),
        "limit",
        1..=500,
        50,
        "a number from 1 to 500",
    )?;
    let before = match &q.before {
        Some(b) => Some(
            b.parse::<i64>()
                .map_err(|_| ApiError::bad("before", "a decision id"))?,
        ),
        None => None,
    };
    if let Some(o) = &q.outcome {
        if !metrics::OUTCOMES.contains(&o.as_str()) {
            return Err(ApiError::bad(
                "outcome",
                format!("one of: {}", metrics::OUTCOMES.join(", ")),
            ));
        }
    }
    let lq = ListQuery {
        token_id: (t.role == Role::Clerk).then(|| t.id.clone()),
        before,
        limit: limit + 1,
        outcome: q.outcome,
        jurisdiction: q.jurisdiction,
        kind: q.kind,
    };
    let s = st.clone();
    let mut rows = blocking(move || s.store.list(&lq)).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let ids: Vec<i64> = rows.iter().map(|e| e.seq).collect();
    let s = st.clone();
    let refs = blocking(move || s.store.referring(&ids)).await?;
    let names = token_names(&st).await;
    let out: Vec<Value> = rows
        .iter()
        .map(|e| {
            let b = e.body_json();
            let kind = e.meta.req_kind.as_deref();
            let mine = refs.iter().filter(|r| r.meta.ref_seq == Some(e.seq));
            let mut acts: Vec<String> = Vec::new();
            let mut superseded_by = None;
            for r in mine {
                if r.kind == "decision" {
                    superseded_by = Some(r.seq);
                } else {
                    acts.extend(actions::acts_of(&r.body_json(), kind));
                }
            }
            json!({
                "id": e.seq, "logged_at": e.logged_at, "token_id": e.token_id, "token_name": names.get(&e.token_id),
                "jurisdiction": e.meta.jurisdiction, "agency": e.meta.agency, "date": e.meta.req_date, "kind": e.meta.req_kind,
                "outcome": e.meta.outcome, "summary": b["decision"]["summary"],
                "acts": acts, "supersedes": b["supersedes"], "superseded_by": superseded_by,
            })
        })
        .collect();
    let next = if more {
        rows.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(Json(json!({ "decisions": out, "next_before": next })))
}
