//! The reports a law requires, counted from the log.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use brightline_store::Role;
use serde_json::{json, Value};

use crate::auth::require;
use crate::error::{self, ApiError};
use crate::params::Params;
use crate::{reports, Shared};

#[utoipa::path(get, path = "/v1/reports", security(("bearer" = [])), responses((status = 200, description = "Report definitions"), (status = 403, body = error::ErrorBody)))]
pub(crate) async fn list_reports(
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
pub(crate) async fn report(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Params<HashMap<String, String>>, ApiError>,
) -> Result<Response, ApiError> {
    require(&st, &headers, &[Role::Counsel], "read reports").await?;
    let Params(q) = q?;
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
