//! The simulation driver: stream rows in chunks through the mapper and the
//! engine, and keep only bounded state (a decision cache and the aggregate
//! tables). Where a row goes is `target`, the cache of full decisions
//! `cache`, the tables `aggregate`, and what is reported `summary`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use brightline::schema;
use brightline::{LawVersion, Library, Outcome};
use time::Date;

use crate::aggregate::{self, Aggregates};
use crate::batch::{decide_columns_memo, Columns, Memos};
use crate::bounds::{Engine, Possible};
use crate::cache::{Detail, DetailCache};
use crate::map::{Mapped, Mapper};
use crate::out::{self, RowWriter};
use crate::profile::Profile;
use crate::read::{self, Cells, Visitor};
use crate::summary::{code, zero_counts, UNMAPPED};
use crate::target::{Agency, LawCtx, Target};
use crate::SimError;

pub use crate::out::RowsOut;
pub use crate::summary::{
    peak_rss_kib, AssumptionCount, ImpactGroup, LawSummary, Summary, OUTCOMES,
};

const CHUNK: usize = 4096;

/// A chunk of mapped rows handed from the mapping thread to the deciding one.
enum Ahead {
    /// The profile bound to the header (a copy: the mapping thread keeps counting in its own).
    Header(Box<Mapper>),
    /// Mapped rows; only the first `.1` are this chunk's.
    Rows(Vec<Mapped>, usize),
}

/// The mapping thread's visitor: maps rows into chunks and sends them on, in order.
struct MapStage<'a> {
    lib: &'a Library,
    profile: &'a Profile,
    opts: &'a Options,
    use_jurisdiction: bool,
    mapper: Option<Mapper>,
    chunk: Vec<Mapped>,
    fill: usize,
    tx: SyncSender<Ahead>,
    back: Receiver<Vec<Mapped>>,
}

/// The mapping thread stops reading when the deciding thread has stopped (on its error).
fn stopped() -> SimError {
    SimError::Io("the deciding thread stopped".into())
}

impl MapStage<'_> {
    fn send(&mut self) -> Result<(), SimError> {
        if self.fill == 0 {
            return Ok(());
        }
        let next = self
            .back
            .try_recv()
            .unwrap_or_else(|_| (0..CHUNK).map(|_| Mapped::new()).collect());
        let full = std::mem::replace(&mut self.chunk, next);
        let n = std::mem::take(&mut self.fill);
        self.tx.send(Ahead::Rows(full, n)).map_err(|_| stopped())
    }
}

impl Visitor for MapStage<'_> {
    fn header(&mut self, headers: &[String]) -> Result<(), SimError> {
        let m = new_mapper(
            self.lib,
            self.profile,
            self.opts,
            self.use_jurisdiction,
            headers,
        )?;
        self.tx
            .send(Ahead::Header(Box::new(m.clone())))
            .map_err(|_| stopped())?;
        self.mapper = Some(m);
        Ok(())
    }

    fn row(&mut self, cells: &Cells<'_>) -> Result<(), SimError> {
        if fill_chunk(
            self.mapper.as_mut(),
            self.lib,
            cells,
            &mut self.chunk,
            &mut self.fill,
        ) {
            self.send()?;
        }
        Ok(())
    }
}

