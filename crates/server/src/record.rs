//! Deciding and recording: `POST /v1/decisions` (a draft with `dry_run=true`,
//! a record otherwise, a correction with `supersedes=`) and
//! `POST /v1/decisions/{id}/actions`.
//!
//! A record is made once per request received: a client that sends an
//! `Idempotency-Key` gets the first entry back for every repeat, and a
//! corrected decision names the one it replaces, so that reports count the
//! latest of each chain once.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use brightline_store::{NewEntry, Role, TokenInfo};
use serde_json::{json, Value};

use crate::actions::{self, ActionBody};
use crate::error::ApiError;
use crate::{blocking, canon, parse_body, parse_id, query, require, visible_decision, Shared};

/// Striped locks: recording under one idempotency key or superseding one
/// decision is check-then-append, which two presses arriving together must
/// not both pass. Plain records take no lock and keep group commit.
pub struct Locks(Vec<tokio::sync::Mutex<()>>);

impl Default for Locks {
    fn default() -> Locks {
        Locks((0..64).map(|_| tokio::sync::Mutex::new(())).collect())
    }
}

impl Locks {
    async fn lock(&self, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        self.0[(h.finish() % self.0.len() as u64) as usize]
            .lock()
            .await
    }
}

fn flag(q: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match q.get(name).map(String::as_str) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(_) => Err(ApiError::bad(name, "true or false")),
    }
}

/// Takes the optional `case_ref` (booking or case number) out of a request:
/// rules never read it, and the log keeps only its keyed hash, as the
/// subject key, so that reports count a person once.
pub(crate) fn take_case_ref(v: &mut Value) -> Result<Option<String>, ApiError> {
    let Some(obj) = v.as_object_mut() else {
        return Ok(None);
    };
    match obj.remove("case_ref") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let norm: String = s.split_whitespace().collect::<String>().to_uppercase();
            // The limit is on what was sent, as the OpenAPI description says.
            if norm.is_empty() || s.chars().count() > 100 {
                return Err(ApiError::bad("case_ref", "1 to 100 characters"));
            }
            Ok(Some(norm))
        }
        Some(_) => Err(ApiError::bad(
            "case_ref",
            "a string: the booking or case number",
        )),
    }
}

/// The keyed hash under which a case reference is kept (and looked up).
pub fn case_key(key: &[u8], case_ref: &str) -> String {
    brightline_store::subject_key(key, &format!("case_ref:{case_ref}"))
}

#[utoipa::path(post, path = "/v1/decisions", security(("bearer" = [])), request_body(content = Object, description = "The request contract (schema/request.schema.json), plus an optional `case_ref` (booking or case number, kept only as a keyed hash)"),
    params(("dry_run" = Option<bool>, Query, description = "true: decide without logging (a draft)"),
           ("supersedes" = Option<i64>, Query, description = "the id of a logged decision this one corrects"),
           ("Idempotency-Key" = Option<String>, Header, description = "the same key from the same token records once")),
    responses((status = 200, description = "The decision: {id, logged_at, law_hash, engine_version, entry_hash, supersedes, replayed, decision}; with dry_run, id is null and nothing was logged"),
              (status = 400, description = "The request breaks the contract; nothing was logged", body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody),
              (status = 409, description = "The superseded decision was already corrected, or the idempotency key was used for another request", body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 503, description = "Not logged", body = crate::error::ErrorBody)))]
