//! From source files to the pack model: manifest, rules, events, examples.
//! Syntax only; names and types are checked in `compile`.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::Date;

use crate::diag::{Diagnostic, SourceFile};
use crate::expr::{self, parse_date, Expr};
use crate::syntax::{self, BlockKind, Field, Span};

/// The files of one pack, as read from disk or from the binary.
#[derive(Clone, Debug)]
pub struct PackSource {
    pub dir: String,
    pub files: Vec<SourceFile>,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Required,
    Permitted,
    Prohibited,
    Undetermined,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Required => "required",
            Outcome::Permitted => "permitted",
            Outcome::Prohibited => "prohibited",
            Outcome::Undetermined => "undetermined",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "required" => Some(Outcome::Required),
            "permitted" => Some(Outcome::Permitted),
            "prohibited" => Some(Outcome::Prohibited),
            _ => None,
        }
    }
    /// When rules of one layer conflict at run time, the most restrictive wins.
    pub(crate) fn restrictiveness(self) -> u8 {
        match self {
            Outcome::Prohibited => 3,
            Outcome::Required => 2,
            Outcome::Permitted => 1,
            Outcome::Undetermined => 0,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Obligation {
    pub id: String,
    pub text: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Ambiguity {
    pub other_reading: String,
    pub cites: String,
}

#[derive(Clone, Debug)]
pub struct Loc {
    pub file: usize,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub citation: String,
    pub source: String,
    pub title: String,
    pub quote: Option<String>,
    pub from: Date,
    pub until: Option<Date>,
    pub outcome: Outcome,
    pub obligations: Vec<Obligation>,
    pub overrides: Vec<(String, Span)>,
    pub preempts: bool,
    pub ambiguity: Option<Ambiguity>,
    pub confidence: String,
    pub when: Expr,
    pub when_text: String,
    pub prose: String,
    pub heading: String,
    pub loc: Loc,
    pub effective_span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Suspends,
    Voids,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub id: String,
    pub date: Date,
    pub until: Option<Date>,
    pub kind: EventKind,
    pub targets: Vec<(String, Span)>,
    pub citation: String,
    pub source: String,
    pub title: String,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Example {
    pub json: serde_json::Value,
    pub heading: String,
    pub loc: Loc,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub layer: String,
    pub ocd_id: Option<String>,
    pub note: Option<String>,
    /// `YYYY-MM-DD`: the day this pack's text was last checked against the law.
    pub checked: Option<String>,
    #[serde(default)]
    pub agencies: BTreeMap<String, String>,
    #[serde(default)]
    pub schemes: BTreeMap<String, SchemeRef>,
    #[serde(default)]
    pub tables: BTreeMap<String, TableRef>,
    /// The scheme a bare section number is read in (`120.05` → `NY PL`).
    pub default_scheme: Option<String>,
    #[serde(default)]
    pub presumptions: Vec<PresumptionDecl>,
}

/// An offense scheme: its name as brightline writes it, the other names
/// records print it under, and optionally the table of its sections.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeRef {
    pub file: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A rebuttable presumption: the value a fact takes when the request is
/// silent on it, why, and who would know otherwise.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresumptionDecl {
    pub fact: String,
    pub value: toml::Value,
    pub reason: String,
    #[serde(default)]
    pub citation: String,
    pub rebutted_by: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRef {
    pub file: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub citation: String,
}

#[derive(Debug)]
pub struct PackModel {
    pub manifest: Manifest,
    pub manifest_file: usize,
    pub files: Vec<SourceFile>,
    pub rules: Vec<Rule>,
    pub events: Vec<Event>,
    pub examples: Vec<Example>,
    /// Ids of blocks that did not load, so that references to them are not
    /// reported a second time.
    pub broken: Vec<String>,
}

/// Reads a pack's manifest and literate files. Returns `None` only when the
/// manifest itself is unusable; every other problem is a diagnostic.
// Long on purpose: a pack's manifest read key by key, each with its own diagnostic.
pub fn load(src: &PackSource, diags: &mut Vec<Diagnostic>) -> Option<PackModel> {
    let Some(mi) = src.files.iter().position(|f| f.path.ends_with("pack.toml")) else {
        let file = SourceFile {
            path: format!("{}/pack.toml", src.dir),
            text: "".into(),
        };
        diags.push(
            Diagnostic::error(
                "brightline::no-manifest",
                &file,
                0..0,
                "a law pack needs a pack.toml",
            )
            .help("create pack.toml with id, name, parent and layer (see docs/pack-format.md)"),
        );
        return None;
    };
    let mfile = &src.files[mi];
    let manifest: Manifest = match toml::from_str(&mfile.text) {
        Ok(m) => m,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            diags.push(
                Diagnostic::error(
                    "brightline::manifest",
                    mfile,
                    span,
                    format!("pack.toml: {}", e.message()),
                )
                .help("see docs/pack-format.md for the keys a pack.toml takes"),
            );
            return None;
        }
    };
    let mut model = PackModel {
        manifest,
        manifest_file: mi,
        files: src.files.clone(),
        rules: vec![],
        events: vec![],
        examples: vec![],
        broken: vec![],
    };
    for (fi, file) in src.files.iter().enumerate() {
        if !file.path.ends_with(".md") {
            continue;
        }
        let (blocks, errs) = syntax::blocks(&file.text);
        for e in errs {
            diags.push(
                Diagnostic::error("brightline::syntax", file, e.span, e.message).with_help(e.help),
            );
        }
        for b in blocks {
            let loc = Loc {
                file: fi,
                span: b.fence.clone(),
            };
            match b.kind {
                BlockKind::Example => {
                    let body = file.text.get(b.body.clone()).unwrap_or("");
                    match serde_json::from_str::<serde_json::Value>(body) {
                        Ok(json) => model.examples.push(Example {
                            json,
                            heading: b.heading.clone(),
                            loc,
                        }),
                        Err(e) => {
                            let off = offset_of(body, e.line(), e.column());
                            let at = b.body.start + off;
                            diags.push(
                                Diagnostic::error("brightline::example-json", file, at..at + 1, format!("example is not valid JSON: {e}"))
                                    .help("an example is a request object with `name`, `tests` and `expect` added"),
                            );
                        }
                    }
                }
                BlockKind::Rule | BlockKind::Event => {
                    let (fields, errs) = syntax::fields(&file.text, &b.body);
                    for e in errs {
                        diags.push(
                            Diagnostic::error("brightline::syntax", file, e.span, e.message)
                                .with_help(e.help),
                        );
                    }
                    let id = fields
                        .iter()
                        .find(|f| f.key == "id")
                        .map(|f| f.value.clone());
                    let mut r = FieldReader {
                        file,
                        fields,
                        fence: b.fence.clone(),
                        diags,
                    };
                    let loaded = if b.kind == BlockKind::Rule {
                        r.rule(&b, loc).map(|rule| model.rules.push(rule)).is_some()
                    } else {
                        r.event(loc).map(|ev| model.events.push(ev)).is_some()
                    };
                    if !loaded {
                        model.broken.extend(id);
                    }
                }
            }
        }
    }
    Some(model)
}

fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (off + col.saturating_sub(1)).min(text.len());
        }
        off += l.len();
    }
    text.len()
}

