//! A point of the partition as a concrete request, decided again for real.

use super::*;

pub(super) struct Example {
    /// The date of the request (the earlier of the two laws' dates, for a diff).
    pub(super) date: Date,
}

impl Example {
    pub(super) fn request(&self, scope: &Scope, p: &[u32], kind: usize, role: usize) -> Value {
        let mut request = Map::new();
        let mut subject = Map::new();
        request.insert("kind".into(), Value::from(schema::KINDS[kind]));
        let mut scalars: BTreeMap<u8, i64> = BTreeMap::new();
        for (v, &x) in scope.vars.iter().zip(p) {
            if let (
                Some(Ref::Scalar(f)),
                VarKind::Enum(_) | VarKind::Set(_) | VarKind::Bool | VarKind::Ord(_),
            ) = (v.r, &v.kind)
            {
                scalars.insert(f, v.rep(x as usize));
            }
        }
        // Date windows anchor on the arrest date: give one when the rules need it.
        let arrest = schema::scalar("subject.arrest_date").unwrap_or(0) as u8;
        let needs_arrest = scope.vars.iter().any(|v| match &v.kind {
            VarKind::List(m) => m.item.vars.iter().any(|iv| {
                matches!(&iv.kind, VarKind::Opaque(Cond::Within { anchor: Ref::Scalar(a), .. }) if *a == arrest)
            }),
            _ => false,
        });
        if needs_arrest {
            scalars
                .entry(arrest)
                .or_insert(i64::from(date_value(self.date)) - 30);
        }
        for (&f, &val) in &scalars {
            let d = schema::SCALARS[f as usize];
            let json = show_value(d.ty, val);
            if let Some(k) = d.path.strip_prefix("request.") {
                request.insert(k.into(), json);
            } else if let Some(k) = d.path.strip_prefix("subject.") {
                subject.insert(k.into(), json);
            }
        }
        for (v, &x) in scope.vars.iter().zip(p) {
            if let VarKind::List(m) = &v.kind {
                let items: Vec<Value> = m.witnesses[x as usize]
                    .iter()
                    .map(|w| self.item(m, w, &scalars))
                    .collect();
                let k = schema::LISTS[m.list as usize]
                    .path
                    .trim_start_matches("subject.");
                subject.insert(k.into(), Value::Array(items));
            }
        }
        let mut obj = Map::new();
        obj.insert("agency".into(), Value::from(schema::AGENCIES[role]));
        obj.insert("date".into(), Value::from(self.date.to_string()));
        obj.insert("request".into(), Value::Object(request));
        if !subject.is_empty() {
            obj.insert("subject".into(), Value::Object(subject));
        }
        Value::Object(obj)
    }

    // Long on purpose: one arm per field type of a list item, each giving the value that puts it in the region.
    pub(super) fn item(&self, m: &ListModel, w: &[u32], scalars: &BTreeMap<u8, i64>) -> Value {
        let fields = schema::LISTS[m.list as usize].fields;
        let mut vals: BTreeMap<u8, i64> = BTreeMap::new();
        let mut obj = Map::new();
        let mut windows: Vec<(&Cond, bool)> = Vec::new();
        for (v, &x) in m.item.vars.iter().zip(w) {
            match (&v.kind, v.r) {
                (VarKind::Offense(p), Some(Ref::Field(f))) => {
                    obj.insert(
                        fields[f as usize].path.into(),
                        Value::from(p[x as usize].1.clone()),
                    );
                }
                (VarKind::Opaque(c @ Cond::Within { .. }), _) => windows.push((c, x == 1)),
                (VarKind::Opaque(_), _) => {}
                (_, Some(Ref::Field(f))) => {
                    vals.insert(f, v.rep(x as usize));
                }
                _ => {}
            }
        }
        if !windows.is_empty() {
            let read = |r: Ref, vals: &BTreeMap<u8, i64>| match r {
                Ref::Scalar(s) => scalars.get(&s).copied(),
                Ref::Field(f) => vals.get(&f).copied(),
            };
            for (c, _) in &windows {
                if let Cond::Within {
                    ext: Some(Ref::Field(e)),
                    ..
                } = c
                {
                    vals.entry(*e).or_insert(0);
                }
            }
            let starts: Vec<i64> = windows
                .iter()
                .filter_map(|(c, _)| match c {
                    Cond::Within {
                        amount,
                        unit,
                        anchor,
                        ext,
                        ..
                    } => {
                        let a = read(*anchor, &vals)?;
                        let e = ext.and_then(|r| read(r, &vals)).unwrap_or(0);
                        let s = match unit {
                            Unit::Years => minus_years(a, *amount)?,
                            Unit::Days => a - amount,
                        };
                        Some(s - e)
                    }
                    _ => None,
                })
                .collect();
            if let Some(Cond::Within {
                date: Ref::Field(df),
                anchor,
                ..
            }) = windows.first().map(|w| w.0)
            {
                if !vals.contains_key(df) {
                    let mut cands: Vec<i64> = read(*anchor, &vals).into_iter().collect();
                    for s in &starts {
                        cands.extend([*s, s - 1]);
                    }
                    let pick = cands.iter().copied().find(|d| {
                        windows
                            .iter()
                            .zip(&starts)
                            .all(|((_, want), s)| (*d >= *s) == *want)
                    });
                    if let Some(d) = pick.or(cands.first().copied()) {
                        vals.insert(*df, d);
                    }
                }
            }
        }
        for (f, v) in vals {
            let d = fields[f as usize];
            obj.insert(d.path.into(), show_value(d.ty, v));
        }
        Value::Object(obj)
    }
}
