//! `brightline serve`: the decision service. Every decision is logged in the
//! hash-chained log of `brightline-store` and acknowledged only after its
//! commit. The API is described in docs/api.md and at `/openapi.json`.

pub mod actions;
pub mod canon;
pub mod error;
pub mod headers;
pub mod laws;
pub mod limits;
pub mod map;
pub mod memo;
pub mod metrics;
pub mod openapi;
pub mod record;
pub mod reports;
pub mod strict;
mod transparency;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use brightline::views::{Logged, MatrixError, Replay, ReplayError};
use brightline::Library;
use brightline_store::{ListQuery, Location, Role, Store, TokenInfo};
use serde_json::{json, Value};
use utoipa::OpenApi;

use crate::error::ApiError;

pub const BODY_LIMIT: usize = 64 * 1024;

/// How long an authenticated token is trusted without asking the store again.
/// Revocation through this instance takes effect at once; through another
/// instance sharing a PostgreSQL log, within this time.
const TOKEN_TTL: Duration = Duration::from_secs(2);

pub struct AppState {
    pub lib: &'static Library,
    pub law_hash: String,
    pub store: Arc<Store>,
    pub key: Vec<u8>,
    pub metrics: metrics::Metrics,
    pub reports: Vec<brightline::report::ReportDef>,
    records: record::Locks,
    pub limits: limits::Limits,
    rate: limits::TokenRate,
    pub writer_queue: limits::WriterQueue,
    tokens: Mutex<HashMap<String, (TokenInfo, Instant)>>,
}

pub type Shared = Arc<AppState>;

