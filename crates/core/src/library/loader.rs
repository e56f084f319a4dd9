//! Loading: packs parsed, tables read, parents resolved, presumptions and
//! rules checked and compiled, references checked, then the versions built.

use super::*;

/// A pack whose parent and rules wait until every pack is known.
struct Pending {
    parent: Option<String>,
    rules: Vec<Rule>,
    /// pack.toml, where a problem with the parent is reported.
    manifest: SourceFile,
}

impl Library {
    /// Loads and checks packs, in phases: models parsed, schemes, packs and
    /// their tables, parents, rules, references, then the versions. The
    /// library holds every pack that loaded; the diagnostics say what is
    /// wrong with the rest.
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
        lib.read_schemes(&models, &mut diags);
        let mut seen_ids: HashMap<String, usize> = HashMap::new();
        let pending: Vec<Pending> = models
            .into_iter()
            .filter_map(|m| lib.add_pack(m, &mut seen_ids, &mut diags))
            .collect();
        lib.link_parents(&pending, &seen_ids, &mut diags);
        lib.compile_rules(pending, &mut diags);
        check_references(&lib, &mut diags);
        lib.build_versions();
        diags.sort_by(|a, b| {
            (a.file.path.as_str(), a.span.start).cmp(&(b.file.path.as_str(), b.span.start))
        });
        (lib, diags)
    }

    /// Phase 1: the offense-code schemes, which list tables and requests
    /// parse codes against.
    fn read_schemes(&mut self, models: &[load::PackModel], diags: &mut Vec<Diagnostic>) {
        for m in models {
            let mfile = &m.files[m.manifest_file];
            for (name, t) in &m.manifest.schemes {
                let up = name.to_ascii_uppercase();
                if !self.scheme_names.contains(&up) {
                    self.scheme_names.push(up.clone());
                }
                for a in &t.aliases {
                    let a = a.to_ascii_uppercase().replace('.', "");
                    if let Some(other) = self.scheme_aliases.insert(a.clone(), up.clone()) {
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
                self.schemes.entry(up).or_default().extend(rows);
            }
        }
    }

    /// Phase 2: one pack from its model: its manifest checked, its list
    /// tables read. Its parent and rules wait until every pack is known.
    // Long on purpose: a pack's manifest checked key by key, each with its own diagnostic, as the rule loader reads a rule.
    fn add_pack(
        &mut self,
        m: load::PackModel,
        seen_ids: &mut HashMap<String, usize>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Pending> {
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
            return None;
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
            return None;
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
            let (rows, schemes, errs) = tables::parse_list(&m.files[fi].text, &self.scheme_names);
            for e in errs {
                diags.push(row_error(&m.files[fi], e));
            }
            if self.lists.len() >= 64 {
                diags.push(Diagnostic::error(
                    "brightline::too-many-tables",
                    &mfile,
                    0..0,
                    "more than 64 list tables are loaded",
                ));
                continue;
            }
            let bit = self.lists.len() as u8;
            self.lists.push(ListTable {
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
        seen_ids.insert(m.manifest.id.clone(), self.packs.len());
        self.packs.push(Pack {
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
            presumptions: presumptions(&m.manifest.presumptions, &mfile, &mut *diags),
            checked: checked_date(m.manifest.checked.as_deref(), &mfile, &mut *diags),
            manifest_file: m.manifest_file,
        });
        // Parents and rules wait until every pack is known.
        Some(Pending {
            parent: m.manifest.parent.clone(),
            rules: m.rules,
            manifest: mfile,
        })
    }

    /// Phase 3: parents linked, and every chain checked to end without a
    /// loop and to run from specific layers to general ones.
    fn link_parents(
        &mut self,
        pending: &[Pending],
        seen_ids: &HashMap<String, usize>,
        diags: &mut Vec<Diagnostic>,
    ) {
        for (pi, pend) in pending.iter().enumerate() {
            let mfile = &pend.manifest;
            if let Some(p) = &pend.parent {
                match seen_ids.get(p) {
                    Some(&i) => self.packs[pi].parent = Some(i),
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
            let mut cur = self.packs[pi].parent;
            while let Some(c) = cur {
                if seen.contains(&c) {
                    let f = pend.manifest.clone();
                    diags.push(Diagnostic::error(
                        "brightline::parent-cycle",
                        &f,
                        0..0,
                        "the chain of parents loops",
                    ));
                    self.packs[pi].parent = None;
                    break;
                }
                if self.packs[c].layer > self.packs[pi].layer {
                    let f = pend.manifest.clone();
                    diags.push(
                        Diagnostic::error("brightline::layer-order", &f, 0..0, format!("parent `{}` is a more specific layer than this pack", self.packs[c].id))
                            .help("a parent must be the same or a more general layer (federal > state > county > city > agency)"),
                    );
                }
                seen.push(c);
                cur = self.packs[c].parent;
            }
        }
    }

    /// Phase 4: rules compiled with the tables each pack can see.
    fn compile_rules(&mut self, pending: Vec<Pending>, diags: &mut Vec<Diagnostic>) {
        for (pi, Pending { rules, .. }) in pending.into_iter().enumerate() {
            let visible = self.visible_tables(pi);
            let mut ids: HashMap<String, ()> = HashMap::new();
            for r in rules {
                let file = self.packs[pi].files[r.loc.file].clone();
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
                let mut ctx = Ctx::new(&file, &visible, &mut *diags);
                let cond = ctx.compile(&r.when);
                let atoms = std::mem::take(&mut ctx.atoms);
                match cond {
                    Some(cond) => {
                        let kinds = cond.values_of(schema::KIND);
                        let agencies = cond.values_of(schema::AGENCY);
                        self.packs[pi].rules.push(CompiledRule {
                            def: r,
                            cond,
                            atoms,
                            kinds,
                            agencies,
                        });
                    }
                    None => self.packs[pi].broken.push(r.id),
                }
            }
        }
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
}

pub(super) fn find_file(files: &[SourceFile], rel: &str) -> Option<usize> {
    files
        .iter()
        .position(|f| f.path.ends_with(&format!("/{rel}")) || f.path == rel)
}

/// Facts the agency must look up about the person; a pack may never presume them.
pub(super) const NEVER_PRESUMED: &[&str] = &[
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

// Long on purpose: each declaration checked in order (fact, value, never-presumed list, citation, rebuttal), each with its own diagnostic.
pub(super) fn presumptions(
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

pub(super) fn missing_table(mfile: &SourceFile, rel: &str) -> Diagnostic {
    Diagnostic::error(
        "brightline::missing-table",
        mfile,
        0..0,
        format!("table file `{rel}` is not in the pack"),
    )
    .help("paths in pack.toml are relative to the pack folder")
}

pub(super) fn row_error(file: &SourceFile, e: tables::RowError) -> Diagnostic {
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
pub(super) fn checked_date(
    v: Option<&str>,
    mfile: &SourceFile,
    diags: &mut Vec<Diagnostic>,
) -> Option<Date> {
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
pub(crate) fn check_references(lib: &Library, diags: &mut Vec<Diagnostic>) {
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
