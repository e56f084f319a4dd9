//! What is not a resource: health, metrics, the caller, the OpenAPI
//! document, the console's static assets, and the answers for no route,
//! a wrong method and a panic.

use std::time::Instant;

use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use brightline_store::Role;
use serde_json::{json, Value};
use utoipa::OpenApi;

use crate::auth::{caller, require};
use crate::error::{self, ApiError};
use crate::openapi::ApiDoc;
use crate::{blocking, openapi, Shared};

static ASSETS: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/assets");

pub(crate) fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    eprintln!("brightline: a handler panicked (a defect); the request was answered 500");
    error::body(
        StatusCode::INTERNAL_SERVER_ERROR,
        None,
        "internal error; nothing was recorded",
    )
}

pub(crate) async fn observe(State(st): State<Shared>, req: Request, next: Next) -> Response {
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

pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("no such route; see /openapi.json")
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this route does not take that method; see /openapi.json",
    )
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The service and its log answer"), (status = 503, description = "The log cannot be read", body = error::ErrorBody)))]
pub(crate) async fn healthz(State(st): State<Shared>) -> Result<Json<Value>, ApiError> {
    let s = st.store.clone();
    let n = blocking(move || s.count()).await?;
    Ok(Json(
        json!({ "status": "ok", "log": st.store.backend(), "entries": n }),
    ))
}

#[utoipa::path(get, path = "/v1/schema", responses((status = 200, description = "The request contract as a form needs it: every fact with its question, help and values; the agency roles, request kinds and federal forms. The console builds its form from it.")))]
pub(crate) async fn schema() -> Json<brightline::views::Contract> {
    Json(brightline::views::contract())
}

pub(crate) async fn openapi(State(st): State<Shared>) -> Response {
    let mut doc = ApiDoc::openapi();
    doc.info.version = brightline::ENGINE_VERSION.to_string();
    match serde_json::to_value(doc) {
        Ok(v) => Json(openapi::complete(v, st.lib, st.limits.max_actions)).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

#[utoipa::path(get, path = "/metrics", security(("bearer" = [])), responses((status = 200, description = "Prometheus text format", content_type = "text/plain"), (status = 403, body = error::ErrorBody)))]
pub(crate) async fn metrics_text(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require(&st, &headers, &[Role::Auditor, Role::Admin], "read metrics").await?;
    let s = st.store.clone();
    let n = blocking(move || s.count()).await.ok();
    let text = st.metrics.render(&st.store.stats, n);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

#[utoipa::path(get, path = "/v1/me", security(("bearer" = [])), responses((status = 200, description = "The caller's token: id, name, role"), (status = 401, body = error::ErrorBody)))]
pub(crate) async fn me(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let t = caller(&st, &headers).await?;
    Ok(Json(json!({ "id": t.id, "name": t.name, "role": t.role })))
}

pub(crate) fn asset_response(path: &str) -> Response {
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

pub(crate) async fn index() -> Response {
    asset_response("index.html")
}

pub(crate) async fn asset(Path(path): Path<String>) -> Response {
    if path.split('/').any(|p| p == ".." || p.is_empty()) {
        return ApiError::not_found("no such asset").into_response();
    }
    asset_response(&path)
}
