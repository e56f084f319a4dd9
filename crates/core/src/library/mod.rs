//! A set of checked, compiled law packs, with the law of every jurisdiction
//! precompiled for each interval in which it does not change.

mod loader;
mod plan;

use std::collections::HashMap;

use time::Date;

use crate::compile::{constant, AtomInfo, Cond, Ctx};
use crate::diag::{Diagnostic, Severity, SourceFile};
use crate::facts::{self, Facts, OffenseLookup, RequestError};
use crate::load::{self, Event, EventKind, Example, PackSource, Rule};
use crate::schema;
use crate::tables::{self, ListTable, Membership, OffenseCode, SchemeRow};

pub(crate) use loader::key_span;
pub use plan::{KindPlan, LawVersion, PlanPos, PlanRule, RuleBits, FAST_RULES};

pub struct CompiledRule {
    pub def: Rule,
    pub cond: Cond,
    pub atoms: Vec<AtomInfo>,
    /// Request kinds and agency roles the condition can hold for (bit masks).
    pub kinds: u64,
    pub agencies: u64,
}

pub struct Pack {
    pub id: String,
    pub name: String,
    pub parent: Option<usize>,
    pub layer: usize,
    pub ocd_id: Option<String>,
    pub note: Option<String>,
    pub agencies: Vec<(String, usize)>,
    pub rules: Vec<CompiledRule>,
    pub events: Vec<Event>,
    pub examples: Vec<Example>,
    pub files: Vec<SourceFile>,
    /// Tables declared by this pack: (name, global bit).
    pub tables: Vec<(String, u8)>,
    /// Ids of rules that did not load or compile (already reported).
    pub broken: Vec<String>,
    /// The scheme a bare section number is read in.
    pub default_scheme: Option<String>,
    /// Presumptions this pack states; they hold in its own law and below it.
    pub presumptions: Vec<Presumption>,
    /// The day the pack's text was last checked against the law (`checked` in pack.toml).
    pub checked: Option<Date>,
    /// Index in `files` of pack.toml.
    pub manifest_file: usize,
}

/// A fact a presumption fills: a scalar, or a field of every item of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presumed {
    Scalar(usize),
    Field { list: usize, field: usize },
}

#[derive(Clone, Debug)]
pub struct Presumption {
    pub fact: Presumed,
    pub path: String,
    pub value: facts::Val,
    pub reason: String,
    pub citation: String,
    pub rebutted_by: String,
}

/// Where a rule sits in the library: (pack index, rule index). Its public
/// name, `pack/rule`, is `views::RuleRef` (`Library::rule_ref`).
pub(crate) type RuleIx = (usize, usize);

pub struct Library {
    pub packs: Vec<Pack>,
    pub lists: Vec<ListTable>,
    pub schemes: HashMap<String, HashMap<String, SchemeRow>>,
    pub scheme_names: Vec<String>,
    /// Other names of schemes, upper case, to the canonical name.
    pub scheme_aliases: HashMap<String, String>,
    pub versions: HashMap<String, Vec<LawVersion>>,
}

impl Library {
    pub(crate) fn visible_tables(&self, pack: usize) -> Vec<(String, u8)> {
        let mut out: Vec<(String, u8)> = Vec::new();
        for p in self.chain(pack) {
            for t in &self.packs[p].tables {
                if !out.iter().any(|(n, _)| n == &t.0) {
                    out.push(t.clone());
                }
            }
        }
        out
    }

    /// The pack and its ancestors, most specific first.
    pub fn chain(&self, pack: usize) -> Vec<usize> {
        let mut out = vec![pack];
        let mut cur = self.packs[pack].parent;
        while let Some(c) = cur {
            if out.contains(&c) {
                break;
            }
            out.push(c);
            cur = self.packs[c].parent;
        }
        out
    }

    pub fn pack(&self, id: &str) -> Option<usize> {
        self.packs.iter().position(|p| p.id == id)
    }

