//! A decision as it is served: the output types and the text for a person at a desk.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::load::Outcome;
use crate::schema;

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Reason {
    pub rule: String,
    pub citation: String,
    pub title: String,
    pub outcome: Outcome,
    pub jurisdiction: String,
    /// How the pack's text of the provision was checked.
    #[schemars(extend("enum" = ["verbatim", "secondary", "unconfirmed"]))]
    pub confidence: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// The part of the law that matched: a listed offense and its list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ObligationOut {
    pub id: String,
    pub text: String,
    pub citation: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AmbiguityOut {
    pub rule: String,
    pub citation: String,
    pub other_reading: String,
    pub cites: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Counterfactual {
    /// One fact path and the value that would flip the outcome.
    #[serde(rename = "if")]
    pub change: Map<String, Value>,
    pub outcome: Outcome,
    /// The outcome holds only with these answers too (the change alone leaves it open).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provided: Vec<Answer>,
    /// The changed fact was implied or presumed, not stated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumption: bool,
}

/// A fact the request did not state and the decision took as given.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Assumption {
    pub fact: String,
    pub value: Value,
    /// `implied` by the request itself, or `presumed` by the law.
    #[schemars(extend("enum" = ["implied", "presumed"]))]
    pub basis: &'static str,
    pub why: String,
    pub citation: String,
    /// The record that would show otherwise (presumptions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebutted_by: Option<String>,
}

/// A missing fact that matters, asked as a person would ask it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Question {
    pub fact: String,
    pub question: String,
    pub help: String,
}

/// One answer in a branch: a fact's value, or whether a test holds.
#[derive(Clone, Debug, Serialize, PartialEq, JsonSchema)]
pub struct Answer {
    pub fact: String,
    pub question: String,
    pub answer: Value,
    /// For a test that no single fact value settles (a look-back window, a
    /// table membership): the test, as the law pack writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
}

