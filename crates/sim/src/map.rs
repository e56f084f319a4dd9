//! A profile bound to a file's header: turns one row of cells into the
//! decoded facts of a request, counting every value it cannot map.

use std::collections::{BTreeMap, HashMap};

use brightline::facts::OffenseLookup;
use brightline::schema::{self, Ty};
use brightline::{Facts, Item, Library, Val, MISSING};
use time::Date;

use crate::profile::{Choice, Profile};
use crate::read::Cells;
use crate::{FastMap, SimError};

/// Distinct unknown values remembered per column; beyond, only counted.
const MAX_DISTINCT_UNKNOWN: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DateFormat {
    Iso,
    ExcelSerial,
    Us,
}

/// Counts of what a column held that the profile could not use.
#[derive(Default, Debug, Clone, serde::Serialize)]
pub struct ColumnStats {
    pub blank: u64,
    pub unknown: u64,
    /// Unknown value -> rows (the first 1000 distinct values).
    pub unknown_values: BTreeMap<String, u64>,
    /// Rows whose unknown value is not among the remembered ones.
    pub unknown_other: u64,
}

impl ColumnStats {
    fn unknown(&mut self, v: &str) {
        self.unknown += 1;
        if let Some(n) = self.unknown_values.get_mut(v) {
            *n += 1;
        } else if self.unknown_values.len() < MAX_DISTINCT_UNKNOWN {
            self.unknown_values.insert(v.to_string(), 1);
        } else {
            self.unknown_other += 1;
        }
    }
}

#[derive(Clone)]
struct CField {
    scalar: usize,
    col: usize,
    ty: Ty,
    /// Cell -> code; empty means the cell is parsed by type.
    map: FastMap<String, Val>,
}

#[derive(Clone)]
enum ATarget {
    Scalar(usize),
    Convictions,
}

#[derive(Clone)]
pub struct CAssumption {
    pub id: String,
    target: ATarget,
    value: Option<Val>,
    col: Option<usize>,
    from: Option<Val>,
    until: Option<Val>,
}

#[derive(Clone)]
pub struct CChoice {
    pub fixed: Option<u16>,
    col: Option<usize>,
    map: FastMap<String, u16>,
    /// Distinct target values.
    pub values: Vec<String>,
}

#[derive(Clone)]
struct CConviction {
    offense_col: usize,
    prefix: String,
    suffix: String,
    date_col: Option<usize>,
    none_col: Option<usize>,
    none_values: Vec<String>,
    lookups: FastMap<String, Option<(u64, u64, bool)>>,
}

/// A row as the simulation needs it.
pub struct Mapped {
    /// 1-based position of the data row in the file.
    pub row: u64,
    pub date: Option<Date>,
    pub facts: Facts,
    pub jurisdiction: Option<u16>,
    pub agency: Option<u16>,
    /// Bit i: assumption i supplied a fact for this row.
    pub assumed: u32,
    /// The conviction list built from the record, kept aside when an assumption governs it.
    pub cells_for_groups: Vec<u32>,
    /// The row of the profile's facility table that placed this row.
    pub facility: Option<u32>,
    /// The source cells `--keep` names, in its order.
    pub kept: Vec<String>,
}

/// A profile's facility table bound to the file's columns.
#[derive(Clone)]
pub struct CFacilities {
    cols: Vec<usize>,
    index: FastMap<String, u32>,
    pub rows: Vec<crate::profile::FacilityRow>,
    jur: Vec<Option<u16>>,
    agency: Vec<Option<u16>>,
    place: Vec<Option<Val>>,
    place_slot: usize,
    /// Rows of the file each table row placed.
    pub hits: Vec<u64>,
    /// Logical column that counts the keys the table lacks.
    stat_col: usize,
    pub reason: Option<String>,
    key: String,
    /// Whether [jurisdiction] and [agency] place the rows of facilities the table lacks.
    pub fallback: bool,
    /// Rows placed by the fallback (facilities the table does not list).
    pub fallback_rows: u64,
}

/// Distinct values of one filtered column, for naming the closest ones when nothing matches.
#[derive(Default, Clone, Debug)]
pub struct SeenValues {
    pub counts: HashMap<String, u64>,
    /// Rows whose value was not remembered (past the first 10,000 distinct values).
    pub other: u64,
}

const MAX_SEEN: usize = 10_000;

