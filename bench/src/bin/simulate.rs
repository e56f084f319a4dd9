//! `cargo run --release -p brightline-bench --bin simulate [ROWS]`: simulate
//! throughput on the FY2015 release (79,053 rows) and on a synthetic file of
//! ROWS rows (default 10 million) built by repeating it, written to a temp
//! dir and removed afterwards. Prints rows/s for the decision step alone and
//! end to end, and peak RSS after each run (it must not grow with rows).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use brightline_sim::{set_threads, simulate, LawSpec, Options, RowsOut, Summary, Threads};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/ice-foia-fy2015/ice_lea_detainers_FY2015YTD.csv.gz")
}

fn run(input: &Path, out: &Path, rows: RowsOut) -> Result<Summary, String> {
    let lib = brightline::bundled().map_err(|_| "bundled packs do not load".to_string())?;
    let profile = brightline_sim::profile::resolve("ice-lesa-fy2015").map_err(|e| e.to_string())?;
    let opts = Options {
        laws: vec![LawSpec::parse("us-ny-nyc@row").map_err(|e| e.to_string())?],
        agency: Some("doc".into()),
        filters: Vec::new(),
        group_by: vec!["month".into(), "lift_reason".into()],
        out_dir: out.to_path_buf(),
        rows,
        charts: false,
        progress: false,
        keep: None,
    };
    simulate(lib, &profile, input, &opts).map_err(|e| e.to_string())
}

fn report(name: &str, s: &Summary) {
    println!(
        "{name}: {} rows; decision step {:.0} decisions/s ({:.3}s); end to end {:.0} rows/s ({:.2}s); peak RSS {} MiB",
        s.rows_read,
        s.decide_rate,
        s.decide_seconds,
        s.rows_rate,
        s.total_seconds,
        s.peak_rss_kib.unwrap_or(0) / 1024
    );
}

/// The layout's words, marked when it is the one this machine gets by default.
fn how(t: Threads) -> String {
    set_threads(None);
    let default = brightline_sim::threads::threads() == t;
    set_threads(Some(t));
    if default {
        format!("{} (default here)", t.describe())
    } else {
        t.describe().to_string()
    }
}

