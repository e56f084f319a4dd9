//! The simulation: stream rows in chunks through the mapper and the engine,
//! and keep only bounded state (a decision cache and the aggregate tables).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use brightline::schema;
use brightline::{LawVersion, Library, Outcome};
use serde::Serialize;
use time::Date;

use crate::batch::{decide_columns, Columns};
use crate::bounds::{Bounds, Engine, OutcomeSet, Possible};
use crate::map::{ColumnStats, Mapped, Mapper};
use crate::out::{self, RowWriter};
use crate::profile::Profile;
use crate::read::{self, Cells, Visitor};
use crate::SimError;

const CHUNK: usize = 4096;
/// Distinct fact tuples kept with their full decision; the cache is emptied when full.
const CACHE_MAX: usize = 1 << 16;

/// Outcome codes of a row under one law: the engine's four and `unmapped`.
pub const OUTCOMES: [&str; 5] = [
    "permitted",
    "prohibited",
    "required",
    "undetermined",
    "unmapped",
];
const UNMAPPED: u8 = 4;

fn code(o: Outcome) -> u8 {
    match o {
        Outcome::Permitted => 0,
        Outcome::Prohibited => 1,
        Outcome::Required => 2,
        Outcome::Undetermined => 3,
    }
}

/// `--law JURISDICTION@DATE`: DATE is `YYYY-MM-DD` or `row` (each row's own date);
/// JURISDICTION is a pack id or `profile` (the profile's own mapping of rows).
#[derive(Clone, Debug)]
pub struct LawSpec {
    pub label: String,
    pub jurisdiction: Option<String>,
    pub date: Option<Date>,
}

impl LawSpec {
    pub fn parse(s: &str) -> Result<LawSpec, SimError> {
        let (j, d) = s.rsplit_once('@').ok_or_else(|| {
            SimError::Input(format!(
                "--law `{s}`: write JURISDICTION@DATE, e.g. us-ny-nyc@2015-01-01 or us-ny-nyc@row"
            ))
        })?;
        let jurisdiction = match j {
            "" | "profile" => None,
            j => Some(j.to_string()),
        };
        let date = match d {
            "row" => None,
            d => Some(brightline::parse_date(d).ok_or_else(|| {
                SimError::Input(format!(
                    "--law `{s}`: `{d}` is not a date; write YYYY-MM-DD or `row`"
                ))
            })?),
        };
        Ok(LawSpec {
            label: s.to_string(),
            jurisdiction,
            date,
        })
    }
}

#[derive(Clone, Copy, Debug)]
pub struct RowsOut {
    pub csv: bool,
    pub parquet: bool,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub laws: Vec<LawSpec>,
    /// Overrides the profile's agency (an alias of the jurisdiction or a role).
    pub agency: Option<String>,
    /// Extra row filters: (logical column, accepted values).
    pub filters: Vec<(String, Vec<String>)>,
    /// Columns to group the aggregate by; empty takes the profile's.
    pub group_by: Vec<String>,
    pub out_dir: PathBuf,
    pub rows: RowsOut,
    pub charts: bool,
    pub progress: bool,
    /// Source columns to carry into the per-row output: `None` none, an empty list all.
    pub keep: Option<Vec<String>>,
}

/// The full decision of one distinct fact tuple, reduced to what rows report.
struct Detail {
    outcome: Outcome,
    provisions: Arc<str>,
    prov_id: u32,
    missing: Vec<String>,
    missing_joined: Arc<str>,
    possible: OutcomeSet,
    possible_joined: Arc<str>,
    exact: bool,
}

#[derive(Serialize, Default, Clone)]
pub struct AssumptionCount {
    pub id: String,
    pub reason: String,
    /// Rows to which the assumption supplied a fact.
    pub applied: u64,
    /// Rows whose outcome changes when the assumption is removed.
    pub decided: u64,
}

#[derive(Serialize, Default, Clone)]
pub struct LawSummary {
    pub law: String,
    pub outcomes: BTreeMap<String, u64>,
    /// Fact -> undetermined rows that need it.
    pub undetermined_needs: BTreeMap<String, u64>,
    /// Why rows could not be put to the law -> rows.
    pub unmapped_reasons: BTreeMap<String, u64>,
    pub assumptions: Vec<AssumptionCount>,
    /// Rows where the fast path and the full decision disagree (must be 0).
    pub engine_disagreements: u64,
    /// Lowest and highest share of each outcome over every completion of the missing facts.
    pub bounds: Bounds,
    /// The same, by the jurisdiction whose law decided the rows.
    pub bounds_by_jurisdiction: BTreeMap<String, Bounds>,
    /// Rows the profile places in another jurisdiction, decided here as if they were not
    /// (the law names a jurisdiction): that jurisdiction -> rows.
    pub decided_as_if_here: BTreeMap<String, u64>,
}

#[derive(Serialize, Clone)]
pub struct ImpactGroup {
    pub from_law: String,
    pub to_law: String,
    pub from_outcome: String,
    pub to_outcome: String,
    pub from_provisions: String,
    pub to_provisions: String,
    pub rows: u64,
}

#[derive(Serialize, Clone)]
pub struct Summary {
    pub profile: String,
    pub input: String,
    pub engine_version: String,
    pub law_content_hash: String,
    pub rows_read: u64,
    pub rows_filtered_out: u64,
    pub rows_evaluated: u64,
    pub laws: Vec<LawSummary>,
    /// Logical column -> blank and unknown values (never dropped silently).
    pub columns: BTreeMap<String, ColumnStats>,
    pub impact: Vec<ImpactGroup>,
    pub decisions: u64,
    pub decide_seconds: f64,
    pub total_seconds: f64,
    /// Decisions per second in the decision step alone (fast path over mapped facts).
    pub decide_rate: f64,
    /// Rows per second end to end (read, map, decide, aggregate, write).
    pub rows_rate: f64,
    pub distinct_fact_tuples_decided: u64,
    pub peak_rss_kib: Option<u64>,
    pub files: Vec<String>,
    pub notes: Vec<String>,
    /// Things the reader must know before trusting the numbers (also printed to stderr).
    pub warnings: Vec<String>,
    /// The row filters, as COLUMN=V1|V2.
    pub filters: Vec<String>,
    /// The profile's source note.
    pub source: Option<String>,
    /// Rows placed by each row of the profile's facility table (facility, jurisdiction, agency, rows).
    pub facilities_used: Vec<(String, String, String, u64)>,
    pub kept_columns: Vec<String>,
}

