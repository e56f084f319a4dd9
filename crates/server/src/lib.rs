//! `brightline serve`: the decision service. Every decision is logged in the
//! hash-chained log of `brightline-store` and acknowledged only after its
//! commit. The API is described in docs/api.md and at `/openapi.json`.

pub mod actions;
mod auth;
pub mod canon;
pub mod error;
pub mod headers;
pub mod limits;
pub mod map;
pub mod memo;
pub mod metrics;
pub mod openapi;
mod params;
pub mod record;
pub mod reports;
pub mod routes;
pub mod strict;
mod transparency;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{self};
use axum::routing::{get, post};
use axum::Router;
use brightline::Library;
use brightline_store::{Location, Role, Store, TokenInfo};

use crate::error::ApiError;

pub const BODY_LIMIT: usize = 64 * 1024;

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

pub fn app(state: Shared) -> Router {
    Router::new()
        .route("/healthz", get(routes::system::healthz))
        .route("/openapi.json", get(routes::system::openapi))
        .route("/metrics", get(routes::system::metrics_text))
        .route("/v1/schema", get(routes::system::schema))
        .route("/v1/me", get(routes::system::me))
        .route(
            "/v1/decisions",
            post(record::decide).get(routes::decisions::list_decisions),
        )
        .route("/v1/decisions/{id}", get(routes::decisions::get_decision))
        .route("/v1/decisions/{id}/actions", post(record::record_action))
        .route(
            "/v1/decisions/{id}/replay",
            get(routes::decisions::replay_decision),
        )
        .route("/v1/decisions/{id}/proof", get(transparency::proof))
        .route("/v1/log/checkpoint", get(transparency::checkpoint))
        .route("/v1/log/consistency", get(transparency::consistency))
        .route("/v1/decisions/{id}/memo", get(memo::memo_html))
        .route("/v1/decisions/{id}/memo.pdf", get(memo::memo_pdf))
        .route("/v1/memo", get(memo::draft_memo))
        .route("/v1/laws", get(routes::laws::list_laws))
        .route("/v1/laws/{jurisdiction}", get(routes::laws::law_in_force))
        .route("/v1/compare", get(routes::laws::compare))
        .route("/v1/map", get(map::map_index))
        .route("/v1/diff", post(routes::laws::diff))
        .route("/v1/reports", get(routes::reports::list_reports))
        .route("/v1/reports/{id}", get(routes::reports::report))
        .route("/v1/log", get(routes::log::log_entries))
        .route("/v1/log/verify", get(routes::log::log_verify))
        .route(
            "/v1/tokens",
            get(routes::tokens::list_tokens).post(routes::tokens::create_token),
        )
        .route(
            "/v1/tokens/{id}",
            axum::routing::delete(routes::tokens::revoke_token),
        )
        .route("/", get(routes::system::index))
        .route("/assets/{*path}", get(routes::system::asset))
        .fallback(routes::system::not_found)
        .method_not_allowed_fallback(routes::system::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.limits.request_deadline,
            limits::deadline,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            routes::system::observe,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            routes::system::panicked,
        ))
        .layer(middleware::from_fn(headers::secure))
        .with_state(state)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, brightline_store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::store)
}

pub(crate) use brightline::views::stored_decision;
// The handlers outside routes/ (record, memo, map, transparency) reach
// these through the crate root.
pub(crate) use auth::{caller, reader, require, token_names, visible_decision};
pub(crate) use params::{parse_body, parse_id, query};