/// Maps a row into the next free slot of the chunk (a row the profile drops
/// takes none); true when the chunk is full and must be handed on.
fn fill_chunk(
    mapper: Option<&mut Mapper>,
    lib: &Library,
    cells: &Cells<'_>,
    chunk: &mut [Mapped],
    fill: &mut usize,
) -> bool {
    let Some(m) = mapper else {
        return false;
    };
    if m.map(cells, lib, &mut chunk[*fill]) {
        *fill += 1;
    }
    *fill == CHUNK
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
    cache: DetailCache,
    aggs: Aggregates,
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
    /// Each law version's decided fact tuples (the batch path's memo).
    memos: Memos,
    /// Rows that take the row path (list facts, or slots the columns do not hold).
    row_path: Vec<(usize, &'a LawVersion)>,
    decide_time: Duration,
    decisions: u64,
    evaluated: u64,
    progress: indicatif::ProgressBar,
    jur_values: Vec<String>,
    /// The input position of the last row flushed (for the progress bar).
    rows_seen: u64,
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
    let threads = crate::threads::threads();
    if threads.maps_ahead() {
        sim.map_ahead(input, counter, threads.reads_ahead())?;
    } else {
        read::read_counted(
            input,
            profile.sheet.as_deref(),
            &mut sim,
            Some(counter),
            threads.reads_ahead(),
        )?;
    }
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
            laws.push(LawCtx::new(spec, pack));
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
            cache: DetailCache::default(),
            aggs: Aggregates::default(),
            writer: None,
            possible,
            agency_overridden: BTreeMap::new(),
            bytes: None,
            decide_time: Duration::ZERO,
            decisions: 0,
            evaluated: 0,
            progress,
            jur_values: Vec::new(),
            rows_seen: 0,
            collect: None,
            cols: Columns::default(),
            col_rows: Vec::new(),
            col_law: Vec::new(),
            col_out: Vec::new(),
            memos: Memos::default(),
            row_path: Vec::new(),
        })
    }

    /// Whether some `--law` decides rows under the profile's own jurisdiction mapping.
    fn uses_profile_jurisdiction(&self) -> bool {
        self.laws.iter().any(|l| l.pack.is_none())
    }

    fn group_by(&self) -> &'a [String] {
        if self.opts.group_by.is_empty() {
            &self.profile.group_by
        } else {
            &self.opts.group_by
        }
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
        let m = new_mapper(
            self.lib,
            self.profile,
            self.opts,
            self.uses_profile_jurisdiction(),
            headers,
        )?;
        self.bind(m)
    }

    fn row(&mut self, cells: &Cells<'_>) -> Result<(), SimError> {
        if fill_chunk(
            self.mapper.as_mut(),
            self.lib,
            cells,
            &mut self.chunk,
            &mut self.fill,
        ) {
            self.flush()?;
        }
        Ok(())
    }
}

/// The profile bound to a file's header, as a run of `opts` under `laws` uses it.
fn new_mapper(
    lib: &Library,
    profile: &Profile,
    opts: &Options,
    use_jurisdiction: bool,
    headers: &[String],
) -> Result<Mapper, SimError> {
    let group_by = if opts.group_by.is_empty() {
        &profile.group_by
    } else {
        &opts.group_by
    };
    let mut m = Mapper::new(
        profile,
        headers,
        lib,
        &opts.filters,
        group_by,
        opts.keep.as_deref(),
    )?;
    // The mapping is read even when a law or `--agency` overrides it, so the override
    // can be counted; its unknown values are counted only when the run relies on it.
    m.use_jurisdiction = use_jurisdiction;
    m.use_agency = true;
    Ok(m)
}