struct LawCtx<'a> {
    spec: LawSpec,
    /// Fixed pack, when the spec names one.
    pack: Option<usize>,
    /// Profile jurisdiction value -> pack.
    choice_packs: Vec<Option<usize>>,
    /// (pack, agency value id or u16::MAX for the override) -> role.
    roles: HashMap<(usize, u16), Result<usize, String>>,
    fixed_law: HashMap<usize, Result<&'a LawVersion, String>>,
    last: Option<(usize, Date, Option<Date>, &'a LawVersion)>,
    sum: LawSummary,
}

enum Target<'a> {
    Law {
        law: &'a LawVersion,
        pack: usize,
        date: i64,
        role: i64,
    },
    Unmapped(Arc<str>),
}

struct Sim<'a> {
    lib: &'a Library,
    profile: &'a Profile,
    opts: &'a Options,
    mapper: Option<Mapper>,
    chunk: Vec<Mapped>,
    fill: usize,
    laws: Vec<LawCtx<'a>>,
    targets: Vec<Vec<Target<'a>>>,
    outcomes: Vec<Vec<u8>>,
    details: Vec<Vec<Option<Arc<Detail>>>>,
    cache: HashMap<Box<[i64]>, Arc<Detail>>,
    key: Vec<i64>,
    prov_names: Vec<Arc<str>>,
    prov_index: HashMap<Arc<str>, u32>,
    distinct: u64,
    agg: HashMap<Box<[u32]>, u64>,
    akey: Vec<u32>,
    monthly: BTreeMap<(usize, i32, u8), u64>,
    impact: HashMap<(usize, u8, u8, u32, u32), u64>,
    writer: Option<RowWriter>,
    possible: &'a dyn Possible,
    /// Rows whose profile agency `--agency` replaced: the profile's agency -> rows.
    agency_overridden: BTreeMap<String, u64>,
    bytes: Option<read::ByteCount>,
    /// Per-row results kept in memory (the batch path), instead of files.
    collect: Option<RowResults>,
    /// The chunk's facts by column, for the decision step, and where each column row came from.
    cols: Columns,
    col_rows: Vec<usize>,
    col_law: Vec<&'a LawVersion>,
    col_out: Vec<Outcome>,
    /// Rows that take the row path (list facts, or slots the columns do not hold).
    row_path: Vec<(usize, &'a LawVersion)>,
    decide_time: Duration,
    decisions: u64,
    evaluated: u64,
    progress: indicatif::ProgressBar,
    jur_values: Vec<String>,
}

fn unmapped<'a>(s: &str) -> Target<'a> {
    Target::Unmapped(Arc::from(s))
}

/// Runs a simulation and writes its outputs into `opts.out_dir`.
pub fn simulate(
    lib: &Library,
    profile: &Profile,
    input: &Path,
    opts: &Options,
) -> Result<Summary, SimError> {
    simulate_with(lib, profile, input, opts, &Engine)
}

/// [`simulate`] with the source of each row's possible outcomes (for the bounds) named.
pub fn simulate_with(
    lib: &Library,
    profile: &Profile,
    input: &Path,
    opts: &Options,
    possible: &dyn Possible,
) -> Result<Summary, SimError> {
    if opts.laws.is_empty() {
        return Err(SimError::Input(
            "name at least one --law JURISDICTION@DATE (or @row)".into(),
        ));
    }
    let started = Instant::now();
    std::fs::create_dir_all(&opts.out_dir)
        .map_err(|e| SimError::Io(format!("{}: {e}", opts.out_dir.display())))?;
    let mut sim = Sim::new(
        lib,
        profile,
        opts,
        possible,
        progress_bar(opts.progress, input),
    )?;
    let counter = read::ByteCount::default();
    sim.bytes = Some(counter.clone());
    read::read_counted(input, profile.sheet.as_deref(), &mut sim, Some(counter))?;
    if sim.mapper.is_none() {
        return Err(SimError::Input(format!(
            "{}: no header row",
            input.display()
        )));
    }
    sim.flush()?;
    sim.progress.finish_and_clear();
    if let Some(msg) = sim.mapper.as_ref().and_then(no_match) {
        // Nothing was decided: leave no half-written per-row files behind.
        if let Some(w) = sim.writer.take() {
            for f in w.finish()? {
                let _ = std::fs::remove_file(f);
            }
        }
        return Err(SimError::Input(msg));
    }
    sim.finish(input, started)
}

/// Per-row results of [`decide_rows`], in input order (rows a filter dropped are absent).
#[derive(Default, Debug, Clone)]
pub struct RowResults {
    /// 1-based position of each row in the input.
    pub row: Vec<u64>,
    /// Per law: the outcome of each row, an index into [`OUTCOMES`].
    pub outcome: Vec<Vec<u8>>,
    /// Per law: the outcomes some completion of the row's missing facts reaches
    /// (bits of [`crate::bounds::OutcomeSet`]; 0 for an unmapped row).
    pub possible: Vec<Vec<u8>>,
    /// Per law: the jurisdiction whose law decided the row (empty when unmapped).
    pub jurisdiction: Vec<Vec<String>>,
}

