//! A set of checked, compiled law packs, with the law of every jurisdiction
//! precompiled for each interval in which it does not change.

use std::collections::HashMap;

use time::Date;

use crate::compile::{constant, AtomInfo, Cond, Ctx};
use crate::diag::{Diagnostic, Severity, SourceFile};
use crate::facts::{self, Facts, OffenseLookup, RequestError};
use crate::load::{self, Event, EventKind, Example, PackSource, Rule};
use crate::schema;
use crate::tables::{self, ListTable, Membership, OffenseCode, SchemeRow};

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
    pub value: i64,
    pub reason: String,
    pub citation: String,
    pub rebutted_by: String,
}

/// A set of plan positions, bit i for plan rule i: the outcome-only path's
/// rule sets (which rules are settled true, fire, are unknown, override).
pub type RuleBits = u128;

/// The most rules a plan may hold for the outcome-only path to keep its rule
/// sets in a `RuleBits`. A larger plan is still decided, and fully, by the
/// slice-based path (`decide::resolve`), which has no such limit and keeps
/// every deciding rule; the outcome-only path does not read such a plan's
/// `always` and `overridden_by` sets.
pub const FAST_RULES: usize = RuleBits::BITS as usize;

/// A rule of one law version: (pack index, rule index).
pub type RuleRef = (usize, usize);

/// A rule as one request kind's plan holds it: everything the hot path needs, inline.
#[derive(Clone)]
pub struct PlanRule {
    pub cond: Cond,
    pub rule: RuleRef,
    /// Position of the rule's pack in the chain: 0 is the most specific.
    pub depth: u8,
    pub preempts: bool,
    pub outcome: crate::load::Outcome,
    /// Plan positions of the rules that override this one.
    pub overriders: Box<[u16]>,
}

/// The rules that can apply to one request kind, in chain order (general first).
#[derive(Default, Clone)]
pub struct KindPlan {
    pub rules: Vec<PlanRule>,
    /// Each rule's condition with the plan's own kind and role tests settled
    /// (`compile::specialize`): what the outcome-only path evaluates.
    pub fast: Vec<Cond>,
    /// Rules whose settled condition is simply true (bit i: plan rule i; for
    /// plans of up to `FAST_RULES` rules).
    pub always: RuleBits,
    /// Rules whose settled condition still tests something: the only ones the
    /// outcome-only path evaluates (settled-false rules can never fire).
    pub live: Vec<u16>,
    /// Bit j of entry i: plan rule j overrides rule i (plans of up to `FAST_RULES` rules).
    pub overridden_by: Vec<RuleBits>,
    /// For small plans, the combined outcome of every set of firing rules,
    /// indexed by the set as a bit mask; built on first use.
    pub combined: std::sync::OnceLock<Box<[crate::load::Outcome]>>,
}

pub struct LawVersion {
    pub from: Date,
    pub until: Option<Date>,
    pub chain: Vec<usize>,
    pub rules: Vec<RuleRef>,
    /// Indexed by `kind * (roles + 1) + role`, with `role == roles` for no agency.
    pub plans: Vec<KindPlan>,
    /// Events in force: (pack, event index).
    pub events: Vec<(usize, usize)>,
    /// Rules whose period covers the date but an event has taken out: (rule, event).
    pub suspended: Vec<(RuleRef, (usize, usize))>,
}

pub struct Library {
    pub packs: Vec<Pack>,
    pub lists: Vec<ListTable>,
    pub schemes: HashMap<String, HashMap<String, SchemeRow>>,
    pub scheme_names: Vec<String>,
    /// Other names of schemes, upper case, to the canonical name.
    pub scheme_aliases: HashMap<String, String>,
    pub versions: HashMap<String, Vec<LawVersion>>,
}

fn find_file(files: &[SourceFile], rel: &str) -> Option<usize> {
    files
        .iter()
        .position(|f| f.path.ends_with(&format!("/{rel}")) || f.path == rel)
}