fn main() -> ExitCode {
    match go() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn go() -> Result<(), String> {
    let target: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().map_err(|_| format!("`{s}` is not a count")))
        .transpose()?
        .unwrap_or(10_000_000);
    let tmp = std::env::temp_dir().join(format!("brightline-sim-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    // The synthetic file is over a gigabyte at the default count: remove it
    // however the run ends.
    let _cleanup = RemoveOnDrop(tmp.clone());
    let none = RowsOut {
        csv: false,
        parquet: false,
    };
    let both = RowsOut {
        csv: true,
        parquet: true,
    };
    side_by_side()?;
    // End to end, reading on the deciding thread and on a thread of its own, alternately.
    for _ in 0..2 {
        for threads in Threads::ALL {
            set_threads(Some(threads));
            report(
                &format!("FY2015 csv.gz, no per-row output, {}", how(threads)),
                &run(&data(), &tmp.join("a"), none)?,
            );
        }
    }
    set_threads(None);
    report(
        &format!(
            "FY2015 csv.gz, per-row CSV+Parquet, {}",
            brightline_sim::threads::threads().describe()
        ),
        &run(&data(), &tmp.join("b"), both)?,
    );

    // The synthetic file: the release's rows repeated until `target` rows.
    let big = tmp.join("synthetic.csv");
    {
        let f = std::fs::File::open(data()).map_err(|e| e.to_string())?;
        let lines: Vec<String> = BufReader::new(flate2::read::GzDecoder::new(f))
            .lines()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        let (header, rows) = lines.split_first().ok_or("empty file")?;
        let mut w = BufWriter::new(std::fs::File::create(&big).map_err(|e| e.to_string())?);
        writeln!(w, "{header}").map_err(|e| e.to_string())?;
        for i in 0..target {
            writeln!(w, "{}", rows[(i % rows.len() as u64) as usize]).map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    let size = std::fs::metadata(&big).map(|m| m.len()).unwrap_or(0);
    println!("synthetic file: {target} rows, {} MiB", size >> 20);
    for _ in 0..2 {
        for threads in Threads::ALL {
            set_threads(Some(threads));
            report(
                &format!("synthetic csv, no per-row output, {}", how(threads)),
                &run(&big, &tmp.join("c"), none)?,
            );
        }
    }
    set_threads(None);
    report(
        &format!(
            "synthetic csv, per-row CSV+Parquet, {}",
            brightline_sim::threads::threads().describe()
        ),
        &run(&big, &tmp.join("d"), both)?,
    );
    Ok(())
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The decision step alone, on the same requests, row by row and by column: the
/// FY2015 release mapped through its profile (NYC law of each row's date, agency
/// DOC), repeated to 400,000 requests; best of three passes each, one thread.
fn side_by_side() -> Result<(), String> {
    use brightline::{Facts, LawVersion, Outcome};
    use brightline_sim::batch::{decide_columns, decide_columns_memo, Columns, Memos};
    use brightline_sim::map::mapped_rows;
    use std::time::Instant;

    let lib = brightline::bundled().map_err(|_| "bundled packs do not load".to_string())?;
    let profile = brightline_sim::profile::resolve("ice-lesa-fy2015").map_err(|e| e.to_string())?;
    let pack = lib.jurisdiction("us-ny-nyc").map_err(|e| e.message)?;
    let role = lib.agency(pack, "doc").map_err(|e| e.message)? as brightline::Val;
    let (rows, mapper) = mapped_rows(lib, &profile, &data()).map_err(|e| e.to_string())?;
    let n = 400_000;
    let mut facts: Vec<Facts> = Vec::with_capacity(n);
    let mut laws: Vec<&LawVersion> = Vec::with_capacity(n);
    for i in 0..n {
        let (f, d) = &rows[i % rows.len()];
        let mut f = f.clone();
        f.scalars[brightline::schema::DATE] = brightline_core::facts::date_value(*d);
        f.scalars[brightline::schema::AGENCY] = role;
        laws.push(lib.law(pack, *d).map_err(|e| e.message)?);
        facts.push(f);
    }
    let mut cols = Columns::new(mapper.scalar_slots());
    for f in &facts {
        if !cols.push(f) {
            return Err("a request the columns cannot hold".into());
        }
    }
    let best = |f: &mut dyn FnMut() -> Vec<Outcome>| -> (f64, Vec<Outcome>) {
        let mut t = f64::MAX;
        let mut out = Vec::new();
        for _ in 0..3 {
            let s = Instant::now();
            out = f();
            t = t.min(s.elapsed().as_secs_f64());
        }
        (t, out)
    };
    let (row_t, row_out) = best(&mut || {
        facts
            .iter()
            .zip(&laws)
            .map(|(f, l)| brightline::outcome(l, f))
            .collect()
    });
    let (col_t, col_out) = best(&mut || {
        let mut out = Vec::with_capacity(n);
        let mut s = 0;
        while s < n {
            let mut e = s + 1;
            while e < n && std::ptr::eq(laws[e], laws[s]) {
                e += 1;
            }
            decide_columns(laws[s], &cols, s..e, &mut out);
            s = e;
        }
        out
    });
    let (memo_t, memo_out) = best(&mut || {
        let mut out = Vec::with_capacity(n);
        let mut memos = Memos::default();
        let mut s = 0;
        while s < n {
            let mut e = s + 1;
            while e < n && std::ptr::eq(laws[e], laws[s]) {
                e += 1;
            }
            decide_columns_memo(laws[s], &cols, s..e, &mut memos, &mut out);
            s = e;
        }
        out
    });
    if row_out != col_out || row_out != memo_out {
        return Err("the row, column and memoized batch paths disagree".into());
    }
    println!(
        "decision step, {n} requests (FY2015 rows repeated), one thread: row by row {:.1} M/s, by column {:.1} M/s, by column memoized per fact tuple (core batch) {:.1} M/s ({} columns)",
        n as f64 / row_t / 1e6,
        n as f64 / col_t / 1e6,
        n as f64 / memo_t / 1e6,
        cols.slots.len()
    );
    Ok(())
}