/// Decides rows held in memory (a header and its rows of cells), with no files
/// written: the batch path behind the Python package's `decide_batch`.
pub fn decide_rows<'r>(
    lib: &Library,
    profile: &Profile,
    opts: &Options,
    headers: &[String],
    rows: impl Iterator<Item = &'r [String]>,
) -> Result<RowResults, SimError> {
    let mut o = opts.clone();
    o.rows = RowsOut {
        csv: false,
        parquet: false,
    };
    o.charts = false;
    let mut sim = Sim::new(lib, profile, &o, &Engine, indicatif::ProgressBar::hidden())?;
    sim.collect = Some(RowResults {
        outcome: vec![Vec::new(); o.laws.len()],
        possible: vec![Vec::new(); o.laws.len()],
        jurisdiction: vec![Vec::new(); o.laws.len()],
        ..Default::default()
    });
    sim.header(headers)?;
    for r in rows {
        sim.row(&Cells::Strings(r))?;
    }
    sim.flush()?;
    Ok(sim.collect.take().unwrap_or_default())
}

impl<'a> Sim<'a> {
    fn new(
        lib: &'a Library,
        profile: &'a Profile,
        opts: &'a Options,
        possible: &'a dyn Possible,
        progress: indicatif::ProgressBar,
    ) -> Result<Sim<'a>, SimError> {
        if opts.laws.is_empty() {
            return Err(SimError::Input(
                "name at least one --law JURISDICTION@DATE (or @row)".into(),
            ));
        }
        let mut laws = Vec::new();
        for spec in &opts.laws {
            let pack = match &spec.jurisdiction {
                Some(j) => Some(lib.jurisdiction(j).map_err(|e| {
                    SimError::Input(format!("--law `{}`: {}", spec.label, e.message))
                })?),
                None => {
                    if profile.jurisdiction.is_none() && profile.facilities.is_none() {
                        return Err(SimError::Input(format!(
                        "--law `{}`: profile `{}` maps no jurisdiction; name one, e.g. us-ny-nyc@row",
                        spec.label, profile.name
                    )));
                    }
                    None
                }
            };
            laws.push(LawCtx {
                spec: spec.clone(),
                pack,
                choice_packs: Vec::new(),
                roles: HashMap::new(),
                fixed_law: HashMap::new(),
                last: None,
                sum: LawSummary {
                    law: spec.label.clone(),
                    ..Default::default()
                },
            });
        }
        let n = laws.len();
        Ok(Sim {
            lib,
            profile,
            opts,
            mapper: None,
            chunk: (0..CHUNK).map(|_| Mapped::new()).collect(),
            fill: 0,
            laws,
            targets: (0..n).map(|_| Vec::with_capacity(CHUNK)).collect(),
            outcomes: vec![Vec::with_capacity(CHUNK); n],
            details: (0..n).map(|_| Vec::with_capacity(CHUNK)).collect(),
            cache: HashMap::new(),
            key: Vec::new(),
            prov_names: Vec::new(),
            prov_index: HashMap::new(),
            distinct: 0,
            agg: HashMap::new(),
            akey: Vec::new(),
            monthly: BTreeMap::new(),
            impact: HashMap::new(),
            writer: None,
            possible,
            agency_overridden: BTreeMap::new(),
            bytes: None,
            decide_time: Duration::ZERO,
            decisions: 0,
            evaluated: 0,
            progress,
            jur_values: Vec::new(),
            collect: None,
            cols: Columns::default(),
            col_rows: Vec::new(),
            col_law: Vec::new(),
            col_out: Vec::new(),
            row_path: Vec::new(),
        })
    }
}

/// A bar over the bytes of the input file: percentage, rows per second and ETA. Only on a
/// terminal, so logs and pipes get no control characters.
fn progress_bar(wanted: bool, input: &Path) -> indicatif::ProgressBar {
    if !wanted || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return indicatif::ProgressBar::hidden();
    }
    let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    let counted = matches!(
        read::Format::of(input),
        Ok(read::Format::Csv | read::Format::CsvGz)
    );
    if size == 0 || !counted {
        // xlsx and Parquet are read through libraries that do not say how far they are.
        let p = indicatif::ProgressBar::new_spinner();
        p.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed}  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        return p;
    }
    let p = indicatif::ProgressBar::new(size);
    p.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {percent:>3}%  {binary_bytes}/{binary_total_bytes}  {msg}  ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    p
}

/// Levenshtein distance over characters, for naming the closest values a filter missed.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The values present in a filtered column closest to `want`, with their row counts.
pub fn closest(seen: &crate::map::SeenValues, want: &str, n: usize) -> Vec<(String, u64)> {
    let w = want.to_lowercase();
    let mut all: Vec<(usize, &String, u64)> = seen
        .counts
        .iter()
        .map(|(v, c)| {
            let l = v.to_lowercase();
            let d = if l == w {
                0
            } else if l.contains(&w) || (!l.is_empty() && w.contains(&l)) {
                1 + l.len().abs_diff(w.len()).min(1)
            } else {
                2 + distance(&l, &w)
            };
            (d, v, *c)
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1)));
    all.into_iter()
        .take(n)
        .map(|(_, v, c)| (v.clone(), c))
        .collect()
}

/// The error for filters that together let no row through, naming the closest values present.
fn no_match(m: &Mapper) -> Option<String> {
    if m.filter_report.is_empty() || m.rows_read == 0 || m.rows_read > m.rows_filtered {
        return None;
    }
    let mut parts = Vec::new();
    for (fi, (col, vals, hits)) in m.filter_report.iter().enumerate() {
        for (v, h) in vals.iter().zip(hits) {
            if *h > 0 {
                continue;
            }
            let near: Vec<String> = closest(&m.filter_seen[fi], v, 5)
                .into_iter()
                .map(|(x, c)| format!("`{x}` ({c} rows)"))
                .collect();
            parts.push(format!(
                "`{col}={v}` matches no row; closest values present: {}",
                if near.is_empty() {
                    "none".to_string()
                } else {
                    near.join(", ")
                }
            ));
        }
    }
    if parts.is_empty() {
        parts.push(
            "each filter matches some rows, but no row passes all of them together".to_string(),
        );
    }
    Some(format!(
        "the filters keep none of the {} rows: {}",
        m.rows_read,
        parts.join("; ")
    ))
}

