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
        Profile::from_toml(&text, &path.display().to_string())
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
