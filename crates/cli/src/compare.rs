//! `brightline compare` (jurisdictions × request kinds) and `brightline diff`
//! (where two laws decide differently), both computed over the whole fact
//! space by `brightline::analysis`.

use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use brightline::analysis::{self, Cell, CellClass, LawAt};
use brightline::schema;
use brightline::views::Matrix;
use brightline::Library;
use clap::ValueEnum;

use crate::Failure;

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum MatrixFormat {
    Text,
    Csv,
    Json,
    Html,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Jurisdiction ids (default: every loaded pack).
    jurisdictions: Vec<String>,
    /// The date the law is read as of (default: today, UTC).
    #[arg(long)]
    date: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: MatrixFormat,
    /// Ask every kind of an agency of this role (default: jail; police for assistance; agency for information).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(brightline::schema::AGENCIES))]
    agency: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct DiffArgs {
    /// `jurisdiction@YYYY-MM-DD`, or a jurisdiction with `--date`.
    a: String,
    /// `jurisdiction@YYYY-MM-DD`, or a jurisdiction with `--date`.
    b: String,
    /// The date for a side that names none.
    #[arg(long)]
    date: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// The matrix: one row per jurisdiction, one cell per request kind.
pub fn matrix(
    lib: &Library,
    ids: &[String],
    date: time::Date,
    agency: Option<&str>,
) -> Result<Matrix, String> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    lib.matrix(&ids, date, agency).map_err(|e| e.to_string())
}

pub fn run_compare(args: CompareArgs, laws: &Option<PathBuf>) -> Result<ExitCode, Failure> {
    let lib = crate::library(laws)?;
    let date = match &args.date {
        Some(d) => crate::parse_date(d, "--date")?,
        None => today(),
    };
    let m =
        matrix(&lib, &args.jurisdictions, date, args.agency.as_deref()).map_err(Failure::Input)?;
    let rows = &m.rows;
    let text = match args.format {
        MatrixFormat::Text => text_table(rows, date, args.agency.as_deref()),
        MatrixFormat::Csv => csv(rows),
        // Through a `Value`, so keys print sorted as before the typed view.
        MatrixFormat::Json => {
            let v = serde_json::to_value(&m).unwrap_or_default();
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        MatrixFormat::Html => {
            // The map shows the states and D.C. whichever rows were asked for.
            let map = if brightline_server::map::states(&lib).is_empty() {
                String::new()
            } else {
                crate::map::section(&lib, date, args.agency.as_deref()).map_err(Failure::Input)?
            };
            html(rows, date, &map)
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::Input(format!("cannot write {}: {e}", path.display())))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status: 0 when the laws are equivalent, 1 when they differ (as `diff` does).
pub fn run_diff(args: DiffArgs, laws: &Option<PathBuf>) -> Result<ExitCode, Failure> {
    let lib = crate::library(laws)?;
    let side = |s: &str, which: &str| -> Result<LawAt, Failure> {
        let (j, d) = match s.split_once('@') {
            Some((j, d)) => (j, Some(d.to_string())),
            None => (s, args.date.clone()),
        };
        let d = d.ok_or_else(|| {
            Failure::Input(format!(
                "{which}: `{s}` names no date; write `{s}@YYYY-MM-DD` or give --date"
            ))
        })?;
        let date = crate::parse_date(&d, which)?;
        let pack = lib
            .jurisdiction(j)
            .map_err(|e| Failure::Input(format!("{which}: {}", e.message)))?;
        Ok(LawAt { pack, date })
    };
    let a = side(&args.a, "A")?;
    let b = side(&args.b, "B")?;
    let d = analysis::diff(&lib, a, b).map_err(|e| Failure::Input(e.to_string()))?;
    match args.format {
        // The summary by provision comes first: what changed, then where.
        DiffFormat::Text => print!("{}{}", brightline::changes::text(&d), d.to_text()),
        DiffFormat::Json => {
            let mut v = serde_json::to_value(&d).unwrap_or_default();
            v["summary"] =
                serde_json::to_value(brightline::changes::by_provision(&d)).unwrap_or_default();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
    }
    Ok(if d.regions.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

// ------------------------------------------------------------ renderings

fn short(c: &Cell) -> String {
    c.class.label().to_string()
}

/// An aligned table of outcome classes; conditions and citations in numbered notes below.
pub fn text_table(rows: &[Vec<Cell>], date: time::Date, agency: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "What each jurisdiction's law does with each kind of request, as of {date}."
    );
    let _ = writeln!(
        s,
        "Agency asked: {}.",
        match agency {
            Some(a) => format!("{a} for every kind"),
            None =>
                "jail, except police for assistance and a generic agency for information".into(),
        }
    );
    let mut notes: Vec<String> = Vec::new();
    let mut grid: Vec<Vec<String>> = vec![std::iter::once("jurisdiction".to_string())
        .chain(schema::KINDS.iter().map(|k| k.to_string()))
        .collect()];
    for row in rows {
        let mut line = vec![row
            .first()
            .map(|c| c.jurisdiction.clone())
            .unwrap_or_default()];
        for c in row {
            let mut t = short(c);
            if c.condition.is_some() || !c.citations.is_empty() || c.note.is_some() {
                notes.push(note_line(c));
                t = format!("{t} [{}]", notes.len());
            }
            line.push(t);
        }
        grid.push(line);
    }
    let widths: Vec<usize> = (0..grid[0].len())
        .map(|i| grid.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let _ = writeln!(s);
    for (ri, r) in grid.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(s, "{}", cells.join("  ").trim_end());
        if ri == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(s, "{}", rule.join("  "));
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(s);
        for (i, n) in notes.iter().enumerate() {
            let _ = writeln!(s, "[{}] {n}", i + 1);
        }
    }
    let _ = writeln!(
        s,
        "\nNot legal advice. Each cell is computed from the encoded rules over every combination of the facts they test."
    );
    s
}

fn note_line(c: &Cell) -> String {
    let mut t = format!(
        "{} {} ({}): {}",
        c.jurisdiction,
        c.kind,
        c.agency,
        c.headline()
    );
    if !c.citations.is_empty() {
        t = format!("{t} — {}", c.citations.join("; "));
    }
    if let Some(n) = &c.note {
        t = format!("{t} ({n})");
    }
    t
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One line per cell (a long-format matrix), for spreadsheets.
pub fn csv(rows: &[Vec<Cell>]) -> String {
    let mut s =
        String::from("jurisdiction,kind,agency,class,condition,unless,outcomes,citations,note\n");
    for c in rows.iter().flatten() {
        let outcomes: Vec<&str> = c.outcomes.iter().map(|o| o.as_str()).collect();
        let fields = [
            c.jurisdiction.clone(),
            c.kind.clone(),
            c.agency.clone(),
            c.class.label().to_string(),
            c.condition.clone().unwrap_or_default(),
            c.unless.clone().unwrap_or_default(),
            outcomes.join(" "),
            c.citations.join("; "),
            c.note.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        let _ = writeln!(s, "{}", line.join(","));
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn css_class(c: CellClass) -> &'static str {
    match c {
        CellClass::Prohibited => "prohibited",
        CellClass::PermittedOnlyIf => "only-if",
        CellClass::Required => "required",
        CellClass::CannotBeRestricted => "cannot",
        CellClass::Permitted => "permitted",
        CellClass::NoRule => "none",
        CellClass::NotDecided => "undecided",
    }
}

/// A self-contained page: inline CSS, no external assets; `map` (markup and its inline
/// script, see `crate::map`, or empty) goes above the table.
// Long on purpose: one self-contained HTML page written top to bottom.
pub fn html(rows: &[Vec<Cell>], date: time::Date, map: &str) -> String {
    let mut s = String::new();
    // Dark text on light fills: every pair is above a 7:1 contrast ratio.
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>brightline: local cooperation with immigration enforcement, as of {date}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #111; background: #fff; }}
table {{ border-collapse: collapse; width: 100%; }}
caption {{ text-align: left; font-weight: 600; margin-bottom: .5rem; }}
th, td {{ border: 1px solid #666; padding: .4rem; vertical-align: top; font-size: .85rem; }}
th {{ background: #f0f0f0; text-align: left; }}
th[scope=row] {{ white-space: nowrap; }}
.cls {{ font-weight: 700; display: block; }}
.cond {{ display: block; margin-top: .2rem; }}
.cite {{ display: block; margin-top: .3rem; font-size: .75rem; }}
.note {{ display: block; margin-top: .2rem; font-style: italic; font-size: .75rem; }}
.prohibited {{ background: #f8d7da; color: #58151c; }}
.only-if {{ background: #fff3cd; color: #332701; }}
.required {{ background: #cfe2ff; color: #052c65; }}
.cannot {{ background: #e2d9f3; color: #2b1650; }}
.permitted {{ background: #d1e7dd; color: #0a3622; }}
.none {{ background: #e9ecef; color: #212529; }}
.undecided {{ background: #fff; color: #212529; border-style: dashed; }}
.legend {{ display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: 1rem 0; }}
.legend li {{ border: 1px solid #666; padding: .2rem .5rem; font-size: .85rem; }}
footer {{ margin-top: 1rem; font-size: .8rem; }}
.sr-only {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }}
</style>
</head>
<body>
<h1>Local cooperation with federal civil immigration enforcement</h1>
<p>The law of each jurisdiction as of <time datetime="{date}">{date}</time>, for each kind of request, computed from the encoded rules over every combination of the facts they test.</p>
<ul class="legend" aria-label="Legend">
<li class="prohibited">prohibited</li>
<li class="only-if">permitted only if …</li>
<li class="required">required</li>
<li class="cannot">cannot be restricted (a higher layer preempts any restriction)</li>
<li class="permitted">permitted</li>
<li class="none">no rule</li>
<li class="undecided">not decided</li>
</ul>
{map}<table>
<caption>Jurisdictions × request kinds</caption>
<thead><tr><th scope="col">Jurisdiction</th>"#
    );
    for k in schema::KINDS {
        let _ = write!(s, "<th scope=\"col\">{}</th>", esc(k));
    }
    let _ = writeln!(s, "</tr></thead>\n<tbody>");
    for row in rows {
        let j = row.first().map(|c| c.jurisdiction.as_str()).unwrap_or("");
        let _ = write!(s, "<tr><th scope=\"row\">{}</th>", esc(j));
        for c in row {
            let _ = write!(
                s,
                "<td class=\"{}\"><span class=\"cls\">{}</span>",
                css_class(c.class),
                esc(c.class.label())
            );
            let mut cond = c.condition.clone().map(|x| match c.class {
                CellClass::PermittedOnlyIf => x,
                _ => format!("if {x}"),
            });
            if let Some(u) = &c.unless {
                cond = Some(
                    format!("{} unless {u}", cond.unwrap_or_default())
                        .trim()
                        .into(),
                );
            }
            if let Some(x) = cond {
                let _ = write!(s, "<span class=\"cond\">{}</span>", esc(&x));
            }
            let _ = write!(s, "<span class=\"note\">agency: {}</span>", esc(&c.agency));
            for cit in &c.citations {
                let _ = write!(s, "<span class=\"cite\">{}</span>", esc(cit));
            }
            if let Some(n) = &c.note {
                let _ = write!(s, "<span class=\"note\">{}</span>", esc(n));
            }
            let _ = write!(s, "</td>");
        }
        let _ = writeln!(s, "</tr>");
    }
    let _ = writeln!(
        s,
        "</tbody>\n</table>\n<footer>Generated by brightline {}. Not legal advice: check the cited provisions.</footer>\n</body>\n</html>",
        brightline::ENGINE_VERSION
    );
    s
}