pub async fn decide(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = require(
        &st,
        &headers,
        &[Role::Clerk, Role::Counsel],
        "decide requests",
    )
    .await?;
    let q = query(q)?;
    let dry = flag(&q, "dry_run")?;
    let supersedes = match q.get("supersedes") {
        Some(s) => Some(
            s.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ApiError::bad("supersedes", "the id of a logged decision"))?,
        ),
        None => None,
    };
    let idem = actions::idempotency_key(&headers)?;
    let mut v = parse_body(body)?;
    let case_ref = take_case_ref(&mut v)?;
    let c = canon::canonicalize(st.lib, &st.key, &v)?;
    let decision = st.lib.decide(c.pack, &c.facts)?;
    let full = serde_json::to_value(&decision).map_err(ApiError::internal)?;
    let outcome = decision.outcome.as_str();
    if dry {
        st.metrics.decided(outcome);
        return Ok(Json(json!({
            "id": null, "dry_run": true, "law_hash": st.law_hash, "engine_version": brightline::ENGINE_VERSION,
            "decision": full,
        })));
    }
    let mut subject_key = match &case_ref {
        Some(r) => Some(case_key(&st.key, r)),
        None => c.subject_key.clone(),
    };
    let rkey = idem
        .as_ref()
        .map(|k| actions::request_key(&st.key, &t.id, "decision", k));
    // Serialise what must be checked before appending.
    let lock_key = match (&rkey, supersedes) {
        (Some(k), _) => Some(k.clone()),
        (None, Some(s)) => Some(format!("supersedes:{s}")),
        _ => None,
    };
    let _guard = match &lock_key {
        Some(k) => Some(st.records.lock(k).await),
        None => None,
    };
    if let Some(rk) = &rkey {
        if let Some(earlier) = recorded_before(&st, &t, rk, &c.request, supersedes, &full).await? {
            return Ok(Json(earlier));
        }
    }
    if let Some(old) = supersedes {
        let prev_subject = correctable(&st, &t, old).await?;
        // A correction that names no one is about the same person.
        if subject_key.is_none() {
            subject_key = prev_subject;
        }
    }
    let mut body = json!({ "request": c.request, "subject_key": subject_key, "decision": crate::stored_decision(&full) });
    if let Some(o) = supersedes {
        body["supersedes"] = json!(o);
    }
    if let Some(rk) = &rkey {
        body["request_key"] = json!(rk);
    }
    let entry = NewEntry {
        kind: "decision".into(),
        token_id: t.id.clone(),
        law_hash: st.law_hash.clone(),
        engine_version: brightline::ENGINE_VERSION.into(),
        body,
    };
    let a = append(&st, entry).await?;
    st.metrics.decided(outcome);
    Ok(Json(json!({
        "id": a.seq, "logged_at": a.logged_at, "law_hash": st.law_hash, "engine_version": brightline::ENGINE_VERSION,
        "entry_hash": a.entry_hash, "leaf_index": a.leaf_index, "supersedes": supersedes, "replayed": false, "decision": full,
    })))
}

/// The decision an Idempotency-Key already recorded, as first answered
/// (with `replayed: true`); a conflict if the key was used for another request.
async fn recorded_before(
    st: &Shared,
    t: &TokenInfo,
    rk: &str,
    request: &Value,
    supersedes: Option<i64>,
    full: &Value,
) -> Result<Option<Value>, ApiError> {
    let s = st.clone();
    let (tid, k) = (t.id.clone(), rk.to_string());
    // An index lookup: a key is found however many decisions came after it.
    let first = blocking(move || s.store.by_request_key(&tid, "decision", &k)).await?;
    let Some(e) = first else { return Ok(None) };
    let b = e.body_json();
    if &b["request"] != request || b["supersedes"].as_i64() != supersedes {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            Some("Idempotency-Key"),
            format!(
                "this key already recorded decision {} for another request; use a new key for a new request",
                e.seq
            ),
        ));
    }
    Ok(Some(json!({
        "id": e.seq, "logged_at": e.logged_at, "law_hash": e.law_hash, "engine_version": e.engine_version,
        "entry_hash": e.entry_hash, "leaf_index": e.seq - 1, "supersedes": b["supersedes"], "replayed": true,
        "decision": full,
    })))
}

/// Checks that decision `old` may be corrected by this caller and has not
/// been corrected already; returns its subject key.
async fn correctable(st: &Shared, t: &TokenInfo, old: i64) -> Result<Option<String>, ApiError> {
    let prev = visible_decision(st, t, old)
        .await
        .map_err(|_| ApiError::bad("supersedes", format!("no decision {old} you may correct")))?;
    let s = st.clone();
    let later = blocking(move || s.store.referring(&[old])).await?;
    if let Some(n) = later.iter().find(|e| e.kind == "decision") {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            Some("supersedes"),
            format!(
                "decision {old} was already corrected by decision {}; correct that one instead",
                n.seq
            ),
        ));
    }
    Ok(prev.body_json()["subject_key"].as_str().map(str::to_string))
}