impl Library {
    /// Loads and checks packs. The library holds every pack that loaded; the
    /// diagnostics say what is wrong with the rest.
    pub fn load(sources: &[PackSource]) -> (Library, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut models: Vec<load::PackModel> = sources
            .iter()
            .filter_map(|s| load::load(s, &mut diags))
            .collect();
        models.sort_by(|a, b| a.manifest.id.cmp(&b.manifest.id));
        let mut lib = Library {
            packs: Vec::new(),
            lists: Vec::new(),
            schemes: HashMap::new(),
            scheme_names: tables::KNOWN_SCHEMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            scheme_aliases: HashMap::new(),
            versions: HashMap::new(),
        };
        // Schemes first: list tables and requests parse codes against them.
        for m in &models {
            let mfile = &m.files[m.manifest_file];
            for (name, t) in &m.manifest.schemes {
                let up = name.to_ascii_uppercase();
                if !lib.scheme_names.contains(&up) {
                    lib.scheme_names.push(up.clone());
                }
                for a in &t.aliases {
                    let a = a.to_ascii_uppercase().replace('.', "");
                    if let Some(other) = lib.scheme_aliases.insert(a.clone(), up.clone()) {
                        if other != up {
                            diags.push(Diagnostic::error(
                                "brightline::alias-clash",
                                mfile,
                                0..0,
                                format!("scheme alias `{a}` names both `{other}` and `{up}`"),
                            ));
                        }
                    }
                }
                let Some(file) = &t.file else { continue };
                let Some(fi) = find_file(&m.files, file) else {
                    diags.push(missing_table(mfile, file));
                    continue;
                };
                let (rows, errs) = tables::parse_scheme(&m.files[fi].text, &up);
                for e in errs {
                    diags.push(row_error(&m.files[fi], e));
                }
                lib.schemes.entry(up).or_default().extend(rows);
            }
        }
        let mut seen_ids: HashMap<String, usize> = HashMap::new();
        let mut pending: Vec<(Option<String>, Vec<Rule>, SourceFile)> = Vec::new();
        for m in models {
            let mfile = m.files[m.manifest_file].clone();
            if schema::JURISDICTIONS
                .iter()
                .all(|(j, _)| *j != m.manifest.id)
            {
                diags.push(
                    Diagnostic::warning("brightline::unknown-jurisdiction", &mfile, 0..0, format!("`{}` is not a jurisdiction of the contract", m.manifest.id))
                        .help("add it to `schema::JURISDICTIONS` with its Open Civic Data id; the contract names the federal layer, every state as `us-xx`, `us-dc`, and the local packs"),
                );
            }
            if seen_ids.contains_key(&m.manifest.id) {
                diags.push(Diagnostic::error(
                    "brightline::duplicate-pack",
                    &mfile,
                    0..0,
                    format!("two packs have the id `{}`", m.manifest.id),
                ));
                continue;
            }
            let Some(layer) = schema::LAYERS.iter().position(|l| *l == m.manifest.layer) else {
                diags.push(
                    Diagnostic::error(
                        "brightline::bad-layer",
                        &mfile,
                        0..0,
                        format!("`{}` is not a layer", m.manifest.layer),
                    )
                    .help(format!("layers are: {}", schema::LAYERS.join(", "))),
                );
                continue;
            };
            let mut agencies = Vec::new();
            for (alias, role) in &m.manifest.agencies {
                match schema::value_index(schema::AGENCIES, role) {
                    Some(r) => agencies.push((alias.clone(), r)),
                    None => diags.push(
                        Diagnostic::error(
                            "brightline::bad-agency",
                            &mfile,
                            0..0,
                            format!("agency alias `{alias}` maps to `{role}`, which is not a role"),
                        )
                        .help(format!("roles are: {}", schema::AGENCIES.join(", "))),
                    ),
                }
            }
            let mut tables_decl = Vec::new();
            for (name, t) in &m.manifest.tables {
                let Some(fi) = find_file(&m.files, &t.file) else {
                    diags.push(missing_table(&mfile, &t.file));
                    continue;
                };
                let (rows, schemes, errs) =
                    tables::parse_list(&m.files[fi].text, &lib.scheme_names);
                for e in errs {
                    diags.push(row_error(&m.files[fi], e));
                }
                if lib.lists.len() >= 64 {
                    diags.push(Diagnostic::error(
                        "brightline::too-many-tables",
                        &mfile,
                        0..0,
                        "more than 64 list tables are loaded",
                    ));
                    continue;
                }
                let bit = lib.lists.len() as u8;
                lib.lists.push(ListTable {
                    pack: m.manifest.id.clone(),
                    name: name.clone(),
                    title: t.title.clone(),
                    citation: t.citation.clone(),
                    rows,
                    schemes,
                    state: state_of(&m.manifest.id),
                });
                tables_decl.push((name.clone(), bit));
            }
            seen_ids.insert(m.manifest.id.clone(), lib.packs.len());
            lib.packs.push(Pack {
                id: m.manifest.id.clone(),
                name: m.manifest.name.clone(),
                parent: None,
                layer,
                ocd_id: m.manifest.ocd_id.clone(),
                note: m.manifest.note.clone(),
                agencies,
                rules: Vec::new(),
                events: m.events,
                examples: m.examples,
                files: m.files,
                tables: tables_decl,
                broken: m.broken,
                default_scheme: m
                    .manifest
                    .default_scheme
                    .as_ref()
                    .map(|d| d.to_ascii_uppercase()),
                presumptions: presumptions(&m.manifest.presumptions, &mfile, &mut diags),
                checked: checked_date(m.manifest.checked.as_deref(), &mfile, &mut diags),
                manifest_file: m.manifest_file,
            });
            // Parents and rules wait until every pack is known.
            pending.push((m.manifest.parent.clone(), m.rules, mfile));
        }
        for (pi, (parent, _, mfile)) in pending.iter().enumerate() {
            if let Some(p) = parent {
                match seen_ids.get(p) {
                    Some(&i) => lib.packs[pi].parent = Some(i),
                    None => diags.push(
                        Diagnostic::error(
                            "brightline::unknown-parent",
                            mfile,
                            0..0,
                            format!("parent pack `{p}` is not loaded"),
                        )
                        .help("load the parent too (`--laws DIR` must hold the whole chain)"),
                    ),
                }
            }
        }
        for (pi, pend) in pending.iter().enumerate() {
            let mut seen = vec![pi];
            let mut cur = lib.packs[pi].parent;
            while let Some(c) = cur {
                if seen.contains(&c) {
                    let f = pend.2.clone();
                    diags.push(Diagnostic::error(
                        "brightline::parent-cycle",
                        &f,
                        0..0,
                        "the chain of parents loops",
                    ));
                    lib.packs[pi].parent = None;
                    break;
                }
                if lib.packs[c].layer > lib.packs[pi].layer {
                    let f = pend.2.clone();
                    diags.push(
                        Diagnostic::error("brightline::layer-order", &f, 0..0, format!("parent `{}` is a more specific layer than this pack", lib.packs[c].id))
                            .help("a parent must be the same or a more general layer (federal > state > county > city > agency)"),
                    );
                }
                seen.push(c);
                cur = lib.packs[c].parent;
            }
        }
        // Compile rules with the tables each pack can see.
        for (pi, (_, rules, _)) in pending.into_iter().enumerate() {
            let visible = lib.visible_tables(pi);
            let mut ids: HashMap<String, ()> = HashMap::new();
            for r in rules {
                let file = lib.packs[pi].files[r.loc.file].clone();
                if ids.insert(r.id.clone(), ()).is_some() {
                    diags.push(
                        Diagnostic::error(
                            "brightline::duplicate-id",
                            &file,
                            r.loc.span.clone(),
                            format!("rule id `{}` is used twice in this pack", r.id),
                        )
                        .help("give each version its own id, e.g. `doc-detainer-2014`"),
                    );
                    continue;
                }
                let mut ctx = Ctx::new(&file, &visible, &mut diags);
                let cond = ctx.compile(&r.when);
                let atoms = std::mem::take(&mut ctx.atoms);
                match cond {
                    Some(cond) => {
                        let kinds = cond.values_of(schema::KIND);
                        let agencies = cond.values_of(schema::AGENCY);
                        lib.packs[pi].rules.push(CompiledRule {
                            def: r,
                            cond,
                            atoms,
                            kinds,
                            agencies,
                        });
                    }
                    None => lib.packs[pi].broken.push(r.id),
                }
            }
        }
        check_references(&lib, &mut diags);
        lib.build_versions();
        diags.sort_by(|a, b| {
            (a.file.path.as_str(), a.span.start).cmp(&(b.file.path.as_str(), b.span.start))
        });
        (lib, diags)
    }