impl Visitor for Sim<'_> {
    fn header(&mut self, headers: &[String]) -> Result<(), SimError> {
        let group_by = if self.opts.group_by.is_empty() {
            &self.profile.group_by
        } else {
            &self.opts.group_by
        };
        let mut m = Mapper::new(
            self.profile,
            headers,
            self.lib,
            &self.opts.filters,
            group_by,
            self.opts.keep.as_deref(),
        )?;
        // The mapping is read even when a law or `--agency` overrides it, so the override
        // can be counted; its unknown values are counted only when the run relies on it.
        m.use_jurisdiction = self.laws.iter().any(|l| l.pack.is_none());
        m.use_agency = true;
        self.cols = Columns::new(m.scalar_slots());
        self.writer = Some(RowWriter::create(
            &self.opts.out_dir,
            self.opts.rows,
            &m.keep_names,
        )?);
        self.jur_values = m
            .jurisdiction
            .as_ref()
            .map(|c| c.values.clone())
            .unwrap_or_default();
        for l in &mut self.laws {
            l.choice_packs = self
                .jur_values
                .iter()
                .map(|v| self.lib.jurisdiction(v).ok())
                .collect();
        }
        self.mapper = Some(m);
        Ok(())
    }

    fn row(&mut self, cells: &Cells<'_>) -> Result<(), SimError> {
        let Some(m) = self.mapper.as_mut() else {
            return Ok(());
        };
        if m.map(cells, self.lib, &mut self.chunk[self.fill]) {
            self.fill += 1;
            if self.fill == CHUNK {
                self.flush()?;
            }
        }
        Ok(())
    }
}