#[derive(Clone)]
pub struct Mapper {
    /// Logical column names, in profile order, and their positions in the file.
    pub logical: Vec<String>,
    pos: Vec<usize>,
    blank: Vec<String>,
    date_col: usize,
    date_formats: Vec<DateFormat>,
    filter: Vec<(usize, Vec<String>)>,
    fields: Vec<CField>,
    conviction: Option<CConviction>,
    pub assumptions: Vec<CAssumption>,
    pub jurisdiction: Option<CChoice>,
    pub agency: Option<CChoice>,
    pub facilities: Option<CFacilities>,
    pub stats: Vec<ColumnStats>,
    /// Per filter: (logical column, accepted values, rows matching each value).
    pub filter_report: Vec<(String, Vec<String>, Vec<u64>)>,
    /// Per filter column: every value seen (before any filter dropped the row).
    pub filter_seen: Vec<SeenValues>,
    /// File positions of the `--keep` columns.
    keep: Vec<usize>,
    pub keep_names: Vec<String>,
    /// Group columns (logical indices) and the interned values of each.
    group_cols: Vec<usize>,
    pub group_values: Vec<Vec<String>>,
    group_index: Vec<FastMap<String, u32>>,
    pub rows_read: u64,
    pub rows_filtered: u64,
    /// Whether the run uses the profile's jurisdiction and agency mappings
    /// (their unknown values are counted only then).
    pub use_jurisdiction: bool,
    pub use_agency: bool,
}

fn bad(msg: impl Into<String>) -> SimError {
    SimError::Profile(msg.into())
}

fn parse_scalar(ty: Ty, s: &str, formats: &[DateFormat]) -> Option<Val> {
    match ty {
        Ty::Enum(d) => schema::value_index(d, s).map(|i| i as Val),
        Ty::Bool => match s {
            "true" => Some(1),
            "false" => Some(0),
            _ => None,
        },
        Ty::Number => s
            .trim()
            .parse::<Val>()
            .ok()
            .filter(|n| (0..1_000_000).contains(n)),
        Ty::Date => parse_date(s, formats).map(brightline::facts::date_value),
        Ty::Set(d) => {
            let mut m: Val = 0;
            for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                m |= 1 << schema::value_index(d, part)?;
            }
            Some(m)
        }
        Ty::Offense => None,
    }
}

fn parse_date(s: &str, formats: &[DateFormat]) -> Option<Date> {
    let s = s.trim();
    for f in formats {
        let d = match f {
            DateFormat::Iso => iso(s),
            DateFormat::ExcelSerial => excel(s),
            DateFormat::Us => us(s),
        };
        if d.is_some() {
            return d;
        }
    }
    None
}

fn num(b: &[u8]) -> Option<i32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i32, |a, d| a * 10 + (d - b'0') as i32))
}

fn ymd(y: i32, m: i32, d: i32) -> Option<Date> {
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()
}

fn iso(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() < 10
        || b[4] != b'-'
        || b[7] != b'-'
        || (b.len() > 10 && !matches!(b[10], b' ' | b'T'))
    {
        return None;
    }
    ymd(num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?)
}

fn us(s: &str) -> Option<Date> {
    let mut it = s.split(' ').next()?.split('/');
    let m = num(it.next()?.as_bytes())?;
    let d = num(it.next()?.as_bytes())?;
    let y = num(it.next()?.as_bytes())?;
    ymd(y, m, d)
}

/// Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 the
/// non-existent 1900-02-29, so serials from 61 on count from 1899-12-30.
fn excel(s: &str) -> Option<Date> {
    let v: f64 = s.trim().parse().ok()?;
    if !(61.0..2_958_466.0).contains(&v) {
        return None;
    }
    Date::from_julian_day(2_415_019 + v.floor() as i32).ok()
}

/// Each of the profile's columns, by logical name, at its position in the header.
fn bind_columns(p: &Profile, headers: &[String]) -> Result<(Vec<String>, Vec<usize>), SimError> {
    let mut logical = Vec::new();
    let mut pos = Vec::new();
    for (name, accepted) in &p.columns {
        let found = accepted
            .iter()
            .find_map(|h| headers.iter().position(|x| x == h));
        match found {
            Some(i) => {
                logical.push(name.clone());
                pos.push(i);
            }
            None => {
                return Err(SimError::Input(format!(
                "profile `{}`: column `{name}` (any of: {}) is not in the file; the file has: {}",
                p.name,
                accepted.join(", "),
                headers.join(", ")
            )))
            }
        }
    }
    Ok((logical, pos))
}

/// `--keep`: the file's own headers (or a profile column's logical name); empty keeps all.
fn keep_columns(
    keep: Option<&[String]>,
    headers: &[String],
    logical: &[String],
    pos: &[usize],
) -> Result<(Vec<usize>, Vec<String>), SimError> {
    match keep {
        None => Ok((Vec::new(), Vec::new())),
        Some([]) => Ok(((0..headers.len()).collect(), headers.to_vec())),
        Some(names) => {
            let mut kp = Vec::new();
            let mut kn = Vec::new();
            for n in names {
                let at = headers
                    .iter()
                    .position(|h| h == n)
                    .or_else(|| logical.iter().position(|l| l == n).map(|i| pos[i]));
                match at {
                    Some(i) => {
                        kp.push(i);
                        kn.push(headers[i].clone());
                    }
                    None => {
                        return Err(SimError::Input(format!(
                            "--keep `{n}`: not a column of the file; it has: {}",
                            headers.join(", ")
                        )))
                    }
                }
            }
            Ok((kp, kn))
        }
    }
}