/// Appends through the group-commit writer, holding a writer-queue slot
/// until the writer is done (even if the client gave up).
async fn append(st: &Shared, entry: NewEntry) -> Result<brightline_store::Appended, ApiError> {
    let slot = st.writer_queue.slot()?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    st.store.append_with(entry, move |r| {
        drop(slot);
        let _ = tx.send(r);
    });
    rx.await
        .map_err(|_| ApiError::store("the log writer stopped"))?
        .map_err(ApiError::store)
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[utoipa::path(post, path = "/v1/decisions/{id}/actions", security(("bearer" = [])), params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "the same key from the same token records once")), request_body = ActionBody,
    responses((status = 201, description = "The action, logged: {id, decision, act, date, against_decision, logged_at, entry_hash}"),
              (status = 200, description = "A repeat of an idempotency key: the action logged the first time"),
              (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, description = "The decision said the act is prohibited (confirm and give a reason), or the decision already has the most actions one may have", body = crate::error::ErrorBody)))]
pub async fn record_action(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let t = require(
        &st,
        &headers,
        &[Role::Clerk, Role::Counsel],
        "record actions",
    )
    .await?;
    let id = parse_id(&id)?;
    let idem = actions::idempotency_key(&headers)?;
    let v = parse_body(body)?;
    let a: ActionBody = serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        let field = ["act", "date", "note", "confirm_prohibited", "reason"]
            .into_iter()
            .find(|f| msg.contains(&format!("`{f}`")))
            .unwrap_or("(body)");
        ApiError::bad(
            field,
            format!(
                "{msg}; expected {{\"act\": one of {}, \"date\": \"YYYY-MM-DD\", \"note\": string?, \"confirm_prohibited\": bool?, \"reason\": string?}}",
                actions::ACTS.join("|")
            ),
        )
    })?;
    let e = visible_decision(&st, &t, id).await?;
    let b = e.body_json();
    let outcome = b["decision"]["outcome"].as_str().unwrap_or("");
    let req_date = e.meta.req_date.as_deref().and_then(brightline::parse_date);
    let c = actions::check(a, outcome, e.meta.req_kind.as_deref(), req_date, today())?;
    let rkey = idem
        .as_ref()
        .map(|k| actions::request_key(&st.key, &t.id, &format!("action:{id}"), k));
    let _guard = match &rkey {
        Some(k) => Some(st.records.lock(k).await),
        None => None,
    };
    let mut body = json!({
        "decision": id, "act": c.act, "date": c.date.to_string(), "note": c.note,
        "against_decision": c.against_decision, "reason": c.reason,
    });
    let s = st.clone();
    let prior = blocking(move || s.store.actions_for(&[id])).await?;
    if let Some(rk) = &rkey {
        if let Some(p) = prior
            .iter()
            .find(|p| p.body_json()["request_key"].as_str() == Some(rk))
        {
            let pb = p.body_json();
            return Ok((
                StatusCode::OK,
                Json(json!({
                    "id": p.seq, "decision": id, "act": pb["act"], "date": pb["date"],
                    "against_decision": pb["against_decision"], "logged_at": p.logged_at,
                    "entry_hash": p.entry_hash, "replayed": true,
                })),
            )
                .into_response());
        }
        body["request_key"] = json!(rk);
    }
    // A repeat of an idempotency key was answered above, even at the cap.
    let n = prior.len();
    if n >= st.limits.max_actions {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            None,
            format!(
                "decision {id} already has {n} actions, the most one decision may have; \
                 ask for a new decision if the case went on"
            ),
        ));
    }
    let entry = NewEntry {
        kind: "action".into(),
        token_id: t.id,
        law_hash: st.law_hash.clone(),
        engine_version: brightline::ENGINE_VERSION.into(),
        body,
    };
    let r = append(&st, entry).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": r.seq, "decision": id, "act": c.act, "date": c.date.to_string(),
            "against_decision": c.against_decision, "logged_at": r.logged_at,
            "entry_hash": r.entry_hash, "replayed": false,
        })),
    )
        .into_response())
}