impl<'a> Sim<'a> {
    fn target(&mut self, li: usize, r: usize) -> Target<'a> {
        let lib: &'a Library = self.lib;
        let row = &self.chunk[r];
        let l = &mut self.laws[li];
        let pack = match l.pack {
            Some(p) => {
                // A row the profile places elsewhere is decided as the law asks, and counted.
                if let Some(j) = row.jurisdiction {
                    if let Some(Some(home)) = l.choice_packs.get(j as usize) {
                        if !lib.chain(*home).contains(&p) {
                            *l.sum
                                .decided_as_if_here
                                .entry(lib.packs[*home].id.clone())
                                .or_default() += 1;
                        }
                    }
                }
                p
            }
            None => match row.jurisdiction {
                None => return unmapped("the profile maps no jurisdiction for this row"),
                Some(j) => match l.choice_packs.get(j as usize).copied().flatten() {
                    Some(p) => p,
                    None => return unmapped("no law pack for the row's jurisdiction"),
                },
            },
        };
        let agency_key = if let Some(over) = &self.opts.agency {
            if li == 0 {
                if let Some(a) = row.agency {
                    let mapped = self
                        .mapper
                        .as_ref()
                        .and_then(|m| m.agency.as_ref())
                        .and_then(|c| c.values.get(a as usize));
                    if let Some(m) = mapped.filter(|m| *m != over) {
                        *self.agency_overridden.entry(m.clone()).or_default() += 1;
                    }
                }
            }
            Some(u16::MAX)
        } else {
            row.agency
        };
        let role = match agency_key {
            None => return unmapped("the profile maps no agency for this row"),
            Some(a) => {
                let name = if a == u16::MAX {
                    self.opts.agency.clone().unwrap_or_default()
                } else {
                    self.mapper
                        .as_ref()
                        .and_then(|m| m.agency.as_ref())
                        .and_then(|c| c.values.get(a as usize).cloned())
                        .unwrap_or_default()
                };
                match l
                    .roles
                    .entry((pack, a))
                    .or_insert_with(|| lib.agency(pack, &name).map_err(|e| e.message))
                {
                    Ok(r) => *r as i64,
                    Err(_) => return unmapped("the agency is not known to this jurisdiction"),
                }
            }
        };
        let (date, law) = match l.spec.date {
            Some(d) => {
                let law = l
                    .fixed_law
                    .entry(pack)
                    .or_insert_with(|| lib.law(pack, d).map_err(|e| e.message));
                match law {
                    Ok(v) => (d, *v),
                    Err(_) => {
                        return unmapped("no law of this jurisdiction is encoded for the date")
                    }
                }
            }
            None => {
                let Some(d) = row.date else {
                    return unmapped("the row has no readable date");
                };
                match l.last {
                    Some((p, from, until, v))
                        if p == pack && from <= d && until.is_none_or(|u| d <= u) =>
                    {
                        (d, v)
                    }
                    _ => match lib.law(pack, d) {
                        Ok(v) => {
                            l.last = Some((pack, v.from, v.until, v));
                            (d, v)
                        }
                        Err(_) => {
                            return unmapped(
                                "no law of this jurisdiction is encoded for the row's date",
                            )
                        }
                    },
                }
            }
        };
        Target::Law {
            law,
            pack,
            date: brightline::facts::date_value(date),
            role,
        }
    }

    fn detail(&mut self, pack: usize, law: &LawVersion, r: usize) -> Arc<Detail> {
        let facts = &self.chunk[r].facts;
        self.key.clear();
        self.key.push(pack as i64);
        self.key.extend_from_slice(&facts.scalars);
        for l in &facts.lists {
            match l {
                None => self.key.push(-1),
                Some(items) => {
                    self.key.push(items.len() as i64);
                    for it in items {
                        self.key.extend_from_slice(&it.fields);
                        self.key.push(it.member as i64);
                        self.key.push(it.unknown as i64);
                    }
                }
            }
        }
        if let Some(d) = self.cache.get(self.key.as_slice()) {
            return d.clone();
        }
        self.distinct += 1;
        let (outcome, provisions, missing) = match self.lib.decide(pack, facts) {
            Ok(d) => {
                let head = d.reasons.first().map(|r| r.jurisdiction.clone());
                let decisive: Vec<&str> = d
                    .reasons
                    .iter()
                    .filter(|r| Some(&r.jurisdiction) == head.as_ref() && r.outcome == d.outcome)
                    .map(|r| r.rule.as_str())
                    .collect();
                // An undetermined row has no deciding provision: name the rules that
                // could decide it once the missing facts are known, marked `?`.
                let provisions = if d.outcome == Outcome::Undetermined {
                    d.trace
                        .iter()
                        .filter(|t| t.result == "unknown")
                        .map(|t| format!("?{}", t.rule))
                        .collect::<Vec<_>>()
                        .join(";")
                } else {
                    decisive.join(";")
                };
                (d.outcome, provisions, d.missing_facts)
            }
            Err(e) => (
                Outcome::Undetermined,
                String::new(),
                vec![format!("{}: {}", e.field, e.message)],
            ),
        };
        let provisions: Arc<str> = Arc::from(provisions);
        let prov_id = match self.prov_index.get(&provisions) {
            Some(&i) => i,
            None => {
                let i = self.prov_names.len() as u32;
                self.prov_names.push(provisions.clone());
                self.prov_index.insert(provisions.clone(), i);
                i
            }
        };
        let missing_joined: Arc<str> = Arc::from(missing.join(";"));
        let (possible, exact) = if outcome == Outcome::Undetermined {
            self.possible.possible(law, &self.chunk[r].facts)
        } else {
            (OutcomeSet::one(outcome), true)
        };
        let d = Arc::new(Detail {
            outcome,
            provisions,
            prov_id,
            missing,
            missing_joined,
            possible,
            possible_joined: Arc::from(possible.names().join("|")),
            exact,
        });
        if self.cache.len() >= CACHE_MAX {
            self.cache.clear();
        }
        self.cache
            .insert(self.key.clone().into_boxed_slice(), d.clone());
        d
    }

    // Rows are addressed by index across the chunk, its targets and its outcomes at once.
    #[allow(clippy::needless_range_loop)]
    fn flush(&mut self) -> Result<(), SimError> {
        let n = self.fill;
        if n == 0 {
            return Ok(());
        }
        let nl = self.laws.len();
        for li in 0..nl {
            let mut t = std::mem::take(&mut self.targets[li]);
            t.clear();
            for r in 0..n {
                t.push(self.target(li, r));
            }
            // The chunk's facts, by column (the row path for rows with list facts).
            let o = &mut self.outcomes[li];
            o.clear();
            o.resize(n, UNMAPPED);
            self.cols.clear();
            self.col_rows.clear();
            self.col_law.clear();
            self.row_path.clear();
            for (r, tg) in t.iter().enumerate() {
                if let Target::Law {
                    law, date, role, ..
                } = tg
                {
                    let f = &mut self.chunk[r].facts;
                    f.scalars[schema::DATE] = *date;
                    f.scalars[schema::AGENCY] = *role;
                    if self.cols.push(f) {
                        self.col_rows.push(r);
                        self.col_law.push(law);
                    } else {
                        self.row_path.push((r, law));
                    }
                }
            }
            // The decision step: the fast path over the columns, run by run of one law.
            let start = Instant::now();
            self.col_out.clear();
            let mut s = 0;
            while s < self.cols.len {
                let law = self.col_law[s];
                let mut e = s + 1;
                while e < self.cols.len && std::ptr::eq(self.col_law[e], law) {
                    e += 1;
                }
                decide_columns(law, &self.cols, s..e, &mut self.col_out);
                s = e;
            }
            for &(r, law) in &self.row_path {
                o[r] = code(brightline::outcome(law, &self.chunk[r].facts));
            }
            self.decide_time += start.elapsed();
            for (k, &r) in self.col_rows.iter().enumerate() {
                o[r] = code(self.col_out[k]);
            }
            self.decisions += t.iter().filter(|x| matches!(x, Target::Law { .. })).count() as u64;
            // Full decisions (cached), assumptions, aggregates.
            let mut det = std::mem::take(&mut self.details[li]);
            det.clear();
            for r in 0..n {
                let oc = self.outcomes[li][r];
                let d = match &t[r] {
                    Target::Law {
                        pack,
                        law,
                        date,
                        role,
                    } => {
                        let f = &mut self.chunk[r].facts;
                        f.scalars[schema::DATE] = *date;
                        f.scalars[schema::AGENCY] = *role;
                        let d = self.detail(*pack, law, r);
                        if code(d.outcome) != oc {
                            self.laws[li].sum.engine_disagreements += 1;
                        }
                        let sum = &mut self.laws[li].sum;
                        sum.bounds.add(d.possible, d.exact);
                        let id = &self.lib.packs[*pack].id;
                        match sum.bounds_by_jurisdiction.get_mut(id) {
                            Some(b) => b.add(d.possible, d.exact),
                            None => {
                                let mut b = Bounds::default();
                                b.add(d.possible, d.exact);
                                sum.bounds_by_jurisdiction.insert(id.clone(), b);
                            }
                        }
                        if oc == 3 {
                            for m in &d.missing {
                                *self.laws[li]
                                    .sum
                                    .undetermined_needs
                                    .entry(m.clone())
                                    .or_default() += 1;
                            }
                        }
                        let assumed = self.chunk[r].assumed;
                        if assumed != 0 {
                            let mapper = self.mapper.as_ref().expect("header seen");
                            let sum = &mut self.laws[li].sum;
                            if sum.assumptions.is_empty() {
                                sum.assumptions = zero_counts(mapper, self.profile);
                            }
                            for ai in 0..mapper.assumptions.len() {
                                if assumed & (1 << ai) == 0 {
                                    continue;
                                }
                                let facts = &mut self.chunk[r].facts;
                                let undo = mapper.unassume(ai, facts);
                                let without = code(brightline::outcome(law, facts));
                                undo.restore(facts);
                                sum.assumptions[ai].applied += 1;
                                if without != oc {
                                    sum.assumptions[ai].decided += 1;
                                }
                            }
                        }
                        Some(d)
                    }
                    Target::Unmapped(why) => {
                        *self.laws[li]
                            .sum
                            .unmapped_reasons
                            .entry(why.to_string())
                            .or_default() += 1;
                        None
                    }
                };
                *self.laws[li]
                    .sum
                    .outcomes
                    .entry(OUTCOMES[oc as usize].to_string())
                    .or_default() += 1;
                self.aggregate(li, r, oc, &t[r]);
                det.push(d);
            }
            self.details[li] = det;
            self.targets[li] = t;
        }
        // Law-change impact between consecutive laws.
        for li in 1..nl {
            for r in 0..n {
                let (a, b) = (self.outcomes[li - 1][r], self.outcomes[li][r]);
                if a == b {
                    continue;
                }
                let pa = self.details[li - 1][r]
                    .as_ref()
                    .map_or(u32::MAX, |d| d.prov_id);
                let pb = self.details[li][r].as_ref().map_or(u32::MAX, |d| d.prov_id);
                *self.impact.entry((li, a, b, pa, pb)).or_default() += 1;
            }
        }
        if let Some(c) = self.collect.as_mut() {
            for r in 0..n {
                c.row.push(self.chunk[r].row);
                for li in 0..nl {
                    c.outcome[li].push(self.outcomes[li][r]);
                    let (p, j) = match (&self.details[li][r], &self.targets[li][r]) {
                        (Some(d), Target::Law { pack, .. }) => {
                            (d.possible.0, self.lib.packs[*pack].id.clone())
                        }
                        _ => (0, String::new()),
                    };
                    c.possible[li].push(p);
                    c.jurisdiction[li].push(j);
                }
            }
        }
        if let Some(w) = self.writer.as_mut() {
            for r in 0..n {
                for li in 0..nl {
                    let (prov, missing, possible, note): (&str, &str, &str, &str) =
                        match (&self.details[li][r], &self.targets[li][r]) {
                            (Some(d), _) => {
                                (&d.provisions, &d.missing_joined, &d.possible_joined, "")
                            }
                            (None, Target::Unmapped(why)) => ("", "", "", why),
                            (None, _) => ("", "", "", ""),
                        };
                    w.write(
                        self.chunk[r].row,
                        &self.laws[li].spec.label,
                        OUTCOMES[self.outcomes[li][r] as usize],
                        prov,
                        missing,
                        possible,
                        note,
                        &self.chunk[r].kept,
                    )?;
                }
            }
        }
        self.evaluated += n as u64;
        match &self.bytes {
            Some(b) if self.progress.length().is_some() => {
                self.progress.set_position(b.get());
                let secs = self.progress.elapsed().as_secs_f64();
                let read = self.mapper.as_ref().map_or(0, |m| m.rows_read);
                if secs > 0.0 {
                    self.progress
                        .set_message(format!("{read} rows  {:.0} rows/s", read as f64 / secs));
                }
            }
            _ => self.progress.tick(),
        }
        self.fill = 0;
        Ok(())
    }

    fn aggregate(&mut self, li: usize, r: usize, oc: u8, t: &Target<'a>) {
        let row = &self.chunk[r];
        self.akey.clear();
        self.akey.push(li as u32);
        self.akey.push(oc as u32);
        let ym = row.date.map(|d| d.year() * 12 + d.month() as i32 - 1);
        let group_by = if self.opts.group_by.is_empty() {
            &self.profile.group_by
        } else {
            &self.opts.group_by
        };
        let mut gi = 0;
        for g in group_by {
            let v = match g.as_str() {
                "month" => ym.map_or(u32::MAX, |m| m as u32),
                "jurisdiction" => match t {
                    Target::Law { pack, .. } => *pack as u32,
                    Target::Unmapped(_) => u32::MAX,
                },
                "agency" => row.agency.map_or(u32::MAX, u32::from),
                "law" => continue,
                _ => {
                    let v = row.cells_for_groups.get(gi).copied().unwrap_or(u32::MAX);
                    gi += 1;
                    v
                }
            };
            self.akey.push(v);
        }
        match self.agg.get_mut(self.akey.as_slice()) {
            Some(c) => *c += 1,
            None => {
                self.agg.insert(self.akey.clone().into_boxed_slice(), 1);
            }
        }
        if let Some(m) = ym {
            *self.monthly.entry((li, m, oc)).or_default() += 1;
        }
    }

    fn finish(mut self, input: &Path, started: Instant) -> Result<Summary, SimError> {
        let mapper = self.mapper.take().expect("header seen");
        let mut files = match self.writer.take() {
            Some(w) => w.finish()?,
            None => Vec::new(),
        };
        let group_by: Vec<String> = if self.opts.group_by.is_empty() {
            self.profile.group_by.clone()
        } else {
            self.opts.group_by.clone()
        };
        let labels: Vec<String> = self.laws.iter().map(|l| l.spec.label.clone()).collect();
        // Aggregate table.
        let mut rows: Vec<(Vec<String>, u64)> = Vec::with_capacity(self.agg.len());
        for (k, &count) in &self.agg {
            let mut cols = vec![
                labels[k[0] as usize].clone(),
                OUTCOMES[k[1] as usize].to_string(),
            ];
            let mut gi = 0;
            for (i, g) in group_by.iter().filter(|g| *g != "law").enumerate() {
                let v = k[2 + i];
                cols.push(match g.as_str() {
                    "month" => {
                        if v == u32::MAX {
                            String::new()
                        } else {
                            format!("{:04}-{:02}", v / 12, v % 12 + 1)
                        }
                    }
                    "jurisdiction" => self
                        .lib
                        .packs
                        .get(v as usize)
                        .map(|p| p.id.clone())
                        .unwrap_or_default(),
                    "agency" => mapper
                        .agency
                        .as_ref()
                        .and_then(|a| a.values.get(v as usize).cloned())
                        .unwrap_or_default(),
                    _ => {
                        let s = mapper
                            .group_values
                            .get(gi)
                            .and_then(|vals| vals.get(v as usize).cloned())
                            .unwrap_or_default();
                        gi += 1;
                        s
                    }
                });
            }
            rows.push((cols, count));
        }
        rows.sort();
        let mut header = vec!["law".to_string(), "outcome".to_string()];
        header.extend(group_by.iter().filter(|g| *g != "law").cloned());
        header.push("rows".into());
        files.push(out::write_csv(
            &self.opts.out_dir.join("aggregate.csv"),
            &header,
            rows.iter().map(|(c, n)| {
                let mut c = c.clone();
                c.push(n.to_string());
                c
            }),
        )?);
        // Impact.
        let mut impact: Vec<ImpactGroup> = self
            .impact
            .iter()
            .map(|(&(li, a, b, pa, pb), &rows)| ImpactGroup {
                from_law: labels[li - 1].clone(),
                to_law: labels[li].clone(),
                from_outcome: OUTCOMES[a as usize].into(),
                to_outcome: OUTCOMES[b as usize].into(),
                from_provisions: self
                    .prov_names
                    .get(pa as usize)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                to_provisions: self
                    .prov_names
                    .get(pb as usize)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                rows,
            })
            .collect();
        impact.sort_by(|x, y| {
            (
                &x.from_law,
                &x.to_law,
                std::cmp::Reverse(x.rows),
                &x.from_provisions,
            )
                .cmp(&(
                    &y.from_law,
                    &y.to_law,
                    std::cmp::Reverse(y.rows),
                    &y.from_provisions,
                ))
        });
        if labels.len() > 1 {
            let h: Vec<String> = [
                "from_law",
                "to_law",
                "from_outcome",
                "to_outcome",
                "from_provisions",
                "to_provisions",
                "rows",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            files.push(out::write_csv(
                &self.opts.out_dir.join("impact.csv"),
                &h,
                impact.iter().map(|g| {
                    vec![
                        g.from_law.clone(),
                        g.to_law.clone(),
                        g.from_outcome.clone(),
                        g.to_outcome.clone(),
                        g.from_provisions.clone(),
                        g.to_provisions.clone(),
                        g.rows.to_string(),
                    ]
                }),
            )?);
        }
        let mut notes = Vec::new();
        let mut warnings = Vec::new();
        if let Some(a) = &self.opts.agency {
            let n: u64 = self.agency_overridden.values().sum();
            if n > 0 {
                warnings.push(format!(
                    "--agency {a} overrides the profile's agency for {n} rows ({})",
                    self.agency_overridden
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        for l in &self.laws {
            let n: u64 = l.sum.decided_as_if_here.values().sum();
            if n > 0 {
                warnings.push(format!(
                    "{} decides {n} rows the profile places in another jurisdiction as if they were in {} ({}); use `--law profile@...` to decide each row under its own",
                    l.spec.label,
                    l.spec.jurisdiction.as_deref().unwrap_or("?"),
                    l.sum
                        .decided_as_if_here
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        for (col, vals, hits) in &mapper.filter_report {
            for (v, h) in vals.iter().zip(hits) {
                if *h == 0 {
                    warnings.push(format!("--where {col}={v} matches no row"));
                }
            }
        }
        let filters: Vec<String> = mapper
            .filter_report
            .iter()
            .map(|(c, v, _)| format!("{c}={}", v.join("|")))
            .collect();
        let facilities_used: Vec<(String, String, String, u64)> = mapper
            .facilities
            .as_ref()
            .map(|f| {
                f.rows
                    .iter()
                    .zip(&f.hits)
                    .filter(|(_, h)| **h > 0)
                    .map(|(r, h)| {
                        (
                            r.key.join(" / "),
                            r.jurisdiction.clone(),
                            r.agency.clone(),
                            *h,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let caption = crate::chart::Caption {
            input: input
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            profile: self.profile.name.clone(),
            rows: self.evaluated,
            filters: filters.clone(),
            assumptions: self
                .profile
                .assumptions
                .iter()
                .map(|a| a.id.clone())
                .collect(),
        };
        if self.opts.charts {
            let shares: Vec<(String, [u64; 5])> = self
                .laws
                .iter()
                .map(|l| {
                    let mut c = [0u64; 5];
                    for (i, o) in OUTCOMES.iter().enumerate() {
                        c[i] = l.sum.outcomes.get(*o).copied().unwrap_or(0);
                    }
                    (l.spec.label.clone(), c)
                })
                .collect();
            match crate::chart::charts(
                &self.opts.out_dir,
                &shares,
                &self.monthly,
                &labels,
                &caption,
            ) {
                Ok((f, mut n)) => {
                    files.extend(f);
                    notes.append(&mut n);
                }
                Err(e) => notes.push(format!("charts not drawn: {e}")),
            }
        }
        let mut columns = BTreeMap::new();
        for (i, s) in mapper.stats.iter().enumerate() {
            columns.insert(mapper.logical[i].clone(), s.clone());
        }
        let total = started.elapsed().as_secs_f64();
        let decide = self.decide_time.as_secs_f64();
        let mut laws: Vec<LawSummary> = self.laws.iter().map(|l| l.sum.clone()).collect();
        for l in &mut laws {
            if l.assumptions.is_empty() {
                l.assumptions = zero_counts(&mapper, self.profile);
            }
        }
        let mut summary = Summary {
            profile: self.profile.name.clone(),
            input: input.display().to_string(),
            engine_version: brightline::ENGINE_VERSION.to_string(),
            law_content_hash: self.lib.content_hash(),
            rows_read: mapper.rows_read,
            rows_filtered_out: mapper.rows_filtered,
            rows_evaluated: self.evaluated,
            laws,
            columns,
            impact,
            decisions: self.decisions,
            decide_seconds: decide,
            total_seconds: total,
            decide_rate: if decide > 0.0 {
                self.decisions as f64 / decide
            } else {
                0.0
            },
            rows_rate: if total > 0.0 {
                mapper.rows_read as f64 / total
            } else {
                0.0
            },
            distinct_fact_tuples_decided: self.distinct,
            peak_rss_kib: peak_rss_kib(),
            files,
            notes,
            warnings,
            filters,
            source: self.profile.source.clone(),
            facilities_used,
            kept_columns: mapper.keep_names.clone(),
        };
        let methods = self.opts.out_dir.join("methods.md");
        out::write_file(
            &methods,
            crate::methods::methods(&summary, self.profile, &mapper).as_bytes(),
        )?;
        summary.files.push(methods.display().to_string());
        summary
            .files
            .push(self.opts.out_dir.join("summary.json").display().to_string());
        summary
            .files
            .push(self.opts.out_dir.join("summary.txt").display().to_string());
        let json =
            serde_json::to_string_pretty(&summary).map_err(|e| SimError::Io(e.to_string()))?;
        out::write_file(&self.opts.out_dir.join("summary.json"), json.as_bytes())?;
        out::write_file(
            &self.opts.out_dir.join("summary.txt"),
            summary.to_text().as_bytes(),
        )?;
        Ok(summary)
    }
}

/// Peak resident set size of this process (Linux), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Summary {
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "Simulation of `{}` over {}", self.profile, self.input);
        for w in &self.warnings {
            let _ = writeln!(s, "WARNING: {w}");
        }
        if !self.filters.is_empty() {
            let _ = writeln!(s, "filters: {}", self.filters.join(", "));
        }
        let _ = writeln!(
            s,
            "engine {}, law packs {}",
            self.engine_version,
            &self.law_content_hash[..12.min(self.law_content_hash.len())]
        );
        let _ = writeln!(
            s,
            "rows read {}, filtered out {}, evaluated {}",
            self.rows_read, self.rows_filtered_out, self.rows_evaluated
        );
        for l in &self.laws {
            let _ = writeln!(s, "\nlaw {}", l.law);
            for o in OUTCOMES {
                if let Some(n) = l.outcomes.get(o) {
                    let pct = 100.0 * *n as f64 / self.rows_evaluated.max(1) as f64;
                    let _ = writeln!(s, "  {o:<13} {n:>10}  {pct:5.1}%");
                }
            }
            for (why, n) in &l.unmapped_reasons {
                let _ = writeln!(s, "  unmapped: {why}: {n}");
            }
            for (f, n) in &l.undetermined_needs {
                let _ = writeln!(s, "  undetermined rows needing {f}: {n}");
            }
            for a in &l.assumptions {
                let _ = writeln!(
                    s,
                    "  assumption {}: applied to {} rows, decided {} (outcome changes without it)",
                    a.id, a.applied, a.decided
                );
            }
            if l.bounds.rows > 0 {
                let _ = writeln!(
                    s,
                    "  over every completion of the missing facts ({} rows put to the law{}):",
                    l.bounds.rows,
                    if l.bounds.inexact_rows > 0 {
                        format!(
                            "; for {} the range may be wider than exact",
                            l.bounds.inexact_rows
                        )
                    } else {
                        String::new()
                    }
                );
                let mut parts: Vec<(String, &Bounds)> = vec![("all".into(), &l.bounds)];
                if l.bounds_by_jurisdiction.len() > 1 {
                    parts.extend(l.bounds_by_jurisdiction.iter().map(|(j, b)| (j.clone(), b)));
                }
                for (j, b) in parts {
                    for (i, name) in crate::bounds::SET_NAMES.iter().enumerate() {
                        if b.upper[i] == 0 {
                            continue;
                        }
                        let (lo, hi) = b.share(i);
                        let _ = writeln!(
                            s,
                            "    {j:<10} {name:<21} between {lo:5.1}% and {hi:5.1}% of {}",
                            b.rows
                        );
                    }
                }
            }
            if l.engine_disagreements > 0 {
                let _ = writeln!(
                    s,
                    "  ENGINE DISAGREEMENTS (fast path vs full decision): {}",
                    l.engine_disagreements
                );
            }
        }
        let _ = writeln!(s, "\ncolumns (blank / unknown values):");
        for (c, st) in &self.columns {
            let _ = write!(s, "  {c}: {} blank, {} unknown", st.blank, st.unknown);
            if !st.unknown_values.is_empty() {
                let mut top: Vec<(&String, &u64)> = st.unknown_values.iter().collect();
                top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let shown: Vec<String> = top
                    .iter()
                    .take(8)
                    .map(|(v, n)| format!("`{v}` {n}"))
                    .collect();
                let _ = write!(
                    s,
                    " ({}{})",
                    shown.join(", "),
                    if top.len() > 8 { ", ..." } else { "" }
                );
            }
            let _ = writeln!(s);
        }
        if !self.impact.is_empty() {
            let _ = writeln!(s, "\nrows that change outcome between consecutive laws:");
            for g in &self.impact {
                let _ = writeln!(
                    s,
                    "  {} -> {}: {} -> {}: {} rows  [{}] -> [{}]",
                    g.from_law,
                    g.to_law,
                    g.from_outcome,
                    g.to_outcome,
                    g.rows,
                    g.from_provisions,
                    g.to_provisions
                );
            }
        }
        let _ = writeln!(
            s,
            "\n{} decisions in {:.3}s of decision step ({:.0}/s); {:.3}s end to end ({:.0} rows/s); {} distinct fact tuples fully decided",
            self.decisions, self.decide_seconds, self.decide_rate, self.total_seconds, self.rows_rate, self.distinct_fact_tuples_decided
        );
        if let Some(k) = self.peak_rss_kib {
            let _ = writeln!(s, "peak RSS {} MiB", k / 1024);
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        let _ = writeln!(s, "files: {}", self.files.join(", "));
        s
    }
}

/// One zeroed count per assumption of the profile, in the profile's order.
fn zero_counts(mapper: &Mapper, profile: &Profile) -> Vec<AssumptionCount> {
    mapper
        .assumptions
        .iter()
        .zip(&profile.assumptions)
        .map(|(a, p)| AssumptionCount {
            id: a.id.clone(),
            reason: p.reason.clone(),
            applied: 0,
            decided: 0,
        })
        .collect()
}