impl AppState {
    pub fn new(lib: &'static Library, store: Arc<Store>, key: Vec<u8>) -> Result<AppState, String> {
        Ok(AppState {
            lib,
            law_hash: lib.content_hash(),
            store,
            key,
            metrics: metrics::Metrics::default(),
            reports: reports::load(lib)?,
            records: record::Locks::default(),
            rate: limits::TokenRate::new(&limits::Limits::default()),
            writer_queue: limits::WriterQueue::new(&limits::Limits::default()),
            limits: limits::Limits::default(),
            tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn with_limits(mut self, l: limits::Limits) -> AppState {
        self.rate = limits::TokenRate::new(&l);
        self.writer_queue = limits::WriterQueue::new(&l);
        self.limits = l;
        self
    }
}

/// Where `serve` keeps its log and key.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data: PathBuf,
    pub database: Option<String>,
    /// The log's private key (`brightline log keygen`): sign a checkpoint after every commit.
    pub signing_key: Option<PathBuf>,
    /// The identifier HMAC key; default: brightline_store::default_identifier_key.
    pub identifier_key: Option<PathBuf>,
    pub limits: limits::Limits,
}

pub fn location(data: &std::path::Path, database: Option<&str>) -> Location {
    match database {
        Some(db) => Location::Postgres {
            conn: db.to_string(),
            schema: None,
        },
        None => Location::Sqlite(data.join("log.db")),
    }
}

/// The opened log, the identifier key, and the first admin secret if one was just created.
pub type Opened = (Arc<Store>, Vec<u8>, Option<String>);

pub fn open_store(cfg: &Config) -> Result<Opened, String> {
    brightline_store::create_private_dir(&cfg.data)
        .map_err(|e| format!("cannot create {}: {e}", cfg.data.display()))?;
    let loc = location(&cfg.data, cfg.database.as_deref());
    let store = match &cfg.signing_key {
        Some(p) => {
            let k = brightline_store::checkpoint::read_signer(p).map_err(|e| e.to_string())?;
            Store::open_signed(&loc, k)
        }
        None => Store::open(&loc),
    }
    .map_err(|e| format!("cannot open the decision log: {e}"))?;
    let key = brightline_store::identifier_key(&cfg.data, cfg.identifier_key.as_deref())
        .map_err(|e| format!("identifier key: {e}"))?;
    let tokens = store.list_tokens().map_err(|e| e.to_string())?;
    let secret = if tokens
        .iter()
        .any(|t| t.role == Role::Admin && t.revoked_at.is_none())
    {
        None
    } else {
        let (_, s) = store
            .create_token("first admin", Role::Admin)
            .map_err(|e| e.to_string())?;
        Some(s)
    };
    Ok((Arc::new(store), key, secret))
}

/// Where a newly created first admin token is written.
pub fn admin_token_path(data: &std::path::Path) -> PathBuf {
    data.join("first-admin-token")
}

/// Writes the first admin secret to a file only its owner can read: on stderr
/// it would end up in service logs, journald and CI output.
pub fn write_admin_token(data: &std::path::Path, secret: &str) -> Result<PathBuf, String> {
    use std::io::Write;
    let path = admin_token_path(data);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    // A file left from an earlier start keeps its old mode through `open`: set it.
    #[cfg(unix)]
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
    writeln!(f, "{secret}")
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs the server until Ctrl-C / SIGTERM; queued log appends are committed before exit.
pub async fn serve(cfg: Config, lib: &'static Library) -> Result<(), String> {
    serve_until(cfg, lib, shutdown()).await
}

/// `serve`, stopping when `stop` completes.
pub async fn serve_until(
    cfg: Config,
    lib: &'static Library,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    // The PostgreSQL client runs a runtime of its own, which must not start on
    // a thread that is already driving this one.
    let (store, key, secret) = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || open_store(&cfg))
            .await
            .map_err(|e| format!("opening the decision log failed: {e}"))??
    };
    if let Some(s) = secret {
        let path = write_admin_token(&cfg.data, &s)?;
        eprintln!(
            "brightline: created the first admin token in {} (mode 0600, readable by this user only); \
             move it somewhere safe and delete the file",
            path.display()
        );
    }
    let state = Arc::new(AppState::new(lib, store.clone(), key)?.with_limits(cfg.limits.clone()));
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    eprintln!(
        "brightline: serving on http://{} (log: {}, law {})",
        cfg.listen,
        match &cfg.database {
            Some(_) => "postgres".to_string(),
            None => cfg.data.join("log.db").display().to_string(),
        },
        &state.law_hash[..12]
    );
    serve_on(listener, state, stop).await?;
    store.close();
    Ok(())
}

/// Serves on a bound listener until `stop` completes (tests bind port 0).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: Shared,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let limits = state.limits.clone();
    limits::run(listener, app(state), limits, stop).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

static ASSETS: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/assets");

pub fn app(state: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .route("/metrics", get(metrics_text))
        .route("/v1/me", get(me))
        .route("/v1/decisions", post(record::decide).get(list_decisions))
        .route("/v1/decisions/{id}", get(get_decision))
        .route("/v1/decisions/{id}/actions", post(record::record_action))
        .route("/v1/decisions/{id}/replay", get(replay_decision))
        .route("/v1/decisions/{id}/proof", get(transparency::proof))
        .route("/v1/log/checkpoint", get(transparency::checkpoint))
        .route("/v1/log/consistency", get(transparency::consistency))
        .route("/v1/decisions/{id}/memo", get(memo::memo_html))
        .route("/v1/decisions/{id}/memo.pdf", get(memo::memo_pdf))
        .route("/v1/memo", get(memo::draft_memo))
        .route("/v1/laws", get(list_laws))
        .route("/v1/laws/{jurisdiction}", get(law_in_force))
        .route("/v1/compare", get(compare))
        .route("/v1/map", get(map::map_index))
        .route("/v1/diff", post(diff))
        .route("/v1/reports", get(list_reports))
        .route("/v1/reports/{id}", get(report))
        .route("/v1/log", get(log_entries))
        .route("/v1/log/verify", get(log_verify))
        .route("/v1/tokens", get(list_tokens).post(create_token))
        .route("/v1/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.limits.request_deadline,
            limits::deadline,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(headers::secure))
        .with_state(state)
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    eprintln!("brightline: a handler panicked (a defect); the request was answered 500");
    error::body(
        StatusCode::INTERNAL_SERVER_ERROR,
        None,
        "internal error; nothing was recorded",
    )
}

async fn observe(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let resp = next.run(req).await;
    st.metrics.observe(
        &route,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; see /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this route does not take that method; see /openapi.json",
    )
}

// ------------------------------------------------------------ auth

async fn caller(st: &Shared, headers: &HeaderMap) -> Result<TokenInfo, ApiError> {
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

async fn require(
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

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, brightline_store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::store)
}

fn parse_body(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
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

fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(format!("no decision `{s}`")))
}

// ------------------------------------------------------------ handlers

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The service and its log answer"), (status = 503, description = "The log cannot be read", body = error::ErrorBody)))]
async fn healthz(State(st): State<Shared>) -> Result<Json<Value>, ApiError> {
    let s = st.store.clone();
    let n = blocking(move || s.count()).await?;
    Ok(Json(
        json!({ "status": "ok", "log": st.store.backend(), "entries": n }),
    ))
}