impl Sim<'_> {
    /// Reads and maps the input on a thread of its own while this one decides, counts
    /// and writes chunk after chunk in input order. At the end the mapper is the
    /// mapping thread's, with its counts of every row.
    fn map_ahead(
        &mut self,
        input: &Path,
        counter: read::ByteCount,
        read_ahead: bool,
    ) -> Result<(), SimError> {
        let (tx, rx) = sync_channel::<Ahead>(2);
        let (back_tx, back) = sync_channel::<Vec<Mapped>>(4);
        let stage = MapStage {
            lib: self.lib,
            profile: self.profile,
            opts: self.opts,
            use_jurisdiction: self.uses_profile_jurisdiction(),
            mapper: None,
            chunk: (0..CHUNK).map(|_| Mapped::new()).collect(),
            fill: 0,
            tx,
            back,
        };
        let sheet = self.profile.sheet.as_deref();
        std::thread::scope(|s| {
            let mapping = s.spawn(move || {
                let mut stage = stage;
                read::read_counted(input, sheet, &mut stage, Some(counter), read_ahead)?;
                stage.send()?;
                Ok::<_, SimError>(stage.mapper)
            });
            let mut failed = None;
            // `rx` moves in: when deciding fails it is dropped, and the mapping thread stops.
            for msg in rx {
                let r = match msg {
                    Ahead::Header(m) => self.bind(*m),
                    Ahead::Rows(rows, n) => {
                        let done = std::mem::replace(&mut self.chunk, rows);
                        self.fill = n;
                        let r = self.flush();
                        // The mapping thread may have finished; then the buffers are not wanted.
                        let _ = back_tx.try_send(done);
                        r
                    }
                };
                if let Err(e) = r {
                    failed = Some(e);
                    break;
                }
            }
            let mapped = mapping
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            if let Some(e) = failed {
                return Err(e);
            }
            self.mapper = mapped?;
            Ok(())
        })
    }

    /// Sets the run up for the mapper of the file's header: the decision step's
    /// columns, the per-row writer, and the packs of the profile's jurisdictions.
    fn bind(&mut self, m: Mapper) -> Result<(), SimError> {
        self.cols = Columns::new(m.scalar_slots());
        self.writer = Some(RowWriter::create(
            &self.opts.out_dir,
            self.opts.rows,
            &m.keep_names,
            self.laws.iter().map(|l| l.spec.label.clone()).collect(),
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
}

impl<'a> Sim<'a> {
    /// Decides the chunk's rows under every law, counts them, and writes them out.
    fn flush(&mut self) -> Result<(), SimError> {
        let n = self.fill;
        if n == 0 {
            return Ok(());
        }
        self.rows_seen = self.chunk[n - 1].row;
        let nl = self.laws.len();
        for li in 0..nl {
            self.place(li, n);
            self.decide(li, n);
            self.account(li, n);
        }
        // Law-change impact between consecutive laws.
        for li in 1..nl {
            for r in 0..n {
                let (a, b) = (self.outcomes[li - 1][r], self.outcomes[li][r]);
                if a == b {
                    continue;
                }
                let prov = |d: &Option<Arc<Detail>>| d.as_ref().map_or(u32::MAX, |d| d.prov_id);
                let (pa, pb) = (prov(&self.details[li - 1][r]), prov(&self.details[li][r]));
                self.aggs.add_change(li, a, b, pa, pb);
            }
        }
        self.collect_rows(n);
        self.write_rows(n)?;
        self.evaluated += n as u64;
        self.show_progress();
        self.fill = 0;
        Ok(())
    }

    /// Where each of the chunk's first `n` rows goes under law `li`.
    fn place(&mut self, li: usize, n: usize) {
        let mut t = std::mem::take(&mut self.targets[li]);
        t.clear();
        let agency = Agency {
            over: self.opts.agency.as_deref(),
            names: self
                .mapper
                .as_ref()
                .and_then(|m| m.agency.as_ref())
                .map_or(&[][..], |c| &c.values[..]),
        };
        for r in 0..n {
            let overridden = (li == 0).then_some(&mut self.agency_overridden);
            t.push(self.laws[li].target(self.lib, &self.chunk[r], &agency, overridden));
        }
        self.targets[li] = t;
    }

    /// The decision step: the fast path over the chunk's facts by column, run by run
    /// of one law (the row path for rows with list facts), into `outcomes[li]`.
    fn decide(&mut self, li: usize, n: usize) {
        let t = &self.targets[li];
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
        let start = Instant::now();
        self.col_out.clear();
        let mut s = 0;
        while s < self.cols.len {
            let law = self.col_law[s];
            let mut e = s + 1;
            while e < self.cols.len && std::ptr::eq(self.col_law[e], law) {
                e += 1;
            }
            decide_columns_memo(law, &self.cols, s..e, &mut self.memos, &mut self.col_out);
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
    }

    /// Full decisions (cached), assumptions and aggregates of the chunk under law `li`.
    fn account(&mut self, li: usize, n: usize) {
        let t = std::mem::take(&mut self.targets[li]);
        let mut det = std::mem::take(&mut self.details[li]);
        det.clear();
        let group_by = self.group_by();
        for (r, tg) in t.iter().enumerate().take(n) {
            let oc = self.outcomes[li][r];
            let sum = &mut self.laws[li].sum;
            let d = match tg {
                Target::Law {
                    pack,
                    law,
                    date,
                    role,
                } => {
                    let row = &mut self.chunk[r];
                    row.facts.scalars[schema::DATE] = *date;
                    row.facts.scalars[schema::AGENCY] = *role;
                    let d = self
                        .cache
                        .detail(self.lib, self.possible, *pack, law, &row.facts);
                    aggregate::count_decided(sum, self.lib, *pack, &d, oc);
                    if row.assumed != 0 {
                        let mapper = self.mapper.as_ref().expect("header seen");
                        let without =
                            self.cache
                                .without(*pack, law, &row.facts, row.assumed, mapper);
                        aggregate::count_assumptions(
                            sum,
                            mapper,
                            self.profile,
                            row.assumed,
                            without,
                            oc,
                        );
                    }
                    Some(d)
                }
                Target::Unmapped(why) => {
                    *sum.unmapped_reasons.entry(why.to_string()).or_default() += 1;
                    None
                }
            };
            *sum.outcomes
                .entry(OUTCOMES[oc as usize].to_string())
                .or_default() += 1;
            self.aggs.add(li, &self.chunk[r], oc, tg, group_by);
            det.push(d);
        }
        self.details[li] = det;
        self.targets[li] = t;
    }

    /// Keeps the chunk's per-row results in memory (the batch path).
    fn collect_rows(&mut self, n: usize) {
        let Some(c) = self.collect.as_mut() else {
            return;
        };
        for r in 0..n {
            c.row.push(self.chunk[r].row);
            for li in 0..self.laws.len() {
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

    /// Writes the chunk's per-row decisions.
    fn write_rows(&mut self, n: usize) -> Result<(), SimError> {
        let Some(w) = self.writer.as_mut() else {
            return Ok(());
        };
        for r in 0..n {
            for li in 0..self.laws.len() {
                let note = match (&self.details[li][r], &self.targets[li][r]) {
                    (None, Target::Unmapped(why)) => why,
                    _ => "",
                };
                w.write(
                    self.chunk[r].row,
                    li,
                    self.outcomes[li][r] as usize,
                    self.details[li][r].as_deref(),
                    note,
                    &self.chunk[r].kept,
                )?;
            }
        }
        Ok(())
    }

    fn show_progress(&mut self) {
        match &self.bytes {
            Some(b) if self.progress.length().is_some() => {
                self.progress.set_position(b.get());
                let secs = self.progress.elapsed().as_secs_f64();
                let read = self.rows_seen;
                if secs > 0.0 {
                    self.progress
                        .set_message(format!("{read} rows  {:.0} rows/s", read as f64 / secs));
                }
            }
            _ => self.progress.tick(),
        }
    }
}

impl Sim<'_> {
    /// Writes the tables, charts, methods and summary of the run.
    fn finish(mut self, input: &Path, started: Instant) -> Result<Summary, SimError> {
        let mapper = self.mapper.take().expect("header seen");
        let mut files = match self.writer.take() {
            Some(w) => w.finish()?,
            None => Vec::new(),
        };
        let group_by = self.group_by().to_vec();
        let labels: Vec<String> = self.laws.iter().map(|l| l.spec.label.clone()).collect();
        let dir = &self.opts.out_dir;
        files.push(self.aggs.write_table(
            &dir.join("aggregate.csv"),
            &labels,
            &group_by,
            self.lib,
            &mapper,
        )?);
        let impact = self.aggs.impact_groups(&labels, &self.cache.prov_names);
        if labels.len() > 1 {
            files.push(aggregate::write_impact(&dir.join("impact.csv"), &impact)?);
        }
        let filters: Vec<String> = mapper
            .filter_report
            .iter()
            .map(|(c, v, _)| format!("{c}={}", v.join("|")))
            .collect();
        let mut notes = Vec::new();
        if self.opts.charts {
            self.charts(input, &labels, &filters, &mut files, &mut notes);
        }
        let total = started.elapsed().as_secs_f64();
        let decide = self.decide_time.as_secs_f64();
        let mut laws: Vec<LawSummary> = self.laws.iter().map(|l| l.sum.clone()).collect();
        for l in &mut laws {
            if l.assumptions.is_empty() {
                l.assumptions = zero_counts(&mapper, self.profile);
            }
        }
        let summary = Summary {
            profile: self.profile.name.clone(),
            input: input.display().to_string(),
            engine_version: brightline::ENGINE_VERSION.to_string(),
            law_content_hash: self.lib.content_hash(),
            rows_read: mapper.rows_read,
            rows_filtered_out: mapper.rows_filtered,
            rows_evaluated: self.evaluated,
            laws,
            columns: mapper
                .stats
                .iter()
                .enumerate()
                .map(|(i, s)| (mapper.logical[i].clone(), s.clone()))
                .collect(),
            impact,
            decisions: self.decisions,
            decide_seconds: decide,
            total_seconds: total,
            decide_rate: rate(self.decisions, decide),
            rows_rate: rate(mapper.rows_read, total),
            distinct_fact_tuples_decided: self.cache.distinct,
            peak_rss_kib: peak_rss_kib(),
            files,
            notes,
            warnings: self.warnings(&mapper),
            filters,
            source: self.profile.source.clone(),
            facilities_used: facilities_used(&mapper),
            kept_columns: mapper.keep_names.clone(),
        };
        self.write_summary(summary, &mapper)
    }

    /// Draws the charts, adding their files (or why they were not drawn).
    fn charts(
        &self,
        input: &Path,
        labels: &[String],
        filters: &[String],
        files: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) {
        let caption = crate::chart::Caption {
            input: input
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            profile: self.profile.name.clone(),
            rows: self.evaluated,
            filters: filters.to_vec(),
            assumptions: self
                .profile
                .assumptions
                .iter()
                .map(|a| a.id.clone())
                .collect(),
        };
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
        let monthly = &self.aggs.monthly;
        match crate::chart::charts(&self.opts.out_dir, &shares, monthly, labels, &caption) {
            Ok((f, mut n)) => {
                files.extend(f);
                notes.append(&mut n);
            }
            Err(e) => notes.push(format!("charts not drawn: {e}")),
        }
    }

    /// What the reader must know before trusting the numbers.
    fn warnings(&self, mapper: &Mapper) -> Vec<String> {
        let mut warnings = Vec::new();
        let list = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(a) = &self.opts.agency {
            let n: u64 = self.agency_overridden.values().sum();
            if n > 0 {
                warnings.push(format!(
                    "--agency {a} overrides the profile's agency for {n} rows ({})",
                    list(&self.agency_overridden)
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
                    list(&l.sum.decided_as_if_here)
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
        warnings
    }

    /// Writes `methods.md`, `summary.json` and `summary.txt`.
    fn write_summary(&self, mut summary: Summary, mapper: &Mapper) -> Result<Summary, SimError> {
        let dir = &self.opts.out_dir;
        let methods = dir.join("methods.md");
        out::write_file(
            &methods,
            crate::methods::methods(&summary, self.profile, mapper).as_bytes(),
        )?;
        summary.files.push(methods.display().to_string());
        summary
            .files
            .push(dir.join("summary.json").display().to_string());
        summary
            .files
            .push(dir.join("summary.txt").display().to_string());
        let json =
            serde_json::to_string_pretty(&summary).map_err(|e| SimError::Io(e.to_string()))?;
        out::write_file(&dir.join("summary.json"), json.as_bytes())?;
        out::write_file(&dir.join("summary.txt"), summary.to_text().as_bytes())?;
        Ok(summary)
    }
}

fn rate(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

/// Rows placed by each row of the profile's facility table that placed any.
fn facilities_used(mapper: &Mapper) -> Vec<(String, String, String, u64)> {
    mapper
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
        .unwrap_or_default()
}