struct FieldReader<'a> {
    file: &'a SourceFile,
    fields: Vec<Field>,
    fence: Span,
    diags: &'a mut Vec<Diagnostic>,
}

const RULE_KEYS: &[&str] = &[
    "id",
    "citation",
    "source",
    "effective",
    "title",
    "when",
    "outcome",
    "quote",
    "obligation",
    "overrides",
    "preempts",
    "ambiguity",
    "confidence",
];
const EVENT_KEYS: &[&str] = &[
    "id", "date", "until", "kind", "targets", "citation", "source", "title",
];

impl FieldReader<'_> {
    fn check_keys(&mut self, allowed: &[&str], what: &str) {
        let mut seen: Vec<&str> = Vec::new();
        for f in &self.fields {
            if !allowed.contains(&f.key.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        "brightline::unknown-key",
                        self.file,
                        f.key_span.clone(),
                        format!("unknown key `{}` in a {what}", f.key),
                    )
                    .label("not a key of this block")
                    .help(format!("the keys of a {what} are: {}", allowed.join(", "))),
                );
            } else if f.key != "obligation" && seen.contains(&f.key.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        "brightline::duplicate-key",
                        self.file,
                        f.key_span.clone(),
                        format!("`{}` is given twice", f.key),
                    )
                    .help("give each key once; indent a line to continue a value"),
                );
            }
            seen.push(&f.key);
        }
    }
    fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
    fn required(&mut self, key: &str, what: &str, hint: &str) -> Option<Field> {
        match self.get(key) {
            Some(f) if !f.value.trim().is_empty() => Some(f.clone()),
            _ => {
                let code = if key == "citation" {
                    "brightline::missing-citation"
                } else {
                    "brightline::missing-key"
                };
                self.diags.push(
                    Diagnostic::error(
                        code,
                        self.file,
                        self.fence.clone(),
                        format!("this {what} has no `{key}`"),
                    )
                    .label(format!("{what} starts here"))
                    .help(hint.to_string()),
                );
                None
            }
        }
    }
    fn date(&mut self, f: &Field, s: &str, at: Span) -> Option<Date> {
        match parse_date(s.trim()) {
            Some(d) => Some(d),
            None => {
                self.diags.push(
                    Diagnostic::error(
                        "brightline::bad-date",
                        self.file,
                        at,
                        format!("`{}` is not a date", s.trim()),
                    )
                    .help("write dates as YYYY-MM-DD, and only days that exist"),
                );
                let _ = f;
                None
            }
        }
    }
    fn id(&mut self, f: &Field) -> Option<String> {
        let ok = !f.value.is_empty()
            && f.value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            self.diags.push(
                Diagnostic::error(
                    "brightline::bad-id",
                    self.file,
                    f.value_span.clone(),
                    format!("`{}` is not a valid id", f.value),
                )
                .help("ids use lowercase letters, digits and dashes, e.g. `doc-detainer-honor`"),
            );
            return None;
        }
        Some(f.value.clone())
    }
    fn list(&self, f: &Field) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        let mut off = 0;
        for part in f.value.split(',') {
            let lead = part.len() - part.trim_start().len();
            let t = part.trim();
            if !t.is_empty() {
                let s = f.value_span.start + off + lead;
                out.push((t.to_string(), s..s + t.len()));
            }
            off += part.len() + 1;
        }
        out
    }

    // Long on purpose: a rule block's fields one after another, each with its own diagnostic.
    fn rule(&mut self, b: &syntax::Block, loc: Loc) -> Option<Rule> {
        self.check_keys(RULE_KEYS, "rule");
        let id_f = self.required(
            "id",
            "rule",
            "give the rule an id, e.g. `id: doc-detainer-honor`",
        );
        let citation = self.required("citation", "rule", "every rule cites the provision it encodes, e.g. `citation: N.Y.C. Admin. Code § 9-131(b)(1)`");
        let source = self.required(
            "source",
            "rule",
            "give the URL of the enacted text: `source: https://...`",
        );
        let effective = self.required("effective", "rule", "give the dates the provision is in force: `effective: 2014-12-14 ..` or `effective: 2014-12-14 .. 2026-01-28`");
        let title = self.required("title", "rule", "give a one-line plain-English reason, e.g. `title: No detainer without a judicial warrant`");
        let when_f = self.required(
            "when",
            "rule",
            "give the condition, e.g. `when: agency is jail and request.kind is detainer`",
        );
        let outcome_f = self.required(
            "outcome",
            "rule",
            "give the outcome: required, permitted or prohibited",
        );
        let id = id_f.as_ref().and_then(|f| self.id(f));
        let (from, until) = match &effective {
            Some(f) => self.period(f)?,
            None => return None,
        };
        let outcome = match &outcome_f {
            Some(f) => match Outcome::parse(&f.value) {
                Some(o) => Some(o),
                None => {
                    self.diags.push(
                        Diagnostic::error(
                            "brightline::bad-outcome",
                            self.file,
                            f.value_span.clone(),
                            format!("`{}` is not an outcome", f.value),
                        )
                        .help("an outcome is required, permitted or prohibited"),
                    );
                    None
                }
            },
            None => None,
        };
        let when = match &when_f {
            Some(f) => match expr::parse(&self.file.text[f.value_span.clone()], f.value_span.start)
            {
                Ok(e) => Some(e),
                Err(e) => {
                    self.diags.push(
                        Diagnostic::error("brightline::condition", self.file, e.span, e.message)
                            .with_help(e.help),
                    );
                    None
                }
            },
            None => None,
        };
        let mut obligations = Vec::new();
        for f in self.fields.clone().iter().filter(|f| f.key == "obligation") {
            match f.value.split_once(' ') {
                Some((oid, text)) if text.trim().starts_with('"') && text.trim().ends_with('"') && text.trim().len() >= 2 => {
                    let t = text.trim();
                    obligations.push(Obligation { id: oid.to_string(), text: t[1..t.len() - 1].to_string() });
                }
                _ => self.diags.push(
                    Diagnostic::error("brightline::bad-obligation", self.file, f.value_span.clone(), "an obligation is an id and a quoted text")
                        .help("e.g. `obligation: hold-48h \"Hold no longer than 48 hours, excluding weekends and holidays.\"`"),
                ),
            }
        }
        let preempts = match self.get("preempts") {
            None => false,
            Some(f) if f.value == "lower" => true,
            Some(f) => {
                let f = f.clone();
                self.diags.push(
                    Diagnostic::error(
                        "brightline::bad-preempts",
                        self.file,
                        f.value_span,
                        format!("`preempts: {}` is not understood", f.value),
                    )
                    .help(
                        "write `preempts: lower` to make the rule beat every rule of a lower layer",
                    ),
                );
                false
            }
        };
        let ambiguity = match self.get("ambiguity").cloned() {
            None => None,
            Some(f) => match parse_ambiguity(&f.value) {
                Some(a) => Some(a),
                None => {
                    self.diags.push(
                        Diagnostic::error("brightline::bad-ambiguity", self.file, f.value_span, "an ambiguity is a quoted reading and a quoted citation")
                            .help("e.g. `ambiguity: \"the other reading\" cites \"N.Y.C. Admin. Code § 14-154(b)(2)\"`"),
                    );
                    None
                }
            },
        };
        let confidence = self
            .get("confidence")
            .map(|f| f.value.clone())
            .unwrap_or_else(|| "verbatim".into());
        if !["verbatim", "secondary", "unconfirmed"].contains(&confidence.as_str()) {
            let f = self.get("confidence").cloned();
            if let Some(f) = f {
                self.diags.push(
                    Diagnostic::error(
                        "brightline::bad-confidence",
                        self.file,
                        f.value_span,
                        format!("`{confidence}` is not a confidence"),
                    )
                    .help("confidence is verbatim, secondary or unconfirmed"),
                );
            }
        }
        let overrides = self
            .get("overrides")
            .map(|f| self.list(f))
            .unwrap_or_default();
        let eff_span = effective
            .as_ref()
            .map(|f| f.value_span.clone())
            .unwrap_or(0..0);
        Some(Rule {
            id: id?,
            citation: citation?.value,
            source: source?.value,
            title: title?.value,
            quote: self.get("quote").map(|f| unquote(&f.value)),
            from,
            until,
            outcome: outcome?,
            obligations,
            overrides,
            preempts,
            ambiguity,
            confidence,
            when_text: when_f
                .as_ref()
                .map(|f| normalize_ws(&f.value))
                .unwrap_or_default(),
            when: when?,
            prose: b.prose.clone(),
            heading: b.heading.clone(),
            loc,
            effective_span: eff_span,
        })
    }

    fn period(&mut self, f: &Field) -> Option<(Date, Option<Date>)> {
        let Some((a, b)) = f.value.split_once("..") else {
            self.diags.push(
                Diagnostic::error("brightline::bad-period", self.file, f.value_span.clone(), "an effective period is `FROM ..` or `FROM .. UNTIL`")
                    .help("e.g. `effective: 2014-12-14 ..` (still in force) or `effective: 2011-11-22 .. 2014-12-13`"),
            );
            return None;
        };
        let a_at = f.value_span.start..f.value_span.start + a.trim_end().len();
        let from = self.date(f, a, a_at)?;
        let until = if b.trim().is_empty() {
            None
        } else {
            let start = f.value_span.start + a.len() + 2 + (b.len() - b.trim_start().len());
            Some(self.date(f, b, start..start + b.trim().len())?)
        };
        if let Some(u) = until {
            if u < from {
                self.diags.push(
                    Diagnostic::error(
                        "brightline::bad-period",
                        self.file,
                        f.value_span.clone(),
                        format!("the period ends ({u}) before it starts ({from})"),
                    )
                    .help(
                        "the second date is the last day in force and must not precede the first",
                    ),
                );
                return None;
            }
        }
        Some((from, until))
    }

    fn event(&mut self, loc: Loc) -> Option<Event> {
        self.check_keys(EVENT_KEYS, "event");
        let id_f = self.required("id", "event", "give the event an id");
        let date_f = self.required("date", "event", "give the date the event takes effect");
        let kind_f = self.required("kind", "event", "kind is `suspends` or `voids`");
        let targets_f = self.required(
            "targets",
            "event",
            "name the rules it affects: `targets: eo50-office`",
        );
        let citation = self.required(
            "citation",
            "event",
            "cite the order, e.g. the case name and court",
        );
        let source = self.required(
            "source",
            "event",
            "give the URL of the order or of a report of it",
        );
        let title = self.required("title", "event", "give a one-line description");
        let id = id_f.as_ref().and_then(|f| self.id(f));
        let date = match &date_f {
            Some(f) => self.date(f, &f.value.clone(), f.value_span.clone()),
            None => None,
        };
        let until = match self.get("until").cloned() {
            Some(f) => Some(self.date(&f, &f.value, f.value_span.clone())?),
            None => None,
        };
        let kind = match kind_f.as_ref().map(|f| f.value.as_str()) {
            Some("suspends") => Some(EventKind::Suspends),
            Some("voids") => Some(EventKind::Voids),
            Some(other) => {
                let f = kind_f.clone()?;
                self.diags.push(
                    Diagnostic::error(
                        "brightline::bad-event-kind",
                        self.file,
                        f.value_span,
                        format!("`{other}` is not an event kind"),
                    )
                    .help("an event `suspends` rules for a time or `voids` them from its date on"),
                );
                None
            }
            None => None,
        };
        if let (Some(d), Some(u)) = (date, until) {
            if u < d {
                self.diags.push(
                    Diagnostic::error(
                        "brightline::bad-period",
                        self.file,
                        self.fence.clone(),
                        format!("the event ends ({u}) before it starts ({d})"),
                    )
                    .help("`until` is the last day the event is in force"),
                );
            }
        }
        let targets = targets_f.as_ref().map(|f| self.list(f)).unwrap_or_default();
        Some(Event {
            id: id?,
            date: date?,
            until,
            kind: kind?,
            targets,
            citation: citation?.value,
            source: source?.value,
            title: title?.value,
            loc,
        })
    }
}

fn unquote(s: &str) -> String {
    let t = normalize_ws(s);
    t.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .map(str::to_string)
        .unwrap_or(t)
}

fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn parse_ambiguity(v: &str) -> Option<Ambiguity> {
    let v = normalize_ws(v);
    let rest = v.strip_prefix('"')?;
    let end = rest.find('"')?;
    let reading = rest[..end].to_string();
    let after = rest[end + 1..].trim().strip_prefix("cites")?.trim();
    let cites = after.strip_prefix('"')?.strip_suffix('"')?.to_string();
    Some(Ambiguity {
        other_reading: reading,
        cites,
    })
}