async fn openapi(State(st): State<Shared>) -> Response {
    let mut doc = ApiDoc::openapi();
    doc.info.version = brightline::ENGINE_VERSION.to_string();
    match serde_json::to_value(doc) {
        Ok(v) => Json(openapi::complete(v, st.lib, st.limits.max_actions)).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

#[utoipa::path(get, path = "/metrics", security(("bearer" = [])), responses((status = 200, description = "Prometheus text format", content_type = "text/plain"), (status = 403, body = error::ErrorBody)))]
async fn metrics_text(State(st): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    require(&st, &headers, &[Role::Auditor, Role::Admin], "read metrics").await?;
    let s = st.store.clone();
    let n = blocking(move || s.count()).await.ok();
    let text = st.metrics.render(&st.store.stats, n);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

#[utoipa::path(get, path = "/v1/me", security(("bearer" = [])), responses((status = 200, description = "The caller's token: id, name, role"), (status = 401, body = error::ErrorBody)))]
async fn me(State(st): State<Shared>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let t = caller(&st, &headers).await?;
    Ok(Json(json!({ "id": t.id, "name": t.name, "role": t.role })))
}

pub(crate) use brightline::views::stored_decision;

/// Reads a decision the caller may see (clerks: their own; others get 404 for it).
/// The caller's token, if its role may read decisions (a clerk only its own:
/// see `visible_decision`).
async fn reader(st: &Shared, headers: &HeaderMap) -> Result<TokenInfo, ApiError> {
    require(
        st,
        headers,
        &[Role::Clerk, Role::Counsel, Role::Auditor],
        "read decisions",
    )
    .await
}

async fn visible_decision(
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

fn action_json(a: &brightline_store::Entry, kind: Option<&str>) -> Value {
    let b = a.body_json();
    json!({
        "id": a.seq, "logged_at": a.logged_at, "token_id": a.token_id,
        "acts": actions::acts_of(&b, kind), "date": b["date"], "note": b["note"],
        "against_decision": b["against_decision"], "reason": b["reason"],
    })
}

async fn token_names(st: &Shared) -> HashMap<String, String> {
    let s = st.clone();
    blocking(move || s.store.list_tokens())
        .await
        .map(|v| v.into_iter().map(|t| (t.id, t.name)).collect())
        .unwrap_or_default()
}

#[utoipa::path(get, path = "/v1/decisions/{id}", security(("bearer" = [])),
    params(("id" = i64, Path, description = "log sequence number"),
           ("actions_limit" = Option<i64>, Query, description = "actions per page (default and most: the per-decision action cap)"),
           ("actions_after" = Option<i64>, Query, description = "the page after this action id (`actions_next_after`)")),
    responses((status = 200, description = "The logged decision with its actions"), (status = 404, body = error::ErrorBody)))]
async fn get_decision(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = reader(&st, &headers).await?;
    let id = parse_id(&id)?;
    let q = query(q)?;
    let max = st.limits.max_actions.max(1) as i64;
    let page = match q.get("actions_limit") {
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::bad("actions_limit", format!("a number from 1 to {max}")))?,
        None => max,
    };
    let after = match q.get("actions_after") {
        Some(a) => a
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::bad("actions_after", "an action id, 0 or more"))?,
        None => 0,
    };
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
pub fn replay(
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
async fn replay_decision(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = reader(&st, &headers).await?;
    let id = parse_id(&id)?;
    let e = visible_decision(&st, &t, id).await?;
    let q = query(q)?;
    let force = match q.get("force").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::bad("force", "true or false")),
    };
    let r = replay(st.lib, &st.law_hash, &e, force)?;
    Ok(Json(serde_json::to_value(r).map_err(ApiError::internal)?))
}

fn query(
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<HashMap<String, String>, ApiError> {
    q.map(|q| q.0)
        .map_err(|e| ApiError::bad("(query)", e.body_text()))
}

#[utoipa::path(get, path = "/v1/decisions", security(("bearer" = [])),
    params(("limit" = Option<i64>, Query), ("before" = Option<i64>, Query), ("outcome" = Option<String>, Query), ("jurisdiction" = Option<String>, Query), ("kind" = Option<String>, Query)),
    responses((status = 200, description = "{decisions: [...], next_before}"), (status = 400, body = error::ErrorBody)))]
