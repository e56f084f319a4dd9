//! The law in force: for each jurisdiction, one `LawVersion` per interval of
//! dates in which none of its provisions or events change, each with a
//! precompiled plan per (request kind, agency role).

use super::*;

/// A set of plan positions, bit i for plan rule i: the outcome-only path's
/// rule sets (which rules are settled true, fire, are unknown, override).
pub type RuleBits = u128;

/// The most rules a plan may hold for the outcome-only path to keep its rule
/// sets in a `RuleBits`. A larger plan is still decided, and fully, by the
/// slice-based path (`decide::resolve`), which has no such limit and keeps
/// every deciding rule; the outcome-only path does not read such a plan's
/// `always` and `overridden_by` sets.
pub const FAST_RULES: usize = RuleBits::BITS as usize;

/// A rule's position in a plan. Wide enough that no law that fits in memory
/// overflows it (a `u16` wrapped past 65,535 rules in force, silently).
pub type PlanPos = u32;

/// A rule as one request kind's plan holds it: everything the hot path needs, inline.
#[derive(Clone)]
pub struct PlanRule {
    pub cond: Cond,
    pub rule: RuleIx,
    /// Position of the rule's pack in the chain: 0 is the most specific.
    pub depth: u8,
    pub preempts: bool,
    pub outcome: crate::load::Outcome,
    /// Plan positions of the rules that override this one.
    pub overriders: Box<[PlanPos]>,
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
    pub live: Vec<PlanPos>,
    /// Bit j of entry i: plan rule j overrides rule i (plans of up to `FAST_RULES` rules).
    pub overridden_by: Vec<RuleBits>,
    /// For small plans, the combined outcome of every set of firing rules,
    /// indexed by the set as a bit mask; built on first use.
    pub combined: std::sync::OnceLock<Box<[crate::load::Outcome]>>,
    /// The live rules' tests compiled ahead of time, when a build compiled
    /// this plan (`decide::native`); else they are interpreted.
    pub native: Option<crate::decide::native::NativePlan>,
}

pub struct LawVersion {
    pub from: Date,
    pub until: Option<Date>,
    pub chain: Vec<usize>,
    pub rules: Vec<RuleIx>,
    /// Indexed by `kind * (roles + 1) + role`, with `role == roles` for no agency.
    pub plans: Vec<KindPlan>,
    /// Events in force: (pack, event index).
    pub events: Vec<(usize, usize)>,
    /// Rules whose period covers the date but an event has taken out: (rule, event).
    pub suspended: Vec<(RuleIx, (usize, usize))>,
}

impl Library {
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

    pub(super) fn build_versions(&mut self) {
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

    pub(super) fn version(&self, chain: &[usize], from: Date, until: Option<Date>) -> LawVersion {
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
                plans.push(self.plan(chain, &rules, k, a));
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

    /// The plan of one request kind `k` and agency role `a` (`a == roles`:
    /// no agency named) over the rules in force, general layers first: a
    /// rule whose condition excludes the kind or the role is left out.
    fn plan(&self, chain: &[usize], rules: &[RuleIx], k: usize, a: usize) -> KindPlan {
        let roles = schema::AGENCIES.len();
        let fits = |r: &CompiledRule| {
            r.kinds & (1 << k) != 0 && (a == roles || r.agencies & (1 << a) != 0)
        };
        let members: Vec<RuleIx> = rules
            .iter()
            .copied()
            .filter(|r| fits(self.rule(*r)))
            .collect();
        let plan_rules = members
            .iter()
            .map(|&(p, ri)| {
                let r = &self.packs[p].rules[ri];
                let overriders: Vec<PlanPos> = members
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
                    .map(|(pos, _)| pos as PlanPos)
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
        KindPlan {
            always: fast
                .iter()
                .enumerate()
                .filter(|(i, c)| *i < FAST_RULES && constant(c) == Some(true))
                .fold(0, |m: RuleBits, (i, _)| m | 1 << i),
            live: (0..fast.len() as PlanPos)
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
            native: None,
        }
    }
}
