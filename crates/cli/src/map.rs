//! The map in `brightline compare --format html`: the console's map.js inlined with the
//! state boundaries and every state's cells precomputed for each version of its law, so the
//! date slider works in a saved file with no server.

use std::collections::HashMap;

use brightline_core::analysis::Cell;
use brightline_core::{schema, Library};
use brightline_server::map;
use serde_json::{json, Value};
use time::Date;

const MAP_JS: &str = include_str!("../../server/assets/map.js");

/// Each state's law as periods (a version of its law: from, until inclusive), each with
/// one cell index per request kind into a shared list of distinct cells.
pub fn data(lib: &Library, date: Date, agency: Option<&str>) -> Result<Value, String> {
    let today = time::OffsetDateTime::now_utc().date();
    let last = map::last_stop(today.max(date));
    let mut dates = map::dates(lib, last);
    dates.push(date);
    dates.sort();
    dates.dedup();
    let mut cells: Vec<Value> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut intern = |c: &Cell| -> Result<usize, String> {
        let v = serde_json::to_value(c).map_err(|e| e.to_string())?;
        let key = v.to_string();
        Ok(*seen.entry(key).or_insert_with(|| {
            cells.push(v);
            cells.len() - 1
        }))
    };
    let mut states = Vec::new();
    for (_, id, name) in map::states(lib) {
        let mut periods = Vec::new();
        // The law, and so every cell, changes only where a version of it begins.
        for v in lib.versions.get(&id).map(Vec::as_slice).unwrap_or_default() {
            if v.until.is_some_and(|u| u < map::FIRST) || v.from > last {
                continue;
            }
            let rows = crate::compare::matrix(lib, std::slice::from_ref(&id), v.from, agency)?;
            let idx = rows
                .first()
                .map(|r| r.iter().map(&mut intern).collect::<Result<Vec<_>, _>>())
                .transpose()?
                .unwrap_or_default();
            periods.push(json!({
                "from": v.from.to_string(),
                "until": v.until.map(|u| u.to_string()),
                "cells": idx,
            }));
        }
        states.push(json!({ "id": id, "name": name, "periods": periods }));
    }
    Ok(json!({
        "date": date.to_string(),
        "kinds": schema::KINDS,
        "dates": dates.iter().map(Date::to_string).collect::<Vec<_>>(),
        "cells": cells,
        "states": states,
    }))
}

/// The map section of the page: markup, then one module script with the map code,
/// the shapes and the precomputed cells.
pub fn section(lib: &Library, date: Date, agency: Option<&str>) -> Result<String, String> {
    let d = data(lib, date, agency)?;
    // Inside <script>, a `</` in the data would end the element early.
    let safe = |s: &str| s.replace("</", "<\\/");
    Ok(format!(
        r#"<div id="map-box"><noscript><p>The map needs JavaScript; the table below holds the same cells for {date}.</p></noscript></div>
<script type="module">
{js}
const SHAPES = {shapes};
const DATA = {data};
const byId = new Map(DATA.states.map((s) => [s.id, s]));
// The cells of each state's law in force on a date (versions run from..until, inclusive).
const load = async (date) => new Map([...byId].map(([id, s]) => {{
  const p = s.periods.find((x) => x.from <= date && (!x.until || date <= x.until));
  return [id, p ? p.cells.map((i) => DATA.cells[i]) : null];
}}));
document.getElementById('map-box').append(mapWidget({{
  shapes: SHAPES, kinds: DATA.kinds, dates: DATA.dates, date: DATA.date, kind: 'detainer',
  names: new Map(DATA.states.map((s) => [s.id, s.name])), load,
}}));
</script>
"#,
        js = safe(MAP_JS),
        shapes = safe(map::shapes_json()),
        data = safe(&d.to_string()),
    ))
}
