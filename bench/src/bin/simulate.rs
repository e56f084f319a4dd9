//! `cargo run --release -p brightline-bench --bin simulate [ROWS]`: simulate
//! throughput on the FY2015 release (79,053 rows) and on a synthetic file of
//! ROWS rows (default 10 million) built by repeating it, written to a temp
//! dir and removed afterwards. Prints rows/s for the decision step alone and
//! end to end, and peak RSS after each run (it must not grow with rows).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use brightline_sim::{simulate, LawSpec, Options, RowsOut, Summary};

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
    let none = RowsOut {
        csv: false,
        parquet: false,
    };
    let both = RowsOut {
        csv: true,
        parquet: true,
    };
    report(
        "FY2015 csv.gz, no per-row output",
        &run(&data(), &tmp.join("a"), none)?,
    );
    report(
        "FY2015 csv.gz, per-row CSV+Parquet",
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
    report(
        "synthetic csv, no per-row output",
        &run(&big, &tmp.join("c"), none)?,
    );
    report(
        "synthetic csv, per-row CSV+Parquet",
        &run(&big, &tmp.join("d"), both)?,
    );
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}