async fn list_decisions(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let t = reader(&st, &headers).await?;
    let q = query(q)?;
    let limit = match q.get("limit") {
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| ApiError::bad("limit", "a number from 1 to 500"))?,
        None => 50,
    };
    let before = match q.get("before") {
        Some(b) => Some(
            b.parse::<i64>()
                .map_err(|_| ApiError::bad("before", "a decision id"))?,
        ),
        None => None,
    };
    if let Some(o) = q.get("outcome") {
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
        outcome: q.get("outcome").cloned(),
        jurisdiction: q.get("jurisdiction").cloned(),
        kind: q.get("kind").cloned(),
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

#[utoipa::path(get, path = "/v1/laws", security(("bearer" = [])), responses((status = 200, description = "Jurisdictions with law packs, and the law hash")))]
async fn list_laws(State(st): State<Shared>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    caller(&st, &headers).await?;
    Ok(Json(laws::list(st.lib, &st.law_hash)))
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[utoipa::path(get, path = "/v1/laws/{jurisdiction}", security(("bearer" = [])), params(("jurisdiction" = String, Path), ("date" = Option<String>, Query, description = "YYYY-MM-DD; default today")),
    responses((status = 200, description = "Provisions and events in force, and the version history"), (status = 400, body = error::ErrorBody), (status = 404, body = error::ErrorBody)))]
async fn law_in_force(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(j): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller(&st, &headers).await?;
    let q = query(q)?;
    let date = match q.get("date") {
        Some(d) => reports::date(d, "date")?,
        None => today(),
    };
    let law = laws::in_force(st.lib, &j, date)?;
    Ok(Json(serde_json::to_value(law).map_err(ApiError::internal)?))
}

#[utoipa::path(get, path = "/v1/compare", security(("bearer" = [])),
    params(("jurisdictions" = Option<String>, Query, description = "comma-separated ids; default all"), ("date" = Option<String>, Query, description = "YYYY-MM-DD; default today"), ("agency" = Option<String>, Query, description = "agency role for every cell; default per kind")),
    responses((status = 200, description = "{date, kinds, rows: [[cell]]}: what each jurisdiction's law does with each kind of request"), (status = 400, body = error::ErrorBody)))]
async fn compare(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller(&st, &headers).await?;
    let q = query(q)?;
    let date = match q.get("date") {
        Some(d) => reports::date(d, "date")?,
        None => today(),
    };
    let lib = st.lib;
    let ids: Vec<String> = q
        .get("jurisdictions")
        .filter(|s| !s.trim().is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let agency = q.get("agency").cloned();
    let m = tokio::task::spawn_blocking(move || {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        lib.matrix(&ids, date, agency.as_deref())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        MatrixError::Jurisdiction(m) => ApiError::bad("jurisdictions", m),
        MatrixError::Agency(_) => ApiError::bad(
            "agency",
            format!("one of: {}", brightline::schema::AGENCIES.join(", ")),
        ),
    })?;
    Ok(Json(serde_json::to_value(m).map_err(ApiError::internal)?))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffSide {
    pub jurisdiction: String,
    /// YYYY-MM-DD
    pub date: String,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffBody {
    pub a: DiffSide,
    pub b: DiffSide,
}

#[utoipa::path(post, path = "/v1/diff", security(("bearer" = [])), request_body = DiffBody,
    responses((status = 200, description = "Where two laws (jurisdiction at date) decide differently, with examples (brightline::analysis::Diff)"), (status = 400, body = error::ErrorBody)))]
async fn diff(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    use brightline::analysis::{self, LawAt};
    caller(&st, &headers).await?;
    let v = parse_body(body)?;
    let b: DiffBody = serde_json::from_value(v).map_err(|e| {
        ApiError::bad(
            "(body)",
            format!("{e}; expected {{\"a\": {{\"jurisdiction\", \"date\"}}, \"b\": {{…}}}}"),
        )
    })?;
    let lib = st.lib;
    let side = |s: &DiffSide, f: &str| -> Result<LawAt, ApiError> {
        let pack = lib
            .jurisdiction(&s.jurisdiction)
            .map_err(|e| ApiError::bad(&format!("{f}.jurisdiction"), e.message))?;
        let date = reports::date(&s.date, &format!("{f}.date"))?;
        Ok(LawAt { pack, date })
    };
    let (a, bb) = (side(&b.a, "a")?, side(&b.b, "b")?);
    let d = tokio::task::spawn_blocking(move || analysis::diff(lib, a, bb))
        .await
        .map_err(ApiError::internal)??;
    let mut v = serde_json::to_value(&d).map_err(ApiError::internal)?;
    // What changed, by provision, before the regions.
    v["summary"] =
        serde_json::to_value(brightline::changes::by_provision(&d)).map_err(ApiError::internal)?;
    Ok(Json(v))
}

#[utoipa::path(get, path = "/v1/reports", security(("bearer" = [])), responses((status = 200, description = "Report definitions"), (status = 403, body = error::ErrorBody)))]
async fn list_reports(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    require(&st, &headers, &[Role::Counsel], "read reports").await?;
    let rs: Vec<Value> = st
        .reports
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "title": r.title, "citation": r.citation, "agency": r.agency,
                "period": r.schedule.last().map(|s| s.period.clone()),
                "schedules": r.schedule.iter().map(|s| json!({"effective": s.effective, "citation": s.citation, "period": s.period, "period_ends": s.period_ends})).collect::<Vec<_>>(),
                "jurisdiction": st.lib.packs[r.pack].id,
                "fields": r.fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "reports": rs })))
}

