//! `brightline simulate`: decide every row of a record file under one or more laws.

use std::path::PathBuf;
use std::process::ExitCode;

use brightline::Library;
use brightline_sim::{LawSpec, Options, RowsOut};

#[derive(clap::Args)]
pub struct SimulateArgs {
    /// The records: .csv, .csv.gz, .parquet or .xlsx.
    pub input: PathBuf,
    /// A profile file, or the name of a shipped one (ice-lesa-fy2015, ice-lesa-pennsylvania, ddp-detainers).
    #[arg(long)]
    pub profile: String,
    /// JURISDICTION@DATE, repeatable: DATE is YYYY-MM-DD or `row` (each row's own date);
    /// JURISDICTION is a pack id or `profile` (the profile's mapping of rows to jurisdictions).
    /// With several, rows that change outcome between consecutive laws are reported.
    #[arg(long = "law", id = "law", required = true)]
    pub law: Vec<String>,
    /// The agency that received every request (an alias such as `doc`, or a role), instead of
    /// the profile's; the summary warns with the number of rows whose mapped agency it replaced.
    #[arg(long)]
    pub agency: Option<String>,
    /// Keep only rows whose COLUMN (a profile column) is one of the values: COLUMN=V1|V2. Repeatable.
    /// Filters that keep no row are an error (exit 2) naming the closest values present.
    #[arg(long = "where", value_name = "COLUMN=VALUES")]
    pub filters: Vec<String>,
    /// Group the aggregate by these columns (comma-separated): profile columns, month, jurisdiction, agency.
    #[arg(long, value_delimiter = ',')]
    pub group_by: Vec<String>,
    /// Output folder.
    #[arg(long, default_value = "simulation")]
    pub out: PathBuf,
    /// Per-row decisions to write.
    #[arg(long, value_parser = ["both", "csv", "parquet", "none"], default_value = "both")]
    pub rows: String,
    /// Skip the SVG and PNG charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Source columns to carry into the per-row CSV and Parquet beside each decision
    /// (the file's own headers, comma-separated), or `all`.
    #[arg(long, value_name = "COL,…|all")]
    pub keep: Option<String>,
    /// No progress bar even on a terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Where the work runs: `auto` (reading and mapping on a second thread when the
    /// machine has two cores or more), `one`, `reader`, `mapper` or `reader+mapper`.
    /// Every choice writes the same files.
    #[arg(long, value_parser = ["auto", "one", "reader", "mapper", "reader+mapper"], default_value = "auto")]
    pub threads: String,
}

pub fn run(args: SimulateArgs, lib: &Library) -> Result<ExitCode, String> {
    let profile = brightline_sim::profile::resolve(&args.profile).map_err(|e| e.to_string())?;
    let laws = args
        .law
        .iter()
        .map(|l| LawSpec::parse(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let mut filters = Vec::new();
    for f in &args.filters {
        let (c, v) = f
            .split_once('=')
            .ok_or_else(|| format!("--where `{f}`: write COLUMN=VALUE (values separated by |)"))?;
        filters.push((
            c.trim().to_string(),
            v.split('|').map(|s| s.to_string()).collect(),
        ));
    }
    let rows = match args.rows.as_str() {
        "csv" => RowsOut {
            csv: true,
            parquet: false,
        },
        "parquet" => RowsOut {
            csv: false,
            parquet: true,
        },
        "none" => RowsOut {
            csv: false,
            parquet: false,
        },
        _ => RowsOut {
            csv: true,
            parquet: true,
        },
    };
    let opts = Options {
        laws,
        agency: args.agency,
        filters,
        group_by: args.group_by,
        out_dir: args.out,
        rows,
        charts: !args.no_charts,
        progress: !args.quiet,
        keep: args.keep.as_deref().map(|k| {
            if k.trim() == "all" {
                Vec::new()
            } else {
                k.split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect()
            }
        }),
    };
    brightline_sim::set_threads(brightline_sim::Threads::parse(&args.threads));
    let summary =
        brightline_sim::simulate(lib, &profile, &args.input, &opts).map_err(|e| e.to_string())?;
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", summary.to_text());
    }
    let bad = summary.laws.iter().any(|l| l.engine_disagreements > 0);
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
