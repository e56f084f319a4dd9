//! The law as data: jurisdictions, the law in force on a date, the compare
//! matrix and the diff of two laws. Each is a view built in core.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use brightline::views::MatrixError;
use brightline::Library;
use serde_json::{json, Value};

use crate::auth::caller;
use crate::error::{self, ApiError};
use crate::params::{parse_body, today, Params};
use crate::{reports, Shared};

/// The `date` parameter, or today (UTC) without one.
fn date_or_today(d: Option<&str>) -> Result<time::Date, ApiError> {
    d.map_or_else(|| Ok(today()), |d| reports::date(d, "date"))
}

#[derive(serde::Deserialize)]
pub(crate) struct DateQuery {
    date: Option<String>,
}

#[derive(serde::Deserialize)]
pub(crate) struct CompareQuery {
    jurisdictions: Option<String>,
    date: Option<String>,
    agency: Option<String>,
}

#[utoipa::path(get, path = "/v1/laws", security(("bearer" = [])), responses((status = 200, description = "Jurisdictions with law packs, and the law hash")))]
pub(crate) async fn list_laws(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    caller(&st, &headers).await?;
    Ok(Json(list(st.lib, &st.law_hash)))
}

#[utoipa::path(get, path = "/v1/laws/{jurisdiction}", security(("bearer" = [])), params(("jurisdiction" = String, Path), ("date" = Option<String>, Query, description = "YYYY-MM-DD; default today")),
    responses((status = 200, description = "Provisions and events in force, and the version history"), (status = 400, body = error::ErrorBody), (status = 404, body = error::ErrorBody)))]
pub(crate) async fn law_in_force(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(j): Path<String>,
    q: Result<Params<DateQuery>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    caller(&st, &headers).await?;
    let Params(q) = q?;
    let date = date_or_today(q.date.as_deref())?;
    let law = in_force(st.lib, &j, date)?;
    Ok(Json(serde_json::to_value(law).map_err(ApiError::internal)?))
}

#[utoipa::path(get, path = "/v1/compare", security(("bearer" = [])),
    params(("jurisdictions" = Option<String>, Query, description = "comma-separated ids; default all"), ("date" = Option<String>, Query, description = "YYYY-MM-DD; default today"), ("agency" = Option<String>, Query, description = "agency role for every cell; default per kind")),
    responses((status = 200, description = "{date, kinds, rows: [[cell]]}: what each jurisdiction's law does with each kind of request"), (status = 400, body = error::ErrorBody)))]
pub(crate) async fn compare(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Params<CompareQuery>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    caller(&st, &headers).await?;
    let Params(q) = q?;
    let date = date_or_today(q.date.as_deref())?;
    let lib = st.lib;
    let ids: Vec<String> = q
        .jurisdictions
        .filter(|s| !s.trim().is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let agency = q.agency;
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
pub(crate) async fn diff(
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

pub fn list(lib: &Library, law_hash: &str) -> Value {
    let js: Vec<Value> = lib
        .packs
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "layer": brightline::schema::LAYERS.get(p.layer),
                "parent": p.parent.map(|i| lib.packs[i].id.clone()),
                "ocd_id": p.ocd_id,
                "versions": lib.versions.get(&p.id).map(Vec::len).unwrap_or(0),
                "agencies": p.agencies.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "law_hash": law_hash, "engine_version": brightline::ENGINE_VERSION, "jurisdictions": js })
}

pub fn in_force(
    lib: &Library,
    jurisdiction: &str,
    date: time::Date,
) -> Result<brightline::views::LawInForce, ApiError> {
    let pack = lib
        .jurisdiction(jurisdiction)
        .map_err(|e| ApiError::not_found(e.message))?;
    lib.law_in_force(pack, date)
        .map_err(|e| ApiError::bad("date", e.message))
}