    /// Resolves a jurisdiction id or its Open Civic Data division id.
    pub fn jurisdiction(&self, id: &str) -> Result<usize, RequestError> {
        if let Some(i) = self.pack(id) {
            return Ok(i);
        }
        if let Some(i) = self
            .packs
            .iter()
            .position(|p| p.ocd_id.as_deref() == Some(id))
        {
            return Ok(i);
        }
        if let Some((j, _)) = schema::JURISDICTIONS.iter().find(|(_, o)| *o == id) {
            if let Some(i) = self.pack(j) {
                return Ok(i);
            }
        }
        let ids: Vec<&str> = self.packs.iter().map(|p| p.id.as_str()).collect();
        Err(RequestError::new(
            "jurisdiction",
            format!("`{id}` has no law pack; known: {}", ids.join(", ")),
        ))
    }

    /// SHA-256 over every loaded file (path and text, in path order): the
    /// law-pack version a logged decision records.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut files: Vec<&SourceFile> = self.packs.iter().flat_map(|p| p.files.iter()).collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut h = Sha256::new();
        for f in files {
            h.update(f.path.as_bytes());
            h.update([0]);
            h.update(f.text.as_bytes());
            h.update([0]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn rule(&self, r: RuleIx) -> &CompiledRule {
        &self.packs[r.0].rules[r.1]
    }

    /// The agency role a request names, through the aliases of the jurisdiction chain.
    pub fn agency(&self, pack: usize, name: &str) -> Result<usize, RequestError> {
        if let Some(i) = schema::value_index(schema::AGENCIES, name) {
            return Ok(i);
        }
        let chain = self.chain(pack);
        for p in &chain {
            if let Some((_, r)) = self.packs[*p].agencies.iter().find(|(a, _)| a == name) {
                return Ok(*r);
            }
        }
        let mut accepted: Vec<String> = schema::AGENCIES.iter().map(|s| s.to_string()).collect();
        for p in &chain {
            accepted.extend(self.packs[*p].agencies.iter().map(|(a, _)| a.clone()));
        }
        Err(RequestError::new(
            "agency",
            format!(
                "`{name}` is not an agency here; accepted: {}",
                accepted.join(", ")
            ),
        ))
    }

    /// Decodes a request: resolves jurisdiction and agency, and decodes facts.
    pub fn decode(&self, v: &serde_json::Value) -> Result<(usize, Facts), RequestError> {
        let obj = v
            .as_object()
            .ok_or_else(|| RequestError::new("(request)", "expected a JSON object"))?;
        let j = obj
            .get("jurisdiction")
            .and_then(|x| x.as_str())
            .ok_or_else(|| {
                RequestError::new(
                    "jurisdiction",
                    "required: a jurisdiction id such as `us-ny-nyc`",
                )
            })?;
        let pack = self.jurisdiction(j)?;
        let agency = match obj.get("agency") {
            None | Some(serde_json::Value::Null) => None,
            Some(a) => {
                let s = a
                    .as_str()
                    .ok_or_else(|| RequestError::new("agency", "expected a string"))?;
                Some(self.agency(pack, s)?)
            }
        };
        let mut facts = facts::decode(v, agency, &InPack { lib: self, pack })?;
        self.presume(pack, &mut facts);
        Ok((pack, facts))
    }
}

impl Library {
    /// Reads an offense code as a record prints it, in the law of `pack` (a
    /// code without a state prefix is read in the pack's state), and places
    /// it in every list table.
    pub(crate) fn read_offense(
        &self,
        code: &str,
        equivalent: Option<&str>,
        pack: Option<usize>,
    ) -> Result<facts::OffenseRead, String> {
        let state = pack.and_then(|p| state_of(&self.packs[p].id));
        let default_scheme = pack.and_then(|p| {
            self.chain_of(p)
                .find_map(|q| self.packs[q].default_scheme.clone())
        });
        let is_section = |scheme: &str, section: &str| {
            let key = format!("{scheme} {section}");
            self.schemes
                .get(scheme)
                .is_some_and(|r| r.contains_key(&key))
                || self.lists.iter().any(|t| t.rows.contains_key(&key))
        };
        let ctx = tables::ReadContext {
            schemes: &self.scheme_names,
            aliases: &self.scheme_aliases,
            state: state.as_deref(),
            default_scheme: default_scheme.as_deref(),
            is_section: &is_section,
        };
        let all = if self.lists.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << self.lists.len()) - 1
        };
        let Some(c) = OffenseCode::read(code, &ctx) else {
            return Ok(facts::OffenseRead {
                member: 0,
                unknown: all,
                code: None,
                level: None,
            });
        };
        let eq = match equivalent {
            Some(e) => Some(OffenseCode::read(e, &ctx).ok_or_else(|| {
                format!("`{e}` is not an offense code brightline can read; write SCHEME SECTION, e.g. `NY PL 120.05`")
            })?),
            None => None,
        };
        let (mut member, mut unknown) = (0u64, 0u64);
        for (bit, t) in self.lists.iter().enumerate() {
            let mut m = t.membership(&c);
            if let (Membership::Unknown(tables::Unknown::NeedsEquivalent), Some(e)) = (m, &eq) {
                m = t.membership(e);
            }
            match m {
                Membership::Member => member |= 1 << bit,
                Membership::NotMember => {}
                Membership::Unknown(_) => unknown |= 1 << bit,
            }
        }
        let level = self
            .schemes
            .get(&c.scheme)
            .and_then(|rows| rows.get(&c.key()))
            .and_then(|row| tables::level_of_class(&row.class))
            .and_then(|l| schema::value_index(schema::LEVELS, l))
            .map(|l| l as facts::Val);
        Ok(facts::OffenseRead {
            member,
            unknown,
            code: Some(c.normalized()),
            level,
        })
    }