/// The profile's date formats, each one the reader knows.
fn date_formats(p: &Profile) -> Result<Vec<DateFormat>, SimError> {
    let mut date_formats = Vec::new();
    for f in &p.date.formats {
        date_formats.push(match f.as_str() {
            "iso" => DateFormat::Iso,
            "excel-serial" => DateFormat::ExcelSerial,
            "us" => DateFormat::Us,
            other => {
                return Err(bad(format!(
                    "profile `{}`: date format `{other}` is not one of iso, excel-serial, us",
                    p.name
                )))
            }
        });
    }
    if date_formats.is_empty() {
        return Err(bad(format!(
            "profile `{}`: [date] formats is empty",
            p.name
        )));
    }
    Ok(date_formats)
}

/// The profile's assumptions for facts the records lack, each checked
/// against the contract and bound to its column, if it reads one.
fn bind_assumptions(
    p: &Profile,
    date_formats: &[DateFormat],
    col: &dyn Fn(&str, &str) -> Result<usize, SimError>,
) -> Result<Vec<CAssumption>, SimError> {
    let mut assumptions = Vec::new();
    for a in &p.assumptions {
        let (target, value) = if a.field == "subject.convictions" {
            if a.value.as_deref() != Some("complete") || p.conviction.is_none() {
                return Err(bad(format!(
                    "profile `{}`: assumption `{}` on subject.convictions takes value = \"complete\" and needs a [conviction] section",
                    p.name, a.id
                )));
            }
            (ATarget::Convictions, None)
        } else {
            let s = schema::scalar(&a.field).ok_or_else(|| {
                bad(format!(
                    "profile `{}`: assumption `{}`: `{}` is not a scalar fact",
                    p.name, a.id, a.field
                ))
            })?;
            let ty = schema::SCALARS[s].ty;
            let value = match &a.value {
                Some(v) => Some(parse_scalar(ty, v, date_formats).ok_or_else(|| {
                    bad(format!(
                        "profile `{}`: assumption `{}`: `{v}` is not {}",
                        p.name,
                        a.id,
                        ty.describe()
                    ))
                })?),
                None => None,
            };
            (ATarget::Scalar(s), value)
        };
        let acol = a
            .column
            .as_deref()
            .map(|c| col(c, &format!("assumption `{}`", a.id)))
            .transpose()?;
        if value.is_none() && acol.is_none() && matches!(target, ATarget::Scalar(_)) {
            return Err(bad(format!(
                "profile `{}`: assumption `{}` needs `value` or `column`",
                p.name, a.id
            )));
        }
        let day = |s: &Option<String>| -> Result<Option<Val>, SimError> {
            s.as_deref()
                .map(|d| {
                    iso(d).map(brightline::facts::date_value).ok_or_else(|| {
                        bad(format!(
                            "profile `{}`: assumption `{}`: `{d}` is not YYYY-MM-DD",
                            p.name, a.id
                        ))
                    })
                })
                .transpose()
        };
        assumptions.push(CAssumption {
            id: a.id.clone(),
            target,
            value,
            col: acol,
            from: day(&a.from)?,
            until: day(&a.until)?,
        });
    }
    if assumptions.len() > 32 {
        return Err(bad(format!("profile `{}`: at most 32 assumptions", p.name)));
    }
    Ok(assumptions)
}