    /// Loads packs and fails on any error.
    pub fn from_sources(sources: &[PackSource]) -> Result<Library, Vec<Diagnostic>> {
        let (lib, diags) = Library::load(sources);
        if diags.iter().any(|d| d.severity == Severity::Error) {
            Err(diags
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .collect())
        } else {
            Ok(lib)
        }
    }

    pub fn visible_tables(&self, pack: usize) -> Vec<(String, u8)> {
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

    pub fn rule(&self, r: RuleRef) -> &CompiledRule {
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

    /// The version of a jurisdiction's law in force on a date.
    pub fn law(&self, pack: usize, date: Date) -> Result<&LawVersion, RequestError> {
        let versions = self
            .versions
            .get(&self.packs[pack].id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if let Some(v) = versions
            .iter()
            .find(|v| v.from <= date && v.until.is_none_or(|u| date <= u))
        {
            return Ok(v);
        }
        let first = versions
            .first()
            .map(|v| v.from.to_string())
            .unwrap_or_else(|| "none".into());
        Err(RequestError::new(
            "date",
            format!("{date} is before any law encoded for {} (the earliest provision takes effect {first})", self.packs[pack].id),
        ))
    }

    fn build_versions(&mut self) {
        for pi in 0..self.packs.len() {
            let chain = self.chain(pi);
            let mut cuts: Vec<Date> = Vec::new();
            for &p in &chain {
                for r in &self.packs[p].rules {
                    cuts.push(r.def.from);
                    if let Some(u) = r.def.until.and_then(|u| u.next_day()) {
                        cuts.push(u);
                    }
                }
                for e in &self.packs[p].events {
                    cuts.push(e.date);
                    if let Some(u) = e.until.and_then(|u| u.next_day()) {
                        cuts.push(u);
                    }
                }
            }
            cuts.sort();
            cuts.dedup();
            let mut versions: Vec<LawVersion> = Vec::new();
            for (i, &from) in cuts.iter().enumerate() {
                let until = cuts.get(i + 1).and_then(|d| d.previous_day());
                let v = self.version(&chain, from, until);
                if v.rules.is_empty() && v.suspended.is_empty() {
                    continue;
                }
                // Merge with the previous version when nothing changed.
                if let Some(prev) = versions.last_mut() {
                    if prev.rules == v.rules
                        && prev.events == v.events
                        && prev.until.and_then(|u| u.next_day()) == Some(from)
                    {
                        prev.until = until;
                        continue;
                    }
                }
                versions.push(v);
            }
            self.versions.insert(self.packs[pi].id.clone(), versions);
        }
    }

    fn version(&self, chain: &[usize], from: Date, until: Option<Date>) -> LawVersion {
        let mut events = Vec::new();
        for &p in chain {
            for (ei, e) in self.packs[p].events.iter().enumerate() {
                let active = e.date <= from
                    && (e.kind == EventKind::Voids || e.until.is_none_or(|u| from <= u));
                if active {
                    events.push((p, ei));
                }
            }
        }
        let mut rules = Vec::new();
        let mut suspended = Vec::new();
        // General layers first so that plan order reads top-down.
        for &p in chain.iter().rev() {
            for (ri, r) in self.packs[p].rules.iter().enumerate() {
                if !(r.def.from <= from && r.def.until.is_none_or(|u| from <= u)) {
                    continue;
                }
                let hit = events.iter().find(|(ep, ei)| {
                    *ep == p
                        && self.packs[*ep].events[*ei]
                            .targets
                            .iter()
                            .any(|(t, _)| *t == r.def.id)
                });
                match hit {
                    Some(e) => suspended.push(((p, ri), *e)),
                    None => rules.push((p, ri)),
                }
            }
        }
        // One plan per (kind, agency role), and one per kind for a request that names no agency:
        // a rule whose condition excludes the kind or the role is left out of the plan.
        let roles = schema::AGENCIES.len();
        let mut plans = Vec::new();
        for k in 0..schema::KINDS.len() {
            for a in 0..=roles {
                let fits = |r: &CompiledRule| {
                    r.kinds & (1 << k) != 0 && (a == roles || r.agencies & (1 << a) != 0)
                };
                let members: Vec<RuleRef> = rules
                    .iter()
                    .copied()
                    .filter(|r| fits(self.rule(*r)))
                    .collect();
                let plan_rules = members
                    .iter()
                    .map(|&(p, ri)| {
                        let r = &self.packs[p].rules[ri];
                        let overriders: Vec<u16> = members
                            .iter()
                            .enumerate()
                            .filter(|(_, &(op, ori))| {
                                op == p
                                    && self.packs[op].rules[ori]
                                        .def
                                        .overrides
                                        .iter()
                                        .any(|(x, _)| *x == r.def.id)
                            })
                            .map(|(pos, _)| pos as u16)
                            .collect();
                        PlanRule {
                            cond: r.cond.clone(),
                            rule: (p, ri),
                            depth: chain.iter().position(|c| *c == p).unwrap_or(0) as u8,
                            preempts: r.def.preempts,
                            outcome: r.def.outcome,
                            overriders: overriders.into(),
                        }
                    })
                    .collect();
                let plan_rules: Vec<PlanRule> = plan_rules;
                let role = (a < roles).then_some(a);
                let fast: Vec<Cond> = plan_rules
                    .iter()
                    .map(|r| crate::compile::specialize(&r.cond, k, role))
                    .collect();
                plans.push(KindPlan {
                    always: fast
                        .iter()
                        .enumerate()
                        .filter(|(i, c)| *i < FAST_RULES && constant(c) == Some(true))
                        .fold(0, |m: RuleBits, (i, _)| m | 1 << i),
                    live: (0..fast.len() as u16)
                        .filter(|&i| constant(&fast[i as usize]).is_none())
                        .collect(),
                    fast,
                    overridden_by: plan_rules
                        .iter()
                        .map(|r| {
                            r.overriders
                                .iter()
                                .filter(|&&o| (o as usize) < FAST_RULES)
                                .fold(0, |m: RuleBits, &o| m | 1 << o)
                        })
                        .collect(),
                    rules: plan_rules,
                    combined: Default::default(),
                });
            }
        }
        LawVersion {
            from,
            until,
            chain: chain.to_vec(),
            rules,
            plans,
            events,
            suspended,
        }
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
    pub fn read_offense(
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
            .map(|l| l as i64);
        Ok(facts::OffenseRead {
            member,
            unknown,
            code: Some(c.normalized()),
            level,
        })
    }

    /// The pack and its ancestors, most specific first.
    pub fn chain_of(&self, pack: usize) -> impl Iterator<Item = usize> + '_ {
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
    pub fn presume(&self, pack: usize, f: &mut Facts) {
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

/// Facts the agency must look up about the person; a pack may never presume them.
const NEVER_PRESUMED: &[&str] = &[
    "date",
    "agency",
    "request.kind",
    "subject.tsdb_match",
    "subject.reentry_after_removal",
    "subject.final_order_of_removal",
    "subject.lawful_status_proof",
    "subject.registered_sex_offender",
    "subject.probable_cause_finding",
    "subject.aggravated_felony",
    "subject.arrest_date",
    "subject.age",
    "subject.convictions[].offense",
    "subject.convictions[].date",
    "subject.convictions[].level",
    "subject.pending_charges[].offense",
    "subject.pending_charges[].level",
];

fn presumptions(
    decls: &[load::PresumptionDecl],
    mfile: &SourceFile,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Presumption> {
    let mut out = Vec::new();
    for d in decls {
        let bad = |msg: String, help: &str| {
            Diagnostic::error("brightline::bad-presumption", mfile, 0..0, msg)
                .help(help.to_string())
        };
        if NEVER_PRESUMED.contains(&d.fact.as_str()) {
            diags.push(bad(
                format!("`{}` is never presumed", d.fact),
                "facts the agency must look up about the person (convictions, watchlist matches, removal orders, lawful status) are asked for, never presumed",
            ));
            continue;
        }
        let (fact, ty) = if let Some((list, field)) = d.fact.split_once("[].") {
            let found = schema::list(list).and_then(|li| {
                let fi = schema::LISTS[li]
                    .fields
                    .iter()
                    .position(|f| f.path == field)?;
                Some((
                    Presumed::Field {
                        list: li,
                        field: fi,
                    },
                    schema::LISTS[li].fields[fi].ty,
                ))
            });
            match found {
                Some(x) => x,
                None => {
                    diags.push(bad(
                        format!("`{}` is not a fact of a list item", d.fact),
                        "write LIST[].FIELD, e.g. subject.convictions[].juvenile",
                    ));
                    continue;
                }
            }
        } else {
            match schema::scalar(&d.fact) {
                Some(i) => (Presumed::Scalar(i), schema::SCALARS[i].ty),
                None => {
                    diags.push(bad(
                        format!("`{}` is not a fact", d.fact),
                        "see `brightline schema request` for the facts",
                    ));
                    continue;
                }
            }
        };
        let json = serde_json::to_value(&d.value).unwrap_or(serde_json::Value::Null);
        let value = match facts::decode_value(&d.fact, ty, &json) {
            Ok(v) if v != facts::MISSING => v,
            Ok(_) | Err(_) => {
                diags.push(bad(
                    format!("presumed value of `{}` must be {}", d.fact, ty.describe()),
                    "give the value the fact takes when the request is silent",
                ));
                continue;
            }
        };
        if d.reason.trim().is_empty() || d.rebutted_by.trim().is_empty() {
            diags.push(bad(
                format!(
                    "the presumption of `{}` needs a reason and `rebutted_by`",
                    d.fact
                ),
                "say why the law may presume it, and what record would show otherwise",
            ));
            continue;
        }
        out.push(Presumption {
            fact,
            path: d.fact.clone(),
            value,
            reason: d.reason.clone(),
            citation: d.citation.clone(),
            rebutted_by: d.rebutted_by.clone(),
        });
    }
    out
}

fn missing_table(mfile: &SourceFile, rel: &str) -> Diagnostic {
    Diagnostic::error(
        "brightline::missing-table",
        mfile,
        0..0,
        format!("table file `{rel}` is not in the pack"),
    )
    .help("paths in pack.toml are relative to the pack folder")
}

fn row_error(file: &SourceFile, e: tables::RowError) -> Diagnostic {
    let mut start = 0;
    for (i, l) in file.text.split_inclusive('\n').enumerate() {
        if i + 1 == e.line {
            let end = start + l.trim_end().len();
            return Diagnostic::error("brightline::table-row", file, start..end, e.message)
                .help("fix the row; see docs/pack-format.md for table columns");
        }
        start += l.len();
    }
    Diagnostic::error("brightline::table-row", file, 0..0, e.message)
}

/// `checked = "YYYY-MM-DD"`; a malformed date is an error, not a silently fresh pack.
fn checked_date(v: Option<&str>, mfile: &SourceFile, diags: &mut Vec<Diagnostic>) -> Option<Date> {
    let v = v?;
    let d = crate::expr::parse_date(v);
    if d.is_none() {
        diags.push(
            Diagnostic::error(
                "brightline::bad-date",
                mfile,
                key_span(&mfile.text, "checked"),
                format!("`checked = \"{v}\"` is not a date"),
            )
            .help("write the day the text was last checked as YYYY-MM-DD"),
        );
    }
    d
}

/// The span of a top-level `key = …` line's key in a TOML text (0..0 when absent).
pub(crate) fn key_span(text: &str, key: &str) -> std::ops::Range<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return at..at + key.len();
            }
        }
        at += line.len();
    }
    0..0
}

/// Overrides and event targets must name rules of the same pack.
pub fn check_references(lib: &Library, diags: &mut Vec<Diagnostic>) {
    for p in &lib.packs {
        let ids: Vec<&str> = p.rules.iter().map(|r| r.def.id.as_str()).collect();
        let known = |id: &str| ids.contains(&id) || p.broken.iter().any(|b| b == id);
        for r in &p.rules {
            for (o, span) in &r.def.overrides {
                if !known(o) {
                    let file = &p.files[r.def.loc.file];
                    diags.push(
                        Diagnostic::error(
                            "brightline::unknown-rule",
                            file,
                            span.clone(),
                            format!("`overrides` names `{o}`, which is not a rule of this pack"),
                        )
                        .label("no such rule")
                        .with_help(
                            crate::compile::closest(o, &ids)
                                .map(|c| format!("did you mean `{c}`?")),
                        ),
                    );
                }
            }
        }
        for e in &p.events {
            for (t, span) in &e.targets {
                let file = &p.files[e.loc.file];
                match p.rules.iter().find(|r| r.def.id == *t) {
                    None if p.broken.contains(t) => {}
                    None => diags.push(
                        Diagnostic::error(
                            "brightline::unknown-rule",
                            file,
                            span.clone(),
                            format!("event targets `{t}`, which is not a rule of this pack"),
                        )
                        .label("no such rule")
                        .with_help(
                            crate::compile::closest(t, &ids)
                                .map(|c| format!("did you mean `{c}`?")),
                        ),
                    ),
                    Some(r)
                        if r.def.until.is_some_and(|u| u < e.date)
                            || e.until.is_some_and(|u| u < r.def.from) =>
                    {
                        diags.push(
                            Diagnostic::warning(
                                "brightline::event-outside-period",
                                file,
                                span.clone(),
                                format!("event `{}` is not in force while `{t}` is", e.id),
                            )
                            .help("check the dates of the event and of the rule"),
                        )
                    }
                    Some(_) => {}
                }
            }
        }
    }
}