    /// The pack and its ancestors, most specific first.
    pub(crate) fn chain_of(&self, pack: usize) -> impl Iterator<Item = usize> + '_ {
        let mut cur = Some(pack);
        let mut steps = 0;
        std::iter::from_fn(move || {
            let p = cur?;
            steps += 1;
            // Parent cycles are reported at load; never loop on one.
            cur = self.packs[p].parent.filter(|_| steps < 16);
            Some(p)
        })
    }

    /// Fills what the request is silent on with the presumptions of the
    /// pack's chain (the most specific pack's presumption of a fact wins).
    /// A stated fact is never touched.
    pub(crate) fn presume(&self, pack: usize, f: &mut Facts) {
        if f.strict {
            return;
        }
        let mut done: Vec<Presumed> = Vec::new();
        for p in self.chain_of(pack) {
            for pr in &self.packs[p].presumptions {
                if done.contains(&pr.fact) {
                    continue;
                }
                done.push(pr.fact);
                match pr.fact {
                    Presumed::Scalar(i) => {
                        if f.scalars[i] == facts::MISSING {
                            f.scalars[i] = pr.value;
                            f.presumed |= 1 << i;
                        }
                    }
                    Presumed::Field { list, field } => {
                        for it in f.lists[list].iter_mut().flatten() {
                            if it.fields[field] == facts::MISSING {
                                it.fields[field] = pr.value;
                                it.presumed |= 1 << field;
                            }
                        }
                    }
                }
            }
        }
    }

    /// The presumption of the pack's chain that fills a fact, if any.
    pub fn presumption(&self, pack: usize, fact: Presumed) -> Option<&Presumption> {
        self.chain_of(pack)
            .find_map(|p| self.packs[p].presumptions.iter().find(|x| x.fact == fact))
    }
}

/// Reads codes without a jurisdiction: the analyses and record profiles,
/// which give codes with their scheme.
impl OffenseLookup for Library {
    fn read(&self, code: &str, equivalent: Option<&str>) -> Result<facts::OffenseRead, String> {
        self.read_offense(code, equivalent, None)
    }
}

/// Reads codes in one pack's law.
struct InPack<'a> {
    lib: &'a Library,
    pack: usize,
}

impl OffenseLookup for InPack<'_> {
    fn read(&self, code: &str, equivalent: Option<&str>) -> Result<facts::OffenseRead, String> {
        self.lib.read_offense(code, equivalent, Some(self.pack))
    }
}

/// `us-ny-nyc` → `NY`: the state whose law a pack is.
fn state_of(pack: &str) -> Option<String> {
    let st = pack
        .strip_prefix("us-")?
        .split('-')
        .next()?
        .to_ascii_uppercase();
    tables::STATES.contains(&st.as_str()).then_some(st)
}