#[utoipa::path(get, path = "/v1/reports/{id}", security(("bearer" = [])),
    params(("id" = String, Path), ("year" = Option<i32>, Query), ("quarter" = Option<String>, Query, description = "YYYYQn"), ("from" = Option<String>, Query), ("to" = Option<String>, Query), ("format" = Option<String>, Query, description = "json (default), csv or html")),
    responses((status = 200, description = "The report for the period", content_type = "application/json"), (status = 400, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody)))]
async fn report(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    require(&st, &headers, &[Role::Counsel], "read reports").await?;
    let q = query(q)?;
    let (id, ext) = match id.rsplit_once('.') {
        Some((i, e)) if ["csv", "html", "json"].contains(&e) => {
            (i.to_string(), Some(e.to_string()))
        }
        _ => (id, None),
    };
    let format = q
        .get("format")
        .cloned()
        .or(ext)
        .unwrap_or_else(|| "json".into());
    if !["json", "csv", "html"].contains(&format.as_str()) {
        return Err(ApiError::bad("format", "one of: json, csv, html"));
    }
    let r = st
        .reports
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no report `{id}`")))?
        .clone();
    let (p, sched) = reports::period(&r, &q)?;
    let sched = sched.cloned();
    let (from, to) = (p.from.to_string(), p.to.to_string());
    let s = st.clone();
    let v = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let (rows, unreadable) = reports::rows(s.lib, &s.store, &from, &to)?;
        Ok(reports::compute(
            s.lib,
            &r,
            &p,
            sched.as_ref(),
            &rows,
            unreadable,
        ))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(match format.as_str() {
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            reports::csv(&v),
        )
            .into_response(),
        "html" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            reports::html(&v),
        )
            .into_response(),
        _ => Json(v).into_response(),
    })
}

#[utoipa::path(get, path = "/v1/log", security(("bearer" = [])), params(("after" = Option<i64>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "Raw entries in sequence order, and the head"), (status = 403, body = error::ErrorBody)))]
async fn log_entries(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    require(&st, &headers, &[Role::Auditor], "read the log").await?;
    let q = query(q)?;
    let after = match q.get("after") {
        Some(a) => a
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::bad("after", "a sequence number, 0 or more"))?,
        None => 0,
    };
    let limit = match q.get("limit") {
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad("limit", "a number from 1 to 1000"))?,
        None => 100,
    };
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
async fn log_verify(State(st): State<Shared>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    require(&st, &headers, &[Role::Auditor], "verify the log").await?;
    let s = st.clone();
    let v = blocking(move || s.store.verify()).await?;
    Ok(Json(serde_json::to_value(v).map_err(ApiError::internal)?))
}

#[utoipa::path(get, path = "/v1/tokens", security(("bearer" = [])), responses((status = 200, description = "{tokens: [...]}"), (status = 403, body = error::ErrorBody)))]
async fn list_tokens(
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
async fn create_token(
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
async fn revoke_token(
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

fn asset_response(path: &str) -> Response {
    let Some(f) = ASSETS.get_file(path) else {
        return ApiError::not_found(format!("no asset `{path}`")).into_response();
    };
    let ct = match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    let mut r = f.contents().to_vec().into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

async fn index() -> Response {
    asset_response("index.html")
}

async fn asset(Path(path): Path<String>) -> Response {
    if path.split('/').any(|p| p == ".." || p.is_empty()) {
        return ApiError::not_found("no such asset").into_response();
    }
    asset_response(&path)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "brightline", description = "Cited, dated decisions on local cooperation with federal civil immigration enforcement, logged in a tamper-evident decision log. Not legal advice. See docs/api.md."),
    paths(healthz, metrics_text, me, record::decide, list_decisions, get_decision, record::record_action, replay_decision, memo::memo_html, memo::memo_pdf, memo::draft_memo, list_laws, law_in_force, compare, map::map_index, diff, list_reports, report, log_entries, log_verify, transparency::checkpoint, transparency::consistency, transparency::proof, list_tokens, create_token, revoke_token),
    components(schemas(error::ErrorBody, error::ErrorDetail, actions::ActionBody, TokenBody, DiffBody, DiffSide)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let comps = doc.components.get_or_insert_with(Default::default);
        comps.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
