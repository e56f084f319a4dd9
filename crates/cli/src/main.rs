//! `brightline`: decide requests, check law packs, read the law as of a date.
// The decision schema is one `serde_json::json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use brightline::{Diagnostic, Library, PackSource, Severity, SourceFile};
use clap::{Parser, Subcommand, ValueEnum};

mod compare;
mod fresh;
mod jsonschema;
mod log;
mod map;
mod serve;
mod show;
mod simulate;
mod token;

#[derive(Parser)]
#[command(
    name = "brightline",
    version,
    about = "Cited, dated rules on local cooperation with federal civil immigration enforcement. Not legal advice."
)]
struct Cli {
    /// Load law packs from this folder instead of the bundled ones.
    #[arg(long, global = true, value_name = "DIR")]
    laws: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Cmd {
    /// Decide a request (a JSON file, or `-` for standard input).
    Check {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Decide as of this date instead of the request's own `date`.
        #[arg(long)]
        date: Option<String>,
        /// In text format, also print every rule considered and each condition it tested.
        #[arg(long)]
        trace: bool,
        /// Also write the one-page decision memo: a PDF, or HTML if the name ends in .html.
        #[arg(long, value_name = "FILE")]
        memo: Option<PathBuf>,
    },
    /// Check law packs like a compiler: syntax, names, types, conflicts, reachability, worked examples.
    Lint {
        /// A folder of packs, or one pack folder (its siblings are loaded as parents). Default: the bundled packs.
        path: Option<PathBuf>,
        /// The day pack freshness is measured from (default: today, UTC).
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
    },
    /// Show the law of a jurisdiction in force on a date, as readable text.
    Show {
        jurisdiction: String,
        #[arg(long)]
        date: String,
    },
    /// List every version of a jurisdiction's law and every court event, with dates;
    /// with --changes-since, every provision, court event and pack note dated after a day.
    History {
        /// The jurisdiction (with --changes-since: default every pack).
        jurisdiction: Option<String>,
        /// List what is dated after this day (YYYY-MM-DD), across the library.
        #[arg(long, value_name = "DATE")]
        changes_since: Option<String>,
        /// With --changes-since: text or json.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the JSON Schema of the request or decision contract.
    Schema {
        #[arg(value_parser = ["request", "decision"])]
        which: String,
    },
    /// Decide every row of a record file (CSV, CSV.gz, Parquet, xlsx) through a profile, under one or more laws.
    Simulate(simulate::SimulateArgs),
    /// Serve the decision API and web console, logging every decision (docs/api.md).
    Serve(serve::ServeArgs),
    /// Create, list and revoke API tokens.
    Token(token::TokenArgs),
    /// Verify the decision log's hash chain, or replay a logged decision.
    Log(log::LogArgs),
    /// Compare jurisdictions × request kinds: what each law does with each kind, with citations.
    Compare(compare::CompareArgs),
    /// Every region of the fact space where two laws (`JURISDICTION@DATE`) decide differently.
    Diff(compare::DiffArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Failure::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Laws(diags)) => {
            print_diags(&diags);
            eprintln!("error: the law packs do not load; run `brightline lint` for details");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    /// Bad input: exit 2 with one line naming the field.
    Input(String),
    Laws(Vec<Diagnostic>),
}

fn library(laws: &Option<PathBuf>) -> Result<Arc<LibraryRef>, Failure> {
    match laws {
        None => brightline::bundled()
            .map(|l| Arc::new(LibraryRef::Static(l)))
            .map_err(|d| Failure::Laws(d.to_vec())),
        Some(dir) => {
            let sources = read_packs(dir).map_err(Failure::Input)?;
            brightline::load(&sources)
                .map(|l| Arc::new(LibraryRef::Owned(Box::new(l))))
                .map_err(Failure::Laws)
        }
    }
}

enum LibraryRef {
    Static(&'static Library),
    Owned(Box<Library>),
}

impl std::ops::Deref for LibraryRef {
    type Target = Library;
    fn deref(&self) -> &Library {
        match self {
            LibraryRef::Static(l) => l,
            LibraryRef::Owned(l) => l,
        }
    }
}

/// Reads every pack under `dir` (or, if `dir` is itself a pack, under its parent).
pub fn read_packs(dir: &Path) -> Result<Vec<PackSource>, String> {
    let root = if dir.join("pack.toml").is_file() {
        dir.parent().unwrap_or(dir).to_path_buf()
    } else {
        dir.to_path_buf()
    };
    let entries =
        std::fs::read_dir(&root).map_err(|e| format!("cannot read {}: {e}", root.display()))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("pack.toml").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(format!(
            "no law packs (folders with a pack.toml) in {}",
            root.display()
        ));
    }
    let mut out = Vec::new();
    for d in dirs {
        let mut files = Vec::new();
        walk(&d, &mut files)?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        out.push(PackSource {
            dir: d.display().to_string(),
            files,
        });
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<SourceFile>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("md" | "toml" | "csv" | "json")
        ) {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            out.push(SourceFile {
                path: p.display().to_string(),
                text: Arc::from(text),
            });
        }
    }
    Ok(())
}

pub fn render(d: &Diagnostic, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut s = String::new();
    let _ = handler.render_report(&mut s, d);
    format!("{}\n{s}", d.location())
}

fn print_diags(diags: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal();
    for d in diags {
        eprintln!("{}", render(d, color));
    }
}

fn read_request(file: &Path) -> Result<serde_json::Value, Failure> {
    let text = if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Input(format!("cannot read standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| Failure::Input(format!("cannot read {}: {e}", file.display())))?
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure::Input(format!(
            "(request): not valid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

fn parse_date(s: &str, field: &str) -> Result<time::Date, Failure> {
    brightline::parse_date(s)
        .ok_or_else(|| Failure::Input(format!("{field}: `{s}` is not a date; write YYYY-MM-DD")))
}

fn check(
    laws: &Option<PathBuf>,
    file: PathBuf,
    format: Format,
    date: Option<String>,
    trace: bool,
    memo: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    let lib = library(laws)?;
    let mut req = read_request(&file)?;
    // A case reference identifies a person; rules never read it.
    if let Some(o) = req.as_object_mut() {
        o.remove("case_ref");
    }
    if let Some(d) = date {
        parse_date(&d, "--date")?;
        if let Some(o) = req.as_object_mut() {
            o.insert("date".into(), serde_json::Value::String(d));
        }
    }
    let decision = lib
        .decide_json(&req)
        .map_err(|e| Failure::Input(e.to_string()))?;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&decision).unwrap_or_default()
        ),
        Format::Text => {
            print!("{}", decision.to_text());
            if trace {
                print!("{}", show::trace_text(&decision));
            }
        }
    }
    if let Some(path) = memo {
        use brightline_server::memo;
        let blocks = memo::draft_blocks(&lib, &req).map_err(|e| Failure::Input(e.message))?;
        let bytes = if path.extension().is_some_and(|e| e == "html" || e == "htm") {
            memo::html(&blocks).into_bytes()
        } else {
            memo::pdf(&blocks)
        };
        std::fs::write(&path, bytes)
            .map_err(|e| Failure::Input(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("memo written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn lint(
    laws: &Option<PathBuf>,
    path: Option<PathBuf>,
    today: Option<String>,
) -> Result<ExitCode, Failure> {
    let today = match today {
        Some(d) => parse_date(&d, "--today")?,
        None => time::OffsetDateTime::now_utc().date(),
    };
    let sources = match path.as_ref().or(laws.as_ref()) {
        Some(p) => read_packs(p).map_err(Failure::Input)?,
        None => brightline::bundled_sources(),
    };
    let (lib, mut diags) = Library::load(&sources);
    let hard = diags.iter().any(|d| d.severity == Severity::Error);
    brightline::lint::check_rules(&lib, &mut diags);
    brightline::lint::check_freshness(&lib, today, &mut diags);
    // Examples only mean something once the packs themselves load cleanly.
    let (run, failed) = if hard {
        (0, 0)
    } else {
        brightline::lint::check_examples(&lib, &mut diags)
    };
    // Reports are law too: their counts compile against the schema
    // and their worked examples count a fixture to stated totals.
    let (report_run, report_failed) = if hard {
        (0, 0)
    } else {
        brightline::report::check(&lib, &mut diags)
    };
    print_diags(&diags);
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    let rules: usize = lib.packs.iter().map(|p| p.rules.len()).sum();
    eprintln!(
        "{} packs, {rules} rules, {run} worked examples ({} passed, {failed} failed), {report_run} report examples ({} passed, {report_failed} failed); {errors} errors, {warnings} warnings",
        lib.packs.len(),
        run - failed,
        report_run - report_failed
    );
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.cmd {
        Cmd::Check {
            file,
            format,
            date,
            trace,
            memo,
        } => check(&cli.laws, file, format, date, trace, memo),
        Cmd::Lint { path, today } => lint(&cli.laws, path, today),
        Cmd::Show { jurisdiction, date } => {
            let lib = library(&cli.laws)?;
            let d = parse_date(&date, "--date")?;
            let p = lib
                .jurisdiction(&jurisdiction)
                .map_err(|e| Failure::Input(e.to_string()))?;
            let text = show::show(&lib, p, d).map_err(|e| Failure::Input(e.to_string()))?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::History {
            jurisdiction,
            changes_since,
            format,
        } => {
            let lib = library(&cli.laws)?;
            let p = jurisdiction
                .as_deref()
                .map(|j| {
                    lib.jurisdiction(j)
                        .map_err(|e| Failure::Input(e.to_string()))
                })
                .transpose()?;
            match (changes_since, p) {
                (Some(d), p) => {
                    let since = parse_date(&d, "--changes-since")?;
                    let packs: Vec<usize> = p.map(|p| lib.chain(p)).unwrap_or_default();
                    let changes = fresh::changes_since(&lib, &packs, since);
                    match format {
                        Format::Json => println!(
                            "{}",
                            serde_json::to_string_pretty(&changes).unwrap_or_default()
                        ),
                        Format::Text => print!("{}", fresh::to_text(&changes, since)),
                    }
                }
                (None, Some(p)) => print!("{}", show::history(&lib, p)),
                (None, None) => {
                    return Err(Failure::Input(
                        "history: name a jurisdiction, or give --changes-since DATE".into(),
                    ))
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Serve(args) => serve::run(args, &cli.laws),
        Cmd::Token(args) => token::run(args),
        Cmd::Log(args) => log::run(args, &cli.laws),
        Cmd::Compare(args) => compare::run_compare(args, &cli.laws),
        Cmd::Diff(args) => compare::run_diff(args, &cli.laws),
        Cmd::Simulate(args) => {
            let lib = library(&cli.laws)?;
            simulate::run(args, &lib).map_err(Failure::Input)
        }
        Cmd::Schema { which } => {
            let v = if which == "request" {
                jsonschema::request()
            } else {
                jsonschema::decision()
            };
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
    }
}