/// An undetermined decision's outcome under some answers.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Branch {
    pub when: Vec<Answer>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Condition {
    pub test: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub saw: String,
    #[schemars(extend("enum" = ["true", "false", "unknown"]))]
    pub result: &'static str,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TraceRule {
    pub rule: String,
    pub citation: String,
    pub outcome: Outcome,
    #[schemars(extend("enum" = ["fires", "does not fire", "unknown", "defeated"]))]
    pub result: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub defeated_by: Vec<String>,
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ProvisionRef {
    pub rule: String,
    pub citation: String,
    pub effective: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct EventRef {
    pub id: String,
    pub jurisdiction: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub kind: crate::load::EventKind,
    pub citation: String,
    pub title: String,
    pub targets: Vec<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct LawBlock {
    #[schemars(extend("format" = "date"))]
    pub as_of: String,
    pub jurisdiction: String,
    pub layers: Vec<String>,
    pub version: String,
    pub provisions: Vec<ProvisionRef>,
    pub events: Vec<EventRef>,
    pub suspended: Vec<ProvisionRef>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Decision {
    pub outcome: Outcome,
    /// The answer in one line.
    pub summary: String,
    pub citations: Vec<String>,
    pub reasons: Vec<Reason>,
    pub obligations: Vec<ObligationOut>,
    /// Paths of facts the answer depends on and the request lacks.
    pub missing_facts: Vec<String>,
    /// The missing facts that can change the outcome, as questions.
    pub questions: Vec<Question>,
    /// For an undetermined decision: the outcome under each answer, the most common first.
    pub branches: Vec<Branch>,
    /// Facts not stated that the decision took from the request's own
    /// implications or the law's presumptions.
    pub assumptions: Vec<Assumption>,
    pub counterfactuals: Vec<Counterfactual>,
    pub ambiguities: Vec<AmbiguityOut>,
    pub notes: Vec<String>,
    /// A preempting rule that decided, and the lower layers' rules to the
    /// contrary that it set aside.
    pub preemptions: Vec<Preemption>,
    pub trace: Vec<TraceRule>,
    pub law: LawBlock,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Preemption {
    pub prevailing: String,
    pub citation: String,
    pub preempted: Vec<PreemptedRule>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PreemptedRule {
    pub rule: String,
    pub citation: String,
    pub jurisdiction: String,
    pub outcome: Outcome,
}

/// The JSON Schema of a decision, generated from these types (subschemas
/// inlined, so a reader follows `properties` and `items` only).
pub fn json_schema() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
        s.contract = schemars::generate::Contract::Serialize;
    });
    let schema = settings.into_generator().into_root_schema_for::<Decision>();
    let mut v = serde_json::to_value(schema).unwrap_or_default();
    v["$id"] = Value::from("https://brightline.invalid/schema/decision.schema.json");
    v["title"] = Value::from("brightline decision");
    v
}

pub fn period(from: time::Date, until: Option<time::Date>) -> String {
    match until {
        Some(u) => format!("{from} .. {u}"),
        None => format!("{from} .."),
    }
}

/// A missing-fact path as its question, with the path after it.
pub(super) fn question_of(path: &str) -> String {
    let field = |p: &str| {
        schema::SCALARS
            .iter()
            .find(|d| d.path == p)
            .map(|d| d.question)
            .or_else(|| {
                schema::LISTS.iter().find_map(|l| {
                    let rest = p.strip_prefix(l.path)?;
                    let f = rest.rsplit('.').next()?;
                    l.fields.iter().find(|d| d.path == f).map(|d| d.question)
                })
            })
    };
    match field(path) {
        Some(q) => format!("{q} [{path}]"),
        None => path.to_string(),
    }
}

pub(super) fn summary(o: Outcome, reasons: &[Reason], missing: &[String]) -> String {
    let head = reasons.first();
    match (o, head) {
        (Outcome::Undetermined, _) if !missing.is_empty() => {
            format!("UNDETERMINED: needs {}", missing.join(", "))
        }
        (Outcome::Undetermined, _) => "UNDETERMINED: no provision decides this request".into(),
        (_, Some(r)) => format!(
            "{}: {} ({})",
            o.as_str().to_uppercase(),
            r.title,
            r.citation
        ),
        (_, None) => o.as_str().to_uppercase(),
    }
}

impl Decision {
    /// The decision for a person at a desk: the answer, why, what would change it.
    // Long on purpose: one text for a person at a desk, written top to bottom in the order it is read.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.summary);
        let _ = writeln!(
            s,
            "Law of {} as of {} (layers: {}).",
            self.law.jurisdiction,
            self.law.as_of,
            self.law.layers.join(" > ")
        );
        if !self.reasons.is_empty() {
            let _ = writeln!(s, "\nWhy:");
            for r in &self.reasons {
                let conf = if r.confidence == "verbatim" {
                    String::new()
                } else {
                    format!(" [{}]", r.confidence)
                };
                let _ = writeln!(
                    s,
                    "  - {} — {}: {}{}",
                    r.outcome.as_str(),
                    r.citation,
                    r.title,
                    conf
                );
                for m in &r.matched {
                    let _ = writeln!(s, "      matched: {m}");
                }
            }
        }
        if !self.obligations.is_empty() {
            let _ = writeln!(s, "\nObligations:");
            for o in &self.obligations {
                let _ = writeln!(s, "  - {} ({})", o.text, o.citation);
            }
        }
        if !self.assumptions.is_empty() {
            let _ = writeln!(s, "\nAssumed, not stated (say so if any is wrong):");
            for a in &self.assumptions {
                let by = a
                    .rebutted_by
                    .as_ref()
                    .map(|r| format!(" Shown otherwise by {r}."))
                    .unwrap_or_default();
                let cite = if a.citation.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", a.citation)
                };
                let why = a.why.trim_end_matches('.');
                let _ = writeln!(
                    s,
                    "  - {} = {} ({}): {why}.{cite}{by}",
                    a.fact, a.value, a.basis
                );
            }
        }
        if !self.branches.is_empty() {
            let _ = writeln!(s, "\nThe answer under each case:");
            for b in &self.branches {
                let when: Vec<String> = b.when.iter().map(super::explain::phrase).collect();
                let when = if when.is_empty() {
                    "otherwise".to_string()
                } else {
                    when.join("; and ")
                };
                let _ = writeln!(s, "  - {}: {when}", b.outcome.as_str().to_uppercase());
            }
        }
        if !self.questions.is_empty() {
            let _ = writeln!(s, "\nNeeded to decide:");
            for q in &self.questions {
                let _ = writeln!(s, "  - {} [{}]", q.question, q.fact);
            }
        } else if !self.missing_facts.is_empty() {
            let _ = writeln!(s, "\nNeeded to decide:");
            for m in &self.missing_facts {
                let _ = writeln!(s, "  - {}", question_of(m));
            }
        }
        for a in &self.ambiguities {
            let _ = writeln!(
                s,
                "\nAmbiguity in {}: another reading is that {} ({}).",
                a.citation, a.other_reading, a.cites
            );
        }
        for n in &self.notes {
            let _ = writeln!(s, "\nNote: {n}");
        }
        if !self.law.events.is_empty() {
            let _ = writeln!(s, "\nCourt orders and events in force:");
            for e in &self.law.events {
                let _ = writeln!(
                    s,
                    "  - {} {}: {} ({})",
                    e.date,
                    e.kind_str(),
                    e.title,
                    e.citation
                );
            }
        }
        if !self.counterfactuals.is_empty() {
            let _ = writeln!(s, "\nWhat would change the answer:");
            for c in &self.counterfactuals {
                let (k, v) = c
                    .change
                    .iter()
                    .next()
                    .map(|(k, v)| (k.clone(), v.to_string()))
                    .unwrap_or_default();
                let provided = if c.provided.is_empty() {
                    String::new()
                } else {
                    let p: Vec<String> = c.provided.iter().map(super::explain::phrase).collect();
                    format!(", provided: {}", p.join("; "))
                };
                let assumed = if c.assumption {
                    " (this was assumed)"
                } else {
                    ""
                };
                let _ = writeln!(
                    s,
                    "  - if {k} were {v}{assumed}: {}{provided}",
                    c.outcome.as_str()
                );
            }
        }
        let _ = writeln!(s, "\nNot legal advice. brightline encodes the text of the law; check the cited provisions.");
        s
    }
}

impl EventRef {
    fn kind_str(&self) -> &'static str {
        match self.kind {
            crate::load::EventKind::Suspends => "suspends",
            crate::load::EventKind::Voids => "voids",
        }
    }
}
