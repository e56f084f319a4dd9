//! Profiles: small declarative TOML files that say how the rows of one kind
//! of record become requests — which column holds which fact, how values
//! translate into the contract's codes, which rows to keep, which law to
//! decide under, and which facts are assumed because the records lack them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::SimError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// Where the records come from (shown in the report).
    #[serde(default)]
    pub source: Option<String>,
    /// The worksheet to read from an xlsx workbook.
    #[serde(default)]
    pub sheet: Option<String>,
    /// Cell values that mean "no value" (besides the empty string).
    #[serde(default)]
    pub blank: Vec<String>,
    /// Logical column name -> header names accepted for it (the first present wins).
    pub columns: BTreeMap<String, Vec<String>>,
    pub date: DateSpec,
    /// Logical column -> accepted values: a row is kept when every listed column has one of them.
    #[serde(default)]
    pub filter: BTreeMap<String, Vec<String>>,
    /// The jurisdiction to decide for, when a `--law` names `profile` instead of a jurisdiction.
    #[serde(default)]
    pub jurisdiction: Option<Choice>,
    /// The agency (an alias such as `doc`, or a role such as `jail`) that received the request.
    #[serde(default)]
    pub agency: Option<Choice>,
    #[serde(default)]
    pub fields: Vec<FieldMap>,
    #[serde(default)]
    pub conviction: Option<ConvictionMap>,
    #[serde(default)]
    pub assumptions: Vec<Assumption>,
    /// Columns to group the aggregate by when the command line names none.
    #[serde(default)]
    pub group_by: Vec<String>,
    /// A reviewed table of facilities: jurisdiction, agency and place by the row's facility.
    #[serde(default)]
    pub facilities: Option<Facilities>,
    /// The folder of the profile file (relative `facilities.file` paths are read from there).
    #[serde(skip)]
    pub base: Option<std::path::PathBuf>,
}

/// `[facilities]`: the row's facility (with its state, since names repeat across states)
/// looked up in a CSV of `state,facility,…,jurisdiction,agency,place,operator,source,note`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facilities {
    /// Logical columns whose values, in order, are the key: e.g. `["state", "facility"]`.
    pub key: Vec<String>,
    /// The CSV's own headers for the key, in the same order.
    pub key_headers: Vec<String>,
    /// The table: a path relative to the profile, or the name of a shipped table.
    pub file: String,
    /// Further tables with the same columns, read after `file`; a key may be listed only once
    /// across them all.
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// One reviewed row of a facility table.
#[derive(Debug, Clone)]
pub struct FacilityRow {
    pub key: Vec<String>,
    /// Empty when the facility is known but bound by no law the packs encode.
    pub jurisdiction: String,
    pub agency: String,
    pub place: String,
    pub operator: String,
    pub source: String,
    pub note: String,
}

/// Facility tables shipped with the bundled profiles.
pub const BUNDLED_TABLES: &[(&str, &str)] = &[
    (
        "facilities/ice-lesa-new-york.csv",
        include_str!("../../../profiles/facilities/ice-lesa-new-york.csv"),
    ),
    (
        "facilities/ice-lesa-local.csv",
        include_str!("../../../profiles/facilities/ice-lesa-local.csv"),
    ),
    (
        "facilities/ice-lesa-federal.csv",
        include_str!("../../../profiles/facilities/ice-lesa-federal.csv"),
    ),
];

