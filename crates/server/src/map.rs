//! The national map: state boundaries shipped in the binary (assets/us-states.js, made once
//! by scripts/us-states-svg.mjs from Census cartographic boundary files, public domain), and
//! the dates a map slider stops on. `GET /v1/map` serves the console; `brightline compare
//! --format html` embeds the same shapes.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use brightline::Library;
use serde_json::{json, Value};
use time::{Date, Month};

use crate::error::ApiError;
use crate::Shared;

/// The boundaries module the console imports.
pub const SHAPES_MODULE: &str = include_str!("../assets/us-states.js");

/// The boundaries as JSON (the module's one exported value).
pub fn shapes_json() -> &'static str {
    let start = SHAPES_MODULE.find('{').unwrap_or(0);
    let end = SHAPES_MODULE
        .rfind('}')
        .map_or(SHAPES_MODULE.len(), |e| e + 1);
    &SHAPES_MODULE[start..end]
}

/// The first day a map shows: the packs encode the law from 2011 on.
pub const FIRST: Date = time::macros::date!(2011 - 01 - 01);

/// Ids of the states and D.C. that have a shape, in the shapes' order, and their names.
pub fn states(lib: &Library) -> Vec<(usize, String, String)> {
    let v: Value = serde_json::from_str(shapes_json()).unwrap_or(Value::Null);
    v["states"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| {
            let id = s["id"].as_str()?;
            let p = lib.jurisdiction(id).ok()?;
            Some((p, id.to_string(), lib.packs[p].name.clone()))
        })
        .collect()
}

/// The slider's stops from `FIRST` to `last`: every 1 January and 1 July, and every day
/// some state's law changes (a version of its law begins), so no change falls between stops.
pub fn dates(lib: &Library, last: Date) -> Vec<Date> {
    let mut out = Vec::new();
    for y in FIRST.year()..=last.year() {
        for m in [Month::January, Month::July] {
            if let Ok(d) = Date::from_calendar_date(y, m, 1) {
                out.push(d);
            }
        }
    }
    for (_, id, _) in states(lib) {
        for v in lib.versions.get(&id).map(Vec::as_slice).unwrap_or_default() {
            out.push(v.from);
        }
    }
    out.retain(|d| *d >= FIRST && *d <= last);
    out.push(last);
    out.sort();
    out.dedup();
    out
}

/// The last stop: the end of next year, so laws already enacted for a later day show.
pub fn last_stop(today: Date) -> Date {
    Date::from_calendar_date(today.year() + 1, Month::December, 31).unwrap_or(today)
}

#[utoipa::path(get, path = "/v1/map", security(("bearer" = [])),
    responses((status = 200, description = "{states: [{id, name}], kinds, dates}: the jurisdictions the map shows and the dates its slider stops on (every 1 January and 1 July from 2011, every day a state's law changes, and today); the shapes are /assets/us-states.js")))]
pub(crate) async fn map_index(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    crate::caller(&st, &headers).await?;
    let lib = st.lib;
    let today = time::OffsetDateTime::now_utc().date();
    let last = last_stop(today);
    let states: Vec<Value> = states(lib)
        .into_iter()
        .map(|(_, id, name)| json!({ "id": id, "name": name }))
        .collect();
    // Today is a stop too: the console opens on the law in force now.
    let mut stops = dates(lib, last);
    stops.push(today);
    stops.sort();
    stops.dedup();
    let dates: Vec<String> = stops.iter().map(Date::to_string).collect();
    Ok(Json(json!({
        "states": states,
        "kinds": brightline::schema::KINDS,
        "dates": dates,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_are_the_fifty_states_and_dc_and_each_has_a_pack() {
        let v: Value = serde_json::from_str(shapes_json()).expect("us-states.js holds JSON");
        let shapes = v["states"].as_array().unwrap();
        assert_eq!(shapes.len(), 51);
        assert!(shapes
            .iter()
            .all(|s| s["d"].as_str().unwrap().starts_with('M')));
        let lib = brightline::bundled().unwrap();
        assert_eq!(states(lib).len(), 51, "a pack for every state and D.C.");
    }

    #[test]
    fn the_stops_include_half_years_and_change_days() {
        let lib = brightline::bundled().unwrap();
        let last = time::macros::date!(2026 - 12 - 31);
        let d = dates(lib, last);
        assert_eq!(d.first(), Some(&FIRST));
        assert_eq!(d.last(), Some(&last));
        assert!(d.windows(2).all(|w| w[0] < w[1]));
        // Delaware's 287(g) ban took effect on 2025-07-14: a change day, not a half-year.
        assert!(d.contains(&time::macros::date!(2025 - 07 - 14)), "{d:?}");
        assert!(d.contains(&time::macros::date!(2019 - 07 - 01)));
    }
}