/// The reviewed facility table bound to the header: each facility's
/// jurisdiction, agency and place, checked against the packs. Their values
/// join those of [jurisdiction] and [agency], which place the facilities the
/// table does not list.
// Long on purpose: the table's rows read in order, each checked against the packs as its values are interned.
fn bind_facilities(
    p: &Profile,
    f: &crate::profile::Facilities,
    lib: &Library,
    col: &dyn Fn(&str, &str) -> Result<usize, SimError>,
    jurisdiction: &mut Option<CChoice>,
    agency: &mut Option<CChoice>,
) -> Result<CFacilities, SimError> {
    // [jurisdiction] and [agency], when present, place the rows of facilities the
    // table does not list (e.g. by state); the table's values join theirs.
    if jurisdiction.is_some() != agency.is_some() {
        return Err(bad(format!(
            "profile `{}`: beside [facilities], [jurisdiction] and [agency] go together (they place the facilities the table does not list)",
            p.name
        )));
    }
    let fallback = jurisdiction.is_some();
    let rows = f.load(p.base.as_deref())?;
    let cols = f
        .key
        .iter()
        .map(|k| col(k, "[facilities] key"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut jv: Vec<String> = jurisdiction
        .as_ref()
        .map(|c| c.values.clone())
        .unwrap_or_default();
    let mut av: Vec<String> = agency
        .as_ref()
        .map(|c| c.values.clone())
        .unwrap_or_default();
    let intern = |vals: &mut Vec<String>, v: &str| -> Option<u16> {
        if v.is_empty() {
            return None;
        }
        Some(match vals.iter().position(|x| x == v) {
            Some(i) => i as u16,
            None => {
                vals.push(v.to_string());
                (vals.len() - 1) as u16
            }
        })
    };
    let mut index = FastMap::default();
    let (mut jur, mut ag, mut place) = (Vec::new(), Vec::new(), Vec::new());
    for (i, r) in rows.iter().enumerate() {
        index.insert(r.key.join("\u{1f}"), i as u32);
        if !r.jurisdiction.is_empty() {
            let pack = lib.jurisdiction(&r.jurisdiction).map_err(|e| {
                bad(format!(
                    "profile `{}`: [facilities] `{}`: {}",
                    p.name,
                    r.key.join(" / "),
                    e.message
                ))
            })?;
            lib.agency(pack, &r.agency).map_err(|e| {
                bad(format!(
                    "profile `{}`: [facilities] `{}`: {}",
                    p.name,
                    r.key.join(" / "),
                    e.message
                ))
            })?;
        }
        jur.push(intern(&mut jv, &r.jurisdiction));
        ag.push(if r.jurisdiction.is_empty() {
            None
        } else {
            intern(&mut av, &r.agency)
        });
        place.push(if r.place.is_empty() {
            None
        } else {
            Some(
                schema::value_index(schema::PLACES, &r.place).ok_or_else(|| {
                    bad(format!(
                        "profile `{}`: [facilities] `{}`: place `{}` is not one of {}",
                        p.name,
                        r.key.join(" / "),
                        r.place,
                        schema::PLACES.join(", ")
                    ))
                })? as Val,
            )
        });
    }
    match (jurisdiction.as_mut(), agency.as_mut()) {
        (Some(j), Some(a)) => {
            j.values = jv;
            a.values = av;
        }
        _ => {
            *jurisdiction = Some(CChoice {
                fixed: None,
                col: None,
                map: FastMap::default(),
                values: jv,
            });
            *agency = Some(CChoice {
                fixed: None,
                col: None,
                map: FastMap::default(),
                values: av,
            });
        }
    }
    let stat_col = *cols.last().expect("a key has a column");
    Ok(CFacilities {
        place_slot: schema::scalar("request.place")
            .ok_or_else(|| bad("the contract has no request.place"))?,
        hits: vec![0; rows.len()],
        cols,
        index,
        rows,
        jur,
        agency: ag,
        place,
        stat_col,
        reason: f.reason.clone(),
        key: String::new(),
        fallback,
        fallback_rows: 0,
    })
}

impl Mapper {
    /// Binds the profile to a header; an unknown column or value in the
    /// profile is an error that names what is accepted.
    // Long on purpose: the profile's remaining sections (filters, fields, conviction, placement, groups) bound in order, each error naming the profile; the long ones are functions of their own above.
    pub fn new(
        p: &Profile,
        headers: &[String],
        lib: &Library,
        extra_filter: &[(String, Vec<String>)],
        group_by: &[String],
        keep: Option<&[String]>,
    ) -> Result<Mapper, SimError> {
        let (logical, pos) = bind_columns(p, headers)?;
        let (keep_pos, keep_names) = keep_columns(keep, headers, &logical, &pos)?;
        let col = |name: &str, what: &str| -> Result<usize, SimError> {
            logical.iter().position(|l| l == name).ok_or_else(|| {
                bad(format!(
                    "profile `{}`: {what} names column `{name}`, which [columns] does not define (defined: {})",
                    p.name,
                    logical.join(", ")
                ))
            })
        };
        let date_col = col(&p.date.column, "[date]")?;
        let date_formats = date_formats(p)?;
        let mut filter = Vec::new();
        let mut filter_report = Vec::new();
        for (c, vals) in p
            .filter
            .iter()
            .map(|(c, v)| (c.clone(), v.clone()))
            .chain(extra_filter.iter().cloned())
        {
            let at = col(&c, "a filter").map_err(|_| {
                SimError::Input(format!(
                    "--where `{c}`: not a column of profile `{}`; use one of: {}",
                    p.name,
                    logical.join(", ")
                ))
            })?;
            filter_report.push((c.clone(), vals.clone(), vec![0; vals.len()]));
            filter.push((at, vals));
        }
        let filter_seen = vec![SeenValues::default(); filter.len()];
        let mut fields = Vec::new();
        for f in &p.fields {
            let scalar = schema::scalar(&f.field).ok_or_else(|| {
                bad(format!(
                    "profile `{}`: `{}` is not a scalar fact of the request contract",
                    p.name, f.field
                ))
            })?;
            if scalar == schema::DATE || scalar == schema::AGENCY {
                return Err(bad(format!(
                    "profile `{}`: set `{}` through [date] or [agency], not [[fields]]",
                    p.name, f.field
                )));
            }
            let ty = schema::SCALARS[scalar].ty;
            let mut map = FastMap::default();
            for (k, v) in &f.map {
                let code = parse_scalar(ty, v, &date_formats).ok_or_else(|| {
                    bad(format!(
                        "profile `{}`: `{v}` is not a value of `{}` ({})",
                        p.name,
                        f.field,
                        ty.describe()
                    ))
                })?;
                map.insert(k.clone(), code);
            }
            fields.push(CField {
                scalar,
                col: col(&f.column, &format!("field `{}`", f.field))?,
                ty,
                map,
            });
        }
        let conviction = match &p.conviction {
            None => None,
            Some(c) => {
                let (prefix, suffix) = c.offense_format.split_once("{}").ok_or_else(|| {
                    bad(format!(
                        "profile `{}`: offense_format must contain `{{}}`",
                        p.name
                    ))
                })?;
                Some(CConviction {
                    offense_col: col(&c.offense_column, "[conviction]")?,
                    prefix: prefix.to_string(),
                    suffix: suffix.to_string(),
                    date_col: c
                        .date_column
                        .as_deref()
                        .map(|d| col(d, "[conviction]"))
                        .transpose()?,
                    none_col: c
                        .none_column
                        .as_deref()
                        .map(|d| col(d, "[conviction]"))
                        .transpose()?,
                    none_values: c.none_values.clone(),
                    lookups: FastMap::default(),
                })
            }
        };
        let assumptions = bind_assumptions(p, &date_formats, &col)?;
        let choice = |c: &Option<Choice>, what: &str| -> Result<Option<CChoice>, SimError> {
            let Some(c) = c else { return Ok(None) };
            let mut values: Vec<String> = Vec::new();
            let mut intern = |v: &str| -> u16 {
                match values.iter().position(|x| x == v) {
                    Some(i) => i as u16,
                    None => {
                        values.push(v.to_string());
                        (values.len() - 1) as u16
                    }
                }
            };
            let fixed = c.fixed.as_deref().map(&mut intern);
            let mut map = FastMap::default();
            for (k, v) in &c.map {
                map.insert(k.clone(), intern(v));
            }
            let ccol = c.column.as_deref().map(|x| col(x, what)).transpose()?;
            if fixed.is_none() && ccol.is_none() {
                return Err(bad(format!(
                    "profile `{}`: {what} needs `fixed` or `column`",
                    p.name
                )));
            }
            Ok(Some(CChoice {
                fixed,
                col: ccol,
                map,
                values,
            }))
        };
        let jurisdiction = choice(&p.jurisdiction, "[jurisdiction]")?;
        if let Some(j) = &jurisdiction {
            for v in &j.values {
                lib.jurisdiction(v).map_err(|e| {
                    bad(format!(
                        "profile `{}`: [jurisdiction]: {}",
                        p.name, e.message
                    ))
                })?;
            }
        }
        let mut agency = choice(&p.agency, "[agency]")?;
        let mut jurisdiction = jurisdiction;
        let facilities = match &p.facilities {
            None => None,
            Some(f) => Some(bind_facilities(
                p,
                f,
                lib,
                &col,
                &mut jurisdiction,
                &mut agency,
            )?),
        };
        let mut group_cols = Vec::new();
        for g in group_by {
            if matches!(g.as_str(), "month" | "jurisdiction" | "agency" | "law") {
                continue;
            }
            group_cols.push(col(g, "--group-by").map_err(|_| {
                SimError::Input(format!("--group-by `{g}`: not a column of profile `{}`; use one of: month, jurisdiction, agency, {}", p.name, logical.join(", ")))
            })?);
        }
        let n = logical.len();
        let blank = p.blank.clone();
        Ok(Mapper {
            logical,
            pos,
            blank,
            date_col,
            date_formats,
            filter,
            fields,
            conviction,
            assumptions,
            jurisdiction,
            agency,
            facilities,
            stats: vec![ColumnStats::default(); n],
            filter_report,
            filter_seen,
            keep: keep_pos,
            keep_names,
            group_values: vec![Vec::new(); group_cols.len()],
            group_index: vec![FastMap::default(); group_cols.len()],
            group_cols,
            rows_read: 0,
            rows_filtered: 0,
            use_jurisdiction: true,
            use_agency: true,
        })
    }

    fn cell<'c>(&self, cells: &'c Cells<'_>, l: usize) -> &'c str {
        let v = cells.get(self.pos[l]).trim();
        if self.blank.iter().any(|b| b == v) {
            ""
        } else {
            v
        }
    }

    pub fn date_of(&self, cells: &Cells<'_>) -> Option<Date> {
        parse_date(self.cell(cells, self.date_col), &self.date_formats)
    }

    /// Maps a row into `out`; returns false when the filter drops it.
    // Long on purpose: the per-row path: filters, date, fields, conviction and placement in the order a row is read, with no call per field.
    pub fn map(&mut self, cells: &Cells<'_>, lib: &Library, out: &mut Mapped) -> bool {
        self.rows_read += 1;
        out.row = self.rows_read;
        let mut keep = true;
        for fi in 0..self.filter.len() {
            let (c, vals) = &self.filter[fi];
            let v = self.cell(cells, *c);
            let seen = &mut self.filter_seen[fi];
            if let Some(n) = seen.counts.get_mut(v) {
                *n += 1;
            } else if seen.counts.len() < MAX_SEEN {
                seen.counts.insert(v.to_string(), 1);
            } else {
                seen.other += 1;
            }
            match vals.iter().position(|x| x == v) {
                Some(i) => self.filter_report[fi].2[i] += 1,
                None => keep = false,
            }
        }
        if !keep {
            self.rows_filtered += 1;
            return false;
        }
        out.facts.scalars = [MISSING; schema::SCALARS.len()];
        out.facts.lists = Default::default();
        out.assumed = 0;
        let dv = self.cell(cells, self.date_col);
        out.date = parse_date(dv, &self.date_formats);
        if dv.is_empty() {
            self.stats[self.date_col].blank += 1;
        } else if out.date.is_none() {
            self.stats[self.date_col].unknown(dv);
        }
        for fi in 0..self.fields.len() {
            let f = &self.fields[fi];
            let v = self.cell(cells, f.col);
            if v.is_empty() {
                self.stats[f.col].blank += 1;
                continue;
            }
            let code = if f.map.is_empty() {
                parse_scalar(f.ty, v, &self.date_formats)
            } else {
                f.map.get(v).copied()
            };
            match code {
                Some(c) => out.facts.scalars[f.scalar] = c,
                None => {
                    let c = f.col;
                    self.stats[c].unknown(v);
                }
            }
        }
        if self.conviction.is_some() {
            self.map_conviction(cells, lib, out);
        }
        // The facility table is part of the record's own evidence, so it goes before assumptions.
        out.facility = None;
        if self.facilities.is_some() {
            self.place(cells, out);
        }
        for (ai, a) in self.assumptions.iter().enumerate() {
            let day = out.date.map(brightline::facts::date_value);
            let in_period = match day {
                Some(d) => a.from.is_none_or(|f| d >= f) && a.until.is_none_or(|u| d <= u),
                None => a.from.is_none() && a.until.is_none(),
            };
            if !in_period {
                continue;
            }
            match a.target {
                ATarget::Convictions => {
                    if out.facts.lists[0].is_some() {
                        out.assumed |= 1 << ai;
                    }
                }
                ATarget::Scalar(s) => {
                    if out.facts.scalars[s] != MISSING {
                        continue; // the record says; an assumption never overrides it
                    }
                    let v = match a.col {
                        Some(c) => parse_scalar(
                            schema::SCALARS[s].ty,
                            cells.get(self.pos[c]).trim(),
                            &self.date_formats,
                        ),
                        None => a.value,
                    };
                    if let Some(v) = v {
                        out.facts.scalars[s] = v;
                        out.assumed |= 1 << ai;
                    }
                }
            }
        }
        // What the request's kind implies by definition (a detainer is a civil
        // immigration request about a person in custody) holds for a record of
        // one too. The packs' presumptions do not: they reason from what a
        // document on a clerk's desk shows, and a record's silence is not that;
        // the profile states its own assumptions instead.
        brightline::facts::imply(&mut out.facts);
        if self.facilities.is_none()
            || (out.facility.is_none() && self.facilities.as_ref().is_some_and(|f| f.fallback))
        {
            out.jurisdiction = if self.use_jurisdiction {
                self.choose(cells, true)
            } else if self.facilities.is_some() {
                // Known without counting, so a law that overrides it can say how many rows it moved.
                self.peek_jurisdiction(cells)
            } else {
                None
            };
            out.agency = if self.use_agency {
                self.choose(cells, false)
            } else {
                None
            };
        }
        out.kept.clear();
        for &k in &self.keep {
            out.kept.push(cells.get(k).to_string());
        }
        out.cells_for_groups.clear();
        for gi in 0..self.group_cols.len() {
            let v = self.cell(cells, self.group_cols[gi]);
            let id = match self.group_index[gi].get(v) {
                Some(&i) => i,
                None => {
                    let i = self.group_values[gi].len() as u32;
                    self.group_values[gi].push(v.to_string());
                    self.group_index[gi].insert(v.to_string(), i);
                    i
                }
            };
            out.cells_for_groups.push(id);
        }
        true
    }

    /// Places the row through the facility table: jurisdiction, agency, and the place
    /// when the record does not state one.
    fn place(&mut self, cells: &Cells<'_>, out: &mut Mapped) {
        let mut key = match self.facilities.as_mut() {
            Some(f) => std::mem::take(&mut f.key),
            None => return,
        };
        key.clear();
        let Some(f) = self.facilities.as_ref() else {
            return;
        };
        for (i, &c) in f.cols.iter().enumerate() {
            if i > 0 {
                key.push('\u{1f}');
            }
            key.push_str(self.cell(cells, c));
        }
        let found = f.index.get(&key).copied();
        let stat_col = f.stat_col;
        match found {
            Some(i) => {
                let f = self.facilities.as_mut().expect("checked above");
                f.hits[i as usize] += 1;
                out.facility = Some(i);
                out.jurisdiction = f.jur[i as usize];
                out.agency = f.agency[i as usize];
                if let Some(pl) = f.place[i as usize] {
                    if out.facts.scalars[f.place_slot] == MISSING {
                        out.facts.scalars[f.place_slot] = pl;
                    }
                }
            }
            None if f.fallback => {
                // Placed by [jurisdiction] and [agency] (see `map`).
                self.facilities
                    .as_mut()
                    .expect("checked above")
                    .fallback_rows += 1;
            }
            None => {
                out.jurisdiction = None;
                out.agency = None;
                let v = self.cell(cells, stat_col).to_string();
                if v.is_empty() {
                    self.stats[stat_col].blank += 1;
                } else if self.use_jurisdiction {
                    self.stats[stat_col].unknown(&v);
                }
            }
        }
        if let Some(f) = self.facilities.as_mut() {
            f.key = key;
        }
    }

    /// The profile's jurisdiction for the row, without counting unknown values.
    fn peek_jurisdiction(&self, cells: &Cells<'_>) -> Option<u16> {
        let c = self.jurisdiction.as_ref()?;
        match c.col {
            Some(col) => c.map.get(self.cell(cells, col)).copied().or(c.fixed),
            None => c.fixed,
        }
    }

    fn choose(&mut self, cells: &Cells<'_>, jurisdiction: bool) -> Option<u16> {
        let c = if jurisdiction {
            self.jurisdiction.as_ref()?
        } else {
            self.agency.as_ref()?
        };
        if let Some(col) = c.col {
            let v = self.cell(cells, col);
            if let Some(&i) = c.map.get(v) {
                return Some(i);
            }
            // A column that maps both jurisdiction and agency is counted once.
            let counted_already = !jurisdiction
                && self.use_jurisdiction
                && self
                    .jurisdiction
                    .as_ref()
                    .is_some_and(|j| j.col == Some(col) && j.fixed.is_none());
            if c.fixed.is_none() && !counted_already {
                if v.is_empty() {
                    self.stats[col].blank += 1;
                } else {
                    self.stats[col].unknown(v);
                }
            }
        }
        c.fixed
    }

    fn map_conviction(&mut self, cells: &Cells<'_>, lib: &Library, out: &mut Mapped) {
        let Some(cv) = self.conviction.as_ref() else {
            return;
        };
        let code = self.cell(cells, cv.offense_col).to_string();
        let none = cv.none_col.map(|c| self.cell(cells, c).to_string());
        let date = cv.date_col.map(|c| self.cell(cells, c).to_string());
        let offense_col = cv.offense_col;
        if code.is_empty() {
            self.stats[offense_col].blank += 1;
            if none.is_some_and(|n| cv.none_values.contains(&n)) {
                out.facts.lists[0] = Some(Box::default());
            }
            return;
        }
        let full = format!("{}{}{}", cv.prefix, code, cv.suffix);
        let cv = self.conviction.as_mut().expect("checked above");
        // A code that parses but is not in its scheme's table stays in the item (the engine
        // then says `undetermined` for it) and is counted as an unknown value.
        let found = *cv.lookups.entry(full.clone()).or_insert_with(|| {
            let in_table = brightline::records::OffenseCode::parse(&full, &lib.scheme_names)
                .ok()
                .map(|c| {
                    lib.schemes
                        .get(&c.scheme)
                        .is_some_and(|rows| rows.contains_key(&c.key()))
                });
            match in_table {
                Some(true) => lib.lookup(&full, None).ok().map(|(m, u)| (m, u, true)),
                Some(false) => lib.lookup(&full, None).ok().map(|(m, u)| (m, u, false)),
                None => None,
            }
        });
        let mut item = Item::new();
        match found {
            Some((m, u, in_table)) => {
                if !in_table {
                    self.stats[offense_col].unknown(&code);
                }
                item.member = m;
                item.unknown = u;
                item.fields[0] = 0;
                item.offense = Some(full.into());
            }
            None => self.stats[offense_col].unknown(&code),
        }
        if let Some(dc) = self.conviction.as_ref().and_then(|c| c.date_col) {
            match date.as_deref() {
                Some("") | None => self.stats[dc].blank += 1,
                Some(d) => match parse_date(d, &self.date_formats) {
                    Some(d) => item.fields[1] = brightline::facts::date_value(d),
                    None => self.stats[dc].unknown(d),
                },
            }
        }
        out.facts.lists[0] = Some(Box::new([item]));
    }

    /// Takes the fact assumption `ai` supplied out of the facts; returns what to put back.
    pub fn unassume(&self, ai: usize, facts: &mut Facts) -> Undo {
        match self.assumptions[ai].target {
            ATarget::Scalar(s) => {
                let old = facts.scalars[s];
                facts.scalars[s] = MISSING;
                Undo::Scalar(s, old)
            }
            ATarget::Convictions => Undo::List(facts.lists[0].take()),
        }
    }

    /// The scalar slots this mapper can set, the request's date and agency first:
    /// the columns of the batch path.
    pub fn scalar_slots(&self) -> Vec<usize> {
        let mut s = vec![schema::DATE, schema::AGENCY];
        let mut add = |x: usize| {
            if !s.contains(&x) {
                s.push(x);
            }
        };
        for f in &self.fields {
            add(f.scalar);
        }
        for a in &self.assumptions {
            if let ATarget::Scalar(x) = a.target {
                add(x);
            }
        }
        if let Some(f) = &self.facilities {
            add(f.place_slot);
        }
        for imp in brightline::records::IMPLICATIONS {
            if let Some(x) = schema::scalar(imp.fact) {
                add(x);
            }
        }
        s
    }

    pub fn group_cols(&self) -> &[usize] {
        &self.group_cols
    }
}

pub enum Undo {
    Scalar(usize, Val),
    List(Option<Box<[Item]>>),
}

impl Undo {
    pub fn restore(self, facts: &mut Facts) {
        match self {
            Undo::Scalar(s, v) => facts.scalars[s] = v,
            Undo::List(l) => facts.lists[0] = l,
        }
    }
}

impl Mapped {
    pub fn new() -> Mapped {
        Mapped {
            row: 0,
            date: None,
            facts: Facts::default(),
            jurisdiction: None,
            agency: None,
            assumed: 0,
            cells_for_groups: Vec::new(),
            facility: None,
            kept: Vec::new(),
        }
    }
}

impl Default for Mapped {
    fn default() -> Self {
        Mapped::new()
    }
}

/// Every row of a record file that the profile maps and dates, as facts with
/// the row's date, and the mapper that read them (for its column slots). Rows
/// the profile does not map, or that carry no date, are left out; the
/// benchmarks and tests of the decision step start from this.
pub fn mapped_rows(
    lib: &Library,
    profile: &Profile,
    path: &std::path::Path,
) -> Result<(Vec<(Facts, Date)>, Mapper), SimError> {
    struct Collect<'l> {
        lib: &'l Library,
        profile: &'l Profile,
        mapper: Option<Mapper>,
        rows: Vec<(Facts, Date)>,
    }
    impl crate::read::Visitor for Collect<'_> {
        fn header(&mut self, h: &[String]) -> Result<(), SimError> {
            self.mapper = Some(Mapper::new(self.profile, h, self.lib, &[], &[], None)?);
            Ok(())
        }
        fn row(&mut self, c: &Cells<'_>) -> Result<(), SimError> {
            let mut m = Mapped::new();
            if let Some(mp) = self.mapper.as_mut() {
                if mp.map(c, self.lib, &mut m) {
                    if let Some(d) = m.date {
                        self.rows.push((m.facts, d));
                    }
                }
            }
            Ok(())
        }
    }
    let mut c = Collect {
        lib,
        profile,
        mapper: None,
        rows: Vec::new(),
    };
    crate::read::read(path, None, &mut c)?;
    let mapper = c.mapper.ok_or_else(|| {
        SimError::Input(format!(
            "{}: no header row (a record file starts with a row of column names)",
            path.display()
        ))
    })?;
    Ok((c.rows, mapper))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_format() {
        let all = [DateFormat::Iso, DateFormat::ExcelSerial, DateFormat::Us];
        let d = ymd(2015, 5, 8).unwrap();
        assert_eq!(parse_date("2015-05-08", &all), Some(d));
        assert_eq!(parse_date("2015-05-08 00:00:00", &all), Some(d));
        // 42132 is 2015-05-08 in Excel's 1900 system.
        assert_eq!(parse_date("42132", &all), Some(d));
        assert_eq!(parse_date("42132.5", &all), Some(d));
        assert_eq!(parse_date("5/8/2015", &all), Some(d));
        assert_eq!(parse_date("2015-02-30", &all), None);
        assert_eq!(parse_date("NA", &all), None);
        assert_eq!(
            parse_date("60", &all),
            None,
            "the phantom 1900-02-29 is not a date"
        );
    }
}