impl Facilities {
    /// Every table, `file` first.
    pub fn all_files(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.file.as_str()).chain(self.files.iter().map(String::as_str))
    }

    /// Reads the tables (`#` lines are comments); every row must have its key and the named
    /// columns, and no key may be listed twice.
    pub fn load(&self, base: Option<&Path>) -> Result<Vec<FacilityRow>, SimError> {
        let mut out = Vec::new();
        for file in self.all_files() {
            self.load_one(file, base, &mut out)?;
        }
        Ok(out)
    }

    fn load_one(
        &self,
        file: &str,
        base: Option<&Path>,
        out: &mut Vec<FacilityRow>,
    ) -> Result<(), SimError> {
        let text = match base.map(|b| b.join(file)).filter(|p| p.is_file()) {
            Some(p) => std::fs::read_to_string(&p)
                .map_err(|e| SimError::Io(format!("{}: {e}", p.display())))?,
            None => match BUNDLED_TABLES.iter().find(|(n, _)| *n == file) {
                Some((_, t)) => t.to_string(),
                None => {
                    return Err(SimError::Profile(format!(
                    "[facilities] file `{file}`: not found beside the profile, and not a shipped table"
                )))
                }
            },
        };
        let bad = |m: String| SimError::Profile(format!("[facilities] {file}: {m}"));
        let mut r = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let headers = r.headers().map_err(|e| bad(e.to_string()))?.clone();
        let pos = |h: &str| {
            headers
                .iter()
                .position(|x| x == h)
                .ok_or_else(|| bad(format!("no column `{h}`")))
        };
        let keys = self
            .key_headers
            .iter()
            .map(|h| pos(h))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.len() != self.key.len() {
            return Err(bad("`key` and `key_headers` differ in length".into()));
        }
        let cols = [
            "jurisdiction",
            "agency",
            "place",
            "operator",
            "source",
            "note",
        ]
        .map(pos);
        let mut cp = [0usize; 6];
        for (i, c) in cols.into_iter().enumerate() {
            cp[i] = c?;
        }
        for (n, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| bad(e.to_string()))?;
            let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
            let row = FacilityRow {
                key: keys.iter().map(|&i| get(i)).collect(),
                jurisdiction: get(cp[0]),
                agency: get(cp[1]),
                place: get(cp[2]),
                operator: get(cp[3]),
                source: get(cp[4]),
                note: get(cp[5]),
            };
            if !row.jurisdiction.is_empty() && (row.agency.is_empty() || row.source.is_empty()) {
                return Err(bad(format!(
                    "row {}: `{}` names a jurisdiction without an agency or a source",
                    n + 1,
                    row.key.join(" / ")
                )));
            }
            if out.iter().any(|o| o.key == row.key) {
                return Err(bad(format!(
                    "row {}: `{}` is listed twice",
                    n + 1,
                    row.key.join(" / ")
                )));
            }
            out.push(row);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateSpec {
    /// The logical column holding the date of the request.
    pub column: String,
    /// Accepted formats, tried in order: `iso` (YYYY-MM-DD, optionally followed by a time),
    /// `excel-serial` (days since 1899-12-30, the 1900 date system), `us` (MM/DD/YYYY).
    pub formats: Vec<String>,
}

/// A fixed value, or a value looked up from a column.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub map: BTreeMap<String, String>,
    /// Why this choice is right for these records.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    /// A scalar fact of the request contract, e.g. `request.kind`.
    pub field: String,
    pub column: String,
    /// Cell value -> contract value (`true`/`false` for booleans). Without a map, the
    /// cell is read as the contract value itself (dates: the profile's date formats).
    #[serde(default)]
    pub map: BTreeMap<String, String>,
}

/// One conviction item per row, from the columns of a most-serious-conviction record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvictionMap {
    pub offense_column: String,
    /// `{}` is replaced by the cell value, e.g. `NCIC {}`.
    #[serde(default = "default_format")]
    pub offense_format: String,
    #[serde(default)]
    pub date_column: Option<String>,
    /// Rows whose value in this column is one of `none_values` have no conviction (empty list).
    #[serde(default)]
    pub none_column: Option<String>,
    #[serde(default)]
    pub none_values: Vec<String>,
}

fn default_format() -> String {
    "{}".into()
}

/// A fact the records lack, supplied with its reason. The report counts the
/// rows whose outcome depends on it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumption {
    pub id: String,
    /// A scalar fact (`request.warrant`), or `subject.convictions` for "the
    /// conviction the record names is the only one" (value `complete`).
    pub field: String,
    #[serde(default)]
    pub value: Option<String>,
    /// Take the value from this logical column instead of a fixed value.
    #[serde(default)]
    pub column: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub source: Option<String>,
    /// Applies to rows dated in this period only (inclusive, YYYY-MM-DD).
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
}

impl Profile {
    pub fn from_toml(text: &str, origin: &str) -> Result<Profile, SimError> {
        toml::from_str(text).map_err(|e| SimError::Profile(format!("{origin}: {e}")))
    }

    pub fn load(path: &Path) -> Result<Profile, SimError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SimError::Io(format!("{}: {e}", path.display())))?;
        let mut p = Profile::from_toml(&text, &path.display().to_string())?;
        p.base = path.parent().map(Path::to_path_buf);
        Ok(p)
    }
}

/// The profiles shipped with brightline, by name.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "ice-lesa-fy2015",
        include_str!("../../../profiles/ice-lesa-fy2015.toml"),
    ),
    (
        "ice-lesa-pennsylvania",
        include_str!("../../../profiles/ice-lesa-pennsylvania.toml"),
    ),
    (
        "ddp-detainers",
        include_str!("../../../profiles/ddp-detainers.toml"),
    ),
];

/// A profile by file path, or by the name of a shipped profile.
pub fn resolve(name_or_path: &str) -> Result<Profile, SimError> {
    let p = Path::new(name_or_path);
    if p.is_file() {
        return Profile::load(p);
    }
    match BUNDLED.iter().find(|(n, _)| *n == name_or_path) {
        Some((n, text)) => Profile::from_toml(text, n),
        None => Err(SimError::Input(format!(
            "--profile `{name_or_path}`: no such file, and not a shipped profile ({})",
            BUNDLED
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
